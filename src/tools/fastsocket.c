// SPDX-License-Identifier: GPL-2.0-only
/*
 * fastsocket: run a program with libfsocket.so preloaded.
 *
 *   fastsocket [-q|--quiet] [-s|--strict] [--] PROGRAM [ARGS...]
 *
 * The library is put first in LD_PRELOAD (once: an entry already there is
 * moved, not repeated); the rest of LD_PRELOAD is kept. A set-user-ID or
 * set-group-ID program gets a warning: the dynamic loader ignores such
 * preloads for it. FASTSOCKET_LIB names another library file.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#ifndef FSOCK_LIBRARY
#define FSOCK_LIBRARY "/usr/lib/x86_64-linux-gnu/libfsocket.so.1"
#endif
#ifndef FSOCK_VERSION
#define FSOCK_VERSION "unknown"
#endif

static void usage(FILE *to)
{
	fprintf(to,
		"usage: fastsocket [-q|--quiet] [-s|--strict] [--] PROGRAM [ARGS...]\n"
		"Runs PROGRAM with libfsocket.so preloaded (see fastsocket(1), libfsocket(7)).\n");
}

/* An entry naming libfsocket.so, whatever its directory or version suffix. */
static int is_ours(const char *entry, size_t len)
{
	static const char name[] = "libfsocket.so";
	const char *base = entry + len;

	while (base > entry && base[-1] != '/')
		base--;
	return (size_t)(entry + len - base) >= sizeof(name) - 1 &&
	       !strncmp(base, name, sizeof(name) - 1);
}

/* @lib, then the entries of @old that are not a copy of it. */
static char *preload_list(const char *lib, const char *old)
{
	size_t room = strlen(lib) + (old ? strlen(old) : 0) + 2;
	char *out = malloc(room);
	const char *p = old;

	if (!out)
		return NULL;
	strcpy(out, lib);
	while (p && *p) {
		size_t len = strcspn(p, ": ");

		if (len && !is_ours(p, len)) {
			strcat(out, ":");
			strncat(out, p, len);
		}
		p += len;
		p += strspn(p, ": ");
	}
	return out;
}

/* The file execvp() would run, if it can be found: for the set-ID check. */
static int is_setid(const char *prog)
{
	char path[4096];
	const char *dirs = getenv("PATH");
	struct stat st;

	if (strchr(prog, '/'))
		return stat(prog, &st) == 0 && (st.st_mode & (S_ISUID | S_ISGID));
	while (dirs && *dirs) {
		size_t len = strcspn(dirs, ":");

		snprintf(path, sizeof(path), "%.*s/%s", (int)len, dirs, prog);
		if (stat(path, &st) == 0 && S_ISREG(st.st_mode))
			return !!(st.st_mode & (S_ISUID | S_ISGID));
		dirs += len + (dirs[len] == ':');
	}
	return 0;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "quiet", no_argument, NULL, 'q' },
		{ "strict", no_argument, NULL, 's' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 }
	};
	const char *lib = getenv("FASTSOCKET_LIB");
	char *list;
	int c;

	while ((c = getopt_long(argc, argv, "+qshV", opts, NULL)) != -1) {
		switch (c) {
		case 'q':
			setenv("FASTSOCKET_QUIET", "1", 1);
			break;
		case 's':
			setenv("FASTSOCKET_STRICT", "1", 1);
			break;
		case 'h':
			usage(stdout);
			return 0;
		case 'V':
			printf("fastsocket %s\n", FSOCK_VERSION);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind >= argc) {
		usage(stderr);
		return 2;
	}
	if (!lib || !*lib)
		lib = FSOCK_LIBRARY;
	if (access(lib, R_OK) != 0) {
		fprintf(stderr, "fastsocket: %s: %s\n", lib, strerror(errno));
		return 127;
	}
	if (is_setid(argv[optind]))
		fprintf(stderr,
			"fastsocket: warning: %s is set-user-ID or set-group-ID; the loader will not preload the library into it\n",
			argv[optind]);
	list = preload_list(lib, getenv("LD_PRELOAD"));
	if (!list || setenv("LD_PRELOAD", list, 1) != 0) {
		perror("fastsocket");
		return 127;
	}
	execvp(argv[optind], argv + optind);
	fprintf(stderr, "fastsocket: %s: %s\n", argv[optind], strerror(errno));
	return errno == ENOENT ? 127 : 126;
}
