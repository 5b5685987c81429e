// SPDX-License-Identifier: GPL-2.0
/*
 * retry_after_stop: BROKEN LISTING on 6.1 and later - teardown code that
 * treats an interrupted wait as "try again" spins once kthread_stop() has
 * been called.
 *
 * After kthread_should_stop() turned true the thread waits for its
 * "hardware" (a timer that fires 2 s later) with
 * wait_event_interruptible(), and calls it again while it returns
 * -ERESTARTSYS - a loop that is harmless in a thread that gets no
 * signals.  But from 6.1 (commit a7c01fa93aeb) kthread_stop()
 * (kernel/kthread.c) sets TIF_NOTIFY_SIGNAL on the thread, signal_pending()
 * (include/linux/sched/signal.h) counts it, and nothing on a kernel
 * thread's path clears it: clear_notify_signal() is called by
 * get_signal() (kernel/signal.c) on the way back to user space.  So every
 * call returns -ERESTARTSYS at once (prepare_to_wait_event() in
 * kernel/sched/wait.c) and the loop spins until the timer fires.
 *
 * On 5.10 kthread_stop() sets no such flag: the first call sleeps until
 * the timer's wake_up().  The thread prints how many calls it made (on
 * 6.1 and later a number that depends on how fast the loop runs, hence
 * a measure) and whether it called more than once (the same on every
 * run).
 *
 * The loop here calls wait_event_interruptible(), whose might_sleep() is a
 * scheduling point under voluntary preemption, and it ends after 2 s; a
 * loop without a scheduling point that spins for good is busy_loop.c.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/completion.h>
#include <linux/jiffies.h>
#include <linux/kthread.h>
#include <linux/module.h>
#include <linux/timer.h>
#include <linux/wait.h>

static DECLARE_WAIT_QUEUE_HEAD(stop_wq);
static DECLARE_WAIT_QUEUE_HEAD(hw_wq);
static DECLARE_COMPLETION(started);
static struct timer_list hw_timer;
static bool hw_done;
static struct task_struct *task;

static void hw_timer_fn(struct timer_list *t)
{
	WRITE_ONCE(hw_done, true);
	wake_up(&hw_wq);
}

static int teardown_fn(void *data)
{
	unsigned long calls = 0;
	int ret;

	complete(&started);
	wait_event_interruptible(stop_wq, kthread_should_stop());

	/* Teardown: wait for the hardware, which answers 2 s from now. */
	mod_timer(&hw_timer, jiffies + msecs_to_jiffies(2000));
	do {
		/* The bug: an interrupted wait is simply tried again. */
		ret = wait_event_interruptible(hw_wq, READ_ONCE(hw_done));
		calls++;
	} while (ret == -ERESTARTSYS);

	pr_info("hardware done after %lu calls of wait_event_interruptible()\n",
		calls);
	pr_info("called more than once: %s\n", calls > 1 ? "yes" : "no");
	return 0;
}

static int __init retry_after_stop_init(void)
{
	timer_setup(&hw_timer, hw_timer_fn, 0);
	task = kthread_run(teardown_fn, NULL, "retry_after_stop");
	if (IS_ERR(task))
		return PTR_ERR(task);

	wait_for_completion(&started);
	return 0;
}

static void __exit retry_after_stop_exit(void)
{
	pr_info("calling kthread_stop\n");
	pr_info("kthread_stop returned %d\n", kthread_stop(task));
	/* The thread saw hw_done; make sure the callback has finished too. */
	timer_delete_sync(&hw_timer);
}

module_init(retry_after_stop_init);
module_exit(retry_after_stop_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("Broken on 6.1+: retrying an interrupted wait after kthread_stop() spins");
MODULE_AUTHOR("The kthread book");
