// SPDX-License-Identifier: GPL-2.0
/*
 * fifo_hog: a SCHED_FIFO thread that never sleeps, and what is left of the
 * CPU for a SCHED_NORMAL thread beside it.
 *
 * A real-time task runs until it sleeps or yields to a task of higher
 * priority: a SCHED_NORMAL task on the same CPU gets only what the kernel
 * sets aside.  On 5.10 and 6.1 that is real-time throttling (rt.c: RT tasks
 * get sched_rt_runtime_us of every sched_rt_period_us, 950000 of 1000000;
 * -1 turns it off); on 6.12 and later the fair server (deadline.c: 50 ms of
 * every 1000 ms for SCHED_NORMAL tasks, whatever sched_rt_runtime_us says).
 *
 * The hog loops for two seconds with cond_resched() in the loop, so that
 * the scheduler can switch away from it whenever it asks to - the loop is
 * as polite as a loop that never sleeps can be.  Beside it a SCHED_NORMAL
 * thread wakes every 10 ms and counts its wake-ups; init reports whether
 * it woke at all while the hog ran, not how often (that depends on the
 * host's speed).
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/atomic.h>
#include <linux/completion.h>
#include <linux/delay.h>
#include <linux/err.h>
#include <linux/kthread.h>
#include <linux/ktime.h>
#include <linux/module.h>
#include <linux/sched.h>

static DECLARE_COMPLETION(victim_started);
static DECLARE_COMPLETION(hog_done);
static atomic_t victim_wakeups = ATOMIC_INIT(0);
static atomic_t during_hog = ATOMIC_INIT(0);
static struct task_struct *victim;

static int victim_fn(void *data)
{
	complete(&victim_started);
	while (!kthread_should_stop()) {
		msleep(10);
		atomic_inc(&victim_wakeups);
	}
	return 0;
}

static int hog_fn(void *data)
{
	ktime_t end = ktime_add_ms(ktime_get(), 2000);
	int before = atomic_read(&victim_wakeups);

	/* Never sleeps: only cond_resched() lets anything else run. */
	while (ktime_before(ktime_get(), end)) {
		cond_resched();
		cpu_relax();
	}
	atomic_set(&during_hog, atomic_read(&victim_wakeups) - before);
	complete(&hog_done);
	return 0;
}

static int __init fifo_hog_init(void)
{
	struct task_struct *hog;

	victim = kthread_run(victim_fn, NULL, "normal_victim");
	if (IS_ERR(victim))
		return PTR_ERR(victim);
	wait_for_completion(&victim_started);

	hog = kthread_create(hog_fn, NULL, "fifo_hog");
	if (IS_ERR(hog)) {
		kthread_stop(victim);
		return PTR_ERR(hog);
	}
	sched_set_fifo(hog);
	wake_up_process(hog);
	wait_for_completion(&hog_done);

	pr_info("the SCHED_NORMAL thread woke while the FIFO loop ran: %s\n",
		atomic_read(&during_hog) > 0 ? "yes" : "no");
	return 0;
}

static void __exit fifo_hog_exit(void)
{
	kthread_stop(victim);
}

module_init(fifo_hog_init);
module_exit(fifo_hog_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("A SCHED_FIFO thread that never sleeps, beside a SCHED_NORMAL one");
MODULE_AUTHOR("The kthread book");
