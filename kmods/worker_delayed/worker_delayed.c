// SPDX-License-Identifier: GPL-2.0
/*
 * worker_delayed: a kthread_delayed_work queued, re-queued, modified,
 * run, and cancelled, with every return value.
 *
 * A delayed work is a kthread_work and a timer.  While the timer is armed
 * the work sits on worker->delayed_work_list and counts as pending; when
 * the timer fires, kthread_delayed_work_timer_fn() moves it to
 * worker->work_list (kernel/kthread.c).  So:
 *  - kthread_queue_delayed_work() on a pending work returns false and
 *    leaves the timer as it was;
 *  - kthread_mod_delayed_work() re-arms the timer of a pending work and
 *    returns true, or queues an idle one and returns false;
 *  - kthread_cancel_delayed_work_sync() stops the timer, takes the work
 *    off the list, and returns true when it was pending.
 *
 * Every wait below is far shorter or far longer than the delay it tests
 * (0.5 s against 10 s, 100 ms against 5 s), and no time is printed.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/completion.h>
#include <linux/err.h>
#include <linux/jiffies.h>
#include <linux/kthread.h>
#include <linux/module.h>
#include <linux/version.h>

#if LINUX_VERSION_CODE < KERNEL_VERSION(6, 14, 0)
#define kthread_run_worker kthread_create_worker
#endif

static struct kthread_worker *worker;
static struct kthread_delayed_work dwork;
static DECLARE_COMPLETION(ran);

static void dwork_fn(struct kthread_work *work)
{
	pr_info("delayed work runs\n");
	complete(&ran);
}

static const char *yes_no(unsigned long left)
{
	return left ? "yes" : "no";
}

static int __init worker_delayed_init(void)
{
	unsigned long left;
	bool ret;

	worker = kthread_run_worker(0, "delay_worker");
	if (IS_ERR(worker))
		return PTR_ERR(worker);
	kthread_init_delayed_work(&dwork, dwork_fn);

	ret = kthread_queue_delayed_work(worker, &dwork, 10 * HZ);
	pr_info("queue_delayed_work(10 s): %d\n", ret);
	ret = kthread_queue_delayed_work(worker, &dwork, HZ / 10);
	pr_info("queue_delayed_work(100 ms) while pending: %d\n", ret);
	left = wait_for_completion_timeout(&ran, HZ / 2);
	pr_info("ran within 0.5 s: %s\n", yes_no(left));

	ret = kthread_mod_delayed_work(worker, &dwork, HZ / 10);
	pr_info("mod_delayed_work(100 ms) while pending: %d\n", ret);
	left = wait_for_completion_timeout(&ran, 5 * HZ);
	pr_info("ran within 5 s: %s\n", yes_no(left));

	ret = kthread_mod_delayed_work(worker, &dwork, 10 * HZ);
	pr_info("mod_delayed_work(10 s) when idle: %d\n", ret);
	ret = kthread_cancel_delayed_work_sync(&dwork);
	pr_info("cancel_delayed_work_sync() while pending: %d\n", ret);
	ret = kthread_cancel_delayed_work_sync(&dwork);
	pr_info("cancel_delayed_work_sync() when idle: %d\n", ret);
	return 0;
}

static void __exit worker_delayed_exit(void)
{
	kthread_destroy_worker(worker);
	pr_info("worker destroyed\n");
}

module_init(worker_delayed_init);
module_exit(worker_delayed_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("kthread delayed work: queue, modify, cancel, with return values");
