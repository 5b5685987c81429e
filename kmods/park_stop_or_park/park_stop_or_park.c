// SPDX-License-Identifier: GPL-2.0
/*
 * park_stop_or_park: the park_unpark loop written with
 * kthread_should_stop_or_park(), one test of both bits.
 *
 * No kernel of the matrix lets a module use it: the 5.10 and 6.1 headers
 * do not declare it; on 6.12 and the newest, include/linux/kthread.h
 * declares it but Module.symvers has no export of it, so modpost rejects
 * the module.  A module tests kthread_should_stop() and
 * kthread_should_park() (both exported on all four), as park_unpark does.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/err.h>
#include <linux/kthread.h>
#include <linux/module.h>
#include <linux/sched.h>
#include <linux/wait.h>

static struct task_struct *task;
static DECLARE_WAIT_QUEUE_HEAD(wq);

static int both_fn(void *data)
{
	while (!kthread_should_stop()) {
		if (kthread_should_park()) {
			kthread_parkme();
			continue;
		}
		wait_event_interruptible(wq, kthread_should_stop_or_park());
	}
	return 0;
}

static int __init park_stop_or_park_init(void)
{
	task = kthread_run(both_fn, NULL, "stop_or_park");
	if (IS_ERR(task))
		return PTR_ERR(task);
	pr_info("kthread_park() returned %d\n", kthread_park(task));
	return 0;
}

static void __exit park_stop_or_park_exit(void)
{
	pr_info("kthread_stop() returned %d\n", kthread_stop(task));
}

module_init(park_stop_or_park_init);
module_exit(park_stop_or_park_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("kthread_should_stop_or_park() from a module: a build error on every kernel");
