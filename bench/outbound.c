// SPDX-License-Identifier: GPL-2.0
/*
 * outbound: where are the replies of outgoing connections processed? The
 * proxy's case, which the original's receive flow deliver and receive CPU
 * selection were for.
 *
 *   outbound -a ADDR -p PORT [-w WORKERS] [-n CONNECTIONS]
 *
 * WORKERS processes (default: one per CPU), worker i pinned to CPU i
 * modulo the CPU count, each make CONNECTIONS (default 200) short
 * connections to an echo server at ADDR:PORT: connect, send a byte, read
 * it back, close. After the reply each compares the CPU that processed
 * it (SO_INCOMING_CPU) with its own (sched_getcpu()). Prints
 *   connections N local L pct P
 * Exit status 0 unless a connection failed.
 */
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/sysinfo.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../tests/progs/check.h"

struct tally {
	long done, local, failed;
};

/* One connection: 1 when its reply came in on this CPU, 0 when not, -1. */
static int one(const struct sockaddr_storage *ss, socklen_t len)
{
	int fd = socket(ss->ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	int cpu = -1, ret = -1;
	socklen_t cl = sizeof(cpu);
	char c = 'x';

	if (fd < 0)
		return -1;
	if (!connect(fd, (const struct sockaddr *)ss, len) &&
	    write(fd, &c, 1) == 1 && read(fd, &c, 1) == 1 &&
	    !getsockopt(fd, SOL_SOCKET, SO_INCOMING_CPU, &cpu, &cl))
		ret = cpu == sched_getcpu();
	close(fd);
	return ret;
}

static void worker(int cpu, const struct sockaddr_storage *ss,
		   socklen_t len, long n, int out)
{
	struct tally t = { 0 };
	cpu_set_t set;
	int r;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	if (sched_setaffinity(0, sizeof(set), &set))
		_exit(1);
	while (n--) {
		r = one(ss, len);
		if (r < 0) {
			t.failed++;
			continue;
		}
		t.done++;
		t.local += r;
	}
	_exit(write(out, &t, sizeof(t)) == sizeof(t) ? 0 : 1);
}

int main(int argc, char **argv)
{
	int port = 0, workers = get_nprocs(), opt, pfd[2], i;
	struct tally sum = { 0 }, t;
	const char *addr = NULL;
	struct sockaddr_storage ss;
	long n = 200;
	socklen_t len;

	while ((opt = getopt(argc, argv, "a:p:w:n:")) != -1) {
		switch (opt) {
		case 'a': addr = optarg; break;
		case 'p': port = atoi(optarg); break;
		case 'w': workers = atoi(optarg); break;
		case 'n': n = atol(optarg); break;
		default: goto usage;
		}
	}
	if (!addr || parse_addr(addr, port, &ss, &len) || workers < 1 || n < 1)
		goto usage;
	if (pipe(pfd))
		return 1;
	for (i = 0; i < workers; i++)
		if (fork() == 0)
			worker(i % get_nprocs(), &ss, len, n, pfd[1]);
	close(pfd[1]);
	for (i = 0; i < workers; i++) {
		if (read(pfd[0], &t, sizeof(t)) != sizeof(t)) {
			sum.failed += n;
			continue;
		}
		sum.done += t.done;
		sum.local += t.local;
		sum.failed += t.failed;
	}
	while (wait(NULL) > 0)
		;
	printf("connections %ld local %ld pct %.1f\n", sum.done, sum.local,
	       sum.done ? 100.0 * sum.local / sum.done : 0.0);
	if (sum.failed)
		fprintf(stderr, "outbound: %ld connections failed\n", sum.failed);
	return sum.failed ? 1 : 0;
usage:
	fprintf(stderr, "usage: outbound -a ADDR -p PORT [-w WORKERS] [-n CONNECTIONS]\n");
	return 2;
}
