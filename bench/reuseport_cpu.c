// SPDX-License-Identifier: GPL-2.0
/*
 * libreuseportcpu.so: the alternative that needs no module. Preloaded
 * into a server whose workers each have their own SO_REUSEPORT listener
 * (nginx's "listen ... reuseport"), it attaches to each such listener, as
 * it starts listening, the classic BPF program of the kernel's
 * reuseport_bpf_cpu selftest: "return the CPU that received the packet"
 * (SKF_AD_CPU), less the first CPU the server may run on. The kernel then
 * hands a new connection to the group's listener of that index, that is,
 * with nginx's "worker_cpu_affinity auto", to the worker pinned on the
 * receiving CPU: nginx opens worker N's listener N-th and pins it to the
 * N-th CPU it may use (so the CPUs it may use must be a range, as with
 * `taskset -c 1-4`). An index past the group falls back to the hash. The
 * program is the group's, so attaching it again changes nothing.
 *
 * A failure is said once on stderr and the listener stays as it was.
 */
#include <dlfcn.h>
#include <errno.h>
#include <linux/filter.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

static int (*real_listen)(int, int);

/* The first CPU this process may run on: listener 0's. */
static unsigned int first_cpu(void)
{
	cpu_set_t set;

	if (sched_getaffinity(0, sizeof(set), &set))
		return 0;
	for (unsigned int cpu = 0; cpu < CPU_SETSIZE; cpu++)
		if (CPU_ISSET(cpu, &set))
			return cpu;
	return 0;
}

static void attach_cpu_program(int fd)
{
	static int said;
	struct sock_filter code[] = {
		{ BPF_LD | BPF_W | BPF_ABS, 0, 0, SKF_AD_OFF + SKF_AD_CPU },
		{ BPF_ALU | BPF_SUB | BPF_K, 0, 0, first_cpu() },
		{ BPF_RET | BPF_A, 0, 0, 0 },
	};
	struct sock_fprog prog = { .len = 3, .filter = code };
	int on = 0, err = errno;
	socklen_t len = sizeof(on);

	if (getsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &on, &len) || !on)
		goto out;
	if (setsockopt(fd, SOL_SOCKET, SO_ATTACH_REUSEPORT_CBPF, &prog,
		       sizeof(prog)) && !said++)
		fprintf(stderr, "libreuseportcpu: SO_ATTACH_REUSEPORT_CBPF: %s\n",
			strerror(errno));
out:
	errno = err;
}

int listen(int fd, int backlog)
{
	int ret;

	if (!real_listen)
		real_listen = (int (*)(int, int))dlsym(RTLD_NEXT, "listen");
	ret = real_listen(fd, backlog);
	if (ret == 0)
		attach_cpu_program(fd);
	return ret;
}
