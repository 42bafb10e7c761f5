// SPDX-License-Identifier: GPL-2.0-only
/*
 * Descriptors passed between processes with SCM_RIGHTS. A local listener
 * sent elsewhere (haproxy's "expose-fd listeners" for a seamless reload,
 * any fd passing) would hand the receiver one CPU's queue of a process
 * about to go: the shared listener is what the application's number stood
 * for, so that is what is sent. A received number comes new from the
 * kernel and loses any role it had here; a received TCP listener is
 * adopted as a global one (inherit.c). recvmmsg is handled alike. sendmmsg is
 * passed to libc as it is (see libfsocket(7)).
 */
#include <errno.h>
#include <stdalign.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "libfsocket.h"

static size_t rights_count(const struct cmsghdr *c)
{
	return (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
}

static bool is_rights(const struct cmsghdr *c)
{
	return c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS &&
	       c->cmsg_len >= CMSG_LEN(0);
}

/* @fd names a local listener that still has its shared one behind it. */
static int shared_behind(int fd)
{
	struct fsock_ent e = fsock_get(fd);

	return e.kind == FSOCK_LOCAL && e.a != FSOCK_NONE ? e.a : -1;
}

/* Replaces local listeners in @m's rights by their shared listeners. */
static bool swap_rights(struct msghdr *m, bool dry_run)
{
	bool any = false;
	struct cmsghdr *c;

	for (c = CMSG_FIRSTHDR(m); c; c = CMSG_NXTHDR(m, c)) {
		unsigned char *data = CMSG_DATA(c);
		size_t i, n = is_rights(c) ? rights_count(c) : 0;

		for (i = 0; i < n; i++) {
			int fd, g;

			memcpy(&fd, data + i * sizeof(int), sizeof(int));
			g = shared_behind(fd);
			if (g < 0)
				continue;
			any = true;
			if (!dry_run)
				memcpy(data + i * sizeof(int), &g, sizeof(int));
		}
	}
	return any;
}

static bool may_carry_rights(const struct msghdr *msg)
{
	return msg && msg->msg_control && msg->msg_controllen >= CMSG_LEN(0);
}

static ssize_t send_shared(int fd, const struct msghdr *msg, int flags)
{
	alignas(struct cmsghdr) unsigned char stack[512];
	struct msghdr m = *msg;
	unsigned char *buf = stack;
	int saved_errno;
	ssize_t ret;

	if (!swap_rights(&m, true))
		return fsock_real()->sendmsg(fd, msg, flags);
	if (m.msg_controllen > sizeof(stack)) {
		buf = malloc(m.msg_controllen);
		if (!buf)	/* the local listener goes, as before */
			return fsock_real()->sendmsg(fd, msg, flags);
	}
	memcpy(buf, msg->msg_control, m.msg_controllen);
	m.msg_control = buf;
	swap_rights(&m, false);
	ret = fsock_real()->sendmsg(fd, &m, flags);
	saved_errno = errno;
	if (buf != stack)
		free(buf);
	errno = saved_errno;
	return ret;
}

FSOCK_EXPORT ssize_t sendmsg(int fd, const struct msghdr *msg, int flags)
{
	if (!may_carry_rights(msg) || !fsock_any())
		return fsock_real()->sendmsg(fd, msg, flags);
	return send_shared(fd, msg, flags);
}

static void received(struct msghdr *m)
{
	struct cmsghdr *c;

	for (c = CMSG_FIRSTHDR(m); c; c = CMSG_NXTHDR(m, c)) {
		size_t i, n = is_rights(c) ? rights_count(c) : 0;

		for (i = 0; i < n; i++) {
			int fd;

			memcpy(&fd, CMSG_DATA(c) + i * sizeof(int), sizeof(int));
			fsock_fresh(fd);
			fsock_adopt_listener(fd);
		}
	}
}

FSOCK_EXPORT ssize_t recvmsg(int fd, struct msghdr *msg, int flags)
{
	ssize_t ret = fsock_real()->recvmsg(fd, msg, flags);
	int saved_errno = errno;

	if (ret >= 0 && may_carry_rights(msg))
		received(msg);
	errno = saved_errno;
	return ret;
}

FSOCK_EXPORT int recvmmsg(int fd, struct mmsghdr *msgs, unsigned int n,
			  int flags, struct timespec *timeout)
{
	int ret = fsock_real()->recvmmsg(fd, msgs, n, flags, timeout);
	int saved_errno = errno, i;

	for (i = 0; i < ret; i++)
		if (may_carry_rights(&msgs[i].msg_hdr))
			received(&msgs[i].msg_hdr);
	errno = saved_errno;
	return ret;
}
