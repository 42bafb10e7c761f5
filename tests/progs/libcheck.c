// SPDX-License-Identifier: GPL-2.0-only
/*
 * libcheck: every call libfsocket.so interposes, with odd flags, run under
 * the library. The same checks hold with the module and without it; what
 * differs is whether a worker's listener became a local one.
 *
 *   libcheck -m | -p    -m: the module must localize workers' listeners
 *                       -p: it must not (module absent, or no library)
 *   libcheck --count-sockets   (internal: run after exec)
 *
 * Each check prints "ok" or "FAIL"; the exit status is the failure count.
 * Every test runs its "worker" in a forked child, as a pre-fork server
 * does, after the parent listened.
 */
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/close_range.h>
#include <netinet/in.h>
#include <pthread.h>
#include <sched.h>
#include <spawn.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check.h"

static int want_local;	/* -m: 1, -p: 0 */
static cpu_set_t start_cpus;	/* the affinity the program started with */
static int ctor_fd = -2;

/* The library's first call may come from a constructor, before main(). */
__attribute__((constructor)) static void first_call_from_constructor(void)
{
	ctor_fd = socket(AF_INET, SOCK_STREAM, 0);
	if (ctor_fd >= 0)
		close(ctor_fd);
}

static int listener(int family, int type)
{
	struct sockaddr_storage ss;
	socklen_t len;
	int fd = socket(family, type, 0);

	if (fd < 0 || parse_addr(family == AF_INET ? "127.0.0.1" : "::1", 0,
				 &ss, &len) < 0 ||
	    bind(fd, (struct sockaddr *)&ss, len) < 0 || listen(fd, 128) < 0) {
		perror("listener");
		exit(100);
	}
	return fd;
}

static int connect_to(int lfd)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);
	int fd;

	getsockname(lfd, (struct sockaddr *)&ss, &len);
	fd = socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&ss, len) < 0) {
		perror("connect");
		exit(100);
	}
	return fd;
}

static int port_of(int fd)
{
	struct sockaddr_in6 sa;	/* the port sits at the same offset in v4 */
	socklen_t len = sizeof(sa);

	if (getsockname(fd, (struct sockaddr *)&sa, &len) < 0)
		return -1;
	return ntohs(sa.sin6_port);
}

static int incoming_cpu(int fd)
{
	int cpu = -2;
	socklen_t len = sizeof(cpu);

	getsockopt(fd, SOL_SOCKET, SO_INCOMING_CPU, &cpu, &len);
	return cpu;
}

/* Did the library put a local listener for this worker's CPU over @fd? */
static void check_localized(const char *what, int fd)
{
	char detail[96];
	int cpu = incoming_cpu(fd), here = sched_getcpu();

	snprintf(detail, sizeof(detail), "SO_INCOMING_CPU %d, running on %d%s",
		 cpu, here, want_local ? "" : " (want -1)");
	check(what, want_local ? cpu == here : cpu == -1, detail);
	check("  on a CPU the program was allowed", CPU_ISSET(here, &start_cpus),
	      NULL);
}

static void check_flags(const char *what, int fd, int nonblock, int cloexec)
{
	char detail[64];
	int fl = fcntl(fd, F_GETFL), fdfl = fcntl(fd, F_GETFD);

	snprintf(detail, sizeof(detail), "O_NONBLOCK %d FD_CLOEXEC %d",
		 !!(fl & O_NONBLOCK), !!(fdfl & FD_CLOEXEC));
	check(what, fl >= 0 && fdfl >= 0 && !!(fl & O_NONBLOCK) == nonblock &&
	      !!(fdfl & FD_CLOEXEC) == cloexec, detail);
}

