/* Cut from Debian's kernel source by `cargo run -p verify -- sources --update`; do not edit.
 * kernel: latest
 * release: 7.2.13+deb14-cloud-amd64
 * package: linux-source-7.2 7.2.13-1
 * url: http://deb.debian.org/debian/pool/main/l/linux/linux-source-7.2_7.2.13-1_all.deb
 * sha256: 30a8c5fc63f9028a62e6d7b3f7f43bee67425dbce2a05fceba83f9b87c92083d
 * wanted: kernel/time/timer.c msleep
 * looked in: kernel/time/timer.c kernel/time/sleep_timeout.c
 * kind: function
 * file: kernel/time/sleep_timeout.c
 * lines: 313-319
 */
void msleep(unsigned int msecs)
{
	unsigned long timeout = msecs_to_jiffies(msecs);

	while (timeout)
		timeout = schedule_timeout_uninterruptible(timeout);
}
