// SPDX-License-Identifier: GPL-2.0
/*
 * freezable_thread: two threads, one freezable and one not, and what
 * suspend-to-idle does to each.
 *
 * A kernel thread starts with PF_NOFREEZE (kthreadd() runs with it, and
 * a child copies its flags in copy_process()); set_freezable() clears it
 * (kernel/freezer.c).  freezing() is false for a PF_NOFREEZE task
 * (freezing_slow_path(), kernel/freezer.c), so the freezer neither wakes
 * nor waits for "nofrz_worker": it runs on while the system suspends.
 * "frz_worker" called set_freezable(), so freeze_task() wakes it from its
 * interruptible sleep and the system does not suspend until it has entered
 * the refrigerator through try_to_freeze(), which returns true once the
 * thread is thawed after resume (__refrigerator(), kernel/freezer.c).
 *
 * Why a driver cares: a thread that touches the hardware must not run
 * between its device's suspend and resume callbacks.  This module's
 * platform device shows it: its suspend callback, which runs after the
 * freezer (suspend_devices_and_enter(), kernel/power/suspend.c), asks both
 * threads for one round of work.  Only the thread without set_freezable()
 * answers while the device sleeps; the freezable one does its round after
 * the thaw.  The threads sleep in wait_event_interruptible(), a plain
 * TASK_INTERRUPTIBLE sleep, so the freezer wakes frz_worker and it goes
 * through its own try_to_freeze() on every kernel of the matrix (a
 * TASK_FREEZABLE sleep such as wait_event_freezable() is frozen in place
 * from 6.1, __set_task_frozen(), and never goes through try_to_freeze()).
 * Only freeze_kernel_threads() makes freezing() true for a kthread
 * (pm_nosig_freezing, freezing_slow_path()); freeze_processes() before it
 * waits for user space alone.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/completion.h>
#include <linux/err.h>
#include <linux/freezer.h>
#include <linux/kthread.h>
#include <linux/module.h>
#include <linux/platform_device.h>
#include <linux/sched.h>
#include <linux/wait.h>

struct worker {
	const char *name;
	bool freezable;
	bool kicked;		/* a round of work is asked for */
	wait_queue_head_t wq;
	struct completion done;	/* the round asked for is done */
	struct task_struct *task;
};

static struct worker workers[] = {
	{ .name = "frz_worker", .freezable = true },
	{ .name = "nofrz_worker", .freezable = false },
};

static int worker_fn(void *data)
{
	struct worker *w = data;

	if (w->freezable)
		set_freezable();
	while (!kthread_should_stop()) {
		/*
		 * freezing(current) in the condition: the freezer's wake-up
		 * must end the wait, or the thread would sleep on unfrozen.
		 */
		wait_event_interruptible(w->wq, READ_ONCE(w->kicked) ||
					 freezing(current) ||
					 kthread_should_stop());
		if (try_to_freeze())
			pr_info("%s: thawed\n", w->name);
		if (READ_ONCE(w->kicked)) {
			WRITE_ONCE(w->kicked, false);
			pr_info("%s: one round of work\n", w->name);
			complete(&w->done);
		}
	}
	return 0;
}

static void kick(struct worker *w)
{
	WRITE_ONCE(w->kicked, true);
	wake_up(&w->wq);
}

static int freezable_thread_suspend(struct device *dev)
{
	int i;

	pr_info("device suspend: asking both threads for a round\n");
	for (i = 0; i < ARRAY_SIZE(workers); i++)
		kick(&workers[i]);
	/* A bound wait: a frozen thread would keep the suspend waiting. */
	if (wait_for_completion_timeout(&workers[1].done, HZ))
		pr_info("device suspend: nofrz_worker did its round\n");
	else
		pr_info("device suspend: nofrz_worker did not answer\n");
	return 0;
}

static int freezable_thread_resume(struct device *dev)
{
	/* Tasks are thawed after devices resume (suspend_finish()). */
	pr_info("device resume: frz_worker did its round: %s\n",
		completion_done(&workers[0].done) ? "yes" : "no");
	return 0;
}

static SIMPLE_DEV_PM_OPS(freezable_thread_pm, freezable_thread_suspend,
			 freezable_thread_resume);

static struct platform_driver freezable_thread_driver = {
	.driver = {
		.name = "freezable_thread",
		.pm = &freezable_thread_pm,
	},
};

static struct platform_device *pdev;

static void stop_workers(int n)
{
	while (n--)
		kthread_stop(workers[n].task);
}

static int __init freezable_thread_init(void)
{
	int i, err;

	for (i = 0; i < ARRAY_SIZE(workers); i++) {
		struct worker *w = &workers[i];

		init_waitqueue_head(&w->wq);
		init_completion(&w->done);
		w->task = kthread_run(worker_fn, w, "%s", w->name);
		if (IS_ERR(w->task)) {
			err = PTR_ERR(w->task);
			stop_workers(i);
			return err;
		}
	}
	err = platform_driver_register(&freezable_thread_driver);
	if (err)
		goto out_threads;
	pdev = platform_device_register_simple("freezable_thread", -1, NULL, 0);
	if (IS_ERR(pdev)) {
		err = PTR_ERR(pdev);
		goto out_driver;
	}
	return 0;

out_driver:
	platform_driver_unregister(&freezable_thread_driver);
out_threads:
	stop_workers(ARRAY_SIZE(workers));
	return err;
}

static void __exit freezable_thread_exit(void)
{
	platform_device_unregister(pdev);
	platform_driver_unregister(&freezable_thread_driver);
	/* The freezable thread's round, asked for in suspend, is done. */
	wait_for_completion(&workers[0].done);
	stop_workers(ARRAY_SIZE(workers));
	pr_info("unloaded\n");
}

module_init(freezable_thread_init);
module_exit(freezable_thread_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("A freezable and a non-freezable kthread across suspend-to-idle");
