/*
 * Calls that hand out new descriptors, besides socket() and accept()
 * (wrappers.c): a number we track that the application closed behind our
 * back (a raw close system call, io_uring, fclose of a fdopen()ed socket)
 * and that comes back here names something new, and loses the role we
 * knew it by. open() and recvmsg(SCM_RIGHTS) are not covered (see
 * libfsocket(7)).
 */
#include <sys/epoll.h>
#include <sys/eventfd.h>
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

FSOCK_EXPORT int epoll_create(int size)
{
	return fsock_fresh(fsock_real()->epoll_create(size));
}

FSOCK_EXPORT int epoll_create1(int flags)
{
	return fsock_fresh(fsock_real()->epoll_create1(flags));
}
