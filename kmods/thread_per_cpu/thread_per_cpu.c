// SPDX-License-Identifier: GPL-2.0
/*
 * thread_per_cpu: one kthread for each online CPU, bound to it, as a
 * driver with per-CPU work makes them.
 *
 * kthread_create() then kthread_bind() then wake_up_process(): the bind
 * must come before the thread first runs (kthread_bind() in
 * kernel/kthread.c waits for the new thread to be inactive in
 * TASK_UNINTERRUPTIBLE, warns and binds nothing if it is in another state,
 * and sets its allowed CPUs to one CPU and PF_NO_SETAFFINITY).
 * kthread_create_on_cpu() would do the same with a "name/%u" name, but
 * Module.symvers exports it on 6.1 and later, not on 5.10.
 *
 * How many threads there are depends on the machine: the scenario runs
 * once on one vCPU and once, as a variant, on two.  Each thread reports
 * the CPU it runs on before init goes on to the next, so the lines come
 * in CPU order.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/completion.h>
#include <linux/cpu.h>
#include <linux/cpumask.h>
#include <linux/err.h>
#include <linux/kthread.h>
#include <linux/module.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/smp.h>

struct per_cpu_thread {
	struct task_struct *task;
	struct completion started;
	int ran_on;
};

static struct per_cpu_thread *threads;	/* nr_cpu_ids entries */

static int per_cpu_fn(void *data)
{
	struct per_cpu_thread *t = data;

	t->ran_on = raw_smp_processor_id();
	complete(&t->started);
	while (!kthread_should_stop()) {
		set_current_state(TASK_INTERRUPTIBLE);
		if (kthread_should_stop()) {
			__set_current_state(TASK_RUNNING);
			break;
		}
		schedule();
	}
	return 0;
}

static void stop_all(void)
{
	unsigned int cpu;

	for_each_possible_cpu(cpu)
		if (threads[cpu].task)
			kthread_stop(threads[cpu].task);
}

static int __init thread_per_cpu_init(void)
{
	unsigned int cpu;

	threads = kcalloc(nr_cpu_ids, sizeof(*threads), GFP_KERNEL);
	if (!threads)
		return -ENOMEM;

	/* No CPU comes or goes while the threads are made and bound. */
	cpus_read_lock();
	pr_info("%u CPU(s) online: %*pbl\n", num_online_cpus(),
		cpumask_pr_args(cpu_online_mask));
	for_each_online_cpu(cpu) {
		struct per_cpu_thread *t = &threads[cpu];
		struct task_struct *task;

		init_completion(&t->started);
		task = kthread_create(per_cpu_fn, t, "per_cpu_thr/%u", cpu);
		if (IS_ERR(task)) {
			cpus_read_unlock();
			stop_all();
			kfree(threads);
			return PTR_ERR(task);
		}
		kthread_bind(task, cpu);
		t->task = task;
		wake_up_process(task);
		wait_for_completion(&t->started);
		pr_info("per_cpu_thr/%u ran on CPU %d\n", cpu, t->ran_on);
	}
	cpus_read_unlock();
	return 0;
}

static void __exit thread_per_cpu_exit(void)
{
	stop_all();
	kfree(threads);
	pr_info("unloaded\n");
}

module_init(thread_per_cpu_init);
module_exit(thread_per_cpu_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("One kthread bound to each online CPU");
