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
 * it (SO_INCOMING_CPU) with its own (sched_getcpu()), and checks whether
 * its local port names its CPU (port % possible CPUs, as receive flow
 * deliver chooses it). Prints
 *   connections N local L pct P port_cpu M rate R
 * (R: connections per second, all workers together)
 * Exit status 0 unless a connection failed.
 */
#include <netinet/in.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/sysinfo.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "../src/common/cpu_list.h"
#include "../tests/progs/check.h"

struct tally {
	long done, local, failed, port_cpu;
};

static int possible_cpus;

/* Does @fd's local port name this CPU? */
static int port_names_cpu(int fd)
{
	struct sockaddr_storage me;
	socklen_t len = sizeof(me);
	unsigned int port;

	if (getsockname(fd, (struct sockaddr *)&me, &len))
		return 0;
	port = ntohs(me.ss_family == AF_INET ?
		     ((struct sockaddr_in *)&me)->sin_port :
		     ((struct sockaddr_in6 *)&me)->sin6_port);
	return (int)(port % (unsigned int)possible_cpus) == sched_getcpu();
}

/*
 * One connection: bit 0 set when its reply came in on this CPU, bit 1
 * when its port names this CPU; -1 when it failed.
 */
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
		ret = (cpu == sched_getcpu()) | port_names_cpu(fd) << 1;
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
		t.local += r & 1;
		t.port_cpu += r >> 1;
	}
	_exit(write(out, &t, sizeof(t)) == sizeof(t) ? 0 : 1);
}

/* The highest possible CPU plus one, from a list such as "0-3". */
static int possible(void)
{
	FILE *f = fopen("/sys/devices/system/cpu/possible", "r");
	char buf[256] = "0";

	if (f) {
		if (!fgets(buf, sizeof(buf), f))
			strcpy(buf, "0");
		fclose(f);
	}
	return (int)cpu_list_span(buf);
}

int main(int argc, char **argv)
{
	int port = 0, workers = get_nprocs(), opt, pfd[2], i;
	struct tally sum = { 0 }, t;
	const char *addr = NULL;
	struct sockaddr_storage ss;
	struct timespec t0, t1;
	long n = 200;
	socklen_t len;
	double secs;

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
	possible_cpus = possible();
	clock_gettime(CLOCK_MONOTONIC, &t0);
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
		sum.port_cpu += t.port_cpu;
	}
	while (wait(NULL) > 0)
		;
	clock_gettime(CLOCK_MONOTONIC, &t1);
	secs = (double)(t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9;
	printf("connections %ld local %ld pct %.1f port_cpu %ld rate %.0f\n",
	       sum.done, sum.local,
	       sum.done ? 100.0 * sum.local / sum.done : 0.0, sum.port_cpu,
	       secs > 0 ? sum.done / secs : 0.0);
	if (sum.failed)
		fprintf(stderr, "outbound: %ld connections failed\n", sum.failed);
	return sum.failed ? 1 : 0;
usage:
	fprintf(stderr, "usage: outbound -a ADDR -p PORT [-w WORKERS] [-n CONNECTIONS]\n");
	return 2;
}
