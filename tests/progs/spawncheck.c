// SPDX-License-Identifier: GPL-2.0-only
/*
 * spawncheck: LISTEN and SPAWN_LISTEN of /dev/fastsocket, checked from
 * user space. Prints one line per check; exit status 0 when all hold.
 *
 *   spawncheck errors   bad input: one errno each, no descriptor left over
 *   spawncheck clone    a local listener copies address and options
 *   spawncheck any      "choose for me" hands out every CPU once
 *   spawncheck owner    a worker that dropped privileges still spawns
 *                       (port 80, owner nobody)
 *   spawncheck all      SPAWN_ALL_LISTEN
 *   spawncheck allowed  mode 2 keeps to the caller's allowed CPUs
 *   spawncheck reload   mode 2 while a server's new workers start and its
 *                       old ones exit one by one, as nginx reloads: the
 *                       new workers end on every CPU, one each
 *   spawncheck stuck    SPAWN_ALL_LISTEN whose answer goes to a page that
 *                       does not fault in (userfaultfd) holds up only its
 *                       caller: another process spawns within 1 s
 *   spawncheck caps     with max_listeners_per_user=3 and
 *                       max_listeners_per_netns=4 (set by the caller):
 *                       root's fourth listener gets ENOSPC and keeps no
 *                       SO_REUSEPORT, a closed one frees its place, and
 *                       nobody's second meets the namespace's cap
 *   spawncheck foreign  a same-uid SO_REUSEPORT socket binding a watched
 *                       listener's port (refused with EADDRINUSE before
 *                       LISTEN, as by the plain kernel) is counted in
 *                       /proc/net/fastsocket, and the module steals
 *                       nothing in its group, where it did before
 *                       (steal_after_ms at its default, 100)
 *   spawncheck unsteered
 *                       with the module on a kernel that does not steer
 *                       by SO_INCOMING_CPU ("steering 0"): LISTEN, SPAWN
 *                       and SPAWN_ALL refuse with EOPNOTSUPP and leave
 *                       the listener, the descriptors and the caller's
 *                       CPUs as they were; accept(2) still works
 *   spawncheck memcg DIR
 *                       in the memory cgroup DIR: each watched listener is
 *                       charged to it, and with memory.max just above its
 *                       use LISTEN fails with ENOMEM (no OOM kill) and
 *                       leaves the socket as it was
 *   spawncheck children connections taken from a local listener with
 *                       plain accept(), one with kTLS where the kernel has
 *                       it, keep working once the listeners and the
 *                       device are closed; between "held" and the end of
 *                       standard input the module can be unloaded
 *   spawncheck hold [close]
 *                       spawns a local listener (and closes the device
 *                       with "close"), prints "held", waits for its
 *                       standard input to end (the module may be unloaded
 *                       meanwhile), then checks that 20 connections are
 *                       accepted from its two listeners with plain accept()
 *                       (on 127.0.0.1, port $HOLD_PORT or any)
 */
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <linux/fastsocket.h>
#include <linux/userfaultfd.h>

#include "check.h"

static int dev;

static int fsioctl(unsigned long cmd, int fd, int cpu, int *out_cpu)
{
	struct fsocket_ioctl_arg arg;
	int ret;

	memset(&arg, 0, sizeof(arg));
	arg.fd = fd;
	arg.op.spawn_op.cpu = cpu;
	ret = ioctl(dev, cmd, &arg);
	if (out_cpu)
		*out_cpu = arg.op.spawn_op.cpu;
	return ret;
}

static void expect_cmd_errno(const char *what, unsigned long cmd, int fd, int cpu,
			 int want)
{
	char detail[96];
	int ret = fsioctl(cmd, fd, cpu, NULL);
	int err = errno;

	snprintf(detail, sizeof(detail), "ret %d %s (want %s)", ret,
		 ret < 0 ? strerrorname_np(err) : "", strerrorname_np(want));
	check(what, ret == -1 && err == want, detail);
	if (ret >= 0 && cmd == FSOCKET_IOC_SPAWN_LISTEN)
		close(ret);
}

static int count_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	int n = 0;

	while (d && readdir(d))
		n++;
	if (d)
		closedir(d);
	return n;
}

static int tcp_listener(int family, int v6only, int port)
{
	int fd = socket(family, SOCK_STREAM | SOCK_NONBLOCK, 0), one = 1;
	struct sockaddr_in6 a6 = { .sin6_family = AF_INET6,
				   .sin6_port = htons(port) };
	struct sockaddr_in a4 = { .sin_family = AF_INET,
				  .sin_port = htons(port) };

	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (family == AF_INET6) {
		a6.sin6_addr = in6addr_any;
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &v6only,
			   sizeof(v6only));
		if (bind(fd, (struct sockaddr *)&a6, sizeof(a6)))
			return -1;
	} else {
		a4.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		if (bind(fd, (struct sockaddr *)&a4, sizeof(a4)))
			return -1;
	}
	return listen(fd, 77) ? -1 : fd;
}

static int getint(int fd, int level, int name)
{
	int v = -1;
	socklen_t len = sizeof(v);

	return getsockopt(fd, level, name, &v, &len) ? -1 : v;
}

