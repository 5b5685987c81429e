// SPDX-License-Identifier: GPL-2.0
/*
 * setscheduler_unexported: a module that picks its thread's real-time
 * priority with sched_setscheduler(), as drivers once did.
 *
 * sched_setscheduler() is still declared in <linux/sched.h>, so the module
 * compiles; it is no longer exported to modules, so modpost refuses to
 * link it.  A module chooses between sched_set_fifo(), sched_set_fifo_low()
 * and sched_set_normal() instead.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/err.h>
#include <linux/kthread.h>
#include <linux/module.h>
#include <linux/sched.h>
#include <uapi/linux/sched/types.h>

static struct task_struct *task;

static int idle_fn(void *data)
{
	while (!kthread_should_stop()) {
		set_current_state(TASK_INTERRUPTIBLE);
		if (!kthread_should_stop())
			schedule();
		__set_current_state(TASK_RUNNING);
	}
	return 0;
}

static int __init setscheduler_unexported_init(void)
{
	struct sched_param param = { .sched_priority = 42 };
	int ret;

	task = kthread_run(idle_fn, NULL, "rt_prio_42");
	if (IS_ERR(task))
		return PTR_ERR(task);
	ret = sched_setscheduler(task, SCHED_FIFO, &param);
	pr_info("sched_setscheduler() returned %d\n", ret);
	return 0;
}

static void __exit setscheduler_unexported_exit(void)
{
	kthread_stop(task);
}

module_init(setscheduler_unexported_init);
module_exit(setscheduler_unexported_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("sched_setscheduler() from a module: no longer exported");
MODULE_AUTHOR("The kthread book");
