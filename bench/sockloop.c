// SPDX-License-Identifier: GPL-2.0-only
/*
 * sockloop N: N times socket(AF_UNIX, SOCK_STREAM) + close(), the calls a
 * program that never uses TCP still makes through libfsocket.so. Prints
 * the nanoseconds per pair.
 */
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	long n = argc > 1 ? atol(argv[1]) : 0;
	struct timespec a, b;

	clock_gettime(CLOCK_MONOTONIC, &a);
	for (long i = 0; i < n; i++) {
		int fd = socket(AF_UNIX, SOCK_STREAM, 0);

		if (fd < 0 || close(fd) < 0) {
			perror("sockloop");
			return 1;
		}
	}
	clock_gettime(CLOCK_MONOTONIC, &b);
	if (n)
		printf("%.1f\n", ((b.tv_sec - a.tv_sec) * 1e9 +
				  (b.tv_nsec - a.tv_nsec)) / n);
	return 0;
}
