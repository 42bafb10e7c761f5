// SPDX-License-Identifier: GPL-2.0-only
/*
 * fuzz: random ioctls on /dev/fastsocket from many processes and threads at
 * once, mixed with forks, exits and socket churn.
 *
 *   fuzz [-n IOCTLS] [-p PROCESSES] [-t THREADS] [-s SEED] [-d SECONDS]
 *
 * Each thread keeps a pool of descriptors of every kind: TCP sockets over
 * IPv4 and IPv6 fresh, bound, listening (with and without LISTEN),
 * connected and accepted; UDP and Unix sockets; a pipe, a memfd, an
 * eventfd, an epoll, the device itself; closed numbers, negative and huge
 * ones. Each ioctl takes a random command (the real ones, unknown numbers,
 * wrong sizes, anything), an argument that is valid, random, NULL,
 * unmapped, read-only, in kernel space or straddling an unmapped page, and
 * fields that are random or nearly right. Descriptors the module returns
 * join the pool. Now and then the thread replaces a descriptor, connects
 * to or accepts from a listener, changes SO_RCVBUF, or forks a child that
 * runs a few hundred ioctls and exits or kills itself.
 *
 * Beside them, one racer thread per process owns a few registered
 * listeners (some with local listeners) whose numbers the other threads
 * give to ACCEPT, SPAWN_LISTEN, SHUTDOWN_LISTEN and LISTEN while the racer
 * closes them, dup2()s one onto another and makes new ones; now and then
 * it fills the descriptor table for a millisecond (RLIMIT_NOFILE lowered
 * to the lowest free number), so that every call that makes a descriptor
 * meets EMFILE.
 *
 * Every failure must carry an errno from the documented set; any other
 * errno, or a returned descriptor that is not a socket, fails the run.
 * The kernel's log is judged by the harness. Prints a summary with the
 * errno histogram; exits 0 when nothing unexpected was seen.
 */
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <linux/fastsocket.h>

#define POOL		24
#define MAX_THREADS	16
#define MAX_ERRNO	256

struct options {
	long ioctls;
	int procs, threads, seconds;
	unsigned int seed;
};

/* Shared by every process: totals and the deadline. */
struct totals {
	atomic_long ioctls, ok, fds, forks;
	atomic_long err[MAX_ERRNO];
	atomic_int bad;			/* unexpected results seen */
	long budget, deadline;
};

struct fuzzer {
	struct totals *tot;
	unsigned long long rng;
	int dev, pool[POOL];
	bool owned[POOL];		/* pool[i] is ours to close */
	cpu_set_t cpus;			/* where the thread may run */
	unsigned char *page;		/* read-write scratch */
	unsigned char *ro, *none;	/* read-only, no access */
};

static const unsigned long commands[] = {
	FSOCKET_IOC_SOCKET, FSOCKET_IOC_LISTEN, FSOCKET_IOC_ACCEPT,
	FSOCKET_IOC_CLOSE, FSOCKET_IOC_SPAWN_LISTEN,
	FSOCKET_IOC_SHUTDOWN_LISTEN, FSOCKET_IOC_SPAWN_ALL_LISTEN,
	FSOCKET_IOC_VERSION, FSOCKET_IOC_PAUSE_LOCAL,
};
#define NCOMMANDS (sizeof(commands) / sizeof(commands[0]))

/* What an ioctl of the module may answer, and what the churn may meet. */
static const int allowed[] = {
	EBADF, ENOTSOCK, EOPNOTSUPP, EINVAL, EFAULT, ENOTTY, EAGAIN, EBUSY,
	ENOMEM, EMFILE, ENFILE, EPERM, EINTR, ENOENT, ECONNABORTED, EPROTO,
	ENOBUFS, EAFNOSUPPORT, EPROTONOSUPPORT, ESOCKTNOSUPPORT, ERANGE,
	ENOSPC, EEXIST, EADDRINUSE, ENOTCONN, EISCONN, E2BIG, ENXIO,
};

