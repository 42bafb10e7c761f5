// SPDX-License-Identifier: GPL-2.0
/*
 * The listeners the module watches. LISTEN and SPAWN_LISTEN register the
 * application's ("global") listener here. Its local listeners are the
 * other members of its SO_REUSEPORT group, so the group is read from the
 * kernel rather than kept twice.
 *
 * Nothing is lost when a worker dies: with net.ipv4.tcp_migrate_req the
 * kernel moves a closing listener's queue to another member of the group,
 * which the module turns on in each namespace that has a watched listener
 * (netns.c). The kernel does not wake
 * the receiving listener's waiters, though, so a sweep every
 * FSOCKET_SWEEP_MS wakes any member whose queue has not moved since the
 * previous sweep. The sweep also forgets listeners that stopped listening,
 * and hands a stalled worker's connections to the others (steal.c): it
 * runs every 10 ms or more often then, the wake-ups keeping their pace.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/slab.h>
#include <linux/uidgid.h>
#include <linux/workqueue.h>
#include <net/inet_connection_sock.h>
#include <net/inet_sock.h>
#include <net/sock.h>
#include <net/sock_reuseport.h>
#include <net/tcp_states.h>

#include "compat.h"
#include "fastsocket.h"
#include "log.h"
#include "params.h"

#define FSOCKET_SWEEP_MS 100

struct fsocket_group {
	struct list_head node;
	struct sock *global;		/* held */
	kuid_t uid;			/* its owner, for the caps */
	unsigned int foreign;		/* members the module did not make */
	/*
	 * The local listener (held) whose stalled worker's CPU the global
	 * listener serves meanwhile, since when, and its accepts then.
	 */
	struct sock *lent;
	unsigned long lent_at;
	unsigned long lent_accepts;
	/*
	 * Member listeners and their queue heads at the previous sweep, what
	 * stealing watches of them, and the local listeners a steal holds
	 * meanwhile with the bound for each.
	 */
	struct {
		const struct sock *sk;
		const struct request_sock *head;
		struct fsocket_head_watch watch;
		struct sock *held;
		struct fsocket_head_watch *held_watch;	/* or NULL */
		unsigned long held_bound;
	} seen[];
};

static LIST_HEAD(fsocket_groups);
static atomic_t fsocket_wake_all = ATOMIC_INIT(0);
static unsigned int fsocket_nr_groups;
/* Foreign members of all groups at the last sweep. */
static unsigned int fsocket_nr_foreign;
static DEFINE_MUTEX(fsocket_groups_lock);
/* When the sweep next looks for stranded queues (jiffies). */
static unsigned long fsocket_next_wake;

static void fsocket_sweep(struct work_struct *work);
static DECLARE_DELAYED_WORK(fsocket_sweep_work, fsocket_sweep);

/*
 * While stealing is on: four times per steal bound, so that a stall is
 * seen soon after the bound, and at least every FSOCKET_STEAL_SWEEP_MS,
 * so that a stalled worker's new connections wait no longer than that.
 * Every FSOCKET_STEAL_IDLE_MS while a local queue held something at the
 * last sweep (@queued): a stall on an idle CPU is told by two sweeps that
 * see the same head (steal.c), and an idle server keeps the slower pace.
 */
#define FSOCKET_STEAL_SWEEP_MS 10

static void fsocket_sweep_schedule(bool queued)
{
	unsigned long delay = msecs_to_jiffies(FSOCKET_SWEEP_MS);
	unsigned long steal = fsocket_steal_after();

	if (steal)
		delay = queued ? msecs_to_jiffies(FSOCKET_STEAL_IDLE_MS) :
			clamp(min(steal / 4,
				  msecs_to_jiffies(FSOCKET_STEAL_SWEEP_MS)),
			      1UL, delay);
	schedule_delayed_work(&fsocket_sweep_work, delay);
}

static struct fsocket_group *fsocket_group_find(const struct sock *sk)
{
	struct fsocket_group *g;

	list_for_each_entry(g, &fsocket_groups, node)
		if (g->global == sk)
			return g;
	return NULL;
}

