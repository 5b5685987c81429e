// SPDX-License-Identifier: GPL-2.0
/*
 * fifo_thread: two real-time threads, one that accepts SIGTERM and one
 * that does not, and what kill does to each.
 *
 * Policy: sched_set_fifo() gives SCHED_FIFO at MAX_RT_PRIO / 2 (50), the
 * level the kernel uses for threads that must run ahead of normal work;
 * sched_set_fifo_low() gives priority 1, just above every SCHED_NORMAL
 * task (kernel/sched/core.c on 5.10 and 6.1, kernel/sched/syscalls.c from
 * 6.12).  These two and sched_set_normal() are what
 * 5.9 exports in place of sched_setscheduler(); of the matrix, only 6.1 and
 * later let a GPL module pick another priority, through
 * sched_setattr_nocheck() (Module.symvers).
 *
 * Signals: every kthread starts with every signal ignored (kthreadd()
 * calls ignore_signals(), and a child copies its handlers,
 * copy_sighand(), kernel/fork.c); a signal whose handler is SIG_IGN is
 * dropped when it is sent (sig_task_ignored(), kernel/signal.c), even
 * SIGKILL, and kill(2) still reports success.  allow_signal() (inline in
 * include/linux/signal.h) installs SIG_KTHREAD for one signal, so it
 * is queued, wakes an interruptible sleep and shows as signal_pending();
 * the thread must take it off the queue itself (kernel_dequeue_signal()),
 * nothing else does for a kthread.
 *
 * Both threads are real-time and the guest has one CPU: the shell whose
 * kill(2) wakes rt_listener is preempted by it (check_preempt_curr(),
 * wakeup_preempt() from 6.12; at the latest on the way back to user mode),
 * so its line comes before kill returns to the shell, without a sleep.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/err.h>
#include <linux/kthread.h>
#include <linux/module.h>
#include <linux/sched.h>
#include <linux/sched/signal.h>
#include <linux/wait.h>

static DECLARE_WAIT_QUEUE_HEAD(wq);
static struct task_struct *deaf, *listener;

static bool sig_queued(int sig)
{
	return sigismember(&current->pending.signal, sig) ||
	       sigismember(&current->signal->shared_pending.signal, sig);
}

static int deaf_fn(void *data)
{
	sched_set_fifo(current);
	/* Nothing but kthread_stop() can end this wait: signals are dropped. */
	wait_event_interruptible(wq, kthread_should_stop());
	/*
	 * kill(2) queues on the shared set: both sets are looked at.
	 * signal_pending() is not the test: from 6.1 kthread_stop() sets
	 * TIF_NOTIFY_SIGNAL (kernel/kthread.c), which it also reports.
	 */
	pr_info("rt_deaf: stopping, SIGTERM or SIGKILL queued: %s, signal_pending(): %s\n",
		sig_queued(SIGTERM) || sig_queued(SIGKILL) ? "yes" : "no",
		signal_pending(current) ? "yes" : "no");
	return 0;
}

static int listener_fn(void *data)
{
	sched_set_fifo_low(current);
	allow_signal(SIGTERM);
	while (!kthread_should_stop()) {
		if (wait_event_interruptible(wq, kthread_should_stop())) {
			/* -ERESTARTSYS: a signal is pending. */
			pr_info("rt_listener: woken, dequeued signal %d (SIGTERM is %d)\n",
				kernel_dequeue_signal(), SIGTERM);
		}
	}
	pr_info("rt_listener: stopping\n");
	return 0;
}

static int __init fifo_thread_init(void)
{
	deaf = kthread_run(deaf_fn, NULL, "rt_deaf");
	if (IS_ERR(deaf))
		return PTR_ERR(deaf);
	listener = kthread_run(listener_fn, NULL, "rt_listener");
	if (IS_ERR(listener)) {
		kthread_stop(deaf);
		return PTR_ERR(listener);
	}
	return 0;
}

static void __exit fifo_thread_exit(void)
{
	kthread_stop(listener);
	kthread_stop(deaf);
	pr_info("unloaded\n");
}

module_init(fifo_thread_init);
module_exit(fifo_thread_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("SCHED_FIFO kthreads, and what kill does with and without allow_signal()");
