// SPDX-License-Identifier: GPL-2.0
/*
 * park_twice: the two calls of kthread_park() that fail at once.
 * Broken on purpose: each one warns.
 *
 * kthread_park() (kernel/kthread.c) tests two things before it asks:
 *   - a second kthread_park() while KTHREAD_SHOULD_PARK is still set (the
 *     thread is parked, or a park is pending) returns -EBUSY after a
 *     WARN_ON_ONCE();
 *   - a thread that is exiting (PF_EXITING) returns -ENOSYS after a
 *     WARN_ON().
 * The second case needs the task_struct to outlive the thread, so init
 * takes a reference with get_task_struct() before the thread exits, and
 * kthread_stop() ends the thread first: when it returns, the thread has
 * been through do_exit(), which set PF_EXITING.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/completion.h>
#include <linux/err.h>
#include <linux/kthread.h>
#include <linux/module.h>
#include <linux/sched.h>
#include <linux/sched/task.h>
#include <linux/wait.h>

static DECLARE_WAIT_QUEUE_HEAD(wq);
static DECLARE_COMPLETION(running);

static int twice_fn(void *data)
{
	complete(&running);
	while (!kthread_should_stop()) {
		if (kthread_should_park()) {
			pr_info("thread: calling kthread_parkme()\n");
			kthread_parkme();
			pr_info("thread: back from kthread_parkme()\n");
			complete(&running);
			continue;
		}
		wait_event_interruptible(wq, kthread_should_park() ||
					 kthread_should_stop());
	}
	return 0;
}

static int __init park_twice_init(void)
{
	struct task_struct *t;

	t = kthread_create(twice_fn, NULL, "park_twice");
	if (IS_ERR(t))
		return PTR_ERR(t);
	get_task_struct(t);	/* for the last kthread_park() */
	wake_up_process(t);
	wait_for_completion(&running);

	pr_info("first kthread_park() returned %d\n", kthread_park(t));
	pr_info("second kthread_park() returned %d\n", kthread_park(t));

	reinit_completion(&running);
	kthread_unpark(t);
	wait_for_completion(&running);

	pr_info("kthread_stop() returned %d\n", kthread_stop(t));
	pr_info("kthread_park() after the exit returned %d\n", kthread_park(t));
	put_task_struct(t);
	return 0;
}

static void __exit park_twice_exit(void)
{
}

module_init(park_twice_init);
module_exit(park_twice_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("Broken: kthread_park() twice, and of a thread that has exited");
