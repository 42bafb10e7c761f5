// SPDX-License-Identifier: GPL-2.0-only
/*
 * prefork: a pre-fork epoll server on fastsocket's local listeners, and a
 * client that counts the connections it did not get an answer on.
 *
 *   prefork server -a ADDR -p PORT -w WORKERS -n CONNS [-t SECONDS] [-k MS] [-r N]
 *   prefork client -a ADDR -p PORT -n CONNS [-c THREADS] [-t SECONDS] [-b MS]
 *
 * Each worker keeps a descriptor of the master's ("global") listener, asks
 * /dev/fastsocket for a local listener on a free CPU (SPAWN_LISTEN in
 * mode 2: the module picks the CPU and pins the worker there), puts the
 * local listener over its listening descriptor, watches both in its epoll
 * and accepts from the local queue first, then the global one: with
 * ACCEPT, or in odd-numbered workers with accept4() on the local
 * listener, which the module serves the same way (as libfsocket does).
 *
 * With -k, every MS milliseconds the master kills one worker with SIGKILL
 * and forks a new one. The worker is first asked to stop accepting and is
 * killed once it has: connections keep queueing on its local listener
 * meanwhile, and those are what must not be lost. (A connection a worker
 * has accepted dies with it; nothing can save that one.)
 *
 * With -r, every N connections a worker gives its local listener a new
 * SO_RCVBUF, and every 4N puts a fresh local listener in its place (the
 * old one closes under load; the kernel moves its queue to the group).
 *
 * The server prints "ready" once each worker has its local listener, then
 * after CONNS answered connections (or SECONDS, or SIGTERM) "served N
 * kills K unparked U unanswered A" (A: connections a worker accepted and
 * closed without a reply, as the request could not be read) and exits 0
 * when N >= CONNS.
 * The client prints "connections N failed F (why...)" (each socket has a
 * time-out of MS, 10 s by default; N falls short of CONNS when SECONDS ran
 * out first), then "latency p50 A p99 B max C ms" over the answered
 * connections (from connect() to the answer), and exits 0 when F is 0.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <linux/fastsocket.h>

#include "check.h"

#define MAX_WORKERS 64
#define MAX_THREADS 64

struct shared {
	atomic_long served;
	atomic_long unanswered;	/* accepted, closed without a reply */
	atomic_int started;	/* workers with their local listener */
	atomic_int park[MAX_WORKERS];	/* master: stop accepting */
	atomic_int parked[MAX_WORKERS];	/* worker: stopped */
};

struct options {
	const char *addr;
	int port, workers, conns, threads, seconds, kill_ms, recycle;
	int seconds_given;
};

static int recycle_every;	/* -r */
static long client_deadline;	/* -t, client side */
static int client_bound_ms = 10000;	/* -b */

static int parse_options_addr(const struct options *o,
			      struct sockaddr_storage *ss, socklen_t *len)
{
	return parse_addr(o->addr, o->port, ss, len);
}

static volatile sig_atomic_t stopping;

static void on_sigterm(int sig)
{
	(void)sig;
	stopping = 1;
}

static void die(const char *what)
{
	perror(what);
	_exit(1);
}

static int fs_ioctl(unsigned long cmd, struct fsocket_ioctl_arg *arg)
{
	static int dev = -1;

	if (dev < 0)
		dev = open(FSOCKET_DEVICE_PATH, O_RDWR | O_CLOEXEC);
	if (dev < 0)
		return -1;
	return ioctl(dev, cmd, arg);
}

/* The worker's listener becomes a local one; returns the global's fd. */
static int go_local(int lfd)
{
	struct fsocket_ioctl_arg arg = { .fd = lfd };
	int gfd = fcntl(lfd, F_DUPFD_CLOEXEC, 0), local;

	arg.op.spawn_op.cpu = FSOCKET_CPU_ANY;
	local = fs_ioctl(FSOCKET_IOC_SPAWN_LISTEN, &arg);
	if (gfd < 0 || local < 0)
		die("SPAWN_LISTEN");
	if (dup3(local, lfd, 0) < 0)
		die("dup3");
	close(local);
	return gfd;
}

