// SPDX-License-Identifier: GPL-2.0
/*
 * What a local listener takes from its global listener: every option of
 * the listener that its connections inherit (sk_clone_lock() copies the
 * listener into each child), so that a connection taken from a local
 * listener is set up as one taken from the application's own would be.
 * Values the kernel keeps as the application gave them are set again
 * through setsockopt, with its checks; those it keeps transformed (buffer
 * sizes already doubled and maybe forced past the sysctl maximum, a mark,
 * lingering and time-outs) are copied as they are, since the application
 * was allowed to set them on its listener.
 *
 * IP_TRANSPARENT and IP_FREEBIND are set before the clone binds, so a
 * tproxy listener's clone binds its address as the listener did (the
 * file's credentials carry the capability IP_TRANSPARENT asks for).
 *
 * Copied once the clone listens: TCP_QUICKACK off, which listen() clears.
 *
 * SO_RCVLOWAT is set once the buffers are copied: like the listener's, it
 * is capped by the receive buffer and may grow an unlocked one (the
 * window clamp copied after it is the listener's own).
 *
 * Not copied: TCP_MD5SIG keys, socket filters and BPF programs attached
 * to the listener, IP_RECVERR_RFC4884 and IPV6_RECVERR_RFC4884 (they
 * shape ICMP errors on the error queue, which TCP never uses: it reports
 * them through SO_ERROR), and the IPv6 ancillary-data options
 * (IPV6_RECVPKTINFO and the like) that IPV6_2292PKTOPTIONS reads.
 */
#include <linux/ipv6.h>
#include <linux/net.h>
#include <linux/tcp.h>
#include <net/inet_connection_sock.h>
#include <net/inet_sock.h>
#include <net/sock.h>
#include <net/tcp.h>

#include "compat.h"
#include "fastsocket.h"

static int fsocket_set(struct socket *sock, int level, int name,
		       const void *val, unsigned int len)
{
	sockptr_t optval = KERNEL_SOCKPTR((void *)val);

	if (level == SOL_SOCKET)
		return sock_setsockopt(sock, level, name, optval, len);
	return sock->ops->setsockopt(sock, level, name, optval, len);
}

int fsocket_set_int(struct socket *sock, int level, int name, int val)
{
	return fsocket_set(sock, level, name, &val, sizeof(val));
}

/* Set @name to @val where the listener had it set (non-zero). */
static int fsocket_set_nonzero(struct socket *sock, int level, int name,
			       int val)
{
	return val ? fsocket_set_int(sock, level, name, val) : 0;
}

/* Set @name to @val where the listener had it set (-1: the route's). */
static int fsocket_set_positive(struct socket *sock, int level, int name,
				int val)
{
	return val > 0 ? fsocket_set_int(sock, level, name, val) : 0;
}

/* Socket level: copied as the kernel holds them. */
static void fsocket_copy_sock(struct sock *to, struct sock *from)
{
	unsigned int locks = from->sk_userlocks &
			     (SOCK_RCVBUF_LOCK | SOCK_SNDBUF_LOCK);

	to->sk_userlocks |= locks;
	if (locks & SOCK_RCVBUF_LOCK)
		WRITE_ONCE(to->sk_rcvbuf, READ_ONCE(from->sk_rcvbuf));
	if (locks & SOCK_SNDBUF_LOCK)
		WRITE_ONCE(to->sk_sndbuf, READ_ONCE(from->sk_sndbuf));
	WRITE_ONCE(to->sk_mark, READ_ONCE(from->sk_mark));
	WRITE_ONCE(to->sk_priority, READ_ONCE(from->sk_priority));
	WRITE_ONCE(to->sk_rcvtimeo, READ_ONCE(from->sk_rcvtimeo));
	WRITE_ONCE(to->sk_sndtimeo, READ_ONCE(from->sk_sndtimeo));
	if (sock_flag(from, SOCK_LINGER)) {
		WRITE_ONCE(to->sk_lingertime, READ_ONCE(from->sk_lingertime));
		sock_set_flag(to, SOCK_LINGER);
	}
}

/* Set @name to @val where it differs from @now, the clone's default. */
static int fsocket_set_changed(struct socket *sock, int level, int name,
			       int val, int now)
{
	return val != now ? fsocket_set_int(sock, level, name, val) : 0;
}

/* SO_MAX_PACING_RATE, where the listener has a bound (bytes a second). */
static int fsocket_copy_pacing(struct socket *to, struct sock *from)
{
	unsigned long rate = READ_ONCE(from->sk_max_pacing_rate);

	if (rate == ~0UL)
		return 0;
	return fsocket_set(to, SOL_SOCKET, SO_MAX_PACING_RATE, &rate,
			   sizeof(rate));
}

