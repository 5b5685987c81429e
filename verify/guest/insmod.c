// SPDX-License-Identifier: GPL-2.0
/*
 * The guest's insmod: one finit_module(2) call, reported the way kmod's
 * insmod reports it. busybox's insmod retries with init_module(2) after any
 * failure, which would run a failing module_init() a second time and print
 * its messages twice.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	char params[4096] = "";
	size_t len = 0;
	int fd, i;

	if (argc < 2) {
		fprintf(stderr, "usage: insmod FILE [param=value ...]\n");
		return 1;
	}
	for (i = 2; i < argc; i++) {
		const char *eq = strchr(argv[i], '=');

		/*
		 * The kernel splits the parameters at spaces unless a value is
		 * in double quotes (next_arg() in lib/cmdline.c), so a value
		 * holding a space is passed as name="value", as kmod does.
		 */
		if (eq && strchr(eq, ' '))
			len += snprintf(params + len, sizeof(params) - len,
					"%s%.*s\"%s\"", i > 2 ? " " : "",
					(int)(eq - argv[i] + 1), argv[i], eq + 1);
		else
			len += snprintf(params + len, sizeof(params) - len,
					"%s%s", i > 2 ? " " : "", argv[i]);
		if (len >= sizeof(params)) {
			fprintf(stderr, "insmod: ERROR: parameters too long\n");
			return 1;
		}
	}
	fd = open(argv[1], O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		fprintf(stderr, "insmod: ERROR: could not open '%s': %s\n",
			argv[1], strerror(errno));
		return 1;
	}
	if (syscall(SYS_finit_module, fd, params, 0)) {
		fprintf(stderr, "insmod: ERROR: could not insert module %s: %s\n",
			argv[1], strerror(errno));
		return 1;
	}
	return 0;
}
