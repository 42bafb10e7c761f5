/* SPDX-License-Identifier: GPL-2.0 */
/*
 * One spelling for the kernel APIs that differ between the kernels the
 * module builds for. Each difference is told by a compile probe
 * (probes/NAME.c, run by Kbuild into probed.h), never by a version number:
 * distributions backport within a series.
 */
#ifndef _FASTSOCKET_COMPAT_H
#define _FASTSOCKET_COMPAT_H

#include <linux/file.h>
#include <linux/net.h>
#include <linux/socket.h>
#include <net/inet_sock.h>
#include <net/sock_reuseport.h>

#include "probed.h"

/*
 * A local listener's proto_ops.accept: fsocket_local_accept_ops() readies
 * @newsock and names the ops to go on with; the rest of the arguments
 * pass through as the kernel spells them.
 */
const struct proto_ops *fsocket_local_accept_ops(struct socket *sock,
						 struct socket *newsock);

#ifdef FSOCKET_HAVE_ACCEPT_ARG
static inline int fsocket_local_accept(struct socket *sock,
				       struct socket *newsock,
				       struct proto_accept_arg *arg)
{
	return fsocket_local_accept_ops(sock, newsock)->accept(sock, newsock, arg);
}
#else
static inline int fsocket_local_accept(struct socket *sock,
				       struct socket *newsock,
				       int flags, bool kern)
{
	return fsocket_local_accept_ops(sock, newsock)->accept(sock, newsock,
							       flags, kern);
}
#endif

/*
 * Does @sk's reuseport group choose its member by the CPU that receives
 * the SYN? Its members with SO_INCOMING_CPU are counted where the kernel
 * does; a kernel without that (before the 6.2 fix) spreads connections
 * by hash, and local listeners would only cost.
 */
static inline bool fsocket_reuseport_steers(struct sock *sk)
{
#ifdef FSOCKET_HAVE_REUSEPORT_INCOMING_CPU
	struct sock_reuseport *reuse;
	bool steers;

	rcu_read_lock();
	reuse = rcu_dereference(sk->sk_reuseport_cb);
	steers = reuse && READ_ONCE(reuse->incoming_cpu) > 0;
	rcu_read_unlock();
	return steers;
#else
	return false;
#endif
}

/* The file of a struct fd from fdget(), or NULL. */
static inline struct file *fsocket_fd_file(struct fd f)
{
#ifdef FSOCKET_HAVE_FD_FILE
	return fd_file(f);
#else
	return f.file;
#endif
}

/* kernel_bind() of an address read with kernel_getsockname(). */
static inline int fsocket_kernel_bind(struct socket *sock,
				      struct sockaddr_storage *addr, int len)
{
#ifdef FSOCKET_HAVE_BIND_UNSIZED
	return kernel_bind(sock, (struct sockaddr_unsized *)addr, len);
#else
	return kernel_bind(sock, (struct sockaddr *)addr, len);
#endif
}

/* IP_TRANSPARENT and IP_FREEBIND as set on @sk (IPv4 or IPv6). */
static inline bool fsocket_ip_transparent(const struct sock *sk)
{
#ifdef FSOCKET_HAVE_INET_FLAGS
	return inet_test_bit(TRANSPARENT, sk);
#else
	return inet_sk(sk)->transparent;
#endif
}

static inline bool fsocket_ip_freebind(const struct sock *sk)
{
#ifdef FSOCKET_HAVE_INET_FLAGS
	return inet_test_bit(FREEBIND, sk);
#else
	return inet_sk(sk)->freebind;
#endif
}

#endif /* _FASTSOCKET_COMPAT_H */
