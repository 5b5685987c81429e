/* SPDX-License-Identifier: GPL-2.0 */
/*
 * kthread_compat.h - one spelling of the kthread API on every kernel of
 * the book's matrix (Debian 5.10, 6.1, 6.12 and the newest sid kernel).
 *
 * verify copies this file next to each listing's sources, so a listing
 * says #include "kthread_compat.h" and calls the newest names:
 *
 * kthread_complete_and_exit(comp, code)
 *	Upstream 5.17 renamed complete_and_exit() to
 *	kthread_complete_and_exit() and moved it from <linux/kernel.h> to
 *	<linux/kthread.h> (kernel/kthread.c).  Debian's 5.10 headers have
 *	only the old name; 6.1 and later only the new one.
 *
 * kthread_stop_put(k)
 *	kthread_stop() followed by put_task_struct(), for callers that took
 *	their own reference with get_task_struct().  Added in 6.7 and
 *	backported to some 6.6.y releases, so a version test cannot tell
 *	for sure whether a 6.6 kernel has it.  Below 6.7 this header
 *	supplies its own copy under another name and points the API name at
 *	it with a macro: that never collides with a backported declaration.
 *
 * The version tests were checked against the headers of the matrix:
 * kthread_stop_put is declared in include/linux/kthread.h on 6.12 and
 * 7.2 but not on 5.10 or 6.1; complete_and_exit in include/linux/kernel.h
 * on 5.10 only.
 */
#ifndef KTHREAD_COMPAT_H
#define KTHREAD_COMPAT_H

#include <linux/completion.h>
#include <linux/kernel.h>
#include <linux/kthread.h>
#include <linux/sched/task.h>
#include <linux/version.h>

#if LINUX_VERSION_CODE < KERNEL_VERSION(5, 17, 0)
#define kthread_complete_and_exit(comp, code) complete_and_exit(comp, code)
#endif

#if LINUX_VERSION_CODE < KERNEL_VERSION(6, 7, 0)
static inline int kthread_compat_stop_put(struct task_struct *k)
{
	int ret = kthread_stop(k);

	put_task_struct(k);
	return ret;
}
#define kthread_stop_put(k) kthread_compat_stop_put(k)
#endif

#endif /* KTHREAD_COMPAT_H */
