// SPDX-License-Identifier: GPL-2.0
/*
 * What each open /dev/fastsocket did: its local and global accepts, and
 * the connections stolen from the local listeners it made (steal.c). The
 * library opens the device once per process (again in a child after
 * fork), so these are a process's own counts, which fastsocketctl status
 * reads from the descriptor's /proc/PID/fdinfo as it reads any other
 * descriptor's. Per-CPU, as the namespace's counters: threads of one
 * server share no cache line to count.
 *
 * A local listener may outlive the open device that made it (a child
 * keeps it, or the device is closed first), so each holds a reference on
 * its maker, found by the socket in a table of owners rather than in the
 * socket itself: sk_user_data belongs to whoever else uses the socket
 * (a BPF sockmap, a reuseport array). The same note holds the global
 * listener it was spawned from open, for accept(2) on it (accept.c), as
 * the library's own copy of that descriptor did.
 *
 * While its worker is stalled, a local listener may lend its CPU's
 * connections to its global listener (fsocket_client_lend()). The note
 * holds what that needs: the local listener's socket, which it outlives
 * only under the mutex (release disowns it first), and its CPU, which
 * its SO_INCOMING_CPU then no longer says.
 *
 * It also says whether the local listener was ever seen in an epoll, and
 * whether it is paused since its worker took it out of them, and since
 * when (pause.c).
 */
#include <linux/atomic.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/hashtable.h>
#include <linux/jiffies.h>
#include <linux/kref.h>
#include <linux/mutex.h>
#include <linux/rcupdate.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <net/sock.h>

#include "compat.h"
#include "fastsocket.h"

struct fsocket_client {
	struct kref ref;
	u64 seq;		/* the order of opening: a later process's is larger */
	struct fsocket_stats __percpu *count;
	/* Local listeners installed, and ACCEPTs waiting for the next. */
	atomic_t spawns;
	wait_queue_head_t spawned;
};

static atomic64_t fsocket_client_seq = ATOMIC64_INIT(0);

/* The counts shown, in the names of /proc/net/fastsocket's columns. */
static const enum fsocket_stat fsocket_client_stats[] = {
	FSOCKET_STAT_LOCAL_ACCEPT,
	FSOCKET_STAT_GLOBAL_ACCEPT,
	FSOCKET_STAT_STEAL,
};

/* Found under the mutex, or under RCU for what it holds (spawn, accept). */
struct fsocket_owner {
	struct hlist_node node;
	struct rcu_head rcu;
	const struct sock *sk;		/* a local listener */
	struct socket *sock;		/* @sk's, while the note is listed */
	struct fsocket_client *client;	/* held */
	struct file *global;		/* held: where @sk was spawned from */
	u64 seq;			/* the client's */
	unsigned long accepts;		/* accepts on @sk: signs of life */
	int cpu;			/* @sk's CPU */
	bool lent;			/* @global has @cpu's connections */
	bool epolled;			/* seen in an epoll */
	bool out_once;			/* in none at the last sweep */
	bool in_once;			/* paused, in one at the last sweep */
	bool paused_before;		/* paused by its worker before */
	bool churning;			/* and twice within a short time */
	unsigned long paused_at;	/* jiffies of its worker's last pause */
	bool paused;			/* under @sk's socket lock */
};

static DEFINE_HASHTABLE(fsocket_owners, 8);
static DEFINE_MUTEX(fsocket_owners_lock);
/* Notes with paused set: the sweep looks for them only when there are. */
static atomic_t fsocket_nr_paused = ATOMIC_INIT(0);

int fsocket_client_open(struct inode *inode, struct file *filp)
{
	struct fsocket_client *client;

	client = kzalloc(sizeof(*client), GFP_KERNEL_ACCOUNT);
	if (!client)
		return -ENOMEM;
	client->count = fsocket_stats_alloc();
	if (!client->count) {
		kfree(client);
		return -ENOMEM;
	}
	kref_init(&client->ref);
	client->seq = atomic64_inc_return(&fsocket_client_seq);
	atomic_set(&client->spawns, 0);
	init_waitqueue_head(&client->spawned);
	filp->private_data = client;
	return 0;
}

