/* Cut from Debian's kernel source by `cargo run -p verify -- sources --update`; do not edit.
 * kernel: latest
 * release: 7.2.13+deb14-cloud-amd64
 * package: linux-source-7.2 7.2.13-1
 * url: http://deb.debian.org/debian/pool/main/l/linux/linux-source-7.2_7.2.13-1_all.deb
 * sha256: 30a8c5fc63f9028a62e6d7b3f7f43bee67425dbce2a05fceba83f9b87c92083d
 * wanted: kernel/kthread.c kthread_exit
 * looked in: kernel/kthread.c include/linux/kthread.h
 * kind: macro
 * file: include/linux/kthread.h
 * lines: 119-119
 */
#define kthread_exit(result) do_exit(result)
