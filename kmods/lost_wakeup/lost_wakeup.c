// SPDX-License-Identifier: GPL-2.0
/*
 * lost_wakeup: BROKEN LISTING (fixed=0) - the sleeper sets its state
 * after checking the condition, so a wake-up that comes in between is
 * lost.  fixed=1 sets the state first, as every sleep loop must.
 *
 * Backs DESIGN's pitfall "lost wake-up (state set after the condition
 * check)" and SEEDS claim 3.3 once more: the return value of
 * wake_up_process() tells the two cases apart.
 *
 * try_to_wake_up() (kernel/sched/core.c) only changes a task whose
 * state matches; a task still TASK_RUNNING is left alone and the call
 * returns 0.  The sleeper that checks first and sets TASK_INTERRUPTIBLE
 * afterwards therefore goes to sleep although the flag is set, and
 * nothing will wake it again.  The sleeper that sets its state first is
 * put back to TASK_RUNNING by the wake-up, and its schedule() returns at
 * once.
 *
 * The window between the check and schedule() is a few instructions in
 * real code.  Here the thread holds it open, giving up the CPU when
 * asked, until the waker has run: the race always goes the bad way, on
 * any number of CPUs and any preemption model, without timing.  The
 * waker gives the thread one second to see the flag (well under the
 * hung-task timeout), then stops it; kthread_stop()'s own wake-up is
 * what finally wakes the broken sleeper.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/completion.h>
#include <linux/jiffies.h>
#include <linux/kthread.h>
#include <linux/module.h>
#include <linux/sched.h>

static bool fixed;
module_param(fixed, bool, 0444);
MODULE_PARM_DESC(fixed, "Set the task state before checking the condition");

static bool flag;		/* the condition the thread waits for */
static bool waker_done;		/* the waker has set the flag and woken us */
static DECLARE_COMPLETION(checked);
static DECLARE_COMPLETION(saw_flag);

/* Keep the thread between its check and schedule() until the waker ran. */
static void hold_window_open(void)
{
	complete(&checked);
	while (!READ_ONCE(waker_done))
		cond_resched();
}

static int sleeper_fn(void *data)
{
	if (fixed) {
		set_current_state(TASK_INTERRUPTIBLE);
		if (!READ_ONCE(flag)) {
			hold_window_open();
			schedule();
		}
	} else {
		if (!READ_ONCE(flag)) {
			hold_window_open();
			/* The bug: the wake-up may already have happened. */
			set_current_state(TASK_INTERRUPTIBLE);
			schedule();
		}
	}
	__set_current_state(TASK_RUNNING);

	pr_info("sleeper runs again: flag %s, stop requested %s\n",
		READ_ONCE(flag) ? "set" : "clear",
		kthread_should_stop() ? "yes" : "no");
	if (!kthread_should_stop())
		complete(&saw_flag);

	for (;;) {
		set_current_state(TASK_INTERRUPTIBLE);
		if (kthread_should_stop())
			break;
		schedule();
	}
	__set_current_state(TASK_RUNNING);
	return 0;
}

static int __init lost_wakeup_init(void)
{
	struct task_struct *task;
	int woke;

	pr_info("%s sleeper\n", fixed ? "fixed" : "broken");
	task = kthread_run(sleeper_fn, NULL, "lost_wakeup");
	if (IS_ERR(task))
		return PTR_ERR(task);

	wait_for_completion(&checked);
	WRITE_ONCE(flag, true);
	woke = wake_up_process(task);
	pr_info("waker: flag set, wake_up_process returned %d\n", woke);
	WRITE_ONCE(waker_done, true);

	if (wait_for_completion_timeout(&saw_flag, HZ))
		pr_info("waker: the sleeper saw the flag\n");
	else
		pr_info("waker: 1 s later the sleeper still sleeps - the wake-up was lost\n");

	pr_info("kthread_stop returned %d\n", kthread_stop(task));
	return 0;
}

static void __exit lost_wakeup_exit(void)
{
	pr_info("unloaded\n");
}

module_init(lost_wakeup_init);
module_exit(lost_wakeup_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("Broken: a lost wake-up, and the fixed sleep loop");
MODULE_AUTHOR("The kthread book");
