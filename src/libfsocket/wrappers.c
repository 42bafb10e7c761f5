// SPDX-License-Identifier: GPL-2.0-only
/*
 * The socket calls. Each one does libc's work exactly as libc would; the
 * module is asked only for TCP listeners over IPv4 and IPv6, and a refusal
 * changes nothing the application can see (errno included).
 */
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <pthread.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <linux/fastsocket.h>

#include "libfsocket.h"

static int sockopt_int(int fd, int level, int name, int *val)
{
	socklen_t len = sizeof(*val);

	return getsockopt(fd, level, name, val, &len);
}

/* Only TCP over IPv4 or IPv6 is ever handed to the module. */
static bool is_inet_tcp(int fd)
{
	int domain, protocol;

	if (sockopt_int(fd, SOL_SOCKET, SO_DOMAIN, &domain) < 0 ||
	    sockopt_int(fd, SOL_SOCKET, SO_PROTOCOL, &protocol) < 0)
		return false;
	return (domain == AF_INET || domain == AF_INET6) &&
	       protocol == IPPROTO_TCP;
}

FSOCK_EXPORT int socket(int domain, int type, int protocol)
{
	return fsock_fresh(fsock_real()->socket(domain, type, protocol));
}

/* LISTEN: the module watches @fd and gives it a group. */
int fsock_module_listen(int fd, int backlog)
{
	struct fsocket_ioctl_arg arg;
	int channel = fsock_channel();

	if (channel < 0)
		return -1;
	memset(&arg, 0, sizeof(arg));
	arg.fd = fd;
	arg.backlog = backlog < 0 ? 0 : (unsigned int)backlog;
	return ioctl(channel, FSOCKET_IOC_LISTEN, &arg);
}

/*
 * @fd listens: the module watches it, and the table knows it as a global
 * listener made by process @by (whose own accept() keeps it, unless the
 * application asked for a listener each with SO_REUSEPORT).
 */
void fsock_accelerate_listen(int fd, int backlog, pid_t by)
{
	struct fsock_ent e = { .kind = FSOCK_GLOBAL, .a = by,
			       .b = FSOCK_NONE };
	int reuse = 0;

	if (fsock_disabled() || fsock_kind(fd) == FSOCK_LOCAL ||
	    !is_inet_tcp(fd) || fsock_channel() < 0)
		return;
	/* Before LISTEN sets it: did the application want a listener each? */
	if (sockopt_int(fd, SOL_SOCKET, SO_REUSEPORT, &reuse) == 0 && reuse)
		e.flags |= FSOCK_REUSE;
	if (fsock_module_listen(fd, backlog) < 0) {
		fsock_fallback(FSOCK_ONCE_CMD_REFUSED,
			       "the module refused LISTEN (%s); this listener stays on the plain kernel path",
			       strerror(errno));
		return;
	}
	fsock_lock();
	fsock_set(fd, &e);
	fsock_unlock();
}

/* Outgoing connections: see rfd.c (a plain connect unless RFD is on). */
FSOCK_EXPORT int connect(int fd, const struct sockaddr *addr, socklen_t len)
{
	int ret = fsock_rfd_connect(fd, addr, len);

	if (ret == 0 && fsock_any())
		fsock_mirror_disconnect(fd, addr);
	return ret;
}

FSOCK_EXPORT int listen(int fd, int backlog)
{
	int ret, saved_errno;

	fsock_mirror_listen(fd, backlog);
	ret = fsock_real()->listen(fd, backlog);
	saved_errno = errno;

	if (ret == 0)
		fsock_accelerate_listen(fd, backlog, fsock_pid());
	errno = saved_errno;
	return ret;
}

/*
 * A worker stops listening on its local listener: SHUTDOWN_LISTEN hands
 * its queue to the others at once. The global fallback goes with it, as
 * a shut-down listener accepts nothing.
 */
static int shutdown_local(int fd, int how)
{
	struct fsocket_ioctl_arg arg;
	int channel = fsock_channel();
	int ret = -1;

	if (channel >= 0) {
		memset(&arg, 0, sizeof(arg));
		arg.fd = fd;
		arg.op.shutdown_op.how = how;
		ret = ioctl(channel, FSOCKET_IOC_SHUTDOWN_LISTEN, &arg);
	}
	if (ret < 0)
		ret = fsock_real()->shutdown(fd, how);
	if (ret == 0) {
		fsock_lock();
		fsock_forget(fd);
		fsock_unlock();
	}
	return ret;
}

FSOCK_EXPORT int shutdown(int fd, int how)
{
	enum fsock_kind kind = fsock_kind(fd);

	if ((how == SHUT_RD || how == SHUT_RDWR) && kind == FSOCK_LOCAL)
		return shutdown_local(fd, how);
	if ((how == SHUT_RD || how == SHUT_RDWR) && kind == FSOCK_GLOBAL)
		fsock_thread_unlisten(fd);
	return fsock_real()->shutdown(fd, how);
}

