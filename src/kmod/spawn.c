// SPDX-License-Identifier: GPL-2.0
/*
 * Local listeners. A local listener is a clone of an application's
 * listener: same address, options, owner and network namespace, in the
 * same SO_REUSEPORT group, with SO_INCOMING_CPU set to its CPU. The
 * kernel's reuseport selection then hands it the connections whose SYN was
 * processed on that CPU. It is returned as a new descriptor of the caller,
 * which owns it: closing the descriptor is all the cleanup there is (the
 * kernel then moves its queue to another member: see group.c).
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/cpumask.h>
#include <linux/cred.h>
#include <linux/fdtable.h>
#include <linux/file.h>
#include <linux/mutex.h>
#include <linux/net.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/tcp.h>
#include <net/inet_connection_sock.h>
#include <net/sock.h>
#include <net/sock_reuseport.h>
#include <net/tcp.h>

#include <linux/fastsocket.h>

#include "fastsocket.h"
#include "log.h"
#include "params.h"

/* The most listeners one SPAWN_ALL_LISTEN answers for. */
#define FSOCKET_SPAWN_ALL_MAX 1024

/* Choosing the least used CPU and creating its listener is one step. */
static DEFINE_MUTEX(fsocket_spawn_lock);

static int fsocket_set_int(struct socket *sock, int level, int name, int val)
{
	sockptr_t optval = KERNEL_SOCKPTR(&val);

	if (level == SOL_SOCKET)
		return sock_setsockopt(sock, level, name, optval, sizeof(val));
	return sock->ops->setsockopt(sock, level, name, optval, sizeof(val));
}

/* The options of the listener that shape what its connections get. */
static int fsocket_copy_options(struct socket *to, struct sock *from)
{
	struct request_sock_queue *queue = &inet_csk(from)->icsk_accept_queue;
	int tfo_qlen = READ_ONCE(queue->fastopenq.max_qlen);
	int err = 0;

	if (from->sk_reuse)
		err = fsocket_set_int(to, SOL_SOCKET, SO_REUSEADDR, 1);
	if (!err && sock_flag(from, SOCK_KEEPOPEN))
		err = fsocket_set_int(to, SOL_SOCKET, SO_KEEPALIVE, 1);
	/* setsockopt doubles the value it is given: pass half. */
	if (!err && (from->sk_userlocks & SOCK_RCVBUF_LOCK))
		err = fsocket_set_int(to, SOL_SOCKET, SO_RCVBUF,
				      READ_ONCE(from->sk_rcvbuf) / 2);
	if (!err && (from->sk_userlocks & SOCK_SNDBUF_LOCK))
		err = fsocket_set_int(to, SOL_SOCKET, SO_SNDBUF,
				      READ_ONCE(from->sk_sndbuf) / 2);
	if (!err && from->sk_bound_dev_if)
		err = sock_bindtoindex(to->sk, from->sk_bound_dev_if, true);
	if (!err && from->sk_family == AF_INET6)
		err = fsocket_set_int(to, SOL_IPV6, IPV6_V6ONLY,
				      from->sk_ipv6only);
	if (!err && (tcp_sk(from)->nonagle & TCP_NAGLE_OFF))
		err = fsocket_set_int(to, SOL_TCP, TCP_NODELAY, 1);
	if (!err && tfo_qlen)
		err = fsocket_set_int(to, SOL_TCP, TCP_FASTOPEN, tfo_qlen);
	if (!err)
		WRITE_ONCE(inet_csk(to->sk)->icsk_accept_queue.rskq_defer_accept,
			   READ_ONCE(queue->rskq_defer_accept));
	return err;
}

/* Create, configure, bind and listen the clone, as the listener's owner. */
static struct socket *fsocket_clone_listener(struct socket *global, int cpu)
{
	struct sock *sk = global->sk;
	struct sockaddr_storage addr;
	const struct cred *old_cred;
	struct socket *sock;
	int err, len;

