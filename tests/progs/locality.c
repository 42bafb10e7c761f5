// SPDX-License-Identifier: GPL-2.0-only
/*
 * locality: where was a connection's handshake processed, and where was it
 * accepted?
 *
 *   locality server -a ADDR -p PORT -w WORKERS -n CONNECTIONS [-t SECONDS]
 *                   [-s MODE]
 *
 * The server is a pre-fork epoll server: one listener, WORKERS children.
 * For each connection it reads SO_INCOMING_CPU right after accept and
 * compares it with sched_getcpu(). With -s each worker asks
 * /dev/fastsocket for a local listener (SPAWN_LISTEN) and puts it over its
 * listener's descriptor, as libfsocket will. MODE "cpu": child i pins
 * itself to CPU i modulo the CPU count and names that CPU; "1": it pins
 * itself likewise and lets the module take the CPU it is pinned to
 * (enable_listen_spawn=1); "2": it does not pin itself, the module
 * chooses a free CPU and pins it there (enable_listen_spawn=2). Without
 * -s child i is pinned as in "cpu" and shares the one listener. It prints "ready" once listening, then, after CONNECTIONS
 * accepts (or SECONDS), one summary line:
 *   accepted N local L pct P incoming c0=.. c1=..
 * Exits 0 on complete success. Its clients are "prefork client".
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <linux/fastsocket.h>

#include "check.h"

#define MAX_CPUS 256
#define MAX_WORKERS 256

struct counters {
	atomic_long accepted;
	atomic_long local;
	atomic_long incoming[MAX_CPUS];
};

struct options {
	const char *addr;
	int port, workers, conns, threads, seconds, spawn;
};

static int parse_options_addr(const struct options *o,
			      struct sockaddr_storage *ss, socklen_t *len)
{
	return parse_addr(o->addr, o->port, ss, len);
}

static void pin(int cpu)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	if (sched_setaffinity(0, sizeof(set), &set))
		perror("sched_setaffinity");
}

static void serve_one(int fd, struct counters *c)
{
	int incoming = -1, cpu = sched_getcpu();
	socklen_t len = sizeof(incoming);
	char buf[64];

	if (getsockopt(fd, SOL_SOCKET, SO_INCOMING_CPU, &incoming, &len))
		incoming = -1;
	if (read(fd, buf, sizeof(buf)) > 0 && write(fd, "ok\n", 3) != 3)
		perror("write");
	close(fd);
	/*
	 * Counted once answered: the parent kills the workers when the count
	 * is reached, and must not kill one between accept and answer.
	 */
	if (incoming >= 0 && incoming < MAX_CPUS)
		atomic_fetch_add(&c->incoming[incoming], 1);
	if (incoming == cpu)
		atomic_fetch_add(&c->local, 1);
	atomic_fetch_add(&c->accepted, 1);
}

/* Replace the inherited listener by a local one for @cpu. */
static void spawn_local(int lfd, int cpu)
{
	struct fsocket_ioctl_arg arg = { .fd = lfd };
	int dev = open(FSOCKET_DEVICE_PATH, O_RDWR | O_CLOEXEC), local;

	arg.op.spawn_op.cpu = cpu;	/* or FSOCKET_CPU_ANY */
	local = dev < 0 ? -1 : ioctl(dev, FSOCKET_IOC_SPAWN_LISTEN, &arg);
	if (local < 0 || dup3(local, lfd, 0) < 0) {
		perror("SPAWN_LISTEN");
		_exit(1);
	}
	close(local);
	close(dev);
}

static void worker(int lfd, int cpu, const struct options *o,
		   struct counters *c)
{
	struct epoll_event ev = { .events = EPOLLIN };
	int ep = epoll_create1(EPOLL_CLOEXEC);

	if (o->spawn != '2')
		pin(cpu);
	if (o->spawn == 'c')
		spawn_local(lfd, cpu);
	else if (o->spawn)
		spawn_local(lfd, FSOCKET_CPU_ANY);
	if (ep < 0 || epoll_ctl(ep, EPOLL_CTL_ADD, lfd, &ev)) {
		perror("epoll");
		_exit(1);
	}
	for (;;) {
		int fd;

		if (epoll_wait(ep, &ev, 1, 1000) <= 0)
			continue;
		while ((fd = accept(lfd, NULL, NULL)) >= 0)
			serve_one(fd, c);
	}
}

static int run_server(const struct options *o)
{
	struct counters *c = mmap(NULL, sizeof(*c), PROT_READ | PROT_WRITE,
				  MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	int ncpu = sysconf(_SC_NPROCESSORS_ONLN), one = 1, i, lfd;
	pid_t pids[MAX_WORKERS];
	struct sockaddr_storage ss;
	time_t deadline;
	socklen_t len;

	if (c == MAP_FAILED || parse_options_addr(o, &ss, &len))
		return 1;
	lfd = socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK, 0);
	if (lfd < 0 ||
	    setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) ||
	    bind(lfd, (struct sockaddr *)&ss, len) || listen(lfd, 4096)) {
		perror("listener");
		return 1;
	}
	for (i = 0; i < o->workers; i++) {
		pids[i] = fork();
		if (pids[i] == 0)
			worker(lfd, i % ncpu, o, c);
	}
	printf("ready\n");
	fflush(stdout);
	deadline = time(NULL) + o->seconds;
	while (atomic_load(&c->accepted) < o->conns && time(NULL) < deadline)
		usleep(20000);
	for (i = 0; i < o->workers; i++) {
		kill(pids[i], SIGKILL);
		waitpid(pids[i], NULL, 0);
	}
	long n = atomic_load(&c->accepted), l = atomic_load(&c->local);

	printf("accepted %ld local %ld pct %.1f incoming", n, l,
	       n ? 100.0 * l / n : 0.0);
	for (i = 0; i < ncpu && i < MAX_CPUS; i++)
		printf(" c%d=%ld", i, atomic_load(&c->incoming[i]));
	printf("\n");
	return n < o->conns;
}

int main(int argc, char **argv)
{
	struct options o = { .addr = "127.0.0.1", .port = 8080, .workers = 4,
			     .conns = 1000, .threads = 4, .seconds = 60 };
	int opt;

	if (argc < 2)
		goto usage;
	optind = 2;
	while ((opt = getopt(argc, argv, "a:p:w:n:c:t:s:")) != -1) {
		switch (opt) {
		case 'a': o.addr = optarg; break;
		case 'p': o.port = atoi(optarg); break;
		case 'w': o.workers = atoi(optarg); break;
		case 'n': o.conns = atoi(optarg); break;
		case 'c': o.threads = atoi(optarg); break;
		case 't': o.seconds = atoi(optarg); break;
		case 's': o.spawn = optarg[0]; break;
		default: goto usage;
		}
	}
	if (o.workers < 1 || o.workers > MAX_WORKERS || o.threads < 1 ||
	    (o.spawn && o.spawn != 'c' && o.spawn != '1' && o.spawn != '2'))
		goto usage;
	if (!strcmp(argv[1], "server"))
		return run_server(&o);
usage:
	fprintf(stderr, "usage: locality server -a ADDR -p PORT [-w WORKERS] [-n CONNS] [-t SECONDS] [-s cpu|1|2]\n");
	return 2;
}
