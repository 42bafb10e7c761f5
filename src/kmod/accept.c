// SPDX-License-Identifier: GPL-2.0
/*
 * A worker accepts from its local listener first and from the global
 * listener when the local queue is empty; the global one holds the
 * connections whose CPU has no local listener, those a closing listener
 * handed over and those stolen from a stalled worker. A blocking accept
 * sleeps on both queues. accept(2) on a local listener does this with the
 * global listener it was spawned from (its proto_ops.accept), and so does
 * ACCEPT with the one it is given, which must be of the same group.
 *
 * A thread that serves a shared listener before it has a local one waits
 * in ACCEPT on the shared listener alone, which may end (ESTALE) once its
 * process spawns a local listener (FSOCKET_ACCEPT_SPAWN_WAKES): otherwise
 * it would go on waiting there, and its CPU would stay without a local
 * listener, until a connection came to the shared queue.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/file.h>
#include <linux/net.h>
#include <linux/sched/signal.h>
#include <linux/socket.h>
#include <linux/uaccess.h>
#include <linux/wait.h>
#include <net/inet_connection_sock.h>
#include <net/sock.h>
#include <net/tcp_states.h>

#include <linux/fastsocket.h>

#include "compat.h"
#include "fastsocket.h"
#include "log.h"

/*
 * A connection @newsock taken from the global listener @global: counted,
 * and counted lent too when its CPU had no local listener to go to.
 */
static void fsocket_count_global(struct fsocket_client *client,
				 const struct sock *global,
				 const struct socket *newsock)
{
	fsocket_stat_inc(sock_net(global), FSOCKET_STAT_GLOBAL_ACCEPT);
	fsocket_client_count(client, FSOCKET_STAT_GLOBAL_ACCEPT);
	if (!fsocket_cpu_served(global, newsock->sk))
		fsocket_stat_inc(sock_net(global), FSOCKET_STAT_LENT);
}

/* Nothing to accept, and still listening: keep waiting. */
static bool fsocket_nothing_yet(const struct socket *sock)
{
	return reqsk_queue_empty(&inet_csk(sock->sk)->icsk_accept_queue) &&
	       READ_ONCE(sock->sk->sk_state) == TCP_LISTEN;
}

/* A spawn that ends a wait: the client's count of them when it began. */
struct fsocket_spawn_watch {
	struct fsocket_client *client;
	unsigned int start;
};

/*
 * Sleep until either queue has a connection or stopped listening (the
 * accept that follows then says why), as inet_csk_wait_for_connect, or
 * until @w's client spawned (-ESTALE), where @w is given.
 */
static int fsocket_wait_either(struct socket *a, struct socket *b,
			       const struct fsocket_spawn_watch *w, long *timeo)
{
	DEFINE_WAIT(wait_a);
	DEFINE_WAIT(wait_b);
	DEFINE_WAIT(wait_w);
	int err = 0;

	for (;;) {
		prepare_to_wait(sk_sleep(a->sk), &wait_a, TASK_INTERRUPTIBLE);
		if (b)
			prepare_to_wait(sk_sleep(b->sk), &wait_b,
					TASK_INTERRUPTIBLE);
		if (w)
			prepare_to_wait(fsocket_client_spawn_wait(w->client),
					&wait_w, TASK_INTERRUPTIBLE);
		if (!fsocket_nothing_yet(a) || (b && !fsocket_nothing_yet(b)))
			break;
		if (w && fsocket_client_spawns(w->client) != w->start) {
			err = -ESTALE;
			break;
		}
		if (!*timeo) {
			err = -EAGAIN;
			break;
		}
		if (signal_pending(current)) {
			err = sock_intr_errno(*timeo);
			break;
		}
		*timeo = schedule_timeout(*timeo);
	}
	finish_wait(sk_sleep(a->sk), &wait_a);
	if (b)
		finish_wait(sk_sleep(b->sk), &wait_b);
	if (w)
		finish_wait(fsocket_client_spawn_wait(w->client), &wait_w);
	return err;
}

/*
 * One connection from @sock without waiting: 0, -EAGAIN or an error. An
 * empty queue is seen without kernel_accept(), which would allocate a
 * socket only to free it.
 */
static int fsocket_try_accept(struct fsocket_client *client,
			      struct socket *sock, struct socket **newsock,
			      enum fsocket_stat stat)
{
	int err;

