// SPDX-License-Identifier: GPL-2.0-only
/*
 * Keeping the table true as descriptors go away or are copied. Every
 * function here but fsock_fresh_known() runs under fsock_lock().
 */
#include <errno.h>
#include <fcntl.h>

#include "libfsocket.h"

/* @gfd (a LOCAL descriptor's private global) leaves every epoll we put it in. */
static void unwatch_all(int fd, int gfd)
{
	fsock_reg_each(fd, gfd, fsock_epoll_unwatch);
	fsock_reg_drop(fd);
}

static void forget_local(int fd, const struct fsock_ent *e)
{
	struct fsock_ent g = fsock_get(e->a);

	if (e->a != FSOCK_NONE && g.kind == FSOCK_PRIVATE && g.a == fd) {
		unwatch_all(fd, e->a);
		fsock_clear(e->a);
		fsock_real()->close(e->a);
	}
	fsock_reg_drop(fd);
}

/*
 * Our private descriptor goes: its LOCAL owner keeps no global fallback,
 * or a thread loses its local listener.
 */
static void forget_private(int fd, const struct fsock_ent *e)
{
	struct fsock_ent owner = fsock_get(e->a);

	if (owner.kind == FSOCK_GLOBAL)
		fsock_thread_lost(fd);
	if (owner.kind != FSOCK_LOCAL || owner.a != fd)
		return;
	unwatch_all(e->a, fd);
	owner.a = FSOCK_NONE;
	fsock_set(e->a, &owner);
}

/*
 * The number @fd is about to be closed by the application, or was closed
 * behind our back and now names something new: drop what we kept for it,
 * and our private descriptor with it.
 */
void fsock_forget(int fd)
{
	struct fsock_ent e = fsock_get(fd);
	int saved_errno = errno;

	switch (e.kind) {
	case FSOCK_LOCAL:
		forget_local(fd, &e);
		break;
	case FSOCK_PRIVATE:
		forget_private(fd, &e);
		break;
	case FSOCK_GLOBAL:
		if (fsock_threads_any())
			fsock_thread_forget(fd);
		break;
	default:
		break;
	}
	if (e.kind != FSOCK_UNKNOWN)
		fsock_clear(fd);
	errno = saved_errno;
}

/*
 * A number the kernel just handed out, which the table describes, cannot
 * carry anything we knew: it was closed behind our back (a raw system
 * call, io_uring, fclose) and reused. Takes the lock itself.
 */
void fsock_fresh_known(int fd)
{
	if (fsock_table_ours()) {
		fsock_lock();
		fsock_forget(fd);
		fsock_unlock();
	}
}

/* @to is a new copy of @from (dup, dup2, dup3, F_DUPFD): same role. */
void fsock_copy(int from, int to)
{
	struct fsock_ent e = fsock_get(from);
	struct fsock_ent priv = { .kind = FSOCK_PRIVATE, .a = to };
	int saved_errno = errno;
	int g2 = FSOCK_NONE;

	switch (e.kind) {
	case FSOCK_GLOBAL:
		/*
		 * The copy decides for itself. A copy made in a threaded
		 * process is one thread's own (h2o dup()s the listener in
		 * each thread): served as a worker's, its first serving
		 * thread gets a local listener at once (threads.c).
		 */
		e.b = FSOCK_NONE;
		e.flags &= ~FSOCK_NONBLOCK_SEEN;
		if (fsock_threaded())
			e.a = 0;
		fsock_set(to, &e);
		break;
	case FSOCK_LOCAL:
		if (e.a != FSOCK_NONE) {
			g2 = fsock_real()->fcntl(e.a, F_DUPFD_CLOEXEC, 0);
			g2 = g2 < 0 ? FSOCK_NONE : fsock_own_fd(g2, true);
		}
		e.a = g2;
		fsock_set(to, &e);
		if (g2 != FSOCK_NONE)
			fsock_set(g2, &priv);
		break;
	default:
		break;
	}
	errno = saved_errno;
}
