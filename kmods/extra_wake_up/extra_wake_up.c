// SPDX-License-Identifier: GPL-2.0
/*
 * extra_wake_up: BROKEN LISTING - wake_up_process() called again after
 * kthread_run() (article 001, the author's own bug).
 *
 * Settles SEEDS claim 1.1 ("the extra wake_up_process() after
 * kthread_run() was a mistake") and, again, 3.3.  kthread_run() already
 * woke the thread, so the extra call is at best useless and at worst a
 * wake-up nobody asked for:
 *
 *  - made at once, it finds the new thread TASK_RUNNING and returns 0:
 *    nothing happens (try_to_wake_up() in kernel/sched/core.c only acts
 *    on a task whose state matches TASK_NORMAL);
 *  - made later, when the thread has gone to sleep waiting for data, it
 *    returns 1 and wakes the thread with no data ready.
 *
 * The consumer here is written the naive way, one sleep per item with no
 * re-check, so the spurious wake-up makes it go on without data.  The
 * scenario loads the module twice: late=0 makes the extra call at once,
 * late=1 after the consumer sleeps (ordered with a completion).  A
 * consumer written with wait_event*() re-checks its condition and goes
 * back to sleep (wait_queue_wake.c).
 *
 * With late=0 the outcome relies on init keeping the CPU between
 * kthread_run() and the extra call; init makes itself SCHED_FIFO so that
 * no tick can give it to the new thread in between on a preemptible
 * kernel (see stop_race.c).
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/completion.h>
#include <linux/kthread.h>
#include <linux/module.h>
#include <linux/sched.h>

static bool late;
module_param(late, bool, 0444);
MODULE_PARM_DESC(late, "Make the extra wake_up_process() after the consumer sleeps");

static DECLARE_COMPLETION(sleeping);
static DECLARE_COMPLETION(woke);
static bool data_ready;

static int consumer_fn(void *data)
{
	/* The naive wait: sleep once, then assume the data is there. */
	set_current_state(TASK_INTERRUPTIBLE);
	complete(&sleeping);
	schedule();
	pr_info("consumer woke up, data ready: %s\n",
		READ_ONCE(data_ready) ? "yes" : "NO");
	complete(&woke);

	for (;;) {
		set_current_state(TASK_INTERRUPTIBLE);
		if (kthread_should_stop())
			break;
		schedule();
	}
	__set_current_state(TASK_RUNNING);
	return 0;
}

static int __init extra_wake_up_init(void)
{
	struct task_struct *task;

	sched_set_fifo_low(current);	/* only to make late=0 repeatable */
	task = kthread_run(consumer_fn, NULL, "extra_wake_up");
	if (IS_ERR(task))
		return PTR_ERR(task);

	if (late)
		wait_for_completion(&sleeping);

	/* The bug: kthread_run() has already woken the thread. */
	pr_info("extra wake_up_process returned %d\n", wake_up_process(task));

	if (!late) {
		/* Harmless this time; now really hand over the data. */
		wait_for_completion(&sleeping);
		WRITE_ONCE(data_ready, true);
		wake_up_process(task);
	}
	wait_for_completion(&woke);
	pr_info("kthread_stop returned %d\n", kthread_stop(task));
	return 0;
}

static void __exit extra_wake_up_exit(void)
{
	pr_info("unloaded\n");
}

module_init(extra_wake_up_init);
module_exit(extra_wake_up_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("Broken: an extra wake_up_process() after kthread_run()");
MODULE_AUTHOR("The kthread book");