/* An answer that cannot be written back must not leave a descriptor. */
static void readonly_answer(int lfd)
{
	struct fsocket_ioctl_arg *arg = mmap(NULL, 4096, PROT_READ | PROT_WRITE,
					     MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	int ret, err;

	if (arg == MAP_FAILED)
		return;
	memset(arg, 0, sizeof(*arg));
	arg->fd = lfd;
	mprotect(arg, 4096, PROT_READ);
	ret = ioctl(dev, FSOCKET_IOC_SPAWN_LISTEN, arg);
	err = errno;
	check("SPAWN_LISTEN with a read-only argument gets EFAULT",
	      ret == -1 && err == EFAULT, NULL);
	if (ret >= 0)
		close(ret);
	munmap(arg, 4096);
}

static int errors(void)
{
	int before = count_fds(), ncpu = sysconf(_SC_NPROCESSORS_ONLN);
	int pipefd[2], udp, unx, tcp, bound, closed, lfd;
	struct sockaddr_un un = { .sun_family = AF_UNIX };
	struct sockaddr_in a4 = { .sin_family = AF_INET,
				  .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	unsigned long cmds[] = { FSOCKET_IOC_LISTEN, FSOCKET_IOC_SPAWN_LISTEN };
	const char *names[] = { "LISTEN", "SPAWN_LISTEN" };
	char what[96];
	unsigned int i;

	if (pipe(pipefd))
		return 1;
	udp = socket(AF_INET, SOCK_DGRAM, 0);
	unx = socket(AF_UNIX, SOCK_STREAM, 0);
	snprintf(un.sun_path, sizeof(un.sun_path), "/tmp/spawncheck.%d", getpid());
	unlink(un.sun_path);
	if (bind(unx, (struct sockaddr *)&un, sizeof(un)) || listen(unx, 8))
		return 1;
	tcp = socket(AF_INET, SOCK_STREAM, 0);
	bound = socket(AF_INET, SOCK_STREAM, 0);
	if (bind(bound, (struct sockaddr *)&a4, sizeof(a4)))
		return 1;
	lfd = tcp_listener(AF_INET, 0, 0);
	/* Last, so that no later descriptor takes its number. */
	closed = socket(AF_INET, SOCK_STREAM, 0);
	close(closed);

	for (i = 0; i < 2; i++) {
#define EXPECT(label, fd, cpu, want)					\
		do {							\
			snprintf(what, sizeof(what), "%s %s", names[i], label); \
			expect_cmd_errno(what, cmds[i], fd, cpu, want);	\
		} while (0)
		EXPECT("fd -1", -1, 0, EBADF);
		EXPECT("closed fd", closed, 0, EBADF);
		EXPECT("fd 1<<30", 1 << 30, 0, EBADF);
		EXPECT("pipe", pipefd[0], 0, ENOTSOCK);
		EXPECT("UDP socket", udp, 0, EOPNOTSUPP);
		EXPECT("Unix listener", unx, 0, EOPNOTSUPP);
		EXPECT("TCP, not bound", tcp, 0, EINVAL);
		EXPECT("TCP, bound, not listening", bound, 0, EINVAL);
#undef EXPECT
	}
	expect_cmd_errno("SPAWN_LISTEN cpu = CPU count", FSOCKET_IOC_SPAWN_LISTEN,
		     lfd, ncpu, EINVAL);
	expect_cmd_errno("SPAWN_LISTEN cpu -7", FSOCKET_IOC_SPAWN_LISTEN, lfd, -7,
		     EINVAL);
	expect_cmd_errno("SPAWN_LISTEN cpu 1<<30", FSOCKET_IOC_SPAWN_LISTEN, lfd,
		     1 << 30, EINVAL);
	readonly_answer(lfd);
	check("UDP socket untouched (no SO_REUSEPORT)",
	      getint(udp, SOL_SOCKET, SO_REUSEPORT) == 0, NULL);
	close(pipefd[0]); close(pipefd[1]); close(udp); close(unx);
	close(tcp); close(bound); close(lfd);
	unlink(un.sun_path);
	check("no descriptor left behind", count_fds() == before, NULL);
	return failures != 0;
}

static void same_address(int a, int b)
{
	struct sockaddr_storage sa, sb;
	socklen_t la = sizeof(sa), lb = sizeof(sb);

	check("same address and port",
	      !getsockname(a, (struct sockaddr *)&sa, &la) &&
	      !getsockname(b, (struct sockaddr *)&sb, &lb) && la == lb &&
	      !memcmp(&sa, &sb, la), NULL);
}

static int clone_family(int family, int v6only)
{
	int one = 1, buf = 200000, cpu = -1, g, l;
	char detail[64];

	g = tcp_listener(family, v6only, 0);
	setsockopt(g, SOL_SOCKET, SO_RCVBUF, &buf, sizeof(buf));
	setsockopt(g, SOL_SOCKET, SO_KEEPALIVE, &one, sizeof(one));
	setsockopt(g, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	check("LISTEN", fsioctl(FSOCKET_IOC_LISTEN, g, 0, NULL) == 0, NULL);
	check("LISTEN set SO_REUSEPORT", getint(g, SOL_SOCKET, SO_REUSEPORT) == 1, NULL);
	l = fsioctl(FSOCKET_IOC_SPAWN_LISTEN, g, 0, &cpu);
	snprintf(detail, sizeof(detail), "fd %d cpu %d", l, cpu);
	check("SPAWN_LISTEN cpu 0", l >= 0 && cpu == 0, detail);
	if (l < 0)
		return 1;
	check("listening", getint(l, SOL_SOCKET, SO_ACCEPTCONN) == 1, NULL);
	same_address(g, l);
	check("SO_INCOMING_CPU 0", getint(l, SOL_SOCKET, SO_INCOMING_CPU) == 0, NULL);
	check("SO_REUSEPORT", getint(l, SOL_SOCKET, SO_REUSEPORT) == 1, NULL);
	check("SO_RCVBUF copied", getint(l, SOL_SOCKET, SO_RCVBUF) ==
	      getint(g, SOL_SOCKET, SO_RCVBUF), NULL);
	check("SO_KEEPALIVE copied", getint(l, SOL_SOCKET, SO_KEEPALIVE) == 1, NULL);
	check("TCP_NODELAY copied", getint(l, IPPROTO_TCP, TCP_NODELAY) == 1, NULL);
	check("SO_REUSEADDR copied", getint(l, SOL_SOCKET, SO_REUSEADDR) == 1, NULL);
	if (family == AF_INET6)
		check("IPV6_V6ONLY copied", getint(l, IPPROTO_IPV6, IPV6_V6ONLY) ==
		      v6only, NULL);
	check("close-on-exec", fcntl(l, F_GETFD) & FD_CLOEXEC, NULL);
	check("non-blocking like the listener", fcntl(l, F_GETFL) & O_NONBLOCK, NULL);
	close(l);
	close(g);
	return failures != 0;
}

static int clones(void)
{
	printf("-- IPv4\n");
	clone_family(AF_INET, 0);
	printf("-- IPv6, V6ONLY 1\n");
	clone_family(AF_INET6, 1);
	printf("-- IPv6, V6ONLY 0\n");
	clone_family(AF_INET6, 0);
	return failures != 0;
}

/* Is the caller allowed on @cpu alone? */
static int pinned_to(int cpu)
{
	cpu_set_t set;

	return !sched_getaffinity(0, sizeof(set), &set) && CPU_COUNT(&set) == 1 &&
	       CPU_ISSET(cpu, &set);
}

static void unpin(void)
{
	cpu_set_t set;
	int i;

	CPU_ZERO(&set);
	for (i = 0; i < sysconf(_SC_NPROCESSORS_ONLN); i++)
		CPU_SET(i, &set);
	sched_setaffinity(0, sizeof(set), &set);
}

/*
 * Mode 2: each "choose for me" gets a CPU no local listener of this
 * listener has, and pins the caller there (unpinned again between calls,
 * as if each were another worker); with every CPU taken, the least used
 * one, lowest first.
 */
static int any_cpu(void)
{
	int ncpu = sysconf(_SC_NPROCESSORS_ONLN), g = tcp_listener(AF_INET, 0, 0);
	int fds[256], seen = 0, i, cpu, fd;
	char detail[64];

	for (i = 0; i < ncpu && i < 256; i++) {
		unpin();
		fds[i] = fsioctl(FSOCKET_IOC_SPAWN_LISTEN, g, FSOCKET_CPU_ANY, &cpu);
		snprintf(detail, sizeof(detail), "fd %d cpu %d", fds[i], cpu);
		check("SPAWN_LISTEN any", fds[i] >= 0 && cpu >= 0 && cpu < ncpu &&
		      !(seen & (1 << cpu)), detail);
		check("the caller is pinned to that CPU", pinned_to(cpu), NULL);
		if (fds[i] >= 0 && cpu >= 0 && cpu < 31)
			seen |= 1 << cpu;
	}
	unpin();
	fd = fsioctl(FSOCKET_IOC_SPAWN_LISTEN, g, FSOCKET_CPU_ANY, &cpu);
	snprintf(detail, sizeof(detail), "fd %d cpu %d", fd, cpu);
	check("every CPU taken: the first least used CPU is shared", fd >= 0 &&
	      cpu == 0 && getint(fd, SOL_SOCKET, SO_INCOMING_CPU) == 0 &&
	      pinned_to(0), detail);
	unpin();
	fd = fsioctl(FSOCKET_IOC_SPAWN_LISTEN, g, FSOCKET_CPU_ANY, &cpu);
	snprintf(detail, sizeof(detail), "fd %d cpu %d", fd, cpu);
	check("then the next one", fd >= 0 && cpu == (ncpu > 1 ? 1 : 0), detail);
	unpin();
	close(fds[ncpu - 1]);
	fd = fsioctl(FSOCKET_IOC_SPAWN_LISTEN, g, FSOCKET_CPU_ANY, &cpu);
	snprintf(detail, sizeof(detail), "fd %d cpu %d (want %d)", fd, cpu,
		 ncpu - 1);
	check("a closed local listener frees its CPU", fd >= 0 &&
	      cpu == ncpu - 1 &&
	      getint(fd, SOL_SOCKET, SO_INCOMING_CPU) == cpu, detail);
	unpin();
	fd = fsioctl(FSOCKET_IOC_SPAWN_LISTEN, g, 0, &cpu);
	check("an explicit CPU does not pin", !pinned_to(0) || ncpu == 1, NULL);
	return failures != 0;
}

/* A worker process: its own device, a local listener of @g where mode 2 puts it. */
struct worker {
	pid_t pid;
	int cpu;
};

static struct worker worker_start(int g)
{
	struct worker w = { .pid = -1, .cpu = -1 };
	int up[2];

	if (pipe(up))
		return w;
	w.pid = fork();
	if (w.pid == 0) {
		int cpu = -1;

		close(up[0]);
		close(dev);
		unpin();
		dev = open(FSOCKET_DEVICE_PATH, O_RDWR | O_CLOEXEC);
		if (dev < 0 || fsioctl(FSOCKET_IOC_SPAWN_LISTEN, g, FSOCKET_CPU_ANY, &cpu) < 0)
			cpu = -1;
		if (write(up[1], &cpu, sizeof(cpu)) != sizeof(cpu))
			_exit(1);
		pause();
		_exit(0);
	}
	close(up[1]);
	if (w.pid < 0 || read(up[0], &w.cpu, sizeof(w.cpu)) != sizeof(w.cpu))
		w.cpu = -1;
	close(up[0]);
	return w;
}

static void worker_stop(struct worker *w)
{
	if (w->pid > 0) {
		kill(w->pid, SIGTERM);
		waitpid(w->pid, NULL, 0);
	}
	w->pid = -1;
}

/*
 * nginx's reload: the old workers hold every CPU; the new ones start
 * while the old ones exit, one now and then. Old workers on CPU n/2 and
 * then 0 exit after the first and after n-2 new ones started: by local
 * listeners counted alone, the last new worker went beside the one on
 * CPU 0 and the CPU of the last old worker stayed without one.
 */
static int reload(void)
{
	int ncpu = (int)sysconf(_SC_NPROCESSORS_ONLN), g = tcp_listener(AF_INET, 0, 0);
	struct worker old[32], new[32];
	int i, seen = 0, ok = 1;
	char detail[160];
	size_t len = 0;

	if (ncpu > 32)
		ncpu = 32;
	for (i = 0; i < ncpu; i++) {
		old[i] = worker_start(g);
		ok = ok && old[i].cpu == i;
	}
	check("the old workers take a CPU each, in order", ok, NULL);
	for (i = 0; i < ncpu; i++) {
		if (i == 1 && ncpu > 2)
			worker_stop(&old[ncpu / 2]);
		if (i == ncpu - 1)
			worker_stop(&old[0]);
		new[i] = worker_start(g);
		if (new[i].cpu >= 0)
			seen |= 1 << new[i].cpu;
		len += (size_t)snprintf(detail + len, sizeof(detail) - len, "%s%d",
					i ? " " : "new workers on CPUs ", new[i].cpu);
		if (len >= sizeof(detail))
			len = sizeof(detail) - 1;
	}
	for (i = 0; i < ncpu; i++)
		worker_stop(&old[i]);
	check("the new workers end on every CPU, one each",
	      seen == (int)((1u << ncpu) - 1), detail);
	for (i = 0; i < ncpu; i++)
		worker_stop(&new[i]);
	close(g);
	return failures != 0;
}

static int owner(void)
{
	int g = tcp_listener(AF_INET, 0, 80), status;
	pid_t pid;

	check("root listens on 127.0.0.1:80", g >= 0, NULL);
	pid = fork();
	if (pid == 0) {
		int l, cpu;

		if (setgid(65534) || setuid(65534))
			_exit(2);
		l = fsioctl(FSOCKET_IOC_SPAWN_LISTEN, g, 0, &cpu);
		check("nobody spawns on port 80", l >= 0, l < 0 ? strerror(errno) : NULL);
		_exit(failures != 0);
	}
	check("worker as nobody", waitpid(pid, &status, 0) == pid &&
	      WIFEXITED(status) && WEXITSTATUS(status) == 0, NULL);
	return failures != 0;
}

/* LISTEN for @fd: 0, or the errno. */
static int listen_errno(int fd)
{
	return fsioctl(FSOCKET_IOC_LISTEN, fd, 0, NULL) ? errno : 0;
}

/* LISTEN for @fd until it is not refused with ENOSPC (the sweep: 1 s). */
static int listen_within_sweep(int fd)
{
	int i, err = ENOSPC;

	for (i = 0; i < 40 && err == ENOSPC; i++) {
		err = listen_errno(fd);
		if (err == ENOSPC)
			usleep(50000);
	}
	return err;
}

static int caps(void)
{
	int l[4], i, err, status;
	char detail[64];
	pid_t pid;

	for (i = 0; i < 4; i++)
		l[i] = tcp_listener(AF_INET, 0, 0);
	for (i = 0; i < 3; i++)
		check("root's listeners 1 to 3 are watched", listen_errno(l[i]) == 0, NULL);
	err = listen_errno(l[3]);
	snprintf(detail, sizeof(detail), "%s", err ? strerrorname_np(err) : "watched");
	check("root's fourth listener gets ENOSPC", err == ENOSPC, detail);
	check("... and keeps SO_REUSEPORT off", getint(l[3], SOL_SOCKET, SO_REUSEPORT) == 0, NULL);
	check("a listener already watched is not counted again", listen_errno(l[0]) == 0, NULL);
	close(l[0]);
	err = listen_within_sweep(l[3]);
	check("a closed listener frees its place", err == 0, err ? strerrorname_np(err) : NULL);
	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		int a, b;

		if (setgid(65534) || setuid(65534))
			_exit(2);
		a = tcp_listener(AF_INET, 0, 0);
		b = tcp_listener(AF_INET, 0, 0);
		check("nobody's first listener is watched (the namespace's fourth)",
		      listen_errno(a) == 0, NULL);
		check("nobody's second meets the namespace's cap (ENOSPC)",
		      listen_errno(b) == ENOSPC, NULL);
		fflush(stdout);
		_exit(failures != 0);
	}
	check("the namespace's cap as nobody", waitpid(pid, &status, 0) == pid &&
	      WIFEXITED(status) && WEXITSTATUS(status) == 0, NULL);
	for (i = 1; i < 4; i++)
		close(l[i]);
	return failures != 0;
}

static int spawn_all(struct fsocket_spawn_pair *pairs, unsigned int room,
		     int *count, int *cpu)
{
	struct fsocket_ioctl_arg arg;
	int ret;

	memset(&arg, 0, sizeof(arg));
	arg.op.spawn_all_op.pairs = (unsigned long)pairs;
	arg.op.spawn_all_op.count = room;
	arg.op.spawn_all_op.cpu = FSOCKET_CPU_ANY;
	ret = ioctl(dev, FSOCKET_IOC_SPAWN_ALL_LISTEN, &arg);
	*count = arg.op.spawn_all_op.count;
	*cpu = arg.op.spawn_all_op.cpu;
	return ret;
}

static int port_of(int fd)
{
	struct sockaddr_in a;
	socklen_t len = sizeof(a);

	return getsockname(fd, (struct sockaddr *)&a, &len) ? -1 : ntohs(a.sin_port);
}

/*
 * SPAWN_ALL_LISTEN, in a child as after fork: one local listener per
 * listener that went through LISTEN (not the others), all on the CPU the
 * module chose, which the child is pinned to; all or nothing.
 */
static int all_listeners(void)
{
	int a = tcp_listener(AF_INET, 0, 0), b = tcp_listener(AF_INET, 0, 0);
	int plain = tcp_listener(AF_INET, 0, 0), n, cpu, ret, fds, i, ok = 1;
	struct fsocket_spawn_pair pairs[4];
	char detail[96];

	ret = spawn_all(pairs, 4, &n, &cpu);
	check("nothing watched yet: none", ret == 0, NULL);
	check("LISTEN", !fsioctl(FSOCKET_IOC_LISTEN, a, 0, NULL) &&
	      !fsioctl(FSOCKET_IOC_LISTEN, b, 0, NULL), NULL);
	fds = count_fds();
	expect_errno("room for 1 of 2", spawn_all(pairs, 1, &n, &cpu), ENOSPC);
	expect_errno("pairs at a bad address", spawn_all((void *)8, 4, &n, &cpu), EFAULT);
	check("a refused call leaves no descriptor", count_fds() == fds, NULL);
	expect_errno("room for too many", spawn_all(pairs, 1 << 20, &n, &cpu), EINVAL);

	unpin();
	ret = spawn_all(pairs, 4, &n, &cpu);
	snprintf(detail, sizeof(detail), "ret %d count %d cpu %d", ret, n, cpu);
	check("two local listeners", ret == 2 && n == 2, detail);
	for (i = 0; i < n && i < 4; i++) {
		int g = pairs[i].global_fd, l = pairs[i].local_fd;

		ok &= (g == a || g == b) && g != plain && port_of(l) == port_of(g) &&
		      getint(l, SOL_SOCKET, SO_INCOMING_CPU) == cpu &&
		      getint(l, SOL_SOCKET, SO_ACCEPTCONN) == 1;
	}
	check("each on its listener's port, on the chosen CPU", ok && n == 2 &&
	      pairs[0].global_fd != pairs[1].global_fd, NULL);
	check("the caller is pinned to that CPU", pinned_to(cpu), NULL);
	unpin();
	return failures != 0;
}

/* Allow the caller CPUs [@lo, @hi) only. */
static void allow(int lo, int hi)
{
	cpu_set_t set;
	int i;

	CPU_ZERO(&set);
	for (i = lo; i < hi; i++)
		CPU_SET(i, &set);
	sched_setaffinity(0, sizeof(set), &set);
}

/*
 * Mode 2 chooses among the CPUs the caller may run on: with the upper half
 * allowed, each "choose for me" gets one of those, and once they are all
 * taken, one of those again although the lower half has no local listener.
 */
struct held_spawn {
	struct fsocket_spawn_pair *pairs;
	int ret, err, count;
};

static void *spawn_all_into(void *p)
{
	struct held_spawn *h = p;
	int cpu;

	h->ret = spawn_all(h->pairs, 4, &h->count, &cpu);
	h->err = errno;
	return NULL;
}

/* A page whose first touch waits on @uffd until it is closed. */
static struct fsocket_spawn_pair *unfaulted_page(int *uffd)
{
	struct uffdio_api api = { .api = UFFD_API };
	struct uffdio_register reg = { .mode = UFFDIO_REGISTER_MODE_MISSING };
	void *page = mmap(NULL, 4096, PROT_READ | PROT_WRITE,
			  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	*uffd = (int)syscall(SYS_userfaultfd, O_CLOEXEC);
	if (page == MAP_FAILED || *uffd < 0 || ioctl(*uffd, UFFDIO_API, &api))
		return NULL;
	reg.range.start = (unsigned long)page;
	reg.range.len = 4096;
	return ioctl(*uffd, UFFDIO_REGISTER, &reg) ? NULL : page;
}

static long ms_since(const struct timespec *t0)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (t.tv_sec - t0->tv_sec) * 1000 + (t.tv_nsec - t0->tv_nsec) / 1000000;
}

/* In a child: SPAWN_LISTEN for @fd must answer within 1 s. */
static void spawn_meanwhile(int fd)
{
	struct timespec t0;
	char detail[64];
	int l;
	long ms;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	l = fsioctl(FSOCKET_IOC_SPAWN_LISTEN, fd, FSOCKET_CPU_ANY, NULL);
	ms = ms_since(&t0);
	snprintf(detail, sizeof(detail), "%s in %ld ms", l >= 0 ? "spawned" :
		 strerrorname_np(errno), ms);
	check("another process spawns meanwhile, within 1 s", l >= 0 && ms < 1000, detail);
	fflush(stdout);
	_exit(failures != 0);
}

static int held_spawn_all(void)
{
	int g = tcp_listener(AF_INET, 0, 0), other = tcp_listener(AF_INET, 0, 0);
	struct held_spawn h = { .ret = -1 };
	struct pollfd p = { .events = POLLIN };
	int uffd, status = -1, i, done = 0;
	pthread_t t;
	pid_t pid;

	check("listeners watched", !fsioctl(FSOCKET_IOC_LISTEN, g, 0, NULL) &&
	      !fsioctl(FSOCKET_IOC_LISTEN, other, 0, NULL), NULL);
	h.pairs = unfaulted_page(&uffd);
	if (!h.pairs) {
		printf("SKIP userfaultfd: %s\n", strerror(errno));
		return failures != 0;
	}
	p.fd = uffd;
	if (pthread_create(&t, NULL, spawn_all_into, &h))
		return 1;
	check("SPAWN_ALL_LISTEN waits on its answer's page",
	      poll(&p, 1, 5000) == 1, NULL);
	fflush(stdout);
	pid = fork();
	if (pid == 0)
		spawn_meanwhile(other);
	for (i = 0; i < 100 && !done; i++) {
		done = waitpid(pid, &status, WNOHANG) == pid;
		if (!done)
			usleep(50000);
	}
	close(uffd);		/* the page faults in as usual now */
	if (!done)
		done = waitpid(pid, &status, 0) == pid;
	check("... and the other process was not held up", done &&
	      WIFEXITED(status) && WEXITSTATUS(status) == 0, NULL);
	pthread_join(t, NULL);
	check("the held SPAWN_ALL_LISTEN completes once its page comes",
	      h.ret >= 0 && h.count >= 1, h.ret < 0 ? strerrorname_np(h.err) : NULL);
	for (i = 0; h.ret >= 0 && i < h.count; i++)
		close(h.pairs[i].local_fd);
	close(g);
	close(other);
	return failures != 0;
}

static int allowed_cpus(void)
{
	int ncpu = sysconf(_SC_NPROCESSORS_ONLN), g = tcp_listener(AF_INET, 0, 0);
	int lo = ncpu / 2, i, cpu, fd, ok = 1;
	char detail[64];

	for (i = lo; i < ncpu; i++) {
		allow(lo, ncpu);
		fd = fsioctl(FSOCKET_IOC_SPAWN_LISTEN, g, FSOCKET_CPU_ANY, &cpu);
		snprintf(detail, sizeof(detail), "fd %d cpu %d of [%d, %d)", fd, cpu, lo, ncpu);
		check("a CPU the caller may run on", fd >= 0 && cpu >= lo && cpu < ncpu, detail);
		ok &= fd >= 0;
	}
	allow(lo, ncpu);
	fd = fsioctl(FSOCKET_IOC_SPAWN_LISTEN, g, FSOCKET_CPU_ANY, &cpu);
	snprintf(detail, sizeof(detail), "fd %d cpu %d of [%d, %d)", fd, cpu, lo, ncpu);
	check("its CPUs all taken: one of them is shared, the others not offered",
	      fd >= 0 && cpu == lo, detail);
	unpin();
	return failures != 0 || !ok;
}

/* Connects to @port and accepts from either listener; 0 when accepted. */
static int connect_and_accept(const int lfd[2], int port)
{
	struct sockaddr_in a4 = { .sin_family = AF_INET,
				  .sin_port = htons(port),
				  .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	struct pollfd pfd[2] = { { .fd = lfd[0], .events = POLLIN },
				 { .fd = lfd[1], .events = POLLIN } };
	int c = socket(AF_INET, SOCK_STREAM, 0), i, fd = -1;

	if (c < 0 || connect(c, (struct sockaddr *)&a4, sizeof(a4)))
		goto out;
	if (poll(pfd, 2, 5000) <= 0)
		goto out;
	for (i = 0; i < 2 && fd < 0; i++)
		if (pfd[i].revents & POLLIN)
			fd = accept4(lfd[i], NULL, NULL, SOCK_CLOEXEC);
out:
	if (c >= 0)
		close(c);
	if (fd >= 0)
		close(fd);
	return fd >= 0 ? 0 : -1;
}

/* A line "NAME N" of /proc/net/fastsocket; -1 when it has none. */
static long proc_value(const char *name)
{
	FILE *f = fopen("/proc/net/fastsocket", "r");
	char line[256], key[64];
	long v = -1, n;

	while (f && fgets(line, sizeof(line), f))
		if (sscanf(line, "%63s %ld", key, &n) == 2 && !strcmp(key, name))
			v = n;
	if (f)
		fclose(f);
	return v;
}

/* proc_value(@name) == @want within 2 s (the sweep counts every 100 ms). */
static int proc_value_becomes(const char *name, long want)
{
	int i;

	for (i = 0; i < 40; i++) {
		if (proc_value(name) == want)
			return 1;
		usleep(50000);
	}
	return 0;
}

/* A socket of this user with SO_REUSEPORT bound to 127.0.0.1:@port. */
static int reuseport_bind(int port)
{
	struct sockaddr_in a4 = { .sin_family = AF_INET, .sin_port = htons(port),
				  .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0), one = 1;

	if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof(one)))
		return -1;
	if (bind(fd, (struct sockaddr *)&a4, sizeof(a4))) {
		int err = errno;

		close(fd);
		errno = err;
		return -1;
	}
	return fd;
}

/* @n connections to 127.0.0.1:@port, left open in @c. */
static void connect_n(int port, int *c, int n)
{
	struct sockaddr_in a4 = { .sin_family = AF_INET, .sin_port = htons(port),
				  .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	int i;

	for (i = 0; i < n; i++) {
		c[i] = socket(AF_INET, SOCK_STREAM, 0);
		if (c[i] >= 0 && connect(c[i], (struct sockaddr *)&a4, sizeof(a4))) {
			close(c[i]);
			c[i] = -1;
		}
	}
}

/* Accepts (non-blocking) all that @lfd has queued; returns how many. */
static int drain(int lfd)
{
	int n = 0, fd;

	while (lfd >= 0 && (fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK)) >= 0) {
		close(fd);
		n++;
	}
	return n;
}

static void close_all(int *fd, int n)
{
	while (n--)
		if (fd[n] >= 0)
			close(fd[n]);
}

/* Somebody watching the global listener, as idle workers do: stealing's condition. */
static void *watch_global(void *p)
{
	poll(&(struct pollfd){ .fd = *(int *)p, .events = POLLIN }, 1, 700);
	return NULL;
}

/*
 * Three connections made on CPU 0 wait on its local listener, nobody
 * accepting, for 600 ms (six steal bounds of 100 ms) while a thread
 * watches the global listener; how many of them the global listener,
 * the local one and @other then hold, in @got.
 */
static void queued_after_stall(int g, int local, int other, int got[3])
{
	pthread_t t;
	int c[3];

	pthread_create(&t, NULL, watch_global, &g);
	connect_n(port_of(g), c, 3);
	usleep(600000);
	pthread_join(t, NULL);
	got[0] = drain(g);
	got[1] = drain(local);
	got[2] = drain(other);
	close_all(c, 3);
}

/* Pins the caller to CPU 0, LISTENs @g and returns its local listener there. */
static int local_on_cpu0(int g)
{
	cpu_set_t cpu0;
	int local;

	CPU_ZERO(&cpu0);
	CPU_SET(0, &cpu0);
	sched_setaffinity(0, sizeof(cpu0), &cpu0);
	check("LISTEN", listen_errno(g) == 0, NULL);
	local = fsioctl(FSOCKET_IOC_SPAWN_LISTEN, g, 0, NULL);
	check("SPAWN_LISTEN on CPU 0", local >= 0, NULL);
	return local;
}

static int foreign(void)
{
	int g = tcp_listener(AF_INET, 0, 0), port = port_of(g), local, f, err, got[3];
	char detail[96];

	f = reuseport_bind(port);
	err = f < 0 ? errno : 0;
	snprintf(detail, sizeof(detail), "%s", err ? strerrorname_np(err) : "bound");
	check("plain: a same-uid SO_REUSEPORT socket cannot bind the port",
	      err == EADDRINUSE, detail);
	if (f >= 0)
		close(f);
	local = local_on_cpu0(g);
	queued_after_stall(g, local, -1, got);
	snprintf(detail, sizeof(detail), "global %d, local %d", got[0], got[1]);
	check("without a foreign member, a stalled local queue is stolen",
	      got[0] > 0 && got[0] + got[1] == 3, detail);

	f = reuseport_bind(port);
	err = f < 0 ? errno : 0;
	snprintf(detail, sizeof(detail), "%s", err ? strerrorname_np(err) : "bound");
	printf("note: with fastsocket the same bind answers %s (docs/security.md)\n", detail);
	if (f >= 0 && listen(f, 16) == 0) {
		check("the foreign member is counted",
		      proc_value_becomes("foreign_members", 1), NULL);
		queued_after_stall(g, local, f, got);
		snprintf(detail, sizeof(detail), "global %d, local %d, foreign %d",
			 got[0], got[1], got[2]);
		check("with one, nothing is stolen and it gets none of the local queue",
		      got[0] == 0 && got[2] == 0 && got[1] == 3, detail);
		close(f);
		check("once closed, it is no longer counted",
		      proc_value_becomes("foreign_members", 0), NULL);
	} else {
		check("plain's EADDRINUSE under fastsocket", err == EADDRINUSE, detail);
	}
	close(local);
	close(g);
	unpin();
	return failures != 0;
}

/* The number on the line "@key N" of @dir/@file (one "N" when @key is NULL). */
static long cg_read(const char *dir, const char *file, const char *key)
{
	char path[256], line[128], k[64];
	long v = -1, n;
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, file);
	f = fopen(path, "r");
	while (f && fgets(line, sizeof(line), f)) {
		if (!key && sscanf(line, "%ld", &n) == 1)
			v = n;
		else if (key && sscanf(line, "%63s %ld", k, &n) == 2 && !strcmp(k, key))
			v = n;
	}
	if (f)
		fclose(f);
	return v;
}

