// SPDX-License-Identifier: GPL-2.0-only
/*
 * Unit tests of libfsocket's own logic, on the host, without the module:
 * the descriptor table, the wrappers that keep it true (dup, dup2, dup3,
 * fcntl, close, close_range) with tracked, huge and private numbers,
 * numbers closed behind the library's back and handed out again (open,
 * pipe, recvmsg and the rest), descriptors sent with SCM_RIGHTS, poll()
 * and select() on a local listener, signal handlers, threads, fork and
 * vfork, threads serving one listener, an exec that hands listeners
 * over and the new program's side of it. The library's objects are
 * linked into this program, so its wrappers are the calls made here, and
 * libc's are found behind them as in a preloaded process. Built plain,
 * with ASan + UBSan and with TSan (tests/unit/Makefile). The table is
 * set up by hand where the module would have made a local listener.
 */
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/select.h>
#include <sys/eventfd.h>
#include <sys/inotify.h>
#include <sys/mman.h>
#include <sys/signalfd.h>
#include <sys/timerfd.h>
#include <time.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
#include <linux/close_range.h>

#include <cmocka.h>

#include "../../src/common/cpu_list.h"
#include "../../src/libfsocket/libfsocket.h"

/* A connection to the listener @fd, queued there once this returns. */
static int connect_to(int fd)
{
	struct sockaddr_in a;
	socklen_t len = sizeof(a);
	struct pollfd p = { .fd = fd, .events = POLLIN };
	int c = socket(AF_INET, SOCK_STREAM, 0);

	assert_true(c >= 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&a, &len), 0);
	assert_int_equal(connect(c, (struct sockaddr *)&a, len), 0);
	assert_int_equal(fsock_real()->poll(&p, 1, 2000), 1);
	return c;
}

/* A TCP listener on loopback; with @pending, one connection waits on it. */
static int tcp_listener(bool pending, int *client)
{
	struct sockaddr_in a = { .sin_family = AF_INET,
				 .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t len = sizeof(a);
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);

	assert_true(fd >= 0);
	assert_int_equal(bind(fd, (struct sockaddr *)&a, len), 0);
	assert_int_equal(listen(fd, 8), 0);
	*client = pending ? connect_to(fd) : -1;
	return fd;
}

static void set_kind(int fd, enum fsock_kind kind, int a)
{
	struct fsock_ent e = { .kind = kind, .a = a, .b = FSOCK_NONE };

	fsock_lock();
	fsock_set(fd, &e);
	fsock_unlock();
}

/* @local names a local listener whose private global is @priv. */
static void make_local(int local, int priv)
{
	set_kind(local, FSOCK_LOCAL, priv);
	set_kind(priv, FSOCK_PRIVATE, local);
}

static int teardown(void **state)
{
	(void)state;
	fsock_lock();
	fsock_for_range(0, ~0u, fsock_clear);
	fsock_unlock();
	assert_int_equal(atomic_load(&fsock_known), 0);
	return 0;
}

static void table_numbers(void **state)
{
	static const int fds[] = { 0, 1, 4095, 4096, 1 << 20, (1 << 30) - 1,
				   INT32_MAX };
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(fds) / sizeof(fds[0]); i++) {
		struct fsock_ent e = { .kind = FSOCK_GLOBAL, .flags = FSOCK_REUSE,
				       .a = 4194303, .b = FSOCK_NONE };

		fsock_lock();
		fsock_set(fds[i], &e);
		fsock_unlock();
		e = fsock_get(fds[i]);
		assert_int_equal(e.kind, FSOCK_GLOBAL);
		assert_int_equal(e.flags, FSOCK_REUSE);
		assert_int_equal(e.a, 4194303);
		assert_int_equal(e.b, FSOCK_NONE);
	}
	assert_int_equal(atomic_load(&fsock_known), (int)i);
	assert_int_equal(fsock_get(-1).kind, FSOCK_UNKNOWN);
	assert_int_equal(fsock_get(1 << 21).kind, FSOCK_UNKNOWN);
}

static void dup_copies_role(void **state)
{
	int c, l = tcp_listener(false, &c), d, f;

	(void)state;
	set_kind(l, FSOCK_GLOBAL, getpid());
	d = dup(l);
	assert_true(d >= 0);
	assert_int_equal(fsock_get(d).kind, FSOCK_GLOBAL);
	f = fcntl(l, F_DUPFD_CLOEXEC, 500);
	assert_true(f >= 500);
	assert_int_equal(fsock_get(f).kind, FSOCK_GLOBAL);
	close(d);
	close(f);
	assert_int_equal(fsock_get(d).kind, FSOCK_UNKNOWN);
	assert_int_equal(fsock_get(f).kind, FSOCK_UNKNOWN);
	close(l);
	assert_int_equal(fsock_get(l).kind, FSOCK_UNKNOWN);
}

/* The highest descriptor number this process may have (main sets it). */
static int huge_fd = 1023;

static void dup2_onto_tracked(void **state)
{
	int c, l = tcp_listener(false, &c), p[2];

	(void)state;
	assert_int_equal(pipe(p), 0);
	set_kind(l, FSOCK_GLOBAL, getpid());
	assert_int_equal(dup2(p[0], l), l);
	assert_int_equal(fsock_get(l).kind, FSOCK_UNKNOWN);
	/* dup3 onto the highest number allowed: the copy takes the role. */
	set_kind(p[1], FSOCK_GLOBAL, getpid());
	assert_int_equal(dup3(p[1], huge_fd, O_CLOEXEC), huge_fd);
	assert_int_equal(fsock_get(huge_fd).kind, FSOCK_GLOBAL);
	close(huge_fd);
	assert_int_equal(fsock_get(huge_fd).kind, FSOCK_UNKNOWN);
	close(l);
	close(p[0]);
	close(p[1]);
}

/*
 * The application dup2()s onto our private descriptor: it leaves the
 * epoll it was in before the number changes hands, so the epoll does not
 * go on reporting the shared listener under the application's data.
 */
