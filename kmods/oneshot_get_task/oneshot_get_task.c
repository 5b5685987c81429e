// SPDX-License-Identifier: GPL-2.0
/*
 * oneshot_get_task: a one-shot thread that returns by itself, stopped
 * safely long after it finished, because init holds a reference on its
 * task_struct.
 *
 * The fix for oneshot_stop_after_exit.c, and the evidence for SEEDS
 * claims 0.3 ("a thread that returns by itself exits and its task_struct
 * may be freed, so its return value cannot be collected; the thread must
 * stay until kthread_stop()"), 1.4 ("a thread may finish on its own") and
 * 4.1 (the safe pattern).
 *
 * get_task_struct() before the wake-up keeps the task_struct - and the
 * struct kthread that free_task() -> free_kthread_struct() releases with
 * it (kernel/fork.c, kernel/kthread.c) - alive after the thread exits.
 * kthread_stop() on such a thread sets a flag nobody reads, wakes
 * nothing, finds the exit completion already done and returns the exit
 * code the thread left behind: the value is collected after all.  The
 * reference must be taken before wake_up_process(): once woken, the
 * thread may run, exit and be freed before kthread_run() even returns.
 * put_task_struct() drops it afterwards.  kthread_stop_put()
 * (oneshot_stop_put.c) does both last steps in one call.
 *
 * As in the broken listing, the stop comes long after the thread exited
 * (rmmod one second after insmod), and module exit first waits with
 * rcu_barrier(), so that without the reference the RCU-deferred free of
 * the task_struct would have happened.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/completion.h>
#include <linux/kthread.h>
#include <linux/module.h>
#include <linux/rcupdate.h>
#include <linux/sched/task.h>

/*
 * The init returns once the thread has said its first line, so that line
 * comes before the shell's next step however busy the host is.
 */
static DECLARE_COMPLETION(printed);

static struct task_struct *oneshot;

static int oneshot_fn(void *data)
{
	pr_info("one-shot work done, thread returns 3\n");
	complete(&printed);
	return 3;
}

static int __init oneshot_get_task_init(void)
{
	oneshot = kthread_create(oneshot_fn, NULL, "oneshot_get");
	if (IS_ERR(oneshot))
		return PTR_ERR(oneshot);

	get_task_struct(oneshot);
	wake_up_process(oneshot);
	wait_for_completion(&printed);
	return 0;
}

static void __exit oneshot_get_task_exit(void)
{
	/* As in the broken listing: let pending RCU frees happen first. */
	rcu_barrier();
	pr_info("exit: calling kthread_stop on the finished thread\n");
	pr_info("exit: kthread_stop returned %d\n", kthread_stop(oneshot));
	put_task_struct(oneshot);
}

module_init(oneshot_get_task_init);
module_exit(oneshot_get_task_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("Stop a finished one-shot kthread safely with get_task_struct()");
MODULE_AUTHOR("The kthread book");
