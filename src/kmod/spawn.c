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
#include <linux/nsproxy.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/tcp.h>
#include <net/inet_connection_sock.h>
#include <net/sock.h>
#include <net/sock_reuseport.h>
#include <net/tcp.h>

#include <linux/fastsocket.h>

#include "compat.h"
#include "fastsocket.h"
#include "log.h"
#include "params.h"

/* The most listeners one SPAWN_ALL_LISTEN answers for. */
#define FSOCKET_SPAWN_ALL_MAX 1024

/* Choosing the least used CPU and creating its listener is one step. */
static DEFINE_MUTEX(fsocket_spawn_lock);

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
	err = fsocket_local_ops_set(sock);
	if (!err)
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
	err = fsocket_kernel_bind(sock, &addr, len);
	if (!err)
		err = kernel_listen(sock, READ_ONCE(sk->sk_max_ack_backlog));
	if (!err)
		err = fsocket_copy_listening_options(sock, sk);
	if (!err)
		goto out;
release:
	sock_release(sock);
out:
	revert_creds(old_cred);
	return err ? ERR_PTR(err) : sock;
}

/* Per CPU: what mode 2 weighs, in this order. */
struct fsocket_cpu_use {
	unsigned int *group;	/* local listeners of this group */
	u64 *newest;		/* the latest opening order of their makers */
	unsigned int *all;	/* local listeners of every group */
};

static bool fsocket_cpu_better(const struct fsocket_cpu_use *u, int cpu,
			       int best)
{
	if (best < 0)
		return true;
	if (u->group[cpu] != u->group[best])
		return u->group[cpu] < u->group[best];
	if (u->newest[cpu] != u->newest[best])
		return u->newest[cpu] < u->newest[best];
	return u->all[cpu] < u->all[best];
}

/*
 * Mode 2: of the CPUs the caller may run on, the first with the fewest
 * local listeners of this group: a free one while there is one. After
 * that a CPU is shared (more workers than CPUs, or a server's new workers
 * starting while the old ones drain): the kernel spreads that CPU's
 * connections over its local listeners, all on that CPU.
 *
 * Ties go to the CPU whose listeners' makers opened the device first.
 * When a server's new workers start while the old ones drain, a CPU that
 * only old workers hold is free once they exit, and a CPU a new worker
 * took is not: counting alone put a later new worker beside an earlier
 * one, and left a CPU without a local listener until the next reload.
 * Then to the CPU with the fewest local listeners of every group: a
 * server process whose first listener is its own (haproxy's admin
 * socket) must not pin every such process to the first CPU.
 */
