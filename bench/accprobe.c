// SPDX-License-Identifier: GPL-2.0
/*
 * libaccprobe.so: measures locality in any server, with or without
 * fastsocket, by preloading it (before libfsocket.so when both are used).
 *
 * For every connection accept() or accept4() returns, it compares the CPU
 * that processed the connection's packets (SO_INCOMING_CPU) with the CPU
 * the caller runs on (sched_getcpu()); it does the same at the first
 * read() or recv() that returns data on that connection (the request).
 * Counts go to per-CPU slots of the file named by $ACCPROBE_FILE, mapped
 * shared before the server forks, so every worker adds to one file:
 * 64 slots of 4 unsigned 64-bit counters (accepts, accepts on the
 * packets' CPU, requests, requests on the packets' CPU), read with od.
 * Without $ACCPROBE_FILE it only passes calls through.
 */
#include <dlfcn.h>
#include <fcntl.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

#define PROBE_SLOTS	64
#define PROBE_FDS	65536

enum { ACCEPTS, ACCEPTS_LOCAL, REQUESTS, REQUESTS_LOCAL, COUNTERS };

struct probe_slot {
	_Atomic uint64_t n[COUNTERS];
	uint64_t pad[8 - COUNTERS];	/* one cache line per CPU */
};

static struct probe_slot *slots;
/* Connections accepted and not read from yet, by descriptor. */
static _Atomic uint8_t unread[PROBE_FDS];

static int (*real_accept)(int, struct sockaddr *, socklen_t *);
static int (*real_accept4)(int, struct sockaddr *, socklen_t *, int);
static ssize_t (*real_read)(int, void *, size_t);
static ssize_t (*real_recv)(int, void *, size_t, int);
static int (*real_close)(int);

/*
 * Resolved at first use: another preloaded library's constructor may call
 * through these before this library's own has run.
 */
static void resolve(void)
{
	real_accept = dlsym(RTLD_NEXT, "accept");
	real_accept4 = dlsym(RTLD_NEXT, "accept4");
	real_read = dlsym(RTLD_NEXT, "read");
	real_recv = dlsym(RTLD_NEXT, "recv");
	real_close = dlsym(RTLD_NEXT, "close");
}

#define REAL(f) ((real_##f ? (void)0 : resolve()), real_##f)

__attribute__((constructor)) static void probe_init(void)
{
	const char *path = getenv("ACCPROBE_FILE");
	size_t len = PROBE_SLOTS * sizeof(struct probe_slot);
	void *map;
	int fd;

	resolve();
	if (!path)
		return;
	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
	if (fd < 0)
		return;
	if (ftruncate(fd, len) == 0) {
		map = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
		if (map != MAP_FAILED)
			slots = map;
	}
	REAL(close)(fd);
}

/* count: one event, and whether it ran on the CPU of fd's packets. */
static void count(int fd, int event)
{
	int in_cpu = -1, cpu = sched_getcpu();
	socklen_t len = sizeof(in_cpu);
	struct probe_slot *s;

	if (cpu < 0)
		return;
	if (getsockopt(fd, SOL_SOCKET, SO_INCOMING_CPU, &in_cpu, &len) < 0)
		return;
	s = &slots[cpu % PROBE_SLOTS];
	atomic_fetch_add_explicit(&s->n[event], 1, memory_order_relaxed);
	if (in_cpu == cpu)
		atomic_fetch_add_explicit(&s->n[event + 1], 1,
					  memory_order_relaxed);
}

static int accepted(int fd)
{
	if (fd >= 0 && slots) {
		count(fd, ACCEPTS);
		if (fd < PROBE_FDS)
			atomic_store_explicit(&unread[fd], 1, memory_order_relaxed);
	}
	return fd;
}

static ssize_t got(int fd, ssize_t n)
{
	if (n > 0 && fd >= 0 && fd < PROBE_FDS &&
	    atomic_load_explicit(&unread[fd], memory_order_relaxed) &&
	    atomic_exchange_explicit(&unread[fd], 0, memory_order_relaxed))
		count(fd, REQUESTS);
	return n;
}

int accept(int fd, struct sockaddr *addr, socklen_t *len)
{
	return accepted(REAL(accept)(fd, addr, len));
}

int accept4(int fd, struct sockaddr *addr, socklen_t *len, int flags)
{
	return accepted(REAL(accept4)(fd, addr, len, flags));
}

ssize_t read(int fd, void *buf, size_t n)
{
	return got(fd, REAL(read)(fd, buf, n));
}

ssize_t recv(int fd, void *buf, size_t n, int flags)
{
	return got(fd, REAL(recv)(fd, buf, n, flags));
}

int close(int fd)
{
	if (fd >= 0 && fd < PROBE_FDS)
		atomic_store_explicit(&unread[fd], 0, memory_order_relaxed);
	return REAL(close)(fd);
}