/* SO_BUSY_POLL, where the listener's is not the sysctl's the clone took. */
static int fsocket_copy_busy_poll(struct socket *to, struct sock *from)
{
#ifdef CONFIG_NET_RX_BUSY_POLL
	return fsocket_set_changed(to, SOL_SOCKET, SO_BUSY_POLL,
				   READ_ONCE(from->sk_ll_usec),
				   READ_ONCE(to->sk->sk_ll_usec));
#else
	return 0;
#endif
}

static int fsocket_copy_sockopts(struct socket *to, struct sock *from)
{
	int err = 0;

	if (from->sk_reuse)
		err = fsocket_set_int(to, SOL_SOCKET, SO_REUSEADDR, 1);
	if (!err && sock_flag(from, SOCK_KEEPOPEN))
		err = fsocket_set_int(to, SOL_SOCKET, SO_KEEPALIVE, 1);
	if (!err && from->sk_bound_dev_if)
		err = sock_bindtoindex(to->sk, from->sk_bound_dev_if, true);
	if (!err && sock_flag(from, SOCK_URGINLINE))
		err = fsocket_set_int(to, SOL_SOCKET, SO_OOBINLINE, 1);
	if (!err && sock_flag(from, SOCK_ZEROCOPY))
		err = fsocket_set_int(to, SOL_SOCKET, SO_ZEROCOPY, 1);
	if (!err)
		err = fsocket_copy_pacing(to, from);
	if (!err)
		err = fsocket_copy_busy_poll(to, from);
	if (err)
		return err;
	fsocket_copy_sock(to->sk, from);
	/* 1 unless set (0 is read as 1). */
	if (READ_ONCE(from->sk_rcvlowat) > 1)
		err = fsocket_set_int(to, SOL_SOCKET, SO_RCVLOWAT,
				      READ_ONCE(from->sk_rcvlowat));
	return err;
}

/*
 * SOL_IP reaches an IPv6 socket's inet_sock too (ipv6_setsockopt): its
 * IPv4-mapped connections use these.
 */
static int fsocket_copy_ipopts(struct socket *to, struct sock *from)
{
	const struct inet_sock *inet = inet_sk(from);
	int err;

	err = fsocket_set_nonzero(to, SOL_IP, IP_TRANSPARENT,
				  fsocket_ip_transparent(from));
	if (!err)
		err = fsocket_set_nonzero(to, SOL_IP, IP_FREEBIND,
					  fsocket_ip_freebind(from));
	if (!err)
		err = fsocket_set_positive(to, SOL_IP, IP_TTL,
					   READ_ONCE(inet->uc_ttl));
	if (!err)
		err = fsocket_set_nonzero(to, SOL_IP, IP_MINTTL,
					  READ_ONCE(inet->min_ttl));
	if (!err)
		err = fsocket_set_nonzero(to, SOL_IP, IP_RECVERR,
					  fsocket_ip_recverr(from));
	if (!err)
		err = fsocket_set_changed(to, SOL_IP, IP_MTU_DISCOVER,
					  READ_ONCE(inet->pmtudisc),
					  READ_ONCE(inet_sk(to->sk)->pmtudisc));
	if (!err && from->sk_family != AF_INET6)
		err = fsocket_set_nonzero(to, SOL_IP, IP_TOS,
					  READ_ONCE(inet->tos));
	return err;
}

static int fsocket_copy_ipv6opts(struct socket *to, struct sock *from)
{
	const struct ipv6_pinfo *np = inet6_sk(from);
	int err;

	err = fsocket_set_int(to, SOL_IPV6, IPV6_V6ONLY, from->sk_ipv6only);
	if (!err)
		err = fsocket_set_nonzero(to, SOL_IPV6, IPV6_TCLASS,
					  READ_ONCE(np->tclass));
	if (!err)
		err = fsocket_set_nonzero(to, SOL_IPV6, IPV6_MINHOPCOUNT,
					  READ_ONCE(np->min_hopcount));
	if (!err)
		err = fsocket_set_nonzero(to, SOL_IPV6, IPV6_RECVERR,
					  fsocket_ipv6_recverr(from));
	/* Bit-fields on some kernels: no READ_ONCE(). */
	if (!err)
		err = fsocket_set_positive(to, SOL_IPV6, IPV6_UNICAST_HOPS,
					   np->hop_limit);
	if (!err)
		err = fsocket_set_changed(to, SOL_IPV6, IPV6_MTU_DISCOVER,
					  np->pmtudisc,
					  inet6_sk(to->sk)->pmtudisc);
	return err;
}

