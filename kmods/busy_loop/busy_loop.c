// SPDX-License-Identifier: GPL-2.0
/*
 * busy_loop: BROKEN LISTING - a thread that spins forever and never
 * checks kthread_should_stop() (article 002, case 1).
 *
 * Settles SEEDS claims 2.1 ("kthread_stop() cannot stop a thread that
 * never checks the flag") and 2.4 ("kthread_stop() only sets a flag the
 * thread must check").
 *
 * As in the article, init starts the thread, sleeps 400 ms and calls
 * kthread_stop().  kthread_stop() (kernel/kthread.c) sets
 * KTHREAD_SHOULD_STOP, wakes the thread and waits for it to exit; it
 * cannot interrupt a running function.  What the kernel reports depends
 * on whether a kernel thread can be preempted at all, so the listing
 * prints the preemption model first:
 *
 *  - voluntary: nothing preempts the loop, so on one CPU init never gets
 *    the CPU back to call kthread_stop(), and the soft-lockup watchdog
 *    (kernel/watchdog.c, watchdog_timer_fn()) reports the spinning thread;
 *  - lazy or full: the tick preempts the loop, init runs, calls
 *    kthread_stop() and blocks in it forever, and the hung-task detector
 *    (kernel/hung_task.c, check_hung_uninterruptible_tasks()) reports
 *    insmod.
 *
 * The scenario uses one CPU, so that the spinning thread and init share
 * it.  busy_loop_nopreempt.c gets a soft lockup out of every model.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/delay.h>
#include <linux/kthread.h>
#include <linux/module.h>

#include "preempt_model.h"

static unsigned long spins;

static int spin_fn(void *data)
{
	pr_info("thread starts spinning\n");

	/* The bug: the article's while (1) i++; - no stop check, no sleep. */
	for (;;)
		WRITE_ONCE(spins, spins + 1);

	return 0;
}

static int __init busy_loop_init(void)
{
	struct task_struct *task;

	pr_info("preemption model: %s\n", preempt_model_name());

	task = kthread_run(spin_fn, NULL, "busy_loop");
	if (IS_ERR(task))
		return PTR_ERR(task);

	msleep(400);
	pr_info("calling kthread_stop\n");
	kthread_stop(task);
	pr_info("kthread_stop returned\n");
	return 0;
}

/* No module_exit(): init never returns, so the module cannot be removed. */
module_init(busy_loop_init);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("Broken: a busy loop that kthread_stop() cannot stop");
MODULE_AUTHOR("The kthread book");
