// SPDX-License-Identifier: GPL-2.0
/*
 * connloop: a fixed amount of work for bench/insn-count, where wrk's
 * load depends on time. C processes each make N/C connections one after
 * another to ADDR:PORT, each with one HTTP request ("Connection: close"),
 * and read the answer to its end. With -m it executes libinsncount.so's
 * marker (mark.h) before the first connection and after the last, so that
 * the reading covers the connections and nothing else.
 *
 *   connloop -a ADDR -p PORT -n N [-c C] [-m]
 *
 * Prints "connections N failed F"; exits 0 when F is 0.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "mark.h"

static const char request[] =
	"GET / HTTP/1.1\r\nHost: bench\r\nConnection: close\r\n\r\n";

/* One connection: 0 when the answer was a 200 read to its end. */
static int one(const struct sockaddr_in *to)
{
	char buf[4096];
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0), ok = 0;
	ssize_t n, got = 0;

	if (fd < 0)
		return -1;
	if (connect(fd, (const struct sockaddr *)to, sizeof(*to)) ||
	    write(fd, request, sizeof(request) - 1) != sizeof(request) - 1)
		goto out;
	while ((n = read(fd, buf, sizeof(buf))) > 0) {
		if (!got)
			ok = n >= 12 && !memcmp(buf, "HTTP/1.1 200", 12);
		got += n;
	}
	ok = ok && n == 0;
out:
	close(fd);
	return ok ? 0 : -1;
}

static int loop(const struct sockaddr_in *to, long n)
{
	long failed = 0;

	for (long i = 0; i < n; i++)
		failed += one(to) != 0;
	return failed > 255 ? 255 : (int)failed;
}

int main(int argc, char **argv)
{
	struct sockaddr_in to = { .sin_family = AF_INET };
	long n = 0, c = 1, failed = 0;
	int opt, status, marks = 0;

	while ((opt = getopt(argc, argv, "a:p:n:c:m")) != -1) {
		switch (opt) {
		case 'a':
			if (inet_pton(AF_INET, optarg, &to.sin_addr) != 1)
				goto usage;
			break;
		case 'p':
			to.sin_port = htons((unsigned short)atoi(optarg));
			break;
		case 'n':
			n = atol(optarg);
			break;
		case 'c':
			c = atol(optarg);
			break;
		case 'm':
			marks = 1;
			break;
		default:
			goto usage;
		}
	}
	if (n <= 0 || c <= 0 || c > n || !to.sin_port || !to.sin_addr.s_addr)
		goto usage;
	if (marks)
		icount_mark();
	for (long i = 0; i < c; i++) {
		pid_t pid = fork();

		if (pid < 0) {
			perror("connloop: fork");
			return 1;
		}
		if (pid == 0)
			_exit(loop(&to, n / c + (i < n % c)));
	}
	while (wait(&status) > 0)
		failed += WIFEXITED(status) ? WEXITSTATUS(status) : n;
	if (marks)
		icount_mark();
	printf("connections %ld failed %ld\n", n, failed);
	return failed ? 1 : 0;
usage:
	fprintf(stderr, "usage: connloop -a ADDR -p PORT -n N [-c C] [-m]\n");
	return 2;
}
