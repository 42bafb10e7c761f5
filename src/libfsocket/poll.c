// SPDX-License-Identifier: GPL-2.0-only
/*
 * poll(), ppoll(), select() and pselect() on a worker's listener. Once the
 * worker's descriptor names its local listener, waiting on it alone would
 * never report the connections that wait on the shared (global) listener:
 * those of CPUs without a worker, those a closing listener handed over,
 * those taken from a stalled worker. So each of these calls also waits on
 * the library's private descriptor of the global listener, and reports its
 * readiness as the worker's descriptor's; the worker's accept() then takes
 * from either queue (ACCEPT). The private descriptor never shows in what
 * the application gets back. A thread of a process whose threads have
 * local listeners of their own (threads.c) waits on its own too. Without any local listener in the process
 * the calls go straight to libc.
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/select.h>

#include "libfsocket.h"

#define READ_EVENTS (POLLIN | POLLRDNORM)
#define STACK_FDS 64

/*
 * The other queue behind @fd, or -1: a worker's private global
 * descriptor, or a thread's own local listener for the shared @fd.
 */
static int global_of(int fd)
{
	struct fsock_ent e;

	if (fd < 0)
		return -1;
	e = fsock_get(fd);
	if (e.kind == FSOCK_GLOBAL && fsock_threads_any())
		return fsock_thread_listener(fd, -1, NULL, false);
	return e.kind == FSOCK_LOCAL && e.a != FSOCK_NONE ? e.a : -1;
}

/* The real call, with @fds extended by @k entries for global listeners. */
struct poll_call {
	int timeout;			/* poll */
	const struct timespec *ts;	/* ppoll */
	const sigset_t *mask;
	bool ppoll;
};

static int real_poll(const struct poll_call *c, struct pollfd *fds, nfds_t n)
{
	if (c->ppoll)
		return fsock_real()->ppoll(fds, n, c->ts, c->mask);
	return fsock_real()->poll(fds, n, c->timeout);
}

/*
 * @all holds @fds' @n entries, then @k for globals; @of[j] is the entry
 * the j-th global answers for. Folds the answer back into @fds.
 */
static int fold_poll(struct pollfd *fds, nfds_t n, const struct pollfd *all,
		     const nfds_t *of, nfds_t k, int ret)
{
	nfds_t i;

	for (i = 0; i < n; i++)
		fds[i].revents = all[i].revents;
	if (ret <= 0)
		return ret;
	for (i = 0; i < k; i++)
		if (all[n + i].revents & POLLIN)
			fds[of[i]].revents |= fds[of[i]].events & READ_EVENTS;
	ret = 0;
	for (i = 0; i < n; i++)
		ret += fds[i].revents != 0;
	return ret;
}

static int poll_locals(struct pollfd *fds, nfds_t n, const struct poll_call *c)
{
	struct pollfd stack[STACK_FDS], *all = stack;
	nfds_t stack_of[STACK_FDS], *of = stack_of, i, k = 0, room;
	int ret, saved;

	for (i = 0; i < n; i++)
		k += (fds[i].events & READ_EVENTS) && global_of(fds[i].fd) >= 0;
	if (!k)
		return real_poll(c, fds, n);
	room = k;
	if (n + room > STACK_FDS) {
		all = malloc((n + room) * (sizeof(*all) + sizeof(*of)));
		if (!all)
			return real_poll(c, fds, n);
		of = (nfds_t *)(all + n + room);
	}
	memcpy(all, fds, n * sizeof(*all));
	/* Another thread may change the table meanwhile: never past @room. */
	for (i = 0, k = 0; i < n && k < room; i++) {
		int gfd = (fds[i].events & READ_EVENTS) ? global_of(fds[i].fd) : -1;

		if (gfd < 0)
			continue;
		all[n + k] = (struct pollfd){ .fd = gfd, .events = POLLIN };
		of[k++] = i;
	}
	ret = real_poll(c, all, n + k);
	saved = errno;
	ret = fold_poll(fds, n, all, of, k, ret);
	if (all != stack)
		free(all);
	errno = saved;
	return ret;
}