	old_cred = override_creds(global->file->f_cred);
	err = __sock_create(sock_net(sk), sk->sk_family, SOCK_STREAM,
			    IPPROTO_TCP, &sock, 0);
	if (err)
		goto out;
	fsocket_local_ops_set(sock);
	err = fsocket_copy_options(sock, sk);
	if (!err)
		err = fsocket_set_int(sock, SOL_SOCKET, SO_REUSEPORT, 1);
	if (!err)
		err = fsocket_set_int(sock, SOL_SOCKET, SO_INCOMING_CPU, cpu);
	if (err)
		goto release;
	len = kernel_getsockname(global, (struct sockaddr *)&addr);
	if (len < 0) {
		err = len;
		goto release;
	}
	err = kernel_bind(sock, (struct sockaddr *)&addr, len);
	if (!err)
		err = kernel_listen(sock, READ_ONCE(sk->sk_max_ack_backlog));
	if (!err)
		goto out;
release:
	sock_release(sock);
out:
	revert_creds(old_cred);
	return err ? ERR_PTR(err) : sock;
}

/* How many local listeners @sk's reuseport group has on @cpu. */
static unsigned int fsocket_locals_on(struct sock *sk, int cpu)
{
	struct sock_reuseport *reuse;
	unsigned int i, n = 0, count = 0;

	rcu_read_lock();
	reuse = rcu_dereference(sk->sk_reuseport_cb);
	if (reuse)
		n = min(READ_ONCE(reuse->num_socks), reuse->max_socks);
	for (i = 0; i < n; i++)
		if (reuse->socks[i] != sk &&
		    READ_ONCE(reuse->socks[i]->sk_incoming_cpu) == cpu)
			count++;
	rcu_read_unlock();
	return count;
}

/*
 * Mode 2: of the CPUs the caller may run on, the first with the fewest
 * local listeners: a free one while there is one. After that a CPU is
 * shared (more workers than CPUs, or a server's new workers starting while
 * the old ones drain): the kernel spreads that CPU's connections over its
 * local listeners, all on that CPU.
 */
static int fsocket_least_used_cpu(struct sock *sk)
{
	unsigned int count, least = UINT_MAX;
	int cpu, best = -EBUSY;

	for_each_cpu_and(cpu, current->cpus_ptr, cpu_online_mask) {
		count = fsocket_locals_on(sk, cpu);
		if (count < least) {
			least = count;
			best = cpu;
		}
		if (!count)
			break;
	}
	return best;
}

/*
 * The CPU of the new listener: the caller's choice, or in mode 1 the one
 * CPU the caller is pinned to, or in mode 2 the least used CPU the caller
 * may run on (where it is then pinned).
 */
static int fsocket_spawn_cpu(struct sock *sk, int want)
{
	if (want != FSOCKET_CPU_ANY) {
		if (want < 0 || want >= nr_cpu_ids || !cpu_online(want))
			return -EINVAL;
		return want;
	}
	if (fsocket_param(enable_listen_spawn) == 1) {
		if (current->nr_cpus_allowed != 1)
			return -EINVAL;
		return cpumask_first(current->cpus_ptr);
	}
	return fsocket_least_used_cpu(sk);
}

/* A local listener of @global for @cpu, as a descriptor still to install. */
static int fsocket_spawn_fd(struct socket *global, int cpu,
			    struct fsocket_new_fd *nfd)
{
	struct socket *local = fsocket_clone_listener(global, cpu);

	if (IS_ERR(local))
		return PTR_ERR(local);
	return fsocket_prepare_fd(local, O_CLOEXEC |
				  (global->file->f_flags & O_NONBLOCK), nfd);
}

/*
 * Mode 2 chooses the CPU and pins the worker there, so that it runs where
 * its connections arrive. The CPU came from the caller's allowed CPUs, so
 * the pin stays inside its cpuset.
 */
