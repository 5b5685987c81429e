/* Cut from Debian's kernel source by `cargo run -p verify -- sources --update`; do not edit.
 * kernel: 6.1
 * release: 6.1.0-57-cloud-amd64
 * package: linux-source-6.1 6.1.192-3
 * url: http://deb.debian.org/debian-security/pool/updates/main/l/linux/linux-source-6.1_6.1.192-3_all.deb
 * sha256: 5259c57ca92092da39bd2ea803046da0e3c28f2b6a11ea20f6297468188ceb67
 * wanted: kernel/kthread.c __kthread_bind_mask
 * looked in: kernel/kthread.c
 * kind: function
 * file: kernel/kthread.c
 * lines: 519-533
 */
static void __kthread_bind_mask(struct task_struct *p, const struct cpumask *mask, unsigned int state)
{
	unsigned long flags;

	if (!wait_task_inactive(p, state)) {
		WARN_ON(1);
		return;
	}

	/* It's safe because the task is inactive. */
	raw_spin_lock_irqsave(&p->pi_lock, flags);
	do_set_cpus_allowed(p, mask);
	p->flags |= PF_NO_SETAFFINITY;
	raw_spin_unlock_irqrestore(&p->pi_lock, flags);
}
