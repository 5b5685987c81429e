// SPDX-License-Identifier: GPL-2.0
/*
 * never_checks_stop: BROKEN LISTING - a thread that ignores stop requests.
 *
 * kthread_stop() only sets a flag and wakes the thread; it then waits,
 * uninterruptibly and without a timeout, for the thread function to
 * return.  This function never calls kthread_should_stop(), so it never
 * returns: insmod blocks in kthread_stop() in D state until the
 * hung-task detector reports it.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/completion.h>
#include <linux/delay.h>
#include <linux/kthread.h>
#include <linux/module.h>

static DECLARE_COMPLETION(started);

static int thread_fn(void *data)
{
	/* Print before complete(), so this line always precedes init's. */
	pr_info("thread is running and will never check for a stop\n");
	complete(&started);

	/* The bug: nothing in this loop looks at kthread_should_stop(). */
	for (;;)
		msleep(200);

	return 0;
}

static int __init never_checks_stop_init(void)
{
	struct task_struct *task;

	task = kthread_run(thread_fn, NULL, "never_checks");
	if (IS_ERR(task))
		return PTR_ERR(task);

	wait_for_completion(&started);
	pr_info("calling kthread_stop\n");
	kthread_stop(task);
	pr_info("kthread_stop returned\n");
	return 0;
}

/*
 * No module_exit(): init never returns, so the module can never be
 * removed anyway.
 */
module_init(never_checks_stop_init);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("Broken: kthread_stop() on a thread that never checks");
MODULE_AUTHOR("The kthread book");
