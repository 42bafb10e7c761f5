/* SPDX-License-Identifier: GPL-2.0-only */
/* Helpers shared by the test programs: checks that print, and addresses. */
#ifndef FS_TEST_CHECK_H
#define FS_TEST_CHECK_H

#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static int failures;

/* One line per check: "ok" or "FAIL", what, and an optional detail. */
static inline void check(const char *what, int ok, const char *detail)
{
	printf("%s %s%s%s\n", ok ? "ok  " : "FAIL", what, detail ? ": " : "",
	       detail ? detail : "");
	failures += !ok;
}

/* @ret must be -1 with errno @want; a descriptor returned is closed. */
static inline void expect_errno(const char *what, int ret, int want)
{
	char detail[96];
	int err = errno;

	snprintf(detail, sizeof(detail), "ret %d %s (want %s)", ret,
		 ret < 0 ? strerrorname_np(err) : "", strerrorname_np(want));
	check(what, ret == -1 && err == want, detail);
	if (ret > 2)
		close(ret);
}

/* An IPv4 or IPv6 literal and a port into @ss; -1 when neither. */
static inline int parse_addr(const char *addr, int port,
			     struct sockaddr_storage *ss, socklen_t *len)
{
	struct sockaddr_in *in4 = (struct sockaddr_in *)ss;
	struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)ss;

	memset(ss, 0, sizeof(*ss));
	if (inet_pton(AF_INET, addr, &in4->sin_addr) == 1) {
		in4->sin_family = AF_INET;
		in4->sin_port = htons(port);
		*len = sizeof(*in4);
		return 0;
	}
	if (inet_pton(AF_INET6, addr, &in6->sin6_addr) == 1) {
		in6->sin6_family = AF_INET6;
		in6->sin6_port = htons(port);
		*len = sizeof(*in6);
		return 0;
	}
	fprintf(stderr, "bad address %s\n", addr);
	return -1;
}

/* The socket descriptors this process holds above 2. */
static inline int count_sockets(void)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *de;
	char path[300], link[64];
	int n = 0;

	while (d && (de = readdir(d))) {
		ssize_t len;

		snprintf(path, sizeof(path), "/proc/self/fd/%s", de->d_name);
		len = readlink(path, link, sizeof(link) - 1);
		if (len > 0 && atoi(de->d_name) > 2) {
			link[len] = 0;
			n += !strncmp(link, "socket:", 7);
		}
	}
	if (d)
		closedir(d);
	return n;
}

#endif
