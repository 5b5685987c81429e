// SPDX-License-Identifier: GPL-2.0
/*
 * long_msleep: a long msleep() is a "hung task"; the same time in short
 * sleeps, or in a TASK_IDLE sleep, is not.
 *
 * Three threads sleep for 10 s each, longer than the guest's
 * hung_task_timeout_secs (3 s):
 *
 *  - short_msleeps: ten msleep(1000) calls;
 *  - idle_sleep: one schedule_timeout_idle(10 * HZ);
 *  - one_msleep: one msleep(10000).
 *
 * msleep() sleeps in TASK_UNINTERRUPTIBLE (schedule_timeout_uninterruptible(),
 * kernel/time/timer.c; kernel/time/sleep_timeout.c on the newest kernel).
 * The hung-task detector (kernel/hung_task.c) does not ask why a task
 * sleeps: it reports a task in TASK_UNINTERRUPTIBLE (TASK_IDLE and
 * TASK_KILLABLE excepted) whose count of context switches has not changed
 * for hung_task_timeout_secs.  Each msleep(1000) starts with a switch, so
 * short_msleeps never stays that long; one_msleep does.
 *
 * The harness prints one hung-task report per boot, and the detector walks
 * the tasks in the order they were created: the two threads that must not
 * be reported are created first, so a report naming one_msleep says they
 * were not taken for hung.  The threads print nothing; module exit, after
 * all three sleeps are over, stops them and prints.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/completion.h>
#include <linux/delay.h>
#include <linux/err.h>
#include <linux/jiffies.h>
#include <linux/kthread.h>
#include <linux/module.h>
#include <linux/sched.h>

enum kind { SHORT_MSLEEPS, IDLE_SLEEP, ONE_MSLEEP, NR_KINDS };

static const char * const names[NR_KINDS] = {
	[SHORT_MSLEEPS] = "short_msleeps",
	[IDLE_SLEEP] = "idle_sleep",
	[ONE_MSLEEP] = "one_msleep",
};

static struct task_struct *tasks[NR_KINDS];
static struct completion started[NR_KINDS];

static int sleeper_fn(void *data)
{
	enum kind k = (enum kind)(uintptr_t)data;
	int i;

	complete(&started[k]);
	switch (k) {
	case SHORT_MSLEEPS:
		for (i = 0; i < 10; i++)
			msleep(1000);
		break;
	case IDLE_SLEEP:
		schedule_timeout_idle(10 * HZ);
		break;
	default:
		msleep(10000);
		break;
	}
	while (!kthread_should_stop())
		schedule_timeout_interruptible(HZ / 10);
	return 0;
}

static int __init long_msleep_init(void)
{
	int k;

	for (k = 0; k < NR_KINDS; k++) {
		init_completion(&started[k]);
		tasks[k] = kthread_run(sleeper_fn, (void *)(uintptr_t)k, "%s", names[k]);
		if (IS_ERR(tasks[k])) {
			int err = PTR_ERR(tasks[k]);

			while (--k >= 0)
				kthread_stop(tasks[k]);
			return err;
		}
		wait_for_completion(&started[k]);
	}
	return 0;
}

static void __exit long_msleep_exit(void)
{
	int k;

	for (k = 0; k < NR_KINDS; k++) {
		kthread_stop(tasks[k]);
		pr_info("%s: stopped\n", names[k]);
	}
}

module_init(long_msleep_init);
module_exit(long_msleep_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("A long msleep() is reported as a hung task; short msleeps and a TASK_IDLE sleep are not");
MODULE_AUTHOR("The kthread book");
