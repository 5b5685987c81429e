// SPDX-License-Identifier: GPL-2.0
/*
 * on_node: kthread_create_on_node(), the function behind kthread_create().
 *
 * kthread_create() is kthread_create_on_node() with NUMA_NO_NODE
 * (include/linux/kthread.h).  The node is a hint for memory: kthreadd
 * forks the thread with current->pref_node_fork set to it
 * (create_kthread(), kernel/kthread.c), and dup_task_struct()
 * (kernel/fork.c) allocates the new task_struct and its stack on that
 * node (tsk_fork_get_node()).  From 6.14 it is also a hint for CPUs: on
 * its first wake-up, kthread() calls kthread_affine_node(), which
 * gives a thread made for a node the housekeeping CPUs of that node (all
 * housekeeping CPUs when the node has none).
 *
 * The guest has one node, node 0, with both CPUs: the listing asks for
 * the node of CPU 1 and prints what the thread got.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/completion.h>
#include <linux/cpumask.h>
#include <linux/err.h>
#include <linux/kthread.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/sched.h>
#include <linux/topology.h>
#include <linux/wait.h>

static DECLARE_WAIT_QUEUE_HEAD(wq);
static DECLARE_COMPLETION(started);
static struct task_struct *task;

static int node_fn(void *data)
{
	pr_info("%s: task_struct on node %d, allowed cpus %*pbl\n",
		current->comm, page_to_nid(virt_to_page(current)),
		cpumask_pr_args(current->cpus_ptr));
	complete(&started);
	wait_event_interruptible(wq, kthread_should_stop());
	return 0;
}

static int __init on_node_init(void)
{
	int node = cpu_to_node(1);
	struct task_struct *t;

	/* The name is formatted: "%s%d" with two arguments. */
	t = kthread_create_on_node(node_fn, NULL, node, "%s%d", "node_worker",
				   node);
	if (IS_ERR(t))
		return PTR_ERR(t);
	pr_info("asked for node %d (the node of cpu 1), %d node(s) online\n",
		node, num_online_nodes());
	task = t;
	wake_up_process(t);
	wait_for_completion(&started);
	return 0;
}

static void __exit on_node_exit(void)
{
	kthread_stop(task);
	pr_info("unloaded\n");
}

module_init(on_node_init);
module_exit(on_node_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("A kthread made by kthread_create_on_node() for the node of CPU 1");
