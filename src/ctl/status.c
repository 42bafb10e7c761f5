// SPDX-License-Identifier: GPL-2.0-only
/*
 * status: the module, its parameters, whether the kernel steers by
 * SO_INCOMING_CPU, the device, the tuning state, where receive flow
 * deliver is on, and the processes that use the module with their
 * listeners; as text, or as one JSON object (--json).
 */
#include <grp.h>
#include <dirent.h>
#include <getopt.h>
#include <pwd.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ctl.h"

#define CTL_MODULE "/sys/module/fastsocket"
#define MAX_PARAMS 32
#define MAX_RFD 64
#define MAX_PROCS 256

struct status {
	bool loaded;
	char version[64], installed[64];
	int nparams;
	char pname[MAX_PARAMS][48], pval[MAX_PARAMS][64];
	int steering;		/* 1, 0, or -1: not said */
	bool device;
	unsigned int mode;
	char owner[64], group[64];
	int tuned;		/* values saved, or -1: not tuned */
	int nrfd;
	char rfd[MAX_RFD][32];
	int nprocs, denied;
	struct ctl_proc procs[MAX_PROCS];
};

static void read_parameters(struct status *st)
{
	char path[512];
	struct dirent *e;
	DIR *d = opendir(ctl_path(CTL_MODULE "/parameters"));

	while (d && (e = readdir(d)) && st->nparams < MAX_PARAMS) {
		if (e->d_name[0] == '.' ||
		    strlen(e->d_name) >= sizeof(st->pname[0]))
			continue;
		snprintf(path, sizeof(path), CTL_MODULE "/parameters/%s", e->d_name);
		if (ctl_read(path, st->pval[st->nparams], sizeof(st->pval[0])))
			continue;
		strcpy(st->pname[st->nparams++], e->d_name);
	}
	if (d)
		closedir(d);
}

/* The module's check at load (/proc/net/fastsocket "steering N"). */
static int read_steering(void)
{
	FILE *f = fopen(ctl_path(CTL_PROC), "re");
	char line[256];
	int steers = -1;

	while (f && steers < 0 && fgets(line, sizeof(line), f))
		if (sscanf(line, "steering %d", &steers) != 1)
			steers = -1;
	if (f)
		fclose(f);
	return steers;
}

static void read_device(struct status *st)
{
	struct passwd *pw;
	struct group *gr;
	struct stat sb;

	st->device = stat(ctl_path("/dev/fastsocket"), &sb) == 0;
	if (!st->device)
		return;
	pw = getpwuid(sb.st_uid);
	gr = getgrgid(sb.st_gid);
	st->mode = sb.st_mode & 07777;
	snprintf(st->owner, sizeof(st->owner), "%s", pw ? pw->pw_name : "?");
	snprintf(st->group, sizeof(st->group), "%s", gr ? gr->gr_name : "?");
}

static int read_tuning(void)
{
	char line[8192];
	int n = 0;
	FILE *f = fopen(ctl_path(CTL_STATE), "re");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		n++;
	fclose(f);
	return n;
}

/* The version modprobe would load now, or "" (modinfo's answer). */
static void installed_version(char *buf, size_t size)
{
	FILE *p = popen("modinfo -F version fastsocket 2>/dev/null", "re");

	buf[0] = '\0';
	if (!p)
		return;
	if (!fgets(buf, (int)size, p))
		buf[0] = '\0';
	pclose(p);
	buf[strcspn(buf, "\n")] = '\0';
}

static void say_stale(const char *loaded, const char *installed)
{
	if (installed[0] && strcmp(installed, loaded))
		printf("module: version %s is loaded, %s is installed: restart the servers that use it (they hold the old one), then systemctl restart fastsocket\n",
		       loaded, installed);
}

/*
 * After an upgrade while servers held the module, the loaded module is
 * older than the one installed for this kernel: say what to do.
 */
void ctl_module_stale(void)
{
	char loaded[64], installed[64];

	if (ctl_read(CTL_MODULE "/version", loaded, sizeof(loaded)))
		return;
	installed_version(installed, sizeof(installed));
	say_stale(loaded, installed);
}

static void gather(struct status *st)
{
	memset(st, 0, sizeof(*st));
	st->loaded = ctl_exists(CTL_MODULE);
	st->steering = -1;
	if (st->loaded) {
		if (ctl_read(CTL_MODULE "/version", st->version, sizeof(st->version)))
			snprintf(st->version, sizeof(st->version), "?");
		installed_version(st->installed, sizeof(st->installed));
		read_parameters(st);
		st->steering = read_steering();
	}
	read_device(st);
	st->tuned = read_tuning();
	st->nrfd = ctl_rfd_devices(st->rfd, MAX_RFD);
	st->nprocs = ctl_procs(st->procs, MAX_PROCS, &st->denied);
}

/* "; accepts: L local, G global, S stolen (X % local)" */
static void print_counts(const struct ctl_proc *p)
{
	unsigned long long all = p->local + p->global;

	if (!p->counted)
		return;
	printf("; accepts: %llu local, %llu global, %llu stolen", p->local,
	       p->global, p->stolen);
	if (all)
		printf(" (%.1f %% local)", 100.0 * (double)p->local / (double)all);
}