/* Errors of ACCEPT that accept4(2) itself would give on this listener. */
static bool accept_error_is_final(int err)
{
	switch (err) {
	case EAGAIN:
	case EINTR:
	case EMFILE:
	case ENFILE:
	case ENOBUFS:
	case ENOMEM:
	case EFAULT:
	case EPERM:
	case ECONNABORTED:
		return true;
	default:
		return false;
	}
}

/*
 * ACCEPT refused: libc's accept4() on the local queue or the shared one,
 * whichever has a connection, waiting on both as the application's
 * descriptor says (O_NONBLOCK). A shared listener that stopped listening
 * (paused by another process) is left out; the local one's own error
 * (shut down) is the application's answer.
 */
static int accept_either(int fd, int gfd, struct sockaddr *addr,
			 socklen_t *len, int flags)
{
	const struct fsock_real *real = fsock_real();
	struct pollfd p[2] = { { .fd = fd, .events = POLLIN },
			       { .fd = gfd, .events = POLLIN } };
	int fl = gfd == FSOCK_NONE ? -1 : real->fcntl(fd, F_GETFL);
	nfds_t n = 2, i;
	int ret;

	/* Bad flags: the kernel's answer (EINVAL), not a wait. */
	if (fl < 0 || (flags & ~(SOCK_NONBLOCK | SOCK_CLOEXEC)))
		return real->accept4(fd, addr, len, flags);
	for (;;) {
		if (real->poll(p, n, fl & O_NONBLOCK ? 0 : -1) < 0)
			return -1;
		for (i = 0; i < n; i++) {
			if (!(p[i].revents & POLLIN))
				continue;
			ret = real->accept4(p[i].fd, addr, len, flags);
			if (ret >= 0 || errno != EAGAIN)
				return ret;
		}
		if (p[0].revents & ~POLLIN)
			return real->accept4(fd, addr, len, flags);
		if (n == 2 && (p[1].revents & ~POLLIN))
			n = 1;
		if (fl & O_NONBLOCK)	/* EAGAIN, or what else it has to say */
			return real->accept4(fd, addr, len, flags);
	}
}

/*
 * ACCEPT of @fd, then @gfd (-1: none), with @how its argument's flags.
 * accept(2) is a cancellation point and ioctl(2) is not, so the wait is
 * made cancellable as glibc made its own before 2.34: asynchronous
 * cancellation around the call (a thread pool's threads blocked in
 * accept() are cancelled at a server's shutdown). As then, a cancel that
 * lands between the return and the restore loses that one connection.
 */
static int accept_ioctl(int channel, int fd, int gfd, unsigned int how,
			struct sockaddr *addr, socklen_t *len, int flags)
{
	struct fsocket_ioctl_arg arg;
	int ret, type, ignored, err;

	memset(&arg, 0, sizeof(arg));
	arg.fd = fd;
	arg.flags = how;
	arg.op.accept_op.addr = (uintptr_t)addr;
	arg.op.accept_op.addrlen = (uintptr_t)len;
	arg.op.accept_op.flags = flags;
	arg.op.accept_op.global_fd = gfd;
	pthread_setcanceltype(PTHREAD_CANCEL_ASYNCHRONOUS, &type);
	ret = ioctl(channel, FSOCKET_IOC_ACCEPT, &arg);
	err = errno;
	pthread_setcanceltype(type, &ignored);
	errno = err;
	return ret;
}

/*
 * ACCEPT on @fd, a local listener, and @gfd, the shared one. The
 * application's descriptor is @fd in a worker; in a thread (@thread) it
 * is @gfd, whose own error (paused, shut down) is then the answer. A
 * worker's accept4() on its local listener does the same where the module
 * says so, at the cost of accept4() alone.
 */
static int accept_local(int fd, int gfd, struct sockaddr *addr,
			socklen_t *len, int flags, bool thread)
{
	int channel, ret, refused;

	if (!thread && atomic_load_explicit(&fsock_local_accept_native,
					    memory_order_relaxed))
		return fsock_real()->accept4(fd, addr, len, flags);
	channel = fsock_channel();
	if (channel < 0)
		return fsock_real()->accept4(thread ? gfd : fd, addr, len, flags);
	ret = accept_ioctl(channel, fd, gfd == FSOCK_NONE ? -1 : gfd, 0, addr,
			   len, flags);
	if (ret >= 0 || accept_error_is_final(errno))
		return ret;
	/* Anything else: libc's accept4 on the same queues says it right. */
	refused = errno;
	ret = thread ? accept_either(gfd, fd, addr, len, flags) :
		       accept_either(fd, gfd, addr, len, flags);
	if (ret >= 0)
		fsock_say_once(FSOCK_ONCE_ACCEPT_REFUSED,
			       "the module refused ACCEPT (%s); accepting through libc",
			       strerror(refused));
	return ret;
}

/* A thread's own local listener for the shared @fd, or -1 (threads.c). */
static int thread_local_of(int fd)
{
	if (!fsock_threads_any() || fsock_kind(fd) != FSOCK_GLOBAL)
		return -1;
	return fsock_thread_accepting(fd);
}

