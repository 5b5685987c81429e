// SPDX-License-Identifier: GPL-2.0
/*
 * affine_preferred: kthread_affine_preferred() to CPU 1, while CPU 1 goes
 * offline and comes back; compare bound_thread_hotplug (kthread_bind()).
 *
 * kthread_affine_preferred(p, mask) (kernel/kthread.c) exists on the
 * newest kernel of the matrix only, a GPL export there.  Like
 * kthread_bind() it must come before the first wake-up (it checks
 * wait_task_inactive() and kthread->started, and warns and returns -EINVAL
 * otherwise), but it does not set PF_NO_SETAFFINITY: it stores the mask in
 * kthread->preferred_affinity, puts the thread on kthread_affinity_list,
 * and sets its CPUs to the mask ANDed with the housekeeping CPUs
 * (kthread_fetch_affinity(); the housekeeping CPUs when that is empty).
 * CPU down is left to select_fallback_rq() (kernel/sched/core.c), as for a
 * bound thread: the mask is widened the first time the thread must run.
 * CPU up is not: kthreads_online_cpu(), a hotplug callback, recomputes the
 * CPUs of every thread on the list with a preferred mask (or NUMA node).
 *
 * Writing to the module parameter "poke" wakes the thread and waits until
 * it has answered with the CPUs it may run on and the one it runs on.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/completion.h>
#include <linux/cpumask.h>
#include <linux/err.h>
#include <linux/kthread.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/mutex.h>
#include <linux/sched.h>
#include <linux/smp.h>
#include <linux/wait.h>

static struct task_struct *task;
static DECLARE_WAIT_QUEUE_HEAD(wq);
static DECLARE_COMPLETION(answered);
static DEFINE_MUTEX(poke_lock);	/* one poke at a time */
static bool poked;

static int preferred_fn(void *data)
{
	while (!kthread_should_stop()) {
		wait_event_interruptible(wq, READ_ONCE(poked) ||
					 kthread_should_stop());
		if (READ_ONCE(poked)) {
			WRITE_ONCE(poked, false);
			/* Which CPU of several is the scheduler's choice. */
			if (current->nr_cpus_allowed == 1 || num_online_cpus() == 1)
				pr_info("poked: allowed cpus %*pbl, running on cpu %d\n",
					cpumask_pr_args(current->cpus_ptr),
					raw_smp_processor_id());
			else
				pr_info("poked: allowed cpus %*pbl\n",
					cpumask_pr_args(current->cpus_ptr));
			complete(&answered);
		}
	}
	return 0;
}

static int poke_set(const char *val, const struct kernel_param *kp)
{
	/* A write before init made the thread, from the insmod line, is ignored. */
	if (!task)
		return 0;
	mutex_lock(&poke_lock);
	WRITE_ONCE(poked, true);
	wake_up(&wq);
	wait_for_completion(&answered);
	mutex_unlock(&poke_lock);
	return 0;
}

static const struct kernel_param_ops poke_ops = {
	.set = poke_set,
};
module_param_cb(poke, &poke_ops, NULL, 0200);
MODULE_PARM_DESC(poke, "write anything: the thread reports its CPUs");

static int __init affine_preferred_init(void)
{
	struct task_struct *t;
	int ret;

	if (!cpu_online(1)) {
		pr_err("needs cpu 1 online\n");
		return -ENODEV;
	}
	t = kthread_create(preferred_fn, NULL, "pref_worker");
	if (IS_ERR(t))
		return PTR_ERR(t);
	ret = kthread_affine_preferred(t, cpumask_of(1));
	pr_info("kthread_affine_preferred() returned %d, PF_NO_SETAFFINITY %s\n",
		ret, t->flags & PF_NO_SETAFFINITY ? "set" : "not set");
	wake_up_process(t);
	task = t;
	return 0;
}

static void __exit affine_preferred_exit(void)
{
	kthread_stop(task);
	pr_info("unloaded\n");
}

module_init(affine_preferred_init);
module_exit(affine_preferred_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("A kthread with a preferred CPU while that CPU goes offline and back");
