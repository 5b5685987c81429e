// SPDX-License-Identifier: GPL-2.0
/*
 * stop_holding_lock: BROKEN LISTING - the stopper holds a lock the thread
 * needs before it can see the stop request (an ABBA deadlock with
 * kthread_stop()).
 *
 * kthread_stop() waits until the thread has exited.  The thread here takes
 * a mutex for each round of its work and checks kthread_should_stop() after
 * the round, as a thread with work in hand does; the stopper
 * holds that mutex while it waits in kthread_stop().  Each waits for the
 * other, both uninterruptibly: neither ever runs again.
 *
 * Both threads are SCHED_FIFO at the same priority, so on the guest's one
 * CPU neither preempts the other: each runs until it sleeps, and the lines
 * come in the same order on every run.  init returns once the stopper is
 * about to call kthread_stop(); the worker reaches mutex_lock() before init
 * gets the CPU back, so the shell finds both asleep.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/completion.h>
#include <linux/delay.h>
#include <linux/err.h>
#include <linux/kthread.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/sched.h>

static DEFINE_MUTEX(lock);
static DECLARE_COMPLETION(started);
static DECLARE_COMPLETION(go);
static DECLARE_COMPLETION(stopping);
static struct task_struct *worker;

static int worker_fn(void *data)
{
	pr_info("worker is running\n");
	complete(&started);
	wait_for_completion(&go);

	/* Each round does its work under the lock, then checks for a stop. */
	for (;;) {
		pr_info("worker takes the lock\n");
		mutex_lock(&lock);
		/* ... work on the shared state ... */
		mutex_unlock(&lock);
		if (kthread_should_stop())
			break;
		msleep_interruptible(100);
	}
	pr_info("worker saw the stop request\n");
	return 0;
}

static int stopper_fn(void *data)
{
	int ret;

	mutex_lock(&lock);
	pr_info("stopper holds the lock, lets the worker go\n");
	complete(&go);
	pr_info("stopper calls kthread_stop(worker) with the lock held\n");
	complete(&stopping);
	/* The bug: the worker needs the lock to get to the stop check. */
	ret = kthread_stop(worker);
	mutex_unlock(&lock);
	pr_info("kthread_stop() returned %d\n", ret);
	return 0;
}

static int __init stop_holding_lock_init(void)
{
	struct task_struct *stopper;

	worker = kthread_create(worker_fn, NULL, "abba_worker");
	if (IS_ERR(worker))
		return PTR_ERR(worker);
	sched_set_fifo_low(worker);
	wake_up_process(worker);
	wait_for_completion(&started);

	stopper = kthread_create(stopper_fn, NULL, "abba_stopper");
	if (IS_ERR(stopper)) {
		kthread_stop(worker);
		return PTR_ERR(stopper);
	}
	sched_set_fifo_low(stopper);
	wake_up_process(stopper);
	wait_for_completion(&stopping);
	return 0;
}

/*
 * No module_exit(): both threads are stuck in this module's code, so it
 * must stay.
 */
module_init(stop_holding_lock_init);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("Broken: kthread_stop() while holding a lock the thread needs");
MODULE_AUTHOR("The kthread book");