/*
 * A worker's listener, or a thread's: @lfd its local queue, @gfd the
 * global one.
 */
static bool accept_is_local(int fd, int *lfd, int *gfd)
{
	struct fsock_ent e;

	if (!fsock_any())
		return false;
	e = fsock_get(fd);
	if (e.kind == FSOCK_LOCAL) {	/* every accept after the first */
		*lfd = fd;
		*gfd = e.a;
		return true;
	}
	if (fsock_want_local(fd, true)) {
		e = fsock_get(fd);
		*lfd = fd;
		*gfd = e.a;
		return e.kind == FSOCK_LOCAL;
	}
	*lfd = thread_local_of(fd);
	*gfd = fd;
	return *lfd >= 0;
}

/*
 * A thread that serves the shared listener @fd without a local listener
 * yet, as of generation @gen (threads.c): ACCEPT there, which also ends
 * (ESTALE, for the caller to ask again) once another thread's spawn lets
 * this one take its own; at once if a spawn began since @gen. A spawn
 * that begins and ends between that look and the module's start of the
 * wait is missed: this thread then takes its own at its next connection.
 * Where the module cannot, libc's accept4(), which waits for a connection
 * alone.
 */
static int accept_until_spawn(int fd, unsigned int gen, struct sockaddr *addr,
			      socklen_t *len, int flags)
{
	int channel = fsock_channel(), ret, refused;

	if (channel < 0)
		return fsock_real()->accept4(fd, addr, len, flags);
	if (fsock_thread_changed(gen)) {
		errno = ESTALE;
		return -1;
	}
	ret = accept_ioctl(channel, fd, -1, FSOCKET_ACCEPT_SPAWN_WAKES, addr,
			   len, flags);
	if (ret >= 0 || errno == ESTALE || accept_error_is_final(errno))
		return ret;
	/* Anything else (a listener shut down meanwhile): libc says it right. */
	refused = errno;
	ret = fsock_real()->accept4(fd, addr, len, flags);
	if (ret >= 0)
		fsock_say_once(FSOCK_ONCE_ACCEPT_REFUSED,
			       "the module refused ACCEPT (%s); accepting through libc",
			       strerror(refused));
	return ret;
}

/*
 * The shared listener; empty, for a thread that does not serve it, what
 * waits on the serving threads' local listeners (threads.c).
 */
static int accept_shared(int fd, struct sockaddr *addr, socklen_t *len,
			 int flags)
{
	unsigned int gen;
	int ret;

	if (atomic_load_explicit(&fsock_spawn_wakes_native,
				 memory_order_relaxed) &&
	    fsock_thread_waits_alone(fd, &gen))
		return accept_until_spawn(fd, gen, addr, len, flags);
	ret = fsock_real()->accept4(fd, addr, len, flags);

	if (ret < 0 && errno == EAGAIN && fsock_threads_any() &&
	    fsock_kind(fd) == FSOCK_GLOBAL)
		ret = fsock_thread_accept_any(fd, addr, len, flags);
	return ret;
}

/*
 * A worker's local listener that the module serves as ACCEPT would: every
 * accept of a worker after its first, so it costs one lookup.
 */
static bool accept_is_native(int fd)
{
	return fsock_kind(fd) == FSOCK_LOCAL &&
	       atomic_load_explicit(&fsock_local_accept_native,
				    memory_order_relaxed);
}

/*
 * accept4() but a worker's on its local listener (accept_is_native()).
 * ESTALE (accept_until_spawn()): the caller may have a local listener now.
 */
static __attribute__((noinline)) int
accept4_other(int fd, struct sockaddr *addr, socklen_t *len, int flags)
{
	int lfd, gfd, ret, saved = errno;

	for (;;) {
		if (accept_is_local(fd, &lfd, &gfd))
			return accept_local(lfd, gfd, addr, len, flags,
					    lfd != fd);
		ret = accept_shared(fd, addr, len, flags);
		if (ret >= 0 || errno != ESTALE)
			return ret;
		errno = saved;
	}
}

FSOCK_EXPORT int accept4(int fd, struct sockaddr *addr, socklen_t *len,
			 int flags)
{
	if (accept_is_native(fd))
		return fsock_fresh(fsock_real()->accept4(fd, addr, len, flags));
	return fsock_fresh(accept4_other(fd, addr, len, flags));
}

FSOCK_EXPORT int accept(int fd, struct sockaddr *addr, socklen_t *len)
{
	int lfd, gfd;

	if (accept_is_native(fd))
		return fsock_fresh(fsock_real()->accept(fd, addr, len));
	if (accept_is_local(fd, &lfd, &gfd))
		return fsock_fresh(accept_local(lfd, gfd, addr, len, 0,
						lfd != fd));
	if (fsock_threads_any())
		return fsock_fresh(accept4_other(fd, addr, len, 0));
	return fsock_fresh(fsock_real()->accept(fd, addr, len));
}
