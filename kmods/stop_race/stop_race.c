// SPDX-License-Identifier: GPL-2.0
/*
 * stop_race: kthread_stop() after kthread_run() is a race with two
 * reachable outcomes (article 000).
 *
 * Settles SEEDS claims 0.1 ("kthread_stop() right after kthread_run()
 * may stop the thread before its function runs, and then returns
 * -EINTR") and 1.5, and answers the question article 002 leaves open:
 * "when can we use kthread_stop() after kthread_run()?" - at any time,
 * but what it returns depends on who wins.
 *
 * kthread() (kernel/kthread.c) tests KTHREAD_SHOULD_STOP once, after its
 * first wake-up and before it calls the thread function.  If
 * kthread_stop() sets the flag first, the function never runs and
 * kthread_stop() returns -EINTR; otherwise it returns whatever the
 * function returns.  The scenario loads the module twice:
 *
 *  - pause_ms=0: init stops the thread at once.  On one CPU init keeps
 *    running until kthread_stop() sleeps, so the stop wins: -4.  Init
 *    first makes itself SCHED_FIFO, so that no tick can hand the CPU to
 *    the new (SCHED_NORMAL) thread in between, as one can on a
 *    preemptible kernel.
 *  - pause_ms=1: init sleeps for a millisecond first.  Sleeping hands the
 *    only CPU to the new thread, which runs its function up to its own
 *    schedule(); the stop then finds it running and gets its value (0).
 *
 * On more than one CPU, SCHED_FIFO or not, either outcome can happen
 * with pause_ms=0 (stop_race_count.c counts how often, on two CPUs).  The
 * sleep here only decides the race for the demonstration; real code that
 * needs the function to have started waits for it with a completion
 * (completion_handshake.c).
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/delay.h>
#include <linux/kthread.h>
#include <linux/module.h>
#include <linux/sched.h>

static unsigned int pause_ms;
module_param(pause_ms, uint, 0444);
MODULE_PARM_DESC(pause_ms, "ms to sleep between kthread_run() and kthread_stop()");

/* Written by the thread, read only after kthread_stop() has waited for it. */
static bool fn_ran;

static int thread_fn(void *data)
{
	fn_ran = true;
	pr_info("thread function is running\n");

	for (;;) {
		set_current_state(TASK_INTERRUPTIBLE);
		if (kthread_should_stop())
			break;
		schedule();
	}
	__set_current_state(TASK_RUNNING);

	pr_info("thread function returns 0\n");
	return 0;
}

static int __init stop_race_init(void)
{
	struct task_struct *task;
	int ret;

	sched_set_fifo_low(current);	/* only to make pause_ms=0 repeatable */
	task = kthread_run(thread_fn, NULL, "stop_race");
	if (IS_ERR(task))
		return PTR_ERR(task);

	if (pause_ms)
		msleep(pause_ms);

	ret = kthread_stop(task);
	pr_info("pause %u ms: kthread_stop returned %d, thread function ran: %s\n",
		pause_ms, ret, fn_ran ? "yes" : "no");
	return 0;
}

static void __exit stop_race_exit(void)
{
	pr_info("unloaded\n");
}

module_init(stop_race_init);
module_exit(stop_race_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("Both outcomes of kthread_stop() right after kthread_run()");
MODULE_AUTHOR("The kthread book");
