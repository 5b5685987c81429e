// SPDX-License-Identifier: GPL-2.0
/*
 * calls_kthread_complete_and_exit: a one-shot kthread that ends with
 * kthread_complete_and_exit(), the name complete_and_exit() has had
 * since upstream 5.17.
 *
 * The mirror image of calls_complete_and_exit.c, for SEEDS claim 4.2
 * and the compatibility header: kthread_complete_and_exit() is declared
 * in <linux/kthread.h> and exported (kernel/kthread.c) on 6.1, 6.12 and
 * the newest kernel; Debian's 5.10 knows only the old name, and the
 * build fails there.  oneshot_completion.c builds everywhere through
 * kthread_compat.h.
 *
 * The thread completes @done and exits with code 5 without ever
 * returning to this module; module exit waits for @done, then collects
 * the code with kthread_stop() through the reference init took.
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

static DECLARE_COMPLETION(done);
static struct task_struct *task;

static int thread_fn(void *data)
{
	pr_info("thread: calling kthread_complete_and_exit(&done, 5)\n");
	complete(&printed);
	kthread_complete_and_exit(&done, 5);
}

static int __init calls_kthread_complete_and_exit_init(void)
{
	task = kthread_create(thread_fn, NULL, "calls_kcae");
	if (IS_ERR(task))
		return PTR_ERR(task);

	get_task_struct(task);
	wake_up_process(task);
	wait_for_completion(&printed);
	return 0;
}

static void __exit calls_kthread_complete_and_exit_exit(void)
{
	wait_for_completion(&done);
	pr_info("exit: kthread_stop returned %d\n", kthread_stop(task));
	put_task_struct(task);
}

module_init(calls_kthread_complete_and_exit_init);
module_exit(calls_kthread_complete_and_exit_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("A module's kthread that ends with kthread_complete_and_exit()");
MODULE_AUTHOR("The kthread book");