static long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000L + ts.tv_nsec / 1000000;
}

/* The racer's listeners, which the other threads use but never close. */
#define RACED 4
static _Atomic int raced[RACED] = { -1, -1, -1, -1 };
/* The threads of this process that have opened the device and filled their pool. */
static atomic_int threads_ready;

static unsigned long long next(struct fuzzer *f)
{
	f->rng ^= f->rng << 13;
	f->rng ^= f->rng >> 7;
	f->rng ^= f->rng << 17;
	return f->rng;
}

static unsigned int below(struct fuzzer *f, unsigned int n)
{
	return next(f) % n;
}

static void unexpected(struct fuzzer *f, const char *what, long cmd, int err)
{
	fprintf(stderr, "fuzz: unexpected: %s (cmd 0x%lx): %s\n", what, cmd,
		strerror(err));
	atomic_fetch_add(&f->tot->bad, 1);
}

/* A TCP listener on loopback, non-blocking, maybe registered. */
static int tcp_listener(struct fuzzer *f, int family, int register_it)
{
	struct sockaddr_in6 a6 = { .sin6_family = AF_INET6,
				   .sin6_addr = IN6ADDR_LOOPBACK_INIT };
	struct sockaddr_in a4 = { .sin_family = AF_INET,
				  .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	struct fsocket_ioctl_arg arg = { 0 };
	int fd = socket(family, SOCK_STREAM | SOCK_NONBLOCK, 0), one = 1;
	int v6only = below(f, 2);

	if (fd < 0)
		return -1;
	if (below(f, 4) == 0)
		setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof(one));
	if (family == AF_INET6)
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &v6only,
			   sizeof(v6only));
	if ((family == AF_INET6 ?
	     bind(fd, (struct sockaddr *)&a6, sizeof(a6)) :
	     bind(fd, (struct sockaddr *)&a4, sizeof(a4))) ||
	    listen(fd, 1 + below(f, 64))) {
		close(fd);
		return -1;
	}
	arg.fd = fd;
	if (register_it)
		ioctl(f->dev, FSOCKET_IOC_LISTEN, &arg);
	return fd;
}

/* A client connected (or connecting) to one of the pool's listeners. */
static int tcp_client(struct fuzzer *f)
{
	struct sockaddr_storage ss;
	int i, fd, lfd = f->pool[below(f, POOL)], listening = 0;
	socklen_t len = sizeof(listening);

	if (lfd < 0 || getsockopt(lfd, SOL_SOCKET, SO_ACCEPTCONN, &listening,
				  &len) || !listening)
		return -1;
	len = sizeof(ss);
	if (getsockname(lfd, (struct sockaddr *)&ss, &len))
		return -1;
	fd = socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return -1;
	for (i = 0; i < 2; i++)	/* a second try settles a loopback connect */
		if (!connect(fd, (struct sockaddr *)&ss, len) || errno == EISCONN)
			break;
	if (below(f, 2))
		send(fd, "x", 1, MSG_NOSIGNAL);
	return fd;
}

/*
 * new_descriptor: any kind the pool holds, or a number that is none. A
 * thread closes only what it made: numbers another thread may hold are
 * never in its pool, so no thread closes another's descriptor.
 */
static int new_descriptor(struct fuzzer *f)
{
	int sv[2];

	switch (below(f, 18)) {
	case 0: return socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
	case 1: return socket(AF_INET6, SOCK_STREAM | SOCK_NONBLOCK, 0);
	case 2: case 3: return tcp_listener(f, AF_INET, 1);
	case 4: return tcp_listener(f, AF_INET6, 1);
	case 5: return tcp_listener(f, below(f, 2) ? AF_INET : AF_INET6, 0);
	case 6: case 7: return tcp_client(f);
	case 8: return socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0);
	case 9: return socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0);
	case 10:
		if (socketpair(AF_UNIX, SOCK_DGRAM, 0, sv))
			return -1;
		close(sv[1]);
		return sv[0];
	case 11:
		if (pipe2(sv, O_NONBLOCK))
			return -1;
		close(sv[1]);
		return sv[0];
	case 12: return memfd_create("fuzz", 0);
	case 13: return eventfd(0, EFD_NONBLOCK);
	case 14: return epoll_create1(0);
	case 15: return dup(f->dev);
	case 16:	/* a number no descriptor has (above RLIMIT_NOFILE) */
		return 4096 + below(f, 1 << 20);
	default:
		return below(f, 2) ? -1 - (int)below(f, 1000) : 1 << 30;
	}
}

