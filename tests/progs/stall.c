// SPDX-License-Identifier: GPL-2.0-only
/*
 * stall: a pre-fork server written with plain socket calls, one of whose
 * workers can stall, for measuring the same server plain, with a
 * listener per worker (SO_REUSEPORT), and under libfsocket.so.
 *
 *   stall -a ADDR -p PORT [-w WORKERS] [-m epoll|block|poll|select] [-R] [-S]
 *         [-P PAUSED [-U]] [-E] [-F] [-I] [-T] [-X] [-A] [-C N] [-D]
 *
 * -m epoll: each worker waits in its own epoll on the listener (level
 * triggered, non-blocking accept until EAGAIN), as nginx with
 * accept_mutex off; block: each worker blocks in accept(); poll and
 * select: each worker waits in poll() or select() on the (blocking)
 * listener, then calls accept(). -R: each
 * worker opens its own SO_REUSEPORT listener and pins itself to CPU
 * i % CPUs (nginx's "reuseport" with worker_cpu_affinity auto); without
 * it the master's one listener is shared and nobody is pinned (under
 * libfsocket, mode 2 pins each worker where its local listener is). -S:
 * once every worker is up, worker 0 is stopped with SIGSTOP for good;
 * with -T, thread 0 stops serving after its first connection (it sleeps
 * for good, its listeners left open).
 * -P N (epoll only): workers 0..N-1 pause their listener as haproxy's
 * "disable frontend" does (epoll_ctl DEL, then connect(AF_UNSPEC)) once
 * they watch it; SIGUSR1 to the server prints "paused: accepted N local L
 * by-paused P" and resumes them (listen(), epoll_ctl ADD, then SO_RCVBUF 100000),
 * and prints "resumed PID..." (the resumed workers). -U (with -P): the
 * workers only take their listener out of their epoll (EPOLL_CTL_DEL),
 * as an nginx worker does when another one holds accept_mutex, or after
 * accept() failed with EMFILE, and SIGUSR1 puts it back (EPOLL_CTL_ADD);
 * "paused:" then also says "unlisted U": of those workers, how many found
 * their listener gone from /proc/net/tcp right after their EPOLL_CTL_DEL
 * (a local listener the module paused at once, at the library's word).
 * -E (epoll only): the workers add their listener with EPOLLEXCLUSIVE, as
 * nginx does with accept_mutex off.
 * -F (epoll only):
 * each worker's descriptor table is full once it watches its listener,
 * until its accept4() has failed with EMFILE 3 times. -I: a timer
 * interrupts each worker every 2 ms with SIGALRM, whose handler is
 * installed without SA_RESTART, so its waits and accepts end with EINTR
 * and are made again. -T (epoll or block, not -R): the workers are
 * threads of one process sharing its listener. -X: worker 0 ends (its
 * thread returns, or its process exits) after its first connection. -A
 * (not -R): the listener is the one systemd's socket activation passed
 * (descriptor 3), found as sd_listen_fds(3) finds it: LISTEN_PID must
 * name this process and LISTEN_FDS be 1, or the server exits. -C N
 * (with -T): each thread leaves after N connections, once it has started
 * the thread that replaces it (thread churn under load). -D (with -T):
 * each thread serves its own dup() of the listener (h2o's default).
 *
 * Each connection gets "ok\n" once a line is read. Prints "ready" when
 * serving, and on SIGTERM one line:
 *   accepted N local L pct P by-paused B
 * and "churned C" (threads replaced, -C),
 * with -F "emfile E" (the accept4 calls that failed with EMFILE), and
 * "eintr I" (the waits and accepts that a signal ended, with -I)
 * (B: accepted by the workers -P paused, before or after resuming; L: accepted on the CPU that processed the handshake, SO_INCOMING_CPU
 * against sched_getcpu()). Its client is "prefork client".
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/time.h>
#include <sys/select.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check.h"

#define MAX_WORKERS 64
#define RESUMED_RCVBUF 100000

struct counters {
	atomic_long accepted;
	atomic_long local;
	atomic_long by_paused;
	atomic_long emfile;
	atomic_long eintr;
	atomic_int up, resumed, exited, paused, churned, stalled, unlisted;
	int workers;
};

enum wait_mode { WAIT_EPOLL, WAIT_BLOCK, WAIT_POLL, WAIT_SELECT };

struct options {
	const char *addr;
	int port, workers, reuseport, stop, paused, full, interrupt;
	int threads, exit_first, activated, churn, dup_each;
	enum wait_mode mode;
};

static volatile sig_atomic_t stopping, resume;
/* -U: a pause is epoll_ctl() alone. */
static int unwatch_only;
/* -E: workers add their listener with EPOLLEXCLUSIVE. */
static uint32_t exclusive_add;

