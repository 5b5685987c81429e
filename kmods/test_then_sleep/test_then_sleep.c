// SPDX-License-Identifier: GPL-2.0
/*
 * test_then_sleep: the sleeping loop with its two lines in the wrong
 * order - kthread_should_stop() tested before set_current_state() - and
 * the stop request made to land between them on every run.
 *
 *	while (!kthread_should_stop()) {
 *		(the window)
 *		set_current_state(TASK_INTERRUPTIBLE);
 *		schedule();
 *	}
 *
 * kthread_stop() (kernel/kthread.c) sets KTHREAD_SHOULD_STOP and calls
 * wake_up_process().  If both happen inside the window, the wake-up finds
 * the thread TASK_RUNNING and does nothing, and the thread then goes to
 * sleep with the stop already requested.  Whether that sleep lasts
 * depends on the kernel:
 *
 *  - 5.10: nothing wakes the thread again.  kthread_stop() waits for it
 *    uninterruptibly and without a timeout, so rmmod hangs, and the
 *    hung-task detector reports rmmod.
 *  - 6.1 and later: kthread_stop() also sets TIF_NOTIFY_SIGNAL on the
 *    thread (commit a7c01fa93aeb, "signal: break out of wait loops on
 *    kthread_stop()", v6.1), which signal_pending() counts
 *    (include/linux/sched/signal.h).  For a task about to sleep in
 *    TASK_INTERRUPTIBLE with a signal pending, __schedule() (6.1;
 *    try_to_block_task() from 6.12, kernel/sched/core.c) sets it back to
 *    TASK_RUNNING instead of taking it off the run queue: schedule()
 *    returns at once, the loop tests the flag again and the thread ends.
 *
 * The window is made wide on purpose, so that every run takes it: module
 * exit records which task is stopping (stopper), completes stop_coming
 * and calls kthread_stop().  The thread, after its test, waits for
 * stop_coming and then until the stopper is no longer TASK_RUNNING.  The
 * stopper only blocks in kthread_stop()'s wait_for_completion(), after
 * its wake_up_process() has returned, so when the thread goes on to
 * set_current_state() the whole stop request has been made.  (Should the
 * wake-up reach the thread while it polls in
 * schedule_timeout_uninterruptible(), the poll swallows it: the same
 * lost wake-up.)  The TASK_UNINTERRUPTIBLE form of the same loop hangs
 * on every kernel: test_then_sleep_d.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/completion.h>
#include <linux/delay.h>
#include <linux/kthread.h>
#include <linux/module.h>
#include <linux/sched.h>
#include <linux/sched/signal.h>
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
		pr_info("thread: stop requested meanwhile: %s; now TASK_INTERRUPTIBLE and schedule()\n",
			kthread_should_stop() ? "yes" : "no");

		set_current_state(TASK_INTERRUPTIBLE);
		schedule();

		pr_info("thread: schedule() returned, signal_pending(): %d\n",
			signal_pending(current) ? 1 : 0);
	}
	pr_info("thread: kthread_should_stop() said yes, returning 0\n");
	return 0;
}

static int __init test_then_sleep_init(void)
{
	task = kthread_run(thread_fn, NULL, "test_then_sleep");
	if (IS_ERR(task))
		return PTR_ERR(task);
	/* The thread stays until kthread_stop(): no extra reference needed. */
	wait_for_completion(&in_window);
	return 0;
}

static void __exit test_then_sleep_exit(void)
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

module_init(test_then_sleep_init);
module_exit(test_then_sleep_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("kthread_should_stop() tested before set_current_state(): the stop lands in the window");
MODULE_AUTHOR("The kthread book");
