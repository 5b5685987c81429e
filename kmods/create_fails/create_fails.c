// SPDX-License-Identifier: GPL-2.0
/*
 * create_fails: a real kthread_create() failure, and how to test for it.
 *
 * Settles SEEDS claim 3.4 ("kthread_create() failure returns an ERR_PTR;
 * test with IS_ERR()/PTR_ERR()").  kthread_create() never returns NULL:
 * its result is a task or an ERR_PTR - -ENOMEM, -EINTR, or whatever error
 * kernel_thread() returned to create_kthread() (kernel/kthread.c), such
 * as -EAGAIN at the thread limit (copy_process(), kernel/fork.c) - so a
 * NULL test lets the error through as a pointer.
 *
 * The easiest real failure to provoke is -EINTR.  kthread_create() hands
 * the request to kthreadd and waits for it with
 * wait_for_completion_killable() (__kthread_create_on_node() in
 * kernel/kthread.c).  If the caller has a fatal signal pending - the OOM
 * killer chose it, say - the wait ends at once and kthread_create()
 * returns ERR_PTR(-EINTR); kthreadd's half-made thread cleans up after
 * itself.  Here init sends SIGKILL to its own process (insmod) first.
 *
 * That is a race with kthreadd: wait_for_completion_killable() looks at
 * signals only while the completion is not done (do_wait_for_common() in
 * kernel/sched/completion.c), so if kthreadd and the new thread run and
 * complete the request before the wait starts, kthread_create() succeeds
 * in spite of the signal.  To make the failure certain, init first makes
 * insmod a SCHED_FIFO task, which kthreadd (SCHED_NORMAL) cannot preempt
 * on this one-CPU guest.  insmod dies of the signal when init returns.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/err.h>
#include <linux/kthread.h>
#include <linux/module.h>
#include <linux/sched.h>
#include <linux/sched/signal.h>

static int thread_fn(void *data)
{
	pr_info("thread function ran\n");
	return 0;
}

static int __init create_fails_init(void)
{
	struct task_struct *task;

	sched_set_fifo_low(current);
	send_sig(SIGKILL, current, 0);

	task = kthread_create(thread_fn, NULL, "create_fails");
	pr_info("kthread_create returned %s, IS_ERR: %s\n",
		task ? "non-NULL" : "NULL", IS_ERR(task) ? "yes" : "no");
	if (IS_ERR(task)) {
		pr_info("PTR_ERR: %ld\n", PTR_ERR(task));
		return PTR_ERR(task);
	}

	kthread_stop(task);
	return 0;
}

static void __exit create_fails_exit(void)
{
	pr_info("unloaded\n");
}

module_init(create_fails_init);
module_exit(create_fails_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("kthread_create() fails with ERR_PTR(-EINTR) under a fatal signal");
MODULE_AUTHOR("The kthread book");
