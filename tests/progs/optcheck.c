// SPDX-License-Identifier: GPL-2.0-only
/*
 * optcheck: a connection taken from a local listener carries every option
 * a connection of the application's own listener would. For IPv4 and
 * IPv6, twice with the same options set on a listener (below): once
 * plain, a connection taken with accept(2), the reference; once through
 * LISTEN and SPAWN_LISTEN for CPU 0, the global listener itself taking
 * CPU 1's connections (SO_INCOMING_CPU 1), a connection made from CPU 0
 * over loopback (so its handshake runs there and it waits in the local
 * queue), taken with ACCEPT from the local listener alone. Each option is
 * read back on both connections and must match; an int option must also
 * differ from a new socket's, or the test would pass were it never
 * inherited. Then IP_MINTTL / IPV6_MINHOPCOUNT 255, which a listener
 * applies to its own SYNs: plain and local, a SYN over loopback must be
 * dropped. Prints one line per check; exit status 0 when all hold.
 * Needs 2 CPUs; run with stealing off (steal_after_ms=0), so that the
 * connection stays where it landed.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <linux/fastsocket.h>

#include "check.h"

struct int_opt {
	int level, set, get;	/* get: the name read back */
	const char *what;
	int v4, v6;		/* values set; 0: not for that family */
};

/*
 * Not SO_PRIORITY: a connection does not inherit it (it reads 0 on 6.1,
 * 6.12 and 7.3), though the listener's is its SYN-ACKs' and the clone
 * copies it.
 */
