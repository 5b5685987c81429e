// SPDX-License-Identifier: GPL-2.0
/*
 * wait_no_stop_check: BROKEN LISTING on some kernels - a thread waits
 * with wait_event_interruptible() on a condition that does not include
 * kthread_should_stop().
 *
 * Backs DESIGN's pitfall of that name and SEEDS claims 1.2 and 1.5:
 * whether kthread_stop() can end such a wait depends on the kernel.
 * kthread_stop() sets KTHREAD_SHOULD_STOP and calls wake_up_process().
 * The woken wait re-checks its condition, which is still false, and:
 *
 *  - 5.10: nothing else is pending, so it sleeps again; kthread_stop()
 *    never returns and rmmod hangs until the hung-task detector reports
 *    it;
 *  - 6.1 and later: kthread_stop() also sets TIF_NOTIFY_SIGNAL on the
 *    thread (kernel/kthread.c), which signal_pending() counts, so
 *    the interruptible wait returns -ERESTARTSYS (-512); the loop then
 *    sees kthread_should_stop() and the thread returns.
 *
 * The portable fix is the condition producer_consumer.c uses:
 * wait_event_interruptible(wq, data_ready || kthread_should_stop()).
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/completion.h>
#include <linux/kthread.h>
#include <linux/module.h>
#include <linux/wait.h>

static DECLARE_WAIT_QUEUE_HEAD(wq);
static DECLARE_COMPLETION(started);
static bool data_ready;
static struct task_struct *task;

static int waiter_fn(void *data)
{
	complete(&started);
	while (!kthread_should_stop()) {
		/* The bug: the stop flag is not part of the condition. */
		int ret = wait_event_interruptible(wq, READ_ONCE(data_ready));

		pr_info("wait returned %d, stop requested: %s\n", ret,
			kthread_should_stop() ? "yes" : "no");
	}
	return 0;
}

static int __init wait_no_stop_check_init(void)
{
	task = kthread_run(waiter_fn, NULL, "wait_no_stop");
	if (IS_ERR(task))
		return PTR_ERR(task);

	wait_for_completion(&started);
	return 0;
}

static void __exit wait_no_stop_check_exit(void)
{
	pr_info("exit: calling kthread_stop\n");
	pr_info("exit: kthread_stop returned %d\n", kthread_stop(task));
}

module_init(wait_no_stop_check_init);
module_exit(wait_no_stop_check_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("Broken on 5.10: kthread_stop() vs a wait without the stop check");
MODULE_AUTHOR("The kthread book");
