// SPDX-License-Identifier: GPL-2.0
/*
 * A local listener that its worker took out of every epoll. nginx with
 * accept_mutex on does so whenever another worker takes the mutex, and
 * any nginx for accept_mutex_delay after accept() failed with EMFILE; on
 * a plain shared listener the other workers take the connections
 * meanwhile. A local listener that nobody watches would keep its CPU's
 * connections until the sweep stole them. So the sweep (group.c) pauses
 * it:
 *  - it leaves its group's listening members but goes on listening, so
 *    the kernel steers its CPU's new connections to the other members;
 *  - what it has queued goes to its global listener, and so does, at
 *    later sweeps, what a handshake begun before completes on it;
 *  - once settled in an epoll again (at two sweeps in a row), or once its
 *    worker waits on it in accept() or poll(), it joins its group again,
 *    as listen() after shutdown() does, and takes its CPU's connections
 *    again. Its worker's accept() takes from both queues meanwhile.
 *  - but one its worker paused twice within FSOCKET_PAUSE_CHURN_MS (10 s)
 *    stays paused until that long after the last time. nginx with accept_mutex
 *    on moves its mutex between the workers many times a second, and a
 *    holder's listener back in the group gathers its CPU's connections,
 *    which then wait when the mutex moves on, until the holder's next turn
 *    of its loop takes the listener out: p99 about twice plain's,
 *    measured. Paused, its CPU's connections go to the shared listener,
 *    which the holder watches: every connection is taken from there, as
 *    without fastsocket. A listener paused once (haproxy's "disable
 *    frontend", nginx after EMFILE) comes back as before.
 * Only a listener that was in an epoll before is paused (its poll notes
 * the registration: local_ops.c): a worker that blocks in accept() is in
 * none between two accepts and has not let its listener go. The kernel
 * says nothing when a file leaves an epoll, so the sweep looks: every
 * 10 ms while stealing is on and every 100 ms otherwise, and pauses a
 * listener it found out of every epoll at two sweeps in a row, so a
 * connection may wait twice that long. nginx's re-adding of its listener
 * every 16 accepts (EPOLL_CTL_DEL and ADD back to back) would otherwise
 * be caught now and then, whenever its worker is preempted in between.
 * The library does not wait for the sweep: it says so at once
 * (PAUSE_LOCAL), but for a listener added with EPOLLEXCLUSIVE, nginx's.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/err.h>
#include <net/inet_connection_sock.h>
#include <net/inet_sock.h>
#include <net/sock.h>
#include <net/tcp_states.h>

#include <linux/fastsocket.h>

#include "compat.h"
#include "fastsocket.h"
#include "log.h"

/*
 * Pauses @sk unless something still watches it: an epoll (@file, its
 * file, at its worker's PAUSE_LOCAL; NULL from the sweep, which looked
 * already) or a waiter.
 * Returns 0 (paused, now or before, or watched), -EBUSY (the last
 * listening member of its group: its CPU's SYNs would be refused) or
 * -EINVAL (not listening, stopping, or not the module's). Sleeps (the
 * socket lock).
 */
int fsocket_local_pause(struct sock *sk, struct file *file)
{
	int err = 0;

	if ((file && fsocket_file_in_epoll(file)) || fsocket_sock_watched(sk))
		return 0;
	lock_sock(sk);
	if (sk->sk_state != TCP_LISTEN)
		err = -EINVAL;
	else if (sk_unhashed(sk))
		err = fsocket_client_paused(sk) ? 0 : -EINVAL;
	else if (!fsocket_has_peer(sk))
		err = -EBUSY;
	else
		err = fsocket_client_set_paused(sk, true);
	if (!err && file)
		fsocket_client_worker_paused(sk);
	if (!err && !sk_unhashed(sk)) {
		sk->sk_prot->unhash(sk);
		release_sock(sk);
		fsocket_stat_inc(sock_net(sk), FSOCKET_STAT_PAUSE);
		fsocket_log(DEBUG, "port %u: local listener paused (%s)\n",
			    inet_sk(sk)->inet_num,
			    file ? "its worker said so" : "seen out of every epoll");
		fsocket_hand_on_left(sk, true);
		return 0;
	}
	release_sock(sk);
	return err == -ENOENT ? -EINVAL : err;
}

/*
 * @sk joins its group again, if paused; it stays paused when the kernel
 * cannot add it (no memory for a larger group), and its connections go
 * on to the others until the next try. Returns 0 or that error.
 */
int fsocket_local_resume(struct sock *sk)
{
	int err = 0;

	lock_sock(sk);
	if (sk->sk_state == TCP_LISTEN && sk_unhashed(sk) &&
	    fsocket_client_paused(sk)) {
		err = sk->sk_prot->hash(sk);
		if (!err)
			fsocket_client_set_paused(sk, false);
	}
	release_sock(sk);
	if (err)
		fsocket_log(DEBUG, "a paused local listener cannot join its group again (%d)\n",
			    err);
	return err;
}

/*
 * PAUSE_LOCAL: the library says at once what the sweep would see at its
 * next round. @fd must be a local listener the module made.
 */
long fsocket_pause_local(struct fsocket_client *client,
			 struct fsocket_ioctl_arg *arg)
{
	const struct fsocket_pause_op *op = &arg->op.pause_op;
	struct socket *sock;
	long ret = -EINVAL;

	if (op->paused > 1 || op->reserved)
		return -EINVAL;
	sock = fsocket_lookup_listener(arg->fd);
	if (IS_ERR(sock))
		return PTR_ERR(sock);
	if (fsocket_local_ops_is(sock->sk))
		ret = op->paused ? fsocket_local_pause(sock->sk, sock->file) :
		      fsocket_local_resume(sock->sk);
	sockfd_put(sock);
	return ret;
}

/*
 * The sweep, for each paused local listener: back once settled in an
 * epoll (FSOCKET_LOOK_IN), or at once when its worker waits on it another
 * way (accept, poll); what a listener out of every epoll has goes on. One
 * in an epoll but not settled keeps what it has: its worker takes it.
 */
void fsocket_paused_sweep(struct sock *sk, enum fsocket_look look)
{
	if (look == FSOCKET_LOOK_IN)
		fsocket_local_resume(sk);
	else if (look == FSOCKET_LOOK_OUT && fsocket_sock_watched(sk))
		fsocket_local_resume(sk);
	else if (look == FSOCKET_LOOK_OUT)
		fsocket_hand_on_left(sk, true);
}

/*
 * Its group is no longer watched (its global listener stopped, or the
 * module is leaving): back in any case, as nobody would resume it.
 */
void fsocket_paused_resume(struct sock *sk, enum fsocket_look look)
{
	fsocket_local_resume(sk);
}
