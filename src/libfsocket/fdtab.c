// SPDX-License-Identifier: GPL-2.0-only
/*
 * The descriptor table: one 64-bit word per descriptor number, in chunks
 * allocated on first use, so any number up to INT_MAX works and a program
 * that never listens on TCP allocates nothing. Readers load a word without
 * a lock; writers hold fsock_lock(). Chunks live until exit.
 *
 * Word layout: kind (2 bits), flags (2 bits), a (30 bits), b (30 bits).
 * Descriptor numbers stay below fs.nr_open (< 2^30) and pids below 2^22.
 */
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <unistd.h>

#include "libfsocket.h"

#define CHUNK_SHIFT	FSOCK_CHUNK_SHIFT
#define CHUNK_SIZE	FSOCK_CHUNK_SIZE
#define NR_CHUNKS	FSOCK_NR_CHUNKS

typedef _Atomic uint64_t word_t;

_Atomic(word_t *) fsock_chunks[NR_CHUNKS];
atomic_int fsock_known;	/* descriptors whose kind is not UNKNOWN */
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;

static uint64_t pack(const struct fsock_ent *e)
{
	return (uint64_t)e->kind | (uint64_t)(e->flags & 3) << 2 |
	       (uint64_t)(e->a & FSOCK_NONE) << 4 |
	       (uint64_t)(e->b & FSOCK_NONE) << 34;
}

static struct fsock_ent unpack(uint64_t w)
{
	struct fsock_ent e = {
		.kind = (enum fsock_kind)(w & 3),
		.flags = (w >> 2) & 3,
		.a = (int)((w >> 4) & FSOCK_NONE),
		.b = (int)((w >> 34) & FSOCK_NONE),
	};
	return e;
}

static word_t *slot(int fd, bool create)
{
	unsigned int c = (unsigned int)fd >> CHUNK_SHIFT;
	word_t *chunk;

	if (fd < 0 || c >= NR_CHUNKS)
		return NULL;
	chunk = atomic_load_explicit(&fsock_chunks[c], memory_order_acquire);
	if (!chunk && create) {
		/* Writers hold the lock, so nobody races to create it. */
		chunk = calloc(CHUNK_SIZE, sizeof(*chunk));
		if (!chunk)
			return NULL;
		atomic_store_explicit(&fsock_chunks[c], chunk, memory_order_release);
	}
	return chunk ? &chunk[fd & (CHUNK_SIZE - 1)] : NULL;
}

struct fsock_ent fsock_get(int fd)
{
	word_t *w;

	if (!fsock_any())
		return unpack(0);
	w = slot(fd, false);
	return unpack(w ? atomic_load_explicit(w, memory_order_acquire) : 0);
}

void fsock_set(int fd, const struct fsock_ent *e)
{
	word_t *w = slot(fd, true);
	uint64_t old;

	if (!w)
		return;
	old = atomic_exchange(w, e->kind == FSOCK_UNKNOWN ? 0 : pack(e));
	if (!old && e->kind != FSOCK_UNKNOWN)
		atomic_fetch_add(&fsock_known, 1);
	else if (old && e->kind == FSOCK_UNKNOWN)
		atomic_fetch_sub(&fsock_known, 1);
}

void fsock_clear(int fd)
{
	struct fsock_ent none = { .kind = FSOCK_UNKNOWN };

	if (slot(fd, false))
		fsock_set(fd, &none);
}

void fsock_for_range(unsigned int first, unsigned int last,
		     void (*fn)(int fd))
{
	unsigned int c, i;

	for (c = first >> CHUNK_SHIFT; c < NR_CHUNKS && c <= last >> CHUNK_SHIFT;
	     c++) {
		word_t *chunk = atomic_load(&fsock_chunks[c]);

		if (!chunk)
			continue;
		for (i = 0; i < CHUNK_SIZE; i++) {
			unsigned int fd = c << CHUNK_SHIFT | i;

			if (fd >= first && fd <= last && atomic_load(&chunk[i]))
				fn((int)fd);
		}
	}
}

/*
 * Epoll registrations: which epoll instances hold a LOCAL descriptor's
 * global listener, which process put it there (a child shares its
 * parent's epoll instances, and must not take the parent's away), and
 * whether the application added its listener with EPOLLEXCLUSIVE.
 */
