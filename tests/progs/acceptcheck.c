// SPDX-License-Identifier: GPL-2.0-only
/*
 * acceptcheck: ACCEPT of /dev/fastsocket, and accept4(2) on a local
 * listener, which must serve it the same way, checked from user space;
 * then ACCEPT that waits for a spawn, and PAUSE_LOCAL.
 * Prints one line per check; exit status 0 when all hold.
 *
 * Setup, on 127.0.0.1 (loopback handles a SYN on the connecting CPU): a
 * global listener that itself takes the connections made on CPU 1
 * (SO_INCOMING_CPU 1), and a local listener for CPU 0 from SPAWN_LISTEN.
 * A connection made from CPU 0 therefore waits in the local queue, one
 * made from CPU 1 in the global queue. Needs 2 CPUs.
 */
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include <linux/fastsocket.h>

#include "check.h"

static int dev;
/* This round accepts with accept4(2) on the local listener, not ACCEPT. */
static int plain_accept;

static int fs_accept(int fd, int global_fd, int flags, struct sockaddr *addr,
		     socklen_t *len)
{
	struct fsocket_ioctl_arg arg;

	if (plain_accept)
		return accept4(fd, addr, len, flags);
	memset(&arg, 0, sizeof(arg));
	arg.fd = fd;
	arg.op.accept_op.global_fd = global_fd;
	arg.op.accept_op.flags = flags;
	arg.op.accept_op.addr = (unsigned long)addr;
	arg.op.accept_op.addrlen = (unsigned long)len;
	return ioctl(dev, FSOCKET_IOC_ACCEPT, &arg);
}

static void pin(int cpu)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	if (sched_setaffinity(0, sizeof(set), &set)) {
		perror("sched_setaffinity");
		exit(1);
	}
}

static int listener(int port)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(port),
				 .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	if (fd < 0 || bind(fd, (struct sockaddr *)&a, sizeof(a)) ||
	    listen(fd, 64)) {
		perror("listener");
		exit(1);
	}
	return fd;
}

static int port_of(int fd, int peer)
{
	struct sockaddr_in a;
	socklen_t len = sizeof(a);

	if ((peer ? getpeername : getsockname)(fd, (struct sockaddr *)&a, &len))
		return -1;
	return ntohs(a.sin_port);
}

struct dial {
	int port, cpu, delay_ms, fd;
};

/* Connect to @port from @cpu after @delay_ms; the fd stays open. */
static void *dial_thread(void *p)
{
	struct dial *d = p;
	struct sockaddr_in a = { .sin_family = AF_INET,
				 .sin_port = htons(d->port),
				 .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };

	pin(d->cpu);
	usleep(d->delay_ms * 1000);
	d->fd = socket(AF_INET, SOCK_STREAM, 0);
	if (d->fd >= 0 && connect(d->fd, (struct sockaddr *)&a, sizeof(a))) {
		close(d->fd);
		d->fd = -1;
	}
	return NULL;
}

static void dial(struct dial *d, pthread_t *tid)
{
	d->fd = -1;
	if (pthread_create(tid, NULL, dial_thread, d)) {
		perror("pthread_create");
		exit(1);
	}
}

/* A connection from @cpu, returned once established. */
static int dial_now(int port, int cpu)
{
	struct dial d = { .port = port, .cpu = cpu };
	pthread_t tid;

	dial(&d, &tid);
	pthread_join(tid, NULL);
	usleep(20000);	/* the server side completes on the same CPU */
	return d.fd;
}

