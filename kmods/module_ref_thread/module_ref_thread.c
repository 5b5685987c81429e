// SPDX-License-Identifier: GPL-2.0
/*
 * module_ref_thread: a thread that holds a reference to its module and
 * drops it with module_put_and_kthread_exit().
 *
 * A thread that may outlive module exit - one that ends by itself, which
 * exit does not stop - runs code that rmmod frees.  Holding a module
 * reference (try_module_get()) for the thread's lifetime makes rmmod fail
 * while it runs: delete_module() calls try_stop_module(), which returns
 * -EWOULDBLOCK ("Resource temporarily unavailable") while the count is not
 * zero (kernel/module.c on 5.10, kernel/module/main.c from 6.1).
 * The thread cannot drop that reference with module_put() and then
 * return: between the two it still runs this module's code.
 * module_put_and_kthread_exit() calls __module_put_and_kthread_exit(),
 * which lives in the kernel proper, so the last instructions after the
 * put are not the module's.
 *
 * The output is ordered by completions: init returns after the thread's
 * first line; the thread waits until the shell writes the parameter
 * `finish`, so the first rmmod always finds it running; and the write
 * returns only once the thread is past complete_all(&finished).  The thread is
 * SCHED_FIFO, so on the guest's one CPU the woken writer cannot run before
 * the thread has dropped the reference and exited: the second rmmod always
 * finds the count at zero.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/completion.h>
#include <linux/err.h>
#include <linux/kthread.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/sched.h>

static DECLARE_COMPLETION(started);
static DECLARE_COMPLETION(finish_requested);
static DECLARE_COMPLETION(finished);

static int finish_set(const char *val, const struct kernel_param *kp)
{
	complete(&finish_requested);
	wait_for_completion(&finished);
	return 0;
}

static const struct kernel_param_ops finish_ops = {
	.set = finish_set,
};
module_param_cb(finish, &finish_ops, NULL, 0200);
MODULE_PARM_DESC(finish, "write anything: the thread finishes");

static int holder_fn(void *data)
{
	pr_info("thread holds a module reference, waits\n");
	complete(&started);
	wait_for_completion(&finish_requested);
	pr_info("thread finishes, drops the reference\n");
	complete_all(&finished);
	module_put_and_kthread_exit(0);
}

static int __init module_ref_thread_init(void)
{
	struct task_struct *task;

	if (!try_module_get(THIS_MODULE))
		return -ENODEV;
	task = kthread_create(holder_fn, NULL, "mod_ref_holder");
	if (IS_ERR(task)) {
		module_put(THIS_MODULE);
		return PTR_ERR(task);
	}
	sched_set_fifo_low(task);
	wake_up_process(task);
	wait_for_completion(&started);
	return 0;
}

static void __exit module_ref_thread_exit(void)
{
	/* Reached only after the thread dropped its reference. */
	wait_for_completion(&finished);
	pr_info("unloaded\n");
}

module_init(module_ref_thread_init);
module_exit(module_ref_thread_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("A kthread that pins its module and ends with module_put_and_kthread_exit()");
MODULE_AUTHOR("The kthread book");
