// SPDX-License-Identifier: GPL-2.0
/*
 * Broken: a thread function that returns void.
 *
 * kthread_create() takes int (*threadfn)(void *data): the thread's exit
 * code is the function's return value, and kthread_stop() hands it to the
 * caller (kernel/kthread.c, kthread()). A function that returns nothing has
 * another type, and the compiler says so. The kernel's build makes that an
 * error on every kernel of the matrix (-Werror=incompatible-pointer-types:
 * in the top-level Makefile on 5.10 and 6.1, scripts/Makefile.extrawarn on
 * 6.12, scripts/Makefile.warn on the newest; GCC 14 and later make it an
 * error by themselves), so the module never builds: the build error is the
 * evidence.
 */
#include <linux/delay.h>
#include <linux/kthread.h>
#include <linux/module.h>

static struct task_struct *task;

static void ticker_fn(void *data)
{
	while (!kthread_should_stop())
		msleep(100);
}

static int __init void_thread_fn_init(void)
{
	task = kthread_run(ticker_fn, NULL, "void_ticker");
	return PTR_ERR_OR_ZERO(task);
}

static void __exit void_thread_fn_exit(void)
{
	kthread_stop(task);
}

module_init(void_thread_fn_init);
module_exit(void_thread_fn_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("A thread function of the wrong type: a build error");
