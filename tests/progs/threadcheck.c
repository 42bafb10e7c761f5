// SPDX-License-Identifier: GPL-2.0-only
/*
 * threadcheck: what a threaded server sees of its shared listener, run
 * plain and under libfsocket.so; the same checks hold in both, except
 * that with the module (-m) every serving thread is pinned to a CPU of
 * its own (mode 2) and with -p none is.
 *
 *   threadcheck -m | -p
 *
 * One process, a thread per CPU (2 to 8), one non-blocking listener on
 * 127.0.0.1 that each thread adds to an epoll of its own:
 *  - level-triggered, edge-triggered + one-shot (re-armed with
 *    EPOLL_CTL_MOD after each event) and EPOLLEXCLUSIVE registrations:
 *    every connection accepted, every event carrying the data the thread
 *    registered;
 *  - one epoll, the main thread's, that every thread waits in (tokio, mio):
 *    every connection accepted with the registered data, no local
 *    listener made and no thread pinned, with the module or without;
 *  - EPOLL_CTL_DEL of the listener from every thread's epoll by the main
 *    thread: no thread hears of the next connection, and the main thread
 *    (which never served) accepts it;
 *  - a fork() child holds one socket (the listener), as plain;
 *  - once the threads exited, the process holds only its listener;
 *  - close() of the listener by the main thread while the threads wait
 *    in epoll: a new connection is refused, as plain;
 *  - threads blocking in accept() on a blocking listener that the main
 *    thread shuts down (SHUT_RD): every one of them returns, as plain;
 *  - threads blocking in accept(), each having served connections, then
 *    cancelled by the main thread (pthread_cancel; accept() is a
 *    cancellation point): every one ends cancelled within 2 s, as plain;
 *    with the module every one was pinned by then (the first too, which
 *    blocked in accept() before a second thread served), plain none.
 * Each check prints "ok" or "FAIL"; the exit status is the failure count.
 */
#include <dirent.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/epoll.h>
#include <sys/wait.h>
#include <time.h>

#include "check.h"

#define MAX_THREADS 8
#define CONNS 200
#define DATA_BASE 1000u

struct pool {
	int lfd, n;
	uint32_t events;	/* the registration's flags beyond EPOLLIN */
	int ep[MAX_THREADS];
	int pinned[MAX_THREADS];
	pthread_t t[MAX_THREADS];
	atomic_int up, stop, deleted, accepted, bad_data, heard_after_del;
	atomic_int returned, failed_einval, interrupted;
};

struct thread_arg {
	struct pool *p;
	int id;
};

static int want_local;

static long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int listener(int type)
{
	struct sockaddr_in a = { .sin_family = AF_INET,
				 .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	int fd = socket(AF_INET, type, 0);

	if (fd < 0 || bind(fd, (struct sockaddr *)&a, sizeof(a)) < 0 ||
	    listen(fd, 512) < 0) {
		perror("threadcheck: listener");
		exit(100);
	}
	return fd;
}

static int port_of(int fd)
{
	struct sockaddr_in a;
	socklen_t len = sizeof(a);

	getsockname(fd, (struct sockaddr *)&a, &len);
	return ntohs(a.sin_port);
}

/* A connection to 127.0.0.1:@port; -1 with errno when refused. */
static int connect_port(int port)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(port),
				 .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	if (fd >= 0 && connect(fd, (struct sockaddr *)&a, sizeof(a)) < 0) {
		int err = errno;

		close(fd);
		errno = err;
		return -1;
	}
	return fd;
}

static bool pinned_to_one(void)
{
	cpu_set_t set;

	return pthread_getaffinity_np(pthread_self(), sizeof(set), &set) == 0 &&
	       CPU_COUNT(&set) == 1;
}

