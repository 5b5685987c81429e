// SPDX-License-Identifier: GPL-2.0
/*
 * bound_thread_hotplug: a thread bound to CPU 1 with kthread_bind(), and
 * what happens to it when CPU 1 goes offline and comes back.
 *
 * kthread_bind() (kernel/kthread.c) sets the thread's allowed CPUs to one
 * CPU and PF_NO_SETAFFINITY, so user space cannot move it; it must be
 * called before the thread first runs, hence kthread_create(), then
 * kthread_bind(), then wake_up_process(): __kthread_bind_mask() warns and
 * binds nothing unless wait_task_inactive() finds the thread in
 * TASK_UNINTERRUPTIBLE, where a new one waits for its first wake-up.
 * (kthread_create_on_cpu() does the same, but Module.symvers exports it on
 * 6.1 and later, not on 5.10; it does not mark the thread per-CPU either.)
 * Nothing in kthread_bind() follows CPU hotplug: when the thread must run
 * and its only CPU is offline, the scheduler picks another one in
 * select_fallback_rq() (kernel/sched/core.c), and only then.  Offlining
 * CPU 1 moves the tasks queued there (migrate_tasks() on 5.10,
 * balance_push() on 6.1 and later); a thread asleep is on no queue, so
 * it keeps "cpus 1" on an offline CPU.
 * At its next wake-up, select_task_rq() finds CPU 1 not allowed
 * (is_cpu_allowed()), and select_fallback_rq() widens its mask to its
 * cpuset's CPUs (cpuset_cpus_allowed_fallback()) or else every possible
 * CPU (on 7.2 task_cpu_fallback_mask(), the housekeeping CPUs: all of them
 * when none is isolated), here both 0-1, without a word: its "no longer
 * affine to cpu" line is printed only for a task with an mm, never for a
 * kthread.
 * Nothing narrows the mask again when CPU 1 comes back: kthread_unpark()
 * binds again only a KTHREAD_IS_PER_CPU thread (kthread_set_per_cpu(), not
 * exported).  Threads that must stay per-CPU use
 * smpboot_register_percpu_thread(), which parks them.
 *
 * Writing to the module parameter "poke" (as a driver's sysfs knob would)
 * wakes the thread and waits until it has answered with the CPUs it may
 * run on and the one it runs on.
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

static int bound_fn(void *data)
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

static int __init bound_thread_hotplug_init(void)
{
	struct task_struct *t;

	if (!cpu_online(1)) {
		pr_err("needs cpu 1 online\n");
		return -ENODEV;
	}
	t = kthread_create(bound_fn, NULL, "bound_worker");
	if (IS_ERR(t))
		return PTR_ERR(t);
	kthread_bind(t, 1);
	wake_up_process(t);
	task = t;
	return 0;
}

static void __exit bound_thread_hotplug_exit(void)
{
	kthread_stop(task);
	pr_info("unloaded\n");
}

module_init(bound_thread_hotplug_init);
module_exit(bound_thread_hotplug_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("A kthread bound to CPU 1 while CPU 1 goes offline and back");
