// SPDX-License-Identifier: GPL-2.0
/*
 * Connection stealing. A local listener's connections wait for one
 * worker. When that worker stalls (stopped, a slow request, a blocking
 * read) they would wait with it while the other workers sit idle, where
 * a plain shared listener would have served them. So the sweep (group.c)
 * moves connections that waited too long on a local listener to the tail
 * of its global listener's queue and wakes the global listener. Every
 * worker watches that one too (in epoll with EPOLLEXCLUSIVE, which wakes
 * one idle worker, in a blocking ACCEPT, which sleeps on both queues, or
 * in poll/select through the library), and ACCEPT takes from it once its
 * own queue is empty.
 *
 * Too long: once the worker has taken nothing from its queue for
 * steal_after_ms (the queue's head has not moved), it is stalled and its
 * whole queue goes, and so does each connection that arrives there until
 * it takes one again. A worker that takes connections but falls behind (a
 * burst, a loaded machine) is not stalled: it loses only those that
 * waited FSOCKET_STEAL_BEHIND times the bound, and keeps its locality for
 * the rest.
 * Sooner where the worker's CPU sat idle (or in iowait) for most of the
 * time between two sweeps that saw the same head: a worker that was woken
 * for it would have been running there (it is pinned to that CPU), so it
 * sleeps on something else or is stopped, and a plain shared listener
 * would have had an idle worker serve the connection by then. A busy CPU
 * (the worker at work, or behind) keeps the bound above.
 * Once stalled, its CPU's new connections go to the global listener
 * too, until it accepts again or for a bound at most (group.c lends the
 * CPU's SO_INCOMING_CPU mark: client.c): they then wait for nobody, where
 * on its queue each would wait for the next sweep.
 * Only while somebody watches the global listener, though: a server that
 * made its local listeners itself and accepts from them alone would never
 * see a connection moved there, so its queues are left as they are.
 *
 * A queued connection was established when its handshake completed and
 * has sent no data since, so its lsndtime (jiffies) is the time it was
 * queued. A connection that tcp_migrate_req moved keeps its age.
 */
#include <linux/cpumask.h>
#include <linux/jiffies.h>
#include <linux/kernel_stat.h>
#include <linux/ktime.h>
#include <linux/net.h>
#include <linux/spinlock.h>
#include <linux/tick.h>
#include <net/inet_connection_sock.h>
#include <net/request_sock.h>
#include <net/sock.h>
#include <net/sock_reuseport.h>
#include <net/tcp.h>
#include <net/tcp_states.h>

#include "fastsocket.h"
#include "params.h"

/* The bound in jiffies; 0: stealing is off. */
unsigned long fsocket_steal_after(void)
{
	int ms = fsocket_param(steal_after_ms);

	return ms ? max(msecs_to_jiffies(ms), 1UL) : 0;
}

/*
 * Microseconds @cpu has spent idle or in iowait since boot, or U64_MAX
 * where the kernel does not count them (no NOHZ, a CPU out of range).
 */
static u64 fsocket_cpu_idle_us(int cpu)
{
	u64 idle, iowait;

	if (cpu < 0 || cpu >= nr_cpu_ids || !cpu_online(cpu))
		return U64_MAX;
	idle = get_cpu_idle_time_us(cpu, NULL);
	iowait = get_cpu_iowait_time_us(cpu, NULL);
	if (idle == U64_MAX || iowait == U64_MAX)
		return U64_MAX;
	return idle + iowait;
}

/*
 * Did the head's CPU sit idle for 3/4 or more of the time since @w's last
 * look (FSOCKET_STEAL_IDLE_MS or more), while the same head waited?
 */
static bool fsocket_cpu_sat_idle(const struct fsocket_head_watch *w,
				 u64 now_us, u64 idle_us)
{
	u64 span = now_us - w->seen_us;

	if (idle_us == U64_MAX || w->idle_us == U64_MAX ||
	    idle_us < w->idle_us || span < FSOCKET_STEAL_IDLE_MS * USEC_PER_MSEC)
		return false;
	return (idle_us - w->idle_us) * 4 >= span * 3;
}

/*
 * The bound for @sk's queue, in jiffies (see above; 0: all of it), from
 * what @w saw of its head at earlier sweeps. Under the RCU read lock: the head is only
 * read, and request socks are SLAB_TYPESAFE_BY_RCU, so one freed meanwhile
 * reads as another connection and only restarts the clock.
 */
unsigned long fsocket_steal_bound(struct fsocket_head_watch *w,
				  const struct sock *sk, unsigned long bound)
{
	const struct request_sock *head =
		READ_ONCE(inet_csk(sk)->icsk_accept_queue.rskq_accept_head);
	u32 isn = head ? READ_ONCE(tcp_rsk(head)->rcv_isn) : 0;
	u64 idle_us = fsocket_cpu_idle_us(fsocket_client_cpu_of(sk));
	u64 now_us = ktime_to_us(ktime_get());
	unsigned long accepts = fsocket_client_accepts(sk);
	bool alive = w->sk == sk && w->accepts != accepts;

	if (w->sk != sk || w->head != head || w->isn != isn) {
		/* A head we moved away was no sign of life: an accept is. */
		if (!w->moved || w->sk != sk || alive)
			w->since = jiffies;
		w->sk = sk;
		w->head = head;
		w->isn = isn;
		w->moved = false;
	} else if (head && !alive &&
		   fsocket_cpu_sat_idle(w, now_us, idle_us)) {
		/* Stalled now, as if it had taken nothing for the bound. */
		w->since = jiffies - bound;
	}
	w->accepts = accepts;
	w->seen_us = now_us;
	w->idle_us = idle_us;
	if (time_after_eq(jiffies, w->since + bound))
		return 0;
	return bound * FSOCKET_STEAL_BEHIND;
}

