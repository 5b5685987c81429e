// SPDX-License-Identifier: GPL-2.0
/*
 * wait_after_stop: what a thread's sleeps do once kthread_stop() has been
 * called for it.  Teardown code often still waits after
 * kthread_should_stop() turned true - for a queue to drain, for hardware
 * to finish.  This thread makes five calls of each of three waits whose
 * condition never comes true, each meant to last 100 ms, and counts how
 * many returned at once instead.
 *
 * Sources (kernel/kthread.c, kthread_stop()): from 6.1 (commit
 * a7c01fa93aeb, "signal: break out of wait loops on kthread_stop()")
 * kthread_stop() sets TIF_NOTIFY_SIGNAL on the thread before it wakes it;
 * 5.10 does not.  signal_pending() (include/linux/sched/signal.h) counts
 * that flag as a pending signal.  The flag is cleared by
 * clear_notify_signal(), which get_signal() (kernel/signal.c) calls on the
 * way back to user space - a way a kernel thread never takes;
 * flush_signals() clears only TIF_SIGPENDING.  So after the stop:
 *
 *  - wait_event_interruptible_timeout(): prepare_to_wait_event()
 *    (kernel/sched/wait.c) sees signal_pending_state() and returns
 *    -ERESTARTSYS without sleeping;
 *  - msleep_interruptible() (kernel/time/timer.c, on the newest kernel
 *    kernel/time/sleep_timeout.c): its loop runs only while
 *    !signal_pending(current), so it returns at once with the
 *    milliseconds left;
 *  - wait_event_timeout() sleeps in TASK_UNINTERRUPTIBLE, for which
 *    signal_pending_state() ignores signals: it sleeps its full time.
 *
 * On 6.1 and later the two interruptible waits return at once every time
 * (5 of 5); on 5.10 none does (0 of 5), and the rmmod that called
 * kthread_stop() waits the whole 1.5 s.  The counts, not times, are
 * printed, so the output is the same on every run.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/completion.h>
#include <linux/delay.h>
#include <linux/kthread.h>
#include <linux/module.h>
#include <linux/sched/signal.h>
#include <linux/wait.h>

#define CALLS 5

static DECLARE_WAIT_QUEUE_HEAD(stop_wq);
static DECLARE_WAIT_QUEUE_HEAD(drain_wq);
static DECLARE_COMPLETION(started);
static bool drained;	/* never set: the "hardware" never answers */
static struct task_struct *task;

static int teardown_fn(void *data)
{
	long ret, first;
	int i, early;

	complete(&started);
	/* The main loop: the stop flag is part of the condition. */
	wait_event_interruptible(stop_wq, kthread_should_stop());

	pr_info("stop requested, signal_pending(): %d\n",
		signal_pending(current));

	for (i = 0, early = 0, first = 0; i < CALLS; i++) {
		ret = wait_event_interruptible_timeout(drain_wq,
						       READ_ONCE(drained),
						       msecs_to_jiffies(100));
		if (i == 0)
			first = ret;
		if (ret != 0)	/* 0: timed out with the condition false */
			early++;
	}
	pr_info("wait_event_interruptible_timeout(): %d of %d returned at once, the first with %ld\n",
		early, CALLS, first);

	for (i = 0, early = 0; i < CALLS; i++)
		if (msleep_interruptible(100) != 0)	/* ms not slept */
			early++;
	pr_info("msleep_interruptible(): %d of %d returned at once\n",
		early, CALLS);

	for (i = 0, early = 0; i < CALLS; i++)
		if (wait_event_timeout(drain_wq, READ_ONCE(drained),
				       msecs_to_jiffies(100)) != 0)
			early++;
	pr_info("wait_event_timeout(): %d of %d returned at once\n",
		early, CALLS);

	return 0;
}

static int __init wait_after_stop_init(void)
{
	task = kthread_run(teardown_fn, NULL, "wait_after_stop");
	if (IS_ERR(task))
		return PTR_ERR(task);

	wait_for_completion(&started);
	return 0;
}

static void __exit wait_after_stop_exit(void)
{
	pr_info("calling kthread_stop\n");
	pr_info("kthread_stop returned %d\n", kthread_stop(task));
}

module_init(wait_after_stop_init);
module_exit(wait_after_stop_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("Interruptible waits after kthread_stop(): at once on 6.1+, in full on 5.10");
MODULE_AUTHOR("The kthread book");
