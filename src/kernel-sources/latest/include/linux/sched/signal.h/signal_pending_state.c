/* Cut from Debian's kernel source by `cargo run -p verify -- sources --update`; do not edit.
 * kernel: latest
 * release: 7.2.13+deb14-cloud-amd64
 * package: linux-source-7.2 7.2.13-1
 * url: http://deb.debian.org/debian/pool/main/l/linux/linux-source-7.2_7.2.13-1_all.deb
 * sha256: 30a8c5fc63f9028a62e6d7b3f7f43bee67425dbce2a05fceba83f9b87c92083d
 * wanted: include/linux/sched/signal.h signal_pending_state
 * looked in: include/linux/sched/signal.h
 * kind: function
 * file: include/linux/sched/signal.h
 * lines: 409-417
 */
static inline int signal_pending_state(unsigned int state, struct task_struct *p)
{
	if (!(state & (TASK_INTERRUPTIBLE | TASK_WAKEKILL)))
		return 0;
	if (!signal_pending(p))
		return 0;

	return (state & TASK_INTERRUPTIBLE) || __fatal_signal_pending(p);
}