static void dup2_onto_private(void **state)
{
	int c, local = tcp_listener(false, &c), gc;
	int global = tcp_listener(true, &gc), keep = fsock_real()->dup(global);
	int ep = epoll_create1(0), p[2];
	struct epoll_event ev = { .events = EPOLLIN, .data.u64 = 7 };

	(void)state;
	assert_int_equal(pipe(p), 0);
	make_local(local, global);
	assert_int_equal(fsock_real()->epoll_ctl(ep, EPOLL_CTL_ADD, global, &ev), 0);
	fsock_lock();
	assert_int_equal(fsock_reg_add(local, ep, false), 0);
	fsock_unlock();
	assert_int_equal(epoll_wait(ep, &ev, 1, 0), 1);
	assert_int_equal(dup2(p[0], global), global);
	assert_int_equal(fsock_get(global).kind, FSOCK_UNKNOWN);
	assert_int_equal(fsock_get(local).a, FSOCK_NONE);
	assert_int_equal(epoll_wait(ep, &ev, 1, 0), 0);
	close(global);
	close(keep);
	close(local);
	close(gc);
	close(ep);
	close(p[1]);
}

/*
 * A registration remembers whether the application asked for
 * EPOLLEXCLUSIVE (no PAUSE_LOCAL at its EPOLL_CTL_DEL), and a descriptor
 * that goes is forgotten with its registrations.
 */
static void registrations(void **state)
{
	(void)state;
	fsock_lock();
	assert_int_equal(fsock_reg_add(900, 901, true), 0);
	assert_int_equal(fsock_reg_add(900, 902, false), 0);
	assert_true(fsock_reg_del(900, 901));
	assert_false(fsock_reg_del(900, 902));
	assert_false(fsock_reg_del(900, 903));
	assert_int_equal(fsock_reg_add(900, 904, true), 0);
	fsock_reg_drop(900);
	assert_false(fsock_reg_del(900, 904));
	fsock_unlock();
}

/* @a and @b name the same socket. */
static bool same_socket(int a, int b)
{
	struct stat sa, sb;

	return fstat(a, &sa) == 0 && fstat(b, &sb) == 0 && sa.st_ino == sb.st_ino;
}

/*
 * A worker that takes its local listener out of its epoll twice within
 * 10 s (nginx with accept_mutex on) gets the shared listener back over its
 * descriptor, with its descriptor flags, for good: the private copy goes,
 * the next EPOLL_CTL_ADD adds the shared listener itself and reports its
 * connections, and the library never spawns for it again in this process.
 * Taken out once, it stays local; while another epoll still watches it,
 * or where the two differ in O_NONBLOCK (a flag of the shared file, which
 * other processes see), it stays local too.
 */
static void churn_gives_up_local(void **state)
{
	int lc, gc, local = tcp_listener(false, &lc);
	int global = tcp_listener(false, &gc), keep = fsock_real()->dup(global);
	int ep = epoll_create1(EPOLL_CLOEXEC), c;
	struct epoll_event ev = { .events = EPOLLIN, .data.u64 = 42 };

	(void)state;
	assert_true(ep >= 0 && keep >= 0);
	assert_int_equal(fcntl(local, F_SETFD, FD_CLOEXEC), 0);
	make_local(local, global);
	assert_int_equal(epoll_ctl(ep, EPOLL_CTL_ADD, local, &ev), 0);
	assert_int_equal(epoll_ctl(ep, EPOLL_CTL_DEL, local, &ev), 0);
	assert_int_equal(fsock_get(local).kind, FSOCK_LOCAL);
	assert_int_equal(fsock_get(global).kind, FSOCK_PRIVATE);
	assert_int_equal(epoll_ctl(ep, EPOLL_CTL_ADD, local, &ev), 0);
	assert_int_equal(epoll_ctl(ep, EPOLL_CTL_DEL, local, &ev), 0);
	assert_int_equal(fsock_get(local).kind, FSOCK_GLOBAL);
	assert_int_equal(fsock_get(local).b, getpid());
	assert_false(fsock_want_local(local, false));
	assert_true(same_socket(local, keep));
	assert_int_equal(fcntl(local, F_GETFD), FD_CLOEXEC);
	assert_int_equal(fcntl(global, F_GETFD), -1);
	assert_int_equal(errno, EBADF);
	assert_int_equal(fsock_get(global).kind, FSOCK_UNKNOWN);
	assert_int_equal(epoll_ctl(ep, EPOLL_CTL_ADD, local, &ev), 0);
	c = connect_to(keep);
	ev.data.u64 = 0;
	assert_int_equal(epoll_wait(ep, &ev, 1, 2000), 1);
	assert_int_equal(ev.data.u64, 42);
	close(c);
	close(local);
	close(keep);
	close(ep);
}

/* @local, with @global behind it, into @ep and out again twice: still local. */
static void take_out_twice(int ep, int local, int global)
{
	struct epoll_event ev = { .events = EPOLLIN };

	for (int i = 0; i < 2; i++) {
		assert_int_equal(epoll_ctl(ep, EPOLL_CTL_ADD, local, &ev), 0);
		assert_int_equal(epoll_ctl(ep, EPOLL_CTL_DEL, local, &ev), 0);
	}
	assert_int_equal(fsock_get(local).kind, FSOCK_LOCAL);
	assert_int_equal(fsock_get(global).kind, FSOCK_PRIVATE);
}

/* Still in another epoll of the worker's: it stays local. */
static void churn_keeps_watched_local(void **state)
{
	int lc, gc, local = tcp_listener(false, &lc);
	int global = tcp_listener(false, &gc);
	int ep = epoll_create1(EPOLL_CLOEXEC), other = epoll_create1(EPOLL_CLOEXEC);
	struct epoll_event ev = { .events = EPOLLIN };

	(void)state;
	assert_true(ep >= 0 && other >= 0);
	make_local(local, global);
	assert_int_equal(epoll_ctl(other, EPOLL_CTL_ADD, local, &ev), 0);
	take_out_twice(ep, local, global);
	close(local);
	close(ep);
	close(other);
}

/*
 * Once added with EPOLLEXCLUSIVE it stays local: nginx with accept_mutex
 * off, whose accept() failed with EMFILE, takes its listener out and adds
 * it back without EPOLLEXCLUSIVE, maybe twice within 10 s.
 */