static void on_sigterm(int sig)
{
	(void)sig;
	stopping = 1;
}

static void on_sigusr1(int sig)
{
	(void)sig;
	resume = 1;
}

static int open_listener(const struct options *o, int reuseport)
{
	struct sockaddr_storage ss;
	int fd, one = 1;
	socklen_t len;

	if (parse_addr(o->addr, o->port, &ss, &len))
		return -1;
	fd = socket(ss.ss_family, SOCK_STREAM |
		    (o->mode == WAIT_EPOLL ? SOCK_NONBLOCK : 0), 0);
	if (fd < 0 ||
	    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) ||
	    (reuseport &&
	     setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof(one))) ||
	    bind(fd, (struct sockaddr *)&ss, len) || listen(fd, 4096)) {
		perror("stall: listener");
		return -1;
	}
	return fd;
}

/* -A: descriptor 3, checked and flagged as sd_listen_fds(3) does it. */
static int activated_listener(const struct options *o)
{
	const char *pid = getenv("LISTEN_PID"), *n = getenv("LISTEN_FDS");
	socklen_t len = sizeof(int);
	int on = 0, fd = 3;

	if (!pid || !n || atoi(pid) != getpid() || atoi(n) != 1 ||
	    getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &on, &len) || !on) {
		fprintf(stderr, "stall: no activated listener (LISTEN_PID %s, LISTEN_FDS %s)\n",
			pid ? pid : "unset", n ? n : "unset");
		return -1;
	}
	if (fcntl(fd, F_SETFD, FD_CLOEXEC) ||
	    (o->mode == WAIT_EPOLL &&
	     fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK))) {
		perror("stall: activated listener");
		return -1;
	}
	return fd;
}

static void pin(int cpu)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	if (sched_setaffinity(0, sizeof(set), &set))
		perror("stall: sched_setaffinity");
}

static ssize_t read_again(int fd, char *buf, size_t len)
{
	ssize_t n;

	do
		n = read(fd, buf, len);
	while (n < 0 && errno == EINTR);
	return n;
}

static void serve_one(int fd, struct counters *c, int paused)
{
	int incoming = -1;
	socklen_t len = sizeof(incoming);
	char buf[64];

	if (getsockopt(fd, SOL_SOCKET, SO_INCOMING_CPU, &incoming, &len))
		incoming = -1;
	if (read_again(fd, buf, sizeof(buf)) > 0 && write(fd, "ok\n", 3) != 3)
		perror("stall: write");
	if (incoming == sched_getcpu())
		atomic_fetch_add(&c->local, 1);
	if (paused)
		atomic_fetch_add(&c->by_paused, 1);
	atomic_fetch_add(&c->accepted, 1);
	close(fd);
}

/* A wait or an accept that failed: count those a signal ended. */
static void interrupted(struct counters *c)
{
	if (errno == EINTR)
		atomic_fetch_add(&c->eintr, 1);
}

static void on_sigalrm(int sig)
{
	(void)sig;
}

/* SIGALRM every 2 ms, its handler without SA_RESTART. */
static void interrupt_often(void)
{
	struct sigaction sa = { .sa_handler = on_sigalrm };
	struct itimerval every = { { 0, 2000 }, { 0, 2000 } };

	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGALRM, &sa, NULL) ||
	    setitimer(ITIMER_REAL, &every, NULL))
		perror("stall: timer");
}

/* haproxy's pause and resume of a listener (tcp_suspend_receiver). */
static void pause_listener(int ep, int lfd)
{
	struct sockaddr unspec = { .sa_family = AF_UNSPEC };

	if (epoll_ctl(ep, EPOLL_CTL_DEL, lfd, NULL) ||
	    (!unwatch_only && connect(lfd, &unspec, sizeof(unspec))))
		perror("stall: pause");
}

/* Does /proc/net/tcp or tcp6 list @fd's socket (its inode, field 10)? */
static bool listed(int fd)
{
	static const char *const tables[] = { "/proc/net/tcp", "/proc/net/tcp6" };
	unsigned long inode;
	bool found = false;
	char line[512];
	struct stat st;
	size_t i;
	FILE *f;

	if (fstat(fd, &st))
		return true;
	for (i = 0; i < sizeof(tables) / sizeof(tables[0]) && !found; i++) {
		f = fopen(tables[i], "re");
		if (!f)
			continue;
		while (!found && fgets(line, sizeof(line), f))
			found = sscanf(line, "%*s %*s %*s %*s %*s %*s %*s %*s %*s %lu",
				       &inode) == 1 && inode == st.st_ino;
		fclose(f);
	}
	return found;
}

