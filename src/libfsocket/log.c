// SPDX-License-Identifier: GPL-2.0-only
/*
 * Messages to stderr, and the environment that governs them:
 *   FASTSOCKET_QUIET=1    say nothing
 *   FASTSOCKET_STRICT=1   a fallback to the plain path ends the process
 *                         (exit status 70) instead of being said
 *   FASTSOCKET_DISABLE=1  the library only passes calls through
 * Each kind of message is said at most once per process. write(2) rather
 * than stdio: the application owns stderr's buffer and may be using it.
 */
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "libfsocket.h"

#define EXIT_STRICT 70	/* EX_SOFTWARE */

static atomic_bool said[FSOCK_ONCE_MAX];

static bool env_on(const char *name)
{
	const char *v = secure_getenv(name);

	return v && *v && strcmp(v, "0") != 0;
}

bool fsock_disabled(void)
{
	return env_on("FASTSOCKET_DISABLE");
}

static void say(const char *fmt, va_list ap)
{
	char buf[512];
	int n;

	n = snprintf(buf, sizeof(buf), "libfsocket[%d]: ", (int)getpid());
	n += vsnprintf(buf + n, sizeof(buf) - n, fmt, ap);
	if (n >= (int)sizeof(buf) - 1)
		n = sizeof(buf) - 2;
	buf[n++] = '\n';
	if (write(STDERR_FILENO, buf, n) < 0)
		return;
}

static void say_once_v(enum fsock_once what, const char *fmt, va_list ap)
{
	if (atomic_exchange(&said[what], true) || env_on("FASTSOCKET_QUIET"))
		return;
	say(fmt, ap);
}

void fsock_say_once(enum fsock_once what, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	say_once_v(what, fmt, ap);
	va_end(ap);
}

void fsock_fallback(enum fsock_once what, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	if (env_on("FASTSOCKET_STRICT")) {
		say(fmt, ap);
		_exit(EXIT_STRICT);
	}
	say_once_v(what, fmt, ap);
	va_end(ap);
}