static void bad_input(int local, int global)
{
	int udp = socket(AF_INET, SOCK_DGRAM, 0);
	int idle = socket(AF_INET, SOCK_STREAM, 0);
	int null = open("/dev/null", O_RDONLY), other = listener(0);
	struct sockaddr_in a;
	socklen_t bad = (socklen_t)-1;

	expect_errno("unknown accept4 flag", fs_accept(local, global, 0x1, NULL, NULL), EINVAL);
	expect_errno("fd -1", fs_accept(-1, global, 0, NULL, NULL), EBADF);
	expect_errno("not a socket", fs_accept(null, global, 0, NULL, NULL), ENOTSOCK);
	expect_errno("UDP socket", fs_accept(udp, -1, 0, NULL, NULL), EOPNOTSUPP);
	expect_errno("not listening", fs_accept(idle, -1, 0, NULL, NULL), EINVAL);
	expect_errno("global fd closed", fs_accept(local, 9999, 0, NULL, NULL), EBADF);
	expect_errno("global of another port", fs_accept(local, other, 0, NULL, NULL), EINVAL);
	expect_errno("addr without addrlen", fs_accept(local, global, 0, (struct sockaddr *)&a, NULL), EFAULT);
	expect_errno("addrlen bad pointer", fs_accept(local, global, 0, (struct sockaddr *)&a, (socklen_t *)8), EFAULT);
	expect_errno("addrlen negative", fs_accept(local, global, 0, (struct sockaddr *)&a, &bad), EINVAL);
	close(udp);
	close(idle);
	close(null);
	close(other);
}

/* Local queue first, then global; peer address and accept4 flags. */
static void queues(int port, int local, int global)
{
	int from_global = dial_now(port, 1), from_local = dial_now(port, 0);
	struct sockaddr_in peer;
	socklen_t len = sizeof(peer);
	char detail[96];
	int a, b;

	check("connections made", from_global >= 0 && from_local >= 0, NULL);
	a = fs_accept(local, global, SOCK_CLOEXEC | SOCK_NONBLOCK,
		      (struct sockaddr *)&peer, &len);
	snprintf(detail, sizeof(detail), "peer port %d, local %d, global %d",
		 a >= 0 ? ntohs(peer.sin_port) : -1, port_of(from_local, 0),
		 port_of(from_global, 0));
	check("local queue first", a >= 0 &&
	      ntohs(peer.sin_port) == port_of(from_local, 0), detail);
	check("peer address", len == sizeof(peer) &&
	      peer.sin_addr.s_addr == htonl(INADDR_LOOPBACK), NULL);
	check("SOCK_CLOEXEC", a >= 0 && fcntl(a, F_GETFD) == FD_CLOEXEC, NULL);
	check("SOCK_NONBLOCK", a >= 0 && (fcntl(a, F_GETFL) & O_NONBLOCK), NULL);
	b = fs_accept(local, global, 0, NULL, NULL);
	check("then the global queue", b >= 0 &&
	      port_of(b, 1) == port_of(from_global, 0), NULL);
	check("no flags, no O_NONBLOCK", b >= 0 &&
	      !(fcntl(b, F_GETFL) & O_NONBLOCK) && fcntl(b, F_GETFD) == 0, NULL);
	fcntl(local, F_SETFL, O_NONBLOCK);
	expect_errno("both empty, non-blocking", fs_accept(local, global, 0, NULL, NULL), EAGAIN);
	fcntl(local, F_SETFL, 0);
	close(a);
	close(b);
	close(from_global);
	close(from_local);
}

