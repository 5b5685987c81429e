// SPDX-License-Identifier: GPL-2.0
/*
 * idle_wait: three threads wait for the same thing, each in its own kind of
 * uninterruptible sleep, for longer than hung_task_timeout_secs:
 *
 *  - idle_waiter: wait_event_idle(), TASK_IDLE
 *    (TASK_UNINTERRUPTIBLE | TASK_NOLOAD);
 *  - kill_waiter: wait_event_killable(), TASK_KILLABLE
 *    (TASK_UNINTERRUPTIBLE | TASK_WAKEKILL), after allow_signal(SIGKILL);
 *  - d_waiter: wait_event(), plain TASK_UNINTERRUPTIBLE.
 *
 * The hung-task detector (kernel/hung_task.c) walks every task in the order
 * they were created and skips the first two on every kernel of the matrix,
 * by a test that changed: 5.10 takes only a state equal to
 * TASK_UNINTERRUPTIBLE, 6.1 and 6.12 skip a state with TASK_WAKEKILL or
 * TASK_NOLOAD set, the newest kernel does the same in task_is_hung().
 *
 * The harness prints one hung-task report per boot (hung_task_warnings=1).
 * The threads are created in the order above, so the detector meets the
 * idle and the killable waiter first: a report that names d_waiter says
 * that the two before it were not taken for hung.
 *
 * Each wait's condition counts its own tests, so the output shows how often
 * a thread was woken: the shell's SIGKILL reaches kill_waiter (it allowed
 * the signal), and the count says whether its killable wait ended then.
 * Every condition also has kthread_should_stop(), so module exit ends all
 * three waits with kthread_stop(); each thread returns its count.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/err.h>
#include <linux/kthread.h>
#include <linux/module.h>
#include <linux/sched.h>
#include <linux/sched/signal.h>
#include <linux/signal.h>
#include <linux/version.h>
#include <linux/wait.h>

enum kind { IDLE, KILLABLE, UNINTERRUPTIBLE, NR_KINDS };

struct waiter {
	const char *name;
	struct task_struct *task;
	bool waiting;		/* set just before the wait */
	int checks;		/* tests of the wait's condition */
	long ret;		/* what the wait returned */
};

static struct waiter waiters[NR_KINDS] = {
	[IDLE] = { .name = "idle_waiter" },
	[KILLABLE] = { .name = "kill_waiter" },
	[UNINTERRUPTIBLE] = { .name = "d_waiter" },
};

/* Nobody ever wakes this queue: only kthread_stop() and signals wake. */
static DECLARE_WAIT_QUEUE_HEAD(wq);

static bool stop_requested(struct waiter *w)
{
	w->checks++;
	return kthread_should_stop();
}

static int waiter_fn(void *data)
{
	struct waiter *w = data;

	if (w == &waiters[KILLABLE])
		allow_signal(SIGKILL);
	WRITE_ONCE(w->waiting, true);

	switch (w - waiters) {
	case IDLE:
		wait_event_idle(wq, stop_requested(w));
		w->ret = 0;	/* wait_event_idle() has no value */
		break;
	case KILLABLE:
		w->ret = wait_event_killable(wq, stop_requested(w));
		break;
	default:
		wait_event(wq, stop_requested(w));
		w->ret = 0;	/* neither has wait_event() */
		break;
	}

	/* Should the wait have ended on the signal: wait for the stop. */
	while (!kthread_should_stop())
		schedule_timeout_interruptible(HZ / 10);
	return w->checks;
}

static bool asleep(struct waiter *w)
{
	if (!READ_ONCE(w->waiting))
		return false;
#if LINUX_VERSION_CODE >= KERNEL_VERSION(5, 14, 0)
	return !task_is_running(w->task);
#else
	return READ_ONCE(w->task->state) != TASK_RUNNING;
#endif
}

static int __init idle_wait_init(void)
{
	int i;

	for (i = 0; i < NR_KINDS; i++) {
		struct waiter *w = &waiters[i];

		w->task = kthread_run(waiter_fn, w, "%s", w->name);
		if (IS_ERR(w->task)) {
			int err = PTR_ERR(w->task);

			while (--i >= 0)
				kthread_stop(waiters[i].task);
			return err;
		}
		/* Created and asleep in this order: the detector's order. */
		while (!asleep(w))
			schedule_timeout_uninterruptible(1);
	}
	pr_info("all three waiting\n");
	return 0;
}

static void __exit idle_wait_exit(void)
{
	int i;

	for (i = 0; i < NR_KINDS; i++) {
		struct waiter *w = &waiters[i];
		int checks = kthread_stop(w->task);

		pr_info("%s: wait returned %ld, condition tested %d times\n",
			w->name, w->ret, checks);
	}
}

module_init(idle_wait_init);
module_exit(idle_wait_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("TASK_IDLE, TASK_KILLABLE and TASK_UNINTERRUPTIBLE waits under the hung-task detector");
MODULE_AUTHOR("The kthread book");