struct reg {
	int fd, epfd;
	pid_t pid;
	bool exclusive;		/* the application asked for EPOLLEXCLUSIVE */
};

static struct reg *regs;
static size_t nr_regs, room_regs;

int fsock_reg_add(int fd, int epfd, bool exclusive)
{
	pid_t pid = fsock_pid();
	size_t i;

	for (i = 0; i < nr_regs; i++)
		if (regs[i].fd == fd && regs[i].epfd == epfd &&
		    regs[i].pid == pid) {
			regs[i].exclusive = exclusive;
			return 0;
		}
	if (nr_regs == room_regs) {
		size_t room = room_regs ? 2 * room_regs : 8;
		struct reg *r = realloc(regs, room * sizeof(*r));

		if (!r)
			return -1;
		regs = r;
		room_regs = room;
	}
	regs[nr_regs++] = (struct reg){ .fd = fd, .epfd = epfd, .pid = pid,
					.exclusive = exclusive };
	return 0;
}

/* Returns whether the registration dropped had asked for EPOLLEXCLUSIVE. */
bool fsock_reg_del(int fd, int epfd)
{
	bool exclusive = false;
	size_t i;

	for (i = 0; i < nr_regs; i++)
		if (regs[i].fd == fd && regs[i].epfd == epfd) {
			exclusive |= regs[i].exclusive;
			regs[i--] = regs[--nr_regs];
		}
	return exclusive;
}

void fsock_reg_each(int fd, int gfd, void (*fn)(int epfd, int gfd))
{
	pid_t pid = fsock_pid();
	size_t i;

	for (i = 0; i < nr_regs; i++)
		if (regs[i].fd == fd && regs[i].pid == pid)
			fn(regs[i].epfd, gfd);
}

void fsock_reg_drop(int fd)
{
	size_t i;

	for (i = 0; i < nr_regs; i++)
		if (regs[i].fd == fd)
			regs[i--] = regs[--nr_regs];
}

/*
 * Signals are blocked while the lock is held: a handler that closes or
 * copies a descriptor (dup2(1, 100) in a handler is common) would
 * otherwise wait forever for the lock its own thread holds.
 */
static _Thread_local sigset_t mask_before;

void fsock_lock(void)
{
	sigset_t all;

	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, &mask_before);
	pthread_mutex_lock(&lock);
}

void fsock_unlock(void)
{
	pthread_mutex_unlock(&lock);
	pthread_sigmask(SIG_SETMASK, &mask_before, NULL);
}

/*
 * The process id, asked of the kernel at load and in each fork() child:
 * glibc no longer caches it, and accept() on a shared listener needs it
 * every time. A child made without fork()'s handlers (vfork, _Fork,
 * clone) keeps its parent's, so it takes no local listener and stays on
 * the shared one.
 */
static atomic_int cached_pid;

pid_t fsock_pid(void)
{
	pid_t pid = atomic_load_explicit(&cached_pid, memory_order_relaxed);

	if (!pid) {
		pid = getpid();
		atomic_store_explicit(&cached_pid, pid, memory_order_relaxed);
	}
	return pid;
}

/*
 * A vfork() child runs in its parent's memory until it execs or exits,
 * and fork()'s handlers do not run for it: what it closes or copies must
 * not change the parent's table. Children of _Fork or clone leave theirs
 * as it was too. Asked only before a change to a number we track, so
 * calls on other numbers pay nothing.
 */
bool fsock_table_ours(void)
{
	return getpid() == fsock_pid();
}

/*
 * A child of fork() gets the lock as its parent's forking thread held it,
 * and that thread's signal mask from before.
 */
static void child_after_fork(void)
{
	pthread_mutex_init(&lock, NULL);
	atomic_store_explicit(&cached_pid, getpid(), memory_order_relaxed);
	fsock_thread_after_fork();
	pthread_sigmask(SIG_SETMASK, &mask_before, NULL);
}

__attribute__((constructor)) static void fdtab_init(void)
{
	(void)fsock_pid();
	pthread_atfork(fsock_lock, fsock_unlock, child_after_fork);
}
