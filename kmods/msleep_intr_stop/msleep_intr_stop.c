// SPDX-License-Identifier: GPL-2.0
/*
 * msleep_intr_stop: kthread_stop() on a thread in msleep_interruptible().
 * Does an interruptible sleep end at a stop request?  It depends on the
 * kernel, not only on the sleep being interruptible.
 *
 * msleep_interruptible() (kernel/time/timer.c on 5.10, 6.1 and 6.12,
 * kernel/time/sleep_timeout.c on the newest kernel) is the same loop on
 * all four:
 *
 *	while (timeout && !signal_pending(current))
 *		timeout = schedule_timeout_interruptible(timeout);
 *	return jiffies_to_msecs(timeout);
 *
 * kthread_stop()'s wake_up_process() ends the schedule_timeout early, and
 * the loop then asks signal_pending():
 *
 *  - 5.10: kthread_stop() sets no flag that signal_pending() sees, so the
 *    loop sleeps again for the rest of the time; the function returns 0
 *    (nothing left) and kthread_stop() waits out the whole sleep.
 *  - 6.1 and later: kthread_stop() also sets TIF_NOTIFY_SIGNAL (commit
 *    a7c01fa93aeb, v6.1), which signal_pending() counts
 *    (include/linux/sched/signal.h): the loop ends and the function
 *    returns the milliseconds left.
 *
 * The run is made the same every time: the thread starts its 2 s sleep
 * only when module exit says a stop is coming, and exit calls
 * kthread_stop() only once the thread is asleep (no longer TASK_RUNNING
 * after it has set `sleeping`).  The output says whether the sleep
 * returned early and whether kthread_stop() took less than a second:
 * yes or no, never a raw time, so that it is the same on every run.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/completion.h>
#include <linux/delay.h>
#include <linux/jiffies.h>
#include <linux/kthread.h>
#include <linux/module.h>
#include <linux/sched.h>
#include <linux/version.h>

#define SLEEP_MS 2000

static DECLARE_COMPLETION(stop_coming);
static bool sleeping;
static struct task_struct *task;

static bool thread_asleep(void)
{
	if (!READ_ONCE(sleeping))
		return false;
#if LINUX_VERSION_CODE >= KERNEL_VERSION(5, 14, 0)
	return !task_is_running(task);
#else
	return READ_ONCE(task->state) != TASK_RUNNING;
#endif
}

static int thread_fn(void *data)
{
	unsigned long left;

	wait_for_completion(&stop_coming);
	pr_info("thread: calling msleep_interruptible(%u)\n", SLEEP_MS);
	WRITE_ONCE(sleeping, true);
	left = msleep_interruptible(SLEEP_MS);
	pr_info("thread: msleep_interruptible() returned early: %s; stop requested: %s\n",
		left ? "yes" : "no", kthread_should_stop() ? "yes" : "no");

	for (;;) {
		set_current_state(TASK_INTERRUPTIBLE);
		if (kthread_should_stop())
			break;
		schedule();
	}
	__set_current_state(TASK_RUNNING);
	return 0;
}

static int __init msleep_intr_stop_init(void)
{
	task = kthread_run(thread_fn, NULL, "msleep_intr");
	if (IS_ERR(task))
		return PTR_ERR(task);
	/* The thread stays until kthread_stop(): no extra reference needed. */
	return 0;
}

static void __exit msleep_intr_stop_exit(void)
{
	unsigned long start;
	int ret;

	complete(&stop_coming);
	while (!thread_asleep())
		schedule_timeout_uninterruptible(1);

	pr_info("exit: calling kthread_stop\n");
	start = jiffies;
	ret = kthread_stop(task);
	pr_info("exit: kthread_stop returned %d, in less than a second: %s\n",
		ret, time_before(jiffies, start + HZ) ? "yes" : "no");
}

module_init(msleep_intr_stop_init);
module_exit(msleep_intr_stop_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("kthread_stop() on a thread in msleep_interruptible(): early on 6.1 and later, not on 5.10");
MODULE_AUTHOR("The kthread book");
