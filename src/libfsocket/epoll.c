// SPDX-License-Identifier: GPL-2.0-only
/*
 * epoll_ctl(): the moment a worker starts watching a listener. A global
 * listener is swapped for the worker's local one first (localize.c), and
 * the library's private descriptor of the global listener joins the same
 * epoll with the application's event data and EPOLLEXCLUSIVE, so that
 * connections left on the global queue (a CPU without a worker, a queue
 * handed over by a worker that died) wake one worker, whose accept()
 * takes them through ACCEPT's fallback. A thread's epoll gets its own
 * local listener (threads.c).
 *
 * A worker that takes its local listener out of its epoll again (nginx
 * with accept_mutex on, when another worker holds the mutex) no longer
 * accepts there: the module is told at once (PAUSE_LOCAL), and pauses
 * the listener unless something else still watches it, so that its CPU's
 * connections go to the shared listener meanwhile rather than wait for
 * the module's sweep to notice. Not for a listener the application added
 * with EPOLLEXCLUSIVE: nginx with accept_mutex off takes it out and adds
 * it back every 16 accepts, to rotate its wake-ups, and the sweep pauses
 * one that stays out. The module resumes it once it has settled in an
 * epoll again (src/kmod/pause.c), not at the application's next ADD:
 * nginx's mutex holder would gather its CPU's connections in its local
 * queue only to leave them waiting there when the mutex moves on.
 *
 * A worker that takes its local listener out twice within CHURN_NS gets
 * the shared listener back over its descriptor for good (localize.c),
 * said once, unless it ever added that listener with EPOLLEXCLUSIVE.
 * That is nginx with accept_mutex on: the mutex moves between
 * the workers many times a second and only its holder accepts, whichever
 * CPU a connection came in on, so locality is lost anyway. Kept local,
 * such workers took 75-93 % of their connections from the shared queue
 * through the module, paid the library's calls at each move, and left
 * connections waiting in a previous holder's queue until its next turn
 * (measured on 7.3); back on the shared listener they are plain nginx's
 * workers. nginx with accept_mutex off adds its listeners with
 * EPOLLEXCLUSIVE, but after accept() failed with EMFILE it takes them out
 * and, 500 ms later, adds them back without it; two such moments within
 * CHURN_NS must not cost that worker its locality for good.
 */
#include <errno.h>
#include <stdint.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>

#include <linux/fastsocket.h>

#include "libfsocket.h"

/* The bits EPOLLEXCLUSIVE may be combined with (fs/eventpoll.c). */
#define EXCLUSIVE_OK (EPOLLIN | EPOLLOUT | EPOLLERR | EPOLLHUP | \
		      EPOLLWAKEUP | EPOLLET | EPOLLRDNORM | EPOLLRDBAND | \
		      EPOLLWRNORM | EPOLLWRBAND)

void fsock_epoll_unwatch(int epfd, int gfd)
{
	struct epoll_event unused;

	fsock_real()->epoll_ctl(epfd, EPOLL_CTL_DEL, gfd, &unused);
}

static void watch_global(int epfd, int fd, int gfd,
			 const struct epoll_event *app)
{
	struct epoll_event ev = *app;

	if (!(app->events & EPOLLONESHOT))
		ev.events = (app->events & EXCLUSIVE_OK) | EPOLLEXCLUSIVE;
	if (fsock_real()->epoll_ctl(epfd, EPOLL_CTL_ADD, gfd, &ev) < 0) {
		fsock_say_once(FSOCK_ONCE_EPOLL_GLOBAL,
			       "cannot watch the shared listener in epoll (%s); connections on CPUs without a worker wait for the next local one",
			       strerror(errno));
		return;
	}
	if (fsock_reg_add(fd, epfd, app->events & EPOLLEXCLUSIVE) < 0)
		fsock_epoll_unwatch(epfd, gfd);
}

/* Its worker took the local listener @fd out of an epoll. Under the lock. */
static void pause_local(int fd)
{
	int channel = fsock_channel();
	struct fsocket_ioctl_arg arg;

	if (channel < 0 || !atomic_load(&fsock_pause_native))
		return;
	memset(&arg, 0, sizeof(arg));
	arg.fd = fd;
	arg.op.pause_op.paused = 1;
	ioctl(channel, FSOCKET_IOC_PAUSE_LOCAL, &arg);
}

/* As the module's FSOCKET_PAUSE_CHURN_MS (src/kmod/pause.c). */
#define CHURN_NS (10 * 1000000000LL)
#define CHURN_SLOTS 8

