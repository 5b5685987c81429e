/* Cut from Debian's kernel source by `cargo run -p verify -- sources --update`; do not edit.
 * kernel: 5.10
 * release: 5.10.0-32-cloud-amd64
 * package: linux-source-5.10 5.10.223-1
 * url: http://deb.debian.org/debian/pool/main/l/linux/linux-source-5.10_5.10.223-1_all.deb
 * sha256: f733d27d239d65598d96d7a72f71ac50f49f2380192a1b3b4ca2f5ad5144dd63
 * wanted: include/linux/sched/signal.h signal_pending_state
 * looked in: include/linux/sched/signal.h
 * kind: function
 * file: include/linux/sched/signal.h
 * lines: 384-392
 */
static inline int signal_pending_state(long state, struct task_struct *p)
{
	if (!(state & (TASK_INTERRUPTIBLE | TASK_WAKEKILL)))
		return 0;
	if (!signal_pending(p))
		return 0;

	return (state & TASK_INTERRUPTIBLE) || __fatal_signal_pending(p);
}
