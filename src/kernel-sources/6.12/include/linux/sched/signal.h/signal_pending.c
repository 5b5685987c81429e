/* Cut from Debian's kernel source by `cargo run -p verify -- sources --update`; do not edit.
 * kernel: 6.12
 * release: 6.12.117+deb13-cloud-amd64
 * package: linux-source-6.12 6.12.117-1
 * url: http://deb.debian.org/debian/pool/main/l/linux/linux-source-6.12_6.12.117-1_all.deb
 * sha256: 9141325315c7f1eca682113d185a8c77c82814aa6e32f7e127e61d6106403835
 * wanted: include/linux/sched/signal.h signal_pending
 * looked in: include/linux/sched/signal.h
 * kind: function
 * file: include/linux/sched/signal.h
 * lines: 404-416
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
