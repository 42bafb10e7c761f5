// SPDX-License-Identifier: GPL-2.0
/*
 * SOCKET and CLOSE: a socket's descriptor made and ended through the
 * module, as socket(2) and close(2) would. A stock kernel already takes
 * the fast path for both, so these exist for the ABI; the library routes
 * calls through them only where a measurement shows a gain.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/fcntl.h>
#include <linux/fdtable.h>
#include <linux/file.h>
#include <linux/net.h>

#include <linux/fastsocket.h>

#include "fastsocket.h"

long fsocket_socket(struct fsocket_client *client,
		    struct fsocket_ioctl_arg *arg)
{
	const struct fsocket_socket_op *op = &arg->op.socket_op;
	struct socket *sock;
	int err;

	if (op->reserved || (op->type & ~(SOCK_TYPE_MASK | SOCK_NONBLOCK |
					   SOCK_CLOEXEC)))
		return -EINVAL;
	err = sock_create(op->family, op->type & SOCK_TYPE_MASK, op->protocol,
			  &sock);
	if (err)
		return err;
	return fsocket_install_fd(sock,
				  (op->type & SOCK_CLOEXEC ? O_CLOEXEC : 0) |
				  (op->type & SOCK_NONBLOCK ? O_NONBLOCK : 0));
}

/* Only sockets: anything else keeps its descriptor and gets -ENOTSOCK. */
long fsocket_close(struct fsocket_client *client,
		   struct fsocket_ioctl_arg *arg)
{
	struct socket *sock;
	int err = 0;

	if (arg->fd < 0)
		return -EBADF;
	sock = sockfd_lookup(arg->fd, &err);
	if (!sock)
		return err;
	sockfd_put(sock);
	return close_fd(arg->fd);
}