FSOCK_EXPORT int poll(struct pollfd *fds, nfds_t n, int timeout)
{
	struct poll_call c = { .timeout = timeout };

	if (!fsock_any())
		return fsock_real()->poll(fds, n, timeout);
	return poll_locals(fds, n, &c);
}

FSOCK_EXPORT int ppoll(struct pollfd *fds, nfds_t n, const struct timespec *ts,
		       const sigset_t *mask)
{
	struct poll_call c = { .ts = ts, .mask = mask, .ppoll = true };

	if (!fsock_any())
		return fsock_real()->ppoll(fds, n, ts, mask);
	return poll_locals(fds, n, &c);
}

/* With _FORTIFY_SOURCE, a poll() on an array of known size comes here. */
extern void __chk_fail(void) __attribute__((noreturn));

FSOCK_EXPORT int __poll_chk(struct pollfd *fds, nfds_t n, int timeout,
			    size_t fdslen)
{
	if (fdslen / sizeof(*fds) < n)
		__chk_fail();
	return poll(fds, n, timeout);
}

FSOCK_EXPORT int __ppoll_chk(struct pollfd *fds, nfds_t n,
			     const struct timespec *ts, const sigset_t *mask,
			     size_t fdslen)
{
	if (fdslen / sizeof(*fds) < n)
		__chk_fail();
	return ppoll(fds, n, ts, mask);
}

/* A local listener in a read set, and the global listener added for it. */
struct select_pair {
	int fd, gfd;
};

struct select_call {
	struct timeval *tv;		/* select */
	const struct timespec *ts;	/* pselect */
	const sigset_t *mask;
	bool pselect;
};

static int real_select(const struct select_call *c, int nfds, fd_set *r,
		       fd_set *w, fd_set *e)
{
	if (c->pselect)
		return fsock_real()->pselect(nfds, r, w, e, c->ts, c->mask);
	return fsock_real()->select(nfds, r, w, e, c->tv);
}

static int select_locals(int nfds, fd_set *r, fd_set *w, fd_set *e,
			 const struct select_call *c)
{
	struct select_pair pairs[STACK_FDS];
	int fd, n = 0, top = nfds, ret, saved, i;

	for (fd = 0; fd < nfds && fd < FD_SETSIZE && n < STACK_FDS; fd++) {
		int gfd;

		if (!FD_ISSET(fd, r))
			continue;
		gfd = global_of(fd);
		if (gfd < 0 || gfd >= FD_SETSIZE)
			continue;
		pairs[n++] = (struct select_pair){ fd, gfd };
		FD_SET(gfd, r);
		if (gfd >= top)
			top = gfd + 1;
	}
	ret = real_select(c, top, r, w, e);
	saved = errno;
	for (i = 0; i < n; i++) {
		bool ready = ret > 0 && FD_ISSET(pairs[i].gfd, r);

		FD_CLR(pairs[i].gfd, r);
		if (!ready)
			continue;
		ret--;
		if (!FD_ISSET(pairs[i].fd, r)) {
			FD_SET(pairs[i].fd, r);
			ret++;
		}
	}
	errno = saved;
	return ret;
}

FSOCK_EXPORT int select(int nfds, fd_set *r, fd_set *w, fd_set *e,
			struct timeval *tv)
{
	struct select_call c = { .tv = tv };

	if (!fsock_any() || !r)
		return fsock_real()->select(nfds, r, w, e, tv);
	return select_locals(nfds, r, w, e, &c);
}

FSOCK_EXPORT int pselect(int nfds, fd_set *r, fd_set *w, fd_set *e,
			 const struct timespec *ts, const sigset_t *mask)
{
	struct select_call c = { .ts = ts, .mask = mask, .pselect = true };

	if (!fsock_any() || !r)
		return fsock_real()->pselect(nfds, r, w, e, ts, mask);
	return select_locals(nfds, r, w, e, &c);
}
