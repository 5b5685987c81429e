// SPDX-License-Identifier: GPL-2.0
/*
 * stop_self: BROKEN LISTING - a kernel thread that calls kthread_stop() on
 * itself.
 *
 * kthread_stop() sets KTHREAD_SHOULD_STOP, wakes the thread and then waits,
 * uninterruptibly and without a timeout, for the completion the thread's
 * exit signals (kthread->exited, completed by the exit path).  Called by the
 * thread on itself, it waits for its own exit, which can only come after the
 * wait returns: the thread sleeps in D state for good and the hung-task
 * detector reports it in kthread_stop().
 *
 * init returns once the thread has printed its line (the completion
 * "started"); the thread is SCHED_FIFO, so on the guest's one CPU it goes on
 * into kthread_stop() before the shell's next step, and `show` finds it in
 * D state on every run.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/completion.h>
#include <linux/err.h>
#include <linux/kthread.h>
#include <linux/module.h>
#include <linux/sched.h>

static DECLARE_COMPLETION(started);

static int stop_self_fn(void *data)
{
	int ret;

	pr_info("thread calls kthread_stop() on itself\n");
	complete(&started);

	/* The bug: the caller of kthread_stop() waits for this very thread. */
	ret = kthread_stop(current);

	pr_info("kthread_stop() returned %d\n", ret);
	return 0;
}

static int __init stop_self_init(void)
{
	struct task_struct *task;

	task = kthread_create(stop_self_fn, NULL, "stop_self");
	if (IS_ERR(task))
		return PTR_ERR(task);
	sched_set_fifo_low(task);
	wake_up_process(task);

	wait_for_completion(&started);
	return 0;
}

/*
 * No module_exit(): nothing can stop the thread, so the module must stay
 * (without an exit function it cannot be removed).
 */
module_init(stop_self_init);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("Broken: a kthread that calls kthread_stop() on itself");
MODULE_AUTHOR("The kthread book");
