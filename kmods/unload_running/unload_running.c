// SPDX-License-Identifier: GPL-2.0
/*
 * unload_running: BROKEN LISTING - module exit does not stop the thread
 * (article 003, second program).
 *
 * Refutes SEEDS claim 3.5 ("unloading without stopping the thread is
 * acceptable").  The thread counts up to 30, one line every 1.5 s here
 * (slowed down so that the unload surely finds it running), and returns
 * the count.  Module exit only prints.  rmmod succeeds: nothing ties a
 * kthread to the module whose code it runs, and a kthread holds no
 * reference on that module.  free_module() (kernel/module/main.c;
 * kernel/module.c on 5.10) then frees the module's text and data while
 * the thread sleeps in msleep() called from that text.  When msleep()
 * returns, the CPU fetches the next instruction from freed, unmapped
 * memory: the kernel oopses in the thread, with no symbol left to name
 * in the RIP line.
 *
 * Timing is the point, so the scenario is ordered by sleeps: lines at
 * 0 and 1.5 s, rmmod at about 2 s, the thread wakes at 3 s.  Only the
 * first line is ordered by a completion: init waits for it, so it comes
 * before insmod returns however busy the host is.  The fix is
 * kthread_stop() in module exit (ssleep_printer.c), or a completion with
 * kthread_complete_and_exit() (oneshot_completion.c) for a thread that
 * ends by itself.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/completion.h>
#include <linux/delay.h>
#include <linux/kthread.h>
#include <linux/module.h>

#define MAX_LINES 30

static DECLARE_COMPLETION(first_line);

static int counter_fn(void *data)
{
	int count = 0;

	while (count < MAX_LINES && !kthread_should_stop()) {
		pr_info("count %d\n", count++);
		if (count == 1)
			complete(&first_line);
		msleep(1500);
	}
	return count;
}

static int __init unload_running_init(void)
{
	struct task_struct *task;

	task = kthread_create(counter_fn, NULL, "unload_running");
	if (IS_ERR(task))
		return PTR_ERR(task);

	wake_up_process(task);
	wait_for_completion(&first_line);
	return 0;
}

/* The bug: the thread is still running module code, and nobody stops it. */
static void __exit unload_running_exit(void)
{
	pr_info("exit: returning without stopping the thread\n");
}

module_init(unload_running_init);
module_exit(unload_running_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("Broken: module exit leaves its kthread running");
MODULE_AUTHOR("The kthread book");