	if (fsocket_nothing_yet(sock))
		return -EAGAIN;
	err = kernel_accept(sock, newsock, O_NONBLOCK);
	if (err)
		return err;
	/* A local listener's accept counted it (fsocket_local_accept_call). */
	if (fsocket_local_ops_is(sock->sk)) {
		fsocket_local_ops_clear(*newsock);
		return 0;
	}
	if (stat == FSOCKET_STAT_GLOBAL_ACCEPT) {
		fsocket_count_global(client, sock->sk, *newsock);
		return 0;
	}
	fsocket_stat_inc(sock_net(sock->sk), stat);
	fsocket_client_count(client, stat);
	return 0;
}

/*
 * One connection from @local, else from @global, else wait for either
 * (or, with @w, for a spawn). With @w, @local is the shared listener.
 */
static struct socket *
fsocket_accept_either(struct fsocket_client *client, struct socket *local,
		      struct socket *global, const struct fsocket_spawn_watch *w)
{
	long timeo = sock_rcvtimeo(local->sk,
				   local->file->f_flags & O_NONBLOCK);
	enum fsocket_stat first = w ? FSOCKET_STAT_GLOBAL_ACCEPT :
				      FSOCKET_STAT_LOCAL_ACCEPT;
	struct socket *newsock;
	int err;

	for (;;) {
		err = fsocket_try_accept(client, local, &newsock, first);
		if (err == -EAGAIN && global) {
			err = fsocket_try_accept(client, global, &newsock,
						 FSOCKET_STAT_GLOBAL_ACCEPT);
			/* A global listener that stopped leaves the local one. */
			if (err == -EINVAL) {
				global = NULL;
				err = -EAGAIN;
			}
		}
		if (!err)
			return newsock;
		if (err != -EAGAIN)
			return ERR_PTR(err);
		err = fsocket_wait_either(local, global, w, &timeo);
		if (err)
			return ERR_PTR(err);
	}
}

/*
 * One connection from the local listener @sock or, once its queue is
 * empty, from its @global, into @newsock without waiting: 0, -EAGAIN or
 * the local listener's error. A global listener that stopped listening
 * is left out (*@global NULL).
 */
static int fsocket_local_try(const struct proto_ops *ops, struct socket *sock,
			     struct socket **global, struct socket *newsock,
			     struct fsocket_accept_call *c,
			     struct fsocket_client *client)
{
	int err = -EAGAIN;

	if (!fsocket_nothing_yet(sock)) {
		err = fsocket_accept_call_ops(ops, sock, newsock, c, true);
		if (!err) {
			fsocket_stat_inc(sock_net(sock->sk),
					 FSOCKET_STAT_LOCAL_ACCEPT);
			fsocket_client_count(client, FSOCKET_STAT_LOCAL_ACCEPT);
		}
	}
	if (err == -EAGAIN && *global && !fsocket_nothing_yet(*global)) {
		/* The family's accept, whatever ops @global has: no recursion. */
		err = fsocket_accept_call_ops(ops, *global, newsock, c, true);
		if (!err)
			fsocket_count_global(client, (*global)->sk, newsock);
		if (err == -EINVAL) {
			*global = NULL;
			err = -EAGAIN;
		}
	}
	return err;
}

/*
 * accept(2), io_uring or kernel_accept() on a local listener. Without a
 * global listener noted (none is known), its family's accept alone.
 */
int fsocket_local_accept_call(struct socket *sock, struct socket *newsock,
			      struct fsocket_accept_call *c)
{
	const struct proto_ops *ops = fsocket_local_accept_ops(sock, newsock);
	struct fsocket_client *client;
	struct socket *global;
	long timeo;
	int err;

	global = fsocket_client_accepting(sock->sk, &client);
	if (!global)
		return fsocket_accept_call_ops(ops, sock, newsock, c, false);
	timeo = sock_rcvtimeo(sock->sk, fsocket_accept_call_nonblock(c));
	for (;;) {
		err = fsocket_local_try(ops, sock, &global, newsock, c, client);
		if (err != -EAGAIN)
			return err;
		err = fsocket_wait_either(sock, global, NULL, &timeo);
		if (err)
			return err;
	}
}

/*
 * The peer's address, as accept(2) reports it: truncated, full length,
 * and asked for as accept(2) asks (peer 2: a connection reset while
 * queued still has its peer's address; one without is ECONNABORTED).
 */
