// SPDX-License-Identifier: GPL-2.0-only
/*
 * The processes that use the module (they hold /dev/fastsocket open: the
 * library opens it at a server's first listen), and their listening TCP
 * sockets by address: the shared listener and its local listeners share
 * an address, so a worker with a local listener shows two sockets there,
 * and the process's accepts, which the module shows in the device's
 * /proc/PID/fdinfo. Read from /proc: another user's processes need root.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ctl.h"

#define MAX_SOCKETS 4096

struct inodes {
	unsigned long v[MAX_SOCKETS];
	int n;
};

/*
 * Does process @pid hold the device (its descriptor in @dev, else -1)?
 * Its socket inodes into @in.
 */
static int scan_fds(const char *pid, struct inodes *in, int *dev)
{
	char dir[64], path[64 + 256], link[64];
	struct dirent *e;
	DIR *d;

	snprintf(dir, sizeof(dir), "/proc/%s/fd", pid);
	d = opendir(ctl_path(dir));
	if (!d)
		return -1;
	*dev = -1;
	in->n = 0;
	while ((e = readdir(d))) {
		ssize_t len;

		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		len = readlink(ctl_path(path), link, sizeof(link) - 1);
		if (len <= 0)
			continue;
		link[len] = '\0';
		if (!strcmp(link, "/dev/fastsocket")) {
			if (*dev < 0)
				*dev = atoi(e->d_name);
		}
		else if (in->n < MAX_SOCKETS &&
			 sscanf(link, "socket:[%lu]", &in->v[in->n]) == 1)
			in->n++;
	}
	closedir(d);
	return 0;
}

/* /proc/net/tcp's "0100007F:0050" (or tcp6's 32 hex digits) as text. */
static void format_addr(const char *hex, bool v6, char *out, size_t size)
{
	unsigned int port = 0, w[4] = { 0 };
	char ip[INET6_ADDRSTRLEN] = "?";

	if (!v6 && sscanf(hex, "%8x:%x", &w[0], &port) == 2)
		inet_ntop(AF_INET, w, ip, sizeof(ip));
	else if (v6 && sscanf(hex, "%8x%8x%8x%8x:%x", &w[0], &w[1], &w[2],
			      &w[3], &port) == 5)
		inet_ntop(AF_INET6, w, ip, sizeof(ip));
	snprintf(out, size, v6 ? "[%s]:%u" : "%s:%u", ip, port);
}

static void add_listener(struct ctl_proc *p, const char *addr)
{
	int i;

	for (i = 0; i < p->nlisten; i++)
		if (!strcmp(p->listen[i].addr, addr)) {
			p->listen[i].sockets++;
			return;
		}
	if (p->nlisten == CTL_PROC_LISTENERS)
		return;
	snprintf(p->listen[i].addr, sizeof(p->listen[i].addr), "%s", addr);
	p->listen[i].sockets = 1;
	p->nlisten++;
}

static bool has_inode(const struct inodes *in, unsigned long inode)
{
	int i;

	for (i = 0; i < in->n; i++)
		if (in->v[i] == inode)
			return true;
	return false;
}

/* @p's listening sockets, from its network namespace's tcp and tcp6 tables. */
static void scan_listeners(struct ctl_proc *p, const struct inodes *in)
{
	static const char *const tables[] = { "tcp", "tcp6" };
	char path[64], line[512], local[64], addr[80];
	unsigned long inode;
	unsigned int state;
	size_t t;
	FILE *f;

	for (t = 0; t < 2; t++) {
		snprintf(path, sizeof(path), "/proc/%d/net/%s", p->pid, tables[t]);
		f = fopen(ctl_path(path), "re");
		if (!f)
			continue;
		while (fgets(line, sizeof(line), f)) {
			/* sl local rem st tx:rx tr:when retrnsmt uid timeout inode */
			if (sscanf(line, " %*s %63s %*s %x %*s %*s %*s %*s %*s %lu",
				   local, &state, &inode) != 3 ||
			    state != 0x0A || !has_inode(in, inode))
				continue;
			format_addr(local, t == 1, addr, sizeof(addr));
			add_listener(p, addr);
		}
		fclose(f);
	}
}

/* The accepts the module counted for @p's open device, descriptor @fd. */
static void read_counts(struct ctl_proc *p, int fd)
{
	char path[64], line[128];
	int seen = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/fdinfo/%d", p->pid, fd);
	f = fopen(ctl_path(path), "re");
	if (!f)
		return;
	while (fgets(line, sizeof(line), f))
		seen += sscanf(line, "local_accepts: %llu", &p->local) +
			sscanf(line, "global_accepts: %llu", &p->global) +
			sscanf(line, "stolen: %llu", &p->stolen);
	fclose(f);
	p->counted = seen == 3;
}

static void read_comm(struct ctl_proc *p)
{
	char path[64];

	snprintf(path, sizeof(path), "/proc/%d/comm", p->pid);
	if (ctl_read(path, p->comm, sizeof(p->comm)))
		snprintf(p->comm, sizeof(p->comm), "?");
}

int ctl_procs(struct ctl_proc *procs, int max, int *denied)
{
	static struct inodes in;
	DIR *d = opendir(ctl_path("/proc"));
	struct dirent *e;
	int n = 0, dev;

	*denied = 0;
	if (!d)
		return -1;
	while ((e = readdir(d)) && n < max) {
		if (!isdigit((unsigned char)e->d_name[0]))
			continue;
		if (scan_fds(e->d_name, &in, &dev)) {
			*denied += errno == EACCES;
			continue;
		}
		if (dev < 0)
			continue;
		memset(&procs[n], 0, sizeof(procs[n]));
		procs[n].pid = atoi(e->d_name);
		read_comm(&procs[n]);
		scan_listeners(&procs[n], &in);
		read_counts(&procs[n], dev);
		n++;
	}
	closedir(d);
	return n;
}
