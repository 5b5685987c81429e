// SPDX-License-Identifier: GPL-2.0
/*
 * schedule_loop: a thread that greets, then loops on schedule() until it
 * is stopped; init starts it and stops it at once (article 002, case 2).
 *
 * Settles SEEDS claim 2.2 ("the thread never runs and kthread_stop()
 * returns -4") - for this guest, with one CPU.  kthread_run() only makes
 * the new thread runnable (it ran once already, inside kthread_create(),
 * up to its first sleep in kthread()); init keeps the CPU and reaches
 * kthread_stop() first, which sets KTHREAD_SHOULD_STOP before the woken
 * thread runs again.  When it does, kthread() (kernel/kthread.c) sees the
 * flag and exits with -EINTR without calling thread_fn, so the greeting
 * never appears.  It is a race, not a rule: stop_race.c makes the thread
 * win it, and on a preemptible kernel (lazy or full) a timer tick between
 * the two calls could hand the CPU to the new thread even on one CPU.  To
 * keep this listing's output repeatable, init makes itself SCHED_FIFO
 * first, which a SCHED_NORMAL thread cannot preempt; the article's code
 * does not.
 *
 * The loop itself is the article's: schedule() with the task still
 * TASK_RUNNING only yields the CPU, so a thread that did get to run
 * would spin through it, never sleeping, until stopped.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/kthread.h>
#include <linux/module.h>
#include <linux/sched.h>

static int thread_fn(void *data)
{
	pr_info("hello from the thread\n");

	while (!kthread_should_stop())
		schedule();

	pr_info("thread returns 0\n");
	return 0;
}

static int __init schedule_loop_init(void)
{
	struct task_struct *task;

	sched_set_fifo_low(current);	/* only to make the run repeatable */
	task = kthread_run(thread_fn, NULL, "schedule_loop");
	if (IS_ERR(task))
		return PTR_ERR(task);

	pr_info("kthread_stop returned %d\n", kthread_stop(task));
	return 0;
}

static void __exit schedule_loop_exit(void)
{
	pr_info("unloaded\n");
}

module_init(schedule_loop_init);
module_exit(schedule_loop_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("kthread_stop() right after kthread_run(), article 002 case 2");
MODULE_AUTHOR("The kthread book");
