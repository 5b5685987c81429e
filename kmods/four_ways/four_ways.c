// SPDX-License-Identifier: GPL-2.0
/*
 * four_ways: one small job, run by a kthread of the module's own, by a
 * work on the system workqueue, by a work on a kthread_worker (before and
 * after sched_set_fifo() on its thread), and by the thread of a threaded
 * interrupt.  Each run says which thread ran it (its comm with every run of
 * digits shown as N, so no number that changes from boot to boot), the
 * thread's policy and priority, and whether the job slept: it calls
 * msleep(1), and current->nvcsw, the count of voluntary context switches,
 * grows only if the thread really left the CPU (__schedule(),
 * kernel/sched/core.c).
 *
 * The interrupt is one the module makes and raises itself, as the
 * kernel's interrupt simulator (kernel/irq/irq_sim.c) does: that file is
 * built into none of the four Debian kernels (CONFIG_IRQ_SIM unset; see
 * irq_sim_missing), so this listing does its work by hand with exports of
 * all four.  It allocates an interrupt descriptor, gives it dummy_irq_chip
 * and the simple flow handler handle_simple_irq() (kernel/irq/chip.c), and
 * raises it from an irq_work, whose function runs in hard-interrupt
 * context, with generic_handle_irq(): the same path a device's interrupt
 * takes from the flow handler on.
 *
 * Each way is started only after the previous one has completed `done`,
 * so the lines come in the same order on every run.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/completion.h>
#include <linux/delay.h>
#include <linux/err.h>
#include <linux/interrupt.h>
#include <linux/irq.h>
#include <linux/irq_work.h>
#include <linux/kthread.h>
#include <linux/module.h>
#include <linux/sched.h>
#include <linux/version.h>
#include <linux/workqueue.h>

#if LINUX_VERSION_CODE < KERNEL_VERSION(6, 14, 0)
#define kthread_run_worker kthread_create_worker
#endif

static DECLARE_COMPLETION(done);
static struct task_struct *thread;
static struct kthread_worker *worker;
static struct kthread_work kwork;
static struct work_struct work;
static struct irq_work raise;
static int irq;
static const char *way;

/* The comm of the current thread, every run of digits shown as N. */
static void comm_without_numbers(char *buf)
{
	const char *s = current->comm;
	int n = 0;

	while (*s && n < TASK_COMM_LEN - 1) {
		if (*s >= '0' && *s <= '9') {
			buf[n++] = 'N';
			while (*s >= '0' && *s <= '9')
				s++;
		} else {
			buf[n++] = *s++;
		}
	}
	buf[n] = '\0';
}

static void job(void)
{
	unsigned long nvcsw = current->nvcsw;
	char comm[TASK_COMM_LEN];

	msleep(1);
	comm_without_numbers(comm);
	if (current->policy == SCHED_FIFO)
		pr_info("%s: ran in %s, SCHED_FIFO priority %u, slept: %s\n",
			way, comm, current->rt_priority,
			current->nvcsw != nvcsw ? "yes" : "no");
	else
		pr_info("%s: ran in %s, %s nice %d, slept: %s\n", way, comm,
			current->policy == SCHED_NORMAL ? "SCHED_NORMAL" : "other",
			task_nice(current),
			current->nvcsw != nvcsw ? "yes" : "no");
	complete(&done);
}

static int thread_fn(void *data)
{
	job();
	set_current_state(TASK_INTERRUPTIBLE);
	while (!kthread_should_stop()) {
		schedule();
		set_current_state(TASK_INTERRUPTIBLE);
	}
	__set_current_state(TASK_RUNNING);
	return 0;
}

static void work_fn(struct work_struct *w)
{
	job();
}

static void kwork_fn(struct kthread_work *w)
{
	job();
}

static irqreturn_t primary(int irq, void *dev_id)
{
	pr_info("%s: primary handler in hard interrupt context: %s\n",
		way, hardirq_count() ? "yes" : "no");
	return IRQ_WAKE_THREAD;
}

static irqreturn_t irq_thread_fn(int irq, void *dev_id)
{
	job();
	return IRQ_HANDLED;
}

static void raise_fn(struct irq_work *w)
{
	generic_handle_irq(irq);
}

static void run(const char *how)
{
	way = how;
	reinit_completion(&done);
}

static int make_irq(void)
{
	irq = irq_alloc_desc(NUMA_NO_NODE);
	if (irq < 0)
		return irq;
	irq_set_chip_and_handler(irq, &dummy_irq_chip, handle_simple_irq);
	irq_modify_status(irq, IRQ_NOREQUEST | IRQ_NOAUTOEN, IRQ_NOPROBE);
	init_irq_work(&raise, raise_fn);
	return 0;
}

static int __init four_ways_init(void)
{
	int ret;

	run("own kthread");
	thread = kthread_run(thread_fn, NULL, "job_thread");
	if (IS_ERR(thread))
		return PTR_ERR(thread);
	wait_for_completion(&done);

	run("system workqueue");
	INIT_WORK(&work, work_fn);
	schedule_work(&work);
	wait_for_completion(&done);
	flush_work(&work);

	worker = kthread_run_worker(0, "job_worker");
	if (IS_ERR(worker)) {
		ret = PTR_ERR(worker);
		goto stop_thread;
	}
	kthread_init_work(&kwork, kwork_fn);
	run("kthread_worker");
	kthread_queue_work(worker, &kwork);
	wait_for_completion(&done);
	kthread_flush_work(&kwork);

	sched_set_fifo(worker->task);
	run("kthread_worker after sched_set_fifo()");
	kthread_queue_work(worker, &kwork);
	wait_for_completion(&done);
	kthread_flush_work(&kwork);

	ret = make_irq();
	if (ret)
		goto destroy_worker;
	ret = request_threaded_irq(irq, primary, irq_thread_fn, 0, "job", &done);
	if (ret) {
		pr_info("request_threaded_irq(): %d\n", ret);
		goto free_desc;
	}
	run("threaded IRQ");
	irq_work_queue(&raise);
	wait_for_completion(&done);
	irq_work_sync(&raise);
	free_irq(irq, &done);
	irq_free_desc(irq);
	return 0;

free_desc:
	irq_free_desc(irq);
destroy_worker:
	kthread_destroy_worker(worker);
stop_thread:
	kthread_stop(thread);
	return ret;
}

static void __exit four_ways_exit(void)
{
	kthread_destroy_worker(worker);
	kthread_stop(thread);
	pr_info("unloaded\n");
}

module_init(four_ways_init);
module_exit(four_ways_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("One job run by a kthread, a workqueue, a kthread_worker and a threaded IRQ");
