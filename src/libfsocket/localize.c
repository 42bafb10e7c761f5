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
 * too. A worker that keeps taking its local listener out of epoll gets
 * the shared listener back for good (fsock_unlocalize(), epoll.c).
 */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
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

/*
 * The CPUs this process ran on before its first spawn, which in the
 * module's mode 2 pins it to one: fsock_unlocalize() gives them back.
 */
static cpu_set_t cpus_before;
static pid_t cpus_before_pid;
static int locals_seen, regs_seen;

static void note_cpus(pid_t pid)
{
	if (cpus_before_pid != pid &&
	    sched_getaffinity(0, sizeof(cpus_before), &cpus_before) == 0)
		cpus_before_pid = pid;
}

static void count_reg(int epfd, int gfd)
{
	(void)epfd;
	(void)gfd;
	regs_seen++;
}

static void count_local(int fd)
{
	if (fsock_get(fd).kind == FSOCK_LOCAL)
		locals_seen++;
}

/*
 * Its last local listener gone back to the shared one, a worker the
 * module pinned to one CPU runs where it did before, as without
 * fastsocket; one whose CPUs were changed since is left as it is.
 */
static void unpin(void)
{
	cpu_set_t now;

	if (cpus_before_pid != fsock_pid() ||
	    sched_getaffinity(0, sizeof(now), &now) || CPU_COUNT(&now) != 1 ||
	    CPU_EQUAL(&now, &cpus_before))
		return;
	locals_seen = 0;
	fsock_for_range(0, ~0u, count_local);
	if (!locals_seen)
		sched_setaffinity(0, sizeof(cpus_before), &cpus_before);
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

/*
 * Puts the shared listener back over @fd, a LOCAL descriptor, for good in
 * this process: the worker accepts as without fastsocket, and its local
 * listener closes, handing its queue to the shared one; with its last
 * local listener gone, it runs where it did before (unpin()). Not while
 * another epoll of the worker's still watches it (closing the local
 * listener would take it out of there unseen), nor where the two differ
 * in O_NONBLOCK, which they share with other processes. Under the lock;
 * returns whether it did.
 */
bool fsock_unlocalize(int fd)
{
	struct fsock_ent e = fsock_get(fd);
	struct fsock_ent g = fsock_get(e.a);
	int gfd = e.a, fdflags, fl, gfl;

	if (e.kind != FSOCK_LOCAL || gfd == FSOCK_NONE ||
	    g.kind != FSOCK_PRIVATE || g.a != fd)
		return false;
	regs_seen = 0;
	fsock_reg_each(fd, gfd, count_reg);
	if (regs_seen)
		return false;
	fdflags = fsock_real()->fcntl(fd, F_GETFD);
	fl = fsock_real()->fcntl(fd, F_GETFL);
	gfl = fsock_real()->fcntl(gfd, F_GETFL);
	if (fdflags < 0 || fl < 0 || gfl < 0 ||
	    ((fl ^ gfl) & O_NONBLOCK))
		return false;
	if (fsock_real()->dup3(gfd, fd, fdflags & FD_CLOEXEC ? O_CLOEXEC : 0) < 0)
		return false;
	/* Decided: this process never spawns for it again. */
	e = (struct fsock_ent){ .kind = FSOCK_GLOBAL, .a = 0, .b = fsock_pid() };
	fsock_reg_drop(fd);
	fsock_set(fd, &e);
	fsock_clear(gfd);
	fsock_real()->close(gfd);
	unpin();
	return true;
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
	gfd = fsock_own_fd(gfd, true);
	note_cpus(pid);
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