/*
 * Room for one more watched listener of @sk's owner and namespace? The
 * caps bound what one user (or one container) makes the module keep, as
 * inotify bounds watches: past one, LISTEN fails with ENOSPC and the
 * listener stays on the plain kernel path.
 */
static int fsocket_group_room(const struct sock *sk)
{
	unsigned int user = 0, net = 0;
	struct fsocket_group *g;

	list_for_each_entry(g, &fsocket_groups, node) {
		if (uid_eq(g->uid, sk->sk_uid))
			user++;
		if (net_eq(sock_net(g->global), sock_net(sk)))
			net++;
	}
	if (user >= (unsigned int)fsocket_param(max_listeners_per_user)) {
		fsocket_log(WARN, "uid %u: max_listeners_per_user (%u) reached, left plain\n",
			    from_kuid_munged(&init_user_ns, sk->sk_uid), user);
		return -ENOSPC;
	}
	if (net >= (unsigned int)fsocket_param(max_listeners_per_netns)) {
		fsocket_log(WARN, "max_listeners_per_netns (%u) reached, listener left plain\n",
			    net);
		return -ENOSPC;
	}
	return 0;
}

/* Watch @sk, a listener in a reuseport group; idempotent. */
int fsocket_group_add(struct sock *sk)
{
	struct fsocket_group *g;
	int err = 0;

	mutex_lock(&fsocket_groups_lock);
	if (fsocket_group_find(sk))
		goto unlock;
	err = fsocket_group_room(sk);
	if (err)
		goto unlock;
	/*
	 * Room for a local listener per CPU and the global one, charged to
	 * the caller's memory cgroup. At the cgroup's limit it fails rather
	 * than call its OOM killer (__GFP_NORETRY): the listener can stay
	 * plain, which is no reason to kill a process.
	 */
	g = kzalloc(struct_size(g, seen, nr_cpu_ids + 1),
		    GFP_KERNEL_ACCOUNT | __GFP_NORETRY);
	if (!g) {
		fsocket_log(WARN, "no memory to watch a listener (cgroup limit?), left plain\n");
		err = -ENOMEM;
		goto unlock;
	}
	sock_hold(sk);
	g->global = sk;
	g->uid = sk->sk_uid;
	list_add(&g->node, &fsocket_groups);
	if (fsocket_nr_groups++ == 0)
		fsocket_sweep_schedule(false);
	fsocket_net_adopt(sock_net(sk));
unlock:
	mutex_unlock(&fsocket_groups_lock);
	return err;
}

/* @g's lent CPU goes back to its local listener. */
static void fsocket_group_give_back(struct fsocket_group *g)
{
	if (!g->lent)
		return;
	fsocket_client_give_back(g->lent);
	sock_put(g->lent);
	g->lent = NULL;
}

static void fsocket_group_free(struct fsocket_group *g)
{
	fsocket_group_give_back(g);
	/* Nobody would look after its paused local listeners any more. */
	fsocket_client_each_paused(g->global, fsocket_paused_resume);
	list_del(&g->node);
	fsocket_nr_groups--;
	sock_put(g->global);
	kfree(g);
}

/* Is @sk a listener that went through LISTEN or SPAWN_LISTEN? */
bool fsocket_group_watched(const struct sock *sk)
{
	bool watched;

	mutex_lock(&fsocket_groups_lock);
	watched = fsocket_group_find(sk);
	mutex_unlock(&fsocket_groups_lock);
	return watched;
}

unsigned int fsocket_group_count(void)
{
	return READ_ONCE(fsocket_nr_groups);
}

/*
 * @sk's reuseport group, in @reuse, and how many members it has; under
 * the RCU read lock, which the caller holds while it reads them.
 */
static unsigned int fsocket_members(const struct sock *sk,
				    struct sock_reuseport **reuse)
{
	*reuse = rcu_dereference(sk->sk_reuseport_cb);
	if (!*reuse)
		return 0;
	return min_t(unsigned int, READ_ONCE((*reuse)->num_socks),
		     (*reuse)->max_socks);
}

unsigned int fsocket_group_foreign_count(void)
{
	return READ_ONCE(fsocket_nr_foreign);
}