static const struct int_opt int_opts[] = {
	{ SOL_SOCKET, SO_KEEPALIVE, SO_KEEPALIVE, "SO_KEEPALIVE", 1, 1 },
	{ IPPROTO_TCP, TCP_KEEPIDLE, TCP_KEEPIDLE, "TCP_KEEPIDLE", 77, 77 },
	{ IPPROTO_TCP, TCP_KEEPINTVL, TCP_KEEPINTVL, "TCP_KEEPINTVL", 7, 7 },
	{ IPPROTO_TCP, TCP_KEEPCNT, TCP_KEEPCNT, "TCP_KEEPCNT", 5, 5 },
	{ IPPROTO_TCP, TCP_USER_TIMEOUT, TCP_USER_TIMEOUT, "TCP_USER_TIMEOUT", 12345, 12345 },
	{ IPPROTO_TCP, TCP_MAXSEG, TCP_MAXSEG, "TCP_MAXSEG", 1200, 1200 },
	{ IPPROTO_TCP, TCP_NOTSENT_LOWAT, TCP_NOTSENT_LOWAT, "TCP_NOTSENT_LOWAT", 16384, 16384 },
	{ IPPROTO_TCP, TCP_NODELAY, TCP_NODELAY, "TCP_NODELAY", 1, 1 },
	{ IPPROTO_TCP, TCP_SYNCNT, TCP_SYNCNT, "TCP_SYNCNT", 4, 4 },
	{ IPPROTO_TCP, TCP_THIN_LINEAR_TIMEOUTS, TCP_THIN_LINEAR_TIMEOUTS,
	  "TCP_THIN_LINEAR_TIMEOUTS", 1, 1 },
	{ IPPROTO_TCP, TCP_SAVE_SYN, TCP_SAVE_SYN, "TCP_SAVE_SYN", 1, 1 },
	{ SOL_SOCKET, SO_OOBINLINE, SO_OOBINLINE, "SO_OOBINLINE", 1, 1 },
	{ SOL_SOCKET, SO_ZEROCOPY, SO_ZEROCOPY, "SO_ZEROCOPY", 1, 1 },
	{ SOL_SOCKET, SO_BUSY_POLL, SO_BUSY_POLL, "SO_BUSY_POLL", 50, 50 },
	{ SOL_SOCKET, SO_MAX_PACING_RATE, SO_MAX_PACING_RATE, "SO_MAX_PACING_RATE",
	  1000000, 1000000 },
	{ IPPROTO_TCP, TCP_LINGER2, TCP_LINGER2, "TCP_LINGER2", 17, 17 },
	{ IPPROTO_TCP, TCP_WINDOW_CLAMP, TCP_WINDOW_CLAMP, "TCP_WINDOW_CLAMP", 40000, 40000 },
	{ IPPROTO_IP, IP_TTL, IP_TTL, "IP_TTL", 33, 0 },
	{ IPPROTO_IPV6, IPV6_UNICAST_HOPS, IPV6_UNICAST_HOPS, "IPV6_UNICAST_HOPS", 0, 44 },
	{ SOL_SOCKET, SO_MARK, SO_MARK, "SO_MARK", 42, 42 },
	{ SOL_SOCKET, SO_RCVBUFFORCE, SO_RCVBUF, "SO_RCVBUFFORCE", 3000000, 3000000 },
	{ SOL_SOCKET, SO_SNDBUF, SO_SNDBUF, "SO_SNDBUF", 100000, 100000 },
	{ IPPROTO_IP, IP_TOS, IP_TOS, "IP_TOS", 0x10, 0 },
	{ IPPROTO_IPV6, IPV6_TCLASS, IPV6_TCLASS, "IPV6_TCLASS", 0, 0x20 },
	{ SOL_SOCKET, SO_RCVLOWAT, SO_RCVLOWAT, "SO_RCVLOWAT", 4096, 4096 },
	{ IPPROTO_IPV6, IPV6_MINHOPCOUNT, IPV6_MINHOPCOUNT, "IPV6_MINHOPCOUNT", 0, 12 },
	{ IPPROTO_IPV6, IPV6_RECVERR, IPV6_RECVERR, "IPV6_RECVERR", 0, 1 },
	{ IPPROTO_IPV6, IPV6_MTU_DISCOVER, IPV6_MTU_DISCOVER, "IPV6_MTU_DISCOVER",
	  0, IPV6_PMTUDISC_PROBE },
	/* SOL_IP on an IPv6 socket too: its IPv4-mapped connections use it. */
	{ IPPROTO_IP, IP_MINTTL, IP_MINTTL, "IP_MINTTL", 10, 11 },
	{ IPPROTO_IP, IP_RECVERR, IP_RECVERR, "IP_RECVERR", 1, 1 },
	{ IPPROTO_IP, IP_MTU_DISCOVER, IP_MTU_DISCOVER, "IP_MTU_DISCOVER",
	  IP_PMTUDISC_PROBE, IP_PMTUDISC_DO },
	{ IPPROTO_IP, IP_TRANSPARENT, IP_TRANSPARENT, "IP_TRANSPARENT", 1, 1 },
	{ IPPROTO_IP, IP_FREEBIND, IP_FREEBIND, "IP_FREEBIND", 1, 1 },
};

static const struct linger linger = { .l_onoff = 1, .l_linger = 3 };
static const struct timeval rcvtimeo = { .tv_sec = 2, .tv_usec = 500000 };
static const struct timeval sndtimeo = { .tv_sec = 1, .tv_usec = 500000 };
static const char congestion[] = "reno";

static int dev;

static void pin(int cpu)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	if (sched_setaffinity(0, sizeof(set), &set)) {
		perror("sched_setaffinity");
		exit(1);
	}
}

static void must(int ok, const char *what)
{
	if (!ok) {
		perror(what);
		exit(1);
	}
}

static int int_value(const struct int_opt *o, int family)
{
	return family == AF_INET ? o->v4 : o->v6;
}

