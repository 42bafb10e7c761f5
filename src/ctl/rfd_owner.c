// SPDX-License-Identifier: GPL-2.0-only
/*
 * Which XDP program is receive flow deliver's. "rfd on" notes the id of
 * the program it attached, per network namespace and device, in
 * RFD_OWNERS; off, status, tune and untune touch a device's program only
 * when its id is the one noted. A program's id stays its own while it
 * lives (ids are handed out in sequence over 31 bits), and comparing ids
 * needs no capability, where reading a program's name from its id takes
 * CAP_SYS_ADMIN: so the units need only CAP_BPF and CAP_PERFMON for RFD,
 * and status works for any user.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ctl.h"
#include "rfd.h"

#define RFD_OWNERS "/run/fastsocket/rfd"

/* RFD_OWNERS/NETNS-IFINDEX: a device's name within the machine. */
static int owner_path(char *buf, size_t size, unsigned int ifindex)
{
	struct stat ns;

	if (stat("/proc/self/ns/net", &ns))
		return -1;
	snprintf(buf, size, "%s/%llu-%u", RFD_OWNERS,
		 (unsigned long long)ns.st_ino, ifindex);
	return 0;
}

int rfd_owner_note(unsigned int ifindex, uint32_t id)
{
	char path[PATH_MAX], tmp[PATH_MAX + 8];
	FILE *f;
	int ret;

	if (owner_path(path, sizeof(path), ifindex))
		goto fail;
	mkdir(ctl_path("/run"), 0755);
	mkdir(ctl_path("/run/fastsocket"), 0755);
	mkdir(ctl_path(RFD_OWNERS), 0755);
	snprintf(tmp, sizeof(tmp), "%s.new", ctl_path(path));
	f = fopen(tmp, "we");
	if (!f)
		goto fail;
	ret = fprintf(f, "%" PRIu32 "\n", id) < 0;
	if (fclose(f) || ret || rename(tmp, ctl_path(path))) {
		unlink(tmp);
		goto fail;
	}
	return 0;
fail:
	fprintf(stderr, "fastsocketctl rfd: cannot note the program in %s: %s\n",
		RFD_OWNERS, strerror(errno));
	return -1;
}

bool rfd_owner_is(unsigned int ifindex, uint32_t id)
{
	char path[PATH_MAX], buf[32];

	if (!id || owner_path(path, sizeof(path), ifindex) ||
	    ctl_read(path, buf, sizeof(buf)))
		return false;
	return strtoul(buf, NULL, 10) == id;
}

void rfd_owner_forget(unsigned int ifindex)
{
	char path[PATH_MAX];

	if (!owner_path(path, sizeof(path), ifindex))
		unlink(ctl_path(path));
}
