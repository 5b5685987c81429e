// SPDX-License-Identifier: GPL-2.0
/*
 * calls_do_exit: a kthread of a module that ends itself with do_exit()
 * (article 003).
 *
 * Settles SEEDS claim 3.2 ("a thread can end itself with do_exit(0),
 * which frees its resources at once") - on the kernels where a module
 * can call do_exit() at all.  The build is the evidence:
 *
 *  - 5.10: do_exit() is exported, GPL-only (kernel/exit.c); this GPL
 *    module builds and runs.
 *  - 6.1, 6.12: upstream 5.17 stopped exporting do_exit(); kthreads were
 *    to end with kthread_exit() or by returning.  The header still
 *    declares it, so the file compiles, and modpost rejects the module:
 *    "do_exit" undefined.
 *  - the newest kernel exports do_exit() again (EXPORT_SYMBOL), and its
 *    <linux/kthread.h> defines kthread_exit(result) as do_exit(result):
 *    do_exit() now records a kthread's result itself (kthread_do_exit()
 *    in kernel/kthread.c).
 *
 * Where it runs, do_exit() does not "free the resources at once": it
 * never returns, the task is released at once (its parent kthreadd
 * ignores SIGCHLD, so exit_notify() reaps it), and the task_struct is
 * freed only after an RCU grace period and only when the last reference
 * goes - init holds one here, so kthread_stop() can still collect the
 * exit code (5) a second later.  Ending a module's thread with do_exit()
 * is safe for the module text, since nothing returns into it, but it is
 * never needed: returning from the thread function has the same effect.
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
	pr_info("thread: calling do_exit(5)\n");
	complete(&printed);
	do_exit(5);
}

static int __init calls_do_exit_init(void)
{
	task = kthread_create(thread_fn, NULL, "calls_do_exit");
	if (IS_ERR(task))
		return PTR_ERR(task);

	get_task_struct(task);
	wake_up_process(task);
	wait_for_completion(&printed);
	return 0;
}

static void __exit calls_do_exit_exit(void)
{
	pr_info("exit: kthread_stop returned %d\n", kthread_stop(task));
	put_task_struct(task);
}

module_init(calls_do_exit_init);
module_exit(calls_do_exit_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("A module's kthread that ends with do_exit()");
MODULE_AUTHOR("The kthread book");
