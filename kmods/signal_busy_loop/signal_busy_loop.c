// SPDX-License-Identifier: GPL-2.0
/*
 * signal_busy_loop: a signal that is let in and never taken off the queue
 * turns every interruptible sleep of the thread into a busy loop.
 *
 * The thread calls allow_signal(SIGUSR1) and sleeps in
 * msleep_interruptible(100) in a loop, as many drivers' threads do.
 * msleep_interruptible() (kernel/time/timer.c on 5.10, 6.1 and 6.12,
 * kernel/time/sleep_timeout.c on the newest kernel) sleeps only while
 * !signal_pending(current).  A queued signal keeps TIF_SIGPENDING set until
 * it is dequeued, and for a kernel thread nothing dequeues it but the
 * thread itself: get_signal() (kernel/signal.c) runs on the way back to
 * user mode, a way a kthread never takes.  So after one
 * `pkill -USR1`, every call returns at once.
 *
 * The thread counts its calls in one second with the signal left pending,
 * then calls flush_signals(current) (kernel/signal.c: clears
 * TIF_SIGPENDING and empties both queues) and counts its calls in one
 * more second.  It prints nothing itself: module exit waits for the
 * completion "measured" and prints the results, so the lines come after
 * the shell's `rmmod` on every run, and only yes/no buckets are printed,
 * never a count or a time.  The first second spins on the guest's only
 * CPU without a scheduling point; the watchdog reports a soft lockup only
 * after twice watchdog_thresh (2 s here, so 4 s).
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/completion.h>
#include <linux/delay.h>
#include <linux/err.h>
#include <linux/jiffies.h>
#include <linux/kthread.h>
#include <linux/module.h>
#include <linux/sched.h>
#include <linux/sched/signal.h>

#define SLEEP_MS 100
#define MANY 1000	/* a sleeping loop makes about 10 calls a second */

static DECLARE_COMPLETION(ready);
static DECLARE_COMPLETION(measured);
static struct task_struct *task;

/* What the thread saw, read by module exit after "measured". */
static bool pending_busy, pending_fixed;
static unsigned long calls_busy, early_busy, calls_fixed, early_fixed;

/* Call msleep_interruptible(SLEEP_MS) for one second. */
static void count_sleeps(unsigned long *calls, unsigned long *early)
{
	unsigned long end = jiffies + HZ;

	*calls = 0;
	*early = 0;
	while (time_before(jiffies, end)) {
		if (msleep_interruptible(SLEEP_MS))	/* ms not slept */
			(*early)++;
		(*calls)++;
	}
}

static int sleeper_fn(void *data)
{
	allow_signal(SIGUSR1);
	complete(&ready);

	/* Sleep normally until a sleep ends early: the signal has come. */
	while (!msleep_interruptible(SLEEP_MS))
		;

	/* The bug: the signal is never dequeued. */
	count_sleeps(&calls_busy, &early_busy);
	pending_busy = signal_pending(current);

	/* The fix: take the signal off the queue, then sleep again. */
	flush_signals(current);
	pending_fixed = signal_pending(current);
	count_sleeps(&calls_fixed, &early_fixed);

	complete(&measured);

	for (;;) {
		set_current_state(TASK_INTERRUPTIBLE);
		if (kthread_should_stop())
			break;
		schedule();
	}
	__set_current_state(TASK_RUNNING);
	return 0;
}

static int __init signal_busy_loop_init(void)
{
	task = kthread_run(sleeper_fn, NULL, "sig_sleeper");
	if (IS_ERR(task))
		return PTR_ERR(task);
	/* allow_signal() has run: a pkill from now on is queued. */
	wait_for_completion(&ready);
	return 0;
}

static void __exit signal_busy_loop_exit(void)
{
	wait_for_completion(&measured);
	pr_info("SIGUSR1 left pending: signal_pending(): %d; more than %d calls of msleep_interruptible(%d) in one second: %s; every call returned early: %s\n",
		pending_busy, MANY, SLEEP_MS,
		calls_busy > MANY ? "yes" : "no",
		early_busy == calls_busy ? "yes" : "no");
	pr_info("after flush_signals(): signal_pending(): %d; more than %d calls in one second: %s; any call returned early: %s\n",
		pending_fixed, MANY,
		calls_fixed > MANY ? "yes" : "no",
		early_fixed ? "yes" : "no");
	kthread_stop(task);
	pr_info("unloaded\n");
}

module_init(signal_busy_loop_init);
module_exit(signal_busy_loop_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("A signal allowed and never dequeued makes msleep_interruptible() return at once");
MODULE_AUTHOR("The kthread book");