static void *epoll_thread(void *v)
{
	struct thread_arg *a = v;
	struct pool *p = a->p;
	uint64_t mine = DATA_BASE + a->id;
	struct epoll_event ev = { .events = EPOLLIN | p->events, .data.u64 = mine };
	int ep = epoll_create1(EPOLL_CLOEXEC), fd;

	if (ep < 0 || epoll_ctl(ep, EPOLL_CTL_ADD, p->lfd, &ev) < 0) {
		perror("threadcheck: epoll");
		exit(100);
	}
	p->ep[a->id] = ep;
	atomic_fetch_add(&p->up, 1);
	while (!atomic_load(&p->stop)) {
		if (epoll_wait(ep, &ev, 1, 20) != 1)
			continue;
		if (ev.data.u64 != mine)
			atomic_fetch_add(&p->bad_data, 1);
		if (atomic_load(&p->deleted))
			atomic_fetch_add(&p->heard_after_del, 1);
		while ((fd = accept4(p->lfd, NULL, NULL, SOCK_CLOEXEC)) >= 0) {
			atomic_fetch_add(&p->accepted, 1);
			close(fd);
		}
		if (p->events & EPOLLONESHOT && !atomic_load(&p->deleted)) {
			ev = (struct epoll_event){ .events = EPOLLIN | p->events,
						   .data.u64 = mine };
			epoll_ctl(ep, EPOLL_CTL_MOD, p->lfd, &ev);
		}
		p->pinned[a->id] = pinned_to_one();
	}
	p->pinned[a->id] = pinned_to_one();
	close(ep);
	return NULL;
}

/* A thread of a pool that waits in one epoll, the main thread's. */
static void *shared_epoll_thread(void *v)
{
	struct thread_arg *a = v;
	struct pool *p = a->p;
	struct epoll_event ev;
	int fd;

	atomic_fetch_add(&p->up, 1);
	while (!atomic_load(&p->stop)) {
		if (epoll_wait(p->ep[0], &ev, 1, 20) != 1)
			continue;
		if (ev.data.u64 != DATA_BASE + MAX_THREADS)
			atomic_fetch_add(&p->bad_data, 1);
		while ((fd = accept4(p->lfd, NULL, NULL, SOCK_CLOEXEC)) >= 0) {
			atomic_fetch_add(&p->accepted, 1);
			close(fd);
		}
		p->pinned[a->id] = pinned_to_one();
	}
	p->pinned[a->id] = pinned_to_one();
	return NULL;
}

static void *blocking_thread(void *v)
{
	struct pool *p = ((struct thread_arg *)v)->p;
	int fd;

	atomic_fetch_add(&p->up, 1);
	while ((fd = accept(p->lfd, NULL, NULL)) >= 0)
		close(fd);
	if (errno == EINVAL)
		atomic_fetch_add(&p->failed_einval, 1);
	atomic_fetch_add(&p->returned, 1);
	return NULL;
}

static struct thread_arg args[MAX_THREADS];

static void start(struct pool *p, void *(*fn)(void *))
{
	int i;

	for (i = 0; i < p->n; i++) {
		args[i] = (struct thread_arg){ p, i };
		if (pthread_create(&p->t[i], NULL, fn, &args[i])) {
			perror("threadcheck: pthread_create");
			exit(100);
		}
	}
	while (atomic_load(&p->up) < p->n)
		usleep(1000);
	/* The threads' first accept()s, and with it their local listeners. */
	usleep(300000);
}

static void stop(struct pool *p)
{
	int i;

	atomic_store(&p->stop, 1);
	for (i = 0; i < p->n; i++)
		pthread_join(p->t[i], NULL);
}

/* @want connections accepted by the threads within 5 s? */
static bool all_accepted(struct pool *p, int want)
{
	long until = now_ms() + 5000;

	while (atomic_load(&p->accepted) < want && now_ms() < until)
		usleep(2000);
	return atomic_load(&p->accepted) == want;
}

static void connect_many(int port, int n)
{
	int i, fd;

	for (i = 0; i < n; i++) {
		fd = connect_port(port);
		if (fd < 0) {
			perror("threadcheck: connect");
			exit(100);
		}
		close(fd);
	}
}

/* The main thread (which serves nothing) accepts what waits, within 1 s. */
static bool main_accepts(int lfd)
{
	long until = now_ms() + 1000;
	int fd;

	do {
		fd = accept(lfd, NULL, NULL);
		if (fd >= 0)
			return close(fd) == 0;
		usleep(5000);
	} while (now_ms() < until);
	return false;
}