static int cg_write(const char *dir, const char *file, const char *val)
{
	char path[256];
	FILE *f;
	int ok;

	snprintf(path, sizeof(path), "%s/%s", dir, file);
	f = fopen(path, "w");
	if (!f)
		return -1;
	ok = fputs(val, f) >= 0;
	return fclose(f) == 0 && ok ? 0 : -1;
}

/*
 * The first 512 measure the charge; the rest (768 KiB at 512 bytes) pass
 * the limit even past what the cgroup charged ahead per CPU (64 pages).
 */
#define MEMCG_LISTENERS 2048
#define MEMCG_MEASURED 512

static int memcg(const char *dir)
{
	static int l[MEMCG_LISTENERS];
	struct rlimit rl = { 4096, 4096 };
	long before, per, watched = 0;
	char val[32], detail[96], path[256];
	int i, err = 0, max_fd;

	snprintf(val, sizeof(val), "%d", getpid());
	if (setrlimit(RLIMIT_NOFILE, &rl) || cg_write(dir, "cgroup.procs", val)) {
		perror(dir);
		return 2;
	}
	for (i = 0; i < MEMCG_LISTENERS; i++)
		if ((l[i] = tcp_listener(AF_INET, 0, 0)) < 0)
			return 2;
	before = cg_read(dir, "memory.current", NULL);
	for (i = 0; i < MEMCG_MEASURED; i++)
		watched += listen_errno(l[i]) == 0;
	per = (cg_read(dir, "memory.current", NULL) - before) / MEMCG_MEASURED;
	snprintf(detail, sizeof(detail), "%ld bytes each, %ld watched", per, watched);
	check("watched listeners are charged to the caller's memory cgroup",
	      watched == MEMCG_MEASURED && per >= 128, detail);

	/*
	 * At the limit, anything that allocates (fopen() here) would meet
	 * the cgroup's OOM killer: the limit is lifted through a descriptor
	 * opened before, as soon as LISTEN fails.
	 */
	snprintf(path, sizeof(path), "%s/memory.max", dir);
	max_fd = open(path, O_WRONLY | O_CLOEXEC);
	snprintf(val, sizeof(val), "%ld", cg_read(dir, "memory.current", NULL) + 64 * 1024);
	check("memory.max set just above its use",
	      max_fd >= 0 && write(max_fd, val, strlen(val)) == (ssize_t)strlen(val), val);
	for (; i < MEMCG_LISTENERS && !err; i++)
		err = listen_errno(l[i]);
	i--;
	if (max_fd < 0 || write(max_fd, "max", 3) != 3)
		return 2;
	close(max_fd);
	snprintf(detail, sizeof(detail), "%s after %d more", err ? strerrorname_np(err) : "none",
		 i - MEMCG_MEASURED);
	check("at the limit LISTEN fails with ENOMEM", err == ENOMEM, detail);
	check("... and leaves SO_REUSEPORT off", getint(l[i], SOL_SOCKET, SO_REUSEPORT) == 0, NULL);
	snprintf(detail, sizeof(detail), "max %ld, oom_kill %ld",
		 cg_read(dir, "memory.events", "max"), cg_read(dir, "memory.events", "oom_kill"));
	check("the cgroup met its limit without an OOM kill",
	      cg_read(dir, "memory.events", "max") > 0 &&
	      cg_read(dir, "memory.events", "oom_kill") == 0, detail);
	close_all(l, MEMCG_LISTENERS);
	return failures != 0;
}

