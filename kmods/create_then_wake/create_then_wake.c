// SPDX-License-Identifier: GPL-2.0
/*
 * create_then_wake: kthread_create() leaves the new thread asleep until
 * wake_up_process(), and wake_up_process() says whether it woke anyone.
 *
 * Settles SEEDS claims 3.1 and 0.2 ("a thread from kthread_create() does
 * not run until wake_up_process(); kthread_run() is kthread_create() +
 * wake_up_process()") and 3.3 ("wake_up_process() returns 1 when it
 * woke the thread, 0 when it was already running").
 *
 * The new thread starts in kthread() (kernel/kthread.c), which sets
 * TASK_UNINTERRUPTIBLE, tells kthread_create() it exists and calls
 * schedule(); only a wake-up lets it go on to the thread function.  Init
 * sleeps for 100 ms with the thread created: on this one-CPU guest the
 * thread would have had the CPU all that time, and its function still
 * has not run.
 *
 * wake_up_process() is try_to_wake_up(p, TASK_NORMAL, 0)
 * (kernel/sched/core.c): it returns 1 when the task's state was
 * TASK_INTERRUPTIBLE or TASK_UNINTERRUPTIBLE and it made it runnable,
 * 0 when the task was already TASK_RUNNING - whether or not it has run
 * since.  A second call right after the first therefore returns 0 -
 * provided the thread does not run and go to sleep in between, which is
 * why init makes itself SCHED_FIFO: on a preemptible kernel a tick could
 * otherwise hand the one CPU to the new thread between the two calls.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/completion.h>
#include <linux/delay.h>
#include <linux/kthread.h>
#include <linux/module.h>
#include <linux/sched.h>

static DECLARE_COMPLETION(sleeping);
static bool fn_ran;

static int thread_fn(void *data)
{
	WRITE_ONCE(fn_ran, true);
	pr_info("thread function is running\n");

	for (;;) {
		set_current_state(TASK_INTERRUPTIBLE);
		if (kthread_should_stop())
			break;
		/* Signalled with the state already set: init's wake-up finds it. */
		complete(&sleeping);
		schedule();
		pr_info("thread woken, stop requested: %s\n",
			kthread_should_stop() ? "yes" : "no");
	}
	__set_current_state(TASK_RUNNING);
	return 0;
}

static int __init create_then_wake_init(void)
{
	struct task_struct *task;
	int first, second;

	sched_set_fifo_low(current);	/* only to make the run repeatable */
	task = kthread_create(thread_fn, NULL, "create_then_wake");
	if (IS_ERR(task))
		return PTR_ERR(task);

	msleep(100);
	pr_info("100 ms after kthread_create: function ran: %s\n",
		READ_ONCE(fn_ran) ? "yes" : "no");

	first = wake_up_process(task);
	second = wake_up_process(task);
	pr_info("wake_up_process on the new thread returned %d, again at once %d\n",
		first, second);

	wait_for_completion(&sleeping);
	pr_info("wake_up_process on the sleeping thread returned %d\n",
		wake_up_process(task));

	/* Let the thread report that wake-up before stopping it. */
	wait_for_completion(&sleeping);
	pr_info("kthread_stop returned %d\n", kthread_stop(task));
	return 0;
}

static void __exit create_then_wake_exit(void)
{
	pr_info("unloaded\n");
}

module_init(create_then_wake_init);
module_exit(create_then_wake_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("kthread_create() waits for wake_up_process(); its return values");
MODULE_AUTHOR("The kthread book");