static int port_in(const struct sockaddr_storage *ss)
{
	return ntohs(ss->ss_family == AF_INET6 ?
		     ((const struct sockaddr_in6 *)ss)->sin6_port :
		     ((const struct sockaddr_in *)ss)->sin_port);
}

/* The client's own port; 0 when unknown. */
static int local_port(int fd)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);

	if (getsockname(fd, (struct sockaddr *)&ss, &len))
		return 0;
	return port_in(&ss);
}

/*
 * A connection lost: its client port, what failed and when (CLOCK_MONOTONIC,
 * as the kernel's trace clock "mono"), to find it in a trace.
 */
static void report_lost(const char *who, int port, const char *what, int err)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	fprintf(stderr, "prefork: %s: client port %d: %s (%s) at %ld.%06ld\n",
		who, port, what, err ? strerror(err) : "no error",
		(long)ts.tv_sec, ts.tv_nsec / 1000);
}

/* @port: the client's, as ACCEPT reported it (the socket may be reset). */
static void serve_one(int fd, int port, struct shared *sh)
{
	char buf[64];
	ssize_t n;

	n = read(fd, buf, sizeof(buf));
	if (n > 0 && write(fd, "ok\n", 3) == 3) {
		atomic_fetch_add(&sh->served, 1);
	} else {
		atomic_fetch_add(&sh->unanswered, 1);
		report_lost("server", port, n > 0 ? "write failed" :
			    n == 0 ? "read EOF" : "read failed", n < 0 ? errno : 0);
	}
	close(fd);
}

/* -r: the local listener @lfd changes under load (see the top). */
static void churn_local(int lfd, int gfd, int ep, unsigned int round)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.fd = lfd };
	struct fsocket_ioctl_arg arg = { .fd = gfd };
	int size = 16384 << (round % 5), local;

	if (setsockopt(lfd, SOL_SOCKET, SO_RCVBUF, &size, sizeof(size)))
		die("SO_RCVBUF");
	if (round % 4)
		return;
	arg.op.spawn_op.cpu = sched_getcpu();
	local = fs_ioctl(FSOCKET_IOC_SPAWN_LISTEN, &arg);
	if (local < 0)
		die("SPAWN_LISTEN again");
	epoll_ctl(ep, EPOLL_CTL_DEL, lfd, NULL);
	if (dup3(local, lfd, 0) < 0)
		die("dup3");
	close(local);
	if (epoll_ctl(ep, EPOLL_CTL_ADD, lfd, &ev))
		die("epoll_ctl local again");
}

static void park(struct shared *sh, int id)
{
	atomic_store(&sh->parked[id], 1);
	for (;;)
		pause();
}

/* One connection from the local queue or the global one, or -1. */
static int accept_one(int lfd, struct fsocket_ioctl_arg *arg,
		      struct sockaddr_storage *peer, socklen_t *peerlen,
		      bool plain)
{
	*peerlen = sizeof(*peer);
	if (plain)
		return accept4(lfd, (struct sockaddr *)peer, peerlen, 0);
	return fs_ioctl(FSOCKET_IOC_ACCEPT, arg);
}