/* One connection from @cfd to @lfd, accepted with @flags; bytes both ways. */
static void check_accept(const char *what, int lfd, int flags)
{
	struct sockaddr_storage peer, mine;
	socklen_t plen = sizeof(peer), mlen = sizeof(mine);
	int cfd = connect_to(lfd), afd = -1;
	char buf[4] = "";

	for (int i = 0; i < 200 && afd < 0; i++) {
		afd = accept4(lfd, (struct sockaddr *)&peer, &plen, flags);
		if (afd < 0 && errno == EAGAIN)
			usleep(5000);
	}
	getsockname(cfd, (struct sockaddr *)&mine, &mlen);
	check(what, afd >= 0 && plen == mlen && !memcmp(&peer, &mine, mlen),
	      afd < 0 ? strerror(errno) : "peer address as the client's");
	if (afd >= 0) {
		check_flags("  accepted socket's flags", afd,
			    !!(flags & SOCK_NONBLOCK), !!(flags & SOCK_CLOEXEC));
		/* Blocking from here: the bytes may not have arrived yet. */
		fcntl(afd, F_SETFL, fcntl(afd, F_GETFL) & ~O_NONBLOCK);
		check("  bytes both ways",
		      write(cfd, "abc", 3) == 3 && recv(afd, buf, 3, MSG_WAITALL) == 3 &&
		      write(afd, buf, 3) == 3 && recv(cfd, buf, 3, MSG_WAITALL) == 3 &&
		      !memcmp(buf, "abc", 3), NULL);
		close(afd);
	}
	close(cfd);
}

/* Accepts (and closes) the connection @cfd made: is it there? */
static int take(int lfd, int cfd)
{
	int afd = -1;

	for (int i = 0; i < 200 && afd < 0; i++) {
		afd = accept(lfd, NULL, NULL);
		if (afd < 0 && errno == EAGAIN)
			usleep(5000);
	}
	close(cfd);
	return afd >= 0 && close(afd) == 0;
}

static int wait_events(int epfd, int ms, uint64_t *data)
{
	struct epoll_event ev[8];
	int n = epoll_wait(epfd, ev, 8, ms);

	if (n > 0 && data)
		*data = ev[0].data.u64;
	return n;
}

/* Runs @fn in a child ("a worker"); its failures come back as its status. */
static void in_worker(const char *name, void (*fn)(int), int lfd)
{
	pid_t pid;
	int status;

	printf("-- %s\n", name);
	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		failures = 0;
		fn(lfd);
		fflush(stdout);
		_exit(failures > 99 ? 99 : failures);
	}
	waitpid(pid, &status, 0);
	check(name, WIFEXITED(status) && WEXITSTATUS(status) == 0,
	      "worker's checks");
	close(lfd);
}

/* A worker's epoll: localized on ADD, flags kept, DEL and MOD obeyed. */
static void t_epoll(int lfd)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.u64 = 42 };
	int epfd = epoll_create1(EPOLL_CLOEXEC), port = port_of(lfd);
	uint64_t data = 0;
	int cfd;

	check("epoll_ctl ADD", epoll_ctl(epfd, EPOLL_CTL_ADD, lfd, &ev) == 0, NULL);
	check_localized("  the worker's listener", lfd);
	check("  same port", port_of(lfd) == port, NULL);
	check_flags("  listener's flags kept", lfd, 1, 1);
	cfd = connect_to(lfd);
	check("  epoll reports it with the application's data",
	      wait_events(epfd, 2000, &data) >= 1 && data == 42, NULL);
	check("  accept it", take(lfd, cfd), NULL);
	check_accept("  accept4(SOCK_NONBLOCK|SOCK_CLOEXEC)", lfd,
		     SOCK_NONBLOCK | SOCK_CLOEXEC);
	check_accept("  accept4(0)", lfd, 0);
	expect_errno("  accept4 on an empty queue", accept4(lfd, NULL, NULL, 0),
		     EAGAIN);
	check("  no event when both queues are empty",
	      wait_events(epfd, 100, NULL) == 0, NULL);
	expect_errno("  accept4 with bad flags", accept4(lfd, NULL, NULL, 0x1),
		     EINVAL);

	check("epoll_ctl DEL", epoll_ctl(epfd, EPOLL_CTL_DEL, lfd, NULL) == 0, NULL);
	cfd = connect_to(lfd);
	check("  no event after DEL", wait_events(epfd, 200, NULL) == 0, NULL);
	check("  accept after DEL", take(lfd, cfd), NULL);

	ev.data.u64 = 7;
	ev.events = EPOLLIN | EPOLLRDHUP;
	check("epoll_ctl ADD again (EPOLLRDHUP)",
	      epoll_ctl(epfd, EPOLL_CTL_ADD, lfd, &ev) == 0, NULL);
	ev.events = EPOLLIN | EPOLLET;
	ev.data.u64 = 8;
	check("epoll_ctl MOD (EPOLLET)",
	      epoll_ctl(epfd, EPOLL_CTL_MOD, lfd, &ev) == 0, NULL);
	cfd = connect_to(lfd);
	check("  reported with the new data",
	      wait_events(epfd, 2000, &data) >= 1 && data == 8, NULL);
	check("  accept after MOD", take(lfd, cfd), NULL);
	close(epfd);
}

