// SPDX-License-Identifier: GPL-2.0
/*
 * worker_static: a kthread_worker and its works defined statically, and the
 * thread started by hand with kthread_run(kthread_worker_fn, ...).
 *
 * This is how a worker was made before kthread_create_worker() (and what
 * that function still does inside, kernel/kthread.c): a struct
 * kthread_worker initialised with kthread_init_worker(), a thread whose
 * function is kthread_worker_fn() and whose data is the worker.
 * kthread_worker_fn() records itself in worker->task on its first run and
 * returns when kthread_should_stop() is true, so kthread_stop() ends it.
 *
 * DEFINE_KTHREAD_WORK() and DEFINE_KTHREAD_DELAYED_WORK() initialise a work
 * at compile time on every kernel of the matrix (include/linux/kthread.h).
 * DEFINE_KTHREAD_WORKER() did the same for a worker, but only 5.10's header
 * has it: there the worker is defined with it, on the others it is
 * initialised at run time.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/completion.h>
#include <linux/err.h>
#include <linux/jiffies.h>
#include <linux/kthread.h>
#include <linux/module.h>
#include <linux/sched.h>

#ifdef DEFINE_KTHREAD_WORKER
static DEFINE_KTHREAD_WORKER(worker);
#else
static struct kthread_worker worker;
#endif

static DECLARE_COMPLETION(delayed_done);
static struct task_struct *task;

static void work_fn(struct kthread_work *work)
{
	pr_info("work: runs in %s\n", current->comm);
}

static void delayed_fn(struct kthread_work *work)
{
	pr_info("delayed work: runs in %s\n", current->comm);
	complete(&delayed_done);
}

static DEFINE_KTHREAD_WORK(work, work_fn);
static DEFINE_KTHREAD_DELAYED_WORK(dwork, delayed_fn);

static int __init worker_static_init(void)
{
#ifndef DEFINE_KTHREAD_WORKER
	kthread_init_worker(&worker);
#endif
	task = kthread_run(kthread_worker_fn, &worker, "static_worker");
	if (IS_ERR(task))
		return PTR_ERR(task);
	pr_info("queue work: %d\n", kthread_queue_work(&worker, &work));
	kthread_flush_work(&work);
	pr_info("queue delayed work: %d\n",
		kthread_queue_delayed_work(&worker, &dwork,
					   msecs_to_jiffies(100)));
	wait_for_completion(&delayed_done);
	kthread_flush_worker(&worker);
	pr_info("worker->task is the thread: %s\n",
		worker.task == task ? "yes" : "no");
	return 0;
}

static void __exit worker_static_exit(void)
{
	kthread_flush_worker(&worker);
	pr_info("kthread_stop(): %d\n", kthread_stop(task));
}

module_init(worker_static_init);
module_exit(worker_static_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("A static kthread_worker and works, the thread started with kthread_run(kthread_worker_fn)");