static void pool_put(struct fuzzer *f, int slot, int fd)
{
	if (f->owned[slot])
		close(f->pool[slot]);
	f->pool[slot] = fd;
	f->owned[slot] = fd >= 0 && fd < 4096;
}

/* A descriptor of the pool that CLOSE has closed: forget it. */
static void pool_closed(struct fuzzer *f, int fd)
{
	int i;

	for (i = 0; i < POOL; i++)
		if (f->owned[i] && f->pool[i] == fd) {
			f->owned[i] = false;
			f->pool[i] = -1;
		}
}

/* A descriptor the module returned: a socket, made non-blocking, kept. */
static void adopt(struct fuzzer *f, int fd, long cmd)
{
	struct stat st;

	if (fstat(fd, &st) || !S_ISSOCK(st.st_mode)) {
		unexpected(f, "returned descriptor is not a socket", cmd, EINVAL);
		return;
	}
	fcntl(fd, F_SETFL, O_NONBLOCK);
	atomic_fetch_add(&f->tot->fds, 1);
	pool_put(f, below(f, POOL), fd);
}

static int pool_fd(struct fuzzer *f)
{
	return f->pool[below(f, POOL)];
}

/* Now and then one of the racer's numbers, for a command that keeps it. */
static int target_fd(struct fuzzer *f, unsigned long cmd)
{
	if (cmd != FSOCKET_IOC_CLOSE && below(f, 4) == 0)
		return atomic_load(&raced[below(f, RACED)]);
	return pool_fd(f);
}

/* A user pointer for the module to read or write: mostly good. */
static uint64_t user_pointer(struct fuzzer *f, size_t size)
{
	switch (below(f, 10)) {
	case 0: return 0;
	case 1: return (uintptr_t)f->none;
	case 2: return (uintptr_t)f->ro;
	case 3: return 0xffff888000000000ULL + below(f, 1 << 20);
	case 4: return (uintptr_t)(f->none - size / 2);	/* straddles */
	case 5: return next(f);
	default: return (uintptr_t)(f->page + 2048 + below(f, 1024));
	}
}

static int any_cpu(struct fuzzer *f)
{
	switch (below(f, 6)) {
	case 0: return FSOCKET_CPU_ANY;
	case 1: return (int)next(f);
	case 2: return -2 - (int)below(f, 4);
	default: return (int)below(f, 8);
	}
}