/* A loopback listener of @family with every option set. */
static int listener(int family)
{
	struct sockaddr_storage ss;
	socklen_t len;
	size_t i;
	int fd = socket(family, SOCK_STREAM, 0);

	must(fd >= 0, "socket");
	for (i = 0; i < sizeof(int_opts) / sizeof(int_opts[0]); i++) {
		int v = int_value(&int_opts[i], family);

		if (v)
			must(!setsockopt(fd, int_opts[i].level, int_opts[i].set,
					 &v, sizeof(v)), int_opts[i].what);
	}
	must(!setsockopt(fd, SOL_SOCKET, SO_LINGER, &linger, sizeof(linger)), "SO_LINGER");
	must(!setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &rcvtimeo, sizeof(rcvtimeo)), "SO_RCVTIMEO");
	must(!setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &sndtimeo, sizeof(sndtimeo)), "SO_SNDTIMEO");
	must(!setsockopt(fd, IPPROTO_TCP, TCP_CONGESTION, congestion, strlen(congestion)),
	     "TCP_CONGESTION");
	must(!parse_addr(family == AF_INET ? "127.0.0.1" : "::1", 0, &ss, &len), "address");
	must(!bind(fd, (struct sockaddr *)&ss, len) && !listen(fd, 64), "listener");
	/*
	 * haproxy's, after listen(), which clears it: the first ACK of a
	 * request waits to leave with the reply.
	 */
	must(!setsockopt(fd, IPPROTO_TCP, TCP_QUICKACK, &(int){ 0 }, sizeof(int)),
	     "TCP_QUICKACK");
	return fd;
}

struct dial {
	struct sockaddr_storage ss;
	socklen_t len;
	int fd;
};

/* Connect from CPU 0; the descriptor stays open. */
static void *dial_thread(void *p)
{
	struct dial *d = p;

	pin(0);
	d->fd = socket(d->ss.ss_family, SOCK_STREAM, 0);
	if (d->fd >= 0 && connect(d->fd, (struct sockaddr *)&d->ss, d->len)) {
		close(d->fd);
		d->fd = -1;
	}
	return NULL;
}

static int dial(int lfd, struct dial *d)
{
	pthread_t tid;

	d->len = sizeof(d->ss);
	must(!getsockname(lfd, (struct sockaddr *)&d->ss, &d->len), "getsockname");
	must(!pthread_create(&tid, NULL, dial_thread, d), "pthread_create");
	pthread_join(tid, NULL);
	return d->fd;
}

static int fs_ioctl(unsigned long cmd, struct fsocket_ioctl_arg *arg)
{
	return ioctl(dev, cmd, arg);
}

/*
 * CPU 0's local listener of @global, which keeps CPU 1's connections
 * itself (SO_INCOMING_CPU 1).
 */
static int spawn_local(int global)
{
	struct fsocket_ioctl_arg arg;
	int one = 1, local;

	must(!setsockopt(global, SOL_SOCKET, SO_INCOMING_CPU, &one, sizeof(one)),
	     "SO_INCOMING_CPU");
	memset(&arg, 0, sizeof(arg));
	arg.fd = global;
	arg.op.spawn_op.cpu = 0;
	local = fs_ioctl(FSOCKET_IOC_SPAWN_LISTEN, &arg);
	must(local >= 0, "SPAWN_LISTEN");
	return local;
}

/* The local listener's connection, taken by ACCEPT from it alone. */
static int accept_local(int family, int *client)
{
	struct fsocket_ioctl_arg arg;
	int global = listener(family), local = spawn_local(global), conn;
	struct dial d;

	*client = dial(global, &d);
	memset(&arg, 0, sizeof(arg));
	arg.fd = local;
	arg.op.accept_op.global_fd = -1;
	/* Blocking, bounded by the SO_RCVTIMEO the local listener carries. */
	conn = fs_ioctl(FSOCKET_IOC_ACCEPT, &arg);
	check("ACCEPT from the local listener", conn >= 0, conn < 0 ? strerror(errno) : NULL);
	close(local);
	close(global);
	return conn;
}

