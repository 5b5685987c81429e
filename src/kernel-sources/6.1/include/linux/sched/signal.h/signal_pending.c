/* Cut from Debian's kernel source by `cargo run -p verify -- sources --update`; do not edit.
 * kernel: 6.1
 * release: 6.1.0-57-cloud-amd64
 * package: linux-source-6.1 6.1.192-3
 * url: http://deb.debian.org/debian-security/pool/updates/main/l/linux/linux-source-6.1_6.1.192-3_all.deb
 * sha256: 5259c57ca92092da39bd2ea803046da0e3c28f2b6a11ea20f6297468188ceb67
 * wanted: include/linux/sched/signal.h signal_pending
 * looked in: include/linux/sched/signal.h
 * kind: function
 * file: include/linux/sched/signal.h
 * lines: 413-425
 */
static inline int signal_pending(struct task_struct *p)
{
	/*
	 * TIF_NOTIFY_SIGNAL isn't really a signal, but it requires the same
	 * behavior in terms of ensuring that we break out of wait loops
	 * so that notify signal callbacks can be processed. Not for a task
	 * that asked not to be interrupted by it, see no_notify_signal_save().
	 */
	if (unlikely(test_tsk_thread_flag(p, TIF_NOTIFY_SIGNAL)) &&
	    likely(!(READ_ONCE(p->flags) & PF_NO_NOTIFY_SIGNAL)))
		return 1;
	return task_sigpending(p);
}