static int fsocket_least_used_cpu(struct sock *sk)
{
	struct fsocket_cpu_use use;
	int cpu, best = -EBUSY;

	use.group = kcalloc(nr_cpu_ids, sizeof(*use.group), GFP_KERNEL);
	use.newest = kcalloc(nr_cpu_ids, sizeof(*use.newest), GFP_KERNEL);
	use.all = kcalloc(nr_cpu_ids, sizeof(*use.all), GFP_KERNEL);
	if (!use.group || !use.newest || !use.all) {
		best = -ENOMEM;
		goto out;
	}
	fsocket_locals_count(sk, use.group, use.newest);
	fsocket_groups_locals_count(use.all);
	for_each_cpu_and(cpu, current->cpus_ptr, cpu_online_mask)
		if (fsocket_cpu_better(&use, cpu, best))
			best = cpu;
out:
	kfree(use.group);
	kfree(use.newest);
	kfree(use.all);
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

/*
 * A local listener of @global for @cpu, as a descriptor still to install.
 * The number comes first: a caller whose table is full gets EMFILE before
 * a listener is made that would have to stop again.
 */
static int fsocket_spawn_fd(struct fsocket_client *client,
			    struct socket *global, int cpu,
			    struct fsocket_new_fd *nfd)
{
	int flags = O_CLOEXEC | (global->file->f_flags & O_NONBLOCK);
	struct socket *local;
	int fd = fsocket_reserve_fd(flags, nfd);
	int err;

	if (fd < 0)
		return fd;
	local = fsocket_clone_listener(global, cpu);
	if (IS_ERR(local)) {
		fsocket_abort_fd(nfd);
		return PTR_ERR(local);
	}
	/* Noted before anyone can accept from it: accept(2) needs @global. */
	err = fsocket_client_owns(client, local, cpu, global->file);
	if (err) {
		sock_release(local);
		fsocket_abort_fd(nfd);
		return err;
	}
	return fsocket_attach_fd(local, flags, nfd);
}

/*
 * Mode 2 chooses the CPU and pins the worker there, so that it runs where
 * its connections arrive. The CPU came from the caller's allowed CPUs, so
 * the pin stays inside its cpuset.
 */
static int fsocket_pin_cpu(int want, int cpu)
{
	if (want != FSOCKET_CPU_ANY || fsocket_param(enable_listen_spawn) != 2)
		return -1;
	return cpu;
}

static void fsocket_pending_release(struct fsocket_pending *p)
{
	if (p->fds != &p->one)
		kfree(p->fds);
	p->fds = NULL;
	p->n = 0;
}

/* The answer is written: pin the caller, then install every descriptor. */
int fsocket_pending_commit(struct fsocket_pending *p)
{
	unsigned int i;
	int err = 0;

	if (p->n && p->pin_cpu >= 0)
		err = set_cpus_allowed_ptr(current, cpumask_of(p->pin_cpu));
	if (err) {
		fsocket_pending_abort(p);
		return err;
	}
	for (i = 0; i < p->n; i++) {
		struct socket *sock = sock_from_file(p->fds[i].file);

		fsocket_stat_inc(sock_net(sock->sk), FSOCKET_STAT_SPAWN);
		fsocket_commit_fd(&p->fds[i]);
	}
	if (p->n)
		fsocket_client_spawned(p->client);
	fsocket_pending_release(p);
	return 0;
}

/* Nothing made is installed: the local listeners close unseen. */
void fsocket_pending_abort(struct fsocket_pending *p)
{
	unsigned int i;

	for (i = 0; i < p->n; i++)
		fsocket_abort_fd(&p->fds[i]);
	fsocket_pending_release(p);
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

	if (!fsocket_param(enable_listen_spawn) || !fsocket_steering())
		return ERR_PTR(-EOPNOTSUPP);
	global = fsocket_lookup_listener(fd);
	if (IS_ERR(global))
		return global;
	/* Watched first, so that a refusal leaves the socket as it was. */
	err = fsocket_group_add(global->sk);
	if (err) {
		sockfd_put(global);
		return ERR_PTR(err);
	}
	sock_set_reuseport(global->sk);
	return global;
}

/* LISTEN: the listener joins (or founds) a reuseport group. */
long fsocket_listen(struct fsocket_client *client,
		    struct fsocket_ioctl_arg *arg)
{
	struct socket *global = fsocket_group_listener(arg->fd);

	if (IS_ERR(global))
		return PTR_ERR(global);
	sockfd_put(global);
	return 0;
}

/*
 * SPAWN_LISTEN: a local listener for one CPU; returns its descriptor,
 * which the dispatcher installs once the answer is written (@p).
 */
long fsocket_spawn_listen(struct fsocket_ioctl_arg *arg,
			  struct fsocket_pending *p)
{
	struct socket *global;
	int cpu, ret;

	if (arg->op.spawn_op.reserved)
		return -EINVAL;
	global = fsocket_group_listener(arg->fd);
	if (IS_ERR(global))
		return PTR_ERR(global);

	mutex_lock(&fsocket_spawn_lock);
	cpu = fsocket_spawn_cpu(global->sk, arg->op.spawn_op.cpu);
	ret = cpu < 0 ? cpu : fsocket_spawn_fd(p->client, global, cpu, &p->one);
	mutex_unlock(&fsocket_spawn_lock);
	if (ret >= 0) {
		p->fds = &p->one;
		p->n = 1;
		p->pin_cpu = fsocket_pin_cpu(arg->op.spawn_op.cpu, cpu);
		arg->op.spawn_op.cpu = cpu;
	} else {
		fsocket_stat_inc(sock_net(global->sk), FSOCKET_STAT_ERROR);
	}
	fsocket_log(DEBUG, "spawn for fd %d on cpu %d: %d\n", arg->fd, cpu, ret);
	sockfd_put(global);
	return ret;
}

/* Does @sk share its reuseport group with another listener? */
bool fsocket_has_peer(struct sock *sk)
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
long fsocket_shutdown_listen(struct fsocket_client *client,
			     struct fsocket_ioctl_arg *arg)
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

/*
 * SPAWN_ALL_LISTEN: SPAWN_LISTEN for each of the caller's watched
 * listeners, all on one CPU, all or none: the descriptors wait in @p, and
 * the dispatcher installs them once every one was made and both answers
 * are written, else they are released unseen. The pairs are written after
 * the spawn lock is dropped: a user page that faults slowly (or never)
 * holds up nobody else's SPAWN.
 */
long fsocket_spawn_all_listen(struct fsocket_ioctl_arg *arg,
			      struct fsocket_pending *p)
{
	struct fsocket_spawn_all_op *op = &arg->op.spawn_all_op;
	struct fsocket_spawn_pair *pairs;
	unsigned int from = 0, n = 0;
	struct socket *global;
	int cpu = -1, ret = 0;

	if (!fsocket_param(enable_listen_spawn) || !fsocket_steering())
		return -EOPNOTSUPP;
	if (op->count > FSOCKET_SPAWN_ALL_MAX)
		return -EINVAL;
	p->fds = kcalloc(max(op->count, 1U), sizeof(*p->fds),
			 GFP_KERNEL_ACCOUNT);
	pairs = kcalloc(max(op->count, 1U), sizeof(*pairs), GFP_KERNEL_ACCOUNT);
	if (!p->fds || !pairs) {
		kfree(pairs);
		return -ENOMEM;
	}
	mutex_lock(&fsocket_spawn_lock);
	while (!ret && (global = fsocket_next_watched(&from))) {
		if (cpu < 0)
			cpu = fsocket_spawn_cpu(global->sk, op->cpu);
		if (cpu < 0)
			ret = cpu;
		else if (n == op->count)
			ret = -ENOSPC;
		else
			ret = fsocket_spawn_fd(p->client, global, cpu,
					       &p->fds[n]);
		if (ret >= 0) {
			pairs[n].global_fd = from - 1;
			pairs[n].local_fd = ret;
			p->n = ++n;
			ret = 0;
		}
		sockfd_put(global);
	}
	mutex_unlock(&fsocket_spawn_lock);
	if (!ret && n &&
	    copy_to_user(u64_to_user_ptr(op->pairs), pairs, n * sizeof(*pairs)))
		ret = -EFAULT;
	kfree(pairs);
	if (ret) {
		fsocket_stat_inc(current->nsproxy->net_ns, FSOCKET_STAT_ERROR);
		return ret;
	}
	p->pin_cpu = fsocket_pin_cpu(op->cpu, cpu);
	op->count = n;
	op->cpu = n ? cpu : FSOCKET_CPU_ANY;
	return n;
}
