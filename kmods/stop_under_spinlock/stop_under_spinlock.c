// SPDX-License-Identifier: GPL-2.0
/*
 * stop_under_spinlock: BROKEN LISTING - kthread_stop() called with a
 * spinlock held.
 *
 * kthread_stop() sleeps: it waits for the thread's exit in
 * wait_for_completion().  Sleeping with a spinlock held is a bug whether or
 * not the kernel notices.  The kernel notices only when spin_lock() raises
 * the preemption count, which it does when CONFIG_PREEMPT_COUNT is set:
 * then __schedule() finds the count raised (schedule_debug()) and prints
 * "BUG: scheduling while atomic".  Without it the count stays 0 and the
 * sleep goes unreported.
 *
 * The thread is SCHED_FIFO and init waits until it is asleep in its loop,
 * so the stop always finds it in the same place.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/completion.h>
#include <linux/delay.h>
#include <linux/err.h>
#include <linux/kthread.h>
#include <linux/module.h>
#include <linux/sched.h>
#include <linux/spinlock.h>

static DECLARE_COMPLETION(started);
static DEFINE_SPINLOCK(lock);

static int sleeper_fn(void *data)
{
	pr_info("thread is running\n");
	complete(&started);
	while (!kthread_should_stop())
		msleep_interruptible(100);
	pr_info("thread saw the stop request\n");
	return 7;
}

static int __init stop_under_spinlock_init(void)
{
	struct task_struct *task;
	int ret;

	task = kthread_create(sleeper_fn, NULL, "spin_stopped");
	if (IS_ERR(task))
		return PTR_ERR(task);
	sched_set_fifo_low(task);
	wake_up_process(task);
	wait_for_completion(&started);

	spin_lock(&lock);
	pr_info("calling kthread_stop() with a spinlock held\n");
	/* The bug: kthread_stop() sleeps until the thread has exited. */
	ret = kthread_stop(task);
	spin_unlock(&lock);
	pr_info("kthread_stop() returned %d\n", ret);
	return 0;
}

static void __exit stop_under_spinlock_exit(void)
{
}

module_init(stop_under_spinlock_init);
module_exit(stop_under_spinlock_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("Broken: kthread_stop() with a spinlock held");
MODULE_AUTHOR("The kthread book");