/* fill: the argument, random or nearly right for @cmd. */
static void fill(struct fuzzer *f, struct fsocket_ioctl_arg *a,
		 unsigned long cmd)
{
	unsigned char *raw = (unsigned char *)a;
	size_t i;

	if (below(f, 8) == 0) {
		for (i = 0; i < sizeof(*a); i++)
			raw[i] = next(f);
		/* A number in use may be another thread's: not ours to close. */
		if (a->fd >= 0 && a->fd < 4096)
			a->fd = pool_fd(f);
		return;
	}
	memset(a, 0, sizeof(*a));
	a->fd = target_fd(f, cmd);
	if (below(f, 16) == 0)
		a->flags = next(f);
	if (below(f, 16) == 0)
		a->reserved = next(f);
	a->backlog = below(f, 4) ? 0 : next(f);
	switch (cmd) {
	case FSOCKET_IOC_ACCEPT:
		a->op.accept_op.addr = below(f, 2) ? 0 : user_pointer(f, 128);
		a->op.accept_op.addrlen = a->op.accept_op.addr ?
			user_pointer(f, 4) : 0;
		if (a->op.accept_op.addrlen == (uintptr_t)(f->page + 2048))
			*(socklen_t *)(f->page + 2048) = below(f, 200);
		a->op.accept_op.flags = below(f, 4) ? SOCK_NONBLOCK :
					(int)next(f);
		a->op.accept_op.global_fd = below(f, 2) ? -1 : target_fd(f, cmd);
		break;
	case FSOCKET_IOC_SPAWN_LISTEN:
		a->op.spawn_op.cpu = any_cpu(f);
		a->op.spawn_op.reserved = below(f, 16) ? 0 : next(f);
		break;
	case FSOCKET_IOC_SPAWN_ALL_LISTEN:
		a->op.spawn_all_op.pairs = user_pointer(f, 64);
		a->op.spawn_all_op.count = below(f, 4) ? below(f, 8) : next(f);
		a->op.spawn_all_op.cpu = any_cpu(f);
		break;
	case FSOCKET_IOC_SOCKET:
		a->op.socket_op.family = below(f, 4) ? (below(f, 2) ? AF_INET :
					 AF_INET6) : below(f, 64);
		a->op.socket_op.type = below(f, 4) ? SOCK_STREAM |
			(below(f, 2) ? SOCK_NONBLOCK : 0) : next(f);
		a->op.socket_op.protocol = below(f, 4) ? 0 : below(f, 300);
		break;
	case FSOCKET_IOC_SHUTDOWN_LISTEN:
		a->op.shutdown_op.how = below(f, 4) ? SHUT_RDWR : (int)next(f);
		break;
	}
}

static unsigned long pick_command(struct fuzzer *f)
{
	unsigned long cmd = commands[below(f, NCOMMANDS)];

	switch (below(f, 10)) {
	case 0:	/* an unknown number of ours */
		return _IOC(_IOC_DIR(cmd), FSOCKET_IOC_MAGIC, below(f, 256),
			    _IOC_SIZE(cmd));
	case 1:	/* ours with another size or direction */
		return _IOC(below(f, 4), FSOCKET_IOC_MAGIC, _IOC_NR(cmd),
			    below(f, 2) ? below(f, 256) : _IOC_SIZE(cmd) - 8);
	case 2:	/* anything but the generic file ioctls */
		cmd = (unsigned int)next(f);
		return (cmd & 0xff00) == 0x5400 ? cmd ^ 0x100 : cmd;
	default:
		return cmd;
	}
}

static int errno_allowed(int err)
{
	size_t i;

	for (i = 0; i < sizeof(allowed) / sizeof(allowed[0]); i++)
		if (allowed[i] == err)
			return 1;
	return 0;
}

/* The returned descriptors of SPAWN_ALL_LISTEN, when they are ours. */
static void adopt_pairs(struct fuzzer *f, struct fsocket_ioctl_arg *a)
{
	struct fsocket_spawn_pair *p = (void *)(uintptr_t)a->op.spawn_all_op.pairs;
	unsigned int i;

	if ((unsigned char *)p < f->page ||
	    (unsigned char *)p >= f->page + 4096)
		return;
	for (i = 0; i < a->op.spawn_all_op.count && i < 8; i++)
		adopt(f, p[i].local_fd, FSOCKET_IOC_SPAWN_ALL_LISTEN);
}