static int accept_plain(int family, int *client)
{
	int lfd = listener(family), conn;
	struct dial d;

	*client = dial(lfd, &d);
	conn = accept(lfd, NULL, NULL);
	must(conn >= 0, "accept");
	close(lfd);
	return conn;
}

/*
 * Does a connection to @lfd from CPU 0 (this thread's) complete within
 * 300 ms? Its SYN is handled on CPU 0, so it meets CPU 0's local listener
 * where @lfd has one.
 */
static bool connects(int lfd)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);
	struct pollfd p = { .events = POLLOUT };
	int err = -1, fd;

	must(!getsockname(lfd, (struct sockaddr *)&ss, &len), "getsockname");
	fd = socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK, 0);
	must(fd >= 0, "socket");
	if (!connect(fd, (struct sockaddr *)&ss, len) || errno == EINPROGRESS) {
		p.fd = fd;
		if (poll(&p, 1, 300) == 1) {
			len = sizeof(err);
			getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len);
		}
	}
	close(fd);
	return err == 0;
}

/*
 * IP_MINTTL and IPV6_MINHOPCOUNT act on the listener too: the kernel drops
 * a SYN whose hop limit is below the minimum of the listener it chose
 * (loopback's is 64). A local listener must drop it as the application's
 * own listener does, or it takes what the application refused.
 */
static void min_hops(int family)
{
	int level = family == AF_INET ? IPPROTO_IP : IPPROTO_IPV6;
	int name = family == AF_INET ? IP_MINTTL : IPV6_MINHOPCOUNT;
	int plain = listener(family), global = listener(family), local;
	bool p, l;
	char what[64], detail[96];

	must(!setsockopt(plain, level, name, &(int){ 255 }, sizeof(int)), "minimum");
	must(!setsockopt(global, level, name, &(int){ 255 }, sizeof(int)), "minimum");
	local = spawn_local(global);
	p = connects(plain);
	l = connects(global);
	snprintf(what, sizeof(what), "%s %s 255 drops a SYN with 64",
		 family == AF_INET ? "IPv4" : "IPv6",
		 family == AF_INET ? "IP_MINTTL" : "IPV6_MINHOPCOUNT");
	snprintf(detail, sizeof(detail), "plain %s, local listener %s",
		 p ? "connected" : "dropped", l ? "connected" : "dropped");
	check(what, !p && !l, detail);
	close(local);
	close(global);
	close(plain);
}

static void same(const char *family, const char *what, const void *plain,
		 const void *local, size_t len, const char *shown_plain,
		 const char *shown_local)
{
	char name[64], detail[128];

	snprintf(name, sizeof(name), "%s %s", family, what);
	snprintf(detail, sizeof(detail), "plain %s, local listener %s",
		 shown_plain, shown_local);
	check(name, !memcmp(plain, local, len), detail);
}

/*
 * TCP_QUICKACK 0 on a listener puts its connections in delayed-ACK
 * (pingpong) mode from their start; they read it back as 0 until they
 * have exchanged data. The plain one must show it too, or the kernel
 * did not pass it on and the comparison would prove nothing.
 */
static void quickack(const char *family, int plain, int local)
{
	char name[64], detail[128];
	int vp = -1, vl = -1;
	socklen_t len = sizeof(vp);

	getsockopt(plain, IPPROTO_TCP, TCP_QUICKACK, &vp, &len);
	len = sizeof(vl);
	getsockopt(local, IPPROTO_TCP, TCP_QUICKACK, &vl, &len);
	snprintf(name, sizeof(name), "%s TCP_QUICKACK off", family);
	snprintf(detail, sizeof(detail), "plain %d, local listener %d (0 wanted)",
		 vp, vl);
	check(name, vp == 0 && vl == 0, detail);
}

/*
 * An int option of @plain and @local: equal, and not what @unset (a new
 * socket, without options) reads, or the kernel did not pass it on and the
 * comparison proves nothing.
 */
