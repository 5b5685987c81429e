// SPDX-License-Identifier: GPL-2.0
/*
 * ssleep_printer: a thread started with kthread_create() and
 * wake_up_process() that prints a line every 2 s until module exit
 * stops it (article 003, first program; the article sleeps 5 s).
 *
 * Settles SEEDS claim 3.1 in its plain form: kthread_create() returns a
 * thread that has not run yet, and wake_up_process() starts it
 * (create_then_wake.c proves that the thread really waits), and it is
 * the correct counterpart of unload_running.c: module exit calls
 * kthread_stop(), which only returns once the thread function has
 * returned, so no code of this module runs after exit.
 *
 * ssleep() is uninterruptible: kthread_stop() wakes the thread, but
 * msleep() (kernel/time/timer.c; kernel/time/sleep_timeout.c on the
 * newest kernel) goes back to sleep until its time is up, so rmmod waits
 * for the sleep in progress to end - up to one period.  The article's
 * 5 s period is shortened to 2 s here: an uninterruptible sleep longer
 * than the hung-task timeout (3 s in this guest, 120 s by default) gets
 * the sleeper reported as a hung task.
 *
 * The scenario is timed by sleeps: lines at 0 and 2 s, rmmod at 3 s.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/completion.h>
#include <linux/delay.h>
#include <linux/kthread.h>
#include <linux/module.h>
#include <linux/sched.h>

#define PERIOD_S 2

static struct task_struct *printer;
static DECLARE_COMPLETION(first_line);	/* repeatability only */

static int printer_fn(void *data)
{
	int lines = 0;

	while (!kthread_should_stop()) {
		pr_info("still alive (%d)\n", lines++);
		if (lines == 1)
			complete(&first_line);
		ssleep(PERIOD_S);
	}
	pr_info("stopping after %d lines\n", lines);
	return 0;
}

static int __init ssleep_printer_init(void)
{
	printer = kthread_create(printer_fn, NULL, "ssleep_printer");
	if (IS_ERR(printer))
		return PTR_ERR(printer);

	wake_up_process(printer);
	/*
	 * Only so that the first line comes before insmod returns on every
	 * run, whichever task the scheduler picks first.
	 */
	wait_for_completion(&first_line);
	return 0;
}

static void __exit ssleep_printer_exit(void)
{
	pr_info("exit: calling kthread_stop\n");
	pr_info("exit: kthread_stop returned %d\n", kthread_stop(printer));
}

module_init(ssleep_printer_init);
module_exit(ssleep_printer_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("A periodic kthread stopped by module exit, article 003");
MODULE_AUTHOR("The kthread book");
