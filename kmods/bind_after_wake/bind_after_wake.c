// SPDX-License-Identifier: GPL-2.0
/*
 * bind_after_wake: kthread_bind() called on a thread that has already run.
 *
 * kthread_bind() (kernel/kthread.c) is for a thread between kthread_create()
 * and its first wake-up.  __kthread_bind_mask() first calls
 * wait_task_inactive(p, TASK_UNINTERRUPTIBLE) (kernel/sched/core.c), which
 * returns 0 when the thread is not in that state; __kthread_bind_mask() then
 * does WARN_ON(1) and returns without changing the thread's CPUs or setting
 * PF_NO_SETAFFINITY.  Here the thread has run and is either still running
 * or asleep in wait_event_interruptible() (TASK_INTERRUPTIBLE): both are
 * not TASK_UNINTERRUPTIBLE, so the bind fails whichever it is.
 * The newest kernel's kthread_bind() also has WARN_ON_ONCE(kthread->started),
 * set by kthread() after the first wake-up: a second warning.
 *
 * init waits until the thread has run (a completion), binds it to CPU 1,
 * and prints what the thread's task_struct says afterwards.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/completion.h>
#include <linux/cpumask.h>
#include <linux/err.h>
#include <linux/kthread.h>
#include <linux/module.h>
#include <linux/sched.h>
#include <linux/wait.h>

static struct task_struct *task;
static DECLARE_WAIT_QUEUE_HEAD(wq);
static DECLARE_COMPLETION(started);

static int worker_fn(void *data)
{
	complete(&started);
	while (!kthread_should_stop())
		wait_event_interruptible(wq, kthread_should_stop());
	return 0;
}

static int __init bind_after_wake_init(void)
{
	if (!cpu_online(1)) {
		pr_err("needs cpu 1 online\n");
		return -ENODEV;
	}
	task = kthread_run(worker_fn, NULL, "baw_worker");
	if (IS_ERR(task))
		return PTR_ERR(task);
	wait_for_completion(&started);
	pr_info("thread has run; calling kthread_bind(task, 1)\n");
	kthread_bind(task, 1);
	pr_info("after kthread_bind(): allowed cpus %*pbl, PF_NO_SETAFFINITY %s\n",
		cpumask_pr_args(task->cpus_ptr),
		task->flags & PF_NO_SETAFFINITY ? "set" : "not set");
	return 0;
}

static void __exit bind_after_wake_exit(void)
{
	kthread_stop(task);
	pr_info("unloaded\n");
}

module_init(bind_after_wake_init);
module_exit(bind_after_wake_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("kthread_bind() on a kthread that has already run: the WARN");
