// SPDX-License-Identifier: GPL-2.0-only
/*
 * rr: request/response on established connections, the traffic where the
 * per-segment receive path (early demux, "direct TCP") shows.
 *
 *   rr server -a ADDR -p PORT       serve: echo each byte back, forever
 *   rr client -a ADDR -p PORT [-c CONNS] [-t SECONDS]
 *
 * The client opens CONNS connections (default 4), one process each, and
 * sends one byte and waits for its echo, over and over, for SECONDS
 * (default 2). Prints "transactions N per_s R". Exit status 0 unless a
 * connection failed.
 */
#include <netinet/tcp.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <time.h>

#include "check.h"

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void echo_loop(int fd)
{
	char c;

	while (read(fd, &c, 1) == 1 && write(fd, &c, 1) == 1)
		;
	_exit(0);
}

static int serve(const struct sockaddr_storage *ss, socklen_t len)
{
	int one = 1, lfd, fd;

	signal(SIGCHLD, SIG_IGN);	/* no zombies from echo children */
	lfd = socket(ss->ss_family, SOCK_STREAM, 0);
	setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (lfd < 0 || bind(lfd, (const struct sockaddr *)ss, len) ||
	    listen(lfd, 128)) {
		perror("rr server");
		return 1;
	}
	printf("ready\n");
	fflush(stdout);
	for (;;) {
		fd = accept(lfd, NULL, NULL);
		if (fd < 0)
			continue;
		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
		if (fork() == 0)
			echo_loop(fd);
		close(fd);
	}
}

/* One connection's transactions for @secs, or -1 when it failed. */
static long transact(const struct sockaddr_storage *ss, socklen_t len,
		     double secs)
{
	int one = 1, fd = socket(ss->ss_family, SOCK_STREAM, 0);
	double end = now() + secs;
	long n = 0;
	char c = 'x';

	if (fd < 0 || connect(fd, (const struct sockaddr *)ss, len))
		return -1;
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	while (now() < end) {
		if (write(fd, &c, 1) != 1 || read(fd, &c, 1) != 1)
			return -1;
		n++;
	}
	close(fd);
	return n;
}

static int client(const struct sockaddr_storage *ss, socklen_t len,
		  int conns, double secs)
{
	int pfd[2], i, failed = 0;
	long n, total = 0;

	if (pipe(pfd))
		return 1;
	for (i = 0; i < conns; i++) {
		if (fork() == 0) {
			n = transact(ss, len, secs);
			_exit(write(pfd[1], &n, sizeof(n)) == sizeof(n) ? 0 : 1);
		}
	}
	close(pfd[1]);
	for (i = 0; i < conns; i++) {
		if (read(pfd[0], &n, sizeof(n)) != sizeof(n) || n < 0)
			failed++;
		else
			total += n;
	}
	while (wait(NULL) > 0)
		;
	printf("transactions %ld per_s %.0f\n", total, total / secs);
	if (failed)
		fprintf(stderr, "rr client: %d of %d connections failed\n",
			failed, conns);
	return failed ? 1 : 0;
}

int main(int argc, char **argv)
{
	const char *addr = NULL;
	struct sockaddr_storage ss;
	int port = 0, conns = 4, opt;
	double secs = 2;
	socklen_t len;

	if (argc < 2)
		goto usage;
	optind = 2;
	while ((opt = getopt(argc, argv, "a:p:c:t:")) != -1) {
		switch (opt) {
		case 'a': addr = optarg; break;
		case 'p': port = atoi(optarg); break;
		case 'c': conns = atoi(optarg); break;
		case 't': secs = atof(optarg); break;
		default: goto usage;
		}
	}
	if (!addr || parse_addr(addr, port, &ss, &len) || conns < 1 || secs <= 0)
		goto usage;
	if (!strcmp(argv[1], "server"))
		return serve(&ss, len);
	if (!strcmp(argv[1], "client"))
		return client(&ss, len, conns, secs);
usage:
	fprintf(stderr, "usage: rr server|client -a ADDR -p PORT [-c CONNS] [-t SECONDS]\n");
	return 2;
}