/* Copies of a worker's listener: each accepts; closing one keeps the rest. */
static void t_dup(int lfd)
{
	struct epoll_event ev = { .events = EPOLLIN };
	struct rlimit rl = { 1048576, 1048576 };
	int epfd = epoll_create1(0), d1, d2, d3, high = 1048000;

	epoll_ctl(epfd, EPOLL_CTL_ADD, lfd, &ev);
	d1 = dup(lfd);
	d2 = fcntl(lfd, F_DUPFD_CLOEXEC, 200);
	d3 = dup3(lfd, 300, O_CLOEXEC);
	check("dup, F_DUPFD_CLOEXEC, dup3", d1 >= 0 && d2 >= 200 && d3 == 300,
	      NULL);
	check_flags("  F_DUPFD_CLOEXEC copy", d2, 1, 1);
	check_flags("  dup copy", d1, 1, 0);
	close(lfd);
	check_accept("  accept on dup after closing the original", d1, 0);
	check_accept("  accept on F_DUPFD copy", d2, 0);
	check_accept("  accept on dup3 copy", d3, 0);
	if (setrlimit(RLIMIT_NOFILE, &rl) < 0) {
		check("setrlimit(RLIMIT_NOFILE, 1048576)", 0, strerror(errno));
		return;
	}
	check("dup2 to fd 1048000", dup2(d1, high) == high, NULL);
	check_accept("  accept on fd 1048000", high, SOCK_NONBLOCK);
	check("close fd 1048000", close(high) == 0, NULL);
	close(d1);
	close(d2);
	close(d3);
	close(epfd);
}

/* A descriptor above 65536 watched by a worker is localized and served. */
static void t_high(int lfd)
{
	struct epoll_event ev = { .events = EPOLLIN };
	struct rlimit rl = { 1048576, 1048576 };
	int epfd = epoll_create1(0), high = 1048500;

	if (setrlimit(RLIMIT_NOFILE, &rl) < 0 || dup2(lfd, high) != high) {
		check("fd 1048500", 0, strerror(errno));
		return;
	}
	close(lfd);
	check("epoll_ctl ADD of fd 1048500",
	      epoll_ctl(epfd, EPOLL_CTL_ADD, high, &ev) == 0, NULL);
	check_localized("  fd 1048500", high);
	check_accept("  accept on fd 1048500", high, 0);
	close(epfd);
}

/* Closing every descriptor above ours must not make us close a new one. */
static void t_close_range(int lfd)
{
	struct epoll_event ev = { .events = EPOLLIN };
	int epfd = epoll_create1(0), s[4], i, open_ok = 1;

	epoll_ctl(epfd, EPOLL_CTL_ADD, lfd, &ev);
	check("close_range(listener + 1, ~0U)",
	      close_range(lfd + 1, ~0U, 0) == 0, NULL);
	for (i = 0; i < 4; i++)
		s[i] = socket(AF_INET, SOCK_DGRAM, 0);
	check_accept("  the listener still accepts", lfd, 0);
	close(lfd);
	for (i = 0; i < 4; i++)
		open_ok &= fcntl(s[i], F_GETFD) >= 0;
	check("  closing the listener left newer descriptors open", open_ok,
	      NULL);
	for (i = 0; i < 4; i++)
		close(s[i]);
}

