// SPDX-License-Identifier: GPL-2.0
/*
 * A thread that ignores kthread_stop() and leaves only on SIGTERM.
 *
 * Its loop never calls kthread_should_stop(): it sleeps in msleep() and
 * looks for a SIGTERM with kernel_dequeue_signal(). kthread_stop() sets the
 * stop flag and wakes the thread (from 6.1 it also sets TIF_NOTIFY_SIGNAL,
 * which msleep() does not look at), and msleep() goes back to sleep until
 * its time is up, so the rmmod that calls kthread_stop() waits until someone
 * sends the thread SIGTERM, which it accepts because it called
 * allow_signal(SIGTERM). The thread waits half a second before it says so:
 * the shell that sent the signal has gone on to its next step by then, so
 * the output has one order on every run.
 */
#include <linux/completion.h>
#include <linux/delay.h>
#include <linux/kthread.h>
#include <linux/module.h>
#include <linux/sched/signal.h>
#include <linux/sched/task.h>

/*
 * The init returns once the thread has said its first line, so that line
 * comes before the shell's next step however busy the host is.
 */
static DECLARE_COMPLETION(printed);

static char *greeting = "hello";
module_param(greeting, charp, 0444);
MODULE_PARM_DESC(greeting, "what the thread prints when it starts");

static struct task_struct *task;

static int term_waiter_fn(void *data)
{
	allow_signal(SIGTERM);
	pr_info("thread says: %s\n", greeting);
	complete(&printed);
	while (kernel_dequeue_signal() != SIGTERM)
		msleep(100);
	msleep(500);
	pr_info("thread got SIGTERM, stop requested: %s\n",
		kthread_should_stop() ? "yes" : "no");
	return 7;
}

static int __init stop_waits_for_signal_init(void)
{
	/*
	 * A name longer than TASK_COMM_LEN - 1: comm keeps its first 15
	 * characters on every kernel; 6.1 and later also keep the whole name
	 * and show it in /proc (get_kthread_comm(), up to 63 characters).
	 */
	task = kthread_run(term_waiter_fn, NULL, "term_waiter_for_sigterm");
	if (IS_ERR(task))
		return PTR_ERR(task);
	/* Keep the task_struct: the thread may end before kthread_stop(). */
	get_task_struct(task);
	wait_for_completion(&printed);
	return 0;
}

static void __exit stop_waits_for_signal_exit(void)
{
	pr_info("kthread_stop returned %d\n", kthread_stop(task));
	put_task_struct(task);
}

module_init(stop_waits_for_signal_init);
module_exit(stop_waits_for_signal_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("kthread_stop() waits for a thread that only SIGTERM ends");
