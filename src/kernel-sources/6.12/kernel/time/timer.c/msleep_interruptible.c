/* Cut from Debian's kernel source by `cargo run -p verify -- sources --update`; do not edit.
 * kernel: 6.12
 * release: 6.12.117+deb13-cloud-amd64
 * package: linux-source-6.12 6.12.117-1
 * url: http://deb.debian.org/debian/pool/main/l/linux/linux-source-6.12_6.12.117-1_all.deb
 * sha256: 9141325315c7f1eca682113d185a8c77c82814aa6e32f7e127e61d6106403835
 * wanted: kernel/time/timer.c msleep_interruptible
 * looked in: kernel/time/timer.c kernel/time/sleep_timeout.c
 * kind: function
 * file: kernel/time/timer.c
 * lines: 2782-2789
 */
unsigned long msleep_interruptible(unsigned int msecs)
{
	unsigned long timeout = msecs_to_jiffies(msecs);

	while (timeout && !signal_pending(current))
		timeout = schedule_timeout_interruptible(timeout);
	return jiffies_to_msecs(timeout);
}
