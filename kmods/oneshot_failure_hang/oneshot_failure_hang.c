// SPDX-License-Identifier: GPL-2.0
/*
 * oneshot_failure_hang: BROKEN LISTING - oneshot_completion.c without the
 * complete() on the failure path.
 *
 * Settles SEEDS claim 4.4 by its counter-example.  With fail=1 thread
 * creation fails (an injected -ENOMEM), init carries on without the
 * thread, and nobody will ever complete @done.  Module exit's
 * wait_for_completion() sleeps uninterruptibly and without a timeout
 * (kernel/sched/completion.c), so rmmod hangs in D state until the
 * hung-task detector reports it.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/completion.h>
#include <linux/delay.h>
#include <linux/kthread.h>
#include <linux/module.h>

#include "kthread_compat.h"

static bool fail;
module_param(fail, bool, 0444);
MODULE_PARM_DESC(fail, "Make creating the thread fail");

static DECLARE_COMPLETION(done);

static int download_fn(void *data)
{
	msleep(1000);	/* the download */
	pr_info("thread: firmware downloaded, completing and exiting\n");
	kthread_complete_and_exit(&done, 0);
}

static int __init oneshot_failure_hang_init(void)
{
	struct task_struct *task;

	pr_info("init: starting the download thread\n");
	if (fail)
		task = ERR_PTR(-ENOMEM);
	else
		task = kthread_run(download_fn, NULL, "oneshot_fw");
	/* The bug: on failure, @done is never completed. */
	if (IS_ERR(task))
		pr_info("creating the thread failed (%ld), going on without it\n",
			PTR_ERR(task));
	return 0;
}

static void __exit oneshot_failure_hang_exit(void)
{
	pr_info("exit: waiting for the thread\n");
	wait_for_completion(&done);
	pr_info("exit: done\n");
}

module_init(oneshot_failure_hang_init);
module_exit(oneshot_failure_hang_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("Broken: waiting for a completion nobody will complete");
MODULE_AUTHOR("The kthread book");
