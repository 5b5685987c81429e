// SPDX-License-Identifier: GPL-2.0
/*
 * calls_kthread_exit: a module's kthread that ends with kthread_exit(),
 * the helper upstream 5.17 introduced for kthreads when do_exit() lost
 * its export.
 *
 * Evidence next to SEEDS claim 3.2 (calls_do_exit.c): which exit call a
 * module can use differs from kernel to kernel, and the headers are not
 * enough to tell.  The name compiles on all four kernels
 * (<linux/kthread.h>), but:
 *
 *  - 5.10 and 6.1 declare and define the function and do not export it:
 *    the file compiles and modpost rejects the module ("kthread_exit"
 *    undefined).  Upstream 5.10 had no kthread_exit(); Debian's changelog
 *    lists "exit: Implement kthread_exit" under the upstream stable
 *    release 5.10.220;
 *  - 6.12 exports it (EXPORT_SYMBOL in kernel/kthread.c);
 *  - on the newest kernel it is no function but a macro for do_exit(),
 *    which kernel/exit.c exports again: the module links against
 *    do_exit().
 *
 * Where it links, the thread ends with code 5 without returning to the
 * module, and module exit collects the code with kthread_stop() through
 * the reference init took.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/completion.h>
#include <linux/kernel.h>
#include <linux/kthread.h>
#include <linux/module.h>
#include <linux/sched/task.h>

/*
 * The init returns once the thread has said its first line, so that line
 * comes before the shell's next step however busy the host is.
 */
static DECLARE_COMPLETION(printed);

static struct task_struct *task;

static int thread_fn(void *data)
{
	pr_info("thread: calling kthread_exit(5)\n");
	complete(&printed);
	kthread_exit(5);
}

static int __init calls_kthread_exit_init(void)
{
	task = kthread_create(thread_fn, NULL, "calls_kexit");
	if (IS_ERR(task))
		return PTR_ERR(task);

	get_task_struct(task);
	wake_up_process(task);
	wait_for_completion(&printed);
	return 0;
}

static void __exit calls_kthread_exit_exit(void)
{
	pr_info("exit: kthread_stop returned %d\n", kthread_stop(task));
	put_task_struct(task);
}

module_init(calls_kthread_exit_init);
module_exit(calls_kthread_exit_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("A module's kthread that ends with kthread_exit()");
MODULE_AUTHOR("The kthread book");
