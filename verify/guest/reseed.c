// SPDX-License-Identifier: GPL-2.0
/*
 * The guest's reseed: a guest resumed from a saved state would otherwise
 * go on from the saved state of its random number generator, so every run
 * resumed from one state could draw the same side-channel tokens. This
 * mixes the 64 bytes on stdin (fresh from the host for each run) into the
 * input pool (RNDADDENTROPY; the bits it claims count, capped at 256, only
 * while the CRNG is not yet ready: credit_init_bits()) and makes the CRNG
 * take a new key from that pool now (RNDRESEEDCRNG, crng_reseed()); each
 * CPU re-keys from it on its next draw (crng_make_state()). All in
 * drivers/char/random.c, random_ioctl(), on every kernel of the matrix.
 */
#include <fcntl.h>
#include <linux/random.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#define SEED_BYTES 64

int main(void)
{
	struct {
		struct rand_pool_info info;
		unsigned char buf[SEED_BYTES];
	} seed;
	size_t got = 0;
	int fd;

	while (got < SEED_BYTES) {
		ssize_t n = read(0, seed.buf + got, SEED_BYTES - got);

		if (n <= 0) {
			fprintf(stderr, "reseed: short seed (%zu bytes)\n", got);
			return 1;
		}
		got += n;
	}
	seed.info.entropy_count = SEED_BYTES * 8;
	seed.info.buf_size = SEED_BYTES;
	fd = open("/dev/urandom", O_WRONLY | O_CLOEXEC);
	if (fd < 0 || ioctl(fd, RNDADDENTROPY, &seed.info) ||
	    ioctl(fd, RNDRESEEDCRNG)) {
		perror("reseed");
		return 1;
	}
	return 0;
}
