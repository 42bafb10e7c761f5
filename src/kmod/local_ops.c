// SPDX-License-Identifier: GPL-2.0
/*
 * How a local listener closes. close(2) on a listener marks it shut down
 * (sk_shutdown) before it leaves the listening state, and a handshake that
 * completes on another CPU in between copies that mark into its child.
 * With tcp_migrate_req the child is then moved to another listener, sends
 * a FIN as soon as it is established, and is reset when the request
 * arrives: a connection lost while a worker exits or replaces its local
 * listener. shutdown(SHUT_RD) stops a listener without the mark (its queue
 * moves just the same), so local listeners get a copy of their family's
 * proto_ops whose release does that first.
 *
 * The copy names this module as its owner, as a protocol module's own ops
 * would: the module stays loaded while a local listener is open. Its
 * connections get their family's ops back as they are accepted, however
 * (accept(2), io_uring or ACCEPT): kTLS and IPV6_ADDRFORM replace a
 * connection's ops without dropping what they held, and kTLS builds its
 * own from the first connection it sees. It is
 * made at load and read-only after (__ro_after_init): an ops table, so
 * not const only because its contents come from the running kernel.
 */
#include <linux/delay.h>
#include <linux/jiffies.h>
#include <linux/module.h>
#include <linux/net.h>
#include <linux/netdevice.h>
#include <linux/rcupdate.h>
#include <net/inet_connection_sock.h>
#include <net/net_namespace.h>
#include <net/sock.h>
#include <net/tcp_states.h>

#include "compat.h"
#include "fastsocket.h"

enum { FSOCKET_OPS_INET, FSOCKET_OPS_INET6, FSOCKET_OPS_MAX };

static struct proto_ops fsocket_local_ops[FSOCKET_OPS_MAX] __ro_after_init;
/* The family's own ops each copy was made from; NULL: no copy. */
static const struct proto_ops *fsocket_family_ops[FSOCKET_OPS_MAX] __ro_after_init;

static int fsocket_ops_index(const struct socket *sock)
{
	return sock->ops == &fsocket_local_ops[FSOCKET_OPS_INET6] ?
	       FSOCKET_OPS_INET6 : FSOCKET_OPS_INET;
}

/*
 * The kernel resets a connection whose handshake completes on a listener
 * that stops meanwhile: the final ACK is processed without the listener's
 * lock, and inet_csk_complete_hashdance() drops the new child when the
 * listener it chose (the connection's own, or the member its queue was
 * moved to) has left TCP_LISTEN by the time the child is queued. Traced
 * in tests/cases/160's churn. So before a listener stops it quiesces:
 *  - it leaves the group's listening members (unhash: with tcp_migrate_req
 *    it stays in the group's closed part, so its queue can still move), so
 *    new SYNs and other listeners' queues go elsewhere;
 *  - what it has queued goes to its global listener at once (steal.c), so
 *    that none of it waits for the rest;
 *  - softirqs that chose it before run under RCU: a grace period ends them,
 *    an expedited one, since the closing thread waits for it, and so may
 *    its process's other threads (libfsocket closes a thread's local
 *    listeners under its table lock): a normal one waits for every CPU to
 *    pass a quiescent state, ticks of them;
 *  - its own half-open connections complete into its queue, for at most
 *    FSOCKET_DRAIN_MS, since a slow or vanished client may never answer.
 * Its queue then moves to a member that is not stopping.
 */
#define FSOCKET_DRAIN_MS 100

static void fsocket_listener_quiesce(struct sock *sk)
{
	unsigned long end = jiffies + msecs_to_jiffies(FSOCKET_DRAIN_MS);
	bool listening;

	lock_sock(sk);
	listening = sk->sk_state == TCP_LISTEN;
	if (listening) {
		sk->sk_prot->unhash(sk);
		/* Stopping: no resume may put it back (pause.c). */
		fsocket_client_set_paused(sk, false);
	}
	release_sock(sk);
	if (!listening)
		return;
	fsocket_hand_on_left(sk, false);
	synchronize_rcu_expedited();
	while (inet_csk_reqsk_queue_len(sk) && time_before(jiffies, end))
		usleep_range(500, 1000);
}

int fsocket_listener_stop(struct socket *sock, enum sock_shutdown_cmd how)
{
	fsocket_listener_quiesce(sock->sk);
	return kernel_sock_shutdown(sock, how);
}

static int fsocket_local_release(struct socket *sock)
{
	const struct proto_ops *family =
		fsocket_family_ops[fsocket_ops_index(sock)];

	/*
	 * inet_shutdown() looks at the state again, under the socket lock.
	 * The kernel moved the queue without waking its new listener: wake
	 * it now rather than at the next sweep.
	 */
	if (sock->sk && READ_ONCE(sock->sk->sk_state) == TCP_LISTEN) {
		fsocket_listener_stop(sock, SHUT_RD);
		fsocket_groups_wake();
	}
	if (sock->sk)
		fsocket_client_disown(sock->sk);
	return family->release(sock);
}