/* The same two counts for @net's listeners alone. */
void fsocket_group_count_net(const struct net *net, unsigned int *listeners,
			     unsigned int *foreign)
{
	struct fsocket_group *g;

	*listeners = 0;
	*foreign = 0;
	mutex_lock(&fsocket_groups_lock);
	list_for_each_entry(g, &fsocket_groups, node) {
		if (!net_eq(sock_net(g->global), net))
			continue;
		(*listeners)++;
		*foreign += g->foreign;
	}
	mutex_unlock(&fsocket_groups_lock);
}

/*
 * Counts @g's members that are neither its global listener nor one of
 * its local listeners: a socket of the same user that set SO_REUSEPORT
 * itself and bound the port, which the plain kernel would have refused
 * (EADDRINUSE) had the application not left SO_REUSEPORT to the module.
 * The kernel offers no hook to refuse it; the module hands it nothing
 * (fsocket_group_hold_locals()), counts it, and says so once per group.
 */
static unsigned int fsocket_group_foreign(struct fsocket_group *g)
{
	struct sock_reuseport *reuse;
	unsigned int i, n, foreign = 0;

	rcu_read_lock();
	n = fsocket_members(g->global, &reuse);
	for (i = 0; i < n; i++) {
		struct sock *sk = READ_ONCE(reuse->socks[i]);

		foreign += sk && sk != g->global && !fsocket_local_ops_is(sk);
	}
	rcu_read_unlock();
	if (foreign && !g->foreign)
		fsocket_log(WARN, "port %u (uid %u): %u foreign listener(s) joined, no stealing\n",
			    ntohs(inet_sk(g->global)->inet_sport),
			    from_kuid_munged(&init_user_ns, g->uid), foreign);
	g->foreign = foreign;
	return foreign;
}

/*
 * Adds, per CPU, the local listeners of @sk's reuseport group to @count;
 * and into @newest, if given, the latest opening order of their makers.
 */
void fsocket_locals_count(struct sock *sk, unsigned int *count, u64 *newest)
{
	struct sock_reuseport *reuse;
	struct sock *member;
	unsigned int i, n;
	int cpu;

	rcu_read_lock();
	n = fsocket_members(sk, &reuse);
	for (i = 0; i < n; i++) {
		member = reuse->socks[i];
		cpu = fsocket_client_cpu_of(member);
		if (member == sk || cpu < 0 || cpu >= nr_cpu_ids)
			continue;
		count[cpu]++;
		if (newest)
			newest[cpu] = max(newest[cpu], fsocket_client_seq_of(member));
	}
	fsocket_client_count_paused(sk, count, newest);
	rcu_read_unlock();
}

/* The same over every watched listener. */
void fsocket_groups_locals_count(unsigned int *count)
{
	struct fsocket_group *g;

	mutex_lock(&fsocket_groups_lock);
	list_for_each_entry(g, &fsocket_groups, node) {
		fsocket_locals_count(g->global, count, NULL);
		cond_resched();
	}
	mutex_unlock(&fsocket_groups_lock);
}

/*
 * Had @child, a connection taken from the global listener @global, a
 * listener of its CPU other than @global to go to? Not while its local
 * listener was paused, lent after a steal (its SO_INCOMING_CPU is then
 * @global's) or not made yet: the kernel queued it on @global by design.
 * A connection of no known CPU counts as served.
 */
bool fsocket_cpu_served(const struct sock *global, const struct sock *child)
{
	int cpu = READ_ONCE(child->sk_incoming_cpu);
	struct sock_reuseport *reuse;
	bool served = cpu < 0;
	unsigned int i, n;

	rcu_read_lock();
	n = fsocket_members(global, &reuse);
	for (i = 0; i < n && !served; i++) {
		const struct sock *sk = READ_ONCE(reuse->socks[i]);

		served = sk && sk != global &&
			 READ_ONCE(sk->sk_incoming_cpu) == cpu;
	}
	rcu_read_unlock();
	return served;
}

