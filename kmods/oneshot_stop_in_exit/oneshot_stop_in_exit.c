// SPDX-License-Identifier: GPL-2.0
/*
 * oneshot_stop_in_exit: BROKEN LISTING - article 004's own form: module
 * exit calls kthread_stop() on a one-shot thread that has already
 * finished.
 *
 * Evidence for SEEDS claim 4.1 ("calling kthread_stop() in module exit
 * after the one-shot thread has already finished causes a kernel
 * panic"), next to oneshot_stop_after_exit.c, which does the same from
 * init.
 *
 * The thread function returns, kthread() ends the thread
 * (kthread_exit(), kernel/kthread.c), kthreadd reaps it at once
 * (exit_notify(), kernel/exit.c) and delayed_put_task_struct() frees the
 * task_struct after an RCU grace period, together with its struct kthread
 * (free_task(), kernel/fork.c -> free_kthread_struct()).  Nobody held a
 * reference, so the pointer module exit passes to kthread_stop() points
 * to freed memory:
 *
 *  - 5.10: free_kthread_struct() leaves the task's pointer to the freed
 *    struct kthread in place and the stale memory is intact:
 *    refcount_t warns twice and kthread_stop() returns 0.
 *  - 6.1 and later: free_kthread_struct() clears task->worker_private,
 *    to_kthread() returns NULL and kthread_stop() oopses; the oops kills
 *    rmmod.  panic_on_oops is 0 in Debian's kernels (kernel/panic.c;
 *    CONFIG_PANIC_ON_OOPS is not set).  The variant oops_panic boots with
 *    oops=panic, which sets it (oops_setup()), and oops_end() in
 *    arch/x86/kernel/dumpstack.c turns the same oops into the panic the
 *    article reports.
 *
 * Only to make every run the same: the thread's last step waits until
 * module exit has begun.  Then rmmod already exists when the task_struct
 * is freed, and no process forked in between can be handed the freed
 * object (which made the outcome on 5.10 change from run to run);
 * rcu_barrier() waits for the RCU callback that frees it.
 *
 * The fixes: oneshot_get_task.c and oneshot_stop_put.c (hold a
 * reference) and oneshot_completion.c (wait for the thread instead of
 * stopping it).
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/completion.h>
#include <linux/delay.h>
#include <linux/kthread.h>
#include <linux/module.h>
#include <linux/rcupdate.h>

static DECLARE_COMPLETION(worked);
static DECLARE_COMPLETION(exit_started);
static DECLARE_COMPLETION(finished);
static struct task_struct *oneshot;

static int oneshot_fn(void *data)
{
	pr_info("one-shot work done\n");
	complete(&worked);			/* repeatability only */
	wait_for_completion(&exit_started);	/* repeatability only */
	pr_info("thread returns 0\n");
	complete(&finished);
	return 0;
}

static int __init oneshot_stop_in_exit_init(void)
{
	oneshot = kthread_run(oneshot_fn, NULL, "oneshot_in_exit");
	if (IS_ERR(oneshot))
		return PTR_ERR(oneshot);
	/* Only so that the work is done before insmod returns on every run. */
	wait_for_completion(&worked);
	return 0;
}

static void __exit oneshot_stop_in_exit_exit(void)
{
	complete(&exit_started);
	/* Only to make the demonstration repeatable: */
	wait_for_completion(&finished);	/* the function has returned, */
	msleep(100);			/* the thread has exited, */
	rcu_barrier();			/* its task_struct is freed. */

	pr_info("exit: calling kthread_stop on the finished thread\n");
	/* The bug: the thread is gone, and so is its task_struct. */
	pr_info("exit: kthread_stop returned %d\n", kthread_stop(oneshot));
}

module_init(oneshot_stop_in_exit_init);
module_exit(oneshot_stop_in_exit_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("Broken: kthread_stop() in module exit on a one-shot thread that already exited");
MODULE_AUTHOR("The kthread book");