/*
 * An epoll takes the local listener in: its registration polls with a
 * table that queues, and the file lists the epoll by then. Noted, so
 * that the sweep pauses the listener once its worker takes it out again
 * (pause.c). epoll_wait()'s polls queue nothing and cost one test.
 */
static __poll_t fsocket_local_poll(struct file *file, struct socket *sock,
				   struct poll_table_struct *wait)
{
	if (unlikely(fsocket_poll_queues(wait)) && fsocket_file_in_epoll(file))
		fsocket_client_epolled(sock->sk);
	return fsocket_family_ops[fsocket_ops_index(sock)]->poll(file, sock,
								 wait);
}

/*
 * Before a local listener accepts (fsocket_local_accept() in compat.h):
 * accept(2) and io_uring hand @newsock this listener's ops, with a module
 * reference, before they call it; kernel_accept() only after, and ACCEPT
 * clears them then.
 */
const struct proto_ops *fsocket_local_accept_ops(struct socket *sock,
						 struct socket *newsock)
{
	fsocket_local_ops_clear(newsock);
	return fsocket_family_ops[fsocket_ops_index(sock)];
}

/* The stream ops of @family, read off a socket made and dropped for it. */
static const struct proto_ops *__init fsocket_stream_ops(int family)
{
	const struct proto_ops *ops;
	struct socket *sock;

	if (sock_create_kern(&init_net, family, SOCK_STREAM, IPPROTO_TCP,
			     &sock))
		return NULL;	/* IPv6 off: its listeners keep their own */
	ops = sock->ops;
	sock_release(sock);
	return ops;
}

static void __init fsocket_local_ops_make(int i, const struct proto_ops *family)
{
	if (!family)
		return;
	fsocket_local_ops[i] = *family;
	fsocket_local_ops[i].owner = THIS_MODULE;
	fsocket_local_ops[i].release = fsocket_local_release;
	fsocket_local_ops[i].accept = fsocket_local_accept;
	fsocket_local_ops[i].poll = fsocket_local_poll;
	fsocket_family_ops[i] = family;
}

void __init fsocket_local_ops_init(void)
{
	fsocket_local_ops_make(FSOCKET_OPS_INET, fsocket_stream_ops(AF_INET));
	fsocket_local_ops_make(FSOCKET_OPS_INET6, fsocket_stream_ops(AF_INET6));
}

/*
 * @sock, a new local listener not yet visible to anyone, closes through
 * fsocket_local_release(), accepts through fsocket_local_accept() and is
 * polled through fsocket_local_poll().
 * -EOPNOTSUPP where its family has no copy, or its ops are not its
 * family's usual ones (none are known): such a listener would do neither.
 */
int fsocket_local_ops_set(struct socket *sock)
{
	int i = sock->sk->sk_family == AF_INET6 ?
		FSOCKET_OPS_INET6 : FSOCKET_OPS_INET;
	const struct proto_ops *family = sock->ops;

	if (!fsocket_family_ops[i] || fsocket_family_ops[i] != family)
		return -EOPNOTSUPP;
	__module_get(THIS_MODULE);
	sock->ops = &fsocket_local_ops[i];
	module_put(family->owner);
	return 0;
}

/*
 * accept() gives a connection its listener's ops: one accepted from a
 * local listener by the module gets its family's own back, so that it
 * does not keep the module loaded.
 */
void fsocket_local_ops_clear(struct socket *sock)
{
	const struct proto_ops *family;

	if (sock->ops != &fsocket_local_ops[FSOCKET_OPS_INET] &&
	    sock->ops != &fsocket_local_ops[FSOCKET_OPS_INET6])
		return;
	family = fsocket_family_ops[fsocket_ops_index(sock)];
	__module_get(family->owner);
	sock->ops = family;
	module_put(THIS_MODULE);
}

/*
 * Is @sk a local listener the module made? The caller holds a reference
 * on @sk or the RCU read lock: a socket's struct socket is freed after a
 * grace period, and a closed one has none.
 */
bool fsocket_local_ops_is(const struct sock *sk)
{
	const struct socket *sock;
	bool local;

	rcu_read_lock();
	sock = READ_ONCE(sk->sk_socket);
	local = sock && (READ_ONCE(sock->ops) == &fsocket_local_ops[FSOCKET_OPS_INET] ||
			 READ_ONCE(sock->ops) == &fsocket_local_ops[FSOCKET_OPS_INET6]);
	rcu_read_unlock();
	return local;
}