/* Was @head at the front of @sk's queue at the previous sweep? */
static bool fsocket_group_stranded(struct fsocket_group *g, unsigned int i,
				   const struct sock *sk,
				   const struct request_sock *head)
{
	bool stranded;

	/* More members than slots: wake any with a queue, not the idle. */
	if (i >= nr_cpu_ids + 1)
		return head;
	stranded = head && g->seen[i].sk == sk && g->seen[i].head == head;
	g->seen[i].sk = sk;
	g->seen[i].head = head;
	return stranded;
}

/*
 * Wake the waiters of members whose queue did not move for a sweep, or of
 * every member with a queue when @all.
 */
static void fsocket_group_sweep(struct fsocket_group *g, bool all)
{
	struct sock_reuseport *reuse;
	unsigned int i, n;

	rcu_read_lock();
	n = fsocket_members(g->global, &reuse);
	for (i = 0; i < n; i++) {
		struct sock *sk = READ_ONCE(reuse->socks[i]);
		const struct request_sock *head;

		if (!sk)
			continue;
		head = READ_ONCE(inet_csk(sk)->icsk_accept_queue.rskq_accept_head);
		if (!fsocket_group_stranded(g, i, sk, head) && !(all && head))
			continue;
		local_bh_disable();
		sk->sk_data_ready(sk);
		local_bh_enable();
		fsocket_stat_inc(sock_net(sk), FSOCKET_STAT_WAKEUP);
	}
	rcu_read_unlock();
}

/* The steal bound of @g's held listener @h, member @i. Under RCU. */
static void fsocket_group_bound(struct fsocket_group *g, unsigned int h,
				unsigned int i, unsigned long bound)
{
	/* A member past the slots has no watch: the long bound. */
	struct fsocket_head_watch *w = i < nr_cpu_ids + 1 ?
				       &g->seen[i].watch : NULL;

	g->seen[h].held_watch = w;
	g->seen[h].held_bound = w ? fsocket_steal_bound(w, g->seen[h].held, bound) :
			       bound * FSOCKET_STEAL_BEHIND;
}

/*
 * Holds @g's local listeners that have a queue (all of them with @all),
 * in g->seen[].held, with the bound for each when stealing (steal.c);
 * returns how many, or 0 when the group has a member that is neither:
 * another application listener (its own SO_REUSEPORT listeners per
 * worker), whose owner the module cannot tell apart from a stalled
 * worker's, so their connections stay where the kernel put them, as
 * without fastsocket.
 */
static unsigned int fsocket_group_hold_locals(struct fsocket_group *g,
					      unsigned long bound, bool all)
{
	struct sock_reuseport *reuse;
	unsigned int i, n, held = 0;

	rcu_read_lock();
	n = fsocket_members(g->global, &reuse);
	for (i = 0; i < n && held < nr_cpu_ids + 1; i++) {
		struct sock *sk = READ_ONCE(reuse->socks[i]);

		if (!sk || sk == g->global)
			continue;
		if (!fsocket_local_ops_is(sk)) {
			while (held)
				sock_put(g->seen[--held].held);
			break;
		}
		if ((!all && reqsk_queue_empty(&inet_csk(sk)->icsk_accept_queue)) ||
		    !refcount_inc_not_zero(&sk->sk_refcnt))
			continue;
		g->seen[held].held = sk;
		if (!all)
			fsocket_group_bound(g, held, i, bound);
		held++;
	}
	rcu_read_unlock();
	return held;
}

static unsigned long fsocket_group_accepts(const struct sock *sk)
{
	unsigned long accepts;

	rcu_read_lock();
	accepts = fsocket_client_accepts(sk);
	rcu_read_unlock();
	return accepts;
}

/*
 * The stalled worker of the local listener @sk lost its whole queue: its
 * CPU's new connections go to the global listener, one CPU per group
 * (the global listener has one SO_INCOMING_CPU).
 */
static void fsocket_group_lend(struct fsocket_group *g, struct sock *sk)
{
	if (g->lent || fsocket_client_lend(sk))
		return;
	sock_hold(sk);
	g->lent = sk;
	g->lent_at = jiffies;
	g->lent_accepts = fsocket_group_accepts(sk);
}