static void run_epoll(const char *label, uint32_t events, int n, bool more)
{
	struct pool p = { .n = n, .events = events };
	char what[128], detail[96];
	int i, pinned = 0, status;
	pid_t child;

	p.lfd = listener(SOCK_STREAM | SOCK_NONBLOCK);
	start(&p, epoll_thread);
	connect_many(port_of(p.lfd), CONNS);
	snprintf(what, sizeof(what), "%s: %d threads accept every connection", label, n);
	snprintf(detail, sizeof(detail), "%d of %d", atomic_load(&p.accepted), CONNS);
	check(what, all_accepted(&p, CONNS), detail);
	snprintf(what, sizeof(what), "%s: each event carries its thread's data", label);
	check(what, atomic_load(&p.bad_data) == 0, NULL);
	if (more) {
		child = fork();
		if (child == 0)
			_exit(count_sockets() == 1 ? 0 : 1);
		waitpid(child, &status, 0);
		check("a fork() child holds one socket, its listener",
		      WIFEXITED(status) && WEXITSTATUS(status) == 0, NULL);

		for (i = 0; i < n; i++)
			epoll_ctl(p.ep[i], EPOLL_CTL_DEL, p.lfd, NULL);
		atomic_store(&p.deleted, 1);
		i = connect_port(port_of(p.lfd));
		usleep(300000);
		check("after EPOLL_CTL_DEL by the main thread, no thread hears of a connection",
		      atomic_load(&p.heard_after_del) == 0, NULL);
		check("  the main thread accepts it", main_accepts(p.lfd), NULL);
		close(i);
	}
	stop(&p);
	for (i = 0; i < n; i++)
		pinned += p.pinned[i];
	snprintf(what, sizeof(what), "%s: threads pinned to one CPU", label);
	snprintf(detail, sizeof(detail), "%d of %d (want %d)", pinned, n,
		 want_local ? n : 0);
	check(what, pinned == (want_local ? n : 0), detail);
	if (more) {
		snprintf(detail, sizeof(detail), "%d sockets", count_sockets());
		check("after the threads exited, the process holds its listener only",
		      count_sockets() == 1, detail);
	}
	close(p.lfd);
}

/*
 * The tokio/mio model: the main thread adds the listener to one epoll that
 * every thread waits in. Nothing serves it on its own, so nothing changes:
 * no local listener, no thread pinned, every connection accepted.
 */
static void run_shared_epoll(int n)
{
	struct epoll_event ev = { .events = EPOLLIN,
				  .data.u64 = DATA_BASE + MAX_THREADS };
	struct pool p = { .n = n };
	char detail[64];
	int i, pinned = 0, sockets;

	p.lfd = listener(SOCK_STREAM | SOCK_NONBLOCK);
	p.ep[0] = epoll_create1(EPOLL_CLOEXEC);
	if (p.ep[0] < 0 || epoll_ctl(p.ep[0], EPOLL_CTL_ADD, p.lfd, &ev) < 0) {
		perror("threadcheck: epoll");
		exit(100);
	}
	start(&p, shared_epoll_thread);
	connect_many(port_of(p.lfd), CONNS);
	snprintf(detail, sizeof(detail), "%d of %d", atomic_load(&p.accepted), CONNS);
	check("one epoll shared by every thread: every connection accepted",
	      all_accepted(&p, CONNS), detail);
	check("  each event carries the data the main thread registered",
	      atomic_load(&p.bad_data) == 0, NULL);
	sockets = count_sockets();
	snprintf(detail, sizeof(detail), "%d sockets", sockets);
	check("  the process holds its listener only (no local listener)",
	      sockets == 1, detail);
	stop(&p);
	for (i = 0; i < n; i++)
		pinned += p.pinned[i];
	snprintf(detail, sizeof(detail), "%d of %d", pinned, n);
	check("  no thread pinned to one CPU", pinned == 0, detail);
	close(p.ep[0]);
	close(p.lfd);
}

static void run_close(int n)
{
	struct pool p = { .n = n };
	int port, fd;

	p.lfd = listener(SOCK_STREAM | SOCK_NONBLOCK);
	port = port_of(p.lfd);
	start(&p, epoll_thread);
	connect_many(port, 20);
	all_accepted(&p, 20);
	/*
	 * Until each thread is back in epoll_wait(): one still in accept4()
	 * holds the listener's file, which then closes only as that call
	 * returns, and a connection made meanwhile is queued, plain or not.
	 */
	usleep(100000);
	close(p.lfd);
	fd = connect_port(port);
	expect_errno("close() by the main thread while threads wait: a connection is refused",
		     fd, ECONNREFUSED);
	stop(&p);
}

