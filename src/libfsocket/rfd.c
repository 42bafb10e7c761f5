// SPDX-License-Identifier: GPL-2.0-only
/*
 * Receive Flow Deliver, the library's half: when the module was loaded
 * with enable_receive_flow_deliver=1, an outgoing TCP connection gets a
 * local port P with P % NCPU == the CPU that connects, so that
 * `fastsocketctl rfd on DEV` can deliver its replies to that CPU.
 *
 * The port is chosen without ever leaving the socket worse off:
 *  - with IP_LOCAL_PORT_RANGE (Linux 6.3+), connect() itself is asked to
 *    use one port; the kernel checks the whole 4-tuple (TIME_WAIT reuse
 *    included) and a refusal (EADDRNOTAVAIL) leaves the socket unbound,
 *    so the next candidate can be tried;
 *  - without it (or with FASTSOCKET_RFD_BIND=1), the port is bound
 *    exclusively first: a port in use fails bind() and leaves the socket
 *    unbound. It costs ports (one connection per port at a time, TIME_WAIT
 *    included), never a connection. Debian's 6.1 has the option too.
 * After RFD_TRIES candidates, or when the range gives this CPU no port,
 * the kernel chooses as usual and the reason is said once: locality is
 * lost for that connection, never the connection itself.
 */
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <pthread.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#include "../common/cpu_list.h"
#include "libfsocket.h"

#ifndef IP_LOCAL_PORT_RANGE
#define IP_LOCAL_PORT_RANGE 51
#endif

#define RFD_PARAM "/sys/module/fastsocket/parameters/enable_receive_flow_deliver"
#define RFD_TRIES 64

static pthread_once_t rfd_once = PTHREAD_ONCE_INIT;
static bool rfd_on;
static unsigned int rfd_ncpu;
static atomic_bool rfd_no_range_opt;	/* the kernel predates IP_LOCAL_PORT_RANGE */
static _Thread_local uint32_t rfd_seed;	/* xorshift state, per thread */

/*
 * A small file's first line, with open and read only: connect() may be
 * called from a signal handler, and this runs at every connect.
 */
static int read_line(const char *path, char *buf, size_t size)
{
	int fd = fsock_real()->open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -1;
	n = read(fd, buf, size - 1);
	fsock_real()->close(fd);
	if (n <= 0)
		return -1;
	buf[n] = '\0';
	return 0;
}

/* The highest CPU number the system can have, plus one: fastsocketctl's modulus. */
static unsigned int possible_cpus(void)
{
	char buf[256];

	if (read_line("/sys/devices/system/cpu/possible", buf, sizeof(buf)))
		return 0;
	return cpu_list_span(buf);
}

static void rfd_init(void)
{
	const char *bind_env = secure_getenv("FASTSOCKET_RFD_BIND");
	char buf[16];

	if (fsock_disabled() || read_line(RFD_PARAM, buf, sizeof(buf)) ||
	    atoi(buf) != 1)
		return;
	/* The older way on any kernel: a kernel whose option misbehaves, tests. */
	if (bind_env && !strcmp(bind_env, "1"))
		atomic_store(&rfd_no_range_opt, true);
	rfd_ncpu = possible_cpus();
	rfd_on = rfd_ncpu > 0;
}

/* The netns's range, read each time: the administrator may change it. */
static int port_range(unsigned int *lo, unsigned int *hi)
{
	char buf[64], *end;

	if (read_line("/proc/sys/net/ipv4/ip_local_port_range", buf,
		      sizeof(buf)))
		return -1;
	*lo = (unsigned int)strtoul(buf, &end, 10);
	*hi = (unsigned int)strtoul(end, &end, 10);
	return *lo == 0 || *hi < *lo || *hi > 65535 ? -1 : 0;
}

/*
 * The application's address, copied without trusting the pointer: a bad
 * one must give connect()'s EFAULT, not a crash in the library.
 */
static bool copy_addr(const struct sockaddr *addr, socklen_t len,
		      struct sockaddr_storage *ss)
{
	struct iovec local = { .iov_base = ss, .iov_len = len };
	struct iovec remote = { .iov_base = (void *)addr, .iov_len = len };

	if (!addr || len < sizeof(sa_family_t) || len > sizeof(*ss))
		return false;
	if (process_vm_readv(getpid(), &local, 1, &remote, 1, 0) == (ssize_t)len)
		return true;
	if (errno != EFAULT)
		fsock_say_once(FSOCK_ONCE_RFD,
			       "RFD: cannot read connect's address (process_vm_readv: %s); the kernel chooses ports",
			       strerror(errno));
	return false;
}

/* Is @fd an unbound TCP socket the kernel would give an ephemeral port? */
static bool wants_port(int fd, const struct sockaddr *addr)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);
	int type, domain, protocol;
	socklen_t ilen = sizeof(int);

	if (addr->sa_family != AF_INET && addr->sa_family != AF_INET6)
		return false;
	if (getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &ilen) ||
	    type != SOCK_STREAM ||
	    getsockopt(fd, SOL_SOCKET, SO_PROTOCOL, &protocol, &ilen) ||
	    protocol != IPPROTO_TCP ||
	    getsockopt(fd, SOL_SOCKET, SO_DOMAIN, &domain, &ilen) ||
	    domain != addr->sa_family)
		return false;
	if (getsockname(fd, (struct sockaddr *)&ss, &len))
		return false;
	if (ss.ss_family == AF_INET)
		return ((struct sockaddr_in *)&ss)->sin_port == 0;
	return ((struct sockaddr_in6 *)&ss)->sin6_port == 0;
}

