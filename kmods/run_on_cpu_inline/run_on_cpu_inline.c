// SPDX-License-Identifier: GPL-2.0
/*
 * run_on_cpu_inline: kthread_run_on_cpu(), create, bind and wake in one
 * call.
 *
 * kthread_run_on_cpu() is a static inline of include/linux/kthread.h from
 * 6.1 on: kthread_create_on_cpu(), then wake_up_process() when that did
 * not fail.  Its body is compiled into the module, which therefore links
 * kthread_create_on_cpu() (exported from 6.1).  5.10's header has no such
 * inline: this module does not compile there.
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

static int cpu_fn(void *data)
{
	pr_info("%s: allowed cpus %*pbl, running on cpu %d\n", current->comm,
		cpumask_pr_args(current->cpus_ptr), raw_smp_processor_id());
	complete(&started);
	wait_event_interruptible(wq, kthread_should_stop());
	return 0;
}

static int __init run_on_cpu_inline_init(void)
{
	struct task_struct *t;

	if (!cpu_online(1)) {
		pr_err("needs cpu 1 online\n");
		return -ENODEV;
	}
	/*
	 * The casts change nothing where the inline exists.  On 5.10 the
	 * compiler takes the undeclared function for one returning int; they
	 * keep gcc 10 from adding a warning about that int to the error this
	 * listing is about.
	 */
	t = (struct task_struct *)(unsigned long)
		kthread_run_on_cpu(cpu_fn, NULL, 1, "rci_worker/%u");
	if (IS_ERR(t))
		return PTR_ERR(t);
	task = t;
	wait_for_completion(&started);
	return 0;
}

static void __exit run_on_cpu_inline_exit(void)
{
	kthread_stop(task);
	pr_info("unloaded\n");
}

module_init(run_on_cpu_inline_init);
module_exit(run_on_cpu_inline_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("kthread_run_on_cpu(): an inline from 6.1, absent on 5.10");
