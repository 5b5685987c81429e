// SPDX-License-Identifier: GPL-2.0
/*
 * null_check_run: BROKEN LISTING - kthread_run()'s result tested against
 * NULL.
 *
 * kthread_run() returns a task or an ERR_PTR (kthread_create_on_node() in
 * kernel/kthread.c), never NULL.  A NULL test lets an error through as a
 * pointer, and the first use of it faults.  ERR_PTR(-EINTR) is
 * 0xfff...fffc; reading task->pid adds the offset of `pid` in struct
 * task_struct, and the sum wraps around to that offset minus 4: a low
 * address, which the page-fault handler reports as a NULL pointer
 * dereference (below PAGE_SIZE: show_fault_oops() in
 * arch/x86/mm/fault.c).
 *
 * To make kthread_run() fail for real, init does what create_fails does:
 * insmod becomes SCHED_FIFO, so that kthreadd cannot run before the wait
 * starts, and gets SIGKILL, so that the killable wait for kthreadd in
 * __kthread_create_on_node() ends at once with -EINTR.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/err.h>
#include <linux/kthread.h>
#include <linux/module.h>
#include <linux/sched.h>
#include <linux/sched/signal.h>

static int thread_fn(void *data)
{
	while (!kthread_should_stop()) {
		set_current_state(TASK_INTERRUPTIBLE);
		if (!kthread_should_stop())
			schedule();
		__set_current_state(TASK_RUNNING);
	}
	return 0;
}

static int __init null_check_run_init(void)
{
	struct task_struct *task;

	sched_set_fifo_low(current);
	send_sig(SIGKILL, current, 0);

	task = kthread_run(thread_fn, NULL, "null_checked");
	/* The bug: kthread_run() never returns NULL. */
	if (!task)
		return -ENOMEM;

	pr_info("kthread_run() returned %s, passed the NULL test\n",
		IS_ERR(task) ? "an ERR_PTR" : "a task");
	pr_info("thread's pid: %d\n", task->pid);
	kthread_stop(task);
	return 0;
}

static void __exit null_check_run_exit(void)
{
}

module_init(null_check_run_init);
module_exit(null_check_run_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("Broken: kthread_run() tested against NULL instead of IS_ERR()");
MODULE_AUTHOR("The kthread book");
