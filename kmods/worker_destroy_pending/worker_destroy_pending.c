// SPDX-License-Identifier: GPL-2.0
/*
 * worker_destroy_pending: BROKEN LISTING - kthread_destroy_worker() with
 * a delayed work still pending.
 *
 * kthread_destroy_worker() (kernel/kthread.c) flushes worker->work_list,
 * stops the thread and frees the worker.  A delayed work whose timer has
 * not fired yet is not on that list but on worker->delayed_work_list, so
 * the flush does not wait for it and nothing cancels its timer.  When
 * the timer fires, kthread_delayed_work_timer_fn() takes work->worker,
 * the freed worker, locks it and queues the work on it.
 *
 * The fix: kthread_cancel_delayed_work_sync() on every delayed work
 * before kthread_destroy_worker().
 *
 * The delay is an hour, so the run ends long before the timer fires; the
 * work is allocated and deliberately never freed, so that its armed timer
 * does not lie in the module's memory, which rmmod frees.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/err.h>
#include <linux/kthread.h>
#include <linux/module.h>
#include <linux/slab.h>
#include <linux/version.h>

#if LINUX_VERSION_CODE < KERNEL_VERSION(6, 14, 0)
#define kthread_run_worker kthread_create_worker
#endif

static struct kthread_worker *worker;
static struct kthread_delayed_work *dwork;

static void late_fn(struct kthread_work *work)
{
	pr_info("delayed work runs\n");
}

static int __init worker_destroy_pending_init(void)
{
	dwork = kzalloc(sizeof(*dwork), GFP_KERNEL);
	if (!dwork)
		return -ENOMEM;

	worker = kthread_run_worker(0, "doomed_worker");
	if (IS_ERR(worker)) {
		kfree(dwork);
		return PTR_ERR(worker);
	}

	kthread_init_delayed_work(dwork, late_fn);
	pr_info("queue_delayed_work(1 hour): %d\n",
		kthread_queue_delayed_work(worker, dwork, 3600 * HZ));
	return 0;
}

static void __exit worker_destroy_pending_exit(void)
{
	/* The missing line: kthread_cancel_delayed_work_sync(dwork); */
	kthread_destroy_worker(worker);
	pr_info("worker destroyed; the delayed work's timer is still armed\n");
}

module_init(worker_destroy_pending_init);
module_exit(worker_destroy_pending_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("Broken: destroying a kthread_worker with a pending delayed work");
