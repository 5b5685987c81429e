// SPDX-License-Identifier: GPL-2.0
/*
 * worker_flush_self: BROKEN LISTING - a work that flushes its own worker.
 *
 * kthread_flush_worker() (kernel/kthread.c) queues a flush work at the end
 * of worker->work_list and sleeps, uninterruptibly, until that work has
 * run.  Called from a work of the same worker, it sleeps in the only
 * thread that could run the flush work: the worker thread waits for
 * itself and never wakes.  Every later work on that worker waits behind
 * it, and so would kthread_destroy_worker(), which flushes first: the
 * module has no exit function, since it could never finish.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/completion.h>
#include <linux/err.h>
#include <linux/kthread.h>
#include <linux/module.h>
#include <linux/version.h>

#if LINUX_VERSION_CODE < KERNEL_VERSION(6, 14, 0)
#define kthread_run_worker kthread_create_worker
#endif

static struct kthread_worker *worker;
static struct kthread_work work;
static DECLARE_COMPLETION(flushing);

static void flush_self_fn(struct kthread_work *w)
{
	pr_info("work: calling kthread_flush_worker() on my own worker\n");
	complete(&flushing);
	kthread_flush_worker(worker);	/* the bug */
	pr_info("work: kthread_flush_worker() returned\n");
}

static int __init worker_flush_self_init(void)
{
	worker = kthread_run_worker(0, "self_flusher");
	if (IS_ERR(worker))
		return PTR_ERR(worker);

	kthread_init_work(&work, flush_self_fn);
	kthread_queue_work(worker, &work);
	wait_for_completion(&flushing);
	pr_info("init: the work is flushing its own worker\n");
	return 0;
}

/* No module_exit(): kthread_destroy_worker() would wait forever too. */
module_init(worker_flush_self_init);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("Broken: a kthread work that flushes its own worker");
