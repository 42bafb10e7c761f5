// SPDX-License-Identifier: GPL-2.0-only
/*
 * sockbench: does routing socket()/close() through the module pay? Times
 * N pairs of socket(AF_INET, SOCK_STREAM) + close() three ways, in
 * alternating rounds: libc, the module's SOCKET + CLOSE, and SOCKET +
 * close(2). Prints the median nanoseconds per pair of each and their
 * ratio to libc. A figure for the library's choice, not a verdict: it
 * exits non-zero only when a call fails.
 *
 *   sockbench [N [ROUNDS]]      (default 20000 pairs, 5 rounds)
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <linux/fastsocket.h>

enum { LIBC, MODULE, MIXED, WAYS, MAX_ROUNDS = 31 };

static int dev;

static int module_socket(void)
{
	struct fsocket_ioctl_arg arg;

	memset(&arg, 0, sizeof(arg));
	arg.op.socket_op.family = AF_INET;
	arg.op.socket_op.type = SOCK_STREAM;
	return ioctl(dev, FSOCKET_IOC_SOCKET, &arg);
}

static int module_close(int fd)
{
	struct fsocket_ioctl_arg arg;

	memset(&arg, 0, sizeof(arg));
	arg.fd = fd;
	return ioctl(dev, FSOCKET_IOC_CLOSE, &arg);
}

static int pair(int way)
{
	int fd = way == LIBC ? socket(AF_INET, SOCK_STREAM, 0) : module_socket();

	if (fd < 0)
		return -1;
	return way == MODULE ? module_close(fd) : close(fd);
}

static double ns_per_pair(int way, long n)
{
	struct timespec a, b;

	clock_gettime(CLOCK_MONOTONIC, &a);
	for (long i = 0; i < n; i++) {
		if (pair(way) < 0) {
			perror("sockbench");
			exit(1);
		}
	}
	clock_gettime(CLOCK_MONOTONIC, &b);
	return ((b.tv_sec - a.tv_sec) * 1e9 + (b.tv_nsec - a.tv_nsec)) / n;
}

static int by_value(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

int main(int argc, char **argv)
{
	static const char *const names[WAYS] = {
		"libc socket+close", "SOCKET+CLOSE ioctls", "SOCKET ioctl+close"
	};
	long n = argc > 1 ? atol(argv[1]) : 20000;
	int rounds = argc > 2 ? atoi(argv[2]) : 5;
	double t[WAYS][MAX_ROUNDS], median[WAYS];

	dev = open(FSOCKET_DEVICE_PATH, O_RDWR | O_CLOEXEC);
	if (dev < 0 || n < 1 || rounds < 1 || rounds > MAX_ROUNDS) {
		fprintf(stderr, "usage: sockbench [N [ROUNDS <= %d]] (needs %s)\n",
			MAX_ROUNDS, FSOCKET_DEVICE_PATH);
		return 2;
	}
	for (int r = 0; r < rounds; r++)
		for (int w = 0; w < WAYS; w++)
			t[w][r] = ns_per_pair(w, n);
	for (int w = 0; w < WAYS; w++) {
		qsort(t[w], rounds, sizeof(double), by_value);
		median[w] = t[w][rounds / 2];
		printf("%-20s %8.0f ns/pair (min %.0f max %.0f) ratio %.2f\n",
		       names[w], median[w], t[w][0], t[w][rounds - 1],
		       median[w] / median[LIBC]);
	}
	return 0;
}
