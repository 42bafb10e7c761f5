// SPDX-License-Identifier: GPL-2.0-only
/*
 * stats: the module's per-CPU counters (/proc/net/fastsocket), once or
 * every second (-w), as the table the module prints or as JSON (--json).
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "ctl.h"


/*
 * {"cpus":[{"cpu":0,"name":n,...},...],"total":{...},"listeners":N,...}:
 * a line other than a CPU's or the total is one "name value" pair.
 */
static int print_json(char *text)
{
	char *names[16], *line, *tok, *save_line, *save_tok;
	int nnames = 0, first_cpu = 1, i;

	line = strtok_r(text, "\n", &save_line);
	if (!line || strncmp(line, "cpu", 3))
		return -1;
	strtok_r(line, " ", &save_tok);
	while (nnames < 16 && (tok = strtok_r(NULL, " ", &save_tok)))
		names[nnames++] = tok;
	printf("{\"cpus\":[");
	while ((line = strtok_r(NULL, "\n", &save_line))) {
		char *label = strtok_r(line, " ", &save_tok);

		if (!label)
			continue;
		if (strcmp(label, "total") && strncmp(label, "cpu", 3)) {
			tok = strtok_r(NULL, " ", &save_tok);
			printf(",\"%s\":%s", label, tok ? tok : "0");
			continue;
		}
		if (!strcmp(label, "total"))
			printf("],\"total\":{");
		else
			printf("%s{\"cpu\":%d,", first_cpu ? "" : ",",
			       atoi(label + 3));
		first_cpu = 0;
		for (i = 0; i < nnames && (tok = strtok_r(NULL, " ", &save_tok)); i++)
			printf("%s\"%s\":%s", i ? "," : "", names[i], tok);
		printf("}");
	}
	printf("}\n");
	return 0;
}

static int show_once(int json)
{
	static char text[1 << 20];

	if (ctl_read(CTL_PROC, text, sizeof(text))) {
		fprintf(stderr, "fastsocketctl stats: %s: no module loaded?\n",
			CTL_PROC);
		return -1;
	}
	if (json)
		return print_json(text);
	printf("%s\n", text);
	return 0;
}

int ctl_stats(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "watch", no_argument, NULL, 'w' },
		{ "count", required_argument, NULL, 'n' },
		{ NULL, 0, NULL, 0 }
	};
	int json = 0, watch = 0, count = -1, c;

	while ((c = getopt_long(argc, argv, "jwn:", opts, NULL)) != -1) {
		switch (c) {
		case 'j': json = 1; break;
		case 'w': watch = 1; break;
		case 'n': count = atoi(optarg); watch = 1; break;
		default:
			fprintf(stderr, "usage: fastsocketctl stats [--json] [-w|--watch] [-n COUNT]\n");
			return 2;
		}
	}
	do {
		if (show_once(json))
			return 1;
		fflush(stdout);
		if (watch && count != 1)
			sleep(1);
	} while (watch && (count < 0 || --count > 0));
	return 0;
}
