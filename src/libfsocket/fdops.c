// SPDX-License-Identifier: GPL-2.0-only
/*
 * Calls that close or copy descriptors, interposed so that the table
 * never describes a number the application has since reused: close,
 * close_range, closefrom, dup, dup2, dup3, fcntl(F_DUPFD*). vfork() is
 * libc's own: its child shares our memory, so each change to a number we
 * track first asks fsock_table_ours().
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/close_range.h>
#include <stdarg.h>
#include <stdint.h>
#include <unistd.h>

#include "libfsocket.h"

static void forget_locked(int fd)
{
	if (!fsock_table_ours())
		return;
	fsock_lock();
	fsock_forget(fd);
	fsock_unlock();
}

FSOCK_EXPORT int close(int fd)
{
	if (fd >= 0)
		fsock_channel_forget((unsigned int)fd, (unsigned int)fd);
	if (fsock_kind(fd) != FSOCK_UNKNOWN)
		forget_locked(fd);
	return fsock_real()->close(fd);
}

static void close_range_forget(unsigned int first, unsigned int last)
{
	if (!fsock_table_ours())
		return;
	fsock_lock();
	fsock_for_range(first, last, fsock_forget);
	fsock_unlock();
}

FSOCK_EXPORT int close_range(unsigned int first, unsigned int last, int flags)
{
	if (flags & CLOSE_RANGE_CLOEXEC || first > last)
		return fsock_real()->close_range(first, last, flags);
	fsock_channel_forget(first, last);
	if (fsock_any())
		close_range_forget(first, last);
	return fsock_real()->close_range(first, last, flags);
}

FSOCK_EXPORT void closefrom(int lowfd)
{
	if (lowfd >= 0) {
		fsock_channel_forget((unsigned int)lowfd, ~0u);
		if (fsock_any())
			close_range_forget((unsigned int)lowfd, ~0u);
	}
	fsock_real()->closefrom(lowfd);
}

/* @to now copies @from: it drops what it was and takes @from's role. */
static int copied(int from, int to)
{
	if (to >= 0)
		fsock_channel_forget((unsigned int)to, (unsigned int)to);
	if (to < 0 || !fsock_any() ||
	    (fsock_kind(from) == FSOCK_UNKNOWN &&
	     fsock_kind(to) == FSOCK_UNKNOWN) || !fsock_table_ours())
		return to;
	fsock_lock();
	fsock_forget(to);
	fsock_copy(from, to);
	fsock_unlock();
	return to;
}

FSOCK_EXPORT int dup(int fd)
{
	return copied(fd, fsock_real()->dup(fd));
}

/*
 * dup2/dup3 onto a number we track: forget it while it still names what
 * we knew (our private descriptor leaves the epolls it is in only while
 * it is still that descriptor), unless the call is bound to fail.
 */
static void replacing(int fd, int fd2)
{
	if (fd == fd2 || fsock_kind(fd2) == FSOCK_UNKNOWN ||
	    fsock_real()->fcntl(fd, F_GETFD) < 0)
		return;
	forget_locked(fd2);
}

FSOCK_EXPORT int dup2(int fd, int fd2)
{
	int ret;

	replacing(fd, fd2);
	ret = fsock_real()->dup2(fd, fd2);
	return ret == fd ? ret : copied(fd, ret);
}

FSOCK_EXPORT int dup3(int fd, int fd2, int flags)
{
	replacing(fd, fd2);
	return copied(fd, fsock_real()->dup3(fd, fd2, flags));
}

/*
 * fcntl and fcntl64 (what programs built with _FILE_OFFSET_BITS=64 call).
 * glibc reads the third argument as a pointer whatever the command.
 */
static int fcntl_with(int (*real)(int, int, ...), int fd, int cmd, void *arg)
{
	int ret = real(fd, cmd, arg);

	if (cmd == F_SETFL && ret == 0 && fsock_any())
		fsock_mirror_setfl(fd, (int)(intptr_t)arg);
	return cmd == F_DUPFD || cmd == F_DUPFD_CLOEXEC ? copied(fd, ret) : ret;
}

FSOCK_EXPORT int fcntl(int fd, int cmd, ...)
{
	va_list ap;
	void *arg;

	va_start(ap, cmd);
	arg = va_arg(ap, void *);
	va_end(ap);
	return fcntl_with(fsock_real()->fcntl, fd, cmd, arg);
}

FSOCK_EXPORT int fcntl64(int fd, int cmd, ...)
{
	va_list ap;
	void *arg;

	va_start(ap, cmd);
	arg = va_arg(ap, void *);
	va_end(ap);
	return fcntl_with(fsock_real()->fcntl64, fd, cmd, arg);
}
