// SPDX-License-Identifier: GPL-2.0-only
/*
 * Calls that hand out new descriptors, besides socket() and accept()
 * (wrappers.c): a number we track that the application closed behind our
 * back (a raw close system call, io_uring, fclose of a fdopen()ed socket)
 * and that comes back here names something new, and loses the role we
 * knew it by. Descriptors received with SCM_RIGHTS: see pass.c.
 */
#include <fcntl.h>
#include <stdarg.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/inotify.h>
#include <sys/mman.h>
#include <sys/signalfd.h>
#include <sys/timerfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include "libfsocket.h"

static int fresh_pair(int ret, const int fds[2])
{
	if (ret == 0 && fsock_any()) {
		fsock_fresh(fds[0]);
		fsock_fresh(fds[1]);
	}
	return ret;
}

FSOCK_EXPORT int pipe(int fds[2])
{
	return fresh_pair(fsock_real()->pipe(fds), fds);
}

FSOCK_EXPORT int pipe2(int fds[2], int flags)
{
	return fresh_pair(fsock_real()->pipe2(fds, flags), fds);
}

FSOCK_EXPORT int socketpair(int domain, int type, int protocol, int sv[2])
{
	return fresh_pair(fsock_real()->socketpair(domain, type, protocol, sv),
			  sv);
}

FSOCK_EXPORT int eventfd(unsigned int initval, int flags)
{
	return fsock_fresh(fsock_real()->eventfd(initval, flags));
}

FSOCK_EXPORT int memfd_create(const char *name, unsigned int flags)
{
	return fsock_fresh(fsock_real()->memfd_create(name, flags));
}

FSOCK_EXPORT int signalfd(int fd, const sigset_t *mask, int flags)
{
	return fsock_fresh(fsock_real()->signalfd(fd, mask, flags));
}

FSOCK_EXPORT int timerfd_create(int clockid, int flags)
{
	return fsock_fresh(fsock_real()->timerfd_create(clockid, flags));
}

FSOCK_EXPORT int inotify_init(void)
{
	return fsock_fresh(fsock_real()->inotify_init());
}

FSOCK_EXPORT int inotify_init1(int flags)
{
	return fsock_fresh(fsock_real()->inotify_init1(flags));
}

FSOCK_EXPORT int epoll_create(int size)
{
	return fsock_fresh(fsock_real()->epoll_create(size));
}

FSOCK_EXPORT int epoll_create1(int flags)
{
	return fsock_fresh(fsock_real()->epoll_create1(flags));
}

/* open() and its kin read a mode only when they may create a file. */
static bool needs_mode(int flags)
{
	return (flags & O_CREAT) || (flags & O_TMPFILE) == O_TMPFILE;
}

#define MODE_ARG(flags, mode)				\
	do {						\
		va_list ap;				\
							\
		if (needs_mode(flags)) {		\
			va_start(ap, flags);		\
			mode = va_arg(ap, mode_t);	\
			va_end(ap);			\
		}					\
	} while (0)

FSOCK_EXPORT int open(const char *path, int flags, ...)
{
	mode_t mode = 0;

	MODE_ARG(flags, mode);
	return fsock_fresh(fsock_real()->open(path, flags, mode));
}

FSOCK_EXPORT int open64(const char *path, int flags, ...)
{
	mode_t mode = 0;

	MODE_ARG(flags, mode);
	return fsock_fresh(fsock_real()->open64(path, flags, mode));
}

FSOCK_EXPORT int openat(int dirfd, const char *path, int flags, ...)
{
	mode_t mode = 0;

	MODE_ARG(flags, mode);
	return fsock_fresh(fsock_real()->openat(dirfd, path, flags, mode));
}

FSOCK_EXPORT int openat64(int dirfd, const char *path, int flags, ...)
{
	mode_t mode = 0;

	MODE_ARG(flags, mode);
	return fsock_fresh(fsock_real()->openat64(dirfd, path, flags, mode));
}
