// SPDX-License-Identifier: GPL-2.0
/*
 * bind_mask_unexported: kthread_bind_mask() from a module.
 *
 * include/linux/kthread.h declares kthread_bind_mask() on every kernel of
 * the matrix, and kernel/kthread.c defines it, but without an
 * EXPORT_SYMBOL: its callers are built into the kernel (kernel/workqueue.c
 * and kernel/sched/cpufreq_schedutil.c on all four, kernel/dma/map_benchmark.c
 * from 6.1 on, kernel/irq/manage.c on the newest kernel).  The module
 * compiles; modpost then finds the symbol undefined and the build fails.
 * A module binds to one CPU with kthread_bind() (exported) before the first
 * wake-up, or, on the newest kernel, prefers a set of CPUs with
 * kthread_affine_preferred().
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/cpumask.h>
#include <linux/err.h>
#include <linux/kthread.h>
#include <linux/module.h>
#include <linux/sched.h>
#include <linux/wait.h>

static DECLARE_WAIT_QUEUE_HEAD(wq);
static struct task_struct *task;

static int mask_fn(void *data)
{
	wait_event_interruptible(wq, kthread_should_stop());
	return 0;
}

static int __init bind_mask_unexported_init(void)
{
	struct task_struct *t;

	t = kthread_create(mask_fn, NULL, "bmu_worker");
	if (IS_ERR(t))
		return PTR_ERR(t);
	kthread_bind_mask(t, cpumask_of(0));
	task = t;
	wake_up_process(t);
	return 0;
}

static void __exit bind_mask_unexported_exit(void)
{
	kthread_stop(task);
}

module_init(bind_mask_unexported_init);
module_exit(bind_mask_unexported_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("kthread_bind_mask() from a module: not exported on any kernel");
