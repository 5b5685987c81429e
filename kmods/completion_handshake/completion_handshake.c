// SPDX-License-Identifier: GPL-2.0
/*
 * completion_handshake: wait until the thread function has started
 * before stopping it.
 *
 * The thread signals a completion as its very first act, so once
 * wait_for_completion() returns, kthread_stop() is guaranteed to stop a
 * running function and to return that function's own exit code.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/completion.h>
#include <linux/kthread.h>
#include <linux/module.h>
#include <linux/sched.h>

static DECLARE_COMPLETION(started);

static int thread_fn(void *data)
{
	complete(&started);
	pr_info("thread is running\n");

	for (;;) {
		/* Set the state before checking, so no wake-up is lost. */
		set_current_state(TASK_INTERRUPTIBLE);
		if (kthread_should_stop())
			break;
		schedule();
	}
	__set_current_state(TASK_RUNNING);

	pr_info("thread returns 0\n");
	return 0;
}

static int __init completion_handshake_init(void)
{
	struct task_struct *task;
	int ret;

	task = kthread_run(thread_fn, NULL, "handshake");
	if (IS_ERR(task))
		return PTR_ERR(task);

	wait_for_completion(&started);
	/* Stop from init too: the thread's lines then always come first. */
	ret = kthread_stop(task);
	pr_info("stopped, exit code %d\n", ret);
	return 0;
}

static void __exit completion_handshake_exit(void)
{
	pr_info("unloaded\n");
}

module_init(completion_handshake_init);
module_exit(completion_handshake_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("Start handshake with a completion before kthread_stop()");
MODULE_AUTHOR("The kthread book");