static void one_ioctl(struct fuzzer *f)
{
	struct fsocket_ioctl_arg *a = (void *)(f->page + below(f, 8) * 8);
	unsigned long cmd = pick_command(f);
	void *argp = a;
	long ret;

	fill(f, a, _IOC_NR(cmd) == _IOC_NR(FSOCKET_IOC_ACCEPT) &&
	     _IOC_TYPE(cmd) == FSOCKET_IOC_MAGIC ? FSOCKET_IOC_ACCEPT : cmd);
	switch (below(f, 12)) {
	case 0: argp = NULL; break;
	case 1: argp = f->none; break;
	case 2: argp = f->ro; break;
	case 3: argp = f->none - below(f, sizeof(*a)); break;
	case 4: argp = (void *)(uintptr_t)0xffff888000001000ULL; break;
	}
	ret = ioctl(below(f, 50) ? f->dev : pool_fd(f), cmd, argp);
	atomic_fetch_add(&f->tot->ioctls, 1);
	if (ret < 0) {
		atomic_fetch_add(&f->tot->err[errno < MAX_ERRNO ? errno : 0], 1);
		if (!errno_allowed(errno))
			unexpected(f, "errno", cmd, errno);
		return;
	}
	atomic_fetch_add(&f->tot->ok, 1);
	/*
	 * Mode 2 may have pinned the thread to a CPU; all threads would end up
	 * on the same one. Let it run anywhere again.
	 */
	if (_IOC_NR(cmd) == _IOC_NR(FSOCKET_IOC_SPAWN_LISTEN) ||
	    _IOC_NR(cmd) == _IOC_NR(FSOCKET_IOC_SPAWN_ALL_LISTEN))
		sched_setaffinity(0, sizeof(f->cpus), &f->cpus);
	if (argp != a)
		return;
	if ((cmd == FSOCKET_IOC_ACCEPT || cmd == FSOCKET_IOC_SPAWN_LISTEN ||
	     cmd == FSOCKET_IOC_SOCKET) && ret > 0)
		adopt(f, ret, cmd);
	else if (cmd == FSOCKET_IOC_CLOSE)
		pool_closed(f, a->fd);
	else if (cmd == FSOCKET_IOC_SPAWN_ALL_LISTEN)
		adopt_pairs(f, a);
}

/* churn: the world changes under the ioctls. */
static void churn(struct fuzzer *f)
{
	int fd = pool_fd(f), size = 1024 << below(f, 10);

	switch (below(f, 6)) {
	case 0: case 1:
		pool_put(f, below(f, POOL), new_descriptor(f));
		break;
	case 2:
		fd = accept4(fd, NULL, NULL, SOCK_NONBLOCK);
		if (fd >= 0)
			pool_put(f, below(f, POOL), fd);
		break;
	case 3:
		setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof(size));
		break;
	case 4:
		shutdown(fd, below(f, 3));
		break;
	default:
		pool_put(f, below(f, POOL), tcp_client(f));
	}
}

static int done(struct fuzzer *f)
{
	return atomic_load(&f->tot->ioctls) >= f->tot->budget ||
	       now_ms() >= f->tot->deadline;
}

static void run_child(struct fuzzer *f);

static void fuzz_loop(struct fuzzer *f, long limit)
{
	long i;

	for (i = 0; i < limit && !done(f); i++) {
		if (below(f, 8) == 0)
			churn(f);
		else
			one_ioctl(f);
		if (below(f, 4000) == 0)
			run_child(f);
	}
}

/* A forked child: some ioctls on the inherited pool, then it dies. */
static void run_child(struct fuzzer *f)
{
	pid_t pid = fork();

	if (pid < 0)
		return;
	if (pid == 0) {
		f->rng ^= (unsigned long long)getpid() << 32;
		fuzz_loop(f, 300);
		if (below(f, 2))
			raise(SIGKILL);
		_exit(0);
	}
	atomic_fetch_add(&f->tot->forks, 1);
	waitpid(pid, NULL, 0);
}