static void run_shutdown(int n)
{
	struct pool p = { .n = n };
	char detail[64];
	long until;

	p.lfd = listener(SOCK_STREAM);
	start(&p, blocking_thread);
	connect_many(port_of(p.lfd), 20);
	usleep(100000);
	shutdown(p.lfd, SHUT_RD);
	until = now_ms() + 2000;
	while (atomic_load(&p.returned) < n && now_ms() < until)
		usleep(2000);
	snprintf(detail, sizeof(detail), "%d of %d returned, %d with EINVAL",
		 atomic_load(&p.returned), n, atomic_load(&p.failed_einval));
	check("shutdown(SHUT_RD) by the main thread ends every blocking accept()",
	      atomic_load(&p.returned) == n, detail);
	if (atomic_load(&p.returned) == n)
		stop(&p);
	close(p.lfd);
}

/* Cancelled: whether the thread was pinned to one CPU by then. */
static void note_pinned(void *v)
{
	struct thread_arg *a = v;

	a->p->pinned[a->id] = pinned_to_one();
}

/* Blocking in accept() until cancelled. */
static void *cancelled_thread(void *v)
{
	struct thread_arg *a = v;
	struct pool *p = a->p;
	int fd;

	pthread_cleanup_push(note_pinned, a);
	atomic_fetch_add(&p->up, 1);
	for (;;) {
		fd = accept(p->lfd, NULL, NULL);
		if (fd < 0) {
			if (errno == EINTR)
				atomic_fetch_add(&p->interrupted, 1);
			continue;
		}
		atomic_fetch_add(&p->accepted, 1);
		close(fd);
	}
	pthread_cleanup_pop(0);
	return NULL;
}

static void run_cancel(int n)
{
	struct pool p = { .n = n };
	struct timespec until;
	int i, cancelled = 0, pinned = 0;
	char detail[64];
	void *ret;

	p.lfd = listener(SOCK_STREAM);
	start(&p, cancelled_thread);
	connect_many(port_of(p.lfd), 40);
	all_accepted(&p, 40);
	usleep(100000);
	for (i = 0; i < n; i++)
		pthread_cancel(p.t[i]);
	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_sec += 2;
	for (i = 0; i < n; i++) {
		if (pthread_timedjoin_np(p.t[i], &ret, &until) == 0)
			cancelled += ret == PTHREAD_CANCELED;
		pinned += p.pinned[i];
	}
	snprintf(detail, sizeof(detail), "%d of %d cancelled, %d accept() failed with EINTR",
		 cancelled, n, atomic_load(&p.interrupted));
	check("pthread_cancel() ends every thread blocked in accept(), inside it",
	      cancelled == n && !atomic_load(&p.interrupted), detail);
	if (cancelled != n) {
		printf("%d failed\n", ++failures);
		/* A thread still in accept() cannot be joined: leave at once. */
		fflush(stdout);
		_exit(failures);
	}
	snprintf(detail, sizeof(detail), "%d of %d pinned", pinned, n);
	check(want_local ? "every blocking thread pinned to one CPU" :
			   "no blocking thread pinned",
	      pinned == (want_local ? n : 0), detail);
	close(p.lfd);
}

int main(int argc, char **argv)
{
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);
	int n = cpus < 2 ? 2 : cpus > MAX_THREADS ? MAX_THREADS : (int)cpus;

	if (argc != 2 || (strcmp(argv[1], "-m") && strcmp(argv[1], "-p"))) {
		fprintf(stderr, "usage: threadcheck -m | -p\n");
		return 2;
	}
	want_local = !strcmp(argv[1], "-m");
	setvbuf(stdout, NULL, _IOLBF, 0);
	run_epoll("level-triggered", 0, n, true);
	run_epoll("edge-triggered one-shot", EPOLLET | EPOLLONESHOT, n, false);
	run_epoll("EPOLLEXCLUSIVE", EPOLLEXCLUSIVE, n, false);
	run_shared_epoll(n);
	run_close(n);
	run_shutdown(n);
	run_cancel(n);
	printf("%d failed\n", failures);
	return failures > 99 ? 99 : failures;
}