static void churn_keeps_exclusive_local(void **state)
{
	int lc, gc, local = tcp_listener(false, &lc);
	int global = tcp_listener(false, &gc);
	int ep = epoll_create1(EPOLL_CLOEXEC);
	struct epoll_event ev = { .events = EPOLLIN | EPOLLEXCLUSIVE };

	(void)state;
	assert_true(ep >= 0);
	make_local(local, global);
	assert_int_equal(epoll_ctl(ep, EPOLL_CTL_ADD, local, &ev), 0);
	assert_int_equal(epoll_ctl(ep, EPOLL_CTL_DEL, local, &ev), 0);
	take_out_twice(ep, local, global);
	close(local);
	close(ep);
}

static void churn_keeps_nonblock_apart(void **state)
{
	int lc, gc, local = tcp_listener(false, &lc);
	int global = tcp_listener(false, &gc);
	int ep = epoll_create1(EPOLL_CLOEXEC);

	(void)state;
	assert_true(ep >= 0);
	assert_int_equal(fcntl(global, F_SETFL, 0), 0);
	make_local(local, global);
	take_out_twice(ep, local, global);
	close(local);
	assert_int_equal(fsock_get(global).kind, FSOCK_UNKNOWN);
	close(ep);
}

static void close_range_forgets(void **state)
{
	int p[2], base = 3000;

	(void)state;
	assert_int_equal(pipe(p), 0);
	for (int i = 0; i < 10; i++) {
		assert_int_equal(dup2(p[0], base + i), base + i);
		set_kind(base + i, FSOCK_GLOBAL, getpid());
	}
	assert_int_equal(close_range(base, base + 4, 0), 0);
	for (int i = 0; i < 10; i++)
		assert_int_equal(fsock_get(base + i).kind,
				 i < 5 ? FSOCK_UNKNOWN : FSOCK_GLOBAL);
	/* CLOSE_RANGE_CLOEXEC closes nothing, so forgets nothing. */
	assert_int_equal(close_range(base + 5, base + 9, CLOSE_RANGE_CLOEXEC), 0);
	assert_int_equal(fsock_get(base + 7).kind, FSOCK_GLOBAL);
	closefrom(base + 5);
	assert_int_equal(fsock_get(base + 9).kind, FSOCK_UNKNOWN);
	close(p[0]);
	close(p[1]);
}

/* poll() and select() on a local listener also report its global's queue. */
static void poll_sees_global(void **state)
{
	int lc, gc, local = tcp_listener(false, &lc);
	int global = tcp_listener(true, &gc);
	struct pollfd pfd[2] = { { .fd = local, .events = POLLIN },
				 { .fd = -1 } };
	struct timespec zero = { 0 };
	fd_set r;

	(void)state;
	assert_int_equal(poll(pfd, 1, 0), 0);	/* not yet a local listener */
	make_local(local, global);
	assert_int_equal(poll(pfd, 2, 1000), 1);
	assert_int_equal(pfd[0].revents, POLLIN);
	assert_int_equal(pfd[1].revents, 0);
	pfd[0].revents = 0;
	assert_int_equal(ppoll(pfd, 1, &zero, NULL), 1);
	assert_int_equal(pfd[0].revents, POLLIN);
	FD_ZERO(&r);
	FD_SET(local, &r);
	assert_int_equal(select(local + 1, &r, NULL, NULL, NULL), 1);
	assert_true(FD_ISSET(local, &r));
	assert_false(FD_ISSET(global, &r));
	/* Asked only for output, nothing is added. */
	pfd[0].events = POLLOUT;
	assert_int_equal(poll(pfd, 1, 0), 0);
	close(local);
	assert_int_equal(fsock_get(global).kind, FSOCK_UNKNOWN);
	close(lc);
	close(gc);
}

/* A tracked number closed behind the library's back, and the lowest free. */
static int closed_behind(void)
{
	int fd = fsock_real()->dup(0);

	assert_true(fd >= 0);
	set_kind(fd, FSOCK_GLOBAL, getpid());
	assert_int_equal(syscall(SYS_close, fd), 0);
	return fd;
}

/* Each call that hands out a descriptor drops the stale role. */
static void stale_numbers(void **state)
{
	int fd, p[2], e;

	(void)state;
	fd = closed_behind();
	assert_int_equal(pipe(p), 0);
	assert_int_equal(p[0], fd);
	assert_int_equal(fsock_get(fd).kind, FSOCK_UNKNOWN);
	close(p[0]);
	close(p[1]);
	fd = closed_behind();
	assert_int_equal(pipe2(p, O_CLOEXEC), 0);
	assert_int_equal(fsock_get(fd).kind, FSOCK_UNKNOWN);
	close(p[0]);
	close(p[1]);
	fd = closed_behind();
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, p), 0);
	assert_int_equal(fsock_get(fd).kind, FSOCK_UNKNOWN);
	close(p[0]);
	close(p[1]);
	fd = closed_behind();
	e = eventfd(0, 0);
	assert_int_equal(e, fd);
	assert_int_equal(fsock_get(fd).kind, FSOCK_UNKNOWN);
	close(e);
	fd = closed_behind();
	e = epoll_create1(EPOLL_CLOEXEC);
	assert_int_equal(e, fd);
	assert_int_equal(fsock_get(fd).kind, FSOCK_UNKNOWN);
	close(e);
	fd = closed_behind();
	e = socket(AF_INET, SOCK_STREAM, 0);
	assert_int_equal(e, fd);
	assert_int_equal(fsock_get(fd).kind, FSOCK_UNKNOWN);
	close(e);
}

static int handler_fd = -1;

static void on_usr1(int sig)
{
	(void)sig;
	handler_fd = dup2(1, 100);
}

static void on_alarm(int sig)
{
	(void)sig;
	_exit(99);	/* a deadlock: fail loudly rather than hang */
}

