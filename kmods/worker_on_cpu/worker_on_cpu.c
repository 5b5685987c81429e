// SPDX-License-Identifier: GPL-2.0
/*
 * worker_on_cpu: a kthread_worker whose thread is bound to CPU 1.
 *
 * kthread_create_worker_on_cpu() (kernel/kthread.c) creates the worker's
 * thread on the CPU's node and binds it to the CPU with kthread_bind().
 * Its signature changed in 6.14 (include/linux/kthread.h):
 *  - before, (cpu, flags, namefmt, ...): the name is the caller's format
 *    with the caller's arguments, and the function wakes the thread;
 *  - from 6.14, (cpu, flags, namefmt): no arguments, the CPU fills in the
 *    format's "%u" (as for kthread_create_on_cpu()), and the thread is
 *    left asleep; kthread_run_worker_on_cpu(), a new inline, is create
 *    plus wake_up_process().
 * One call cannot build on both sides, so the listing picks by version
 * the call that gives a running worker named woc_worker/1.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/cpumask.h>
#include <linux/err.h>
#include <linux/kthread.h>
#include <linux/module.h>
#include <linux/sched.h>
#include <linux/smp.h>
#include <linux/version.h>

static struct kthread_worker *worker;
static struct kthread_work work;

static void work_fn(struct kthread_work *w)
{
	pr_info("work: in %s, allowed cpus %*pbl, running on cpu %d\n",
		current->comm, cpumask_pr_args(current->cpus_ptr),
		raw_smp_processor_id());
}

static int __init worker_on_cpu_init(void)
{
	if (!cpu_online(1)) {
		pr_err("needs cpu 1 online\n");
		return -ENODEV;
	}
#if LINUX_VERSION_CODE < KERNEL_VERSION(6, 14, 0)
	worker = kthread_create_worker_on_cpu(1, 0, "woc_worker/%d", 1);
#else
	worker = kthread_run_worker_on_cpu(1, 0, "woc_worker/%u");
#endif
	if (IS_ERR(worker))
		return PTR_ERR(worker);
	kthread_init_work(&work, work_fn);
	kthread_queue_work(worker, &work);
	kthread_flush_work(&work);
	return 0;
}

static void __exit worker_on_cpu_exit(void)
{
	kthread_destroy_worker(worker);
	pr_info("worker destroyed\n");
}

module_init(worker_on_cpu_init);
module_exit(worker_on_cpu_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("kthread_create_worker_on_cpu() before 6.14, kthread_run_worker_on_cpu() from 6.14");
