// SPDX-License-Identifier: GPL-2.0
/*
 * test_then_sleep_d: test_then_sleep with TASK_UNINTERRUPTIBLE - the
 * stop request lands between kthread_should_stop() and
 * set_current_state(), and the thread sleeps through it on every kernel.
 *
 *	while (!kthread_should_stop()) {
 *		(the window)
 *		set_current_state(TASK_UNINTERRUPTIBLE);
 *		schedule();
 *	}
 *
 * kthread_stop() (kernel/kthread.c) sets KTHREAD_SHOULD_STOP, on 6.1 and
 * later also TIF_NOTIFY_SIGNAL, and calls wake_up_process(), which finds
 * the thread still TASK_RUNNING in the window and does nothing.  A
 * pending signal keeps a task from sleeping only in an interruptible
 * state: signal_pending_state() (include/linux/sched/signal.h), which
 * __schedule() (5.10, 6.1) or try_to_block_task() (6.12 and later,
 * kernel/sched/core.c) asks, returns 0 for a state without
 * TASK_INTERRUPTIBLE or TASK_WAKEKILL.  So the thread sleeps for good,
 * and kthread_stop() waits for it for good, on all four kernels.
 *
 * The window is widened as in test_then_sleep.c: module exit records the
 * stopping task and completes stop_coming before kthread_stop(); the
 * thread, after its test, waits for stop_coming and then until the
 * stopper has blocked in kthread_stop()'s wait_for_completion(), which it
 * reaches only after its wake_up_process() has returned.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/completion.h>
#include <linux/delay.h>
#include <linux/kthread.h>
#include <linux/module.h>
#include <linux/sched.h>
#include <linux/version.h>

static DECLARE_COMPLETION(in_window);
static DECLARE_COMPLETION(stop_coming);
static struct task_struct *stopper;
static struct task_struct *task;

static bool stopper_blocked(void)
{
	struct task_struct *t = READ_ONCE(stopper);

#if LINUX_VERSION_CODE >= KERNEL_VERSION(5, 14, 0)
	return t && !task_is_running(t);
#else
	return t && READ_ONCE(t->state) != TASK_RUNNING;
#endif
}

static int thread_fn(void *data)
{
	while (!kthread_should_stop()) {
		/* The window: the stop request is made here. */
		pr_info("thread: kthread_should_stop() said no\n");
		complete(&in_window);
		wait_for_completion(&stop_coming);
		while (!stopper_blocked())
			schedule_timeout_uninterruptible(1);
		pr_info("thread: stop requested meanwhile: %s; now TASK_UNINTERRUPTIBLE and schedule()\n",
			kthread_should_stop() ? "yes" : "no");

		set_current_state(TASK_UNINTERRUPTIBLE);
		schedule();

		pr_info("thread: schedule() returned\n");
	}
	pr_info("thread: kthread_should_stop() said yes, returning 0\n");
	return 0;
}

static int __init test_then_sleep_d_init(void)
{
	task = kthread_run(thread_fn, NULL, "test_then_sl_d");
	if (IS_ERR(task))
		return PTR_ERR(task);
	/* The thread stays until kthread_stop(): no extra reference needed. */
	wait_for_completion(&in_window);
	return 0;
}

static void __exit test_then_sleep_d_exit(void)
{
	int ret;

	/*
	 * rmmod runs in the background: let the shell go on to its next
	 * step first, so that these lines land in that step on every run.
	 */
	msleep(500);
	pr_info("exit: calling kthread_stop\n");
	WRITE_ONCE(stopper, current);
	complete(&stop_coming);
	ret = kthread_stop(task);
	pr_info("exit: kthread_stop returned %d\n", ret);
}

module_init(test_then_sleep_d_init);
module_exit(test_then_sleep_d_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("kthread_should_stop() tested before set_current_state(TASK_UNINTERRUPTIBLE): sleeps through the stop");
MODULE_AUTHOR("The kthread book");