/* Has @req waited on its queue for @bound jiffies or longer (0: any)? */
static bool fsocket_req_aged(const struct request_sock *req,
			     unsigned long bound)
{
	/* A Fast Open child is counted in its listener's fastopen queue. */
	if (!req->sk || tcp_rsk(req)->tfo_listener)
		return false;
	return (u32)(tcp_jiffies32 - READ_ONCE(tcp_sk(req->sk)->lsndtime)) >=
	       bound;
}

/*
 * Moves @src's aged connections to the tail of @dst's queue; returns how
 * many. The caller owns @src's socket lock: inet_csk_accept() relies on
 * nobody else taking from a queue it found non-empty. @dst's queue lock
 * is taken first, as inet_csk_reqsk_queue_add() does: under it @dst is
 * either still listening, or its inet_csk_listen_stop() will see what we
 * add, so nothing is left on a closed listener.
 */
static unsigned int fsocket_move_aged(struct sock *src, struct sock *dst,
				      unsigned long bound)
{
	struct request_sock_queue *from = &inet_csk(src)->icsk_accept_queue;
	struct request_sock_queue *to = &inet_csk(dst)->icsk_accept_queue;
	struct request_sock *req;
	unsigned int n = 0;

	spin_lock_bh(&to->rskq_lock);
	if (dst->sk_state != TCP_LISTEN)
		goto unlock;
	spin_lock_nested(&from->rskq_lock, SINGLE_DEPTH_NESTING);
	while ((req = from->rskq_accept_head) && fsocket_req_aged(req, bound)) {
		WRITE_ONCE(from->rskq_accept_head, req->dl_next);
		if (!from->rskq_accept_head)
			from->rskq_accept_tail = NULL;
		sk_acceptq_removed(src);
		req->dl_next = NULL;
		if (to->rskq_accept_head)
			to->rskq_accept_tail->dl_next = req;
		else
			WRITE_ONCE(to->rskq_accept_head, req);
		to->rskq_accept_tail = req;
		sk_acceptq_added(dst);
		n++;
	}
	spin_unlock(&from->rskq_lock);
unlock:
	spin_unlock_bh(&to->rskq_lock);
	return n;
}

/*
 * Is @sk registered in an epoll (each registration waits on the socket
 * for as long as it lasts), or is a task asleep on it (accept, poll)?
 */
bool fsocket_sock_watched(struct sock *sk)
{
	struct socket_wq *wq;
	bool watched;

	rcu_read_lock();
	wq = rcu_dereference(sk->sk_wq);
	watched = wq && skwq_has_sleeper(wq);
	rcu_read_unlock();
	return watched;
}

/*
 * Moves what waited @bound on the local listener @src to @global and
 * wakes it; returns how many. Only while somebody watches @global,
 * unless @unwatched. Sleeps (the socket lock).
 */
static unsigned int fsocket_hand_on(struct sock *src, struct sock *global,
				    unsigned long bound, bool unwatched)
{
	unsigned int n = 0, i;

	if (reqsk_queue_empty(&inet_csk(src)->icsk_accept_queue) ||
	    (!unwatched && !fsocket_sock_watched(global)))
		return 0;
	lock_sock(src);
	if (src->sk_state == TCP_LISTEN)
		n = fsocket_move_aged(src, global, bound);
	release_sock(src);
	if (!n)
		return 0;
	/*
	 * A wake-up per connection, as the kernel gives one per connection
	 * it queues: each wakes one waiter of EPOLLEXCLUSIVE or of a blocking
	 * accept, so the idle workers take them side by side, not one worker
	 * each in turn.
	 */
	local_bh_disable();
	for (i = 0; i < n; i++)
		global->sk_data_ready(global);
	local_bh_enable();
	return n;
}

/*
 * Steals from the local listener @src for @global, its group's global
 * listener; returns how many it moved. Sleeps (the socket lock).
 */
unsigned int fsocket_steal(struct sock *src, struct sock *global,
			   unsigned long bound)
{
	unsigned int n = fsocket_hand_on(src, global, bound, false);
	int cpu;

	if (n) {
		rcu_read_lock();
		cpu = fsocket_client_cpu_of(src);
		rcu_read_unlock();
		fsocket_stat_add_cpu(sock_net(src), FSOCKET_STAT_STEAL, cpu, n);
		fsocket_client_stolen(src, n);
	}
	return n;
}

/*
 * The local listener @sk left its group's listening members, to stop or
 * paused (pause.c): what it has queued goes to its global listener now.
 * tcp_migrate_req would move it only once @sk has quiesced (local_ops.c),
 * after an RCU grace period, and not at all from a paused one, while a
 * plain listener's other workers would have taken it meanwhile. Not
 * counted as stolen: its worker let it go. A paused one's goes even while
 * nobody watches the global listener: its worker's own accept takes from
 * there too (accept.c), where a server's other workers will look.
 */
void fsocket_hand_on_left(struct sock *sk, bool paused)
{
	struct fsocket_client *client;
	struct socket *global = fsocket_client_global_of(sk, &client);

	if (global)
		fsocket_hand_on(sk, global->sk, 0, paused);
}
