// SPDX-License-Identifier: GPL-2.0
/*
 * park_unpark: a thread that honours kthread_should_park(), parked and
 * unparked from the shell, then stopped while parked.
 *
 * kthread_park() (kernel/kthread.c) sets KTHREAD_SHOULD_PARK, wakes the
 * thread and waits, uninterruptibly, for the "parked" completion, which
 * only the thread itself gives, in __kthread_parkme(): it sets the task
 * state TASK_PARKED and completes, then schedules away until
 * kthread_unpark() clears the bit and wakes it with wake_up_state(p,
 * TASK_PARKED).  So the thread's loop must test kthread_should_park() after
 * every wake-up and call kthread_parkme() when it is true; its sleep must
 * end on kthread_park()'s wake-up (here: kthread_should_park() is in the
 * condition of its wait_event_interruptible()).
 *
 * The module parameter "parked" drives it: "echo 1" parks the thread and
 * returns once kthread_park() has returned; "echo 0" unparks it and returns
 * once the thread has said it runs again.  rmmod calls kthread_stop() on
 * the parked thread: kthread_stop() calls kthread_unpark() itself, so the
 * thread leaves kthread_parkme() and finds kthread_should_stop() true.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/completion.h>
#include <linux/err.h>
#include <linux/kthread.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/sched.h>
#include <linux/string.h>
#include <linux/wait.h>

static struct task_struct *task;
static DECLARE_WAIT_QUEUE_HEAD(wq);
static DECLARE_COMPLETION(running);	/* the thread runs (again) */

static int parker_fn(void *data)
{
	pr_info("thread running\n");
	complete(&running);
	while (!kthread_should_stop()) {
		if (kthread_should_park()) {
			pr_info("kthread_should_park() is true: calling kthread_parkme()\n");
			kthread_parkme();
			pr_info("back from kthread_parkme(), kthread_should_stop() is %s\n",
				kthread_should_stop() ? "true" : "false");
			complete(&running);
			continue;
		}
		/* Nothing to do but wait to be parked or stopped. */
		wait_event_interruptible(wq, kthread_should_park() ||
					 kthread_should_stop());
	}
	pr_info("thread returns 0\n");
	return 0;
}

static int parked_set(const char *val, const struct kernel_param *kp)
{
	bool park;
	int ret;

	ret = kstrtobool(val, &park);
	if (ret)
		return ret;
	/* A value on the insmod line comes before init made the thread. */
	if (!task)
		return 0;
	if (park) {
		ret = kthread_park(task);
		pr_info("kthread_park() returned %d\n", ret);
	} else {
		reinit_completion(&running);
		kthread_unpark(task);
		wait_for_completion(&running);
		pr_info("kthread_unpark() done\n");
	}
	return 0;
}

static const struct kernel_param_ops parked_ops = {
	.set = parked_set,
};
module_param_cb(parked, &parked_ops, NULL, 0200);
MODULE_PARM_DESC(parked, "1: kthread_park() the thread; 0: kthread_unpark() it");

static int __init park_unpark_init(void)
{
	struct task_struct *t;

	t = kthread_run(parker_fn, NULL, "parker");
	if (IS_ERR(t))
		return PTR_ERR(t);
	wait_for_completion(&running);
	task = t;
	return 0;
}

static void __exit park_unpark_exit(void)
{
	pr_info("kthread_stop() returned %d\n", kthread_stop(task));
}

module_init(park_unpark_init);
module_exit(park_unpark_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("kthread_park(), kthread_unpark() and kthread_stop() of a parked kthread");
