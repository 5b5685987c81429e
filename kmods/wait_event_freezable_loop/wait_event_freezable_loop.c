// SPDX-License-Identifier: GPL-2.0
/*
 * wait_event_freezable_loop: a freezable kthread asleep in
 * wait_event_freezable() across two suspends to idle, the second with a
 * wake-up sent while it is frozen.  The module counts every evaluation of
 * the wait's condition ("checks"): two before the first sleep (once in
 * wait_event_freezable(), once in ___wait_event() after
 * prepare_to_wait_event(), include/linux/wait.h), then one each time the
 * sleeper runs again in the wait.  Both values are read-only parameters
 * that the shell reads after each suspend.
 *
 * How the sleeper is frozen differs (kernel/freezer.c,
 * include/linux/freezer.h, include/linux/wait.h):
 * - 5.10: the wait sleeps through freezable_schedule(), which sets
 *   PF_FREEZER_SKIP around schedule(); freeze_task() returns at once for
 *   such a task and try_to_freeze_tasks() does not wait for it.  It is
 *   not frozen, only skipped; if it wakes while the system is frozen it
 *   freezes in freezer_count(), before it checks its condition.
 * - 6.1 and later: the wait sleeps in TASK_INTERRUPTIBLE | TASK_FREEZABLE
 *   and freeze_task() changes that sleep to TASK_FROZEN in place
 *   (__set_task_frozen()), without waking the task; a wake-up sent then
 *   does not match TASK_FROZEN.  On 6.1 __thaw_task() always wakes it
 *   (wake_up_state(p, TASK_FROZEN)).  From 6.12 __set_task_frozen() saves
 *   the sleeping state in saved_state, a wake-up while frozen sets
 *   saved_state to TASK_RUNNING (ttwu_state_match(), kernel/sched/core.c),
 *   and __thaw_task() puts the saved sleep back without a wake-up
 *   (__restore_freezer_state()) unless such a wake-up came.
 *
 * The device's suspend callback sends the wake-up of the second suspend
 * when kick_in_suspend is set; the resume callback, which runs before
 * tasks are thawed (suspend_finish(), kernel/power/suspend.c), says
 * whether the sleeper has answered.  The sleeper is SCHED_FIFO so that it
 * runs as soon as it is woken, before the thawed shell reads a parameter.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/completion.h>
#include <linux/err.h>
#include <linux/freezer.h>
#include <linux/kthread.h>
#include <linux/module.h>
#include <linux/platform_device.h>
#include <linux/pm.h>
#include <linux/sched.h>
#include <linux/wait.h>

static unsigned int checks;
module_param(checks, uint, 0444);
MODULE_PARM_DESC(checks, "evaluations of the wait's condition so far");

static int returned = 1;
module_param(returned, int, 0444);
MODULE_PARM_DESC(returned, "what wait_event_freezable() returned when kicked (1: not yet)");

static bool kick_in_suspend;
module_param(kick_in_suspend, bool, 0644);
MODULE_PARM_DESC(kick_in_suspend, "wake the sleeper from the device's suspend callback");

static DECLARE_WAIT_QUEUE_HEAD(wq);
static DECLARE_COMPLETION(answered);
static bool kicked;
static struct task_struct *task;

/* The wait's condition, counted each time it is evaluated. */
static bool check(void)
{
	WRITE_ONCE(checks, checks + 1);
	return READ_ONCE(kicked) || kthread_should_stop();
}

static int wef_sleeper_fn(void *data)
{
	sched_set_fifo_low(current);
	set_freezable();
	while (!kthread_should_stop()) {
		int ret = wait_event_freezable(wq, check());

		if (READ_ONCE(kicked)) {
			WRITE_ONCE(kicked, false);
			WRITE_ONCE(returned, ret);
			complete(&answered);
		}
	}
	return 0;
}

static int wef_suspend(struct device *dev)
{
	if (kick_in_suspend) {
		WRITE_ONCE(kicked, true);
		wake_up(&wq);
		pr_info("device suspend: woke the sleeper\n");
	}
	return 0;
}

static int wef_resume(struct device *dev)
{
	if (kick_in_suspend)
		pr_info("device resume: the sleeper has answered: %s\n",
			completion_done(&answered) ? "yes" : "no");
	return 0;
}

static SIMPLE_DEV_PM_OPS(wef_pm, wef_suspend, wef_resume);

static struct platform_driver wef_driver = {
	.driver = {
		.name = "wait_event_freezable_loop",
		.pm = &wef_pm,
	},
};

static struct platform_device *pdev;

static int __init wait_event_freezable_loop_init(void)
{
	int err;

	task = kthread_run(wef_sleeper_fn, NULL, "wef_sleeper");
	if (IS_ERR(task))
		return PTR_ERR(task);
	err = platform_driver_register(&wef_driver);
	if (err)
		goto out_thread;
	pdev = platform_device_register_simple("wait_event_freezable_loop", -1,
					       NULL, 0);
	if (IS_ERR(pdev)) {
		err = PTR_ERR(pdev);
		goto out_driver;
	}
	return 0;

out_driver:
	platform_driver_unregister(&wef_driver);
out_thread:
	kthread_stop(task);
	return err;
}

static void __exit wait_event_freezable_loop_exit(void)
{
	platform_device_unregister(pdev);
	platform_driver_unregister(&wef_driver);
	kthread_stop(task);
	pr_info("unloaded\n");
}

module_init(wait_event_freezable_loop_init);
module_exit(wait_event_freezable_loop_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("A kthread asleep in wait_event_freezable() across suspend-to-idle");
