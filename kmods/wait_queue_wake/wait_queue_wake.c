// SPDX-License-Identifier: GPL-2.0
/*
 * wait_queue_wake: who wakes up, and what wait_event*() returns.
 *
 * Settles SEEDS claims 1.2 ("wait_event_interruptible(wq, cond) sleeps
 * until cond is true or a signal arrives, re-checks cond on each
 * wake-up, returns -ERESTARTSYS when interrupted and 0 when cond became
 * true") and 1.3 ("wake_up() wakes with TASK_NORMAL, i.e. both
 * interruptible and uninterruptible sleepers").
 *
 * Two threads sleep on one wait queue: "light" in
 * wait_event_interruptible() (TASK_INTERRUPTIBLE), "deep" in wait_event()
 * (TASK_UNINTERRUPTIBLE).  Their condition is a function that counts how
 * often it is evaluated, so the counts show every wake-up.  ___wait_event()
 * (include/linux/wait.h) tests the condition once before queueing and
 * once after prepare_to_wait_event(); then, after each wake-up, once more
 * after prepare_to_wait_event() - and on the newest kernel of the matrix
 * also right after schedule() returns, so its counts grow by two per
 * wake-up where 5.10, 6.1 and 6.12 add one.  Init polls the counts to
 * know that a thread has gone to sleep.
 *
 * wake_up() is __wake_up(wq, TASK_NORMAL, 1, NULL) and
 * wake_up_interruptible() passes TASK_INTERRUPTIBLE (include/linux/wait.h);
 * try_to_wake_up() (kernel/sched/core.c) only wakes a task whose state
 * matches that mask.  Last, "light" waits a second time, on a queue
 * nobody wakes, for a condition that never becomes true, and is
 * interrupted by a signal, which a kthread only receives after
 * allow_signal(): kthreadd ignores all signals and its children inherit
 * that.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/completion.h>
#include <linux/delay.h>
#include <linux/kthread.h>
#include <linux/module.h>
#include <linux/sched/signal.h>
#include <linux/signal.h>
#include <linux/wait.h>

/* One wait: how often its condition was evaluated, and how it ended. */
struct waiter {
	int checks;
	int ret;
	struct completion done;
};

static DECLARE_WAIT_QUEUE_HEAD(wq);
static DECLARE_WAIT_QUEUE_HEAD(nobody_wakes);	/* for the signal demo */
static bool go;
static struct waiter light, deep, light_again;
static struct task_struct *light_task, *deep_task;

static bool counted(struct waiter *w, bool cond)
{
	WRITE_ONCE(w->checks, w->checks + 1);
	return cond;
}

static void wait_for_stop(void)
{
	for (;;) {
		set_current_state(TASK_INTERRUPTIBLE);
		if (kthread_should_stop())
			break;
		schedule();
	}
	__set_current_state(TASK_RUNNING);
}

static int light_fn(void *data)
{
	light.ret = wait_event_interruptible(wq, counted(&light, READ_ONCE(go)));
	complete(&light.done);

	allow_signal(SIGUSR1);
	light_again.ret = wait_event_interruptible(nobody_wakes,
						   counted(&light_again, false));
	flush_signals(current);
	complete(&light_again.done);

	wait_for_stop();
	return 0;
}

static int deep_fn(void *data)
{
	wait_event(wq, counted(&deep, READ_ONCE(go)));
	complete(&deep.done);

	wait_for_stop();
	return 0;
}

/* Poll until the wait has evaluated its condition at least @n times. */
static void wait_checks(struct waiter *w, int n)
{
	while (READ_ONCE(w->checks) < n)
		msleep(1);
}

static int __init wait_queue_wake_init(void)
{
	int light_seen, deep_seen;

	init_completion(&light.done);
	init_completion(&deep.done);
	init_completion(&light_again.done);

	light_task = kthread_run(light_fn, NULL, "wq_light");
	if (IS_ERR(light_task))
		return PTR_ERR(light_task);
	deep_task = kthread_run(deep_fn, NULL, "wq_deep");
	if (IS_ERR(deep_task)) {
		WRITE_ONCE(go, true);
		wake_up(&wq);
		wait_for_completion(&light.done);
		send_sig(SIGUSR1, light_task, 0);
		kthread_stop(light_task);
		return PTR_ERR(deep_task);
	}

	wait_checks(&light, 2);
	wait_checks(&deep, 2);
	light_seen = READ_ONCE(light.checks);
	deep_seen = READ_ONCE(deep.checks);
	pr_info("both asleep: light checked its condition %d times, deep %d\n",
		light_seen, deep_seen);

	wake_up(&wq);
	wait_checks(&light, light_seen + 1);
	wait_checks(&deep, deep_seen + 1);
	msleep(100);	/* both finish their round and sleep again */
	pr_info("wake_up() with the condition false: light checked %d times, deep %d; both sleep again\n",
		READ_ONCE(light.checks), READ_ONCE(deep.checks));

	WRITE_ONCE(go, true);
	wake_up_interruptible(&wq);
	wait_for_completion(&light.done);
	pr_info("wake_up_interruptible(): light returned %d after %d checks\n",
		light.ret, light.checks);
	msleep(100);
	pr_info("100 ms later deep has still checked only %d times\n",
		READ_ONCE(deep.checks));

	wake_up(&wq);
	wait_for_completion(&deep.done);
	pr_info("wake_up(): deep woke after %d checks\n", deep.checks);

	wait_checks(&light_again, 2);
	send_sig(SIGUSR1, light_task, 0);
	wait_for_completion(&light_again.done);
	pr_info("SIGUSR1: light's second wait returned %d after %d checks\n",
		light_again.ret, light_again.checks);
	return 0;
}

static void __exit wait_queue_wake_exit(void)
{
	kthread_stop(light_task);
	kthread_stop(deep_task);
	pr_info("unloaded\n");
}

module_init(wait_queue_wake_init);
module_exit(wait_queue_wake_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("wake_up() vs wake_up_interruptible(), and wait_event return values");
MODULE_AUTHOR("The kthread book");