static void resume_listener(int ep, int lfd, struct counters *c)
{
	struct epoll_event ev = { .events = EPOLLIN | exclusive_add };
	int rcvbuf = RESUMED_RCVBUF;

	/* And an option set afterwards, which every listener must show. */
	if (unwatch_only) {
		if (epoll_ctl(ep, EPOLL_CTL_ADD, lfd, &ev))
			perror("stall: resume");
	} else if (listen(lfd, 4096) || epoll_ctl(ep, EPOLL_CTL_ADD, lfd, &ev) ||
		   setsockopt(lfd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf))) {
		perror("stall: resume");
	}
	atomic_fetch_add(&c->resumed, 1);
}

/* Every descriptor number in use: accept4() fails with EMFILE. */
static void fill_table(struct rlimit *old)
{
	struct rlimit full;
	int lowest_free = dup(0);

	close(lowest_free);
	getrlimit(RLIMIT_NOFILE, old);
	full = *old;
	full.rlim_cur = lowest_free;
	if (setrlimit(RLIMIT_NOFILE, &full))
		perror("stall: setrlimit");
}

/* A failed accept4(): after the third EMFILE, room again. */
static void accept_failed(struct counters *c, int *emfile,
			  const struct rlimit *old)
{
	if (errno != EMFILE || *emfile < 0)
		return;
	atomic_fetch_add(&c->emfile, 1);
	if (++*emfile == 3) {
		setrlimit(RLIMIT_NOFILE, old);
		*emfile = -1;
	}
}

static void start_replacement(void);
static int churn_after;
static _Thread_local int served_here;

/*
 * -X (@exit_first 1): after its first connection, worker 0 leaves; -T -S
 * (2): thread 0 stops there. -C: after its N-th, a thread leaves once its
 * replacement is started.
 */
static bool leaves(struct counters *c, int exit_first)
{
	if (churn_after && ++served_here >= churn_after) {
		start_replacement();
		atomic_fetch_add(&c->churned, 1);
		return true;
	}
	if (!exit_first)
		return false;
	atomic_fetch_add(exit_first == 2 ? &c->stalled : &c->exited, 1);
	return true;
}

static void serve_epoll(int lfd, struct counters *c, int paused, int full,
			int exit_first)
{
	struct rlimit old;
	int emfile = full ? 0 : -1;
	struct epoll_event ev = { .events = EPOLLIN | exclusive_add };
	int ep = epoll_create1(EPOLL_CLOEXEC), fd;
	sigset_t usr1, waiting;

	if (ep < 0 || epoll_ctl(ep, EPOLL_CTL_ADD, lfd, &ev)) {
		perror("stall: epoll");
		_exit(1);
	}
	/* SIGUSR1 (resume) is taken only inside epoll_pwait(). */
	sigemptyset(&usr1);
	sigaddset(&usr1, SIGUSR1);
	sigprocmask(SIG_BLOCK, &usr1, &waiting);
	sigdelset(&waiting, SIGUSR1);
	if (full)
		fill_table(&old);
	atomic_fetch_add(&c->up, 1);
	/* Once every worker watches the listener (and has its local one). */
	if (paused) {
		while (atomic_load(&c->up) < c->workers)
			usleep(1000);
		pause_listener(ep, lfd);
		if (unwatch_only && !listed(lfd))
			atomic_fetch_add(&c->unlisted, 1);
		atomic_fetch_add(&c->paused, 1);
	}
	for (;;) {
		if (resume) {
			resume = 0;
			resume_listener(ep, lfd, c);
		}
		if (epoll_pwait(ep, &ev, 1, -1, &waiting) <= 0) {
			interrupted(c);
			continue;
		}
		while ((fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC)) >= 0) {
			serve_one(fd, c, paused);
			if (leaves(c, exit_first)) {
				close(ep);
				return;
			}
		}
		interrupted(c);
		accept_failed(c, &emfile, &old);
	}
}

