// SPDX-License-Identifier: GPL-2.0
/*
 * worker_basic: a kthread_worker, two works, their return values, the two
 * flushes, and kthread_destroy_worker().
 *
 * A kthread_worker is one kernel thread running kthread_worker_fn()
 * (kernel/kthread.c), which takes the works queued on worker->work_list
 * one at a time, in order, and calls each work's function.  A work is
 * "pending" while it is on that list: kthread_queue_work() returns false
 * for a pending work and leaves it where it is, but a work that is
 * running is off the list, so queueing it then succeeds and it runs again.
 *
 * kthread_create_worker() woke the thread itself until 6.14; from 6.14 it
 * leaves it asleep like kthread_create(), and kthread_run_worker() (new in
 * 6.14) is create + wake_up_process().  This listing is about the work,
 * not that change (worker_create_not_woken shows it), so it picks the
 * function that gives a running worker on each kernel.
 *
 * Work A blocks on a completion, so that everything init queues meanwhile
 * is decided while A is known to be running; init prints the return
 * values only then, so the lines come in the same order on every run.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/completion.h>
#include <linux/err.h>
#include <linux/kthread.h>
#include <linux/module.h>
#include <linux/sched.h>
#include <linux/version.h>

#if LINUX_VERSION_CODE < KERNEL_VERSION(6, 14, 0)
#define kthread_run_worker kthread_create_worker
#endif

static struct kthread_worker *worker;
static struct kthread_work work_a, work_b;
static DECLARE_COMPLETION(a_running);
static DECLARE_COMPLETION(a_release);
static int a_runs;

static void work_a_fn(struct kthread_work *work)
{
	pr_info("work A: run %d, in thread %s\n", ++a_runs, current->comm);
	complete(&a_running);
	wait_for_completion(&a_release);
	pr_info("work A: run %d done\n", a_runs);
}

static void work_b_fn(struct kthread_work *work)
{
	pr_info("work B: runs, in thread %s\n", current->comm);
}

static int __init worker_basic_init(void)
{
	bool a1, a2, b1, b2, cancel_b;

	worker = kthread_run_worker(0, "basic_worker");
	if (IS_ERR(worker))
		return PTR_ERR(worker);

	kthread_init_work(&work_a, work_a_fn);
	kthread_init_work(&work_b, work_b_fn);

	a1 = kthread_queue_work(worker, &work_a);
	wait_for_completion(&a_running);	/* A is running: off the list */
	a2 = kthread_queue_work(worker, &work_a);
	b1 = kthread_queue_work(worker, &work_b);
	b2 = kthread_queue_work(worker, &work_b);
	cancel_b = kthread_cancel_work_sync(&work_b);

	pr_info("queue A: %d\n", a1);
	pr_info("queue A while it runs: %d\n", a2);
	pr_info("queue B: %d\n", b1);
	pr_info("queue B while it is pending: %d\n", b2);
	pr_info("cancel_work_sync(B) while it is pending: %d\n", cancel_b);

	pr_info("queue B: %d\n", kthread_queue_work(worker, &work_b));
	pr_info("releasing A, then kthread_flush_work(B)\n");
	complete_all(&a_release);
	kthread_flush_work(&work_b);
	pr_info("kthread_flush_work(B) returned\n");

	kthread_queue_work(worker, &work_b);
	kthread_flush_worker(worker);
	pr_info("kthread_flush_worker() returned\n");
	return 0;
}

static void __exit worker_basic_exit(void)
{
	kthread_destroy_worker(worker);
	pr_info("worker destroyed\n");
}

module_init(worker_basic_init);
module_exit(worker_basic_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("A kthread_worker: queue, flush, cancel and destroy");
