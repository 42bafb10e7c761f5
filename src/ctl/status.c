/*
 * status: the module, its parameters, the device, the tuning state and
 * where receive flow deliver is on.
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
		show_parameters();
	}
	show_device();
	show_tuning();
	ctl_rfd_status();
	return ctl_exists(CTL_MODULE) ? 0 : 3;
}
