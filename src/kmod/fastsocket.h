/* SPDX-License-Identifier: GPL-2.0 */
/* Interfaces between the module's files. */
#ifndef _FASTSOCKET_H
#define _FASTSOCKET_H

#include <linux/file.h>
#include <linux/fs.h>
#include <linux/net.h>

/* device.c: the misc device /dev/fastsocket */
int fsocket_device_register(void);
void fsocket_device_unregister(void);

struct fsocket_client;
struct fsocket_ioctl_arg;
struct sock;
struct socket;

/* fd.c: descriptor -> listening TCP socket (or an ERR_PTR), and back */
struct socket *fsocket_lookup_listener(int fd);
struct socket *fsocket_lookup_listener_light(int fd, struct fd *f);
int fsocket_install_fd(struct socket *sock, int flags);

/* A descriptor reserved for a new socket's file, not yet installed. */
struct fsocket_new_fd {
	int fd;
	struct file *file;
};

int fsocket_reserve_fd(int flags, struct fsocket_new_fd *nfd);
int fsocket_attach_fd(struct socket *sock, int flags,
		      struct fsocket_new_fd *nfd);
void fsocket_commit_fd(const struct fsocket_new_fd *nfd);
void fsocket_abort_fd(const struct fsocket_new_fd *nfd);

/*
 * What a command made for its caller, kept back until the dispatcher has
 * written the command's answer: the descriptors (reserved, with their
 * files), and in mode 2 the CPU to pin the caller to. A fault on the
 * answer, or a failed pin, undoes them all, leaving nothing behind.
 */
struct fsocket_pending {
	struct fsocket_new_fd one;	/* SPAWN_LISTEN's */
	struct fsocket_new_fd *fds;	/* &one, or SPAWN_ALL_LISTEN's array */
	unsigned int n;
	int pin_cpu;			/* -1: no pin */
	struct fsocket_client *client;	/* the caller's open device */
};

#define FSOCKET_PENDING_INIT { .pin_cpu = -1 }

int fsocket_pending_commit(struct fsocket_pending *p);
void fsocket_pending_abort(struct fsocket_pending *p);

/* group.c: the listeners the module watches */
void fsocket_groups_exit(void);
int fsocket_group_add(struct sock *sk);
bool fsocket_group_watched(const struct sock *sk);
unsigned int fsocket_group_count(void);
unsigned int fsocket_group_foreign_count(void);
void fsocket_group_count_net(const struct net *net, unsigned int *listeners,
			     unsigned int *foreign);
void fsocket_groups_wake(void);
void fsocket_locals_count(struct sock *sk, unsigned int *count, u64 *newest);
void fsocket_groups_locals_count(unsigned int *count);
bool fsocket_cpu_served(const struct sock *global, const struct sock *child);

/* netns.c: the per-namespace sysctls the module turns on */
int fsocket_net_init(void);
void fsocket_net_cleanup(void);
void fsocket_net_adopt(struct net *net);

/* local_ops.c: how local listeners close */
void fsocket_local_ops_init(void);
int fsocket_local_ops_set(struct socket *sock);
void fsocket_local_ops_clear(struct socket *sock);
bool fsocket_local_ops_is(const struct sock *sk);
int fsocket_listener_stop(struct socket *sock, enum sock_shutdown_cmd how);

/* steal.c: a stalled worker's connections go to the global listener */
struct request_sock;

/*
 * What the sweep remembers of a local queue's head, to tell a worker that
 * stopped taking connections from one that is only behind.
 */
struct fsocket_head_watch {
	const struct sock *sk;
	const struct request_sock *head;
	u32 isn;
	unsigned long since;	/* jiffies: first seen at the head */
	u64 seen_us;		/* the last look, and its CPU's idle time */
	u64 idle_us;
	unsigned long accepts;	/* the listener's, at the last look */
	bool moved;		/* the head left through a steal */
};

/* A worker that is behind, not stopped, loses what waited this many bounds. */
#define FSOCKET_STEAL_BEHIND 8
/* The shortest wait in which an idle CPU tells a stalled worker. */
#define FSOCKET_STEAL_IDLE_MS 2
/*
 * A listener its worker paused twice within this stays paused until this
 * long after the last time (pause.c).
 */
#define FSOCKET_PAUSE_CHURN_MS 10000

unsigned long fsocket_steal_after(void);
unsigned long fsocket_steal_bound(struct fsocket_head_watch *w,
				  const struct sock *sk, unsigned long bound);
unsigned int fsocket_steal(struct sock *src, struct sock *global,
			   unsigned long bound);
void fsocket_hand_on_left(struct sock *sk, bool paused);
bool fsocket_sock_watched(struct sock *sk);

/* options.c: what a local listener takes from its global listener */
int fsocket_set_int(struct socket *sock, int level, int name, int val);
int fsocket_copy_options(struct socket *to, struct sock *from);
int fsocket_copy_listening_options(struct socket *to, struct sock *from);

/* accept.c */
long fsocket_accept(struct fsocket_client *client,
		    struct fsocket_ioctl_arg *arg);

