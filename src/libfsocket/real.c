/*
 * libc's real socket calls, looked up once with dlsym(RTLD_NEXT). The
 * lookup runs under pthread_once, so it is safe from several threads and
 * from another library's constructor. A symbol that cannot be found aborts
 * with a message: without libc's listen() no fallback exists.
 */
#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "libfsocket.h"

static struct fsock_real real;
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

static void resolve_all(void)
{
	*(void **)&real.listen = resolve("listen");
	*(void **)&real.close = resolve("close");
}

const struct fsock_real *fsock_real(void)
{
	pthread_once(&real_once, resolve_all);
	return &real;
}
