// SPDX-License-Identifier: GPL-2.0
/*
 * oneshot_completion: a one-shot thread that ends with
 * kthread_complete_and_exit(), and a module exit that waits for it
 * (article 004, the answer).
 *
 * Settles SEEDS claims 4.2 ("module exit must not return while the
 * thread may still run module code; the thread ends with
 * complete_and_exit(&done, 0) and exit waits with wait_for_completion()")
 * and 4.4 ("on a creation failure, complete the completion so later
 * waiters do not block").
 *
 * The thread stands for a firmware download started from probe: it
 * works for a second, then calls kthread_complete_and_exit(&done, 0)
 * (kernel/kthread.c), which completes @done and exits without returning
 * to the caller.  Once module exit's wait_for_completion() returns, no
 * instruction of this module will run again, so the module can go even
 * though the thread may not have finished exiting.  The thread is never
 * stopped and nobody keeps its task_struct.
 *
 * The function is called complete_and_exit() on 5.10 and
 * kthread_complete_and_exit() from 5.17 on; kthread_compat.h maps the
 * new name to the old one, so this one source builds on the whole
 * matrix (calls_complete_and_exit.c and
 * calls_kthread_complete_and_exit.c show each name on its own).
 *
 * With fail=1 the creation fails (an injected -ENOMEM, as a real
 * kthread_create() failure is hard to provoke).  Init carries on without
 * the thread, as a driver would without its firmware, and completes
 * @done itself, so module exit's wait returns at once
 * (oneshot_failure_hang.c forgets to).
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

static int __init oneshot_completion_init(void)
{
	struct task_struct *task;

	pr_info("init: starting the download thread\n");
	if (fail)
		task = ERR_PTR(-ENOMEM);
	else
		task = kthread_run(download_fn, NULL, "oneshot_fw");
	if (IS_ERR(task)) {
		pr_info("creating the thread failed (%ld), going on without it\n",
			PTR_ERR(task));
		complete(&done);
	}
	return 0;
}

static void __exit oneshot_completion_exit(void)
{
	pr_info("exit: waiting for the thread\n");
	wait_for_completion(&done);
	pr_info("exit: done\n");
}

module_init(oneshot_completion_init);
module_exit(oneshot_completion_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("One-shot kthread ending with kthread_complete_and_exit()");
MODULE_AUTHOR("The kthread book");