/* Keepalive times are kept in jiffies and set in seconds. */
static int fsocket_copy_keepalive(struct socket *to, const struct tcp_sock *tp)
{
	int err;

	err = fsocket_set_nonzero(to, SOL_TCP, TCP_KEEPIDLE,
				  READ_ONCE(tp->keepalive_time) / HZ);
	if (!err)
		err = fsocket_set_nonzero(to, SOL_TCP, TCP_KEEPINTVL,
					  READ_ONCE(tp->keepalive_intvl) / HZ);
	if (!err)
		err = fsocket_set_nonzero(to, SOL_TCP, TCP_KEEPCNT,
					  READ_ONCE(tp->keepalive_probes));
	return err;
}

/* FIN_WAIT2's bound: -1 (none), 0 (the sysctl's) or jiffies, set in seconds. */
static int fsocket_copy_linger2(struct socket *to, const struct tcp_sock *tp)
{
	int linger2 = READ_ONCE(tp->linger2);

	if (linger2 < 0)
		return fsocket_set_int(to, SOL_TCP, TCP_LINGER2, -1);
	return fsocket_set_nonzero(to, SOL_TCP, TCP_LINGER2, linger2 / HZ);
}

static int fsocket_copy_tcpopts(struct socket *to, struct sock *from)
{
	struct request_sock_queue *queue = &inet_csk(from)->icsk_accept_queue;
	const struct inet_connection_sock *icsk = inet_csk(from);
	const struct tcp_sock *tp = tcp_sk(from);
	int err;

	err = fsocket_copy_keepalive(to, tp);
	if (!err && (tp->nonagle & TCP_NAGLE_OFF))
		err = fsocket_set_int(to, SOL_TCP, TCP_NODELAY, 1);
	if (!err)
		err = fsocket_set_nonzero(to, SOL_TCP, TCP_FASTOPEN,
					  READ_ONCE(queue->fastopenq.max_qlen));
	if (!err)
		err = fsocket_set_nonzero(to, SOL_TCP, TCP_USER_TIMEOUT,
					  READ_ONCE(icsk->icsk_user_timeout));
	if (!err)
		err = fsocket_set_nonzero(to, SOL_TCP, TCP_MAXSEG,
					  READ_ONCE(tp->rx_opt.user_mss));
	if (!err)
		err = fsocket_set_nonzero(to, SOL_TCP, TCP_NOTSENT_LOWAT,
					  READ_ONCE(tp->notsent_lowat));
	if (!err)
		err = fsocket_set_nonzero(to, SOL_TCP, TCP_SYNCNT,
					  READ_ONCE(icsk->icsk_syn_retries));
	if (!err)
		err = fsocket_copy_linger2(to, tp);
	if (!err)
		err = fsocket_set_nonzero(to, SOL_TCP, TCP_WINDOW_CLAMP,
					  READ_ONCE(tp->window_clamp));
	if (!err)
		err = fsocket_set_nonzero(to, SOL_TCP, TCP_THIN_LINEAR_TIMEOUTS,
					  tp->thin_lto);
	if (!err)
		err = fsocket_set_nonzero(to, SOL_TCP, TCP_SAVE_SYN, tp->save_syn);
	/* Only one the application chose: else the route's or the default. */
	if (!err && icsk->icsk_ca_setsockopt)
		err = fsocket_set(to, SOL_TCP, TCP_CONGESTION,
				  icsk->icsk_ca_ops->name,
				  strlen(icsk->icsk_ca_ops->name));
	if (!err)
		WRITE_ONCE(inet_csk(to->sk)->icsk_accept_queue.rskq_defer_accept,
			   READ_ONCE(queue->rskq_defer_accept));
	return err;
}

/*
 * After @to listens: listen() clears the delayed-ACK state, so an
 * application turns TCP_QUICKACK off on its listener after listen()
 * (haproxy does, for HTTP), and each connection starts in delayed-ACK
 * (pingpong) mode: the ACK of its request leaves with the reply. A
 * connection whose handshake completes on @to before this call starts
 * without it, as one of the application's own listener would before its
 * setsockopt.
 */
int fsocket_copy_listening_options(struct socket *to, struct sock *from)
{
	if (!inet_csk_in_pingpong_mode(from))
		return 0;
	return fsocket_set_int(to, SOL_TCP, TCP_QUICKACK, 0);
}

/* Before @to binds and listens, while nobody else can see it. */
int fsocket_copy_options(struct socket *to, struct sock *from)
{
	int err = fsocket_copy_sockopts(to, from);

	if (!err)
		err = fsocket_copy_ipopts(to, from);
	if (!err && from->sk_family == AF_INET6)
		err = fsocket_copy_ipv6opts(to, from);
	if (!err)
		err = fsocket_copy_tcpopts(to, from);
	return err;
}
