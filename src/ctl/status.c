// SPDX-License-Identifier: GPL-2.0-only
/*
 * status: the module, its parameters, whether the kernel steers by
 * SO_INCOMING_CPU, the device, the tuning state and where receive flow
 * deliver is on.
 */
#include <dirent.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "ctl.h"

#define CTL_MODULE "/sys/module/fastsocket"

static void show_parameters(void)
{
	char path[512], value[64];
	struct dirent *e;
	DIR *d = opendir(ctl_path(CTL_MODULE "/parameters"));

	if (!d)
		return;
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), CTL_MODULE "/parameters/%s", e->d_name);
		if (!ctl_read(path, value, sizeof(value)))
			printf("  %s = %s\n", e->d_name, value);
	}
	closedir(d);
}

static void show_device(void)
{
	struct passwd *pw;
	struct group *gr;
	struct stat st;

	if (stat(ctl_path("/dev/fastsocket"), &st)) {
		printf("device: /dev/fastsocket missing\n");
		return;
	}
	pw = getpwuid(st.st_uid);
	gr = getgrgid(st.st_gid);
	printf("device: /dev/fastsocket mode %04o owner %s group %s\n",
	       st.st_mode & 07777, pw ? pw->pw_name : "?", gr ? gr->gr_name : "?");
}

static void show_tuning(void)
{
	char line[8192];
	int n = 0;
	FILE *f = fopen(ctl_path(CTL_STATE), "re");

	if (!f) {
		printf("tuning: off\n");
		return;
	}
	while (fgets(line, sizeof(line), f))
		n++;
	fclose(f);
	printf("tuning: on (%d values saved in %s)\n", n, CTL_STATE);
}

/*
 * The module's check at load (/proc/net/fastsocket "steering N"): nothing
 * where the file is not (another network namespace) or lacks the line.
 */
static void show_steering(void)
{
	FILE *f = fopen(ctl_path(CTL_PROC), "r");
	char line[256];
	int steers = -1;

	while (f && steers < 0 && fgets(line, sizeof(line), f))
		if (sscanf(line, "steering %d", &steers) != 1)
			steers = -1;
	if (f)
		fclose(f);
	if (steers == 1)
		printf("steering: yes (the kernel steers SO_REUSEPORT groups by SO_INCOMING_CPU)\n");
	else if (steers == 0)
		printf("steering: no: this kernel does not steer SO_REUSEPORT groups by SO_INCOMING_CPU, so listeners stay plain (a kernel from 6.2, or with that fix, is needed)\n");
}

/*
 * After an upgrade while servers held the module, the loaded module is
 * older than the one installed for this kernel: say what to do.
 */
void ctl_module_stale(void)
{
	char loaded[64], installed[64] = "";
	FILE *p;

	if (ctl_read(CTL_MODULE "/version", loaded, sizeof(loaded)))
		return;
	p = popen("modinfo -F version fastsocket 2>/dev/null", "re");
	if (!p)
		return;
	if (!fgets(installed, sizeof(installed), p))
		installed[0] = '\0';
	pclose(p);
	installed[strcspn(installed, "\n")] = '\0';
	if (installed[0] && strcmp(installed, loaded))
		printf("module: version %s is loaded, %s is installed: restart the servers that use it (they hold the old one), then systemctl restart fastsocket\n",
		       loaded, installed);
}

int ctl_status(int argc, char **argv)
{
	char version[64];

	(void)argv;
	if (argc > 1) {
		fprintf(stderr, "usage: fastsocketctl status\n");
		return 2;
	}
	if (!ctl_exists(CTL_MODULE)) {
		printf("module: not loaded (systemctl start fastsocket)\n");
	} else {
		if (ctl_read(CTL_MODULE "/version", version, sizeof(version)))
			strcpy(version, "?");
		printf("module: loaded, version %s\n", version);
		ctl_module_stale();
		show_parameters();
		show_steering();
	}
	show_device();
	show_tuning();
	ctl_rfd_status();
	return ctl_exists(CTL_MODULE) ? 0 : 3;
}