/* A handler that copies a descriptor while its thread holds the table. */
static void signal_inside_lock(void **state)
{
	(void)state;
	set_kind(4000, FSOCK_GLOBAL, getpid());	/* the table is in use */
	signal(SIGUSR1, on_usr1);
	signal(SIGALRM, on_alarm);
	alarm(10);
	fsock_lock();
	raise(SIGUSR1);
	fsock_unlock();
	alarm(0);
	assert_int_equal(handler_fd, 100);
	close(100);
	signal(SIGUSR1, SIG_DFL);
}

#define THREADS 8
#define ROUNDS 2000

static void *churn(void *p)
{
	int id = (int)(intptr_t)p, i, d;

	for (i = 0; i < ROUNDS; i++) {
		d = dup(0);
		if (d < 0)
			continue;
		set_kind(d, FSOCK_GLOBAL, getpid());
		if (fsock_get(d).kind != FSOCK_GLOBAL)
			return (void *)1;
		close(d);
		(void)fsock_get(5000 + id);
	}
	return NULL;
}

/* Threads dupping, tracking and closing at once (TSan watches). */
static void threads_churn(void **state)
{
	pthread_t t[THREADS];
	void *ret;
	int i;

	(void)state;
	for (i = 0; i < THREADS; i++)
		assert_int_equal(pthread_create(&t[i], NULL, churn,
						(void *)(intptr_t)i), 0);
	for (i = 0; i < THREADS; i++) {
		assert_int_equal(pthread_join(t[i], &ret), 0);
		assert_null(ret);
	}
	assert_int_equal(atomic_load(&fsock_known), 0);
}

static void *hold_lock(void *p)
{
	(void)p;
	fsock_lock();
	usleep(20000);
	fsock_unlock();
	return NULL;
}

/* fork() while another thread holds the table: the child can use it. */
static void fork_with_lock_held(void **state)
{
	pthread_t t;
	int status, p[2];
	pid_t pid;

	(void)state;
	assert_int_equal(pipe(p), 0);
	set_kind(p[0], FSOCK_GLOBAL, getpid());
	assert_int_equal(pthread_create(&t, NULL, hold_lock, NULL), 0);
	usleep(1000);
	pid = fork();
	if (pid == 0) {
		alarm(10);
		close(p[0]);	/* takes the table's lock */
		/* exec, not exit: TSan would count the parent's thread as leaked */
		execl(fsock_get(p[0]).kind == FSOCK_UNKNOWN &&
		      fsock_pid() == getpid() ? "/bin/true" : "/bin/false",
		      "child", (char *)NULL);
		_exit(2);
	}
	assert_true(pid > 0);
	assert_int_equal(fsock_pid(), getpid());
	pthread_join(t, NULL);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
	/* The parent's table is untouched by the child's close. */
	assert_int_equal(fsock_get(p[0]).kind, FSOCK_GLOBAL);
	close(p[0]);
	close(p[1]);
}

static int atfork_runs;

static void count_atfork(void)
{
	atfork_runs++;
}

/*
 * vfork() is libc's own: the child runs in the parent's memory (so the
 * exec-errno idiom works), no atfork handler runs, and what the child
 * closes or copies leaves the parent's table as it was. Under TSan,
 * whose vfork is a fork, only the table is checked.
 */
static void vfork_is_real(void **state)
{
	int c, local = tcp_listener(false, &c), gc;
	int global = tcp_listener(false, &gc), runs, status;
	volatile int child_errno = 0;
	pid_t pid;

	(void)state;
	make_local(local, global);
	set_kind(4001, FSOCK_GLOBAL, getpid());
	runs = atfork_runs;
	pid = vfork();
	if (pid == 0) {
		close(local);		/* would close the parent's private global */
		dup2(1, 4001);
		execl("/nonexistent/fastsocket-test", "x", (char *)NULL);
		child_errno = errno;
		_exit(7);
	}
	assert_true(pid > 0);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_int_equal(WEXITSTATUS(status), 7);
#ifndef __SANITIZE_THREAD__
	assert_int_equal(child_errno, ENOENT);
	assert_int_equal(atfork_runs, runs);
#else
	(void)child_errno;
	(void)runs;
#endif
	assert_int_equal(fsock_get(4001).kind, FSOCK_GLOBAL);
	assert_int_equal(fsock_get(local).kind, FSOCK_LOCAL);
	assert_int_equal(fsock_get(local).a, global);
	assert_true(fsock_real()->fcntl(global, F_GETFD) >= 0);
	assert_int_equal(fsock_pid(), getpid());
	close(local);
	assert_int_equal(fsock_get(global).kind, FSOCK_UNKNOWN);
	assert_int_equal(fsock_real()->fcntl(global, F_GETFD), -1);
	close(c);
	close(gc);
}

/* Asserts that @made took the stale number @fd and dropped its role. */
static void took_stale(int fd, int made)
{
	assert_int_equal(made, fd);
	assert_int_equal(fsock_get(fd).kind, FSOCK_UNKNOWN);
	close(made);
}

/* open(), openat() and the other calls that hand out numbers. */
static void stale_numbers_open(void **state)
{
	sigset_t mask;
	int fd, o;

	(void)state;
	sigemptyset(&mask);
	sigaddset(&mask, SIGUSR2);
	fd = closed_behind();
	took_stale(fd, memfd_create("fastsocket-test", MFD_CLOEXEC));
	fd = closed_behind();
	took_stale(fd, signalfd(-1, &mask, SFD_CLOEXEC));
	fd = closed_behind();
	took_stale(fd, timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC));
	fd = closed_behind();
	took_stale(fd, inotify_init1(IN_CLOEXEC));
	fd = closed_behind();
	took_stale(fd, inotify_init());
	fd = closed_behind();
	o = open("/dev/null", O_RDONLY);
	assert_int_equal(o, fd);
	assert_int_equal(fsock_get(fd).kind, FSOCK_UNKNOWN);
	close(o);
	fd = closed_behind();
	o = openat(AT_FDCWD, "/dev/null", O_WRONLY | O_CLOEXEC);
	assert_int_equal(o, fd);
	assert_int_equal(fsock_get(fd).kind, FSOCK_UNKNOWN);
	close(o);
	fd = closed_behind();
	o = open("/tmp", O_TMPFILE | O_RDWR, 0600);
	if (o >= 0) {	/* a filesystem without O_TMPFILE says EOPNOTSUPP */
		assert_int_equal(o, fd);
		assert_int_equal(fsock_get(fd).kind, FSOCK_UNKNOWN);
		assert_int_equal(fcntl(o, F_GETFL) & O_ACCMODE, O_RDWR);
		close(o);
	} else {
		fsock_lock();
		fsock_clear(fd);
		fsock_unlock();
	}
}