/* @c sends, @fd (accepted) reads it back: the connection still works. */
static int still_works(int c, int fd)
{
	char b = 0;

	return send(c, "x", 1, 0) == 1 &&
	       poll(&(struct pollfd){ .fd = fd, .events = POLLIN }, 1, 2000) == 1 &&
	       recv(fd, &b, 1, 0) == 1 && b == 'x';
}

static int children(void)
{
	int g = tcp_listener(AF_INET, 0, 0), c[2], fd[2], local, i, tls;
	struct pollfd p;
	char detail[64], buf[16];

	local = local_on_cpu0(g);
	connect_n(port_of(g), c, 2);
	for (i = 0; i < 2; i++) {
		p = (struct pollfd){ .fd = local, .events = POLLIN };
		fd[i] = poll(&p, 1, 2000) == 1 ? accept(local, NULL, NULL) : -1;
	}
	check("two connections taken from the local listener with accept()",
	      fd[0] >= 0 && fd[1] >= 0, NULL);
	if (failures)
		return 1;
	tls = setsockopt(fd[1], SOL_TCP, TCP_ULP, "tls", sizeof("tls")) ? errno : 0;
	printf("note: kTLS on the second: %s\n", tls ? strerrorname_np(tls) : "yes");
	close(local);
	close(g);
	close(dev);
	printf("held\n");
	fflush(stdout);
	while (read(0, buf, sizeof(buf)) > 0)
		;
	for (i = 0; i < 2; i++) {
		snprintf(detail, sizeof(detail), "connection %d%s", i,
			 i && !tls ? " (kTLS)" : "");
		check("works afterwards", still_works(c[i], fd[i]), detail);
	}
	close_all(fd, 2);
	close_all(c, 2);
	return failures != 0;
}

