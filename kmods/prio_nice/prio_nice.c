// SPDX-License-Identifier: GPL-2.0
/*
 * prio_nice: a SCHED_FIFO kthread brought back to SCHED_NORMAL with
 * sched_set_normal(), then given another nice value with set_user_nice().
 *
 * sched_set_normal(p, nice) (GPL export, kernel/sched/core.c on 5.10 and
 * 6.1, kernel/sched/syscalls.c from 6.12) sets SCHED_NORMAL with that nice
 * value through sched_setattr_nocheck(), from any policy.  set_user_nice(p,
 * nice) (export, same files) changes only the nice value; it checks no
 * permission, which is the caller's job (can_nice() for the syscalls).
 *
 * The shell drives the changes through two write-only parameters, so that
 * `show` can look at the thread between them:
 *   echo N > /sys/module/prio_nice/parameters/normal   sched_set_normal(N)
 *   echo N > /sys/module/prio_nice/parameters/nice     set_user_nice(N)
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/err.h>
#include <linux/kernel.h>
#include <linux/kthread.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/sched.h>
#include <linux/wait.h>

static DECLARE_WAIT_QUEUE_HEAD(wq);
static struct task_struct *task;

static int prio_fn(void *data)
{
	wait_event_interruptible(wq, kthread_should_stop());
	return 0;
}

static int get_nice(const char *val, int *nice)
{
	int err = kstrtoint(val, 0, nice);

	if (err)
		return err;
	if (*nice < MIN_NICE || *nice > MAX_NICE)
		return -EINVAL;
	return task ? 0 : -ENODEV;
}

static int normal_set(const char *val, const struct kernel_param *kp)
{
	int nice, err = get_nice(val, &nice);

	if (err)
		return err;
	sched_set_normal(task, nice);
	return 0;
}

static int nice_set(const char *val, const struct kernel_param *kp)
{
	int nice, err = get_nice(val, &nice);

	if (err)
		return err;
	set_user_nice(task, nice);
	return 0;
}

static const struct kernel_param_ops normal_ops = {
	.set = normal_set,
};
module_param_cb(normal, &normal_ops, NULL, 0200);
MODULE_PARM_DESC(normal, "sched_set_normal() the thread with this nice value");

static const struct kernel_param_ops nice_ops = {
	.set = nice_set,
};
module_param_cb(nice, &nice_ops, NULL, 0200);
MODULE_PARM_DESC(nice, "set_user_nice() the thread to this value");

static int __init prio_nice_init(void)
{
	struct task_struct *t;

	t = kthread_create(prio_fn, NULL, "prio_nice");
	if (IS_ERR(t))
		return PTR_ERR(t);
	sched_set_fifo(t);
	task = t;
	wake_up_process(t);
	return 0;
}

static void __exit prio_nice_exit(void)
{
	kthread_stop(task);
	pr_info("unloaded\n");
}

module_init(prio_nice_init);
module_exit(prio_nice_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("sched_set_normal() and set_user_nice() on a kthread");
