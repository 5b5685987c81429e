// SPDX-License-Identifier: GPL-2.0
/*
 * worker_create_not_woken: kthread_create_worker() and nothing else.
 *
 * Before 6.14, __kthread_create_worker() (kernel/kthread.c) ends with
 * wake_up_process(task): the worker thread starts kthread_worker_fn() and
 * sleeps there, interruptibly, until work comes.  From 6.14,
 * kthread_create_worker() is a macro for
 * kthread_create_worker_on_node(), which leaves the thread where
 * kthread_create() leaves every new thread: asleep, uninterruptibly, in
 * kthread(), waiting for its first wake-up.  kthread_run_worker(), new in
 * 6.14, is the create plus that wake-up.
 *
 * The module creates a worker and queues nothing until the shell writes
 * to its "queue" parameter; then it queues one work and flushes it.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/err.h>
#include <linux/kthread.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/sched.h>

static struct kthread_worker *worker;
static struct kthread_work work;

static void work_fn(struct kthread_work *w)
{
	pr_info("work runs in thread %s\n", current->comm);
}

static int queue_set(const char *val, const struct kernel_param *kp)
{
	bool queued = kthread_queue_work(worker, &work);

	/* Printed after the flush: the work's line cannot come in between. */
	kthread_flush_work(&work);
	pr_info("queue: %d, then kthread_flush_work() returned\n", queued);
	return 0;
}

static const struct kernel_param_ops queue_ops = {
	.set = queue_set,
};
module_param_cb(queue, &queue_ops, NULL, 0200);
MODULE_PARM_DESC(queue, "write anything: queue the work and flush it");

static int __init worker_create_not_woken_init(void)
{
	kthread_init_work(&work, work_fn);
	worker = kthread_create_worker(0, "lazy_worker");
	if (IS_ERR(worker))
		return PTR_ERR(worker);
	pr_info("worker created\n");
	return 0;
}

static void __exit worker_create_not_woken_exit(void)
{
	kthread_destroy_worker(worker);
	pr_info("worker destroyed\n");
}

module_init(worker_create_not_woken_init);
module_exit(worker_create_not_woken_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("kthread_create_worker() wakes its thread before 6.14, not from 6.14");
