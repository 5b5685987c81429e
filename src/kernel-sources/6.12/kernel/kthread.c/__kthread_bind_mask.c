/* Cut from Debian's kernel source by `cargo run -p verify -- sources --update`; do not edit.
 * kernel: 6.12
 * release: 6.12.117+deb13-cloud-amd64
 * package: linux-source-6.12 6.12.117-1
 * url: http://deb.debian.org/debian/pool/main/l/linux/linux-source-6.12_6.12.117-1_all.deb
 * sha256: 9141325315c7f1eca682113d185a8c77c82814aa6e32f7e127e61d6106403835
 * wanted: kernel/kthread.c __kthread_bind_mask
 * looked in: kernel/kthread.c
 * kind: function
 * file: kernel/kthread.c
 * lines: 520-534
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
