// SPDX-License-Identifier: GPL-2.0
/*
 * freezable_should_stop: a freezable kthread whose loop tests
 * kthread_freezable_should_stop() instead of kthread_should_stop(), and
 * counts the times it came back from the refrigerator.
 *
 * kthread_freezable_should_stop(&was_frozen) (kernel/kthread.c, a GPL
 * export on every kernel of the matrix) enters __refrigerator(true) when
 * freezing(current) is true, sets *was_frozen to what __refrigerator()
 * returned (true if frozen there, false if not called), and then returns
 * kthread_should_stop().  set_freezable() (kernel/freezer.c) is still
 * needed: without it PF_NOFREEZE stays set, freezing() is always false and
 * the call is kthread_should_stop() and nothing more.
 *
 * The thread sleeps in wait_event_interruptible() with freezing(current)
 * in the condition: freeze_task() (kernel/freezer.c) wakes a kthread
 * (TASK_INTERRUPTIBLE on 5.10, TASK_NORMAL from 6.1) but does not make a
 * wait condition true, so without it the wait would go on and the thread
 * would never reach the refrigerator.
 *
 * was_frozen is counted before the loop tests the return value: the thaw
 * and a later kthread_stop() can both happen before the thread runs
 * again, and then the call that reports the freeze also returns true.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/err.h>
#include <linux/freezer.h>
#include <linux/kthread.h>
#include <linux/module.h>
#include <linux/sched.h>
#include <linux/wait.h>

static DECLARE_WAIT_QUEUE_HEAD(wq);
static struct task_struct *task;

static int frz_loop_fn(void *data)
{
	unsigned int times_frozen = 0;
	bool was_frozen;

	set_freezable();
	for (;;) {
		bool stop = kthread_freezable_should_stop(&was_frozen);

		if (was_frozen)
			times_frozen++;
		if (stop)
			break;
		wait_event_interruptible(wq, freezing(current) ||
					 kthread_should_stop());
	}
	pr_info("stopping; frozen and thawed %u time(s)\n", times_frozen);
	return 0;
}

static int __init freezable_should_stop_init(void)
{
	task = kthread_run(frz_loop_fn, NULL, "frz_loop");
	return PTR_ERR_OR_ZERO(task);
}

static void __exit freezable_should_stop_exit(void)
{
	kthread_stop(task);
	pr_info("unloaded\n");
}

module_init(freezable_should_stop_init);
module_exit(freezable_should_stop_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("A kthread that freezes in kthread_freezable_should_stop()");