/* Sends @n of @fds over @sock with SCM_RIGHTS. */
static void send_fds(int sock, const int *fds, int n)
{
	union {
		struct cmsghdr align;
		unsigned char buf[CMSG_SPACE(sizeof(int) * 4)];
	} u;
	char byte = 'x';
	struct iovec iov = { .iov_base = &byte, .iov_len = 1 };
	struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1,
			    .msg_control = u.buf,
			    .msg_controllen = CMSG_SPACE(sizeof(int) * n) };
	struct cmsghdr *c = CMSG_FIRSTHDR(&m);

	assert_true(n <= 4);
	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_RIGHTS;
	c->cmsg_len = CMSG_LEN(sizeof(int) * n);
	memcpy(CMSG_DATA(c), fds, sizeof(int) * n);
	assert_int_equal(sendmsg(sock, &m, 0), 1);
	/* The caller's own buffer still names what it sent. */
	assert_memory_equal(CMSG_DATA(c), fds, sizeof(int) * n);
}

static int recv_fds(int sock, int *fds, int max)
{
	union {
		struct cmsghdr align;
		unsigned char buf[CMSG_SPACE(sizeof(int) * 4)];
	} u;
	char byte;
	struct iovec iov = { .iov_base = &byte, .iov_len = 1 };
	struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1,
			    .msg_control = u.buf, .msg_controllen = sizeof(u.buf) };
	struct cmsghdr *c;
	int n;

	assert_int_equal(recvmsg(sock, &m, MSG_CMSG_CLOEXEC), 1);
	c = CMSG_FIRSTHDR(&m);
	assert_non_null(c);
	assert_int_equal(c->cmsg_type, SCM_RIGHTS);
	n = (int)((c->cmsg_len - CMSG_LEN(0)) / sizeof(int));
	assert_true(n <= max);
	memcpy(fds, CMSG_DATA(c), sizeof(int) * n);
	return n;
}

/* One descriptor received with recvmmsg(). */
static int recv_one_mmsg(int sock)
{
	union {
		struct cmsghdr align;
		unsigned char buf[CMSG_SPACE(sizeof(int))];
	} u;
	char byte;
	struct iovec iov = { .iov_base = &byte, .iov_len = 1 };
	struct mmsghdr mm = { .msg_hdr = { .msg_iov = &iov, .msg_iovlen = 1,
					   .msg_control = u.buf,
					   .msg_controllen = sizeof(u.buf) } };
	int fd;

	assert_int_equal(recvmmsg(sock, &mm, 1, 0, NULL), 1);
	memcpy(&fd, CMSG_DATA(CMSG_FIRSTHDR(&mm.msg_hdr)), sizeof(int));
	return fd;
}

static int local_port(int fd)
{
	struct sockaddr_in a;
	socklen_t len = sizeof(a);

	assert_int_equal(getsockname(fd, (struct sockaddr *)&a, &len), 0);
	return ntohs(a.sin_port);
}

/*
 * A local listener passed to another process (haproxy's seamless reload)
 * goes as the shared listener it stands for; other descriptors go as they
 * are; a received number that was stale loses its role.
 */
static void scm_rights_send_shared(void **state)
{
	int c, local = tcp_listener(false, &c), gc;
	int global = tcp_listener(false, &gc), sv[2], p[2], got[4], sent[2];
	int stale;

	(void)state;
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	assert_int_equal(pipe(p), 0);
	make_local(local, global);
	sent[0] = local;
	sent[1] = p[0];
	send_fds(sv[0], sent, 2);
	stale = closed_behind();
	assert_int_equal(recv_fds(sv[1], got, 4), 2);
	assert_int_equal(got[0], stale);
	assert_int_equal(fsock_get(stale).kind, FSOCK_UNKNOWN);
	assert_int_equal(local_port(got[0]), local_port(global));
	assert_true(local_port(got[0]) != local_port(local));
	assert_int_equal(fsock_real()->fcntl(got[1], F_GETFL) & O_ACCMODE,
			 O_RDONLY);
	close(got[0]);
	close(got[1]);
	/* recvmmsg() too: the received number drops a stale role. */
	sent[0] = p[0];
	send_fds(sv[0], sent, 1);
	stale = closed_behind();
	got[0] = recv_one_mmsg(sv[1]);
	assert_int_equal(got[0], stale);
	assert_int_equal(fsock_get(stale).kind, FSOCK_UNKNOWN);
	close(got[0]);
	/* Without a local listener among them, the message goes untouched. */
	sent[0] = p[1];
	send_fds(sv[0], sent, 1);
	assert_int_equal(recv_fds(sv[1], got, 4), 1);
	assert_int_equal(fsock_real()->fcntl(got[0], F_GETFL) & O_ACCMODE,
			 O_WRONLY);
	close(got[0]);
	close(local);
	close(c);
	close(gc);
	close(sv[0]);
	close(sv[1]);
	close(p[0]);
	close(p[1]);
}

/*
 * A fork() child does not keep its parent's channel: when it first needs
 * one it opens its own onto the same number, so the module counts each
 * process's accepts apart, and no number is freed behind the
 * application's back (a close-everything loop, then socket() and
 * closefrom(), finds them where it left them). Without a device (this
 * host has none) the parent's stays. /dev/null stands in for it.
 */
static int child_channel_kept(int fd)
{
	if (!atomic_load(&fsock_channel_inherited) ||
	    fsock_real()->fcntl(fd, F_GETFD) < 0)
		return 1;
	if (fsock_channel() != fd || atomic_load(&fsock_channel_inherited) ||
	    fsock_real()->fcntl(fd, F_GETFD) < 0)
		return 2;
	return 0;
}

