// SPDX-License-Identifier: GPL-2.0
/*
 * complete_then_return: BROKEN LISTING - the one-shot thread signals its
 * completion with complete() and then returns, instead of calling
 * kthread_complete_and_exit().
 *
 * Settles SEEDS claim 4.3 ("complete() followed by return or do_exit()
 * is unsafe: the module may be unloaded between the two, and the thread
 * would run freed code; complete_and_exit() never returns to module
 * code").  After complete() the thread is still executing this module:
 * at least the rest of the function and its return.  Module exit's
 * wait_for_completion() returns as soon as complete() is called, and
 * free_module() frees the module's text while the thread still needs it.
 * kthread_complete_and_exit() avoids that because it is core kernel code
 * that completes and exits in one go (oneshot_completion.c).
 *
 * In real code the window is a few instructions and is hit only when the
 * thread is preempted or interrupted right after complete().  Here the
 * thread sleeps for a second between complete() and return, so the
 * window is always hit: rmmod, which has been waiting since the
 * download began, returns at once, and when the thread wakes up its next
 * instruction fetch faults on the freed module text.  The scenario is
 * timed by these sleeps: rmmod at once, complete() at 0.5 s, the fault
 * at 1.5 s.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/completion.h>
#include <linux/delay.h>
#include <linux/kthread.h>
#include <linux/module.h>

static DECLARE_COMPLETION(done);

static int download_fn(void *data)
{
	msleep(500);	/* the download */
	pr_info("thread: firmware downloaded, completing\n");
	complete(&done);
	/* The bug: still in module code after complete(); widened here. */
	msleep(1000);
	return 0;
}

static int __init complete_then_return_init(void)
{
	struct task_struct *task;

	task = kthread_run(download_fn, NULL, "complete_return");
	if (IS_ERR(task)) {
		complete(&done);
		return PTR_ERR(task);
	}
	return 0;
}

static void __exit complete_then_return_exit(void)
{
	wait_for_completion(&done);
	pr_info("exit: the thread has completed, module goes away\n");
}

module_init(complete_then_return_init);
module_exit(complete_then_return_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("Broken: complete() then return from a module's kthread");
MODULE_AUTHOR("The kthread book");