static int hold(int close_device)
{
	struct sockaddr_in a4;
	socklen_t len = sizeof(a4);
	int lfd[2], i, accepted = 0;
	char detail[64], buf[16];

	lfd[0] = tcp_listener(AF_INET, 0, getenv("HOLD_PORT") ?
			      atoi(getenv("HOLD_PORT")) : 0);
	check("LISTEN", lfd[0] >= 0 && !fsioctl(FSOCKET_IOC_LISTEN, lfd[0], 0, NULL), NULL);
	lfd[1] = fsioctl(FSOCKET_IOC_SPAWN_LISTEN, lfd[0], FSOCKET_CPU_ANY, NULL);
	check("SPAWN_LISTEN", lfd[1] >= 0, NULL);
	if (failures || getsockname(lfd[0], (struct sockaddr *)&a4, &len))
		return 1;
	if (close_device)
		close(dev);
	printf("held\n");
	fflush(stdout);
	while (read(0, buf, sizeof(buf)) > 0)
		;
	for (i = 0; i < 20; i++)
		accepted += !connect_and_accept(lfd, ntohs(a4.sin_port));
	snprintf(detail, sizeof(detail), "%d of 20", accepted);
	check("connections accepted from the listeners afterwards", accepted == 20, detail);
	return failures != 0;
}