static int fuzzer_init(struct fuzzer *f, struct totals *tot,
		       unsigned long long seed)
{
	unsigned char *map = mmap(NULL, 3 * 4096, PROT_READ | PROT_WRITE,
				  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	int i;

	if (map == MAP_FAILED)
		return -1;
	f->page = map;
	f->ro = map + 4096;
	f->none = map + 8192;
	if (mprotect(f->ro, 4096, PROT_READ) || mprotect(f->none, 4096, PROT_NONE))
		return -1;
	f->tot = tot;
	f->rng = seed | 1;
	if (sched_getaffinity(0, sizeof(f->cpus), &f->cpus))
		return -1;
	f->dev = open(FSOCKET_DEVICE_PATH, O_RDWR | O_CLOEXEC);
	if (f->dev < 0)
		return -1;
	for (i = 0; i < POOL; i++) {
		f->owned[i] = false;
		pool_put(f, i, new_descriptor(f));
	}
	return 0;
}

static void fuzzer_fini(struct fuzzer *f)
{
	int i;

	for (i = 0; i < POOL; i++)
		pool_put(f, i, -1);
	close(f->dev);
	munmap(f->page, 3 * 4096);
}

/* Lowest free descriptor number: the table is "full" below a limit there. */
static void table_full_moment(const struct rlimit *normal)
{
	struct rlimit full = *normal;
	int low = dup(0);

	if (low < 0)
		return;
	close(low);
	full.rlim_cur = (rlim_t)low;
	if (setrlimit(RLIMIT_NOFILE, &full))
		return;
	usleep(1000);
	setrlimit(RLIMIT_NOFILE, normal);
}

/* One change of the racer's listeners under the other threads' ioctls. */
static void race_once(struct fuzzer *f, const struct rlimit *normal)
{
	int i = below(f, RACED), j = below(f, RACED), fd, old;
	struct fsocket_ioctl_arg arg = { 0 };

	switch (below(f, 8)) {
	case 0: case 1: case 2:	/* a new listener in its place */
		fd = tcp_listener(f, below(f, 2) ? AF_INET : AF_INET6, 1);
		old = atomic_exchange(&raced[i], fd);
		if (old >= 0)
			close(old);
		break;
	case 3:			/* one onto another, both the racer's */
		fd = atomic_load(&raced[j]);
		old = atomic_load(&raced[i]);
		if (fd >= 0 && old >= 0 && fd != old)
			dup2(fd, old);
		break;
	case 4:			/* gone */
		old = atomic_exchange(&raced[i], -1);
		if (old >= 0)
			close(old);
		break;
	case 5: case 6:		/* a local listener, kept in the racer's pool */
		arg.fd = atomic_load(&raced[i]);
		arg.op.spawn_op.cpu = FSOCKET_CPU_ANY;
		fd = ioctl(f->dev, FSOCKET_IOC_SPAWN_LISTEN, &arg);
		if (fd >= 0)
			pool_put(f, below(f, POOL), fd);
		sched_setaffinity(0, sizeof(f->cpus), &f->cpus);
		break;
	default:
		table_full_moment(normal);
	}
}

struct racer_arg {
	struct totals *tot;
	int threads;
};

static void *racer_main(void *p)
{
	const struct racer_arg *r = p;
	struct totals *tot = r->tot;
	struct rlimit normal;
	struct fuzzer f;
	int i;

	/* The other threads open the device first: the table may fill. */
	while (atomic_load(&threads_ready) < r->threads)
		usleep(1000);
	if (getrlimit(RLIMIT_NOFILE, &normal) ||
	    fuzzer_init(&f, tot, (unsigned long long)getpid() << 16)) {
		perror("fuzz: racer");
		return (void *)1;
	}
	while (!done(&f)) {
		race_once(&f, &normal);
		usleep(1000);
	}
	for (i = 0; i < RACED; i++) {
		int fd = atomic_exchange(&raced[i], -1);

		if (fd >= 0)
			close(fd);
	}
	fuzzer_fini(&f);
	return NULL;
}

struct thread_arg {
	struct totals *tot;
	unsigned long long seed;
	int failed;
};

static void *thread_main(void *p)
{
	struct thread_arg *t = p;
	struct fuzzer f;

	if (fuzzer_init(&f, t->tot, t->seed)) {
		perror("fuzz: init");
		t->failed = 1;
		atomic_fetch_add(&threads_ready, 1);
		return NULL;
	}
	atomic_fetch_add(&threads_ready, 1);
	fuzz_loop(&f, __LONG_MAX__);
	fuzzer_fini(&f);
	return NULL;
}

static int run_process(const struct options *o, struct totals *tot, int id)
{
	struct thread_arg args[MAX_THREADS];
	struct racer_arg r = { tot, o->threads };
	pthread_t tids[MAX_THREADS], racer;
	int i, failed = 0;
	void *racer_failed;

	for (i = 0; i < o->threads; i++) {
		args[i] = (struct thread_arg){ tot,
			((unsigned long long)o->seed << 20) ^ (id << 8) ^ i, 0 };
		if (pthread_create(&tids[i], NULL, thread_main, &args[i]))
			return 1;
	}
	if (pthread_create(&racer, NULL, racer_main, &r))
		return 1;
	for (i = 0; i < o->threads; i++) {
		pthread_join(tids[i], NULL);
		failed |= args[i].failed;
	}
	pthread_join(racer, &racer_failed);
	return failed || racer_failed;
}

static void summary(const struct totals *tot)
{
	int e;

	printf("fuzz: %ld ioctls, %ld succeeded, %ld descriptors returned, %ld forks, %d unexpected\n",
	       atomic_load(&tot->ioctls), atomic_load(&tot->ok),
	       atomic_load(&tot->fds), atomic_load(&tot->forks),
	       atomic_load(&tot->bad));
	printf("fuzz: errno:");
	for (e = 0; e < MAX_ERRNO; e++)
		if (atomic_load(&tot->err[e]))
			printf(" %s %ld", e ? strerrorname_np(e) : "other",
			       atomic_load(&tot->err[e]));
	printf("\n");
}

int main(int argc, char **argv)
{
	struct options o = { .ioctls = 100000, .procs = 4, .threads = 2,
			     .seconds = 120, .seed = (unsigned int)time(NULL) };
	struct totals *tot;
	int opt, i, status, failed = 0;

	while ((opt = getopt(argc, argv, "n:p:t:s:d:")) != -1) {
		switch (opt) {
		case 'n': o.ioctls = atol(optarg); break;
		case 'p': o.procs = atoi(optarg); break;
		case 't': o.threads = atoi(optarg); break;
		case 's': o.seed = strtoul(optarg, NULL, 0); break;
		case 'd': o.seconds = atoi(optarg); break;
		default: goto usage;
		}
	}
	if (o.ioctls < 1 || o.procs < 1 || o.procs > 64 || o.threads < 1 ||
	    o.threads > MAX_THREADS || o.seconds < 1)
		goto usage;
	tot = mmap(NULL, sizeof(*tot), PROT_READ | PROT_WRITE,
		   MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (tot == MAP_FAILED)
		return 1;
	tot->budget = o.ioctls;
	tot->deadline = now_ms() + o.seconds * 1000L;
	signal(SIGPIPE, SIG_IGN);
	printf("fuzz: seed %u, %d processes x %d threads, up to %ld ioctls or %d s\n",
	       o.seed, o.procs, o.threads, o.ioctls, o.seconds);
	fflush(stdout);
	for (i = 0; i < o.procs; i++) {
		pid_t pid = fork();

		if (pid == 0)
			_exit(run_process(&o, tot, i));
		if (pid < 0)
			return 1;
	}
	while (wait(&status) > 0)
		failed |= !WIFEXITED(status) || WEXITSTATUS(status);
	summary(tot);
	if (failed)
		printf("fuzz: a process failed to run\n");
	return failed || atomic_load(&tot->bad);
usage:
	fprintf(stderr, "usage: fuzz [-n IOCTLS] [-p PROCESSES] [-t THREADS] [-s SEED] [-d SECONDS]\n");
	return 2;
}
