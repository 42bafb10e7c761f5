// SPDX-License-Identifier: GPL-2.0-only
/*
 * Listeners a process inherits rather than makes: from systemd's socket
 * activation (sd_listen_fds(3): LISTEN_PID names this process, LISTEN_FDS
 * counts descriptors from 3), from the program it was before an exec
 * that handed them over (nginx's binary upgrade: FASTSOCKET_LISTENERS,
 * see exec.c), or received from another process with
 * SCM_RIGHTS (haproxy's seamless reload, see pass.c). They were made and
 * set listening elsewhere, so no listen() here tells the library of them:
 * each TCP listener among them becomes a global listener as if listened
 * elsewhere, and the processes that accept from it get local ones. For
 * socket activation, the environment and the descriptors' flags are left
 * as they were, so sd_listen_fds() finds them unchanged; the library's
 * own list leaves the environment, so that no program started from this
 * one reads it.
 */
#include <limits.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

#include "libfsocket.h"

enum { LISTEN_FDS_START = 3 };

static bool env_number(const char *name, long *out)
{
	const char *s = secure_getenv(name);
	char *end;

	if (!s || !*s)
		return false;
	*out = strtol(s, &end, 10);
	return *end == '\0' && *out > 0 && *out < INT_MAX;
}

static bool is_listening(int fd)
{
	socklen_t len = sizeof(int);
	int on = 0;

	return getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &on, &len) == 0 &&
	       on;
}

/* @fd came from elsewhere: if it listens (true), it is a global listener. */
bool fsock_adopt_listener(int fd)
{
	if (!is_listening(fd))
		return false;
	fsock_accelerate_listen(fd, SOMAXCONN, 0);
	return true;
}

/*
 * FASTSOCKET_LISTENERS="PID:FD,FD...", from an exec by this process
 * (PID): each FD that listens is adopted, up to the first that is not a
 * number. Returns how many listened.
 */
int fsock_adopt_handed_over(void)
{
	const char *s = secure_getenv(FSOCK_LISTENERS_VAR);
	long pid, fd;
	char *end;
	int n = 0;

	if (!s)
		return 0;
	pid = strtol(s, &end, 10);
	if (*end == ':' && pid == getpid() && !fsock_disabled()) {
		do {
			s = end + 1;
			fd = strtol(s, &end, 10);
			if (end == s || fd < 0 || fd > INT_MAX ||
			    (*end != ',' && *end != '\0'))
				break;
			n += fsock_adopt_listener((int)fd);
		} while (*end == ',');
	}
	unsetenv(FSOCK_LISTENERS_VAR);
	return n;
}

__attribute__((constructor)) static void handed_over_listeners(void)
{
	fsock_adopt_handed_over();
}

__attribute__((constructor)) static void activated_listeners(void)
{
	long pid, n, i, max = sysconf(_SC_OPEN_MAX);

	if (!env_number("LISTEN_PID", &pid) || pid != getpid() ||
	    !env_number("LISTEN_FDS", &n) || fsock_disabled())
		return;
	for (i = 0; i < n && i + LISTEN_FDS_START < max; i++)
		fsock_adopt_listener(LISTEN_FDS_START + (int)i);
}
