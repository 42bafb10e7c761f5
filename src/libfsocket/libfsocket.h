/* SPDX-License-Identifier: GPL-2.0-only */
/* libfsocket.so internals shared between its files. */
#ifndef LIBFSOCKET_H
#define LIBFSOCKET_H

#include <poll.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/epoll.h>
#include <sys/select.h>
#include <sys/socket.h>
#include <sys/types.h>

#define FSOCK_EXPORT __attribute__((visibility("default")))

/* real.c: libc's own entry points, resolved once. */
struct fsock_real {
	int (*socket)(int domain, int type, int protocol);
	int (*listen)(int fd, int backlog);
	int (*setsockopt)(int fd, int level, int name, const void *val,
			  socklen_t len);
	int (*connect)(int fd, const struct sockaddr *addr, socklen_t len);
	int (*accept)(int fd, struct sockaddr *addr, socklen_t *len);
	int (*accept4)(int fd, struct sockaddr *addr, socklen_t *len,
		       int flags);
	int (*shutdown)(int fd, int how);
	int (*close)(int fd);
	int (*epoll_ctl)(int epfd, int op, int fd, struct epoll_event *ev);
	int (*dup)(int fd);
	int (*dup2)(int fd, int fd2);
	int (*dup3)(int fd, int fd2, int flags);
	int (*fcntl)(int fd, int cmd, ...);
	int (*fcntl64)(int fd, int cmd, ...);
	int (*close_range)(unsigned int first, unsigned int last, int flags);
	void (*closefrom)(int lowfd);
	int (*poll)(struct pollfd *fds, nfds_t n, int timeout);
	int (*ppoll)(struct pollfd *fds, nfds_t n, const struct timespec *ts,
		     const sigset_t *mask);
	int (*select)(int nfds, fd_set *r, fd_set *w, fd_set *e,
		      struct timeval *tv);
	int (*pselect)(int nfds, fd_set *r, fd_set *w, fd_set *e,
		       const struct timespec *ts, const sigset_t *mask);
	int (*pipe)(int fds[2]);
	int (*pipe2)(int fds[2], int flags);
	int (*socketpair)(int domain, int type, int protocol, int sv[2]);
	int (*eventfd)(unsigned int initval, int flags);
	int (*epoll_create)(int size);
	int (*epoll_create1)(int flags);
	int (*open)(const char *path, int flags, ...);
	int (*open64)(const char *path, int flags, ...);
	int (*openat)(int dirfd, const char *path, int flags, ...);
	int (*openat64)(int dirfd, const char *path, int flags, ...);
	ssize_t (*sendmsg)(int fd, const struct msghdr *msg, int flags);
	ssize_t (*recvmsg)(int fd, struct msghdr *msg, int flags);
	int (*recvmmsg)(int fd, struct mmsghdr *msgs, unsigned int n,
			int flags, struct timespec *timeout);
	int (*memfd_create)(const char *name, unsigned int flags);
	int (*signalfd)(int fd, const sigset_t *mask, int flags);
	int (*timerfd_create)(int clockid, int flags);
	int (*inotify_init)(void);
	int (*inotify_init1)(int flags);
	int (*execve)(const char *path, char *const argv[], char *const envp[]);
	int (*execvpe)(const char *file, char *const argv[],
		       char *const envp[]);
};

extern struct fsock_real fsock_real_syms;
extern atomic_bool fsock_real_ready;
void fsock_real_init(void);

/* Inline: every interposed call goes through here. */
static inline const struct fsock_real *fsock_real(void)
{
	if (!atomic_load_explicit(&fsock_real_ready, memory_order_acquire))
		fsock_real_init();
	return &fsock_real_syms;
}

/* log.c: messages on stderr, each kind said once per process. */
enum fsock_once {
	FSOCK_ONCE_NO_DEVICE,
	FSOCK_ONCE_BAD_ABI,
	FSOCK_ONCE_CMD_REFUSED,
	FSOCK_ONCE_SPAWN_REFUSED,
	FSOCK_ONCE_ACCEPT_REFUSED,
	FSOCK_ONCE_EPOLL_GLOBAL,
	FSOCK_ONCE_RFD,
	FSOCK_ONCE_CHURN,
	FSOCK_ONCE_MAX
};