/* The last time this process took a local listener out, by descriptor. */
static struct {
	int fd;
	pid_t pid;
	int64_t at;
} took_out[CHURN_SLOTS];

static int64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
	return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

/*
 * Its worker takes the local listener @fd out of an epoll: was it out
 * before, within CHURN_NS? A slot of a descriptor closed since and reused
 * can only answer yes early, which leaves the worker as without
 * fastsocket. Under the lock.
 */
static bool churning(int fd)
{
	pid_t pid = fsock_pid();
	int64_t now = now_ns(), then;
	int i, slot = 0;

	for (i = 0; i < CHURN_SLOTS; i++) {
		if (took_out[i].at && took_out[i].fd == fd &&
		    took_out[i].pid == pid) {
			then = took_out[i].at;
			took_out[i].at = now;
			return now - then < CHURN_NS;
		}
		if (took_out[i].at < took_out[slot].at)
			slot = i;
	}
	took_out[slot].fd = fd;
	took_out[slot].pid = pid;
	took_out[slot].at = now;
	return false;
}

/* Its worker took the local listener @fd out again: back to the shared one? */
static bool give_up_local(int fd)
{
	if (!churning(fd) || !fsock_unlocalize(fd))
		return false;
	fsock_say_once(FSOCK_ONCE_CHURN,
		       "a worker takes its listener out of epoll and back again and again (nginx with accept_mutex on?): it accepts from the shared listener, as without fastsocket");
	return true;
}

/* The application adds its LOCAL listener @e (@fd) with EPOLLEXCLUSIVE. */
static void note_exclusive(int fd, struct fsock_ent *e)
{
	if (e->flags & FSOCK_ADDED_EXCLUSIVE)
		return;
	e->flags |= FSOCK_ADDED_EXCLUSIVE;
	fsock_set(fd, e);
}

/* After the application's own epoll_ctl on @fd succeeded. */
static void mirror(int epfd, int op, int fd, const struct epoll_event *ev)
{
	bool exclusive = false;
	struct fsock_ent e;

	fsock_lock();
	e = fsock_get(fd);
	if (e.kind == FSOCK_LOCAL && op == EPOLL_CTL_ADD && ev &&
	    (ev->events & EPOLLEXCLUSIVE))
		note_exclusive(fd, &e);
	if (e.kind == FSOCK_LOCAL && e.a != FSOCK_NONE) {
		if (op != EPOLL_CTL_ADD) {
			fsock_epoll_unwatch(epfd, e.a);
			exclusive = fsock_reg_del(fd, epfd);
		}
		if (op != EPOLL_CTL_DEL && ev)
			watch_global(epfd, fd, e.a, ev);
	}
	if (e.kind == FSOCK_LOCAL && op == EPOLL_CTL_DEL && !exclusive &&
	    ((e.flags & FSOCK_ADDED_EXCLUSIVE) || !give_up_local(fd)))
		pause_local(fd);
	fsock_unlock();
}

/* After the application's own epoll_ctl on the shared listener @fd. */
static void thread_serves(int epfd, int op, int fd, struct epoll_event *ev)
{
	if (!fsock_threads_any() || fsock_kind(fd) != FSOCK_GLOBAL)
		return;
	if (op == EPOLL_CTL_ADD)
		fsock_thread_listener(fd, epfd, ev, true);
	else
		fsock_thread_epoll(epfd, op, fd, ev);
}

/* epoll_ctl() of a descriptor the table describes (@kind). */
static __attribute__((noinline)) int
epoll_ctl_ours(int epfd, int op, int fd, struct epoll_event *ev,
	       enum fsock_kind kind)
{
	bool local = op == EPOLL_CTL_ADD ? fsock_want_local(fd, false) :
		     kind == FSOCK_LOCAL;
	int ret = fsock_real()->epoll_ctl(epfd, op, fd, ev), saved_errno;

	if (ret == 0) {
		saved_errno = errno;
		if (local)
			mirror(epfd, op, fd, ev);
		else
			thread_serves(epfd, op, fd, ev);
		errno = saved_errno;
	}
	return ret;
}

/* A connection's descriptor (none of ours) costs one lookup. */
FSOCK_EXPORT int epoll_ctl(int epfd, int op, int fd, struct epoll_event *ev)
{
	enum fsock_kind kind = fsock_kind(fd);

	if (kind == FSOCK_UNKNOWN)
		return fsock_real()->epoll_ctl(epfd, op, fd, ev);
	return epoll_ctl_ours(epfd, op, fd, ev, kind);
}
