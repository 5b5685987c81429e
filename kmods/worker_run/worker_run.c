// SPDX-License-Identifier: GPL-2.0
/*
 * worker_run: kthread_run_worker(), the create-and-wake of 6.14.
 *
 * From 6.14 kthread_create_worker() leaves the worker thread asleep and
 * kthread_run_worker() (include/linux/kthread.h) wakes it as well; before
 * 6.14 there is no kthread_run_worker(), and this module does not build.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/err.h>
#include <linux/kthread.h>
#include <linux/module.h>

static struct kthread_worker *worker;

static int __init worker_run_init(void)
{
	/*
	 * The casts change nothing on 6.14 and later.  Before, the compiler
	 * takes the undeclared kthread_run_worker() for a function returning
	 * int, and they keep gcc 10 and 12 from adding a warning about that
	 * int to the error this listing is about.
	 */
	worker = (struct kthread_worker *)(unsigned long)
		kthread_run_worker(0, "run_worker");
	if (IS_ERR(worker))
		return PTR_ERR(worker);
	pr_info("worker created and woken\n");
	return 0;
}

static void __exit worker_run_exit(void)
{
	kthread_destroy_worker(worker);
	pr_info("worker destroyed\n");
}

module_init(worker_run_init);
module_exit(worker_run_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("kthread_run_worker(): new in 6.14");