static void fork_child_own_channel(void **state)
{
	int fd = open("/dev/null", O_RDWR | O_CLOEXEC), status;
	pid_t child;

	(void)state;
	assert_true(fd >= 0);
	atomic_store(&fsock_channel_fd, fd);
	child = fork();
	if (child == 0)
		_exit(child_channel_kept(fd));
	assert_int_equal(waitpid(child, &status, 0), child);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
	assert_int_equal(atomic_load(&fsock_channel_fd), fd);
	assert_false(atomic_load(&fsock_channel_inherited));
	assert_true(fsock_real()->fcntl(fd, F_GETFD) >= 0);
	atomic_store(&fsock_channel_fd, -2);
	close(fd);
}

/*
 * Threads serving one shared listener (threads.c): each thread that adds
 * it to an epoll of its own is counted, the count goes with the thread,
 * a fork() child keeps none of its parent's, and closing the listener
 * drops the rest. No module here: no local listener is ever made, and
 * the listener stays on libc's path.
 */
struct serve_arg {
	int fd;
	pthread_barrier_t *up, *done;
};

static void *serve_listener(void *p)
{
	struct serve_arg *a = p;
	struct epoll_event ev = { .events = EPOLLIN, .data.fd = a->fd };
	int ep = epoll_create1(EPOLL_CLOEXEC);
	intptr_t bad = ep < 0 || epoll_ctl(ep, EPOLL_CTL_ADD, a->fd, &ev) < 0;

	pthread_barrier_wait(a->up);
	pthread_barrier_wait(a->done);
	close(ep);
	return (void *)bad;
}

static void threads_serve_one_listener(void **state)
{
	pthread_barrier_t up, done;
	struct serve_arg a = { .up = &up, .done = &done };
	pthread_t t[2];
	void *ret;
	pid_t child;
	int i, status, client, conn;

	(void)state;
	a.fd = tcp_listener(false, &client);
	set_kind(a.fd, FSOCK_GLOBAL, getpid());
	pthread_barrier_init(&up, NULL, 3);
	pthread_barrier_init(&done, NULL, 3);
	for (i = 0; i < 2; i++)
		assert_int_equal(pthread_create(&t[i], NULL, serve_listener, &a), 0);
	pthread_barrier_wait(&up);
	/* The listener's entry, and one for each serving thread. */
	assert_int_equal(atomic_load(&fsock_threads_known), 3);
	assert_int_equal(fsock_get(a.fd).b, getpid());
	child = fork();
	if (child == 0)
		_exit(atomic_load(&fsock_threads_known) == 0 ? 0 : 1);
	assert_int_equal(waitpid(child, &status, 0), child);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	pthread_barrier_wait(&done);
	for (i = 0; i < 2; i++) {
		assert_int_equal(pthread_join(t[i], &ret), 0);
		assert_null(ret);
	}
	/* Gone with their threads (the key destructor). */
	assert_int_equal(atomic_load(&fsock_threads_known), 1);
	/* An accept() that only looks (non-blocking) serves nothing. */
	assert_int_equal(accept(a.fd, NULL, NULL), -1);
	assert_int_equal(atomic_load(&fsock_threads_known), 1);
	assert_int_equal(accept(a.fd, NULL, NULL), -1);
	assert_int_equal(atomic_load(&fsock_threads_known), 1);
	/* Told once per thread, and again after F_SETFL: a blocking one serves. */
	client = connect_to(a.fd);
	assert_int_equal(fcntl(a.fd, F_SETFL, 0), 0);
	conn = accept(a.fd, NULL, NULL);
	assert_true(conn >= 0);
	assert_int_equal(atomic_load(&fsock_threads_known), 2);
	close(conn);
	close(client);
	close(a.fd);
	assert_int_equal(atomic_load(&fsock_threads_known), 0);
	pthread_barrier_destroy(&up);
	pthread_barrier_destroy(&done);
}

/*
 * Exec that hands listeners over (exec.c): what env(1) prints when run
 * through @how (execve or execvp) with @envp (execve's) by a child, in
 * @out; returns the child's pid.
 */
enum exec_how { BY_EXECVE, BY_EXECVP };

static pid_t env_through(enum exec_how how, char *const envp[], char *out,
			 size_t size)
{
	char *const argv[] = { "env", NULL };
	int p[2], status;
	size_t len = 0;
	ssize_t n;
	pid_t pid;

	assert_int_equal(pipe(p), 0);
	pid = fork();
	if (pid == 0) {
		int null = open("/dev/null", O_WRONLY);

		dup2(p[1], 1);
		dup2(null, 2);	/* ld.so: the preloaded test path is not there */
		if (how == BY_EXECVE)
			execve("/usr/bin/env", argv, envp);
		else
			execvp("env", argv);
		_exit(127);
	}
	assert_true(pid > 0);
	close(p[1]);
	while (len + 1 < size && (n = read(p[0], out + len, size - 1 - len)) > 0)
		len += (size_t)n;
	out[len] = '\0';
	close(p[0]);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_int_equal(WEXITSTATUS(status), 0);
	return pid;
}

#define TEST_PRELOAD "/nonexistent/libfsocket-unit.so"

/* The process "started" with LD_PRELOAD and FASTSOCKET_QUIET. */
static void started_preloaded(void)
{
	setenv("LD_PRELOAD", TEST_PRELOAD, 1);
	setenv("FASTSOCKET_QUIET", "1", 1);
	fsock_exec_capture();
	unsetenv("LD_PRELOAD");
}

static int teardown_exec(void **state)
{
	fsock_exec_capture();	/* as the test program started */
	return teardown(state);
}

static void exec_hands_listeners_over(void **state)
{
	char *const envp[] = { "TZ=UTC", FSOCK_LISTENERS_VAR "=1:99", NULL };
	char out[4096], want[64];
	int c, handed = tcp_listener(false, &c), c2;
	int kept = tcp_listener(false, &c2);
	pid_t pid;

	(void)state;
	started_preloaded();
	set_kind(handed, FSOCK_GLOBAL, getpid());
	set_kind(kept, FSOCK_GLOBAL, getpid());
	assert_int_equal(fcntl(kept, F_SETFD, FD_CLOEXEC), 0);
	pid = env_through(BY_EXECVE, envp, out, sizeof(out));
	assert_non_null(strstr(out, "TZ=UTC\n"));
	assert_non_null(strstr(out, "LD_PRELOAD=" TEST_PRELOAD "\n"));
	assert_non_null(strstr(out, "FASTSOCKET_QUIET=1\n"));
	snprintf(want, sizeof(want), FSOCK_LISTENERS_VAR "=%d:%d\n", (int)pid,
		 handed);
	assert_non_null(strstr(out, want));
	assert_null(strstr(out, "=1:99"));	/* the stale list gave way */
	close(handed);
	close(kept);
	close(c);
	close(c2);
}