static int fsocket_pin_chosen(int want, int cpu)
{
	if (want != FSOCKET_CPU_ANY || fsocket_param(enable_listen_spawn) != 2)
		return 0;
	return set_cpus_allowed_ptr(current, cpumask_of(cpu));
}

/*
 * The caller's listener @fd, made a member of a reuseport group (it founds
 * one when its first local listener starts listening). Both commands
 * start here; sockfd_put() the result.
 */
static struct socket *fsocket_group_listener(int fd)
{
	struct socket *global;
	int err;

	if (!fsocket_param(enable_listen_spawn))
		return ERR_PTR(-EOPNOTSUPP);
	global = fsocket_lookup_listener(fd);
	if (IS_ERR(global))
		return global;
	sock_set_reuseport(global->sk);
	err = fsocket_group_add(global->sk);
	if (err) {
		sockfd_put(global);
		return ERR_PTR(err);
	}
	return global;
}

/* LISTEN: the listener joins (or founds) a reuseport group. */
long fsocket_listen(struct fsocket_ioctl_arg *arg)
{
	struct socket *global = fsocket_group_listener(arg->fd);

	if (IS_ERR(global))
		return PTR_ERR(global);
	sockfd_put(global);
	return 0;
}

/* SPAWN_LISTEN: a local listener for one CPU; returns its descriptor. */
long fsocket_spawn_listen(struct fsocket_ioctl_arg *arg)
{
	struct fsocket_new_fd nfd;
	struct socket *global;
	int cpu, ret;

	global = fsocket_group_listener(arg->fd);
	if (IS_ERR(global))
		return PTR_ERR(global);

	mutex_lock(&fsocket_spawn_lock);
	cpu = fsocket_spawn_cpu(global->sk, arg->op.spawn_op.cpu);
	if (cpu < 0) {
		ret = cpu;
		goto unlock;
	}
	ret = fsocket_spawn_fd(global, cpu, &nfd);
	if (ret >= 0) {
		int err = fsocket_pin_chosen(arg->op.spawn_op.cpu, cpu);

		if (err) {
			fsocket_abort_fd(&nfd);
			ret = err;
		} else {
			fsocket_commit_fd(&nfd);
			arg->op.spawn_op.cpu = cpu;
		}
	}
unlock:
	mutex_unlock(&fsocket_spawn_lock);
	fsocket_stat_inc(ret < 0 ? FSOCKET_STAT_ERROR : FSOCKET_STAT_SPAWN);
	fsocket_log(DEBUG, "spawn for fd %d on cpu %d: %d\n", arg->fd, cpu, ret);
	sockfd_put(global);
	return ret;
}

/* Does @sk share its reuseport group with another listener? */
static bool fsocket_has_peer(struct sock *sk)
{
	struct sock_reuseport *reuse;
	bool peer;

	rcu_read_lock();
	reuse = rcu_dereference(sk->sk_reuseport_cb);
	peer = reuse && READ_ONCE(reuse->num_socks) > 1;
	rcu_read_unlock();
	return peer;
}

/*
 * SHUTDOWN_LISTEN: the listener @fd (a local one, typically) stops
 * listening and the others of its group take over its queue, as when it
 * is closed; the descriptor stays for the caller to close. A listener
 * with no other member has no one to hand to: -EBUSY (shutdown(2) is the
 * way to drop its connections).
 */
long fsocket_shutdown_listen(struct fsocket_ioctl_arg *arg)
{
	int how = arg->op.shutdown_op.how;
	struct socket *sock;
	long ret;

	/* What stops a listener: shutting down its receive side. */
	if (arg->op.shutdown_op.reserved || (how != SHUT_RD && how != SHUT_RDWR))
		return -EINVAL;
	sock = fsocket_lookup_listener(arg->fd);
	if (IS_ERR(sock))
		return PTR_ERR(sock);
	ret = -EBUSY;
	if (fsocket_has_peer(sock->sk)) {
		ret = fsocket_listener_stop(sock, how);
		fsocket_groups_wake();
	}
	sockfd_put(sock);
	return ret;
}

