/* SPDX-License-Identifier: GPL-2.0 */
/*
 * One spelling for the kernel APIs that differ between the kernels the
 * module builds for. Each difference is told by a compile probe
 * (probes/NAME.c, run by Kbuild into probed.h), never by a version number:
 * distributions backport within a series.
 */
#ifndef _FASTSOCKET_COMPAT_H
#define _FASTSOCKET_COMPAT_H

#include <linux/fcntl.h>
#include <linux/file.h>
#include <linux/ipv6.h>
#include <linux/net.h>
#include <linux/poll.h>
#include <linux/socket.h>
#include <linux/workqueue.h>
#include <net/inet_sock.h>
#include <net/sock_reuseport.h>

#include "probed.h"

/*
 * One call of a proto_ops.accept, its arguments as the kernel spells them:
 * the flags (the listener file's, with O_NONBLOCK where the caller asked
 * for no wait) and the rest, carried through.
 */
struct fsocket_accept_call {
#ifdef FSOCKET_HAVE_ACCEPT_ARG
	struct proto_accept_arg *arg;
#else
	int flags;
	bool kern;
#endif
};

static inline bool fsocket_accept_call_nonblock(const struct fsocket_accept_call *c)
{
#ifdef FSOCKET_HAVE_ACCEPT_ARG
	return c->arg->flags & O_NONBLOCK;
#else
	return c->flags & O_NONBLOCK;
#endif
}

/* @ops->accept of @listener as called; @nowait: without waiting. */
static inline int fsocket_accept_call_ops(const struct proto_ops *ops,
					  struct socket *listener,
					  struct socket *newsock,
					  struct fsocket_accept_call *c,
					  bool nowait)
{
#ifdef FSOCKET_HAVE_ACCEPT_ARG
	int flags = c->arg->flags, err;

	if (nowait)
		c->arg->flags |= O_NONBLOCK;
	err = ops->accept(listener, newsock, c->arg);
	c->arg->flags = flags;
	return err;
#else
	return ops->accept(listener, newsock, c->flags | (nowait ? O_NONBLOCK : 0),
			   c->kern);
#endif
}

/* A local listener's proto_ops.accept (accept.c). */
int fsocket_local_accept_call(struct socket *sock, struct socket *newsock,
			      struct fsocket_accept_call *c);

#ifdef FSOCKET_HAVE_ACCEPT_ARG
static inline int fsocket_local_accept(struct socket *sock,
				       struct socket *newsock,
				       struct proto_accept_arg *arg)
{
	struct fsocket_accept_call c = { .arg = arg };

	return fsocket_local_accept_call(sock, newsock, &c);
}
#else
static inline int fsocket_local_accept(struct socket *sock,
				       struct socket *newsock,
				       int flags, bool kern)
{
	struct fsocket_accept_call c = { .flags = flags, .kern = kern };

	return fsocket_local_accept_call(sock, newsock, &c);
}
#endif

/*
 * Before a local listener accepts: accept(2) and io_uring hand @newsock
 * this listener's ops, with a module reference, before they call it;
 * fsocket_local_accept_ops() gives it its family's and names them.
 */
const struct proto_ops *fsocket_local_accept_ops(struct socket *sock,
						 struct socket *newsock);

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

/* IP_RECVERR and IPV6_RECVERR as set on @sk. */
static inline bool fsocket_ip_recverr(const struct sock *sk)
{
#ifdef FSOCKET_HAVE_INET_RECVERR_FLAG
	return inet_test_bit(RECVERR, sk);
#else
	return inet_sk(sk)->recverr;
#endif
}

static inline bool fsocket_ipv6_recverr(const struct sock *sk)
{
#ifdef FSOCKET_HAVE_INET6_RECVERR_FLAG
	return inet6_test_bit(RECVERR6, sk);
#else
	return inet6_sk(sk)->recverr;
#endif
}

/*
 * Is @file in an epoll instance's interest list? Without f_ep (no
 * CONFIG_EPOLL, or a kernel that lists them elsewhere) nothing is seen
 * there, and no local listener is ever paused (pause.c).
 */
static inline bool fsocket_file_in_epoll(struct file *file)
{
#ifdef FSOCKET_HAVE_FILE_EPOLL_LIST
	return READ_ONCE(file->f_ep);
#else
	return false;
#endif
}

/* Does this poll queue a waiter (a registration, not a look)? */
static inline bool fsocket_poll_queues(poll_table *p)
{
#ifdef FSOCKET_HAVE_POLL_DOES_NOT_WAIT
	return !poll_does_not_wait(p);
#else
	return p && p->_qproc;
#endif
}

/*
 * The per-CPU system workqueue, schedule_delayed_work()'s: 7.x logs each
 * use of system_wq, its old name, as deprecated.
 */
static inline struct workqueue_struct *fsocket_system_wq(void)
{
#ifdef FSOCKET_HAVE_SYSTEM_PERCPU_WQ
	return system_percpu_wq;
#else
	return system_wq;
#endif
}

#endif /* _FASTSOCKET_COMPAT_H */