/* stats.c: per-CPU counters in each namespace's /proc/net/fastsocket */
enum fsocket_stat {
	FSOCKET_STAT_SPAWN,		/* local listeners created */
	FSOCKET_STAT_LOCAL_ACCEPT,	/* ACCEPT from the caller's listener */
	FSOCKET_STAT_GLOBAL_ACCEPT,	/* ACCEPT from the global listener */
	FSOCKET_STAT_WAKEUP,		/* stranded queues woken by the sweep */
	FSOCKET_STAT_ERROR,		/* failed spawns, lost accepts */
	FSOCKET_STAT_STEAL,		/* handed on from this CPU's queues */
	FSOCKET_STAT_LENT,		/* global accepts of an unserved CPU */
	FSOCKET_STAT_PAUSE,		/* local listeners paused */
	FSOCKET_STAT_MAX
};

struct fsocket_stats;
struct net;

void fsocket_stat_inc(const struct net *net, enum fsocket_stat stat);
void fsocket_stat_add(const struct net *net, enum fsocket_stat stat,
		      unsigned int n);
void fsocket_stat_add_cpu(const struct net *net, enum fsocket_stat stat,
			  int cpu, unsigned int n);
const char *fsocket_stat_name(enum fsocket_stat stat);
struct fsocket_stats __percpu *fsocket_stats_alloc(void);
void fsocket_stats_free(struct fsocket_stats __percpu *stats);
void fsocket_stats_inc(struct fsocket_stats __percpu *stats,
		       enum fsocket_stat stat, unsigned int n);
void fsocket_stats_sum(struct fsocket_stats __percpu *stats, u64 *total);
int fsocket_stats_register(void);
void fsocket_stats_unregister(void);

/* client.c: what each open /dev/fastsocket (each process) did */
struct seq_file;

int fsocket_client_open(struct inode *inode, struct file *filp);
int fsocket_client_release(struct inode *inode, struct file *filp);
void fsocket_client_show_fdinfo(struct seq_file *m, struct file *filp);
void fsocket_client_count(struct fsocket_client *client,
			  enum fsocket_stat stat);
void fsocket_client_spawned(struct fsocket_client *client);
unsigned int fsocket_client_spawns(const struct fsocket_client *client);
wait_queue_head_t *fsocket_client_spawn_wait(struct fsocket_client *client);
int fsocket_client_owns(struct fsocket_client *client, struct socket *local,
			int cpu, struct file *global);
struct socket *fsocket_client_global_of(const struct sock *sk,
					struct fsocket_client **client);
struct socket *fsocket_client_accepting(const struct sock *sk,
					struct fsocket_client **client);
unsigned long fsocket_client_accepts(const struct sock *sk);
void fsocket_client_disown(const struct sock *sk);
void fsocket_client_stolen(const struct sock *sk, unsigned int n);
u64 fsocket_client_seq_of(const struct sock *sk);
int fsocket_client_cpu_of(const struct sock *sk);
int fsocket_client_lend(const struct sock *sk);
void fsocket_client_give_back(const struct sock *sk);
int fsocket_client_set_paused(const struct sock *sk, bool paused);
void fsocket_client_worker_paused(const struct sock *sk);
bool fsocket_client_paused(const struct sock *sk);
bool fsocket_client_left_epoll(const struct sock *sk);
void fsocket_client_epolled(const struct sock *sk);
/* What the sweep saw of a paused local listener's epolls. */
enum fsocket_look {
	FSOCKET_LOOK_OUT,	/* in none */
	FSOCKET_LOOK_IN_NEW,	/* in one, not settled yet */
	FSOCKET_LOOK_IN,	/* in one at two sweeps, and not churning */
};

void fsocket_client_each_paused(const struct sock *global,
				void (*fn)(struct sock *sk,
					   enum fsocket_look look));
void fsocket_client_count_paused(const struct sock *global,
				 unsigned int *count, u64 *newest);

/* pause.c: a local listener its worker took out of every epoll */
int fsocket_local_pause(struct sock *sk, struct file *file);
int fsocket_local_resume(struct sock *sk);
long fsocket_pause_local(struct fsocket_client *client,
			 struct fsocket_ioctl_arg *arg);
void fsocket_paused_sweep(struct sock *sk, enum fsocket_look look);
void fsocket_paused_resume(struct sock *sk, enum fsocket_look look);

/* steering.c: does the kernel steer by SO_INCOMING_CPU? */
void fsocket_steering_check(void);
bool fsocket_steering(void);

/* spawn.c: local listeners */
long fsocket_listen(struct fsocket_client *client,
		    struct fsocket_ioctl_arg *arg);
long fsocket_spawn_listen(struct fsocket_ioctl_arg *arg,
			  struct fsocket_pending *p);
bool fsocket_has_peer(struct sock *sk);
long fsocket_shutdown_listen(struct fsocket_client *client,
			     struct fsocket_ioctl_arg *arg);
long fsocket_spawn_all_listen(struct fsocket_ioctl_arg *arg,
			      struct fsocket_pending *p);

/* socket.c: descriptors made and ended through the module */
long fsocket_socket(struct fsocket_client *client,
		    struct fsocket_ioctl_arg *arg);
long fsocket_close(struct fsocket_client *client,
		   struct fsocket_ioctl_arg *arg);

/* ioctl.c: the command dispatcher */
long fsocket_ioctl(struct file *filp, unsigned int cmd, unsigned long uarg);

#endif /* _FASTSOCKET_H */
