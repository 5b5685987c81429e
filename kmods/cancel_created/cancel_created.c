// SPDX-License-Identifier: GPL-2.0
/*
 * cancel_created: undo kthread_create() with kthread_stop().
 *
 * A thread that was created but never woken is cancelled by
 * kthread_stop(): its function is never called and the exit code is
 * -EINTR.  This is how init rolls back when a later step fails; set
 * fail_at to make creation of that thread fail with -ENOMEM.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/kthread.h>
#include <linux/module.h>
#include <linux/sched.h>

#define MAX_THREADS 8

static int nr_threads = 2;
module_param(nr_threads, int, 0444);
MODULE_PARM_DESC(nr_threads, "Number of threads to create (1-8)");

static int fail_at = -1;
module_param(fail_at, int, 0444);
MODULE_PARM_DESC(fail_at, "Index whose creation fails (-1: none)");

static struct task_struct *threads[MAX_THREADS];

static int thread_fn(void *data)
{
	/* Never woken, so this line must not appear. */
	pr_info("thread %ld ran\n", (long)data);

	for (;;) {
		set_current_state(TASK_INTERRUPTIBLE);
		if (kthread_should_stop())
			break;
		schedule();
	}
	__set_current_state(TASK_RUNNING);
	return 0;
}

/* Stop in reverse order of creation, as an unwind should. */
static void stop_threads(int count)
{
	while (count-- > 0)
		pr_info("thread %d exit code %d\n", count,
			kthread_stop(threads[count]));
}

static int __init cancel_created_init(void)
{
	struct task_struct *task;
	int i;

	if (nr_threads < 1 || nr_threads > MAX_THREADS)
		return -EINVAL;

	for (i = 0; i < nr_threads; i++) {
		if (i == fail_at)
			task = ERR_PTR(-ENOMEM);
		else
			task = kthread_create(thread_fn, (void *)(long)i,
					      "cancel/%d", i);
		if (IS_ERR(task)) {
			pr_info("creating thread %d failed: %ld\n", i,
				PTR_ERR(task));
			stop_threads(i);
			return PTR_ERR(task);
		}
		threads[i] = task;
		pr_info("created thread %d\n", i);
	}
	return 0;
}

static void __exit cancel_created_exit(void)
{
	stop_threads(nr_threads);
	pr_info("unloaded\n");
}

module_init(cancel_created_init);
module_exit(cancel_created_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("Roll back never-woken kthreads with kthread_stop()");
MODULE_AUTHOR("The kthread book");
