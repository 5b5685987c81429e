/* Cut from Debian's kernel source by `cargo run -p verify -- sources --update`; do not edit.
 * kernel: latest
 * release: 7.2.13+deb14-cloud-amd64
 * package: linux-source-7.2 7.2.13-1
 * url: http://deb.debian.org/debian/pool/main/l/linux/linux-source-7.2_7.2.13-1_all.deb
 * sha256: 30a8c5fc63f9028a62e6d7b3f7f43bee67425dbce2a05fceba83f9b87c92083d
 * wanted: kernel/kthread.c __kthread_bind_mask
 * looked in: kernel/kthread.c
 * kind: function
 * file: kernel/kthread.c
 * lines: 566-578
 */
static void __kthread_bind_mask(struct task_struct *p, const struct cpumask *mask, unsigned int state)
{
	if (!wait_task_inactive(p, state)) {
		WARN_ON(1);
		return;
	}

	scoped_guard (raw_spinlock_irqsave, &p->pi_lock)
		set_cpus_allowed_force(p, mask);

	/* It's safe because the task is inactive. */
	p->flags |= PF_NO_SETAFFINITY;
}
