// SPDX-License-Identifier: GPL-2.0-only
/*
 * stats: the module's per-CPU counters (/proc/net/fastsocket), once or
 * every second (-w), as the table the module prints, as JSON (--json) or
 * in Prometheus's text format (--prometheus). Watching, each output after
 * the first also gives the counters' rates per second since the one
 * before.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "ctl.h"

#define MAX_COLS 16
#define MAX_ROWS 1025	/* CPUs, then the total */
#define MAX_EXTRA 16
#define NAME_LEN 40

/* One reading of the file: a row per CPU and the total, then name value pairs. */
struct sample {
	int ncols, nrows, nextra;
	char col[MAX_COLS][NAME_LEN];
	int cpu[MAX_ROWS];		/* -1: the total */
	long long v[MAX_ROWS][MAX_COLS];
	char extra[MAX_EXTRA][NAME_LEN];
	long long extra_v[MAX_EXTRA];
	struct timespec mono, real;
};

enum format { FMT_TABLE, FMT_JSON, FMT_PROMETHEUS };

static void copy_name(char *dst, const char *src)
{
	snprintf(dst, NAME_LEN, "%s", src);
}

static int parse_row(struct sample *s, const char *label, char **save)
{
	char *tok;
	int i;

	if (s->nrows == MAX_ROWS)
		return -1;
	s->cpu[s->nrows] = strcmp(label, "total") ? atoi(label + 3) : -1;
	for (i = 0; i < s->ncols; i++) {
		tok = strtok_r(NULL, " ", save);
		s->v[s->nrows][i] = tok ? atoll(tok) : 0;
	}
	s->nrows++;
	return 0;
}

static int parse(char *text, struct sample *s)
{
	char *line, *tok, *save_line, *save_tok;

	memset(s, 0, sizeof(*s));
	line = strtok_r(text, "\n", &save_line);
	if (!line || strncmp(line, "cpu", 3))
		return -1;
	strtok_r(line, " ", &save_tok);
	while (s->ncols < MAX_COLS && (tok = strtok_r(NULL, " ", &save_tok)))
		copy_name(s->col[s->ncols++], tok);
	while ((line = strtok_r(NULL, "\n", &save_line))) {
		char *label = strtok_r(line, " ", &save_tok);

		if (!label)
			continue;
		if (!strcmp(label, "total") || !strncmp(label, "cpu", 3)) {
			if (parse_row(s, label, &save_tok))
				return -1;
		} else if (s->nextra < MAX_EXTRA) {
			tok = strtok_r(NULL, " ", &save_tok);
			copy_name(s->extra[s->nextra], label);
			s->extra_v[s->nextra++] = tok ? atoll(tok) : 0;
		}
	}
	clock_gettime(CLOCK_MONOTONIC, &s->mono);
	clock_gettime(CLOCK_REALTIME, &s->real);
	return 0;
}

static int read_sample(struct sample *s)
{
	static char text[1 << 20];

	if (ctl_read(CTL_PROC, text, sizeof(text)) || parse(text, s)) {
		fprintf(stderr, "fastsocketctl stats: %s: no module loaded?\n",
			CTL_PROC);
		return -1;
	}
	return 0;
}

static double seconds_between(const struct sample *a, const struct sample *b)
{
	return (double)(b->mono.tv_sec - a->mono.tv_sec) +
	       (b->mono.tv_nsec - a->mono.tv_nsec) / 1e9;
}

/* Column @name of row @r, or -1 where the module has no such column. */
static long long value(const struct sample *s, int r, const char *name)
{
	int i;

	for (i = 0; i < s->ncols; i++)
		if (!strcmp(s->col[i], name))
			return s->v[r][i];
	return -1;
}

/* Accepts from local queues among all accepts of row @r; -1 if none. */
static double local_share(const struct sample *s, int r)
{
	long long l = value(s, r, "local_accepts");
	long long g = value(s, r, "global_accepts");

	return l < 0 || g < 0 || l + g == 0 ? -1 : (double)l / (double)(l + g);
}

/* Row @r's values, or with @prev their rates per second. */
static void json_row(const struct sample *s, const struct sample *prev, int r)
{
	double secs = prev ? seconds_between(prev, s) : 0;
	int i;

	for (i = 0; i < s->ncols; i++) {
		if (!prev)
			printf("%s\"%s\":%lld", i ? "," : "", s->col[i], s->v[r][i]);
		else
			printf("%s\"%s\":%.2f", i ? "," : "", s->col[i],
			       secs > 0 ? (s->v[r][i] - prev->v[r][i]) / secs : 0.0);
	}
}

static void json_share(const char *key, double share)
{
	if (share < 0)
		printf(",\"%s\":null", key);
	else
		printf(",\"%s\":%.4f", key, share);
}

static void print_json(const struct sample *s, const struct sample *prev)
{
	int r, i, total = s->nrows - 1;

	printf("{\"time\":%lld.%03ld,\"cpus\":[", (long long)s->real.tv_sec,
	       s->real.tv_nsec / 1000000);
	for (r = 0; r < total; r++) {
		printf("%s{\"cpu\":%d,", r ? "," : "", s->cpu[r]);
		json_row(s, NULL, r);
		printf("}");
	}
	printf("],\"total\":{");
	json_row(s, NULL, total);
	printf("}");
	for (i = 0; i < s->nextra; i++)
		printf(",\"%s\":%lld", s->extra[i], s->extra_v[i]);
	json_share("local_share", local_share(s, total));
	if (prev) {
		printf(",\"interval\":%.3f,\"rates\":{", seconds_between(prev, s));
		json_row(s, prev, total);
		printf("}");
	}
	printf("}\n");
}

