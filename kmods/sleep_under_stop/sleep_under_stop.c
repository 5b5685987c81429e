// SPDX-License-Identifier: GPL-2.0
/*
 * sleep_under_stop: which 2-second sleeps does kthread_stop() cut short?
 *
 * Module init starts one thread per sleeping helper, one after the other.
 * Each thread calls its helper to sleep for 2 s; init waits until the
 * thread is asleep in it, calls kthread_stop(), and the thread prints
 * whether the helper returned early (more than a second before its 2 s
 * were up: yes or no, never a time) before it returns.
 *
 * kthread_stop() wakes the thread with wake_up_process(), whose mask is
 * TASK_NORMAL (TASK_INTERRUPTIBLE | TASK_UNINTERRUPTIBLE): it wakes every
 * state below, TASK_KILLABLE and TASK_IDLE included, since both contain
 * TASK_UNINTERRUPTIBLE.  What decides is the helper:
 *
 *  - schedule_timeout_*() is one sleep: any wake-up ends it;
 *  - msleep() loops on schedule_timeout_uninterruptible() until the time
 *    is up: it sleeps again;
 *  - msleep_interruptible() loops while no signal is pending: it sleeps
 *    again on 5.10, and returns on 6.1 and later, where kthread_stop()
 *    sets TIF_NOTIFY_SIGNAL (signal_pending() counts it on all four).
 *
 * One thread at a time, so that every line comes in the same order.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/delay.h>
#include <linux/err.h>
#include <linux/jiffies.h>
#include <linux/kthread.h>
#include <linux/module.h>
#include <linux/sched.h>
#include <linux/version.h>

#define SLEEP_MS 2000

enum helper {
	MSLEEP,
	MSLEEP_INTERRUPTIBLE,
	TIMEOUT_UNINTERRUPTIBLE,
	TIMEOUT_INTERRUPTIBLE,
	TIMEOUT_KILLABLE,
	TIMEOUT_IDLE,
	NR_HELPERS,
};

static const char * const names[NR_HELPERS] = {
	[MSLEEP] = "msleep(2000)",
	[MSLEEP_INTERRUPTIBLE] = "msleep_interruptible(2000)",
	[TIMEOUT_UNINTERRUPTIBLE] = "schedule_timeout_uninterruptible(2 * HZ)",
	[TIMEOUT_INTERRUPTIBLE] = "schedule_timeout_interruptible(2 * HZ)",
	[TIMEOUT_KILLABLE] = "schedule_timeout_killable(2 * HZ)",
	[TIMEOUT_IDLE] = "schedule_timeout_idle(2 * HZ)",
};

static bool sleeping;

static int sleeper_fn(void *data)
{
	enum helper h = (enum helper)(uintptr_t)data;
	long t = msecs_to_jiffies(SLEEP_MS);
	unsigned long start = jiffies;

	WRITE_ONCE(sleeping, true);
	switch (h) {
	case MSLEEP:
		msleep(SLEEP_MS);
		break;
	case MSLEEP_INTERRUPTIBLE:
		msleep_interruptible(SLEEP_MS);
		break;
	case TIMEOUT_UNINTERRUPTIBLE:
		schedule_timeout_uninterruptible(t);
		break;
	case TIMEOUT_INTERRUPTIBLE:
		schedule_timeout_interruptible(t);
		break;
	case TIMEOUT_KILLABLE:
		schedule_timeout_killable(t);
		break;
	default:
		schedule_timeout_idle(t);
		break;
	}
	pr_info("%s: returned early: %s\n", names[h],
		time_before(jiffies, start + t - HZ) ? "yes" : "no");
	/* Woken by the stop, or after it: kthread_should_stop() is true. */
	return 0;
}

static bool asleep(struct task_struct *task)
{
	if (!READ_ONCE(sleeping))
		return false;
#if LINUX_VERSION_CODE >= KERNEL_VERSION(5, 14, 0)
	return !task_is_running(task);
#else
	return READ_ONCE(task->state) != TASK_RUNNING;
#endif
}

static int __init sleep_under_stop_init(void)
{
	int h;

	for (h = 0; h < NR_HELPERS; h++) {
		struct task_struct *task;

		WRITE_ONCE(sleeping, false);
		task = kthread_run(sleeper_fn, (void *)(uintptr_t)h, "stop_sleeper");
		if (IS_ERR(task))
			return PTR_ERR(task);
		while (!asleep(task))
			schedule_timeout_uninterruptible(1);
		kthread_stop(task);
	}
	pr_info("done\n");
	return 0;
}

static void __exit sleep_under_stop_exit(void)
{
}

module_init(sleep_under_stop_init);
module_exit(sleep_under_stop_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("Which sleeping helpers a kthread_stop() cuts short, per kernel");
MODULE_AUTHOR("The kthread book");