static void worker(int lfd, int id, struct shared *sh)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.fd = lfd };
	struct fsocket_ioctl_arg arg = { .fd = lfd };
	int ep = epoll_create1(EPOLL_CLOEXEC), gfd = go_local(lfd), fd = 0;
	struct sockaddr_storage peer;
	socklen_t peerlen;
	unsigned int served = 0;

	if (ep < 0 || epoll_ctl(ep, EPOLL_CTL_ADD, lfd, &ev))
		die("epoll_ctl local");
	/* Every worker watches the global queue; one is woken per arrival. */
	ev.events = EPOLLIN | EPOLLEXCLUSIVE;
	if (epoll_ctl(ep, EPOLL_CTL_ADD, gfd, &ev))
		die("epoll_ctl global");
	atomic_fetch_add(&sh->started, 1);
	arg.op.accept_op.global_fd = gfd;
	arg.op.accept_op.addr = (uintptr_t)&peer;
	arg.op.accept_op.addrlen = (uintptr_t)&peerlen;
	for (;;) {
		if (atomic_load(&sh->park[id]))
			park(sh, id);
		if (epoll_wait(ep, &ev, 1, 100) <= 0)
			continue;
		while (!atomic_load(&sh->park[id]) &&
		       (fd = accept_one(lfd, &arg, &peer, &peerlen,
					id % 2)) >= 0) {
			serve_one(fd, port_in(&peer), sh);
			if (recycle_every && ++served % recycle_every == 0)
				churn_local(lfd, gfd, ep, served / recycle_every);
		}
		/* A connection reset in the queue: lost, counted, not fatal. */
		if (fd < 0 && errno == ECONNABORTED) {
			atomic_fetch_add(&sh->unanswered, 1);
			report_lost("server", 0, "aborted in the queue",
				    ECONNABORTED);
		} else if (fd < 0 && errno != EAGAIN) {
			die("ACCEPT");
		}
	}
}

static pid_t start_worker(int lfd, int id, struct shared *sh)
{
	pid_t pid;

	atomic_store(&sh->park[id], 0);
	atomic_store(&sh->parked[id], 0);
	pid = fork();
	if (pid == 0) {
		signal(SIGTERM, SIG_DFL);
		worker(lfd, id, sh);
	}
	if (pid < 0)
		die("fork");
	return pid;
}

/*
 * Stop worker @id accepting, kill it, start another in its place. A worker
 * that died on its own is only replaced; one that does not stop within
 * 30 s is killed anyway and counted in @unparked (what it was serving is
 * lost, and the summary says so).
 */
static pid_t replace_worker(int lfd, int id, pid_t pid, struct shared *sh,
			    int *unparked)
{
	int i, status;

	atomic_store(&sh->park[id], 1);
	for (i = 0; i < 30000 && !atomic_load(&sh->parked[id]); i++) {
		if (waitpid(pid, &status, WNOHANG) == pid) {
			fprintf(stderr, "prefork: worker %d died (status 0x%x)\n",
				id, status);
			return start_worker(lfd, id, sh);
		}
		usleep(1000);
	}
	if (!atomic_load(&sh->parked[id]))
		(*unparked)++;
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	return start_worker(lfd, id, sh);
}

static int open_listener(const struct options *o)
{
	struct fsocket_ioctl_arg arg;
	struct sockaddr_storage ss;
	socklen_t len;
	int one = 1, lfd;

	if (parse_options_addr(o, &ss, &len))
		return -1;
	lfd = socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK, 0);
	if (lfd < 0 ||
	    setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) ||
	    bind(lfd, (struct sockaddr *)&ss, len) || listen(lfd, 4096)) {
		perror("listener");
		return -1;
	}
	memset(&arg, 0, sizeof(arg));
	arg.fd = lfd;
	if (fs_ioctl(FSOCKET_IOC_LISTEN, &arg)) {
		perror("LISTEN");
		return -1;
	}
	return lfd;
}

static long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000L + ts.tv_nsec / 1000000;
}

/*
 * "ready" once every worker has its local listener (10 s at most), so that
 * no connection reaches the global queue only because it came first.
 */
static void wait_started(struct shared *sh, int workers)
{
	long deadline = now_ms() + 10000;

	while (atomic_load(&sh->started) < workers && now_ms() < deadline)
		usleep(1000);
}

