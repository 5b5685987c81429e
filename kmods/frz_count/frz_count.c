// SPDX-License-Identifier: GPL-2.0
/*
 * frz_count: two threads that count, one freezable and one left as it was
 * made; which of them counts while the system is frozen.
 *
 * A kernel thread starts with PF_NOFREEZE: kthreadd() runs with it and a
 * child copies its flags (copy_process(), kernel/fork.c).  freezing() is
 * false for a PF_NOFREEZE task (freezing_slow_path(), kernel/freezer.c),
 * so freeze_task() leaves it alone and try_to_freeze_tasks()
 * (kernel/power/process.c) does not wait for it: it keeps running through
 * the freeze.  set_freezable() clears the flag; from then on the freezer
 * wakes the thread's interruptible sleep and waits until it enters the
 * refrigerator in try_to_freeze(), where it stays until the thaw.
 *
 * Each thread adds one to its count, then sleeps one tick, in a loop.  The
 * module's device suspend callback runs after every freezable task is
 * frozen (suspend_devices_and_enter(), kernel/power/suspend.c): it waits
 * until the non-freezable count has grown by a few, then compares.  The
 * exit function waits until the freezable count has grown since then.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/err.h>
#include <linux/freezer.h>
#include <linux/jiffies.h>
#include <linux/kthread.h>
#include <linux/module.h>
#include <linux/platform_device.h>
#include <linux/sched.h>
#include <linux/wait.h>

struct counter {
	const char *name;
	bool freezable;
	unsigned long count;
	unsigned long at_suspend;
	struct task_struct *task;
};

static struct counter counters[] = {
	{ .name = "frz_counter", .freezable = true },
	{ .name = "nofrz_counter", .freezable = false },
};

static DECLARE_WAIT_QUEUE_HEAD(count_wq);
static bool suspended;

static int counter_fn(void *data)
{
	struct counter *c = data;

	if (c->freezable)
		set_freezable();
	while (!kthread_should_stop()) {
		WRITE_ONCE(c->count, c->count + 1);
		wake_up(&count_wq);
		try_to_freeze();
		schedule_timeout_interruptible(1);
	}
	return 0;
}

static bool grew(struct counter *c, unsigned long by)
{
	return READ_ONCE(c->count) >= c->at_suspend + by;
}

static int frz_count_suspend(struct device *dev)
{
	struct counter *frz = &counters[0], *nofrz = &counters[1];

	frz->at_suspend = READ_ONCE(frz->count);
	nofrz->at_suspend = READ_ONCE(nofrz->count);
	/* A bound wait: a frozen counter would keep the suspend waiting. */
	wait_event_timeout(count_wq, grew(nofrz, 5), HZ);
	pr_info("device suspend: nofrz_counter counted during the freeze: %s\n",
		grew(nofrz, 5) ? "yes" : "no");
	pr_info("device suspend: frz_counter counted during the freeze: %s\n",
		grew(frz, 1) ? "yes" : "no");
	WRITE_ONCE(suspended, true);
	return 0;
}

static SIMPLE_DEV_PM_OPS(frz_count_pm, frz_count_suspend, NULL);

static struct platform_driver frz_count_driver = {
	.driver = {
		.name = "frz_count",
		.pm = &frz_count_pm,
	},
};

static struct platform_device *pdev;

static void stop_counters(int n)
{
	while (n--)
		kthread_stop(counters[n].task);
}

static int __init frz_count_init(void)
{
	int i, err;

	for (i = 0; i < ARRAY_SIZE(counters); i++) {
		struct counter *c = &counters[i];

		c->task = kthread_run(counter_fn, c, "%s", c->name);
		if (IS_ERR(c->task)) {
			err = PTR_ERR(c->task);
			stop_counters(i);
			return err;
		}
	}
	err = platform_driver_register(&frz_count_driver);
	if (err)
		goto out_threads;
	pdev = platform_device_register_simple("frz_count", -1, NULL, 0);
	if (IS_ERR(pdev)) {
		err = PTR_ERR(pdev);
		goto out_driver;
	}
	return 0;

out_driver:
	platform_driver_unregister(&frz_count_driver);
out_threads:
	stop_counters(ARRAY_SIZE(counters));
	return err;
}

static void __exit frz_count_exit(void)
{
	platform_device_unregister(pdev);
	platform_driver_unregister(&frz_count_driver);
	if (READ_ONCE(suspended)) {
		wait_event(count_wq, grew(&counters[0], 1));
		pr_info("frz_counter counted again after the thaw: yes\n");
	}
	stop_counters(ARRAY_SIZE(counters));
	pr_info("unloaded\n");
}

module_init(frz_count_init);
module_exit(frz_count_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("Which of two counting kthreads counts while the system is frozen");