static int fsocket_put_peer(struct socket *sock,
			    const struct fsocket_accept_op *op, int ulen)
{
	struct sockaddr_storage addr;
	int len;

	if (!op->addr)
		return 0;
	len = sock->ops->getname(sock, (struct sockaddr *)&addr, 2);
	if (len < 0)
		return -ECONNABORTED;
	if (copy_to_user(u64_to_user_ptr(op->addr), &addr, min(len, ulen)))
		return -EFAULT;
	return put_user(len, (int __user *)u64_to_user_ptr(op->addrlen));
}

/*
 * Refuse what accept4(2) would refuse before taking a connection. The
 * buffer's length is read here once, in *@ulen: another thread may change
 * it while the accept blocks, and accept(2) reads it once too.
 */
static int fsocket_accept_check(const struct fsocket_accept_op *op, int *ulen)
{
	*ulen = 0;
	if (op->flags & ~(SOCK_NONBLOCK | SOCK_CLOEXEC))
		return -EINVAL;
	if (!op->addr)
		return 0;
	if (!op->addrlen)
		return -EFAULT;
	if (get_user(*ulen, (int __user *)u64_to_user_ptr(op->addrlen)))
		return -EFAULT;
	if (*ulen < 0)
		return -EINVAL;
	if (!access_ok(u64_to_user_ptr(op->addr), *ulen))
		return -EFAULT;
	return 0;
}

/* Both listeners must be one service: members of one reuseport group. */
static int fsocket_same_group(struct socket *a, struct socket *b)
{
	bool same;

	rcu_read_lock();
	same = rcu_access_pointer(a->sk->sk_reuseport_cb) &&
	       rcu_access_pointer(a->sk->sk_reuseport_cb) ==
	       rcu_access_pointer(b->sk->sk_reuseport_cb);
	rcu_read_unlock();
	return same ? 0 : -EINVAL;
}

long fsocket_accept(struct fsocket_client *client,
		    struct fsocket_ioctl_arg *arg)
{
	const struct fsocket_accept_op *op = &arg->op.accept_op;
	int flags = (op->flags & SOCK_CLOEXEC ? O_CLOEXEC : 0) |
		    (op->flags & SOCK_NONBLOCK ? O_NONBLOCK : 0);
	struct socket *local, *global = NULL, *newsock;
	struct fsocket_spawn_watch watch = { .client = client };
	bool spawn_wakes = arg->flags & FSOCKET_ACCEPT_SPAWN_WAKES;
	struct fsocket_new_fd nfd;
	struct fd local_f, global_f;
	int ulen;
	long ret;

	ret = fsocket_accept_check(op, &ulen);
	if (ret)
		return ret;
	/* Only a shared listener, alone, waits for a spawn. */
	if (spawn_wakes && op->global_fd != -1)
		return -EINVAL;
	watch.start = fsocket_client_spawns(client);
	local = fsocket_lookup_listener_light(arg->fd, &local_f);
	if (IS_ERR(local))
		return PTR_ERR(local);
	if (op->global_fd != -1) {
		global = fsocket_lookup_listener_light(op->global_fd, &global_f);
		if (IS_ERR(global)) {
			ret = PTR_ERR(global);
			goto put_local;
		}
		ret = fsocket_same_group(local, global);
		if (ret)
			goto put_global;
	}
	/*
	 * The descriptor first, as accept(2): a full descriptor table
	 * (EMFILE) leaves the connection queued.
	 */
	ret = fsocket_reserve_fd(flags, &nfd);
	if (ret < 0)
		goto put_global;
	newsock = fsocket_accept_either(client, local, global,
					spawn_wakes ? &watch : NULL);
	if (IS_ERR(newsock)) {
		ret = PTR_ERR(newsock);
		goto put_fd;
	}
	/*
	 * As accept(2): a connection already reset has no peer to report
	 * (ECONNABORTED), and a fault loses the connection and says so.
	 */
	ret = fsocket_put_peer(newsock, op, ulen);
	if (ret) {
		sock_release(newsock);
		fsocket_stat_inc(sock_net(local->sk), FSOCKET_STAT_ERROR);
		goto put_fd;
	}
	/*
	 * kernel_accept() makes the connection's socket, so its file comes
	 * after: ENFILE or ENOMEM there releases the connection.
	 */
	ret = fsocket_attach_fd(newsock, flags, &nfd);
	if (ret >= 0)
		fsocket_commit_fd(&nfd);
	else
		fsocket_stat_inc(sock_net(local->sk), FSOCKET_STAT_ERROR);
	goto put_global;
put_fd:
	fsocket_abort_fd(&nfd);
put_global:
	if (global)
		fdput(global_f);
put_local:
	fdput(local_f);
	return ret;
}