static void fsocket_client_free(struct kref *ref)
{
	struct fsocket_client *client =
		container_of(ref, struct fsocket_client, ref);

	fsocket_stats_free(client->count);
	kfree(client);
}

int fsocket_client_release(struct inode *inode, struct file *filp)
{
	struct fsocket_client *client = filp->private_data;

	kref_put(&client->ref, fsocket_client_free);
	return 0;
}

void fsocket_client_count(struct fsocket_client *client,
			  enum fsocket_stat stat)
{
	fsocket_stats_inc(client->count, stat, 1);
}

/*
 * @client installed local listeners: an ACCEPT of its waiting for that
 * (FSOCKET_ACCEPT_SPAWN_WAKES) ends. Every one of its waiters wakes; it
 * is one process's, and spawns are rare.
 */
void fsocket_client_spawned(struct fsocket_client *client)
{
	atomic_inc(&client->spawns);
	wake_up_interruptible_all(&client->spawned);
}

/* How many times @client installed local listeners. */
unsigned int fsocket_client_spawns(const struct fsocket_client *client)
{
	return atomic_read(&client->spawns);
}

/* Where to wait for @client's next spawn. */
wait_queue_head_t *fsocket_client_spawn_wait(struct fsocket_client *client)
{
	return &client->spawned;
}

/* @client made the local listener @local for @cpu from the listener @global. */
int fsocket_client_owns(struct fsocket_client *client, struct socket *local,
			int cpu, struct file *global)
{
	struct fsocket_owner *owner;

	owner = kzalloc(sizeof(*owner), GFP_KERNEL_ACCOUNT);
	if (!owner)
		return -ENOMEM;
	owner->sk = local->sk;
	owner->sock = local;
	owner->cpu = cpu;
	owner->client = client;
	owner->global = get_file(global);
	owner->seq = client->seq;
	kref_get(&client->ref);
	mutex_lock(&fsocket_owners_lock);
	hash_add_rcu(fsocket_owners, &owner->node, (unsigned long)owner->sk);
	mutex_unlock(&fsocket_owners_lock);
	return 0;
}

/* Under rcu_read_lock(). */
static struct fsocket_owner *fsocket_owner_find_rcu(const struct sock *sk)
{
	struct fsocket_owner *owner;

	hash_for_each_possible_rcu(fsocket_owners, owner, node, (unsigned long)sk)
		if (owner->sk == sk)
			return owner;
	return NULL;
}

/* Under the mutex, which keeps the note found after the RCU walk. */
static struct fsocket_owner *fsocket_owner_find(const struct sock *sk)
{
	struct fsocket_owner *owner;

	lockdep_assert_held(&fsocket_owners_lock);
	rcu_read_lock();
	owner = fsocket_owner_find_rcu(sk);
	rcu_read_unlock();
	return owner;
}

static void fsocket_owner_give_back(struct fsocket_owner *owner, bool closing);

/* The local listener @sk is closing: its maker is no longer its owner. */
void fsocket_client_disown(const struct sock *sk)
{
	struct fsocket_owner *owner;

	mutex_lock(&fsocket_owners_lock);
	owner = fsocket_owner_find(sk);
	if (owner) {
		fsocket_owner_give_back(owner, true);
		if (owner->paused)
			atomic_dec(&fsocket_nr_paused);
		hash_del_rcu(&owner->node);
	}
	mutex_unlock(&fsocket_owners_lock);
	if (!owner)
		return;
	fput(owner->global);
	kref_put(&owner->client->ref, fsocket_client_free);
	kfree_rcu(owner, rcu);
}

/*
 * The global listener the local listener @sk was spawned from, and its
 * maker in *@client; NULL when not noted. For accept(2) on @sk, which
 * holds @sk open: the note goes only with @sk's release. @accepting:
 * counted as a sign of life of @sk's worker, for the sweep (steal.c).
 */
