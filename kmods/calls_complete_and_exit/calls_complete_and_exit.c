// SPDX-License-Identifier: GPL-2.0
/*
 * calls_complete_and_exit: a one-shot kthread that ends with the old
 * complete_and_exit() (article 004's answer, as written in 2010s code).
 *
 * Evidence for SEEDS claim 4.2 and the compatibility header: upstream
 * 5.17 renamed complete_and_exit() (kernel/exit.c) to
 * kthread_complete_and_exit() (kernel/kthread.c).  Debian's 5.10 builds
 * and runs this listing; on 6.1 and later the old name is declared
 * nowhere and the build fails.  calls_kthread_complete_and_exit.c is the
 * mirror image; oneshot_completion.c builds everywhere through
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
	pr_info("thread: calling complete_and_exit(&done, 5)\n");
	complete(&printed);
	complete_and_exit(&done, 5);
}

static int __init calls_complete_and_exit_init(void)
{
	task = kthread_create(thread_fn, NULL, "calls_cae");
	if (IS_ERR(task))
		return PTR_ERR(task);

	get_task_struct(task);
	wake_up_process(task);
	wait_for_completion(&printed);
	return 0;
}

static void __exit calls_complete_and_exit_exit(void)
{
	wait_for_completion(&done);
	pr_info("exit: kthread_stop returned %d\n", kthread_stop(task));
	put_task_struct(task);
}

module_init(calls_complete_and_exit_init);
module_exit(calls_complete_and_exit_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("A module's kthread that ends with complete_and_exit()");
MODULE_AUTHOR("The kthread book");