/* A connection reset by its client (SO_LINGER 0) while it waits on @fd. */
static int reset_then_accept(int fd, int port, int global)
{
	struct linger lg = { .l_onoff = 1, .l_linger = 0 };
	struct sockaddr_in peer;
	socklen_t len = sizeof(peer);
	int c = dial_now(port, 0);

	if (c < 0)
		return -2;
	setsockopt(c, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
	close(c);
	usleep(20000);
	if (fd == global)
		return accept4(fd, (struct sockaddr *)&peer, &len, SOCK_NONBLOCK);
	return fs_accept(fd, global, SOCK_NONBLOCK, (struct sockaddr *)&peer,
			 &len);
}

/*
 * A connection reset while queued is answered as a plain listener's
 * accept4(2) answers it, side by side: handed over, with its peer's
 * address.
 */
static void reset_while_queued(int port, int local, int global)
{
	int plain = listener(0), want, got, want_err, got_err;
	char detail[96];

	want = reset_then_accept(plain, port_of(plain, 0), plain);
	want_err = want < 0 ? errno : 0;
	got = reset_then_accept(local, port, global);
	got_err = got < 0 ? errno : 0;
	snprintf(detail, sizeof(detail), "plain %s, here %s",
		 want >= 0 ? "accepted" : strerrorname_np(want_err),
		 got >= 0 ? "accepted" : strerrorname_np(got_err));
	check("a connection reset while queued, as on a plain listener",
	      want != -2 && got != -2 && (want >= 0) == (got >= 0) &&
	      want_err == got_err, detail);
	if (want >= 0)
		close(want);
	if (got >= 0)
		close(got);
	close(plain);
}

/* A blocking accept wakes for a connection on either queue. */
static void blocking(int port, int local, int global)
{
	struct timeval tv = { .tv_usec = 300000 };
	int cpu, fd;

	for (cpu = 0; cpu < 2; cpu++) {
		struct dial d = { .port = port, .cpu = cpu, .delay_ms = 300 };
		pthread_t tid;

		dial(&d, &tid);
		fd = fs_accept(local, global, 0, NULL, NULL);
		pthread_join(tid, NULL);
		check(cpu ? "blocking accept woken by the global queue" :
			    "blocking accept woken by the local queue",
		      fd >= 0 && port_of(fd, 1) == port_of(d.fd, 0), NULL);
		close(fd);
		close(d.fd);
	}
	setsockopt(local, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	expect_errno("SO_RCVTIMEO ends the wait", fs_accept(local, global, 0, NULL, NULL), EAGAIN);
}

/*
 * A full descriptor table: ACCEPT fails with EMFILE and leaves the
 * connection queued, as accept(2) does; it is taken once there is room.
 */
static void descriptors_full(int port, int local, int global)
{
	int fd = dial_now(port, 0), lowest_free = dup(0), got;
	struct rlimit old, full;

	close(lowest_free);
	getrlimit(RLIMIT_NOFILE, &old);
	full = old;
	full.rlim_cur = lowest_free;	/* every number below is in use */
	if (setrlimit(RLIMIT_NOFILE, &full)) {
		perror("setrlimit");
		exit(1);
	}
	expect_errno("descriptor table full", fs_accept(local, global, 0, NULL, NULL), EMFILE);
	setrlimit(RLIMIT_NOFILE, &old);
	got = fs_accept(local, global, SOCK_NONBLOCK, NULL, NULL);
	check("the connection waited for room", got >= 0 &&
	      port_of(got, 1) == port_of(fd, 0), NULL);
	close(got);
	close(fd);
}

static void *shutdown_later(void *p)
{
	struct fsocket_ioctl_arg arg;

	usleep(300000);
	memset(&arg, 0, sizeof(arg));
	arg.fd = *(int *)p;
	arg.op.shutdown_op.how = SHUT_RDWR;
	if (ioctl(dev, FSOCKET_IOC_SHUTDOWN_LISTEN, &arg))
		perror("SHUTDOWN_LISTEN");
	return NULL;
}

/* A blocking accept ends when its listener is shut down meanwhile. */
static void shut_while_waiting(int local, int global)
{
	struct timeval tv = { .tv_sec = 10 };
	pthread_t tid;

	setsockopt(local, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	pthread_create(&tid, NULL, shutdown_later, &local);
	expect_errno("listener shut down during a blocking accept",
		     fs_accept(local, global, 0, NULL, NULL), EINVAL);
	pthread_join(tid, NULL);
}

/* A local listener for CPU 0 of @global, or -1. */
static int spawn(int global)
{
	struct fsocket_ioctl_arg arg;
	int local;

	memset(&arg, 0, sizeof(arg));
	arg.fd = global;
	arg.op.spawn_op.cpu = 0;
	local = ioctl(dev, FSOCKET_IOC_SPAWN_LISTEN, &arg);
	check("SPAWN_LISTEN for CPU 0", local >= 0, NULL);
	return local;
}

/*
 * The application closes its global listener: the local one keeps it,
 * and its queue, until the local one closes too; then nothing listens.
 */
static void global_closed(int port, int global)
{
	int local = spawn(global), fd, got;

	close(global);
	fd = dial_now(port, 1);
	got = accept4(local, NULL, NULL, SOCK_NONBLOCK);
	check("global queue served after the application closed it",
	      fd >= 0 && got >= 0 && port_of(got, 1) == port_of(fd, 0), NULL);
	close(got);
	close(fd);
	close(local);
	fd = dial_now(port, 1);
	check("nothing listens once the local listener closed too", fd < 0, NULL);
	if (fd >= 0)
		close(fd);
}

static int pause_local(int fd, unsigned int paused, unsigned int reserved)
{
	struct fsocket_ioctl_arg arg;

	memset(&arg, 0, sizeof(arg));
	arg.fd = fd;
	arg.op.pause_op.paused = paused;
	arg.op.pause_op.reserved = reserved;
	return ioctl(dev, FSOCKET_IOC_PAUSE_LOCAL, &arg);
}

/*
 * A connection from CPU 0 waits on @expect's queue, not on @other's (-1:
 * not looked at: an accept on a paused local listener resumes it).
 */
static void lands_on(const char *what, int port, int expect, int other)
{
	int fd = dial_now(port, 0), got = -1;

	errno = EAGAIN;
	check(what, fd >= 0 && (other < 0 || accept4(other, NULL, NULL, 0) < 0) &&
	      errno == EAGAIN && (got = accept4(expect, NULL, NULL, 0)) >= 0 &&
	      port_of(got, 1) == port_of(fd, 0), NULL);
	if (got >= 0)
		close(got);
	if (fd >= 0)
		close(fd);
}

/*
 * PAUSE_LOCAL: a local listener nobody watches leaves its group's choice
 * of listeners and hands its queue to the global one; asked back it takes
 * its CPU's connections again. An accept on it does not bring it back,
 * nor, once paused twice, does an epoll that watches it (the module's
 * sweep waits for 10 s without a pause: nginx's accept mutex). One in an
 * epoll is not paused. Both listeners non-blocking here, so that an empty
 * queue answers EAGAIN.
 */
static void paused(int port, int global)
{
	struct epoll_event ev = { .events = EPOLLIN };
	int local = spawn(global), queued, got = -1, ep;
	int flags = fcntl(global, F_GETFL);

	fcntl(global, F_SETFL, flags | O_NONBLOCK);
	fcntl(local, F_SETFL, O_NONBLOCK);
	expect_errno("PAUSE_LOCAL of a global listener", pause_local(global, 1, 0), EINVAL);
	expect_errno("PAUSE_LOCAL paused 2", pause_local(local, 2, 0), EINVAL);
	expect_errno("PAUSE_LOCAL reserved", pause_local(local, 1, 1), EINVAL);
	expect_errno("PAUSE_LOCAL fd -1", pause_local(-1, 1, 0), EBADF);
	lands_on("not paused: from its CPU to the local queue", port, local, global);
	queued = dial_now(port, 0);
	check("PAUSE_LOCAL", pause_local(local, 1, 0) == 0, NULL);
	check("PAUSE_LOCAL again", pause_local(local, 1, 0) == 0, NULL);
	errno = 0;
	got = accept4(global, NULL, NULL, 0);
	check("paused: what it had queued is on the global queue", queued >= 0 &&
	      got >= 0 && port_of(got, 1) == port_of(queued, 0), NULL);
	close(got);
	close(queued);
	lands_on("paused: from its CPU to the global queue", port, global, -1);
	check("PAUSE_LOCAL 0", pause_local(local, 0, 0) == 0, NULL);
	lands_on("resumed: from its CPU to the local queue", port, local, global);
	check("paused again", pause_local(local, 1, 0) == 0, NULL);
	expect_errno("accept on it, nothing queued", accept4(local, NULL, NULL, 0), EAGAIN);
	lands_on("an accept on it leaves it paused", port, global, -1);
	ep = epoll_create1(EPOLL_CLOEXEC);
	epoll_ctl(ep, EPOLL_CTL_ADD, local, &ev);
	usleep(300 * 1000);	/* three sweeps at least (100 ms apart) */
	lands_on("paused twice, in an epoll for 300 ms: still paused", port, global, -1);
	check("PAUSE_LOCAL 0 in an epoll", pause_local(local, 0, 0) == 0, NULL);
	check("PAUSE_LOCAL of one in an epoll answers 0", pause_local(local, 1, 0) == 0, NULL);
	lands_on("in an epoll: not paused", port, local, global);
	/* Closed first: never out of every epoll, so paused exactly twice. */
	close(local);
	close(ep);
	fcntl(global, F_SETFL, flags);
}

/* ACCEPT of @fd alone with @how in the argument's flags, from device @on. */
static int accept_how(int on, int fd, int global_fd, unsigned int how)
{
	struct fsocket_ioctl_arg arg;

	memset(&arg, 0, sizeof(arg));
	arg.fd = fd;
	arg.flags = how;
	arg.op.accept_op.global_fd = global_fd;
	return ioctl(on, FSOCKET_IOC_ACCEPT, &arg);
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

struct spawner {
	int on, global, local;
};

/* SPAWN_LISTEN for CPU 0 through device @on, after 300 ms. */
static void *spawn_later(void *p)
{
	struct spawner *s = p;
	struct fsocket_ioctl_arg arg;

	usleep(300000);
	memset(&arg, 0, sizeof(arg));
	arg.fd = s->global;
	arg.op.spawn_op.cpu = 0;
	s->local = ioctl(s->on, FSOCKET_IOC_SPAWN_LISTEN, &arg);
	return NULL;
}

/*
 * A blocking ACCEPT of @global with FSOCKET_ACCEPT_SPAWN_WAKES while
 * device @on spawns 300 ms later, bounded by SO_RCVTIMEO @timeout_ms:
 * its result, errno in *@err and its time in *@took.
 */
static int accept_while_spawning(int global, int on, int timeout_ms,
				 int *err, double *took)
{
	struct timeval tv = { .tv_sec = timeout_ms / 1000,
			      .tv_usec = timeout_ms % 1000 * 1000 };
	struct spawner s = { .on = on, .global = global, .local = -1 };
	double t0 = now_s();
	pthread_t tid;
	int ret;

	setsockopt(global, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	pthread_create(&tid, NULL, spawn_later, &s);
	ret = accept_how(dev, global, -1, FSOCKET_ACCEPT_SPAWN_WAKES);
	*err = errno;
	*took = now_s() - t0;
	pthread_join(tid, NULL);
	check("SPAWN_LISTEN during the wait", s.local >= 0, NULL);
	if (s.local >= 0)
		close(s.local);
	return ret;
}

/*
 * FSOCKET_ACCEPT_SPAWN_WAKES: a blocking ACCEPT of the shared listener
 * alone ends with ESTALE once its own device spawns, and only then.
 */
static void spawn_wakes(int port, int global)
{
	struct timeval tv = { .tv_usec = 300000 }, none = { 0 };
	struct dial d = { .port = port, .cpu = 1, .delay_ms = 300 };
	int other = open(FSOCKET_DEVICE_PATH, O_RDWR | O_CLOEXEC), fd, err;
	char detail[64];
	pthread_t tid;
	double took;

	expect_errno("unknown flag of ACCEPT", accept_how(dev, global, -1, 2), EINVAL);
	expect_errno("SPAWN_WAKES with a global_fd",
		     accept_how(dev, global, global, FSOCKET_ACCEPT_SPAWN_WAKES), EINVAL);
	expect_errno("ACCEPT's flag given to SPAWN_LISTEN",
		     ioctl(dev, FSOCKET_IOC_SPAWN_LISTEN,
			   &(struct fsocket_ioctl_arg){ .fd = global,
				.flags = FSOCKET_ACCEPT_SPAWN_WAKES }), EINVAL);
	setsockopt(global, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	expect_errno("SPAWN_WAKES, nothing spawned: SO_RCVTIMEO ends the wait",
		     accept_how(dev, global, -1, FSOCKET_ACCEPT_SPAWN_WAKES), EAGAIN);
	tv.tv_sec = 10;
	setsockopt(global, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	dial(&d, &tid);
	fd = accept_how(dev, global, -1, FSOCKET_ACCEPT_SPAWN_WAKES);
	pthread_join(tid, NULL);
	check("SPAWN_WAKES: a connection ends the wait",
	      fd >= 0 && port_of(fd, 1) == port_of(d.fd, 0), NULL);
	if (fd >= 0)
		close(fd);
	close(d.fd);
	fd = accept_while_spawning(global, dev, 10000, &err, &took);
	snprintf(detail, sizeof(detail), "ret %d %s after %.2f s", fd,
		 fd < 0 ? strerrorname_np(err) : "", took);
	check("SPAWN_WAKES: a spawn of the same device ends the wait (ESTALE)",
	      fd == -1 && err == ESTALE && took < 5, detail);
	if (other < 0) {
		check("a second open of the device", 0, strerror(errno));
	} else {
		fd = accept_while_spawning(global, other, 1000, &err, &took);
		snprintf(detail, sizeof(detail), "ret %d %s after %.2f s", fd,
			 fd < 0 ? strerrorname_np(err) : "", took);
		check("SPAWN_WAKES: another device's spawn does not end it",
		      fd == -1 && err == EAGAIN && took >= 0.9, detail);
		close(other);
	}
	setsockopt(global, SOL_SOCKET, SO_RCVTIMEO, &none, sizeof(none));
}

static int version_commands(void)
{
	struct fsocket_ioctl_arg arg;

	memset(&arg, 0, sizeof(arg));
	if (ioctl(dev, FSOCKET_IOC_VERSION, &arg))
		return 0;
	return arg.op.version_op.commands;
}

int main(void)
{
	int global, local, port, one = 1;

	dev = open(FSOCKET_DEVICE_PATH, O_RDWR | O_CLOEXEC);
	if (dev < 0) {
		perror(FSOCKET_DEVICE_PATH);
		return 1;
	}
	pin(0);
	global = listener(0);
	port = port_of(global, 0);
	if (setsockopt(global, SOL_SOCKET, SO_INCOMING_CPU, &one, sizeof(one))) {
		perror("SO_INCOMING_CPU");
		return 1;
	}
	check("VERSION says accept(2) on a local listener takes the global's",
	      version_commands() & FSOCKET_FEATURE_LOCAL_ACCEPT, NULL);
	check("VERSION says ACCEPT may wait for a spawn",
	      version_commands() & FSOCKET_FEATURE_SPAWN_WAKES, NULL);
	for (plain_accept = 0; plain_accept < 2; plain_accept++) {
		printf("-- %s\n", plain_accept ? "accept4(2) on the local listener" :
						 "ACCEPT");
		local = spawn(global);
		if (local < 0)
			return 1;
		if (!plain_accept)
			bad_input(local, global);
		queues(port, local, global);
		reset_while_queued(port, local, global);
		blocking(port, local, global);
		descriptors_full(port, local, global);
		shut_while_waiting(local, global);
		close(local);
	}
	spawn_wakes(port, global);
	paused(port, global);
	global_closed(port, global);
	return failures != 0;
}