static uint32_t next_random(void)
{
	uint32_t x = rfd_seed;

	x ^= x << 13;
	x ^= x >> 17;
	x ^= x << 5;
	return rfd_seed = x;
}

/*
 * The @i-th candidate port of the CPU's @count, from @start. A share
 * bigger than the tries is probed at random: the kernel hands out ports
 * to one destination in sequence, so a scan could walk a long run of them
 * (in TIME_WAIT, say) and give up. A smaller one is scanned whole.
 */
static unsigned int candidate(unsigned int count, unsigned int first,
			      unsigned int start, unsigned int i)
{
	unsigned int k = count > RFD_TRIES ? next_random() : start + i;

	return first + rfd_ncpu * (k % count);
}

static int by_range(int fd, const struct sockaddr *addr, socklen_t len,
		    unsigned int p)
{
	uint32_t range = p | p << 16;

	if (setsockopt(fd, SOL_IP, IP_LOCAL_PORT_RANGE, &range, sizeof(range)))
		return -2;
	return fsock_real()->connect(fd, addr, len);
}

/*
 * An exclusive bind, so that a port in use fails here and not at connect:
 * an application's SO_REUSEADDR is off for the bind and back on after.
 */
static int by_bind(int fd, int family, unsigned int p)
{
	struct sockaddr_in6 a6 = { .sin6_family = AF_INET6,
				   .sin6_addr = IN6ADDR_ANY_INIT,
				   .sin6_port = htons((uint16_t)p) };
	struct sockaddr_in a4 = { .sin_family = AF_INET,
				  .sin_addr.s_addr = htonl(INADDR_ANY),
				  .sin_port = htons((uint16_t)p) };

	int ret, saved, reuse = 0, off = 0;
	socklen_t rlen = sizeof(reuse);

	getsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &reuse, &rlen);
	if (reuse)
		setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &off, sizeof(off));
	if (family == AF_INET)
		ret = bind(fd, (struct sockaddr *)&a4, sizeof(a4));
	else
		ret = bind(fd, (struct sockaddr *)&a6, sizeof(a6));
	saved = errno;
	if (reuse)
		setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &reuse, sizeof(reuse));
	errno = saved;
	return ret;
}

/*
 * Tries the candidates; returns connect()'s result, or -2 with errno
 * untouched by us when the kernel should choose instead.
 */
static int rfd_try(int fd, const struct sockaddr *addr, socklen_t len,
		   unsigned int count, unsigned int first)
{
	bool ranged = !atomic_load_explicit(&rfd_no_range_opt,
					    memory_order_relaxed);
	uint32_t old = 0;
	socklen_t olen = sizeof(old);
	unsigned int start = next_random();
	int ret = -2;

	if (ranged && getsockopt(fd, SOL_IP, IP_LOCAL_PORT_RANGE, &old, &olen)) {
		atomic_store(&rfd_no_range_opt, true);
		ranged = false;
	}
	for (unsigned int i = 0; i < RFD_TRIES && i < count; i++) {
		unsigned int p = candidate(count, first, start, i);

		if (ranged) {
			ret = by_range(fd, addr, len, p);
			if (ret != -1 || errno != EADDRNOTAVAIL)
				break;
			ret = -2;
		} else if (by_bind(fd, addr->sa_family, p) == 0) {
			ret = fsock_real()->connect(fd, addr, len);
			break;
		} else if (errno != EADDRINUSE) {
			break;
		}
	}
	if (ranged) {
		int saved = errno;

		setsockopt(fd, SOL_IP, IP_LOCAL_PORT_RANGE, &old, sizeof(old));
		errno = saved;
	}
	return ret;
}

int fsock_rfd_connect(int fd, const struct sockaddr *addr, socklen_t len)
{
	unsigned int lo, hi, first, count;
	int cpu, saved = errno, ret;
	struct sockaddr_storage ss;

	pthread_once(&rfd_once, rfd_init);
	if (!rfd_on || !copy_addr(addr, len, &ss) ||
	    !wants_port(fd, (struct sockaddr *)&ss) || port_range(&lo, &hi))
		goto plain;
	cpu = sched_getcpu();
	if (cpu < 0 || (unsigned int)cpu >= rfd_ncpu)
		goto plain;
	first = lo + ((unsigned int)cpu + rfd_ncpu - lo % rfd_ncpu) % rfd_ncpu;
	if (first > hi) {
		fsock_say_once(FSOCK_ONCE_RFD,
			       "RFD: ip_local_port_range %u-%u has no port for CPU %d of %u; the kernel chooses the port, so replies are not steered",
			       lo, hi, cpu, rfd_ncpu);
		goto plain;
	}
	count = (hi - first) / rfd_ncpu + 1;
	/* Not random(): that would take from the application's srandom() sequence. */
	if (!rfd_seed && getrandom(&rfd_seed, sizeof(rfd_seed), GRND_NONBLOCK) < 0)
		rfd_seed = 0;
	while (!rfd_seed)
		rfd_seed = (uint32_t)gettid() ^ (uint32_t)time(NULL) ^
			   (uint32_t)(uintptr_t)&rfd_seed;
	errno = saved;
	ret = rfd_try(fd, (struct sockaddr *)&ss, len, count, first);
	if (ret != -2)
		return ret;
	fsock_say_once(FSOCK_ONCE_RFD,
		       "RFD: no free port for CPU %d among %u tried; the kernel chooses the port, so replies are not steered",
		       cpu, count < RFD_TRIES ? count : RFD_TRIES);
plain:
	errno = saved;
	return fsock_real()->connect(fd, addr, len);
}