static struct socket *fsocket_client_note_of(const struct sock *sk,
					     struct fsocket_client **client,
					     bool accepting)
{
	struct fsocket_owner *owner;
	struct socket *global = NULL;

	rcu_read_lock();
	owner = fsocket_owner_find_rcu(sk);
	if (owner) {
		*client = owner->client;
		global = sock_from_file(owner->global);
		if (accepting)
			WRITE_ONCE(owner->accepts, owner->accepts + 1);
	}
	rcu_read_unlock();
	return global;
}

struct socket *fsocket_client_global_of(const struct sock *sk,
					struct fsocket_client **client)
{
	return fsocket_client_note_of(sk, client, false);
}

/* The same for an accept on @sk, which its worker is alive to make. */
struct socket *fsocket_client_accepting(const struct sock *sk,
					struct fsocket_client **client)
{
	return fsocket_client_note_of(sk, client, true);
}

/* How many accepts @sk has had (0 when not noted). Under rcu_read_lock(). */
unsigned long fsocket_client_accepts(const struct sock *sk)
{
	const struct fsocket_owner *owner = fsocket_owner_find_rcu(sk);

	return owner ? READ_ONCE(owner->accepts) : 0;
}

/*
 * The opening order of the process that made the local listener @sk (0
 * when not noted), for spawn's choice of a CPU. Under rcu_read_lock().
 */
u64 fsocket_client_seq_of(const struct sock *sk)
{
	const struct fsocket_owner *owner = fsocket_owner_find_rcu(sk);

	return owner ? owner->seq : 0;
}

/*
 * The CPU the local listener @sk was made for, or else its SO_INCOMING_CPU
 * (a member the module did not make). Under rcu_read_lock().
 */
int fsocket_client_cpu_of(const struct sock *sk)
{
	const struct fsocket_owner *owner = fsocket_owner_find_rcu(sk);

	return owner ? owner->cpu : READ_ONCE(sk->sk_incoming_cpu);
}

/*
 * Lending. The kernel hands a connection to the member of the group whose
 * SO_INCOMING_CPU is the CPU that processed its SYN. Moved from a stalled
 * worker's local listener to its global listener, that mark sends the
 * CPU's new connections where every worker looks, as a plain shared
 * listener would have, instead of to a queue that the sweep empties a
 * tick later. The global listener takes it first and the local listener
 * gives it up second, and back in the other order, so that the group
 * never looks unsteered (its count of marked members stays above 0).
 * Only a global listener without a mark of its own is lent to: the
 * application may have set one (the library passes SO_INCOMING_CPU on
 * to it), and it is not reset unless it is still ours.
 */
static int fsocket_owner_mark(struct socket *sock, int cpu)
{
	return fsocket_set_int(sock, SOL_SOCKET, SO_INCOMING_CPU, cpu);
}

/* Under the mutex. @closing: the local listener keeps no mark. */
static void fsocket_owner_give_back(struct fsocket_owner *owner, bool closing)
{
	struct socket *global = sock_from_file(owner->global);

	if (!owner->lent)
		return;
	if (!closing)
		fsocket_owner_mark(owner->sock, owner->cpu);
	if (READ_ONCE(global->sk->sk_incoming_cpu) == owner->cpu)
		fsocket_owner_mark(global, -1);
	owner->lent = false;
}

/*
 * The global listener takes the local listener @sk's CPU's connections;
 * returns 0, -ENOENT (not noted), -EALREADY, or -EBUSY (the global has a
 * mark).
 */
int fsocket_client_lend(const struct sock *sk)
{
	struct fsocket_owner *owner;
	struct socket *global;
	int err = -ENOENT;

	mutex_lock(&fsocket_owners_lock);
	owner = fsocket_owner_find(sk);
	if (!owner)
		goto unlock;
	global = sock_from_file(owner->global);
	err = owner->lent ? -EALREADY : 0;
	if (!err && READ_ONCE(global->sk->sk_incoming_cpu) >= 0)
		err = -EBUSY;
	if (!err)
		err = fsocket_owner_mark(global, owner->cpu);
	if (err)
		goto unlock;
	err = fsocket_owner_mark(owner->sock, -1);
	if (err)
		fsocket_owner_mark(global, -1);
	else
		owner->lent = true;
unlock:
	mutex_unlock(&fsocket_owners_lock);
	return err;
}

