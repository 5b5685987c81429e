// SPDX-License-Identifier: GPL-2.0
/*
 * data_and_func: what a task_struct says about the kthread it is.
 *
 * kthread_data(task) returns the data pointer given to kthread_create(),
 * and kthread_func(task) the thread function; both read the struct kthread
 * that kthread_create() attached to the task.  Code that is handed only a
 * task_struct - a callback, a tracer - can find its way back to its own
 * state through them.  kthread_func() checks that the task is a kthread
 * and returns NULL for any other task; kthread_data() only warns, reads
 * anyway, and must be called only on a kthread.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/completion.h>
#include <linux/err.h>
#include <linux/kthread.h>
#include <linux/module.h>
#include <linux/sched.h>

struct demo_state {
	const char *label;
};

static struct demo_state state = { .label = "the demo's state" };
static struct task_struct *task;

static int demo_fn(void *data)
{
	while (!kthread_should_stop()) {
		set_current_state(TASK_INTERRUPTIBLE);
		if (!kthread_should_stop())
			schedule();
		__set_current_state(TASK_RUNNING);
	}
	return 0;
}

static int __init data_and_func_init(void)
{
	struct demo_state *found;

	task = kthread_create(demo_fn, &state, "data_func_demo");
	if (IS_ERR(task))
		return PTR_ERR(task);

	found = kthread_data(task);
	pr_info("kthread_data(task) is the pointer given: %s (\"%s\")\n",
		found == &state ? "yes" : "no", found->label);
	pr_info("kthread_func(task) is %ps\n", kthread_func(task));
	pr_info("kthread_func(current), insmod: %s\n",
		kthread_func(current) ? "non-NULL" : "NULL");

	wake_up_process(task);
	return 0;
}

static void __exit data_and_func_exit(void)
{
	kthread_stop(task);
}

module_init(data_and_func_init);
module_exit(data_and_func_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("kthread_data() and kthread_func()");
MODULE_AUTHOR("The kthread book");
