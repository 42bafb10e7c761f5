/*
 * Messages to stderr. Each kind is said at most once per process, and
 * FASTSOCKET_QUIET=1 silences them all. write(2) rather than stdio: the
 * application owns stderr's buffer and may be in the middle of using it.
 */
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "libfsocket.h"

static atomic_bool said[FSOCK_ONCE_MAX];

static int quiet(void)
{
	const char *q = getenv("FASTSOCKET_QUIET");

	return q && *q && strcmp(q, "0") != 0;
}

void fsock_say_once(enum fsock_once what, const char *fmt, ...)
{
	char buf[512];
	va_list ap;
	int n;

	if (atomic_exchange(&said[what], true) || quiet())
		return;

	n = snprintf(buf, sizeof(buf), "libfsocket[%d]: ", (int)getpid());
	va_start(ap, fmt);
	n += vsnprintf(buf + n, sizeof(buf) - n, fmt, ap);
	va_end(ap);
	if (n >= (int)sizeof(buf) - 1)
		n = sizeof(buf) - 2;
	buf[n++] = '\n';
	if (write(STDERR_FILENO, buf, n) < 0)
		return;
}