/* iterate_fd() callback: stops at a TCP-state listener, returning fd + 1. */
static int fsocket_listener_fd(const void *unused, struct file *file,
			       unsigned int fd)
{
	struct socket *sock = sock_from_file(file);

	return sock && sock->sk && READ_ONCE(sock->sk->sk_state) == TCP_LISTEN ?
	       fd + 1 : 0;
}

/*
 * The caller's next watched listener from descriptor *@from on, with a
 * reference (sockfd_put() it), and *@from moved past it; NULL when none.
 */
static struct socket *fsocket_next_watched(unsigned int *from)
{
	struct socket *sock;
	int next;

	for (;;) {
		next = iterate_fd(current->files, *from, fsocket_listener_fd,
				  NULL);
		if (!next)
			return NULL;
		*from = next;
		sock = fsocket_lookup_listener(next - 1);
		if (IS_ERR(sock))
			continue;
		if (fsocket_group_watched(sock->sk))
			return sock;
		sockfd_put(sock);
	}
}

/* One more local listener for SPAWN_ALL_LISTEN, recorded in @pairs. */
static int fsocket_spawn_pair(struct socket *global, int global_fd, int cpu,
			      struct fsocket_spawn_pair __user *pairs,
			      struct fsocket_new_fd *nfd)
{
	struct fsocket_spawn_pair pair = { .global_fd = global_fd };

	pair.local_fd = fsocket_spawn_fd(global, cpu, nfd);
	if (pair.local_fd < 0)
		return pair.local_fd;
	if (copy_to_user(pairs, &pair, sizeof(pair))) {
		fsocket_abort_fd(nfd);
		return -EFAULT;
	}
	return pair.local_fd;
}

/*
 * SPAWN_ALL_LISTEN: SPAWN_LISTEN for each of the caller's watched
 * listeners, all on one CPU, all or none: the descriptors are installed
 * only when every one was made, else they are released unseen.
 */
long fsocket_spawn_all_listen(struct fsocket_ioctl_arg *arg)
{
	struct fsocket_spawn_all_op *op = &arg->op.spawn_all_op;
	struct fsocket_spawn_pair __user *pairs = u64_to_user_ptr(op->pairs);
	unsigned int from = 0, n = 0, i;
	struct fsocket_new_fd *made;
	struct socket *global;
	int cpu = -1, ret = 0;

	if (!fsocket_param(enable_listen_spawn))
		return -EOPNOTSUPP;
	if (op->count > FSOCKET_SPAWN_ALL_MAX)
		return -EINVAL;
	made = kcalloc(max(op->count, 1U), sizeof(*made), GFP_KERNEL);
	if (!made)
		return -ENOMEM;
	mutex_lock(&fsocket_spawn_lock);
	while (!ret && (global = fsocket_next_watched(&from))) {
		if (cpu < 0)
			cpu = fsocket_spawn_cpu(global->sk, op->cpu);
		if (cpu < 0)
			ret = cpu;
		else if (n == op->count)
			ret = -ENOSPC;
		else
			ret = fsocket_spawn_pair(global, from - 1, cpu,
						 &pairs[n], &made[n]);
		if (ret >= 0) {
			n++;
			ret = 0;
		}
		sockfd_put(global);
	}
	if (!ret && n)
		ret = fsocket_pin_chosen(op->cpu, cpu);
	for (i = 0; i < n; i++) {
		if (ret)
			fsocket_abort_fd(&made[i]);
		else
			fsocket_commit_fd(&made[i]);
	}
	mutex_unlock(&fsocket_spawn_lock);
	kfree(made);
	fsocket_stat_add(ret ? FSOCKET_STAT_ERROR : FSOCKET_STAT_SPAWN,
			 ret ? 1 : n);
	if (ret)
		return ret;
	op->count = n;
	op->cpu = n ? cpu : FSOCKET_CPU_ANY;
	return n;
}
