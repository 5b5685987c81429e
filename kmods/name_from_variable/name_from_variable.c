// SPDX-License-Identifier: GPL-2.0
/*
 * name_from_variable: BROKEN LISTING - a thread's name passed as the
 * format string.
 *
 * kthread_create() and kthread_run() take a printf-style format and its
 * arguments for the thread's name (kthread_create_on_node(), formatted with
 * vsnprintf()).  A name taken from a variable - a device name, a module
 * parameter - and passed as the format is interpreted: every `%` in it is a
 * conversion.  The first thread below makes that mistake, the second passes
 * the name as the argument of "%s".  The kernel's build does not catch it:
 * its Makefiles turn -Wformat-security off (-Wno-format-security), even
 * with W=1.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/completion.h>
#include <linux/err.h>
#include <linux/kthread.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/sched.h>

static char *name = "worker";
module_param(name, charp, 0444);
MODULE_PARM_DESC(name, "the name both threads are given");

static struct task_struct *wrong, *right;

static int idle_fn(void *data)
{
	while (!kthread_should_stop()) {
		set_current_state(TASK_INTERRUPTIBLE);
		if (!kthread_should_stop())
			schedule();
		__set_current_state(TASK_RUNNING);
	}
	return 0;
}

static int __init name_from_variable_init(void)
{
	char comm[TASK_COMM_LEN];

	pr_info("name parameter: \"%s\"\n", name);

	/* The bug: the name is the format. */
	wrong = kthread_create(idle_fn, NULL, name);
	if (IS_ERR(wrong))
		return PTR_ERR(wrong);
	right = kthread_create(idle_fn, NULL, "%s", name);
	if (IS_ERR(right)) {
		kthread_stop(wrong);
		return PTR_ERR(right);
	}

	pr_info("kthread_create(fn, data, name) named it \"%s\"\n",
		get_task_comm(comm, wrong));
	pr_info("kthread_create(fn, data, \"%%s\", name) named it \"%s\"\n",
		get_task_comm(comm, right));
	return 0;
}

static void __exit name_from_variable_exit(void)
{
	/* Never woken: kthread_stop() ends them before their function runs. */
	kthread_stop(wrong);
	kthread_stop(right);
}

module_init(name_from_variable_init);
module_exit(name_from_variable_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("Broken: a kthread's name passed as the format string");
MODULE_AUTHOR("The kthread book");