static int run_server(const struct options *o)
{
	struct shared *sh = mmap(NULL, sizeof(*sh), PROT_READ | PROT_WRITE,
				 MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	long deadline = now_ms() + o->seconds * 1000L, next_kill;
	pid_t pids[MAX_WORKERS];
	int i, lfd, kills = 0, unparked = 0, victim = 0;

	if (sh == MAP_FAILED)
		return 1;
	lfd = open_listener(o);
	if (lfd < 0)
		return 1;
	signal(SIGTERM, on_sigterm);
	for (i = 0; i < o->workers; i++)
		pids[i] = start_worker(lfd, i, sh);
	wait_started(sh, o->workers);
	printf("ready\n");
	fflush(stdout);
	next_kill = now_ms() + o->kill_ms;
	while (atomic_load(&sh->served) < o->conns && now_ms() < deadline &&
	       !stopping) {
		usleep(5000);
		if (!o->kill_ms || now_ms() < next_kill)
			continue;
		pids[victim] = replace_worker(lfd, victim, pids[victim], sh,
					      &unparked);
		victim = (victim + 1) % o->workers;
		kills++;
		next_kill = now_ms() + o->kill_ms;
	}
	for (i = 0; i < o->workers; i++) {
		kill(pids[i], SIGKILL);
		waitpid(pids[i], NULL, 0);
	}
	printf("served %ld kills %d unparked %d unanswered %ld\n",
	       atomic_load(&sh->served), kills, unparked,
	       atomic_load(&sh->unanswered));
	return atomic_load(&sh->served) < o->conns;
}

/* Why a client connection failed, for the summary line. */
enum failure { F_CONNECT, F_TIMEOUT, F_RESET, F_EOF, F_OTHER, F_MAX };

struct client_job {
	struct sockaddr_storage ss;
	socklen_t len;
	int count, done, failed[F_MAX];
	int answered;
	double *ms;	/* latency of each answered connection */
};

static enum failure classify(int err)
{
	if (err == EAGAIN || err == ETIMEDOUT)
		return F_TIMEOUT;
	if (err == ECONNRESET || err == EPIPE)
		return F_RESET;
	return F_OTHER;
}

/* One request; -1 and the reason in @why when it gets no answer. */
static int one_request(const struct client_job *j, enum failure *why)
{
	struct timeval tv = { .tv_sec = client_bound_ms / 1000,
			      .tv_usec = client_bound_ms % 1000 * 1000 };
	int fd = socket(j->ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	char buf[8];
	ssize_t n;

	*why = F_OTHER;
	if (fd < 0)
		return -1;
	if (setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) ||
	    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv)) ||
	    connect(fd, (const struct sockaddr *)&j->ss, j->len)) {
		*why = F_CONNECT;
		goto fail;
	}
	if (write(fd, "x\n", 2) != 2) {
		*why = classify(errno);
		goto fail;
	}
	n = read(fd, buf, sizeof(buf));
	if (n == 3) {
		close(fd);
		return 0;
	}
	*why = n < 0 ? classify(errno) : F_EOF;
	report_lost("client", local_port(fd), n < 0 ? "read failed" :
		    "read EOF", n < 0 ? errno : 0);
fail:
	close(fd);
	return -1;
}