static void serve_block(int lfd, struct counters *c, int exit_first)
{
	int fd;

	atomic_fetch_add(&c->up, 1);
	for (;;) {
		fd = accept(lfd, NULL, NULL);
		if (fd >= 0) {
			serve_one(fd, c, 0);
			if (leaves(c, exit_first))
				return;
		} else if (errno == EINTR)
			interrupted(c);
		else if (errno != ECONNABORTED)
			perror("stall: accept");
	}
}

/* Wait in poll() or select() for the listener, then accept() once. */
static void serve_polled(int lfd, struct counters *c, enum wait_mode mode)
{
	struct pollfd p = { .fd = lfd, .events = POLLIN };
	fd_set r;
	int fd, n;

	atomic_fetch_add(&c->up, 1);
	for (;;) {
		if (mode == WAIT_POLL) {
			n = poll(&p, 1, -1);
		} else {
			FD_ZERO(&r);
			FD_SET(lfd, &r);
			n = select(lfd + 1, &r, NULL, NULL, NULL);
		}
		if (n <= 0) {
			interrupted(c);
			continue;
		}
		fd = accept(lfd, NULL, NULL);
		if (fd >= 0)
			serve_one(fd, c, 0);
		else
			interrupted(c);
	}
}

static void serve(int lfd, int id, const struct options *o,
		  struct counters *c)
{
	int exit_first = id != 0 ? 0 : o->exit_first ? 1 : o->threads && o->stop ? 2 : 0;

	if (o->mode == WAIT_BLOCK)
		serve_block(lfd, c, exit_first);
	else if (o->mode == WAIT_EPOLL)
		serve_epoll(lfd, c, id < o->paused, o->full, exit_first);
	else
		serve_polled(lfd, c, o->mode);
}

static void worker(int lfd, int id, const struct options *o,
		   struct counters *c)
{
	sigset_t term;

	/* The master's mask, less SIGTERM; SIGUSR1 waits for epoll_pwait. */
	sigemptyset(&term);
	sigaddset(&term, SIGTERM);
	sigprocmask(SIG_UNBLOCK, &term, NULL);
	signal(SIGTERM, SIG_DFL);
	if (o->interrupt)
		interrupt_often();
	if (o->reuseport) {
		pin(id % sysconf(_SC_NPROCESSORS_ONLN));
		lfd = open_listener(o, 1);
		if (lfd < 0)
			_exit(1);
	}
	serve(lfd, id, o, c);
	_exit(0);
}

struct thread_arg {
	int lfd, id;
	const struct options *o;
	struct counters *c;
};

static _Thread_local struct thread_arg *my_arg;

static void *thread_main(void *p)
{
	struct thread_arg *a = p;
	int lfd = a->o->dup_each ? dup(a->lfd) : a->lfd;

	if (lfd < 0) {
		perror("stall: dup");
		_exit(1);
	}
	my_arg = a;
	serve(lfd, a->id, a->o, a->c);
	/* -S: a stalled thread, whose listeners stay open (SIGTERM is blocked). */
	while (a->o->stop && a->id == 0)
		pause();
	if (lfd != a->lfd)
		close(lfd);
	return NULL;
}

/* The thread that takes over from this one (-C), detached. */
static void start_replacement(void)
{
	pthread_attr_t attr;
	pthread_t t;

	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	if (pthread_create(&t, &attr, thread_main, my_arg)) {
		perror("stall: pthread_create");
		_exit(1);
	}
	pthread_attr_destroy(&attr);
}


