// SPDX-License-Identifier: GPL-2.0
/*
 * null_deref: BROKEN LISTING - a kernel thread oopses.
 *
 * A NULL dereference in a kthread oopses and kills only that thread;
 * the rest of the kernel keeps running.  The dying thread still signals
 * its exit, so kthread_stop() returns instead of hanging - but only
 * because init holds its own reference to the task_struct, which a
 * thread that exits on its own would otherwise free under our feet.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/completion.h>
#include <linux/kthread.h>
#include <linux/module.h>
#include <linux/sched/task.h>

static DECLARE_COMPLETION(started);

/* Never assigned; read with READ_ONCE() so the compiler cannot fold it. */
static int *config;

static int thread_fn(void *data)
{
	int *p = READ_ONCE(config);

	complete(&started);
	pr_info("about to dereference a NULL pointer\n");
	pr_info("config value %d\n", *p);
	return 0;
}

static int __init null_deref_init(void)
{
	struct task_struct *task;
	int ret;

	task = kthread_create(thread_fn, NULL, "null_deref");
	if (IS_ERR(task))
		return PTR_ERR(task);
	/*
	 * Take the reference before the wake-up: once woken, the thread may
	 * die and be reaped before kthread_run() would even have returned.
	 */
	get_task_struct(task);
	wake_up_process(task);

	wait_for_completion(&started);
	ret = kthread_stop(task);
	pr_info("kthread_stop returned %d\n", ret);
	put_task_struct(task);
	return 0;
}

static void __exit null_deref_exit(void)
{
	pr_info("unloaded\n");
}

module_init(null_deref_init);
module_exit(null_deref_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("Broken: NULL pointer dereference in a kthread");
MODULE_AUTHOR("The kthread book");
