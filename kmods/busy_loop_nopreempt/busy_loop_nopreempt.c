// SPDX-License-Identifier: GPL-2.0
/*
 * busy_loop_nopreempt: BROKEN LISTING - the busy loop of busy_loop.c,
 * spinning with preemption disabled.
 *
 * Settles SEEDS claim 2.1 on every kernel of the matrix, whatever its
 * preemption model.  busy_loop.c shows that a preemptible kernel (lazy
 * or full) rescues the CPU from a plain busy loop: the tick preempts it,
 * and only the caller of kthread_stop() hangs.  With preemption disabled
 * nothing can take the CPU away, so on one CPU init never runs again and
 * the soft-lockup watchdog reports the spinning thread on every model.
 * A spinlock held across a loop has the same effect.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/delay.h>
#include <linux/kthread.h>
#include <linux/module.h>
#include <linux/preempt.h>

#include "preempt_model.h"

static unsigned long spins;

static int spin_fn(void *data)
{
	pr_info("thread disables preemption and spins\n");

	/* The bug: no stop check, and no way for the scheduler to step in. */
	preempt_disable();
	for (;;)
		WRITE_ONCE(spins, spins + 1);
	preempt_enable();

	return 0;
}

static int __init busy_loop_nopreempt_init(void)
{
	struct task_struct *task;

	pr_info("preemption model: %s\n", preempt_model_name());

	task = kthread_run(spin_fn, NULL, "busy_nopreempt");
	if (IS_ERR(task))
		return PTR_ERR(task);

	msleep(400);
	pr_info("calling kthread_stop\n");
	kthread_stop(task);
	pr_info("kthread_stop returned\n");
	return 0;
}

/* No module_exit(): init never returns, so the module cannot be removed. */
module_init(busy_loop_nopreempt_init);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("Broken: a busy loop with preemption disabled");
MODULE_AUTHOR("The kthread book");
