// SPDX-License-Identifier: GPL-2.0
/*
 * exit_on_signal: a thread whose only exit test is signal_pending(), and
 * what kthread_stop() does to it on each kernel.
 *
 * The loop is `while (!signal_pending(current)) msleep_interruptible()`,
 * with SIGTERM let in by allow_signal(); it never calls
 * kthread_should_stop().
 *
 *  - 5.10: kthread_stop() (kernel/kthread.c) sets KTHREAD_SHOULD_STOP and
 *    wakes the thread, nothing that signal_pending()
 *    (include/linux/sched/signal.h) sees: msleep_interruptible() sleeps
 *    on, the loop goes on, and rmmod waits in kthread_stop() until a real
 *    SIGTERM comes.
 *  - 6.1 and later: kthread_stop() also sets TIF_NOTIFY_SIGNAL, which
 *    signal_pending() counts: the loop ends at the stop request, with no
 *    signal queued.
 *
 * Once out of the loop the thread asks what it was: kernel_dequeue_signal()
 * takes a queued signal off (0 if none), and flush_signals()
 * (kernel/signal.c) clears TIF_SIGPENDING and both queues - not
 * TIF_NOTIFY_SIGNAL, so signal_pending() stays true after it on 6.1 and
 * later.  The thread waits half a second (msleep(), uninterruptible, which
 * no flag ends early) before it prints, so that its lines land in the
 * shell's `sleep 1` that follows the step that ended the loop.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/completion.h>
#include <linux/delay.h>
#include <linux/err.h>
#include <linux/kthread.h>
#include <linux/module.h>
#include <linux/sched/signal.h>
#include <linux/sched/task.h>

static DECLARE_COMPLETION(ready);
static struct task_struct *task;

static int exiter_fn(void *data)
{
	int sig;

	allow_signal(SIGTERM);
	complete(&ready);

	while (!signal_pending(current))
		msleep_interruptible(1000);

	msleep(500);
	sig = kernel_dequeue_signal();
	pr_info("left the loop: stop requested: %s; kernel_dequeue_signal() returned %d (SIGTERM is %d)\n",
		kthread_should_stop() ? "yes" : "no", sig, SIGTERM);
	pr_info("signal_pending() after kernel_dequeue_signal(): %d\n",
		signal_pending(current));
	flush_signals(current);
	pr_info("signal_pending() after flush_signals(): %d\n",
		signal_pending(current));
	return 0;
}

static int __init exit_on_signal_init(void)
{
	task = kthread_run(exiter_fn, NULL, "sig_exiter");
	if (IS_ERR(task))
		return PTR_ERR(task);
	/* Keep the task_struct: a signal could end the thread before the stop. */
	get_task_struct(task);
	/* allow_signal() has run: a SIGTERM from now on is queued. */
	wait_for_completion(&ready);
	return 0;
}

static void __exit exit_on_signal_exit(void)
{
	pr_info("kthread_stop returned %d\n", kthread_stop(task));
	put_task_struct(task);
}

module_init(exit_on_signal_init);
module_exit(exit_on_signal_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("A loop that ends on signal_pending() alone: kthread_stop() ends it from 6.1, only a signal on 5.10");
MODULE_AUTHOR("The kthread book");
