// SPDX-License-Identifier: GPL-2.0
/*
 * stop_after_run: kthread_stop() right after kthread_run().
 *
 * kthread_run() only wakes the new thread; it does not wait for the
 * thread function to start.  If kthread_stop() gets there first, the
 * thread function is never called at all and kthread_stop() returns
 * -EINTR instead of the function's return value.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/kthread.h>
#include <linux/module.h>
#include <linux/sched.h>

/* Written by the thread, read only after kthread_stop() has waited for it. */
static bool fn_ran;

static int thread_fn(void *data)
{
	fn_ran = true;
	pr_info("thread function is running\n");

	for (;;) {
		/* Set the state before checking, so no wake-up is lost. */
		set_current_state(TASK_INTERRUPTIBLE);
		if (kthread_should_stop())
			break;
		schedule();
	}
	__set_current_state(TASK_RUNNING);
	return 0;
}

static int __init stop_after_run_init(void)
{
	struct task_struct *task;
	int ret;

	/*
	 * Only to make the demonstration repeatable on one CPU: as SCHED_FIFO,
	 * init cannot lose the CPU to the new SCHED_NORMAL thread before
	 * kthread_stop() sleeps (on the lazy-preemption kernel it once did).
	 * The race itself remains; see the model of all interleavings.
	 */
	sched_set_fifo_low(current);
	task = kthread_run(thread_fn, NULL, "stop_after_run");
	if (IS_ERR(task))
		return PTR_ERR(task);

	ret = kthread_stop(task);
	pr_info("kthread_stop returned %d\n", ret);
	pr_info("thread function ran: %s\n", fn_ran ? "yes" : "no");
	return 0;
}

static void __exit stop_after_run_exit(void)
{
	pr_info("unloaded\n");
}

module_init(stop_after_run_init);
module_exit(stop_after_run_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("kthread_stop() before the thread function ever runs");
MODULE_AUTHOR("The kthread book");