static void exec_keeps_own_preload(void **state)
{
	char *const envp[] = { "LD_PRELOAD=/other.so", NULL };
	char out[4096];
	int c, handed = tcp_listener(false, &c);

	(void)state;
	started_preloaded();
	set_kind(handed, FSOCK_GLOBAL, 0);
	env_through(BY_EXECVE, envp, out, sizeof(out));
	assert_non_null(strstr(out, "LD_PRELOAD=/other.so\n"));
	assert_null(strstr(out, TEST_PRELOAD));
	assert_non_null(strstr(out, FSOCK_LISTENERS_VAR "="));
	close(handed);
	close(c);
}

static void exec_without_handover(void **state)
{
	char *const envp[] = { "TZ=UTC", NULL };
	char out[4096];
	int c, kept = tcp_listener(false, &c), c2;
	int untracked = tcp_listener(false, &c2);

	(void)state;
	started_preloaded();
	set_kind(kept, FSOCK_GLOBAL, getpid());
	assert_int_equal(fcntl(kept, F_SETFD, FD_CLOEXEC), 0);
	env_through(BY_EXECVE, envp, out, sizeof(out));
	assert_string_equal(out, "TZ=UTC\n");
	close(kept);
	close(untracked);
	close(c);
	close(c2);
}

static void execvp_hands_listeners_over(void **state)
{
	char out[16384];
	int c, handed = tcp_listener(false, &c);

	(void)state;
	started_preloaded();
	set_kind(handed, FSOCK_GLOBAL, getpid());
	env_through(BY_EXECVP, NULL, out, sizeof(out));
	assert_non_null(strstr(out, "LD_PRELOAD=" TEST_PRELOAD "\n"));
	assert_non_null(strstr(out, FSOCK_LISTENERS_VAR "="));
	close(handed);
	close(c);
}

/* The new program's side: its own list, then gone from the environment. */
static void adopt_handed_over(void **state)
{
	char list[64];
	int c, listener = tcp_listener(false, &c), p[2];
	const char *bad[] = { "x", "12", ":3", "", "1:2" };
	size_t i;

	(void)state;
	assert_int_equal(pipe(p), 0);
	snprintf(list, sizeof(list), "%d:%d,%d", (int)getpid(), listener, p[0]);
	setenv(FSOCK_LISTENERS_VAR, list, 1);
	assert_int_equal(fsock_adopt_handed_over(), 1);	/* not the pipe */
	assert_null(getenv(FSOCK_LISTENERS_VAR));
	snprintf(list, sizeof(list), "%d:%dx,%d", (int)getpid(), listener,
		 listener);
	setenv(FSOCK_LISTENERS_VAR, list, 1);
	assert_int_equal(fsock_adopt_handed_over(), 0);	/* stops at "5x" */
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		setenv(FSOCK_LISTENERS_VAR, bad[i], 1);
		assert_int_equal(fsock_adopt_handed_over(), 0);
		assert_null(getenv(FSOCK_LISTENERS_VAR));
	}
	assert_int_equal(fsock_adopt_handed_over(), 0);
	close(listener);
	close(c);
	close(p[0]);
	close(p[1]);
}

/* The one CPU-list parser (src/common/cpu_list.h). */
struct seen {
	unsigned int cpu[16];
	int n;
};

static int note_cpu(unsigned int cpu, void *arg)
{
	struct seen *s = arg;

	if (s->n < 16)
		s->cpu[s->n] = cpu;
	s->n++;
	return 0;
}

/* The kernel's own descriptor limits. */
static struct rlimit64 real_nofile(void)
{
	struct rlimit64 r;

	assert_int_equal(syscall(SYS_prlimit64, 0, RLIMIT_NOFILE, NULL, &r), 0);
	return r;
}

/*
 * The library's own descriptor goes above the soft limit, which stays the
 * application's: its next descriptor is the lowest free number, as
 * without the library, and at a full table it gets EMFILE.
 */
static void own_fd_above_limit(void **state)
{
	struct rlimit before, app, r;
	int p[2], moved, fill[64], n = 0, fd;

	(void)state;
	assert_int_equal(getrlimit(RLIMIT_NOFILE, &before), 0);
	app.rlim_cur = 64;
	app.rlim_max = before.rlim_max;
	assert_int_equal(setrlimit(RLIMIT_NOFILE, &app), 0);
	assert_int_equal(pipe(p), 0);
	moved = fsock_own_fd(p[0], true);
	assert_true(moved >= 64);
	assert_int_equal(fcntl(p[0], F_GETFD), -1);
	assert_int_equal(errno, EBADF);
	assert_int_equal(real_nofile().rlim_cur, 64);
	assert_int_equal(fcntl(moved, F_GETFD), 0);	/* pipe() gave none */
	while ((fd = fsock_real()->dup(p[1])) >= 0)
		fill[n++] = fd;
	assert_int_equal(errno, EMFILE);
	assert_true(fill[n - 1] < 64);
	while (n)
		close(fill[--n]);
	close(moved);
	close(p[1]);
	assert_int_equal(setrlimit(RLIMIT_NOFILE, &before), 0);
	assert_int_equal(getrlimit(RLIMIT_NOFILE, &r), 0);
	assert_int_equal(r.rlim_cur, before.rlim_cur);
}

/* May this process raise its hard descriptor limit (CAP_SYS_RESOURCE)? */
static bool may_raise_hard(const struct rlimit *now)
{
	struct rlimit up = { now->rlim_cur, now->rlim_max + 1 };

	if (now->rlim_max == RLIM_INFINITY || setrlimit(RLIMIT_NOFILE, &up) < 0)
		return false;
	assert_int_equal(setrlimit(RLIMIT_NOFILE, now), 0);
	return true;
}