/* The local listener @sk takes its CPU's connections again, if lent. */
void fsocket_client_give_back(const struct sock *sk)
{
	struct fsocket_owner *owner;

	mutex_lock(&fsocket_owners_lock);
	owner = fsocket_owner_find(sk);
	if (owner)
		fsocket_owner_give_back(owner, false);
	mutex_unlock(&fsocket_owners_lock);
}

/* @n connections were stolen from the local listener @sk. */
void fsocket_client_stolen(const struct sock *sk, unsigned int n)
{
	struct fsocket_owner *owner;

	mutex_lock(&fsocket_owners_lock);
	owner = fsocket_owner_find(sk);
	if (owner)
		fsocket_stats_inc(owner->client->count, FSOCKET_STAT_STEAL, n);
	mutex_unlock(&fsocket_owners_lock);
}

/*
 * Pausing (pause.c). The flag is written under @sk's socket lock, so a
 * pause, a resume and a stop of the same listener see each other's.
 * Returns -ENOENT when @sk is not noted.
 */
int fsocket_client_set_paused(const struct sock *sk, bool paused)
{
	struct fsocket_owner *owner;
	int err = -ENOENT;

	rcu_read_lock();
	owner = fsocket_owner_find_rcu(sk);
	if (owner) {
		if (owner->paused != paused)
			atomic_add(paused ? 1 : -1, &fsocket_nr_paused);
		WRITE_ONCE(owner->in_once, false);
		WRITE_ONCE(owner->paused, paused);
		err = 0;
	}
	rcu_read_unlock();
	return err;
}

/*
 * The worker of the local listener @sk paused it (PAUSE_LOCAL), now or
 * before: churning if it did so within FSOCKET_PAUSE_CHURN_MS before.
 * Under @sk's socket lock.
 */
void fsocket_client_worker_paused(const struct sock *sk)
{
	unsigned long churn = msecs_to_jiffies(FSOCKET_PAUSE_CHURN_MS);
	struct fsocket_owner *owner;

	rcu_read_lock();
	owner = fsocket_owner_find_rcu(sk);
	if (owner) {
		WRITE_ONCE(owner->churning, READ_ONCE(owner->paused_before) &&
			   time_before(jiffies, READ_ONCE(owner->paused_at) + churn));
		WRITE_ONCE(owner->paused_at, jiffies);
		WRITE_ONCE(owner->paused_before, true);
	}
	rcu_read_unlock();
}

bool fsocket_client_paused(const struct sock *sk)
{
	const struct fsocket_owner *owner;
	bool paused;

	rcu_read_lock();
	owner = fsocket_owner_find_rcu(sk);
	paused = owner && READ_ONCE(owner->paused);
	rcu_read_unlock();
	return paused;
}

/* An epoll took the local listener @sk in (local_ops.c). */
void fsocket_client_epolled(const struct sock *sk)
{
	struct fsocket_owner *owner;

	rcu_read_lock();
	owner = fsocket_owner_find_rcu(sk);
	if (owner && !READ_ONCE(owner->epolled))
		WRITE_ONCE(owner->epolled, true);
	rcu_read_unlock();
}

/*
 * Was the local listener @sk seen in an epoll before, and in none at this
 * sweep and the one before? A worker that never watched it in epoll (one
 * that blocks in accept(), or polls) is left alone: between two accepts
 * it is in none either. Two sweeps, because nginx takes its listener out
 * and adds it back every 16 accepts: a sweep may fall in between when the
 * worker is preempted there (under emulation, often), and the pause would
 * send its CPU's connections to the others for nothing.
 */
bool fsocket_client_left_epoll(const struct sock *sk)
{
	struct fsocket_owner *owner;
	bool left = false, in_epoll;

	mutex_lock(&fsocket_owners_lock);
	owner = fsocket_owner_find(sk);
	if (owner && owner->sock->file) {
		in_epoll = fsocket_file_in_epoll(owner->sock->file);
		if (in_epoll)
			WRITE_ONCE(owner->epolled, true);
		left = READ_ONCE(owner->epolled) && !in_epoll;
		if (left && !owner->out_once) {
			owner->out_once = true;
			left = false;
		} else if (!left) {
			owner->out_once = false;
		}
	}
	mutex_unlock(&fsocket_owners_lock);
	return left;
}

