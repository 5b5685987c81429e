// SPDX-License-Identifier: GPL-2.0
/*
 * sigkill_allowed: allow_signal(SIGKILL) does not make a kernel thread
 * killable.  The SIGKILL is queued like any other signal; it is not even
 * "fatal" for the thread's killable waits.
 *
 * When a signal is queued, complete_signal() (kernel/signal.c, all four
 * kernels) starts a group exit only if sig_fatal() (include/linux/signal.h),
 * which needs the handler SIG_DFL; allow_signal() installed SIG_KTHREAD.
 * So nothing kills the thread, and the group exit's
 * sigaddset(&t->pending.signal, SIGKILL) does not happen either: kill(2)
 * queued the signal on the shared queue (type != PIDTYPE_PID in
 * __send_signal_locked(), __send_signal() on 5.10, kernel/signal.c), and
 * __fatal_signal_pending() (include/linux/sched/signal.h) looks at the
 * thread's own queue only.  signal_pending() is true, fatal_signal_pending()
 * is false, and signal_pending_state() lets a TASK_KILLABLE sleep go on:
 * wait_event_killable() sleeps (state D) with a SIGKILL queued, until
 * kthread_stop().
 *
 * The thread is SCHED_FIFO (sched_set_fifo_low()): on the guest's one CPU it
 * preempts the shell whose kill(2) woke it, so its lines come before pkill
 * returns, and it is asleep again when `show` looks.
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

static const char *yes_no(bool b)
{
	return b ? "yes" : "no";
}

static int killme_fn(void *data)
{
	int ret;

	sched_set_fifo_low(current);
	allow_signal(SIGKILL);
	complete(&ready);

	ret = wait_event_interruptible(wq, kthread_should_stop());
	pr_info("woken: wait_event_interruptible() returned %d, signal_pending(): %d, fatal_signal_pending(): %d\n",
		ret, signal_pending(current), fatal_signal_pending(current));
	pr_info("SIGKILL queued: on the shared queue: %s, on the thread's own: %s\n",
		yes_no(sigismember(&current->signal->shared_pending.signal, SIGKILL)),
		yes_no(sigismember(&current->pending.signal, SIGKILL)));

	/* The SIGKILL stays queued: does a killable wait end at once? */
	pr_info("calling wait_event_killable()\n");
	ret = wait_event_killable(wq, kthread_should_stop());
	pr_info("wait_event_killable() returned %d, stop requested: %s\n",
		ret, yes_no(kthread_should_stop()));
	pr_info("kernel_dequeue_signal() returned %d (SIGKILL is %d)\n",
		kernel_dequeue_signal(), SIGKILL);
	return 0;
}

static int __init sigkill_allowed_init(void)
{
	task = kthread_run(killme_fn, NULL, "sig_killme");
	if (IS_ERR(task))
		return PTR_ERR(task);
	/* allow_signal() has run: the SIGKILL from pkill is queued. */
	wait_for_completion(&ready);
	return 0;
}

static void __exit sigkill_allowed_exit(void)
{
	pr_info("kthread_stop returned %d\n", kthread_stop(task));
}

module_init(sigkill_allowed_init);
module_exit(sigkill_allowed_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("allow_signal(SIGKILL) queues SIGKILL as an ordinary signal: the thread lives, killable waits sleep on");
MODULE_AUTHOR("The kthread book");
