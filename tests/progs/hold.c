// SPDX-License-Identifier: GPL-2.0-only
/*
 * hold: open connections from one CPU and keep them, until connect()
 * fails, to see how running out of local ports ends.
 *
 *   hold -a ADDR -p PORT -c CPU [-n MAX]
 *
 * Pins itself to CPU, connects up to MAX (default 100) sockets and keeps
 * every one open. Prints the local ports in order, then how it ended:
 *   ports P1 P2 ...
 *   connected K error NAME     (or "error none" after MAX)
 */
#include <errno.h>
#include <netinet/in.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"

static unsigned int local_port(int fd)
{
	struct sockaddr_storage me;
	socklen_t len = sizeof(me);

	if (getsockname(fd, (struct sockaddr *)&me, &len))
		return 0;
	return ntohs(me.ss_family == AF_INET ?
		     ((struct sockaddr_in *)&me)->sin_port :
		     ((struct sockaddr_in6 *)&me)->sin6_port);
}

int main(int argc, char **argv)
{
	int port = 0, cpu = -1, max = 100, opt, k, err = 0;
	const char *addr = NULL;
	struct sockaddr_storage ss;
	socklen_t len;
	cpu_set_t set;

	while ((opt = getopt(argc, argv, "a:p:c:n:")) != -1) {
		switch (opt) {
		case 'a': addr = optarg; break;
		case 'p': port = atoi(optarg); break;
		case 'c': cpu = atoi(optarg); break;
		case 'n': max = atoi(optarg); break;
		default: goto usage;
		}
	}
	if (!addr || cpu < 0 || max < 1 || parse_addr(addr, port, &ss, &len))
		goto usage;
	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	if (sched_setaffinity(0, sizeof(set), &set)) {
		perror("hold: sched_setaffinity");
		return 1;
	}
	printf("ports");
	for (k = 0; k < max; k++) {
		int fd = socket(ss.ss_family, SOCK_STREAM, 0);

		if (fd < 0 || connect(fd, (struct sockaddr *)&ss, len)) {
			err = errno;
			break;
		}
		printf(" %u", local_port(fd));
	}
	printf("\nconnected %d error %s\n", k,
	       err ? strerrorname_np(err) : "none");
	return 0;
usage:
	fprintf(stderr, "usage: hold -a ADDR -p PORT -c CPU [-n MAX]\n");
	return 2;
}
