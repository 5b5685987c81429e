// SPDX-License-Identifier: GPL-2.0
/*
 * signal_then_disallow: allow_signal() opens the door for one signal,
 * disallow_signal() closes it again - and throws away the signal that is
 * already queued.
 *
 * Both are inline in include/linux/signal.h on all four kernels and call
 * kernel_sigaction() (kernel/signal.c): allow_signal(sig) sets the
 * handler to SIG_KTHREAD, disallow_signal(sig) to SIG_IGN.  For SIG_IGN,
 * kernel_sigaction() also removes sig from both of the thread's queues
 * (flush_sigqueue_mask()) and calls recalc_sigpending(), which clears
 * TIF_SIGPENDING when nothing else is queued.  A signal sent after that is
 * dropped when it is sent: sig_task_ignored() finds SIG_IGN.
 *
 * The thread is SCHED_FIFO (sched_set_fifo_low()): on the guest's one CPU
 * the woken thread preempts the SCHED_NORMAL shell whose kill(2) woke it,
 * so its lines come before `pkill` returns, on every run.  It does not
 * dequeue the first signal: disallow_signal() is what removes it.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/completion.h>
#include <linux/err.h>
#include <linux/kthread.h>
#include <linux/module.h>
#include <linux/sched.h>
#include <linux/sched/signal.h>
#include <linux/wait.h>

static DECLARE_WAIT_QUEUE_HEAD(wq);
static DECLARE_COMPLETION(ready);
static struct task_struct *task;

static const char *usr1_queued(void)
{
	return sigismember(&current->pending.signal, SIGUSR1) ||
	       sigismember(&current->signal->shared_pending.signal, SIGUSR1) ?
	       "yes" : "no";
}

static int gate_fn(void *data)
{
	int ret;

	sched_set_fifo_low(current);
	allow_signal(SIGUSR1);
	complete(&ready);

	/* Only a signal or kthread_stop() ends this wait. */
	ret = wait_event_interruptible(wq, kthread_should_stop());
	pr_info("woken: wait returned %d, signal_pending(): %d, SIGUSR1 queued: %s\n",
		ret, signal_pending(current), usr1_queued());

	disallow_signal(SIGUSR1);
	pr_info("after disallow_signal(SIGUSR1): signal_pending(): %d, SIGUSR1 queued: %s\n",
		signal_pending(current), usr1_queued());

	/* A second SIGUSR1 is dropped: this wait ends at kthread_stop(). */
	ret = wait_event_interruptible(wq, kthread_should_stop());
	pr_info("stopping: wait returned %d, SIGUSR1 queued: %s\n",
		ret, usr1_queued());
	return 0;
}

static int __init signal_then_disallow_init(void)
{
	task = kthread_run(gate_fn, NULL, "sig_gate");
	if (IS_ERR(task))
		return PTR_ERR(task);
	/* allow_signal() has run: the first pkill is queued. */
	wait_for_completion(&ready);
	return 0;
}

static void __exit signal_then_disallow_exit(void)
{
	kthread_stop(task);
	pr_info("unloaded\n");
}

module_init(signal_then_disallow_init);
module_exit(signal_then_disallow_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("disallow_signal() drops the queued signal and every later one");
MODULE_AUTHOR("The kthread book");
