// SPDX-License-Identifier: GPL-2.0
/*
 * freeze_refused: a thread that calls set_freezable() and then never
 * calls try_to_freeze() keeps the whole system from suspending.
 *
 * set_freezable() (kernel/freezer.c) only says "count me": it clears
 * PF_NOFREEZE, so freeze_kernel_threads() waits for this thread to freeze
 * (try_to_freeze_tasks(), kernel/power/process.c); freeze_processes(),
 * before it, waits for user space only, since freezing_slow_path() is true
 * for a kthread once pm_nosig_freezing is set.  A thread is frozen only in
 * try_to_freeze() or in a freezable sleep; one that sleeps in msleep()
 * (TASK_UNINTERRUPTIBLE, not freezable) and loops on kthread_should_stop()
 * alone never is.  The freezer waits for it up to
 * /sys/power/pm_freeze_timeout milliseconds (freeze_timeout_msecs, 20000
 * by default, kernel/power/process.c; the file is kernel/power/main.c's),
 * names it with a stack dump, thaws everything and the write to
 * /sys/power/state fails with EBUSY
 * (suspend_prepare(), kernel/power/suspend.c).  The fix is one line: call
 * try_to_freeze() in the loop, or sleep with a freezable wait.
 *
 * The thread is SCHED_FIFO only so that the report is the same on every
 * run.  try_to_freeze_tasks() calls freeze_task() on every pass, the last
 * one just before the dump, and from 6.1 freeze_task() wakes a kthread with
 * TASK_NORMAL, which ends the schedule() in msleep() too (5.10 wakes only
 * TASK_INTERRUPTIBLE); msleep() then goes back to sleep.  Whether the
 * freezer's dump finds the thread still runnable ("R") or asleep again
 * ("D") would depend on when a normal thread gets the CPU; a real-time
 * one preempts the freezer at its next scheduling point
 * (with voluntary preemption, the default of 6.1 and 6.12, the
 * might_sleep() of mutex_lock() in freeze_workqueues_busy(); with full or
 * lazy preemption, the default of 7.2, the preempt_enable() of
 * read_unlock(&tasklist_lock)), before the dump, and is back in "D".
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/delay.h>
#include <linux/err.h>
#include <linux/freezer.h>
#include <linux/kthread.h>
#include <linux/module.h>
#include <linux/sched.h>

static struct task_struct *task;

static int stubborn_fn(void *data)
{
	sched_set_fifo_low(current);
	set_freezable();
	while (!kthread_should_stop())
		msleep(1000);	/* the missing line: try_to_freeze(); */
	return 0;
}

static int __init freeze_refused_init(void)
{
	task = kthread_run(stubborn_fn, NULL, "stubborn");
	return PTR_ERR_OR_ZERO(task);
}

static void __exit freeze_refused_exit(void)
{
	kthread_stop(task);
	pr_info("unloaded\n");
}

module_init(freeze_refused_init);
module_exit(freeze_refused_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("A freezable kthread that never freezes makes suspend fail");
