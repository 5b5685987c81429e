// SPDX-License-Identifier: GPL-2.0
/*
 * run_on_cpu: kthread_create_on_cpu(), then the thread's CPU goes offline.
 *
 * kthread_create_on_cpu(fn, data, cpu, namefmt) (kernel/kthread.c) calls
 * kthread_create_on_node() with the CPU's node and the CPU as the one
 * argument of namefmt (so "%u" in the name is the CPU), then
 * kthread_bind(p, cpu), and records the CPU in to_kthread(p)->cpu.  It does
 * not call kthread_set_per_cpu(): KTHREAD_IS_PER_CPU, which makes the
 * scheduler keep a kthread on its CPU until that CPU is offline
 * (is_cpu_allowed(), 6.1 and later) and makes kthread_unpark() bind it to
 * that recorded CPU again, is set by kthread_set_per_cpu(), which modules
 * cannot call (not exported; its callers are smpboot.c, and from 6.1 also
 * the idle threads and workqueue.c).
 * Modules can call it from 6.1: 5.10's kthread.h declares it but its
 * Module.symvers does not export it, so modpost fails there.
 * (kthread_run_on_cpu(), kthread_create_on_cpu() and wake_up_process() in
 * one inline of include/linux/kthread.h, exists from 6.1 only.)
 *
 * The thread prints where it runs when it starts (init waits for that),
 * then sleeps until kthread_stop(), and prints where it runs again when it
 * is stopped, after CPU 1 has gone offline.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/completion.h>
#include <linux/cpumask.h>
#include <linux/err.h>
#include <linux/kthread.h>
#include <linux/module.h>
#include <linux/sched.h>
#include <linux/smp.h>
#include <linux/wait.h>

static DECLARE_WAIT_QUEUE_HEAD(wq);
static DECLARE_COMPLETION(started);
static struct task_struct *task;

static void report(const char *when)
{
	/*
	 * Which CPU of several is the scheduler's choice: print it only when
	 * the thread may run on one.
	 */
	if (current->nr_cpus_allowed == 1)
		pr_info("%s %s: allowed cpus %*pbl, running on cpu %d\n",
			current->comm, when, cpumask_pr_args(current->cpus_ptr),
			raw_smp_processor_id());
	else
		pr_info("%s %s: allowed cpus %*pbl\n", current->comm, when,
			cpumask_pr_args(current->cpus_ptr));
}

static int worker_fn(void *data)
{
	report("started");
	complete(data);
	wait_event_interruptible(wq, kthread_should_stop());
	report("stopping");
	return 0;
}

static int __init run_on_cpu_init(void)
{
	struct task_struct *t;

	if (!cpu_online(1)) {
		pr_err("needs cpu 1 online\n");
		return -ENODEV;
	}
	/* The name's "%u" is the CPU: kthread_create_on_cpu() passes it. */
	t = kthread_create_on_cpu(worker_fn, &started, 1, "roc_worker/%u");
	if (IS_ERR(t))
		return PTR_ERR(t);
	task = t;
	wake_up_process(t);
	wait_for_completion(&started);
	return 0;
}

static void __exit run_on_cpu_exit(void)
{
	kthread_stop(task);
	pr_info("unloaded\n");
}

module_init(run_on_cpu_init);
module_exit(run_on_cpu_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("A kthread made by kthread_create_on_cpu() across CPU hotplug");
