// SPDX-License-Identifier: GPL-2.0
/*
 * stop_race_count: how often does the thread function run when
 * kthread_stop() follows kthread_run() at once, on two CPUs?
 *
 * kthread() (kernel/kthread.c) tests KTHREAD_SHOULD_STOP once, after the
 * new thread's first wake-up and before it calls the thread function.
 * kthread_run() wakes the thread, and kthread_stop() sets the flag: on
 * two CPUs the thread may be woken on the other one and get past that
 * test first, and then kthread_stop() returns the function's value (0)
 * instead of -EINTR.  Nothing here orders the two: init makes `pairs'
 * kthread_run() + kthread_stop() pairs and counts the pairs in which the
 * function ran.  The count differs from run to run; the book shows the
 * count of each kernel's verified run.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/kthread.h>
#include <linux/module.h>
#include <linux/sched.h>

static unsigned int pairs = 10000;
module_param(pairs, uint, 0444);
MODULE_PARM_DESC(pairs, "kthread_run() + kthread_stop() pairs to make");

static int thread_fn(void *data)
{
	bool *ran = data;

	WRITE_ONCE(*ran, true);
	for (;;) {
		set_current_state(TASK_INTERRUPTIBLE);
		if (kthread_should_stop())
			break;
		schedule();
	}
	__set_current_state(TASK_RUNNING);
	return 0;
}

static int __init stop_race_count_init(void)
{
	unsigned int i, ran = 0, odd = 0;

	for (i = 0; i < pairs; i++) {
		struct task_struct *task;
		bool fn_ran = false;
		int ret;

		task = kthread_run(thread_fn, &fn_ran, "stop_race_count");
		if (IS_ERR(task))
			return PTR_ERR(task);
		ret = kthread_stop(task);
		/* kthread_stop() waited for the exit: fn_ran is final. */
		if (fn_ran)
			ran++;
		if (ret != (fn_ran ? 0 : -EINTR))
			odd++;
	}
	pr_info("ran=%u/%u\n", ran, pairs);
	if (odd)
		pr_info("%u pairs returned something else than 0 after a run or -EINTR without one\n",
			odd);
	else
		pr_info("kthread_stop() returned 0 after each run of the function, -EINTR (-4) otherwise\n");
	return 0;
}

static void __exit stop_race_count_exit(void)
{
}

module_init(stop_race_count_init);
module_exit(stop_race_count_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("How often kthread_stop() right after kthread_run() lets the function run");
MODULE_AUTHOR("The kthread book");
