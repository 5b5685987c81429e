// SPDX-License-Identifier: GPL-2.0
/*
 * tick_until_stopped: a thread that prints a counter every second until
 * it is stopped, then says goodbye (article 002, case 3).
 *
 * Settles SEEDS claims 2.3 ("case 3 works as intended") and 2.4
 * ("kthread_stop() is not asynchronous; it only sets a flag the thread
 * must check"), with 1.5: kthread_stop() returns the function's value.
 *
 * The loop checks kthread_should_stop() once per iteration and sleeps in
 * ssleep(), an uninterruptible sleep that kthread_stop()'s wake-up does
 * not cut short: msleep() (kernel/time/timer.c; kernel/time/
 * sleep_timeout.c on the newest kernel) sleeps again until its time is
 * up.  So kthread_stop() sets the flag, then waits for the sleep in
 * progress to end and for the loop to come round to its check: a stop
 * can take up to one period.
 *
 * This listing is about timing, so it is ordered by sleeps: the thread
 * ticks at 0, 1, 2 and 3 s; init stops it at 3.5 s, half a period away
 * from any tick, as the article's init sleeps before stopping.  Init
 * sleeps interruptibly: 3.5 s in TASK_UNINTERRUPTIBLE would be longer
 * than this guest's hung-task timeout (3 s), and khungtaskd would report
 * insmod although nothing is wrong.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/delay.h>
#include <linux/kthread.h>
#include <linux/module.h>

static int tick_fn(void *data)
{
	int ticks = 0;

	while (!kthread_should_stop()) {
		pr_info("tick %d\n", ticks++);
		ssleep(1);
	}

	pr_info("stop requested, goodbye after %d ticks\n", ticks);
	return ticks;
}

static int __init tick_until_stopped_init(void)
{
	struct task_struct *task;

	task = kthread_run(tick_fn, NULL, "tick_until_stop");
	if (IS_ERR(task))
		return PTR_ERR(task);

	msleep_interruptible(3500);
	pr_info("calling kthread_stop\n");
	pr_info("kthread_stop returned %d\n", kthread_stop(task));
	return 0;
}

static void __exit tick_until_stopped_exit(void)
{
	pr_info("unloaded\n");
}

module_init(tick_until_stopped_init);
module_exit(tick_until_stopped_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("A ticking kthread stopped after 3.5 s, article 002 case 3");
MODULE_AUTHOR("The kthread book");
