// SPDX-License-Identifier: GPL-2.0
/*
 * Descriptors and sockets. From a descriptor of the calling process to its
 * listening TCP socket, with one errno per way of being wrong: every
 * command that names a listener goes through here, so bad input is refused
 * before any state changes. And from a new socket to a descriptor.
 */
#include <linux/fcntl.h>
#include <linux/file.h>
#include <linux/net.h>
#include <net/sock.h>
#include <net/tcp_states.h>

#include "compat.h"
#include "fastsocket.h"

static bool fsocket_is_inet_tcp(const struct sock *sk)
{
	return (sk->sk_family == AF_INET || sk->sk_family == AF_INET6) &&
	       sk->sk_type == SOCK_STREAM && sk->sk_protocol == IPPROTO_TCP;
}

/* -EOPNOTSUPP not TCP over IPv4/IPv6, -EINVAL not listening, else 0. */
static int fsocket_check_listener(const struct socket *sock)
{
	if (!sock->sk || !fsocket_is_inet_tcp(sock->sk))
		return -EOPNOTSUPP;
	if (READ_ONCE(sock->sk->sk_state) != TCP_LISTEN)
		return -EINVAL;
	return 0;
}

/*
 * Returns the socket with a reference on its file (sockfd_put() it), or
 * an ERR_PTR: -EBADF no such descriptor, -ENOTSOCK not a socket,
 * -EOPNOTSUPP not TCP over IPv4/IPv6, -EINVAL not listening.
 */
struct socket *fsocket_lookup_listener(int fd)
{
	struct socket *sock;
	int err = 0;

	if (fd < 0)
		return ERR_PTR(-EBADF);
	sock = sockfd_lookup(fd, &err);
	if (!sock)
		return ERR_PTR(err);
	err = fsocket_check_listener(sock);
	if (err) {
		sockfd_put(sock);
		return ERR_PTR(err);
	}
	return sock;
}

/*
 * The same for the length of one call, as accept(2) finds its listener:
 * fdget() takes no reference on the file while the caller's descriptor
 * table is not shared (a single-threaded worker: no other thread can
 * close the descriptor meanwhile), so a connection costs no atomic
 * increment and decrement of the file's count, which every worker's
 * global listener shares. fdput(*@f) once done, after success only.
 */
struct socket *fsocket_lookup_listener_light(int fd, struct fd *f)
{
	struct socket *sock;
	int err;

	if (fd < 0)
		return ERR_PTR(-EBADF);
	*f = fdget(fd);
	if (!fsocket_fd_file(*f))
		return ERR_PTR(-EBADF);
	sock = sock_from_file(fsocket_fd_file(*f));
	err = sock ? fsocket_check_listener(sock) : -ENOTSOCK;
	if (err) {
		fdput(*f);
		return ERR_PTR(err);
	}
	return sock;
}

/*
 * A new descriptor in two steps, neither visible to the caller: a number
 * reserved first (as accept(2) does: a full table makes nothing, and takes
 * no connection), then a socket's file on it. A command that can still
 * fail, or makes several, installs them only once nothing else can:
 * undoing an installed descriptor would mean closing a number that another
 * thread of the caller may have closed and reused meanwhile. @flags:
 * O_CLOEXEC, O_NONBLOCK.
 */
int fsocket_reserve_fd(int flags, struct fsocket_new_fd *nfd)
{
	nfd->file = NULL;
	nfd->fd = get_unused_fd_flags(flags & O_CLOEXEC);
	return nfd->fd;
}

/* @sock's file on the reserved number; on failure both are released. */
int fsocket_attach_fd(struct socket *sock, int flags,
		      struct fsocket_new_fd *nfd)
{
	/* sock_alloc_file() releases the socket when it fails. */
	struct file *file = sock_alloc_file(sock, flags & O_NONBLOCK, NULL);

	if (IS_ERR(file)) {
		put_unused_fd(nfd->fd);
		return PTR_ERR(file);
	}
	nfd->file = file;
	return nfd->fd;
}

void fsocket_commit_fd(const struct fsocket_new_fd *nfd)
{
	fd_install(nfd->fd, nfd->file);
}

/* Undo the steps taken: the socket goes with its file. */
void fsocket_abort_fd(const struct fsocket_new_fd *nfd)
{
	put_unused_fd(nfd->fd);
	if (nfd->file)
		fput(nfd->file);
}

/* A descriptor of the caller for @sock, which it then owns. */
int fsocket_install_fd(struct socket *sock, int flags)
{
	struct fsocket_new_fd nfd;
	int fd = fsocket_reserve_fd(flags, &nfd);

	if (fd < 0) {
		sock_release(sock);
		return fd;
	}
	fd = fsocket_attach_fd(sock, flags, &nfd);
	if (fd >= 0)
		fsocket_commit_fd(&nfd);
	return fd;
}