static void print_procs(const struct status *st)
{
	int i, j;

	if (st->nprocs < 0)
		return;
	printf("processes using the module:%s\n", st->nprocs ? "" : " none");
	for (i = 0; i < st->nprocs; i++) {
		const struct ctl_proc *p = &st->procs[i];

		printf("  %d %s:", p->pid, p->comm);
		if (!p->nlisten)
			printf(" no TCP listener");
		for (j = 0; j < p->nlisten; j++)
			printf("%s %s (%d socket%s)", j ? "," : "",
			       p->listen[j].addr, p->listen[j].sockets,
			       p->listen[j].sockets > 1 ? "s" : "");
		print_counts(p);
		printf("\n");
	}
	if (st->denied)
		printf("  (%d processes not readable: run as root to see them all)\n",
		       st->denied);
}

static void print_text(const struct status *st)
{
	int i;

	if (!st->loaded) {
		printf("module: not loaded (systemctl start fastsocket)\n");
	} else {
		printf("module: loaded, version %s\n", st->version);
		say_stale(st->version, st->installed);
		for (i = 0; i < st->nparams; i++)
			printf("  %s = %s\n", st->pname[i], st->pval[i]);
		if (st->steering == 1)
			printf("steering: yes (the kernel steers SO_REUSEPORT groups by SO_INCOMING_CPU)\n");
		else if (st->steering == 0)
			printf("steering: no: this kernel does not steer SO_REUSEPORT groups by SO_INCOMING_CPU, so listeners stay plain (a kernel from 6.2, or with that fix, is needed)\n");
	}
	if (st->device)
		printf("device: /dev/fastsocket mode %04o owner %s group %s\n",
		       st->mode, st->owner, st->group);
	else
		printf("device: /dev/fastsocket missing\n");
	if (st->tuned < 0)
		printf("tuning: off\n");
	else
		printf("tuning: on (%d values saved in %s)\n", st->tuned, CTL_STATE);
	for (i = 0; i < st->nrfd; i++)
		printf("rfd: %s: on\n", st->rfd[i]);
	if (!st->nrfd)
		printf("rfd: off on every device of this network namespace\n");
	print_procs(st);
}

/* @s as a JSON string. */
static void json_str(const char *s)
{
	putchar('"');
	for (; *s; s++) {
		if (*s == '"' || *s == '\\')
			printf("\\%c", *s);
		else if ((unsigned char)*s < 0x20)
			printf("\\u%04x", (unsigned char)*s);
		else
			putchar(*s);
	}
	putchar('"');
}

static void json_procs(const struct status *st)
{
	int i, j;

	printf(",\"processes\":[");
	for (i = 0; i < st->nprocs; i++) {
		const struct ctl_proc *p = &st->procs[i];

		printf("%s{\"pid\":%d,\"comm\":", i ? "," : "", p->pid);
		json_str(p->comm);
		printf(",\"listeners\":[");
		for (j = 0; j < p->nlisten; j++) {
			printf("%s{\"address\":", j ? "," : "");
			json_str(p->listen[j].addr);
			printf(",\"sockets\":%d}", p->listen[j].sockets);
		}
		printf("]");
		if (p->counted)
			printf(",\"accepts\":{\"local\":%llu,\"global\":%llu,\"stolen\":%llu}",
			       p->local, p->global, p->stolen);
		printf("}");
	}
	printf("],\"unreadable_processes\":%d", st->denied);
}

static void print_json(const struct status *st)
{
	int i;

	printf("{\"module\":{\"loaded\":%s", st->loaded ? "true" : "false");
	if (st->loaded) {
		printf(",\"version\":");
		json_str(st->version);
		printf(",\"installed\":");
		if (st->installed[0])
			json_str(st->installed);
		else
			printf("null");
		printf(",\"parameters\":{");
		for (i = 0; i < st->nparams; i++) {
			printf("%s", i ? "," : "");
			json_str(st->pname[i]);
			putchar(':');
			json_str(st->pval[i]);
		}
		printf("}");
	}
	printf("},\"steering\":%s", st->steering < 0 ? "null" :
	       st->steering ? "true" : "false");
	printf(",\"device\":{\"present\":%s", st->device ? "true" : "false");
	if (st->device) {
		printf(",\"mode\":\"%04o\",\"owner\":", st->mode);
		json_str(st->owner);
		printf(",\"group\":");
		json_str(st->group);
	}
	printf("},\"tuning\":{\"on\":%s", st->tuned < 0 ? "false" : "true");
	if (st->tuned >= 0)
		printf(",\"saved\":%d", st->tuned);
	printf("},\"rfd\":[");
	for (i = 0; i < st->nrfd; i++) {
		printf("%s", i ? "," : "");
		json_str(st->rfd[i]);
	}
	printf("]");
	json_procs(st);
	printf("}\n");
}

int ctl_status(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ NULL, 0, NULL, 0 }
	};
	static struct status st;
	int json = 0, c;

	while ((c = getopt_long(argc, argv, "j", opts, NULL)) != -1) {
		if (c != 'j')
			goto usage;
		json = 1;
	}
	if (optind < argc)
		goto usage;
	gather(&st);
	if (json)
		print_json(&st);
	else
		print_text(&st);
	return st.loaded ? 0 : 3;
usage:
	fprintf(stderr, "usage: fastsocketctl status [--json]\n");
	return 2;
}