static void print_table(const struct sample *s, const struct sample *prev)
{
	double secs = prev ? seconds_between(prev, s) : 0;
	int r, i;

	if (prev)
		printf("per second over the last %.1f s\n", secs);
	printf("%-8s", "cpu");
	for (i = 0; i < s->ncols; i++)
		printf(" %*s", (int)strlen(s->col[i]) < 10 ? 10 : (int)strlen(s->col[i]),
		       s->col[i]);
	printf("\n");
	for (r = 0; r < s->nrows; r++) {
		char label[16];

		if (s->cpu[r] < 0)
			snprintf(label, sizeof(label), "total");
		else
			snprintf(label, sizeof(label), "cpu%d", s->cpu[r]);
		printf("%-8s", label);
		for (i = 0; i < s->ncols; i++) {
			int w = (int)strlen(s->col[i]) < 10 ? 10 : (int)strlen(s->col[i]);

			if (prev)
				printf(" %*.1f", w, secs > 0 ?
				       (s->v[r][i] - prev->v[r][i]) / secs : 0.0);
			else
				printf(" %*lld", w, s->v[r][i]);
		}
		printf("\n");
	}
	for (i = 0; i < s->nextra; i++)
		printf("%s %lld\n", s->extra[i], s->extra_v[i]);
	if (local_share(s, s->nrows - 1) >= 0)
		printf("local_share %.1f %%\n", 100 * local_share(s, s->nrows - 1));
	printf("\n");
}

/* What each counter and value means, for Prometheus's HELP lines. */
static const char *help_of(const char *name)
{
	static const char *const help[][2] = {
		{ "spawns", "Local listeners made." },
		{ "local_accepts", "Connections accepted from a local listener's queue." },
		{ "global_accepts", "Connections accepted from the shared listener's queue." },
		{ "stranded_wakeups", "Sweep wake-ups of a local queue whose connections did not move." },
		{ "errors", "Failed spawns, and connections lost to a faulting address buffer." },
		{ "stolen", "Connections handed from a stalled worker's queue to the others." },
		{ "lent_accepts", "Global accepts of a CPU whose local listener was paused, lent or missing." },
		{ "pauses", "Local listeners paused: out of every epoll, their CPU's connections go to the shared listener." },
		{ "listeners", "Listening sockets the module watches." },
		{ "foreign_members", "Sockets the module did not make in a watched listener's group." },
		{ "steering", "1 where the kernel steers reuseport groups by SO_INCOMING_CPU." },
	};
	size_t i;

	for (i = 0; i < sizeof(help) / sizeof(help[0]); i++)
		if (!strcmp(help[i][0], name))
			return help[i][1];
	return "A counter of the fastsocket module.";
}

static void print_prometheus(const struct sample *s)
{
	int r, i;

	for (i = 0; i < s->ncols; i++) {
		printf("# HELP fastsocket_%s_total %s\n", s->col[i],
		       help_of(s->col[i]));
		printf("# TYPE fastsocket_%s_total counter\n", s->col[i]);
		for (r = 0; r < s->nrows; r++)
			if (s->cpu[r] >= 0)
				printf("fastsocket_%s_total{cpu=\"%d\"} %lld\n",
				       s->col[i], s->cpu[r], s->v[r][i]);
	}
	for (i = 0; i < s->nextra; i++) {
		printf("# HELP fastsocket_%s %s\n", s->extra[i],
		       help_of(s->extra[i]));
		printf("# TYPE fastsocket_%s gauge\n", s->extra[i]);
		printf("fastsocket_%s %lld\n", s->extra[i], s->extra_v[i]);
	}
}

/* Same rows and columns, no counter gone back: rates between them mean something. */
static int comparable(const struct sample *a, const struct sample *b)
{
	int r, i;

	if (a->ncols != b->ncols || a->nrows != b->nrows)
		return 0;
	for (r = 0; r < a->nrows; r++)
		for (i = 0; i < a->ncols; i++)
			if (b->v[r][i] < a->v[r][i])
				return 0;
	return 1;
}

static void show(enum format fmt, const struct sample *s,
		 const struct sample *prev)
{
	if (fmt == FMT_JSON)
		print_json(s, prev);
	else if (fmt == FMT_PROMETHEUS)
		print_prometheus(s);
	else
		print_table(s, prev);
	fflush(stdout);
}

int ctl_stats(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "prometheus", no_argument, NULL, 'p' },
		{ "watch", no_argument, NULL, 'w' },
		{ "count", required_argument, NULL, 'n' },
		{ NULL, 0, NULL, 0 }
	};
	static struct sample samples[2];
	enum format fmt = FMT_TABLE;
	int watch = 0, count = -1, c, k = 0;
	char *end;

	while ((c = getopt_long(argc, argv, "jpwn:", opts, NULL)) != -1) {
		switch (c) {
		case 'j': fmt = FMT_JSON; break;
		case 'p': fmt = FMT_PROMETHEUS; break;
		case 'w': watch = 1; break;
		case 'n':
			count = (int)strtol(optarg, &end, 10);
			if (*end || count < 1)
				goto usage;
			watch = 1;
			break;
		default:
			goto usage;
		}
	}
	if (optind < argc)
		goto usage;
	for (;;) {
		struct sample *s = &samples[k & 1], *prev = &samples[!(k & 1)];

		if (read_sample(s))
			return 1;
		if (k && !comparable(prev, s))
			k = 0;	/* the module was reloaded meanwhile */
		show(fmt, s, k ? prev : NULL);
		k++;
		if (!watch || (count > 0 && --count == 0))
			return 0;
		sleep(1);
	}
usage:
	fprintf(stderr, "usage: fastsocketctl stats [--json | --prometheus] [-w|--watch] [-n COUNT]\n");
	return 2;
}
