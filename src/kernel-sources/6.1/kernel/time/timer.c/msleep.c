/* Cut from Debian's kernel source by `cargo run -p verify -- sources --update`; do not edit.
 * kernel: 6.1
 * release: 6.1.0-57-cloud-amd64
 * package: linux-source-6.1 6.1.192-3
 * url: http://deb.debian.org/debian-security/pool/updates/main/l/linux/linux-source-6.1_6.1.192-3_all.deb
 * sha256: 5259c57ca92092da39bd2ea803046da0e3c28f2b6a11ea20f6297468188ceb67
 * wanted: kernel/time/timer.c msleep
 * looked in: kernel/time/timer.c kernel/time/sleep_timeout.c
 * kind: function
 * file: kernel/time/timer.c
 * lines: 2319-2325
 */
void msleep(unsigned int msecs)
{
	unsigned long timeout = msecs_to_jiffies(msecs) + 1;

	while (timeout)
		timeout = schedule_timeout_uninterruptible(timeout);
}
