// SPDX-License-Identifier: GPL-2.0
/*
 * park_never_parkme: kthread_park() on a thread that never calls
 * kthread_parkme().  Broken on purpose.
 *
 * kthread_park() (kernel/kthread.c) sets KTHREAD_SHOULD_PARK, wakes the
 * thread with wake_up_process(), then waits for the thread's "parked"
 * completion with wait_for_completion(): uninterruptibly and without a
 * time limit.  Only __kthread_parkme(), called by kthread_parkme() in the
 * thread (or by kthread() before the thread function starts), completes
 * it.  This thread's loop tests kthread_should_stop() only: the wake-up
 * ends its wait_event_interruptible() sleep, the condition is still false,
 * and it sleeps again.  The caller of kthread_park(), here the shell that
 * writes to the "park" parameter, stays in D state until the hung-task
 * detector reports it.
 *
 * Nothing is printed while the park is pending: the step runs in the
 * background, and a line of it could land before or after the next
 * step's line.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/completion.h>
#include <linux/err.h>
#include <linux/kthread.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/sched.h>
#include <linux/wait.h>

static struct task_struct *task;
static DECLARE_WAIT_QUEUE_HEAD(wq);
static DECLARE_COMPLETION(running);

static int deaf_fn(void *data)
{
	pr_info("thread running; it never calls kthread_parkme()\n");
	complete(&running);
	while (!kthread_should_stop())
		wait_event_interruptible(wq, kthread_should_stop());
	return 0;
}

static int park_set(const char *val, const struct kernel_param *kp)
{
	/* A value on the insmod line comes before init made the thread. */
	if (!task)
		return 0;
	/* Never returns: the thread never completes "parked". */
	return kthread_park(task);
}

static const struct kernel_param_ops park_ops = {
	.set = park_set,
};
module_param_cb(park, &park_ops, NULL, 0200);
MODULE_PARM_DESC(park, "write anything: kthread_park() the thread");

static int __init park_never_parkme_init(void)
{
	struct task_struct *t;

	t = kthread_run(deaf_fn, NULL, "deaf_parker");
	if (IS_ERR(t))
		return PTR_ERR(t);
	wait_for_completion(&running);
	task = t;
	return 0;
}

static void __exit park_never_parkme_exit(void)
{
	kthread_stop(task);
}

module_init(park_never_parkme_init);
module_exit(park_never_parkme_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("Broken: kthread_park() of a kthread that never calls kthread_parkme()");