/*
 * Back once its worker accepts again, or its listener stops, or after
 * @bound (0: stealing was turned off): a worker that was continued but
 * finds the global listener's connections taken by others does not
 * accept, and its CPU's connections would stay away from it. If it is
 * still stalled, the next one to arrive is stolen at the next sweep and
 * the CPU lent again.
 */
static void fsocket_group_return(struct fsocket_group *g, unsigned long bound)
{
	struct sock *sk = g->lent;

	if (sk && (!bound || time_after_eq(jiffies, g->lent_at + bound) ||
		   READ_ONCE(sk->sk_state) != TCP_LISTEN ||
		   fsocket_group_accepts(sk) != g->lent_accepts))
		fsocket_group_give_back(g);
}

/*
 * Hands @g's local connections that waited long enough to the global;
 * returns whether a local queue held any.
 */
static bool fsocket_group_steal(struct fsocket_group *g, unsigned long bound)
{
	unsigned int i, held;

	fsocket_group_return(g, bound);
	held = fsocket_group_hold_locals(g, bound, false);
	for (i = 0; i < held; i++) {
		struct sock *sk = g->seen[i].held;

		if (fsocket_steal(sk, g->global, g->seen[i].held_bound)) {
			if (g->seen[i].held_watch)
				g->seen[i].held_watch->moved = true;
			if (!g->seen[i].held_bound)
				fsocket_group_lend(g, sk);
		}
		sock_put(sk);
		g->seen[i].held = NULL;
	}
	return held;
}

/*
 * Pauses @g's local listeners whose workers took them out of every epoll
 * and wait on them no other way, and resumes or empties those paused
 * before (pause.c).
 */
static void fsocket_group_pause(struct fsocket_group *g)
{
	unsigned int i, held = fsocket_group_hold_locals(g, 0, true);

	for (i = 0; i < held; i++) {
		struct sock *sk = g->seen[i].held;

		if (fsocket_client_left_epoll(sk))
			fsocket_local_pause(sk, NULL);
		sock_put(sk);
		g->seen[i].held = NULL;
	}
	fsocket_client_each_paused(g->global, fsocket_paused_sweep);
}

static void fsocket_sweep(struct work_struct *work)
{
	bool all = atomic_xchg(&fsocket_wake_all, 0);
	unsigned long steal = fsocket_steal_after();
	struct fsocket_group *g, *next;
	bool wake = all || time_after_eq(jiffies, fsocket_next_wake);
	unsigned int foreign = 0;
	bool queued = false;

	if (wake)
		fsocket_next_wake = jiffies + msecs_to_jiffies(FSOCKET_SWEEP_MS);
	mutex_lock(&fsocket_groups_lock);
	list_for_each_entry_safe(g, next, &fsocket_groups, node) {
		if (READ_ONCE(g->global->sk_state) != TCP_LISTEN) {
			fsocket_group_free(g);
			continue;
		}
		if (wake)
			foreign += fsocket_group_foreign(g);
		else
			foreign += g->foreign;
		fsocket_group_pause(g);
		if (steal && fsocket_group_steal(g, steal))
			queued = true;
		else if (!steal)
			fsocket_group_give_back(g);
		if (wake)
			fsocket_group_sweep(g, all);
		cond_resched();
	}
	WRITE_ONCE(fsocket_nr_foreign, foreign);
	if (fsocket_nr_groups)
		fsocket_sweep_schedule(queued);
	mutex_unlock(&fsocket_groups_lock);
}

/* A listener was shut down: wake whoever received its queue, now. */
void fsocket_groups_wake(void)
{
	atomic_set(&fsocket_wake_all, 1);
	mod_delayed_work(fsocket_system_wq(), &fsocket_sweep_work, 0);
}

void fsocket_groups_exit(void)
{
	struct fsocket_group *g, *next;

	cancel_delayed_work_sync(&fsocket_sweep_work);
	mutex_lock(&fsocket_groups_lock);
	list_for_each_entry_safe(g, next, &fsocket_groups, node)
		fsocket_group_free(g);
	mutex_unlock(&fsocket_groups_lock);
}