/*
 * A kernel that does not steer by SO_INCOMING_CPU (the module says
 * "steering 0"): LISTEN, SPAWN_LISTEN and SPAWN_ALL_LISTEN refuse with
 * EOPNOTSUPP and leave the listener as it was (no SO_REUSEPORT, not
 * watched, no descriptor made, the caller not pinned), and connections
 * still reach it.
 */
static int unsteered(void)
{
	struct sockaddr_in a = { .sin_family = AF_INET,
				 .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	int g = tcp_listener(AF_INET, 0, 0), fds, count, cpu, c, ret;
	struct pollfd pfd = { .events = POLLIN };
	struct fsocket_spawn_pair pair;
	cpu_set_t before, after;

	if (g < 0)
		return 1;
	check("steering 0 in /proc/net/fastsocket", proc_value("steering") == 0, NULL);
	fds = count_fds();
	sched_getaffinity(0, sizeof(before), &before);
	expect_cmd_errno("LISTEN refused", FSOCKET_IOC_LISTEN, g, 0, EOPNOTSUPP);
	expect_cmd_errno("SPAWN_LISTEN refused", FSOCKET_IOC_SPAWN_LISTEN, g,
			 FSOCKET_CPU_ANY, EOPNOTSUPP);
	ret = spawn_all(&pair, 1, &count, &cpu);
	check("SPAWN_ALL_LISTEN refused", ret == -1 && errno == EOPNOTSUPP, NULL);
	sched_getaffinity(0, sizeof(after), &after);
	check("not pinned", CPU_EQUAL(&before, &after), NULL);
	check("no SO_REUSEPORT", getint(g, SOL_SOCKET, SO_REUSEPORT) == 0, NULL);
	check("not watched", proc_value("listeners") == 0, NULL);
	check("no descriptor made", count_fds() == fds, NULL);
	a.sin_port = htons(port_of(g));
	c = socket(AF_INET, SOCK_STREAM, 0);
	check("a connection reaches the listener",
	      c >= 0 && !connect(c, (struct sockaddr *)&a, sizeof(a)), NULL);
	pfd.fd = g;
	ret = poll(&pfd, 1, 2000) == 1 ? accept(g, NULL, NULL) : -1;
	check("accept(2) takes it", ret >= 0, NULL);
	if (ret >= 0)
		close(ret);
	if (c >= 0)
		close(c);
	close(g);
	return failures != 0;
}

int main(int argc, char **argv)
{
	dev = open(FSOCKET_DEVICE_PATH, O_RDWR | O_CLOEXEC);
	if (argc == 3 && !strcmp(argv[1], "hold") && !strcmp(argv[2], "close"))
		return dev < 0 ? 2 : hold(1);
	if (argc == 2 && !strcmp(argv[1], "children"))
		return dev < 0 ? 2 : children();
	if (argc == 3 && !strcmp(argv[1], "memcg"))
		return dev < 0 ? 2 : memcg(argv[2]);
	if (dev < 0 || argc != 2) {
		perror(FSOCKET_DEVICE_PATH);
		return 2;
	}
	if (!strcmp(argv[1], "errors"))
		return errors();
	if (!strcmp(argv[1], "clone"))
		return clones();
	if (!strcmp(argv[1], "any"))
		return any_cpu();
	if (!strcmp(argv[1], "owner"))
		return owner();
	if (!strcmp(argv[1], "all"))
		return all_listeners();
	if (!strcmp(argv[1], "allowed"))
		return allowed_cpus();
	if (!strcmp(argv[1], "reload"))
		return reload();
	if (!strcmp(argv[1], "caps"))
		return caps();
	if (!strcmp(argv[1], "stuck"))
		return held_spawn_all();
	if (!strcmp(argv[1], "hold"))
		return hold(0);
	if (!strcmp(argv[1], "foreign"))
		return foreign();
	if (!strcmp(argv[1], "unsteered"))
		return unsteered();
	return 2;
}
