// SPDX-License-Identifier: GPL-2.0
/*
 * A thread function with a 4 KiB buffer on its stack.
 *
 * A kernel thread runs on a kernel stack of THREAD_SIZE, 16 KiB on x86-64
 * (arch/x86/include/asm/page_64_types.h), shared with every function it
 * calls and, on some kernels, with the interrupts it takes. The kernel
 * warns about any function whose frame is larger than CONFIG_FRAME_WARN
 * bytes (-Wframe-larger-than; 2048 in the Debian configs of the matrix).
 * The module builds, but the warning is the point: put such a buffer in
 * kmalloc()ed memory or in a static variable instead.
 */
#include <linux/kthread.h>
#include <linux/module.h>
#include <linux/string.h>

static struct task_struct *task;

static int big_frame_fn(void *data)
{
	char buf[4096];

	memset(buf, 'x', sizeof(buf));
	buf[sizeof(buf) - 1] = '\0';
	pr_info("filled %zu bytes on the stack\n", strlen(buf));
	while (!kthread_should_stop()) {
		set_current_state(TASK_INTERRUPTIBLE);
		if (kthread_should_stop())
			break;
		schedule();
	}
	__set_current_state(TASK_RUNNING);
	return 0;
}

static int __init big_stack_frame_init(void)
{
	task = kthread_run(big_frame_fn, NULL, "big_frame");
	return PTR_ERR_OR_ZERO(task);
}

static void __exit big_stack_frame_exit(void)
{
	kthread_stop(task);
}

module_init(big_stack_frame_init);
module_exit(big_stack_frame_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("A thread function with a stack frame over CONFIG_FRAME_WARN");