static void compare_int(const char *family, const struct int_opt *o,
			int plain, int local, int unset)
{
	char name[64], detail[128];
	int vp = -1, vl = -1, vu = -1;
	socklen_t len = sizeof(vp);

	getsockopt(plain, o->level, o->get, &vp, &len);
	len = sizeof(vl);
	getsockopt(local, o->level, o->get, &vl, &len);
	len = sizeof(vu);
	getsockopt(unset, o->level, o->get, &vu, &len);
	snprintf(name, sizeof(name), "%s %s", family, o->what);
	snprintf(detail, sizeof(detail), "plain %d, local listener %d, unset %d",
		 vp, vl, vu);
	check(name, vp == vl && vp != vu, detail);
}

static void compare(int family, int plain, int local)
{
	const char *f = family == AF_INET ? "IPv4" : "IPv6";
	char a[64], b[64];
	struct linger lp, ll;
	struct timeval tp, tl;
	socklen_t len;
	size_t i;
	int unset = socket(family, SOCK_STREAM, 0);

	must(unset >= 0, "socket");
	for (i = 0; i < sizeof(int_opts) / sizeof(int_opts[0]); i++)
		if (int_value(&int_opts[i], family))
			compare_int(f, &int_opts[i], plain, local, unset);
	close(unset);
	memset(&lp, 0, sizeof(lp));
	memset(&ll, 0, sizeof(ll));
	len = sizeof(lp);
	getsockopt(plain, SOL_SOCKET, SO_LINGER, &lp, &len);
	len = sizeof(ll);
	getsockopt(local, SOL_SOCKET, SO_LINGER, &ll, &len);
	snprintf(a, sizeof(a), "%d/%d", lp.l_onoff, lp.l_linger);
	snprintf(b, sizeof(b), "%d/%d", ll.l_onoff, ll.l_linger);
	same(f, "SO_LINGER", &lp, &ll, sizeof(lp), a, b);
	for (i = 0; i < 2; i++) {
		int name = i ? SO_SNDTIMEO : SO_RCVTIMEO;

		memset(&tp, 0, sizeof(tp));
		memset(&tl, 0, sizeof(tl));
		len = sizeof(tp);
		getsockopt(plain, SOL_SOCKET, name, &tp, &len);
		len = sizeof(tl);
		getsockopt(local, SOL_SOCKET, name, &tl, &len);
		snprintf(a, sizeof(a), "%ld.%06ld", (long)tp.tv_sec, (long)tp.tv_usec);
		snprintf(b, sizeof(b), "%ld.%06ld", (long)tl.tv_sec, (long)tl.tv_usec);
		same(f, i ? "SO_SNDTIMEO" : "SO_RCVTIMEO", &tp, &tl, sizeof(tp), a, b);
	}
	memset(a, 0, sizeof(a));
	memset(b, 0, sizeof(b));
	len = sizeof(a) - 1;
	getsockopt(plain, IPPROTO_TCP, TCP_CONGESTION, a, &len);
	len = sizeof(b) - 1;
	getsockopt(local, IPPROTO_TCP, TCP_CONGESTION, b, &len);
	same(f, "TCP_CONGESTION", a, b, sizeof(a), a, b);
	quickack(f, plain, local);
}

int main(void)
{
	static const int families[] = { AF_INET, AF_INET6 };
	size_t i;

	dev = open(FSOCKET_DEVICE_PATH, O_RDWR | O_CLOEXEC);
	must(dev >= 0, FSOCKET_DEVICE_PATH);
	pin(0);
	for (i = 0; i < 2; i++) {
		int family = families[i], pc, lc;
		int plain = accept_plain(family, &pc);
		int local = accept_local(family, &lc);

		if (local >= 0)
			compare(family, plain, local);
		close(plain);
		close(local);
		close(pc);
		close(lc);
		min_hops(family);
	}
	return failures != 0;
}
