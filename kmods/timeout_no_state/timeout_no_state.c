// SPDX-License-Identifier: GPL-2.0
/*
 * timeout_no_state: three threads mean to poll every 100 ms until stopped.
 *
 *  - nostate_poller calls schedule_timeout(HZ / 10) with its state still
 *    TASK_RUNNING;
 *  - once_sleeper sets TASK_INTERRUPTIBLE once, before its loop, and
 *    then calls schedule_timeout(HZ / 10);
 *  - state_sleeper calls schedule_timeout_interruptible(HZ / 10), which
 *    sets TASK_INTERRUPTIBLE before every call.
 *
 * schedule_timeout() (kernel/time/timer.c; kernel/time/sleep_timeout.c on
 * the newest kernel) arms a timer and calls schedule(); schedule() takes
 * the task off the run queue only when its state is not TASK_RUNNING, so
 * the poller is never off it: every call returns without sleeping, with
 * time left, and the loop spins.  schedule_timeout() returns with the
 * task TASK_RUNNING, so once_sleeper sleeps in its first call only and
 * spins from the second on.
 *
 * The output is the same on every run: the threads print nothing; module
 * exit stops them one after the other and prints, for each, whether its
 * first call returned with time left, and whether it made more calls than
 * its running time allows at one call per 100 ms (yes or no, never a
 * count or a time).  `show` finds the poller runnable (R) whenever it
 * looks, since it never leaves the run queue.  (The other two are not
 * shown: a look at once_sleeper could come within its first 100 ms, and
 * state_sleeper, asleep nearly always, is runnable for a moment after
 * each of its timers fires.)
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/completion.h>
#include <linux/err.h>
#include <linux/jiffies.h>
#include <linux/kthread.h>
#include <linux/module.h>
#include <linux/sched.h>

#define PERIOD (HZ / 10)

enum how { NO_STATE, STATE_ONCE, STATE_EVERY_TIME };

struct poller {
	const char *name;
	enum how how;
	struct task_struct *task;
	struct completion started;
	unsigned long start;	/* jiffies at the first call */
	unsigned long calls;
	long first_left;	/* what the first call returned */
};

static struct poller pollers[] = {
	{ .name = "nostate_poller", .how = NO_STATE },
	{ .name = "once_sleeper", .how = STATE_ONCE },
	{ .name = "state_sleeper", .how = STATE_EVERY_TIME },
};

static int poller_fn(void *data)
{
	struct poller *p = data;

	p->start = jiffies;
	complete(&p->started);
	if (p->how == STATE_ONCE)
		set_current_state(TASK_INTERRUPTIBLE);	/* for one call only */
	while (!kthread_should_stop()) {
		long left;

		if (p->how == STATE_EVERY_TIME)
			left = schedule_timeout_interruptible(PERIOD);
		else
			left = schedule_timeout(PERIOD);	/* the bug */
		if (!p->calls++)
			p->first_left = left;
	}
	return 0;
}

static int __init timeout_no_state_init(void)
{
	int i;

	for (i = 0; i < ARRAY_SIZE(pollers); i++) {
		struct poller *p = &pollers[i];

		init_completion(&p->started);
		p->task = kthread_run(poller_fn, p, "%s", p->name);
		if (IS_ERR(p->task)) {
			int err = PTR_ERR(p->task);

			while (--i >= 0)
				kthread_stop(pollers[i].task);
			return err;
		}
		wait_for_completion(&p->started);
	}
	pr_info("all three polling every %d ms\n", jiffies_to_msecs(PERIOD));
	return 0;
}

static void __exit timeout_no_state_exit(void)
{
	int i;

	for (i = 0; i < ARRAY_SIZE(pollers); i++) {
		struct poller *p = &pollers[i];
		unsigned long ran, allowed;

		kthread_stop(p->task);
		ran = jiffies - p->start;
		/* one call per PERIOD, and the call the stop cut short */
		allowed = ran / PERIOD + 1;
		pr_info("%s: first call returned with time left: %s; more calls than one per %d ms: %s\n",
			p->name, p->first_left ? "yes" : "no",
			jiffies_to_msecs(PERIOD),
			p->calls > allowed ? "yes" : "no");
	}
}

module_init(timeout_no_state_init);
module_exit(timeout_no_state_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("schedule_timeout() without a sleeping state returns at once; schedule_timeout_interruptible() sleeps");
MODULE_AUTHOR("The kthread book");