/*
 * At a soft limit of FD_SETSIZE, a listener stays where it is (select()
 * could not wait on it above), the channel goes above.
 */
static void own_fd_select_ceiling(void **state)
{
	struct rlimit before, app;
	int p[2], fd;

	(void)state;
	assert_int_equal(getrlimit(RLIMIT_NOFILE, &before), 0);
	if (before.rlim_max < FD_SETSIZE + 16)
		skip();
	app.rlim_cur = FD_SETSIZE;
	app.rlim_max = before.rlim_max;
	assert_int_equal(setrlimit(RLIMIT_NOFILE, &app), 0);
	assert_int_equal(pipe(p), 0);
	fd = p[0];
	assert_int_equal(fsock_own_fd(fd, true), fd);
	fd = fsock_own_fd(fd, false);
	assert_true(fd >= FD_SETSIZE);
	assert_int_equal(real_nofile().rlim_cur, FD_SETSIZE);
	close(fd);
	close(p[1]);
	assert_int_equal(setrlimit(RLIMIT_NOFILE, &before), 0);
}

/*
 * An application that sets its soft and hard limits alike (as root, as
 * nginx's workers do) gets room above the hard one for the library's
 * descriptors, which getrlimit() does not show.
 */
static void own_fd_hard_room(void **state)
{
	struct rlimit before, app = { 48, 48 }, r;
	int p[2], moved;

	(void)state;
	assert_int_equal(getrlimit(RLIMIT_NOFILE, &before), 0);
	if (!may_raise_hard(&before))
		skip();	/* lowering the hard limit could not be undone */
	assert_int_equal(setrlimit(RLIMIT_NOFILE, &app), 0);
	assert_int_equal(getrlimit(RLIMIT_NOFILE, &r), 0);
	assert_int_equal(r.rlim_cur, 48);
	assert_int_equal(r.rlim_max, 48);
	assert_true(real_nofile().rlim_max > 48);
	assert_int_equal(pipe(p), 0);
	moved = fsock_own_fd(p[0], true);
	assert_true(moved >= 48);
	assert_int_equal(real_nofile().rlim_cur, 48);
	close(moved);
	close(p[1]);
	assert_int_equal(setrlimit(RLIMIT_NOFILE, &before), 0);
	assert_int_equal(getrlimit(RLIMIT_NOFILE, &r), 0);
	assert_int_equal(r.rlim_max, before.rlim_max);
	assert_int_equal(real_nofile().rlim_max, before.rlim_max);
}

static void cpu_lists(void **state)
{
	static const char *const bad[] = { "", "a", "3-1", "0-", "-1", "0-3,",
					   "0,,1", "1 2", "0-70000" };
	struct seen s = { .n = 0 };
	size_t i;

	(void)state;
	assert_int_equal(cpu_list_each("0,2-4,8\n", note_cpu, &s), 0);
	assert_int_equal(s.n, 5);
	assert_int_equal(s.cpu[0], 0);
	assert_int_equal(s.cpu[1], 2);
	assert_int_equal(s.cpu[3], 4);
	assert_int_equal(s.cpu[4], 8);
	assert_int_equal(cpu_list_span("0-3,8\n"), 9);
	assert_int_equal(cpu_list_span("0"), 1);
	assert_int_equal(cpu_list_span("0-127"), 128);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(cpu_list_span(bad[i]), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(table_numbers, teardown),
		cmocka_unit_test_teardown(dup_copies_role, teardown),
		cmocka_unit_test_teardown(dup2_onto_tracked, teardown),
		cmocka_unit_test_teardown(dup2_onto_private, teardown),
		cmocka_unit_test_teardown(registrations, teardown),
		cmocka_unit_test_teardown(churn_gives_up_local, teardown),
		cmocka_unit_test_teardown(churn_keeps_watched_local, teardown),
		cmocka_unit_test_teardown(churn_keeps_exclusive_local, teardown),
		cmocka_unit_test_teardown(churn_keeps_nonblock_apart, teardown),
		cmocka_unit_test_teardown(close_range_forgets, teardown),
		cmocka_unit_test_teardown(poll_sees_global, teardown),
		cmocka_unit_test_teardown(stale_numbers, teardown),
		cmocka_unit_test_teardown(signal_inside_lock, teardown),
		cmocka_unit_test_teardown(threads_churn, teardown),
		cmocka_unit_test_teardown(fork_with_lock_held, teardown),
		cmocka_unit_test_teardown(vfork_is_real, teardown),
		cmocka_unit_test_teardown(fork_child_own_channel, teardown),
		cmocka_unit_test_teardown(stale_numbers_open, teardown),
		cmocka_unit_test_teardown(scm_rights_send_shared, teardown),
		cmocka_unit_test_teardown(threads_serve_one_listener, teardown),
		cmocka_unit_test_teardown(exec_hands_listeners_over, teardown_exec),
		cmocka_unit_test_teardown(exec_keeps_own_preload, teardown_exec),
		cmocka_unit_test_teardown(exec_without_handover, teardown_exec),
		cmocka_unit_test_teardown(execvp_hands_listeners_over, teardown_exec),
		cmocka_unit_test_teardown(adopt_handed_over, teardown),
		cmocka_unit_test_teardown(own_fd_above_limit, teardown),
		cmocka_unit_test_teardown(own_fd_select_ceiling, teardown),
		cmocka_unit_test_teardown(own_fd_hard_room, teardown),
		cmocka_unit_test(cpu_lists),
	};
	struct rlimit rl;

	pthread_atfork(count_atfork, NULL, NULL);
	/* The highest number the hard limit allows (it may not be raised). */
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_max != RLIM_INFINITY) {
		rl.rlim_cur = rl.rlim_max;
		if (setrlimit(RLIMIT_NOFILE, &rl) == 0)
			huge_fd = (int)(rl.rlim_max > 1000000 ? 1000000 : rl.rlim_max - 1);
	}
	return cmocka_run_group_tests(tests, NULL, NULL);
}