/* A program's close-everything loop, then closefrom. */
static void t_close_loop(int lfd)
{
	struct epoll_event ev = { .events = EPOLLIN };
	int epfd = epoll_create1(0), s, fd;

	epoll_ctl(epfd, EPOLL_CTL_ADD, lfd, &ev);
	for (fd = lfd + 1; fd < 1024; fd++)
		if (fd != epfd)
			close(fd);
	s = socket(AF_INET, SOCK_DGRAM, 0);
	check_accept("close loop: the listener still accepts", lfd, 0);
	closefrom(lfd);
	check("  closefrom closed the listener", fcntl(lfd, F_GETFD) < 0, NULL);
	check("  and the rest", fcntl(s, F_GETFD) < 0 && fcntl(epfd, F_GETFD) < 0,
	      NULL);
	s = socket(AF_INET, SOCK_DGRAM, 0);
	check("  a new socket works", s >= 0 && close(s) == 0, NULL);
}

/*
 * A blocking-accept worker (no epoll) gets its local listener too. Its
 * client is a process: with a second thread, the worker would be a
 * threaded one, whose thread gets a local listener of its own and
 * leaves the descriptor shared (case 296).
 */
static void t_blocking(int lfd)
{
	pid_t client = fork();
	int afd, status;

	if (client == 0) {
		usleep(100000);
		_exit(connect_to(lfd) < 0);
	}
	afd = accept(lfd, NULL, NULL);
	waitpid(client, &status, 0);
	check("blocking accept", afd >= 0, afd < 0 ? strerror(errno) : NULL);
	check_localized("  the worker's listener", lfd);
	check_flags("  accepted socket's flags", afd, 0, 0);
	close(afd);
}

/* Many threads accepting, duplicating and closing copies at once. */
enum { THREADS = 8, CONNS = 400 };
static atomic_int accepted;

static void *acceptor(void *arg)
{
	int lfd = *(int *)arg;

	while (atomic_load(&accepted) < CONNS) {
		int copy = dup(lfd), afd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK);

		if (afd >= 0) {
			atomic_fetch_add(&accepted, 1);
			close(afd);
		} else if (errno == EAGAIN) {
			sched_yield();
		}
		close(copy);
	}
	return NULL;
}

static void t_threads(int lfd)
{
	struct epoll_event ev = { .events = EPOLLIN };
	int epfd = epoll_create1(0), i;
	pthread_t t[THREADS];
	char detail[64];

	epoll_ctl(epfd, EPOLL_CTL_ADD, lfd, &ev);
	for (i = 0; i < THREADS; i++)
		pthread_create(&t[i], NULL, acceptor, &lfd);
	for (i = 0; i < CONNS; i++)
		close(connect_to(lfd));
	for (i = 0; i < THREADS; i++)
		pthread_join(t[i], NULL);
	snprintf(detail, sizeof(detail), "%d of %d", atomic_load(&accepted),
		 CONNS);
	check("8 threads accept, dup and close", accepted == CONNS, detail);
}

static void t_shutdown(int lfd)
{
	struct epoll_event ev = { .events = EPOLLIN };
	int epfd = epoll_create1(0);

	epoll_ctl(epfd, EPOLL_CTL_ADD, lfd, &ev);
	check("shutdown(SHUT_RD) of the worker's listener",
	      shutdown(lfd, SHUT_RD) == 0, strerror(errno));
	expect_errno("  accept after shutdown", accept(lfd, NULL, NULL), EINVAL);
}