void fsock_say_once(enum fsock_once what, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Like fsock_say_once, for a fallback: FASTSOCKET_STRICT=1 exits instead. */
void fsock_fallback(enum fsock_once what, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
bool fsock_disabled(void);

/* channel.c: the descriptor of /dev/fastsocket, opened on first need. */
int fsock_channel(void);
void fsock_channel_forget_open(unsigned int first, unsigned int last);
extern atomic_int fsock_channel_fd;
extern atomic_bool fsock_channel_inherited;
extern atomic_bool fsock_local_accept_native;
extern atomic_bool fsock_pause_native;
extern atomic_bool fsock_spawn_wakes_native;

/*
 * The application closes @first..@last: was our channel among them? The
 * range test is inline: it is every close()'s.
 */
static inline void fsock_channel_forget(unsigned int first, unsigned int last)
{
	int fd = atomic_load_explicit(&fsock_channel_fd, memory_order_relaxed);

	if (fd >= 0 && (unsigned int)fd >= first && (unsigned int)fd <= last)
		fsock_channel_forget_open(first, last);
}

/*
 * fdtab.c: what the library knows of each descriptor number, packed in
 * one word so the hot paths read it without a lock:
 *   GLOBAL   a listener that went through LISTEN in process @a (@b: the
 *            process that last tried to spawn for it, or with
 *            FSOCK_NONBLOCK_SEEN the process whose accept() found it
 *            non-blocking; FSOCK_REUSE: the application set SO_REUSEPORT
 *            itself)
 *   LOCAL    a local listener the library put over the application's
 *            descriptor; @a is the library's private descriptor of its
 *            global listener, or FSOCK_NONE (FSOCK_ADDED_EXCLUSIVE: the
 *            application added it to an epoll with EPOLLEXCLUSIVE)
 *   PRIVATE  that private descriptor; @a is its LOCAL descriptor
 */
enum fsock_kind { FSOCK_UNKNOWN, FSOCK_GLOBAL, FSOCK_LOCAL, FSOCK_PRIVATE };

#define FSOCK_REUSE	1u
#define FSOCK_NONBLOCK_SEEN	2u
#define FSOCK_ADDED_EXCLUSIVE	1u
#define FSOCK_NONE	0x3fffffff

struct fsock_ent {
	enum fsock_kind kind;
	unsigned int flags;
	int a, b;
};

extern atomic_int fsock_known;

/* Does the table describe any descriptor? Inline: the cheap common answer. */
static inline bool fsock_any(void)
{
	return atomic_load_explicit(&fsock_known, memory_order_relaxed) > 0;
}

/*
 * The table's layout (fdtab.c), for fsock_kind(): close(), accept() and
 * epoll_ctl() of every connection ask only whether a descriptor is one of
 * ours at all, and inline that costs a few loads instead of a call.
 */
#define FSOCK_CHUNK_SHIFT	12
#define FSOCK_CHUNK_SIZE	(1u << FSOCK_CHUNK_SHIFT)
#define FSOCK_NR_CHUNKS		(1u << (31 - FSOCK_CHUNK_SHIFT))
extern _Atomic(_Atomic uint64_t *) fsock_chunks[FSOCK_NR_CHUNKS];

/* fsock_get(@fd).kind (the word's low 2 bits), without the rest. */
static inline enum fsock_kind fsock_kind(int fd)
{
	_Atomic uint64_t *chunk;

	if (!fsock_any() || fd < 0)
		return FSOCK_UNKNOWN;
	chunk = atomic_load_explicit(&fsock_chunks[(unsigned int)fd >> FSOCK_CHUNK_SHIFT],
				     memory_order_acquire);
	if (!chunk)
		return FSOCK_UNKNOWN;
	return (enum fsock_kind)(atomic_load_explicit(&chunk[fd & (FSOCK_CHUNK_SIZE - 1)],
						      memory_order_acquire) & 3);
}

struct fsock_ent fsock_get(int fd);
/* The rest runs under fsock_lock(), which is kept sane across fork. */
void fsock_set(int fd, const struct fsock_ent *e);
void fsock_clear(int fd);
void fsock_lock(void);
void fsock_unlock(void);
/* getpid(), asked once per process. */
pid_t fsock_pid(void);
bool fsock_table_ours(void);
/* Calls @fn for every known descriptor in [first, last]. */
void fsock_for_range(unsigned int first, unsigned int last,
		     void (*fn)(int fd));

/*
 * Epoll registrations of a LOCAL descriptor's global listener; del
 * returns whether the application had added it with EPOLLEXCLUSIVE.
 */
int fsock_reg_add(int fd, int epfd, bool exclusive);
bool fsock_reg_del(int fd, int epfd);
/* Calls @fn(epfd, gfd) for each of @fd's registrations made by this process. */
void fsock_reg_each(int fd, int gfd, void (*fn)(int epfd, int gfd));
void fsock_reg_drop(int fd);

/* state.c: keeping that view true as descriptors come and go. */
void fsock_forget(int fd);
void fsock_copy(int from, int to);
void fsock_fresh_known(int fd);

/*
 * A number the kernel just handed out (-1: none): anything the table
 * said of it was about a descriptor closed behind our back. Inline: for
 * every accept() and open() the answer is that it said nothing.
 */
static inline int fsock_fresh(int fd)
{
	if (fsock_kind(fd) != FSOCK_UNKNOWN)
		fsock_fresh_known(fd);
	return fd;
}

/* localize.c: a worker's own local listener, put over its descriptor. */
bool fsock_want_local(int fd, bool from_accept);
int fsock_spawn_local(int channel, int fd, const char *who);
bool fsock_unlocalize(int fd);

/*
 * threads.c: threads of one process that serve one shared listener, each
 * with a private local listener. fsock_thread_mode, _forget and _lost run
 * under fsock_lock(), _after_fork in the child alone; the others take the
 * lock where they need it.
 */
extern atomic_int fsock_threads_known;

static inline bool fsock_threads_any(void)
{
	return atomic_load_explicit(&fsock_threads_known,
				    memory_order_relaxed) > 0;
}

bool fsock_threaded(void);
void fsock_thread_mode(int fd, bool worker);
int fsock_thread_accept_any(int fd, struct sockaddr *addr, socklen_t *len,
			    int flags);
int fsock_thread_accepting(int fd);
bool fsock_thread_waits_alone(int fd, unsigned int *gen);
bool fsock_thread_changed(unsigned int gen);
void fsock_thread_recheck(void);
int fsock_thread_listener(int fd, int epfd, const struct epoll_event *ev,
			  bool serve);
void fsock_thread_epoll(int epfd, int op, int fd,
			const struct epoll_event *ev);
void fsock_thread_unlisten(int fd);
void fsock_thread_each(int fd, void (*fn)(int local, const void *arg),
		       const void *arg);
void fsock_thread_forget(int fd);
void fsock_thread_lost(int local);
void fsock_thread_after_fork(void);

/* epoll.c: the global listener in the worker's epoll, next to the local. */
void fsock_epoll_unwatch(int epfd, int gfd);

/*
 * wrappers.c: LISTEN for @fd, without touching the table; and with it
 * (for a listener made by process @by, or inherited: @by 0).
 */
int fsock_module_listen(int fd, int backlog);
void fsock_accelerate_listen(int fd, int backlog, pid_t by);

/*
 * inherit.c: a listener made elsewhere (socket activation, SCM_RIGHTS,
 * an exec that handed it over: FSOCK_LISTENERS_VAR, "PID:FD,FD...").
 */
bool fsock_adopt_listener(int fd);
#define FSOCK_LISTENERS_VAR "FASTSOCKET_LISTENERS"
int fsock_adopt_handed_over(void);

/* exec.c: what an exec that hands listeners over carries (at load). */
void fsock_exec_capture(void);

/*
 * nofile.c: the library's own descriptors outside the application's
 * RLIMIT_NOFILE. Moves @fd, one of them, above the soft limit (closing
 * @fd) and returns the descriptor to use: @fd itself where it cannot.
 * @selectable: a listener that select() may wait on, kept below
 * FD_SETSIZE.
 */
int fsock_own_fd(int fd, bool selectable);

/* mirror.c: a pause or resume of a local listener reaches the shared one. */
void fsock_mirror_disconnect(int fd, const struct sockaddr *addr);
void fsock_mirror_listen(int fd, int backlog);
void fsock_mirror_setfl(int fd, int flags);

/* rfd.c: connect() with a local port that names the connecting CPU. */
int fsock_rfd_connect(int fd, const struct sockaddr *addr, socklen_t len);

#endif