/*
 * Looks at the paused @owner's epolls; under the mutex. Settled: in one
 * at this sweep and the one before, and not churning, or churning no
 * more (no pause for FSOCKET_PAUSE_CHURN_MS).
 */
static enum fsocket_look fsocket_owner_look(struct fsocket_owner *owner)
{
	unsigned long calm = READ_ONCE(owner->paused_at) +
			     msecs_to_jiffies(FSOCKET_PAUSE_CHURN_MS);
	bool in_epoll = fsocket_file_in_epoll(owner->sock->file);
	bool before = READ_ONCE(owner->in_once);

	WRITE_ONCE(owner->in_once, in_epoll);
	if (!in_epoll)
		return FSOCKET_LOOK_OUT;
	if (before && (!READ_ONCE(owner->churning) ||
		       time_after_eq(jiffies, calm)))
		return FSOCKET_LOOK_IN;
	return FSOCKET_LOOK_IN_NEW;
}

/*
 * Calls @fn on the paused local listeners spawned from @global, with
 * what this sweep saw of each one's epolls. They are collected under the
 * mutex and handed to @fn after it, held: @fn takes their socket lock,
 * and a worker's PAUSE_LOCAL must not wait for the sweep meanwhile.
 * Without memory for the list, the next sweep tries again.
 */
void fsocket_client_each_paused(const struct sock *global,
				void (*fn)(struct sock *sk,
					   enum fsocket_look look))
{
	unsigned int room = atomic_read(&fsocket_nr_paused), bkt, n = 0, i;
	struct fsocket_paused {
		struct sock *sk;
		enum fsocket_look look;
	} *batch;
	struct fsocket_owner *owner;

	if (!room)
		return;
	batch = kmalloc_array(room, sizeof(*batch), GFP_KERNEL);
	if (!batch)
		return;
	mutex_lock(&fsocket_owners_lock);
	hash_for_each(fsocket_owners, bkt, owner, node) {
		if (n == room)
			break;
		if (!READ_ONCE(owner->paused) ||
		    sock_from_file(owner->global)->sk != global)
			continue;
		batch[n].sk = owner->sock->sk;
		batch[n].look = fsocket_owner_look(owner);
		sock_hold(batch[n++].sk);
	}
	mutex_unlock(&fsocket_owners_lock);
	for (i = 0; i < n; i++) {
		fn(batch[i].sk, batch[i].look);
		sock_put(batch[i].sk);
	}
	kfree(batch);
}

/*
 * Adds, per CPU, the paused local listeners spawned from @global to
 * @count, and their makers' opening order into @newest: a paused
 * worker's CPU is still its own for spawn's choice. Under
 * rcu_read_lock().
 */
void fsocket_client_count_paused(const struct sock *global,
				 unsigned int *count, u64 *newest)
{
	const struct fsocket_owner *owner;
	unsigned int bkt;

	if (!atomic_read(&fsocket_nr_paused))
		return;
	hash_for_each_rcu(fsocket_owners, bkt, owner, node) {
		if (!READ_ONCE(owner->paused) || owner->cpu < 0 ||
		    owner->cpu >= nr_cpu_ids ||
		    sock_from_file(owner->global)->sk != global)
			continue;
		count[owner->cpu]++;
		if (newest)
			newest[owner->cpu] = max(newest[owner->cpu], owner->seq);
	}
}

void fsocket_client_show_fdinfo(struct seq_file *m, struct file *filp)
{
	struct fsocket_client *client = filp->private_data;
	u64 total[FSOCKET_STAT_MAX];
	unsigned int i;

	fsocket_stats_sum(client->count, total);
	for (i = 0; i < ARRAY_SIZE(fsocket_client_stats); i++)
		seq_printf(m, "%s:\t%llu\n",
			   fsocket_stat_name(fsocket_client_stats[i]),
			   total[fsocket_client_stats[i]]);
}