static void t_exec(int lfd)
{
	struct epoll_event ev = { .events = EPOLLIN };
	int epfd = epoll_create1(EPOLL_CLOEXEC), status, inherit;
	pid_t pid;

	epoll_ctl(epfd, EPOLL_CTL_ADD, lfd, &ev);
	inherit = dup2(lfd, 500);	/* without FD_CLOEXEC */
	pid = vfork();
	if (pid == 0) {
		execl("/proc/self/exe", "libcheck", "--count-sockets", NULL);
		_exit(127);
	}
	waitpid(pid, &status, 0);
	check("vfork + exec: the child inherits only the application's sockets",
	      inherit == 500 && WIFEXITED(status) && WEXITSTATUS(status) == 1,
	      "1 socket (fd 500)");
	check_accept("  the listener still accepts after vfork", lfd, 0);
	{
		char *argv[] = { "libcheck", "--count-sockets", NULL };

		status = -1;
		if (posix_spawn(&pid, "/proc/self/exe", NULL, NULL, argv,
				NULL) == 0)
			waitpid(pid, &status, 0);
		check("posix_spawn: the child inherits only the application's sockets",
		      WIFEXITED(status) && WEXITSTATUS(status) == 1, NULL);
	}
	pid = fork();
	if (pid == 0) {
		/* A child of the worker shares its listener and accepts from it. */
		failures = 0;
		check_accept("  fork: the worker's child accepts", lfd, 0);
		_exit(failures);
	}
	waitpid(pid, &status, 0);
	check("  fork child's checks", WIFEXITED(status) && !WEXITSTATUS(status),
	      NULL);
	check_accept("  the worker still accepts after its child exited", lfd, 0);
}

/* Not TCP: passed through untouched. */
static void t_not_tcp(void)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	struct epoll_event ev = { .events = EPOLLIN };
	int u = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0), c, a;
	int epfd = epoll_create1(0);

	snprintf(sun.sun_path, sizeof(sun.sun_path), "/tmp/libcheck.%d",
		 (int)getpid());
	unlink(sun.sun_path);
	check("Unix listener", bind(u, (struct sockaddr *)&sun, sizeof(sun)) == 0 &&
	      listen(u, 8) == 0 && epoll_ctl(epfd, EPOLL_CTL_ADD, u, &ev) == 0,
	      NULL);
	c = socket(AF_UNIX, SOCK_STREAM, 0);
	connect(c, (struct sockaddr *)&sun, sizeof(sun));
	a = accept4(u, NULL, NULL, SOCK_CLOEXEC);
	check("  accept4 on it", a >= 0, NULL);
	check("  its SO_INCOMING_CPU untouched", incoming_cpu(u) == -1 || incoming_cpu(u) == -2, NULL);
	close(a);
	close(c);
	close(u);
	unlink(sun.sun_path);
	u = socket(AF_INET, SOCK_DGRAM, 0);
	expect_errno("UDP listen", listen(u, 1), EOPNOTSUPP);
	close(u);
	expect_errno("listen on fd -1", listen(-1, 1), EBADF);
	expect_errno("accept on fd 2000000", accept(2000000, NULL, NULL), EBADF);
	expect_errno("close of fd 2000000", close(2000000), EBADF);
	expect_errno("epoll_ctl of fd -5", epoll_ctl(epfd, EPOLL_CTL_ADD, -5, &ev),
		     EBADF);
	close(epfd);
}

/*
 * connect() with odd arguments, and sockets receive flow deliver must
 * leave as they are: an error the kernel would give, an application's
 * own bind and SO_REUSEADDR kept, non-blocking connects.
 */
static void t_connect(int lfd)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss), elen = sizeof(int);
	int fd, reuse = 1, err = -1, port;

	getsockname(lfd, (struct sockaddr *)&ss, &len);
	expect_errno("connect on fd -1", connect(-1, (struct sockaddr *)&ss, len), EBADF);
	expect_errno("connect on fd 2000000",
		     connect(2000000, (struct sockaddr *)&ss, len), EBADF);
	fd = socket(ss.ss_family, SOCK_STREAM, 0);
	expect_errno("connect with no address", connect(fd, NULL, 0), EINVAL);
	expect_errno("connect with a bad pointer",
		     connect(fd, (struct sockaddr *)8, len), EFAULT);
	close(fd);

	fd = socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK, 0);
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &reuse, sizeof(reuse));
	check("non-blocking connect",
	      connect(fd, (struct sockaddr *)&ss, len) == 0 || errno == EINPROGRESS,
	      strerror(errno));
	check("  gets a port", port_of(fd) > 0, NULL);
	reuse = 0;
	getsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &reuse, &elen);
	check("  keeps the application's SO_REUSEADDR", reuse == 1, NULL);
	usleep(50000);
	elen = sizeof(err);
	getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &elen);
	check("  connects", err == 0, strerror(err));
	close(fd);

	fd = socket(ss.ss_family, SOCK_STREAM, 0);
	{
		struct sockaddr_storage me = ss;
		socklen_t mlen = len;

		((struct sockaddr_in *)&me)->sin_port = 0;	/* same offset in v6 */
		bind(fd, (struct sockaddr *)&me, mlen);
	}
	port = port_of(fd);
	check("connect of a socket the application bound",
	      port > 0 && connect(fd, (struct sockaddr *)&ss, len) == 0 &&
	      port_of(fd) == port, strerror(errno));
	close(fd);

	fd = socket(ss.ss_family, SOCK_DGRAM, 0);
	check("connect of a UDP socket", connect(fd, (struct sockaddr *)&ss, len) == 0,
	      strerror(errno));
	close(fd);
	while ((fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK)) >= 0)
		close(fd);
}

