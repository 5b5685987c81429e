// SPDX-License-Identifier: GPL-2.0
/*
 * oneshot_stop_after_exit: BROKEN LISTING - kthread_stop() on a one-shot
 * thread that has already returned (article 004, the question).
 *
 * Settles SEEDS claim 4.1 ("calling kthread_stop() in module exit after
 * the one-shot thread has already finished causes a kernel panic").
 *
 * When the thread function returns, kthread() ends the thread with
 * do_exit() (kernel/kthread.c, kernel/exit.c).  Nobody holds a reference
 * on the task_struct: kthreadd, the parent, ignores SIGCHLD, so
 * exit_notify() reaps the task at once, and delayed_put_task_struct()
 * frees it after an RCU grace period, together with its struct kthread
 * (free_task() -> free_kthread_struct()).  The pointer kept by init now
 * points to freed memory, and kthread_stop() starts with
 * get_task_struct() on it: a use-after-free.  This kernel has no KASAN,
 * so what follows depends on what the freed memory holds:
 *
 *  - 5.10: the memory is stale but intact, and free_kthread_struct()
 *    left the task's pointer to its struct kthread in place.
 *    kthread_stop() "works" and returns 0; only the refcount_t checks
 *    notice (addition on 0, then underflow).
 *  - 6.1 and later: free_kthread_struct() clears task->worker_private
 *    before freeing, so kthread_stop() dereferences NULL and oopses.
 *    The oops kills insmod; the machine survives (panic_on_oops is 0).
 *
 * The article stops the thread in module exit.  There, processes started
 * in between - rmmod itself - may get the freed task_struct for their
 * own, and the outcome changes from run to run.  Here init stands in for
 * module exit: it waits until the thread has returned, lets it finish
 * exiting, and waits with rcu_barrier() for the RCU callback that frees
 * the task_struct, so nothing else can reuse the memory first.
 *
 * The fixes: oneshot_get_task.c and oneshot_stop_put.c (hold a
 * reference) and oneshot_completion.c (do not stop a thread that ends by
 * itself; wait for it).
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/completion.h>
#include <linux/delay.h>
#include <linux/kthread.h>
#include <linux/module.h>
#include <linux/rcupdate.h>

static DECLARE_COMPLETION(finished);

static int oneshot_fn(void *data)
{
	pr_info("one-shot work done, thread returns 0\n");
	complete(&finished);
	return 0;
}

static int __init oneshot_stop_after_exit_init(void)
{
	struct task_struct *oneshot;

	oneshot = kthread_run(oneshot_fn, NULL, "oneshot_exit");
	if (IS_ERR(oneshot))
		return PTR_ERR(oneshot);

	/* Only to make the demonstration repeatable: */
	wait_for_completion(&finished);	/* the function has returned, */
	msleep(100);			/* the thread has exited, */
	rcu_barrier();			/* its task_struct is freed. */

	pr_info("calling kthread_stop on the finished thread\n");
	/* The bug: the thread is gone, and so is its task_struct. */
	pr_info("kthread_stop returned %d\n", kthread_stop(oneshot));
	return 0;
}

static void __exit oneshot_stop_after_exit_exit(void)
{
	pr_info("unloaded\n");
}

module_init(oneshot_stop_after_exit_init);
module_exit(oneshot_stop_after_exit_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("Broken: kthread_stop() on a one-shot thread that already exited");
MODULE_AUTHOR("The kthread book");
