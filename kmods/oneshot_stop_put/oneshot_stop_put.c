// SPDX-License-Identifier: GPL-2.0
/*
 * oneshot_stop_put: oneshot_get_task.c with kthread_stop_put().
 *
 * SEEDS claim 4.1, the second safe pattern.  kthread_stop_put()
 * (kernel/kthread.c, upstream 6.7) is kthread_stop() followed by
 * put_task_struct(), for a caller that took its own reference with
 * get_task_struct().  Debian's 6.12 and 7.2 kernels export it; on 5.10
 * and 6.1 kthread_compat.h supplies the same two calls, so the listing
 * builds and behaves the same on the whole matrix.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/completion.h>
#include <linux/kthread.h>
#include <linux/module.h>
#include <linux/rcupdate.h>
#include <linux/sched/task.h>

/*
 * The init returns once the thread has said its first line, so that line
 * comes before the shell's next step however busy the host is.
 */
static DECLARE_COMPLETION(printed);

#include "kthread_compat.h"

static struct task_struct *oneshot;

static int oneshot_fn(void *data)
{
	pr_info("one-shot work done, thread returns 3\n");
	complete(&printed);
	return 3;
}

static int __init oneshot_stop_put_init(void)
{
	oneshot = kthread_create(oneshot_fn, NULL, "oneshot_put");
	if (IS_ERR(oneshot))
		return PTR_ERR(oneshot);

	get_task_struct(oneshot);
	wake_up_process(oneshot);
	wait_for_completion(&printed);
	return 0;
}

static void __exit oneshot_stop_put_exit(void)
{
	/* As in the broken listing: let pending RCU frees happen first. */
	rcu_barrier();
	pr_info("exit: kthread_stop_put returned %d\n",
		kthread_stop_put(oneshot));
}

module_init(oneshot_stop_put_init);
module_exit(oneshot_stop_put_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("Stop a finished one-shot kthread with kthread_stop_put()");
MODULE_AUTHOR("The kthread book");
