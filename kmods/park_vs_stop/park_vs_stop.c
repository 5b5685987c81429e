// SPDX-License-Identifier: GPL-2.0
/*
 * park_vs_stop: kthread_park() from one thread and kthread_stop() from
 * another, on the same thread.  Loaded once per order of the two.
 *
 * kthread_park() (kernel/kthread.c) sets KTHREAD_SHOULD_PARK, wakes the
 * thread and waits, uninterruptibly and without a time limit, for the
 * thread's "parked" completion, which only __kthread_parkme() completes.
 * kthread_stop() sets KTHREAD_SHOULD_STOP, calls kthread_unpark() (which
 * clears KTHREAD_SHOULD_PARK and wakes a parked thread), wakes the thread
 * and waits for it to exit.  Nothing in the thread's exit completes
 * "parked".
 *
 * stop_first=0: the park completes first.  The parker (a kthread) calls
 * kthread_park() and init waits until it returned; then init stops the
 * parked thread, which kthread_stop() unparks.
 *
 * stop_first=1: the stop comes while the park waits.  The thread sees the
 * park request but first finishes a piece of work, which here ends only
 * with the stop request (a stand-in for work that takes long enough for a
 * stop to come in).  Back at the top of its loop it finds
 * kthread_should_stop() true and returns without parking:
 * kthread_stop() returns, and the parker waits in kthread_park() for good,
 * until the hung-task detector reports it.  init holds a reference on the
 * thread's task_struct for the parker: kthread_park() still waits on the
 * thread's "parked" completion after the thread is gone, and that is freed
 * with the task_struct (free_task()).  That load leaks the reference, and
 * the parker, on purpose.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/completion.h>
#include <linux/err.h>
#include <linux/kthread.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/sched.h>
#include <linux/sched/task.h>
#include <linux/wait.h>

static bool stop_first;
module_param(stop_first, bool, 0444);
MODULE_PARM_DESC(stop_first, "0: the park completes before the stop; 1: the stop comes while the park waits");

static struct task_struct *thread;
static DECLARE_WAIT_QUEUE_HEAD(wq);
static DECLARE_COMPLETION(running);
static DECLARE_COMPLETION(park_seen);
static DECLARE_COMPLETION(park_returned);

static int thread_fn(void *data)
{
	complete(&running);
	while (!kthread_should_stop()) {
		if (kthread_should_park()) {
			if (stop_first) {
				pr_info("thread: park requested, finishing its work first\n");
				complete(&park_seen);
				wait_event(wq, kthread_should_stop());
				continue;
			}
			pr_info("thread: parking\n");
			kthread_parkme();
			pr_info("thread: back from kthread_parkme()\n");
			continue;
		}
		wait_event_interruptible(wq, kthread_should_park() ||
					 kthread_should_stop());
	}
	pr_info("thread: returns 0\n");
	return 0;
}

static int parker_fn(void *data)
{
	int ret;

	pr_info("parker: calling kthread_park()\n");
	ret = kthread_park(thread);
	pr_info("parker: kthread_park() returned %d\n", ret);
	complete(&park_returned);
	for (;;) {
		set_current_state(TASK_INTERRUPTIBLE);
		if (kthread_should_stop())
			break;
		schedule();
	}
	__set_current_state(TASK_RUNNING);
	return 0;
}

static int __init park_vs_stop_init(void)
{
	struct task_struct *parker;

	thread = kthread_run(thread_fn, NULL, "pvs_thread");
	if (IS_ERR(thread))
		return PTR_ERR(thread);
	wait_for_completion(&running);
	get_task_struct(thread);	/* kthread_park() may outlive the thread */

	parker = kthread_run(parker_fn, NULL, "pvs_parker");
	if (IS_ERR(parker)) {
		kthread_stop(thread);
		put_task_struct(thread);
		return PTR_ERR(parker);
	}
	if (stop_first) {
		wait_for_completion(&park_seen);
	} else {
		wait_for_completion(&park_returned);
		kthread_stop(parker);
	}
	pr_info("kthread_stop(thread) returned %d\n", kthread_stop(thread));
	if (!stop_first)
		put_task_struct(thread);
	return 0;
}

static void __exit park_vs_stop_exit(void)
{
}

module_init(park_vs_stop_init);
module_exit(park_vs_stop_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("kthread_park() and kthread_stop() of one kthread from two threads, in both orders");
