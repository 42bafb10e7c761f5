// SPDX-License-Identifier: GPL-2.0-only
/*
 * A worker's own local listener. When a worker (a process other than the
 * one that listened, or any process whose application set SO_REUSEPORT
 * itself) first watches a global listener in epoll, or first blocks in
 * accept() on it, the module spawns a local listener for the worker's
 * CPU (mode 2 chooses the CPU and pins the worker there). The library
 * keeps a private descriptor of the global listener, for ACCEPT's
 * fallback and for epoll, and puts the local listener over the
 * application's descriptor with dup3(), keeping its flags: from then on
 * the worker's descriptor names its local queue. A process that runs
 * threads keeps its descriptor, and its threads may get local listeners
 * of their own (threads.c); that holds for the process that listened
 * too.
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <linux/fastsocket.h>

#include "libfsocket.h"

/* Has this process decided about @e's listener? */
static bool decided(const struct fsock_ent *e, pid_t pid)
{
	return e->b == pid && !(e->flags & FSOCK_NONBLOCK_SEEN);
}

/*
 * SPAWN_LISTEN for @fd: a local listener for the caller's CPU, or -1
 * (said once), which leaves the caller, a @who, on the shared listener.
 */
int fsock_spawn_local(int channel, int fd, const char *who)
{
	struct fsocket_ioctl_arg arg;
	int local;

	memset(&arg, 0, sizeof(arg));
	arg.fd = fd;
	arg.op.spawn_op.cpu = FSOCKET_CPU_ANY;
	local = ioctl(channel, FSOCKET_IOC_SPAWN_LISTEN, &arg);
	if (local < 0)
		fsock_fallback(FSOCK_ONCE_SPAWN_REFUSED,
			       "no local listener for this %s (%s); it accepts from the shared listener",
			       who, strerror(errno));
	return local;
}

/* Puts @local over @fd; @gfd is our private copy of what @fd was. */
static int swap_in(int fd, int local, int gfd)
{
	int fdflags = fsock_real()->fcntl(fd, F_GETFD);
	struct fsock_ent loc = { .kind = FSOCK_LOCAL, .a = gfd };
	struct fsock_ent priv = { .kind = FSOCK_PRIVATE, .a = fd };
	int ret;

	if (fdflags < 0)
		return -1;
	ret = fsock_real()->dup3(local, fd,
				 fdflags & FD_CLOEXEC ? O_CLOEXEC : 0);
	if (ret < 0)
		return -1;
	fsock_set(fd, &loc);
	fsock_set(gfd, &priv);
	return 0;
}

static bool localize_locked(int fd, pid_t pid)
{
	struct fsock_ent e = fsock_get(fd);
	int channel, gfd, local = -1;
	bool worker, threads;

	if (e.kind != FSOCK_GLOBAL || decided(&e, pid))
		return e.kind == FSOCK_LOCAL;
	worker = e.a != pid || (e.flags & FSOCK_REUSE);
	/*
	 * Threads share the descriptor: each may get its own (threads.c).
	 * Said before the decision is seen: another thread that sees it
	 * goes to threads.c at once, without the lock.
	 */
	threads = fsock_threaded();
	if (threads)
		fsock_thread_mode(fd, worker);
	/* One decision per process, whatever its outcome. */
	e.b = pid;
	e.flags &= ~FSOCK_NONBLOCK_SEEN;
	fsock_set(fd, &e);
	if (threads || !worker)
		return false;

	channel = fsock_channel();
	if (channel < 0)
		return false;
	gfd = fsock_real()->fcntl(fd, F_DUPFD_CLOEXEC, 0);
	if (gfd < 0)
		return false;
	local = fsock_spawn_local(channel, gfd, "worker");
	if (local >= 0 && swap_in(fd, local, gfd) == 0) {
		fsock_real()->close(local);
		return true;
	}
	if (local >= 0)
		fsock_real()->close(local);
	fsock_real()->close(gfd);
	return false;
}

static void nonblocking_seen(int fd, pid_t pid)
{
	struct fsock_ent e;

	fsock_lock();
	e = fsock_get(fd);
	if (e.kind == FSOCK_GLOBAL && e.b != pid) {
		e.flags |= FSOCK_NONBLOCK_SEEN;
		e.b = pid;
		fsock_set(fd, &e);
	}
	fsock_unlock();
}

/* Is @fd (now) a local listener? Spawns one if it may. */
bool fsock_want_local(int fd, bool from_accept)
{
	struct fsock_ent e = fsock_get(fd);
	int saved_errno = errno;
	pid_t pid;
	bool local;

	if (e.kind == FSOCK_LOCAL)
		return true;
	if (e.kind != FSOCK_GLOBAL)
		return false;
	pid = fsock_pid();
	if (decided(&e, pid))
		return false;
	/*
	 * accept() without epoll: only a blocking one waits on both queues.
	 * A non-blocking one is told once per process (and again after an
	 * F_SETFL), not at every accept.
	 */
	if (from_accept && (e.flags & FSOCK_NONBLOCK_SEEN) && e.b == pid)
		return false;
	if (from_accept && (fsock_real()->fcntl(fd, F_GETFL) & O_NONBLOCK)) {
		nonblocking_seen(fd, pid);
		errno = saved_errno;
		return false;
	}

	fsock_lock();
	local = localize_locked(fd, pid);
	fsock_unlock();
	errno = saved_errno;
	return local;
}
