/* SPDX-License-Identifier: GPL-2.0-only */
/* fastsocketctl: the pieces and what they share. */
#ifndef FASTSOCKETCTL_H
#define FASTSOCKETCTL_H

#include <stdbool.h>
#include <stddef.h>

/*
 * paths.c: every file goes through here, under $FASTSOCKETCTL_ROOT if set;
 * ctl_path() returns a static buffer, valid until its next call.
 */
const char *ctl_path(const char *path);
int ctl_read(const char *path, char *buf, size_t size);
int ctl_write(const char *path, const char *value);
bool ctl_exists(const char *path);
int ctl_param(const char *name);

/* caps.c: 0, or says which capability is missing and returns -1 */
int ctl_need_caps(const char *command);

/* status.c, for tune too: says when the loaded module is not the installed one */
void ctl_module_stale(void);

/* procs.c: the processes holding /dev/fastsocket, with their listeners */
#define CTL_PROC_LISTENERS 16
struct ctl_proc {
	int pid;
	char comm[32];
	int nlisten;
	struct {
		char addr[80];
		int sockets;	/* the shared listener and local ones */
	} listen[CTL_PROC_LISTENERS];
	/* Its accepts, from its device's fdinfo (absent from older modules). */
	bool counted;
	unsigned long long local, global, stolen;
};
/* up to @max; -1 without /proc; *@denied: processes not readable */
int ctl_procs(struct ctl_proc *procs, int max, int *denied);

/* the commands: exit statuses */
int ctl_status(int argc, char **argv);
int ctl_stats(int argc, char **argv);
int ctl_tune(int argc, char **argv);
int ctl_untune(int argc, char **argv);
int ctl_rfd(int argc, char **argv);

/* rfd.c, for tune: 0, or says why and returns -1 */
int ctl_rfd_on(const char *dev);
int ctl_rfd_off(const char *dev);
/* rfd.c, for status too: which devices have it, one line each */
int ctl_rfd_status(void);
/* their names into @names (up to @max); the count, or -1 */
int ctl_rfd_devices(char (*names)[32], int max);
#define CTL_RFD_MARK "rfd:"	/* a CTL_STATE line "rfd:DEV<TAB>on" */

#define CTL_STATE "/run/fastsocket/tune.saved"
#define CTL_PROC "/proc/net/fastsocket"

#endif