/* The listening process itself (no fork): never localized, still served. */
static void t_listener_process(int lfd)
{
	struct epoll_event ev = { .events = EPOLLIN };
	int epfd = epoll_create1(0);

	epoll_ctl(epfd, EPOLL_CTL_ADD, lfd, &ev);
	check("the listening process's own epoll leaves the listener global",
	      incoming_cpu(lfd) == -1, NULL);
	check_accept("  it accepts", lfd, SOCK_NONBLOCK);
	epoll_ctl(epfd, EPOLL_CTL_DEL, lfd, NULL);
	close(epfd);
}

/* Several threads make the library's first calls at once. */
static void *first_calls(void *arg)
{
	int fd = socket(AF_INET6, SOCK_STREAM, 0);

	(void)arg;
	return (void *)(long)(fd >= 0 && close(fd) == 0);
}

static void t_first_calls(void)
{
	pthread_t t[8];
	void *ok;
	int all = 1;

	check("first call from a constructor", ctor_fd >= 0, NULL);
	for (int i = 0; i < 8; i++)
		pthread_create(&t[i], NULL, first_calls, NULL);
	for (int i = 0; i < 8; i++) {
		pthread_join(t[i], &ok);
		all &= ok != NULL;
	}
	check("first calls from 8 threads at once", all, NULL);
}

int main(int argc, char **argv)
{
	static const int families[] = { AF_INET, AF_INET6 };
	int nb = SOCK_NONBLOCK | SOCK_CLOEXEC;

	if (argc == 2 && !strcmp(argv[1], "--count-sockets"))
		return count_sockets();
	if (argc != 2 || (strcmp(argv[1], "-m") && strcmp(argv[1], "-p"))) {
		fprintf(stderr, "usage: libcheck -m | -p\n");
		return 100;
	}
	want_local = !strcmp(argv[1], "-m");
	setvbuf(stdout, NULL, _IOLBF, 0);
	sched_getaffinity(0, sizeof(start_cpus), &start_cpus);
	t_first_calls();

	for (unsigned int i = 0; i < 2; i++) {
		int f = families[i];

		printf("== %s\n", f == AF_INET ? "IPv4" : "IPv6");
		in_worker("epoll worker", t_epoll, listener(f, SOCK_STREAM | nb));
		in_worker("copies", t_dup, listener(f, SOCK_STREAM | nb));
		in_worker("high descriptor", t_high, listener(f, SOCK_STREAM | nb));
		in_worker("close_range", t_close_range, listener(f, SOCK_STREAM | nb));
		in_worker("close loop", t_close_loop, listener(f, SOCK_STREAM | nb));
		in_worker("blocking accept", t_blocking, listener(f, SOCK_STREAM));
		in_worker("threads", t_threads, listener(f, SOCK_STREAM | nb));
		in_worker("shutdown", t_shutdown, listener(f, SOCK_STREAM | nb));
		in_worker("exec", t_exec, listener(f, SOCK_STREAM | nb));
		in_worker("connect", t_connect, listener(f, SOCK_STREAM | nb));
		t_listener_process(listener(f, SOCK_STREAM | nb));
	}
	t_not_tcp();
	printf("%s: %d failed\n", failures ? "FAIL" : "PASS", failures);
	return failures > 99 ? 99 : failures;
}
