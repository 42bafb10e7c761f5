// SPDX-License-Identifier: GPL-2.0-only
/*
 * libc's real calls, looked up once with dlsym(RTLD_NEXT). The lookup runs
 * under pthread_once, so it is safe from several threads at once and from
 * another library's constructor. A symbol that cannot be found aborts
 * with a message: without libc's own close() no fallback exists. The two
 * newest (close_range, closefrom: glibc 2.34) fall back to the system call.
 */
#include <dlfcn.h>
#include <pthread.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "libfsocket.h"

struct fsock_real fsock_real_syms;
atomic_bool fsock_real_ready;
static pthread_once_t real_once = PTHREAD_ONCE_INIT;

static void *resolve(const char *name)
{
	void *sym = dlsym(RTLD_NEXT, name);

	if (!sym) {
		static const char msg[] =
			"libfsocket: cannot resolve libc symbols; aborting\n";
		ssize_t n = write(STDERR_FILENO, msg, sizeof(msg) - 1);

		(void)n;
		abort();
	}
	return sym;
}

static int sys_close_range(unsigned int first, unsigned int last, int flags)
{
	return (int)syscall(SYS_close_range, first, last, flags);
}

static void sys_closefrom(int lowfd)
{
	if (sys_close_range((unsigned int)lowfd, ~0u, 0) == 0)
		return;
	for (int fd = lowfd; fd < sysconf(_SC_OPEN_MAX); fd++)
		fsock_real_syms.close(fd);
}

#define RESOLVE(field) (*(void **)&fsock_real_syms.field = resolve(#field))

static void resolve_all(void)
{
	RESOLVE(socket);
	RESOLVE(listen);
	RESOLVE(setsockopt);
	RESOLVE(connect);
	RESOLVE(accept);
	RESOLVE(accept4);
	RESOLVE(shutdown);
	RESOLVE(close);
	RESOLVE(epoll_ctl);
	RESOLVE(dup);
	RESOLVE(dup2);
	RESOLVE(dup3);
	RESOLVE(fcntl);
	RESOLVE(fcntl64);
	RESOLVE(poll);
	RESOLVE(ppoll);
	RESOLVE(select);
	RESOLVE(pselect);
	RESOLVE(pipe);
	RESOLVE(pipe2);
	RESOLVE(socketpair);
	RESOLVE(eventfd);
	RESOLVE(epoll_create);
	RESOLVE(epoll_create1);
	RESOLVE(open);
	RESOLVE(open64);
	RESOLVE(openat);
	RESOLVE(openat64);
	RESOLVE(sendmsg);
	RESOLVE(recvmsg);
	RESOLVE(recvmmsg);
	RESOLVE(memfd_create);
	RESOLVE(signalfd);
	RESOLVE(timerfd_create);
	RESOLVE(inotify_init);
	RESOLVE(inotify_init1);
	RESOLVE(execve);
	RESOLVE(execvpe);
	*(void **)&fsock_real_syms.close_range = dlsym(RTLD_NEXT, "close_range");
	if (!fsock_real_syms.close_range)
		fsock_real_syms.close_range = sys_close_range;
	*(void **)&fsock_real_syms.closefrom = dlsym(RTLD_NEXT, "closefrom");
	if (!fsock_real_syms.closefrom)
		fsock_real_syms.closefrom = sys_closefrom;
}

void fsock_real_init(void)
{
	pthread_once(&real_once, resolve_all);
	atomic_store_explicit(&fsock_real_ready, true, memory_order_release);
}

/*
 * At load, so that a wrapper first called from a signal handler finds
 * libc's calls already resolved (dlsym and pthread_once are not
 * async-signal-safe); the lazy path stays for calls made by other
 * libraries' constructors that run before this one.
 */
__attribute__((constructor)) static void resolve_at_load(void)
{
	fsock_real_init();
}
