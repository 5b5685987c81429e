// SPDX-License-Identifier: GPL-2.0
/*
 * flush_vs_queue: what a flush waits for while another thread queues work.
 *
 * Work A runs and blocks until a second thread, the queuer, has queued
 * work B and released it.  kernel/kthread.c, the same on every kernel:
 *
 * flush_worker=0: init calls kthread_flush_work(&work_a) without waiting
 * for the queuer, so the flush and the queueing of B race.  A is running
 * (worker->current_work), so the flush work goes to the head of
 * worker->work_list, ahead of B wherever B is; or, if A has already
 * finished, the flush returns at once.  Either way it does not wait for B.
 * B here waits for init's line after the flush, so a flush that waited
 * for B would never return.
 *
 * flush_worker=1: init waits until B is queued, then calls
 * kthread_flush_worker(), which queues its flush work at the tail: behind
 * B, so B has run when it returns.
 *
 * The work functions order the lines with completions; nothing sleeps for
 * time.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/completion.h>
#include <linux/err.h>
#include <linux/kthread.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/sched.h>
#include <linux/version.h>

#if LINUX_VERSION_CODE < KERNEL_VERSION(6, 14, 0)
#define kthread_run_worker kthread_create_worker
#endif

static bool flush_worker;
module_param(flush_worker, bool, 0444);
MODULE_PARM_DESC(flush_worker, "0: kthread_flush_work(A) races the queueing of B; 1: kthread_flush_worker() after B is queued");

static struct kthread_worker *worker;
static struct kthread_work work_a, work_b;
static DECLARE_COMPLETION(a_running);
static DECLARE_COMPLETION(a_release);
static DECLARE_COMPLETION(b_queued);
static DECLARE_COMPLETION(flush_returned);
static bool b_ran;

static void work_a_fn(struct kthread_work *work)
{
	pr_info("work A: runs\n");
	complete(&a_running);
	wait_for_completion(&a_release);
	pr_info("work A: done\n");
}

static void work_b_fn(struct kthread_work *work)
{
	if (!flush_worker)
		wait_for_completion(&flush_returned);
	WRITE_ONCE(b_ran, true);
	pr_info("work B: runs\n");
}

static int queuer_fn(void *data)
{
	pr_info("queuer: kthread_queue_work(B) returned %d\n",
		kthread_queue_work(worker, &work_b));
	complete(&b_queued);
	complete(&a_release);
	for (;;) {
		set_current_state(TASK_INTERRUPTIBLE);
		if (kthread_should_stop())
			break;
		schedule();
	}
	__set_current_state(TASK_RUNNING);
	return 0;
}

static int __init flush_vs_queue_init(void)
{
	struct task_struct *queuer;

	worker = kthread_run_worker(0, "fvq_worker");
	if (IS_ERR(worker))
		return PTR_ERR(worker);
	kthread_init_work(&work_a, work_a_fn);
	kthread_init_work(&work_b, work_b_fn);

	kthread_queue_work(worker, &work_a);
	wait_for_completion(&a_running);

	queuer = kthread_run(queuer_fn, NULL, "fvq_queuer");
	if (IS_ERR(queuer)) {
		complete(&a_release);
		kthread_destroy_worker(worker);
		return PTR_ERR(queuer);
	}
	if (flush_worker) {
		wait_for_completion(&b_queued);
		kthread_flush_worker(worker);
		pr_info("kthread_flush_worker() returned; B has run: %s\n",
			READ_ONCE(b_ran) ? "yes" : "no");
	} else {
		kthread_flush_work(&work_a);
		pr_info("kthread_flush_work(A) returned; B has run: %s\n",
			READ_ONCE(b_ran) ? "yes" : "no");
		complete(&flush_returned);
	}
	kthread_stop(queuer);
	kthread_destroy_worker(worker);
	return 0;
}

static void __exit flush_vs_queue_exit(void)
{
}

module_init(flush_vs_queue_init);
module_exit(flush_vs_queue_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("kthread_flush_work() and kthread_flush_worker() against a concurrent kthread_queue_work()");