static int run(const struct options *o)
{
	struct counters *c = mmap(NULL, sizeof(*c), PROT_READ | PROT_WRITE,
				  MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	static struct thread_arg targs[MAX_WORKERS];
	pthread_t tids[MAX_WORKERS];
	pid_t pids[MAX_WORKERS];
	int i, lfd = -1, tries;
	sigset_t mask, waiting;
	long n, l;

	if (c == MAP_FAILED)
		return 1;
	c->workers = o->workers;
	if (!o->reuseport &&
	    (lfd = o->activated ? activated_listener(o) : open_listener(o, 0)) < 0)
		return 1;
	signal(SIGTERM, on_sigterm);
	signal(SIGUSR1, on_sigusr1);
	sigemptyset(&mask);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGUSR1);
	sigprocmask(SIG_BLOCK, &mask, &waiting);
	for (i = 0; i < o->workers; i++) {
		if (o->threads) {
			targs[i] = (struct thread_arg){ lfd, i, o, c };
			if (pthread_create(&tids[i], NULL, thread_main, &targs[i]))
				return 1;
			pids[i] = getpid();
			continue;
		}
		pids[i] = fork();
		if (pids[i] == 0)
			worker(lfd, i, o, c);
	}
	/* Up, then a moment for a blocking worker's first accept() to spawn. */
	for (tries = 0; (atomic_load(&c->up) < o->workers ||
			 atomic_load(&c->paused) < o->paused) && tries < 1000; tries++)
		usleep(10000);
	usleep(300000);
	if (o->stop && !o->threads)
		kill(pids[0], SIGSTOP);
	printf("ready\n");
	fflush(stdout);
	while (!stopping) {
		sigsuspend(&waiting);
		if (resume && o->paused) {
			resume = 0;
			printf("paused: accepted %ld local %ld by-paused %ld unlisted %d\n",
			       atomic_load(&c->accepted),
			       atomic_load(&c->local),
			       atomic_load(&c->by_paused),
			       atomic_load(&c->unlisted));
			for (i = 0; i < o->paused; i++)
				kill(pids[i], SIGUSR1);
			for (tries = 0; atomic_load(&c->resumed) < o->paused &&
			     tries < 1000; tries++)
				usleep(10000);
			printf("resumed");
			for (i = 0; i < o->paused; i++)
				printf(" %d", (int)pids[i]);
			printf("\n");
			fflush(stdout);
		}
	}
	for (i = 0; i < o->workers && !o->threads; i++) {
		kill(pids[i], SIGKILL);
		waitpid(pids[i], NULL, 0);
	}
	n = atomic_load(&c->accepted);
	l = atomic_load(&c->local);
	printf("accepted %ld local %ld pct %.1f by-paused %ld emfile %ld eintr %ld exited %d churned %d stalled %d\n",
	       n, l, n ? 100.0 * l / n : 0.0, atomic_load(&c->by_paused),
	       atomic_load(&c->emfile), atomic_load(&c->eintr),
	       atomic_load(&c->exited), atomic_load(&c->churned),
	       atomic_load(&c->stalled));
	return 0;
}

int main(int argc, char **argv)
{
	struct options o = { .addr = "127.0.0.1", .port = 8080, .workers = 4 };
	int opt;

	while ((opt = getopt(argc, argv, "a:p:w:m:RSP:UEFITXAC:D")) != -1) {
		switch (opt) {
		case 'a': o.addr = optarg; break;
		case 'p': o.port = atoi(optarg); break;
		case 'w': o.workers = atoi(optarg); break;
		case 'm':
			if (!strcmp(optarg, "epoll"))
				o.mode = WAIT_EPOLL;
			else if (!strcmp(optarg, "block"))
				o.mode = WAIT_BLOCK;
			else if (!strcmp(optarg, "poll"))
				o.mode = WAIT_POLL;
			else if (!strcmp(optarg, "select"))
				o.mode = WAIT_SELECT;
			else
				goto usage;
			break;
		case 'R': o.reuseport = 1; break;
		case 'S': o.stop = 1; break;
		case 'P': o.paused = atoi(optarg); break;
		case 'U': unwatch_only = 1; break;
		case 'E': exclusive_add = EPOLLEXCLUSIVE; break;
		case 'F': o.full = 1; break;
		case 'I': o.interrupt = 1; break;
		case 'T': o.threads = 1; break;
		case 'X': o.exit_first = 1; break;
		case 'A': o.activated = 1; break;
		case 'C': o.churn = atoi(optarg); break;
		case 'D': o.dup_each = 1; break;
		default: goto usage;
		}
	}
	if (o.workers < 1 || o.workers > MAX_WORKERS || o.paused < 0 ||
	    o.paused > o.workers || (o.activated && o.reuseport) ||
	    ((o.paused || o.full) && o.mode != WAIT_EPOLL) ||
	    (o.threads && o.stop && (o.exit_first || o.churn)) ||
	    (o.threads && (o.reuseport || o.paused || o.interrupt ||
			   (o.mode != WAIT_EPOLL && o.mode != WAIT_BLOCK))) ||
	    ((o.churn || o.dup_each) && !o.threads) || o.churn < 0 ||
	    (unwatch_only && !o.paused) ||
	    (exclusive_add && o.mode != WAIT_EPOLL))
		goto usage;
	churn_after = o.churn;
	return run(&o);
usage:
	fprintf(stderr, "usage: stall -a ADDR -p PORT [-w WORKERS] [-m epoll|block|poll|select] [-R] [-S] [-P PAUSED [-U]] [-E] [-F] [-I] [-T] [-X] [-A] [-C N] [-D]\n");
	return 2;
}
