// SPDX-License-Identifier: GPL-2.0-only
/*
 * File access for fastsocketctl. $FASTSOCKETCTL_ROOT, when set, is put in
 * front of every path: the tests run the commands against a made-up
 * /sys and /proc.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ctl.h"

const char *ctl_path(const char *path)
{
	static char buf[PATH_MAX];
	const char *root = getenv("FASTSOCKETCTL_ROOT");

	snprintf(buf, sizeof(buf), "%s%s", root ? root : "", path);
	return buf;
}

/* The file's contents without the trailing newline; -1 and errno. */
int ctl_read(const char *path, char *buf, size_t size)
{
	int fd = open(ctl_path(path), O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -1;
	n = read(fd, buf, size - 1);
	close(fd);
	if (n < 0)
		return -1;
	buf[n] = '\0';
	while (n > 0 && buf[n - 1] == '\n')
		buf[--n] = '\0';
	return 0;
}

/* @value with a newline, as the file reads: sysfs and sysctls take it. */
int ctl_write(const char *path, const char *value)
{
	int fd = open(ctl_path(path), O_WRONLY | O_TRUNC | O_CLOEXEC);
	char buf[8192];
	size_t len = (size_t)snprintf(buf, sizeof(buf), "%s\n", value);
	ssize_t n;

	if (fd < 0)
		return -1;
	if (len >= sizeof(buf)) {
		close(fd);
		errno = E2BIG;
		return -1;
	}
	n = write(fd, buf, len);
	if (close(fd) && n >= 0)
		return -1;
	if (n >= 0 && (size_t)n != len) {
		errno = EIO;
		return -1;
	}
	return n < 0 ? -1 : 0;
}

bool ctl_exists(const char *path)
{
	return access(ctl_path(path), F_OK) == 0;
}

/* A parameter of the loaded module; 0 (off) when it is not loaded. */
int ctl_param(const char *name)
{
	char path[128], v[32];

	snprintf(path, sizeof(path), "/sys/module/fastsocket/parameters/%s", name);
	return ctl_read(path, v, sizeof(v)) ? 0 : atoi(v);
}
