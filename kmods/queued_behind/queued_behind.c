// SPDX-License-Identifier: GPL-2.0
/*
 * queued_behind: a first job that blocks, a second one queued behind it,
 * on three queues: the system workqueue, an ordered workqueue and a
 * kthread_worker.  Does the second run while the first is blocked?
 *
 * The first job blocks on the completion `release`, which init completes
 * only after it has decided the question: it waits for the second job's
 * completion `second_ran` with wait_for_completion_timeout(), for a second,
 * and prints whether it came.  No time is printed, only yes or no.
 *
 * On the system workqueue both works go to the pool of this CPU (one CPU
 * here).  When the kworker running the first work blocks, the scheduler
 * calls wq_worker_sleeping() (kernel/workqueue.c), which sees that no
 * worker of the pool is running any more while work is waiting, and wakes
 * an idle kworker, which runs the second work.  An ordered workqueue runs
 * one work at a time whatever its workers do, and a kthread_worker has one
 * thread only: there the second job waits until the first has finished.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/completion.h>
#include <linux/err.h>
#include <linux/jiffies.h>
#include <linux/kthread.h>
#include <linux/module.h>
#include <linux/version.h>
#include <linux/workqueue.h>

#if LINUX_VERSION_CODE < KERNEL_VERSION(6, 14, 0)
#define kthread_run_worker kthread_create_worker
#endif

static DECLARE_COMPLETION(first_running);
static DECLARE_COMPLETION(release);
static DECLARE_COMPLETION(second_ran);

static struct workqueue_struct *ordered;
static struct kthread_worker *worker;
static struct work_struct first_w, second_w;
static struct kthread_work first_k, second_k;

static void first_job(void)
{
	complete(&first_running);
	wait_for_completion(&release);
}

static void first_w_fn(struct work_struct *w)
{
	first_job();
}

static void second_w_fn(struct work_struct *w)
{
	complete(&second_ran);
}

static void first_k_fn(struct kthread_work *w)
{
	first_job();
}

static void second_k_fn(struct kthread_work *w)
{
	complete(&second_ran);
}

/* Called once the first job is blocked and the second one is queued. */
static void decide(const char *queue)
{
	bool ran = wait_for_completion_timeout(&second_ran, HZ);

	pr_info("%s: second job ran while the first was blocked: %s\n",
		queue, ran ? "yes" : "no");
	complete(&release);
	if (!ran) {
		wait_for_completion(&second_ran);
		pr_info("%s: second job ran once the first had returned\n",
			queue);
	}
}

static void start(void)
{
	reinit_completion(&first_running);
	reinit_completion(&release);
	reinit_completion(&second_ran);
}

static void on_workqueue(struct workqueue_struct *wq, const char *name)
{
	start();
	queue_work(wq, &first_w);
	wait_for_completion(&first_running);
	queue_work(wq, &second_w);
	decide(name);
	flush_work(&first_w);
	flush_work(&second_w);
}

static int __init queued_behind_init(void)
{
	INIT_WORK(&first_w, first_w_fn);
	INIT_WORK(&second_w, second_w_fn);
	kthread_init_work(&first_k, first_k_fn);
	kthread_init_work(&second_k, second_k_fn);

	on_workqueue(system_wq, "system_wq");

	ordered = alloc_ordered_workqueue("behind_ordered", 0);
	if (!ordered)
		return -ENOMEM;
	on_workqueue(ordered, "ordered workqueue");

	worker = kthread_run_worker(0, "behind_worker");
	if (IS_ERR(worker)) {
		destroy_workqueue(ordered);
		return PTR_ERR(worker);
	}
	start();
	kthread_queue_work(worker, &first_k);
	wait_for_completion(&first_running);
	kthread_queue_work(worker, &second_k);
	decide("kthread_worker");
	kthread_flush_worker(worker);
	return 0;
}

static void __exit queued_behind_exit(void)
{
	kthread_destroy_worker(worker);
	destroy_workqueue(ordered);
}

module_init(queued_behind_init);
module_exit(queued_behind_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("A job blocked, another queued behind it: system, ordered workqueue, kthread_worker");
