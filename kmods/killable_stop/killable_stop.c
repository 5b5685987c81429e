// SPDX-License-Identifier: GPL-2.0
/*
 * killable_stop: what ends wait_event_killable() in a kernel thread?
 *
 * The thread waits with wait_event_killable(wq, data_ready): the stop flag
 * is not in the condition (compare wait_no_stop_check, whose
 * wait_event_interruptible() ends at the stop on 6.1 and later).  A
 * TASK_KILLABLE sleep is TASK_UNINTERRUPTIBLE | TASK_WAKEKILL: it is woken
 * by a TASK_NORMAL wake-up, but its wait ends before the condition only when
 * signal_pending_state() says so, which for it means a fatal signal:
 * SIGKILL in the task's own queue (__fatal_signal_pending(),
 * include/linux/sched/signal.h).
 *
 *  - kill_first=1: module exit first queues SIGKILL to the thread with
 *    send_sig() (its own queue; the thread has called
 *    allow_signal(SIGKILL), or the signal would be dropped as ignored).
 *    The wait returns -ERESTARTSYS; the thread flushes the signal and
 *    waits for the stop.
 *  - kill_first=0: module exit only calls kthread_stop().  Its wake-up
 *    ends the sleep, the condition is still false, and TIF_NOTIFY_SIGNAL
 *    (6.1 and later) is not a fatal signal: the thread sleeps again, on
 *    every kernel, and rmmod waits in kthread_stop() for good.
 *
 * Ordered by completions: exit calls kthread_stop() only after the thread
 * said what its wait returned (kill_first=1).
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/completion.h>
#include <linux/err.h>
#include <linux/jiffies.h>
#include <linux/kthread.h>
#include <linux/module.h>
#include <linux/sched.h>
#include <linux/sched/signal.h>
#include <linux/signal.h>
#include <linux/wait.h>

static bool kill_first;
module_param(kill_first, bool, 0444);
MODULE_PARM_DESC(kill_first, "send SIGKILL to the thread before kthread_stop()");

static DECLARE_WAIT_QUEUE_HEAD(wq);
static DECLARE_COMPLETION(waiting);
static DECLARE_COMPLETION(wait_ended);
static bool data_ready;		/* never set */
static struct task_struct *task;

static int waiter_fn(void *data)
{
	int ret;

	allow_signal(SIGKILL);
	complete(&waiting);
	ret = wait_event_killable(wq, READ_ONCE(data_ready));
	pr_info("thread: wait_event_killable() returned %d\n", ret);
	flush_signals(current);
	complete(&wait_ended);

	while (!kthread_should_stop())
		schedule_timeout_interruptible(HZ / 10);
	return 0;
}

static int __init killable_stop_init(void)
{
	task = kthread_run(waiter_fn, NULL, "killable_w");
	if (IS_ERR(task))
		return PTR_ERR(task);
	wait_for_completion(&waiting);
	return 0;
}

static void __exit killable_stop_exit(void)
{
	if (kill_first) {
		pr_info("exit: send_sig(SIGKILL) to the thread\n");
		send_sig(SIGKILL, task, 1);
		wait_for_completion(&wait_ended);
	}
	pr_info("exit: calling kthread_stop\n");
	pr_info("exit: kthread_stop returned %d\n", kthread_stop(task));
}

module_init(killable_stop_init);
module_exit(killable_stop_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("wait_event_killable() in a kthread: a queued SIGKILL ends it, kthread_stop() does not");
MODULE_AUTHOR("The kthread book");
