// SPDX-License-Identifier: GPL-2.0-only
/*
 * exec: a program that hands its listeners over to a new program keeps
 * fastsocket there. nginx's binary upgrade (SIGUSR2, which Debian's nginx
 * package sends at each upgrade of the package, through its init
 * script's "upgrade") execs the new binary with the listeners left open,
 * their numbers in NGINX, and an environment of nginx's making: TZ and
 * what its "env" directives keep. LD_PRELOAD is gone, and a new binary
 * that had the library would still not listen() again to tell it of
 * them: the new master's workers ran as without fastsocket until the
 * next restart (none of their accepts local, measured).
 *
 * So an exec by a process whose global listeners stay open across it (no
 * FD_CLOEXEC):
 *  - puts back LD_PRELOAD and the FASTSOCKET_ variables as the process
 *    started with them, each one that the new environment lacks (a
 *    program that sets LD_PRELOAD itself keeps its own);
 *  - names those listeners in FASTSOCKET_LISTENERS ("PID:FD,FD..."),
 *    which the library in the new program reads at load, as it reads
 *    systemd's LISTEN_FDS (inherit.c).
 * An exec that hands no listener over (a CGI, a piped log) goes as it
 * came. Seen: execve(), execv(), execvp() and execvpe(); glibc's other
 * exec calls go through its internal execve.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "libfsocket.h"

extern char **environ;

#define CARRY_MAX 16
/* Larger environments go as they came (the new one is on the stack). */
#define ENV_MAX 4096
/* Listeners beyond what fits go unnamed: plain listeners there. */
#define LISTENERS_LEN 512

static char *carried[CARRY_MAX];
static int nr_carried;

static bool carried_name(const char *var)
{
	return !strncmp(var, "LD_PRELOAD=", 11) ||
	       (!strncmp(var, "FASTSOCKET_", 11) &&
		strncmp(var, FSOCK_LISTENERS_VAR "=",
			sizeof(FSOCK_LISTENERS_VAR)));
}

/* What the process started with, before the program changes it. */
void fsock_exec_capture(void)
{
	char **e;

	while (nr_carried > 0)
		free(carried[--nr_carried]);
	for (e = environ; e && *e && nr_carried < CARRY_MAX; e++)
		if (carried_name(*e) && (carried[nr_carried] = strdup(*e)))
			nr_carried++;
}

__attribute__((constructor)) static void exec_capture_at_load(void)
{
	fsock_exec_capture();
}

/* The listeners being handed over, appended to a FASTSOCKET_LISTENERS=. */
static _Thread_local struct handover {
	char *buf;
	size_t len, size;
	int n;
} *handing;

static void note_handed(int fd)
{
	struct handover *h = handing;
	int flags, len;

	if (fsock_get(fd).kind != FSOCK_GLOBAL)
		return;
	flags = fsock_real()->fcntl(fd, F_GETFD);
	if (flags < 0 || (flags & FD_CLOEXEC))
		return;
	len = snprintf(h->buf + h->len, h->size - h->len, "%s%d",
		       h->n ? "," : "", fd);
	if (len < 0 || (size_t)len >= h->size - h->len) {
		h->buf[h->len] = '\0';
		return;
	}
	h->len += (size_t)len;
	h->n++;
}

/* Fills @buf with FASTSOCKET_LISTENERS=PID:FD,...; false: none handed. */
static bool handed_over(char *buf, size_t size)
{
	struct handover h = { .buf = buf, .size = size };
	int len = snprintf(buf, size, FSOCK_LISTENERS_VAR "=%d:", (int)getpid());

	if (len < 0 || (size_t)len >= size)
		return false;
	h.len = (size_t)len;
	handing = &h;
	fsock_for_range(0, ~0u, note_handed);
	handing = NULL;
	return h.n > 0;
}

static bool env_has(char *const envp[], size_t n, const char *var)
{
	size_t name = strcspn(var, "=") + 1, i;

	for (i = 0; i < n; i++)
		if (!strncmp(envp[i], var, name))
			return true;
	return false;
}

typedef int (*exec_fn)(const char *, char *const[], char *const[]);

static int exec_carrying(exec_fn real, const char *file, char *const argv[],
			 char *const envp[])
{
	char listeners[LISTENERS_LEN];
	size_t n = 0, extra = 0;
	int i;

	if (!fsock_any() || fsock_disabled() ||
	    !handed_over(listeners, sizeof(listeners)))
		return real(file, argv, envp);
	while (envp && envp[n] && n < ENV_MAX)
		n++;
	if (n == ENV_MAX)
		return real(file, argv, envp);
	{
		char *env[n + CARRY_MAX + 2];

		size_t kept = 0, j;

		/* A stale list (the program copied one) gives way to ours. */
		for (j = 0; j < n; j++)
			if (strncmp(envp[j], FSOCK_LISTENERS_VAR "=",
				    sizeof(FSOCK_LISTENERS_VAR)))
				env[kept++] = envp[j];
		for (i = 0; i < nr_carried; i++)
			if (!env_has(envp, n, carried[i]))
				env[kept + extra++] = carried[i];
		env[kept + extra++] = listeners;
		env[kept + extra] = NULL;
		return real(file, argv, env);
	}
}

FSOCK_EXPORT int execve(const char *path, char *const argv[],
			char *const envp[])
{
	return exec_carrying(fsock_real()->execve, path, argv, envp);
}

FSOCK_EXPORT int execv(const char *path, char *const argv[])
{
	return exec_carrying(fsock_real()->execve, path, argv, environ);
}

FSOCK_EXPORT int execvpe(const char *file, char *const argv[],
			 char *const envp[])
{
	return exec_carrying(fsock_real()->execvpe, file, argv, envp);
}

FSOCK_EXPORT int execvp(const char *file, char *const argv[])
{
	return exec_carrying(fsock_real()->execvpe, file, argv, environ);
}