static void *client_thread(void *p)
{
	struct client_job *j = p;
	enum failure why;
	int i;

	for (i = 0; i < j->count; i++) {
		struct timespec t0, t1;

		if (client_deadline && now_ms() >= client_deadline)
			break;
		j->done++;
		clock_gettime(CLOCK_MONOTONIC, &t0);
		if (one_request(j, &why)) {
			j->failed[why]++;
			continue;
		}
		clock_gettime(CLOCK_MONOTONIC, &t1);
		j->ms[j->answered++] = (t1.tv_sec - t0.tv_sec) * 1e3 +
				       (t1.tv_nsec - t0.tv_nsec) / 1e6;
	}
	return NULL;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/* The latency line over all threads' answered connections. */
static void print_latency(struct client_job *jobs, int n)
{
	int t, k = 0, total = 0;
	double *all;

	for (t = 0; t < n; t++)
		total += jobs[t].answered;
	all = calloc(total ? total : 1, sizeof(*all));
	if (!all)
		return;
	for (t = 0; t < n; t++) {
		memcpy(all + k, jobs[t].ms, jobs[t].answered * sizeof(*all));
		k += jobs[t].answered;
	}
	qsort(all, total, sizeof(*all), cmp_double);
	if (total)
		printf("latency p50 %.1f p99 %.1f max %.1f ms\n",
		       all[(total - 1) / 2], all[(total * 99 - 1) / 100],
		       all[total - 1]);
	else
		printf("latency none answered\n");
	free(all);
}

static int run_client(const struct options *o)
{
	static struct client_job jobs[MAX_THREADS];
	int t, f, n = o->threads, failed[F_MAX] = { 0 }, total = 0, done = 0;
	pthread_t tids[MAX_THREADS];

	if (o->seconds_given)
		client_deadline = now_ms() + o->seconds * 1000L;

	for (t = 0; t < n; t++) {
		jobs[t].count = o->conns / n + (t < o->conns % n);
		jobs[t].ms = calloc(jobs[t].count + 1, sizeof(double));
		if (!jobs[t].ms ||
		    parse_options_addr(o, &jobs[t].ss, &jobs[t].len) ||
		    pthread_create(&tids[t], NULL, client_thread, &jobs[t]))
			return 1;
	}
	for (t = 0; t < n; t++) {
		pthread_join(tids[t], NULL);
		done += jobs[t].done;
		for (f = 0; f < F_MAX; f++) {
			failed[f] += jobs[t].failed[f];
			total += jobs[t].failed[f];
		}
	}
	printf("connections %d failed %d (connect %d, no answer in %d ms %d, reset %d, closed without answer %d, other %d)\n",
	       done, total, failed[F_CONNECT], client_bound_ms,
	       failed[F_TIMEOUT], failed[F_RESET], failed[F_EOF],
	       failed[F_OTHER]);
	print_latency(jobs, n);
	return total != 0;
}

int main(int argc, char **argv)
{
	struct options o = { .addr = "127.0.0.1", .port = 8080, .workers = 4,
			     .conns = 1000, .threads = 8, .seconds = 300 };
	int opt;

	if (argc < 2)
		goto usage;
	optind = 2;
	while ((opt = getopt(argc, argv, "a:p:w:n:c:t:k:r:b:")) != -1) {
		switch (opt) {
		case 'a': o.addr = optarg; break;
		case 'p': o.port = atoi(optarg); break;
		case 'w': o.workers = atoi(optarg); break;
		case 'n': o.conns = atoi(optarg); break;
		case 'c': o.threads = atoi(optarg); break;
		case 't': o.seconds = atoi(optarg); o.seconds_given = 1; break;
		case 'r': o.recycle = atoi(optarg); break;
		case 'k': o.kill_ms = atoi(optarg); break;
		case 'b': client_bound_ms = atoi(optarg); break;
		default: goto usage;
		}
	}
	if (o.workers < 1 || o.workers > MAX_WORKERS || o.threads < 1 ||
	    o.threads > MAX_THREADS || o.conns < 1 || o.kill_ms < 0 ||
	    o.recycle < 0 || client_bound_ms < 1)
		goto usage;
	recycle_every = o.recycle;
	if (!strcmp(argv[1], "server"))
		return run_server(&o);
	if (!strcmp(argv[1], "client"))
		return run_client(&o);
usage:
	fprintf(stderr, "usage: prefork server|client -a ADDR -p PORT [-w WORKERS] [-n CONNS] [-c THREADS] [-t SECONDS] [-k MS] [-r N] [-b MS]\n");
	return 2;
}
