// SPDX-License-Identifier: GPL-2.0-only
/*
 * What the application does to its listener after the swap reaches the
 * shared listener too. The descriptor it holds is a local listener; the
 * shared one lives on in the library's private descriptor, and a plain
 * kernel would have applied the call to that socket:
 *  - setsockopt(): both sockets get the option (the local first: its
 *    answer is the application's), except SO_INCOMING_CPU, which steers
 *    the local listener and so goes to the shared one only;
 *  - connect(AF_UNSPEC), a pause (haproxy's "disable frontend"): both stop
 *    listening, so no connection waits unseen on the shared queue while
 *    the application watches neither;
 *  - listen(), the resume or a new backlog: both listen again, and the
 *    module watches the shared listener again;
 *  - fcntl(F_SETFL): both files get the flags (O_NONBLOCK), as the one
 *    file the application's siblings share would have.
 * A shared listener whose threads have local listeners of their own
 * (threads.c) passes options and flags on to them, and a pause takes
 * them away.
 */
#include <errno.h>
#include <fcntl.h>
#include <sys/socket.h>

#include "libfsocket.h"

/* The private descriptor of @fd's shared listener, or -1. */
static int shared_of(int fd)
{
	struct fsock_ent e;

	if (!fsock_any())
		return -1;
	e = fsock_get(fd);
	return e.kind == FSOCK_LOCAL && e.a != FSOCK_NONE ? e.a : -1;
}

struct option {
	int level, name;
	const void *val;
	socklen_t len;
};

static void set_option(int local, const void *arg)
{
	const struct option *o = arg;

	fsock_real()->setsockopt(local, o->level, o->name, o->val, o->len);
}

static void set_flags(int local, const void *arg)
{
	fsock_real()->fcntl(local, F_SETFL, *(const int *)arg);
}

/* The shared listener @fd of threads with local listeners (threads.c). */
static bool served_by_threads(int fd)
{
	return fsock_threads_any() && fsock_kind(fd) == FSOCK_GLOBAL;
}

/* setsockopt() on a descriptor the table describes. */
static __attribute__((noinline)) int
setsockopt_ours(int fd, int level, int name, const void *val, socklen_t len)
{
	struct option o = { level, name, val, len };
	int gfd = shared_of(fd), saved, ret;

	if (gfd >= 0 && level == SOL_SOCKET && name == SO_INCOMING_CPU)
		return fsock_real()->setsockopt(gfd, level, name, val, len);
	ret = fsock_real()->setsockopt(fd, level, name, val, len);
	if (ret == 0 && gfd >= 0) {
		saved = errno;
		fsock_real()->setsockopt(gfd, level, name, val, len);
		errno = saved;
	} else if (ret == 0 && served_by_threads(fd) &&
		   !(level == SOL_SOCKET && name == SO_INCOMING_CPU)) {
		saved = errno;
		fsock_thread_each(fd, set_option, &o);
		errno = saved;
	}
	return ret;
}

/* A connection's descriptor (none of ours) costs one lookup. */
FSOCK_EXPORT int setsockopt(int fd, int level, int name, const void *val,
			    socklen_t len)
{
	if (fsock_kind(fd) == FSOCK_UNKNOWN)
		return fsock_real()->setsockopt(fd, level, name, val, len);
	return setsockopt_ours(fd, level, name, val, len);
}

/* After the local listener's connect(@addr) succeeded: @addr is readable. */
void fsock_mirror_disconnect(int fd, const struct sockaddr *addr)
{
	int gfd = shared_of(fd), saved = errno;

	if (addr->sa_family == AF_UNSPEC && served_by_threads(fd))
		fsock_thread_unlisten(fd);
	if (gfd < 0 || addr->sa_family != AF_UNSPEC)
		return;
	/* Its queue moves to another member that still listens, if any. */
	fsock_real()->connect(gfd, addr, sizeof(*addr));
	errno = saved;
}

void fsock_mirror_listen(int fd, int backlog)
{
	int gfd = shared_of(fd), saved = errno;

	if (gfd >= 0 && fsock_real()->listen(gfd, backlog) == 0)
		fsock_module_listen(gfd, backlog);
	errno = saved;
}

/* After F_SETFL on @fd succeeded; a listener's accept() asks again. */
void fsock_mirror_setfl(int fd, int flags)
{
	int gfd = shared_of(fd), saved = errno;
	struct fsock_ent e;

	if (gfd >= 0) {
		fsock_real()->fcntl(gfd, F_SETFL, flags);
		errno = saved;
		return;
	}
	if (served_by_threads(fd)) {
		fsock_thread_each(fd, set_flags, &flags);
		fsock_thread_recheck();
		errno = saved;
	}
	fsock_lock();
	e = fsock_get(fd);
	if (e.kind == FSOCK_GLOBAL && (e.flags & FSOCK_NONBLOCK_SEEN)) {
		e.flags &= ~FSOCK_NONBLOCK_SEEN;
		e.b = FSOCK_NONE;
		fsock_set(fd, &e);
	}
	fsock_unlock();
}
