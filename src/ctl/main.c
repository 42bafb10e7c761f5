// SPDX-License-Identifier: GPL-2.0-only
/*
 * fastsocketctl: status, per-CPU counters and CPU/RPS tuning of
 * fastsocket. See fastsocketctl(8).
 */
#include <stdio.h>
#include <string.h>

#include "ctl.h"

static const struct {
	const char *name;
	int (*run)(int argc, char **argv);
	const char *help;
} ctl_commands[] = {
	{ "status", ctl_status, "module, parameters, device, tuning, processes [--json]" },
	{ "stats", ctl_stats, "per-CPU counters [--json | --prometheus] [-w] [-n COUNT]" },
	{ "tune", ctl_tune, "spread RPS, XPS and NIC interrupts over the CPUs [--dry-run] [--interface NAME]..." },
	{ "untune", ctl_untune, "restore what tune changed" },
	{ "rfd", ctl_rfd, "on|off DEVICE...: steer replies by port (RFD); status" },
};

static int usage(FILE *out)
{
	size_t i;

	fprintf(out, "usage: fastsocketctl COMMAND [OPTIONS]\n");
	for (i = 0; i < sizeof(ctl_commands) / sizeof(ctl_commands[0]); i++)
		fprintf(out, "  %-7s %s\n", ctl_commands[i].name, ctl_commands[i].help);
	return out == stdout ? 0 : 2;
}

int main(int argc, char **argv)
{
	size_t i;

	if (argc < 2)
		return usage(stderr);
	if (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help"))
		return usage(stdout);
	if (!strcmp(argv[1], "--version")) {
		printf("fastsocketctl %s\n", FSOCK_VERSION);
		return 0;
	}
	for (i = 0; i < sizeof(ctl_commands) / sizeof(ctl_commands[0]); i++)
		if (!strcmp(argv[1], ctl_commands[i].name))
			return ctl_commands[i].run(argc - 1, argv + 1);
	fprintf(stderr, "fastsocketctl: unknown command '%s'\n", argv[1]);
	return usage(stderr);
}
