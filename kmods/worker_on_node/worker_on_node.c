// SPDX-License-Identifier: GPL-2.0
/*
 * worker_on_node: kthread_create_worker_on_node(), new in 6.14.
 *
 * From 6.14 kthread_create_worker() is a macro for
 * kthread_create_worker_on_node() with NUMA_NO_NODE
 * (include/linux/kthread.h); the function takes a node, passed on to
 * __kthread_create_on_node() for the worker's thread, and, like every
 * creation of a worker from 6.14, leaves the thread asleep.  Before 6.14
 * there is no such function and this module does not build.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/err.h>
#include <linux/kthread.h>
#include <linux/module.h>
#include <linux/sched.h>
#include <linux/topology.h>

static struct kthread_worker *worker;
static struct kthread_work work;

static void work_fn(struct kthread_work *w)
{
	pr_info("work: in %s\n", current->comm);
}

static int __init worker_on_node_init(void)
{
	/*
	 * The casts change nothing from 6.14.  Before, the compiler takes the
	 * undeclared function for one returning int; they keep gcc 10 and 12
	 * from adding a warning about that int to the error this listing is
	 * about.
	 */
	worker = (struct kthread_worker *)(unsigned long)
		kthread_create_worker_on_node(0, numa_node_id(), "won_worker");
	if (IS_ERR(worker))
		return PTR_ERR(worker);
	/* Created, not woken: the first queued work wakes it. */
	kthread_init_work(&work, work_fn);
	kthread_queue_work(worker, &work);
	kthread_flush_work(&work);
	return 0;
}

static void __exit worker_on_node_exit(void)
{
	kthread_destroy_worker(worker);
	pr_info("worker destroyed\n");
}

module_init(worker_on_node_init);
module_exit(worker_on_node_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("kthread_create_worker_on_node(): new in 6.14");
