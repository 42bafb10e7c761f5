// SPDX-License-Identifier: GPL-2.0
/*
 * epollctl: what the original's fast epoll saved. Its kernel patch kept
 * each file's epoll item in struct file, so epoll_ctl skipped the lookup
 * in the epoll's red-black tree. This times that path on the running
 * kernel: EPOLL_CTL_MOD (a lookup and an update) on one of K registered
 * descriptors, and an ADD + DEL pair (what a server without EPOLLET pays
 * per connection at most), for several K.
 *
 *   epollctl [K]...      (default 1 100 10000; prints "K mod_ns add_del_ns")
 *
 * Each figure is the median of 5 runs of 100000 calls. A figure, not a
 * verdict: it exits non-zero only when a call fails.
 */
#include <stdio.h>
#include <stdlib.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#define CALLS 100000
#define RUNS 5

static double now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static double median(double *v)
{
	qsort(v, RUNS, sizeof(*v), cmp_double);
	return v[RUNS / 2];
}

/* ns per MOD, cycling through the K registered descriptors. */
static double time_mod(int ep, const int *fds, int k)
{
	struct epoll_event ev = { .events = EPOLLIN };
	double t = now_ns();
	int i;

	for (i = 0; i < CALLS; i++) {
		ev.events = i & 1 ? EPOLLIN : EPOLLIN | EPOLLOUT;
		ev.data.fd = fds[i % k];
		if (epoll_ctl(ep, EPOLL_CTL_MOD, fds[i % k], &ev))
			return -1;
	}
	return (now_ns() - t) / CALLS;
}

/* ns per ADD + DEL pair of one more descriptor. */
static double time_add_del(int ep, int extra)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.fd = extra };
	double t = now_ns();
	int i;

	for (i = 0; i < CALLS; i++)
		if (epoll_ctl(ep, EPOLL_CTL_ADD, extra, &ev) ||
		    epoll_ctl(ep, EPOLL_CTL_DEL, extra, NULL))
			return -1;
	return (now_ns() - t) / CALLS;
}

static int measure(int k)
{
	struct epoll_event ev = { .events = EPOLLIN };
	double mod[RUNS], add_del[RUNS];
	int *fds = calloc(k, sizeof(*fds));
	int ep = epoll_create1(EPOLL_CLOEXEC), extra = eventfd(0, EFD_CLOEXEC);
	int i, ret = 1;

	if (!fds || ep < 0 || extra < 0)
		goto out;
	for (i = 0; i < k; i++) {
		fds[i] = eventfd(0, EFD_CLOEXEC);
		ev.data.fd = fds[i];
		if (fds[i] < 0 || epoll_ctl(ep, EPOLL_CTL_ADD, fds[i], &ev))
			goto out;
	}
	for (i = 0; i < RUNS; i++) {
		mod[i] = time_mod(ep, fds, k);
		add_del[i] = time_add_del(ep, extra);
		if (mod[i] < 0 || add_del[i] < 0)
			goto out;
	}
	printf("%d %.0f %.0f\n", k, median(mod), median(add_del));
	ret = 0;
out:
	if (ret)
		perror("epollctl");
	/* Exits right after: the descriptors go with the process. */
	free(fds);
	return ret;
}

int main(int argc, char **argv)
{
	static const int defaults[] = { 1, 100, 10000 };
	int i, n = argc > 1 ? argc - 1 : 3, k, max = 0;
	struct rlimit rl;

	for (i = 0; i < n; i++) {
		k = argc > 1 ? atoi(argv[i + 1]) : defaults[i];
		if (k < 1) {
			fprintf(stderr, "usage: epollctl [K]...  (K >= 1)\n");
			return 2;
		}
		max = k > max ? k : max;
	}
	/* Room for K descriptors for each K: raise the soft limit. */
	if (!getrlimit(RLIMIT_NOFILE, &rl) && rl.rlim_cur < (rlim_t)n * max + 64) {
		rl.rlim_cur = (rlim_t)n * max + 64;
		if (rl.rlim_max < rl.rlim_cur)
			rl.rlim_max = rl.rlim_cur;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
	for (i = 0; i < n; i++)
		if (measure(argc > 1 ? atoi(argv[i + 1]) : defaults[i]))
			return 1;
	return 0;
}
