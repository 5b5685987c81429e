// SPDX-License-Identifier: GPL-2.0
/*
 * park_percpu_hotplug: per-CPU threads registered with
 * smpboot_register_percpu_thread(), and what CPU hotplug does to them.
 *
 * smpboot (kernel/smpboot.c) makes one thread per CPU, bound to it, and
 * runs them all in smpboot_thread_fn(), which calls the callbacks of the
 * struct smp_hotplug_thread below.  Taking a CPU down runs
 * smpboot_park_threads() for it (the CPUHP_AP_SMPBOOT_THREADS teardown,
 * kernel/cpu.c): kthread_park() of the CPU's thread of every registered
 * set not marked selfparking (this one is not).  The thread sees
 * kthread_should_park(), calls the park callback and kthread_parkme(); it
 * stays parked, bound to the offline CPU, instead of being moved to
 * another CPU and losing its binding as a thread only bound with
 * kthread_bind() would (kmods/bound_thread_hotplug).  Bringing the CPU
 * back runs smpboot_unpark_threads(): kthread_unpark() binds a per-CPU
 * thread to its CPU again before it wakes it, and the thread calls the
 * unpark callback (it has a park callback too) before any work.
 *
 * Writing a CPU number to the parameter "poke" gives that CPU's thread one
 * round of work (thread_should_run() becomes true) and waits until it is
 * done; the work says which CPU it ran on.  The park callback prints: the
 * thread runs it before kthread_parkme(), so before kthread_park() returns
 * and the CPU goes down.  The setup callback only counts,
 * so that init can wait for every thread without printing lines whose order
 * two CPUs would decide.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/atomic.h>
#include <linux/completion.h>
#include <linux/cpu.h>
#include <linux/cpumask.h>
#include <linux/kernel.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/percpu.h>
#include <linux/sched.h>
#include <linux/smp.h>
#include <linux/smpboot.h>
#include <linux/wait.h>

static DEFINE_PER_CPU(struct task_struct *, pc_task);
static DEFINE_PER_CPU(bool, pc_pending);
static DEFINE_PER_CPU(unsigned int, pc_unparks);	/* unpark callbacks run */
static DECLARE_COMPLETION(pc_done);
static DECLARE_WAIT_QUEUE_HEAD(setup_wq);
static atomic_t pc_set_up = ATOMIC_INIT(0);
static bool registered;

static int pc_should_run(unsigned int cpu)
{
	return READ_ONCE(per_cpu(pc_pending, cpu));
}

static void pc_work(unsigned int cpu)
{
	WRITE_ONCE(per_cpu(pc_pending, cpu), false);
	pr_info("%s: work for cpu %u, running on cpu %d, after %u unpark callback(s)\n",
		current->comm, cpu, raw_smp_processor_id(),
		per_cpu(pc_unparks, cpu));
	complete(&pc_done);
}

static void pc_setup(unsigned int cpu)
{
	atomic_inc(&pc_set_up);
	wake_up(&setup_wq);
}

static void pc_park(unsigned int cpu)
{
	pr_info("%s: park callback, cpu %u\n", current->comm, cpu);
}

/*
 * Counted, not printed: the thread runs it after kthread_unpark() woke it,
 * and the CPU's bring-up may return to the shell before that.  The next
 * round of work, which the thread does only after it, reports the count.
 */
static void pc_unpark(unsigned int cpu)
{
	per_cpu(pc_unparks, cpu)++;
}

static void pc_cleanup(unsigned int cpu, bool online)
{
	pr_info("%s: cleanup callback, cpu %u %s\n", current->comm, cpu,
		online ? "online" : "offline");
}

static struct smp_hotplug_thread pc_threads = {
	.store			= &pc_task,
	.thread_should_run	= pc_should_run,
	.thread_fn		= pc_work,
	.setup			= pc_setup,
	.park			= pc_park,
	.unpark			= pc_unpark,
	.cleanup		= pc_cleanup,
	.thread_comm		= "pcpu_park/%u",
};

static int poke_set(const char *val, const struct kernel_param *kp)
{
	unsigned int cpu;
	int ret;

	ret = kstrtouint(val, 0, &cpu);
	if (ret)
		return ret;
	/* A value on the insmod line comes before init registered. */
	if (!registered)
		return 0;
	if (cpu >= nr_cpu_ids || !cpu_online(cpu))
		return -ENODEV;
	reinit_completion(&pc_done);
	WRITE_ONCE(per_cpu(pc_pending, cpu), true);
	wake_up_process(per_cpu(pc_task, cpu));
	wait_for_completion(&pc_done);
	return 0;
}

static const struct kernel_param_ops poke_ops = {
	.set = poke_set,
};
module_param_cb(poke, &poke_ops, NULL, 0200);
MODULE_PARM_DESC(poke, "a CPU number: its thread does one round of work");

static int __init park_percpu_hotplug_init(void)
{
	unsigned int n = num_online_cpus();
	int ret;

	ret = smpboot_register_percpu_thread(&pc_threads);
	if (ret)
		return ret;
	/* Each thread calls setup when it first runs; no hotplug meanwhile. */
	wait_event(setup_wq, atomic_read(&pc_set_up) == n);
	pr_info("%u threads registered and set up\n", n);
	registered = true;
	return 0;
}

static void __exit park_percpu_hotplug_exit(void)
{
	smpboot_unregister_percpu_thread(&pc_threads);
	pr_info("unregistered\n");
}

module_init(park_percpu_hotplug_init);
module_exit(park_percpu_hotplug_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("Per-CPU kthreads of smpboot, parked and unparked by CPU hotplug");
