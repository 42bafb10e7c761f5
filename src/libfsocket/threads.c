// SPDX-License-Identifier: GPL-2.0-only
/*
 * Threads that serve one shared listener. Threads share one descriptor
 * table, so the application's descriptor cannot be swapped for one
 * thread's local listener as a worker process's is (localize.c): it keeps
 * naming the shared listener, and each serving thread gets a private
 * local listener of its own:
 *  - a thread that watches the listener in an epoll instance of its own
 *    (haproxy) finds its local listener registered next to it there, with
 *    the application's event data, so the event names the application's
 *    descriptor;
 *  - its accept() of the listener, or a blocking accept() of a thread
 *    without epoll (a thread pool), is ACCEPT on its local queue first,
 *    then the shared one (a blocking one waits on both).
 * A thread "serves" the listener by adding it to an epoll instance or by
 * blocking in accept() on it. In a worker process (one that did not
 * listen, localize.c) a serving thread is localized at once, as the
 * process would be. In the process that listened, threads are localized
 * only once a second thread serves the listener, so that one thread
 * accepting for the others (memcached's dispatcher), or one epoll
 * instance shared by many threads (only one of them adds the listener),
 * is left as it is and never pinned. A thread that did not serve, woken
 * by another's local listener in a shared epoll, finds its connections
 * after the shared queue's. A thread gets its local listener in its own call (mode 2
 * pins the calling thread, not the process); one that served before the
 * second came gets it at its next accept(), which an event in its epoll
 * (a one-shot eventfd with the application's event data: an accept()
 * that finds nothing, as any wakeup of a shared listener may) brings at
 * once, and so does the end of its blocking accept(), which waits in
 * ACCEPT for the process's next spawn as well (wrappers.c).
 *
 * Lifetimes: a thread's local listeners close when it exits (a key
 * destructor), every thread's when the application closes, pauses or
 * shuts down the listener, and a fork() child closes its copies. A
 * local listener that closes hands its queue to the group (the module).
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <linux/fastsocket.h>

#include "libfsocket.h"

/* One thread serving one listener, or (tid 0) a listener served by threads. */
struct served {
	int fd;			/* the application's descriptor */
	pid_t pid, tid;
	int need;		/* tid 0: serving threads before any is localized */
	int local;		/* the thread's local listener, or -1 */
	int epfd;		/* where it watches @fd, or -1 */
	struct epoll_event ev;	/* the application's registration there */
	int nudge;		/* an eventfd in @epfd that wakes it, or -1 */
};

static struct served *tab;
static size_t nr, room;
atomic_int fsock_threads_known;
/* Bumped whenever a local listener comes or goes: caches look again. */
static atomic_uint generation = 1;
static pthread_key_t exit_key;
static pthread_once_t key_once = PTHREAD_ONCE_INIT;

static _Thread_local pid_t my_tid;
/* The last answer, valid while the generation stays: most threads serve one. */
static _Thread_local struct {
	unsigned int gen;
	int fd, local;
	bool serving;
	bool nonblocking;	/* its accept() found @fd non-blocking */
} cache;

static pid_t tid(void)
{
	if (!my_tid)
		my_tid = gettid();
	return my_tid;
}

/* Does this process run more than one thread? (/proc: 2 + threads links) */
bool fsock_threaded(void)
{
	struct stat st;

	return stat("/proc/self/task", &st) == 0 && st.st_nlink > 3;
}

static struct served *find(int fd, pid_t pid, pid_t t)
{
	size_t i;

	for (i = 0; i < nr; i++)
		if (tab[i].fd == fd && tab[i].pid == pid && tab[i].tid == t)
			return &tab[i];
	return NULL;
}

static struct served *add(const struct served *s)
{
	if (nr == room) {
		size_t n = room ? 2 * room : 8;
		struct served *t = realloc(tab, n * sizeof(*t));

		if (!t)
			return NULL;
		tab = t;
		room = n;
	}
	tab[nr] = *s;
	atomic_store(&fsock_threads_known, (int)++nr);
	return &tab[nr - 1];
}

static void drop_at(size_t i)
{
	tab[i] = tab[--nr];
	atomic_store(&fsock_threads_known, (int)nr);
}

static void close_nudge(struct served *s)
{
	if (s->nudge < 0)
		return;
	fsock_clear(s->nudge);
	fsock_real()->close(s->nudge);
	s->nudge = -1;
}

/*
 * @s's thread, waiting in its epoll, is told to call accept() (which
 * gives it its local listener): an event with the application's data.
 */
static void nudge(struct served *s, int fd)
{
	struct fsock_ent priv = { .kind = FSOCK_PRIVATE, .a = fd };
	struct epoll_event ev = s->ev;

	if (s->local >= 0 || s->epfd < 0 || s->nudge >= 0)
		return;
	s->nudge = fsock_real()->eventfd(1, EFD_CLOEXEC | EFD_NONBLOCK);
	if (s->nudge < 0)
		return;
	ev.events = EPOLLIN | EPOLLONESHOT;
	if (fsock_real()->epoll_ctl(s->epfd, EPOLL_CTL_ADD, s->nudge, &ev) < 0) {
		fsock_real()->close(s->nudge);
		s->nudge = -1;
		return;
	}
	fsock_set(s->nudge, &priv);
}

/* Our local listener @s->local goes (its queue to the group). */
static void close_local(struct served *s)
{
	close_nudge(s);
	if (s->local < 0)
		return;
	fsock_clear(s->local);
	fsock_real()->close(s->local);
	s->local = -1;
	atomic_fetch_add(&generation, 1);
}

static void on_thread_exit(void *unused)
{
	pid_t pid = fsock_pid(), t = tid();
	size_t i;

	(void)unused;
	fsock_lock();
	for (i = 0; i < nr; i++) {
		if (tab[i].pid != pid || tab[i].tid != t)
			continue;
		close_local(&tab[i]);
		drop_at(i--);
	}
	fsock_unlock();
}

static void make_key(void)
{
	if (pthread_key_create(&exit_key, on_thread_exit))
		exit_key = (pthread_key_t)-1;
}

/*
 * Under the lock: @fd may be served by threads of this process, a worker
 * (@worker) or the process that listened.
 */
void fsock_thread_mode(int fd, bool worker)
{
	struct served m = { .fd = fd, .pid = fsock_pid(), .need = worker ? 1 : 2,
			    .local = -1, .epfd = -1, .nudge = -1 };
	struct served *old = find(fd, m.pid, 0);

	if (old)
		old->need = m.need;
	else
		add(&m);
}

/* Threads of this process serving @fd. */
static int serving(int fd, pid_t pid)
{
	size_t i;
	int n = 0;

	for (i = 0; i < nr; i++)
		if (tab[i].fd == fd && tab[i].pid == pid && tab[i].tid)
			n++;
	return n;
}

static int spawn_local(int fd)
{
	struct fsock_ent priv = { .kind = FSOCK_PRIVATE, .a = fd };
	int channel = fsock_channel(), local;

	if (channel < 0)
		return -1;
	/*
	 * Bumped before the spawn too: a thread about to wait alone on @fd
	 * (wrappers.c) that looks after this asks again, rather than wait
	 * for a spawn that the module may count before its wait begins.
	 */
	atomic_fetch_add(&generation, 1);
	local = fsock_spawn_local(channel, fd, "thread");
	if (local < 0)
		return -1;
	local = fsock_own_fd(local, true);
	fsock_set(local, &priv);
	atomic_fetch_add(&generation, 1);
	return local;
}

/* @s's thread (the caller) takes its local listener, into its epoll. */
static void localize(struct served *s)
{
	struct epoll_event ev;

	close_nudge(s);
	if (s->local >= 0)
		return;
	s->local = spawn_local(s->fd);
	if (s->local < 0 || s->epfd < 0)
		return;
	ev = s->ev;
	if (fsock_real()->epoll_ctl(s->epfd, EPOLL_CTL_ADD, s->local, &ev) < 0)
		fsock_say_once(FSOCK_ONCE_EPOLL_GLOBAL,
			       "cannot watch this thread's local listener in epoll (%s)",
			       strerror(errno));
}

/*
 * The caller serves @fd: in @epfd with @ev (epfd -1: a blocking accept,
 * or with @serve false an accept that only looks).
 */
static int serve_locked(int fd, int epfd, const struct epoll_event *ev,
			bool serve)
{
	pid_t pid = fsock_pid();
	struct served s = { .fd = fd, .pid = pid, .tid = tid(), .local = -1,
			    .epfd = -1, .nudge = -1 };
	int need;
	struct served *mode = find(fd, pid, 0), *me;
	size_t i;

	if (!mode)
		return -1;
	need = mode->need;
	me = find(fd, pid, s.tid);
	if (!me && !serve)
		return -1;
	if (!me) {
		pthread_once(&key_once, make_key);
		if (exit_key == (pthread_key_t)-1 ||
		    pthread_setspecific(exit_key, &exit_key) || !(me = add(&s)))
			return -1;
	}
	/* One epoll instance per thread and listener: the first it adds to. */
	if (epfd >= 0 && ev && me->epfd < 0) {
		me->epfd = epfd;
		me->ev = *ev;
		if (me->local >= 0)
			fsock_real()->epoll_ctl(epfd, EPOLL_CTL_ADD, me->local,
						&me->ev);
	}
	if (serving(fd, pid) < need)
		return -1;
	localize(me);
	for (i = 0; i < nr; i++)
		if (tab[i].fd == fd && tab[i].pid == pid && tab[i].tid &&
		    &tab[i] != me)
			nudge(&tab[i], fd);
	return me->local;
}

/*
 * The caller's local listener for @fd, made now if @fd is served by
 * enough threads; -1 to leave @fd on the shared listener. Lock-free when
 * the thread asked before and nothing closed since.
 */
int fsock_thread_listener(int fd, int epfd, const struct epoll_event *ev,
			  bool serve)
{
	unsigned int gen = atomic_load(&generation);
	int saved = errno, local;

	if (!fsock_threads_any())
		return -1;
	if (epfd < 0 && cache.gen == gen && cache.fd == fd &&
	    (cache.serving || !serve))
		return cache.local;
	fsock_lock();
	local = serve_locked(fd, epfd, ev, serve);
	cache.serving = find(fd, fsock_pid(), tid()) != NULL;
	fsock_unlock();
	cache.gen = gen;
	cache.fd = fd;
	cache.local = local;
	cache.nonblocking = false;
	errno = saved;
	return local;
}

/*
 * accept() of @fd from the caller: a blocking one serves the listener, a
 * non-blocking one only looks. The flag is read once per thread, and
 * again after an F_SETFL (fsock_thread_recheck), not at every accept.
 */
int fsock_thread_accepting(int fd)
{
	unsigned int gen = atomic_load(&generation);
	int saved = errno, fl, local;

	if (!fsock_threads_any())
		return -1;
	if (cache.gen == gen && cache.fd == fd &&
	    (cache.serving || cache.nonblocking))
		return cache.local;
	fl = fsock_real()->fcntl(fd, F_GETFL);
	errno = saved;
	local = fsock_thread_listener(fd, -1, NULL,
				      fl >= 0 && !(fl & O_NONBLOCK));
	cache.nonblocking = fl >= 0 && (fl & O_NONBLOCK);
	return local;
}

/*
 * Does the caller serve the shared listener @fd (blocking in accept())
 * without a local listener, by the answer fsock_thread_accepting() just
 * gave? The first thread of a pool does until a second serves. *@gen is
 * what that answer saw, for fsock_thread_changed().
 */
bool fsock_thread_waits_alone(int fd, unsigned int *gen)
{
	if (!fsock_threads_any() || cache.fd != fd || !cache.serving ||
	    cache.local >= 0 || fsock_kind(fd) != FSOCK_GLOBAL)
		return false;
	*gen = cache.gen;
	return true;
}

/* Did a local listener come or go since @gen? Then ask again. */
bool fsock_thread_changed(unsigned int gen)
{
	return atomic_load(&generation) != gen;
}

/* A shared listener's flags changed: every thread reads them again. */
void fsock_thread_recheck(void)
{
	atomic_fetch_add(&generation, 1);
}

/*
 * The shared queue of @fd had nothing for a thread that does not serve
 * it (non-blocking): a connection on a serving thread's local listener,
 * whose event may have woken this one in an epoll they share.
 */
int fsock_thread_accept_any(int fd, struct sockaddr *addr, socklen_t *len,
			    int flags)
{
	pid_t pid = fsock_pid();
	int ret = -1, saved = errno;
	size_t i;

	fsock_lock();
	for (i = 0; i < nr && ret < 0; i++) {
		struct pollfd p = { .fd = tab[i].local, .events = POLLIN };

		if (tab[i].fd != fd || tab[i].pid != pid || tab[i].local < 0 ||
		    fsock_real()->poll(&p, 1, 0) != 1)
			continue;
		ret = fsock_real()->accept4(tab[i].local, addr, len, flags);
	}
	fsock_unlock();
	if (ret < 0)
		errno = saved;
	return ret;
}

/* After the application's EPOLL_CTL_MOD or DEL of @fd in @epfd succeeded. */
void fsock_thread_epoll(int epfd, int op, int fd, const struct epoll_event *ev)
{
	pid_t pid = fsock_pid();
	int saved = errno;
	size_t i;

	fsock_lock();
	for (i = 0; i < nr; i++) {
		struct served *s = &tab[i];

		if (s->fd != fd || s->pid != pid || !s->tid || s->epfd != epfd)
			continue;
		if (op == EPOLL_CTL_MOD && ev) {
			s->ev = *ev;
			if (s->local >= 0)
				fsock_real()->epoll_ctl(epfd, op, s->local,
							&s->ev);
		} else if (op == EPOLL_CTL_DEL) {
			close_nudge(s);
			if (s->local >= 0)
				fsock_real()->epoll_ctl(epfd, op, s->local,
							&s->ev);
			s->epfd = -1;
		}
	}
	fsock_unlock();
	errno = saved;
}

/* Under the lock: the application closes @fd; what threads kept for it goes. */
void fsock_thread_forget(int fd)
{
	size_t i;

	for (i = 0; i < nr; i++) {
		if (tab[i].fd != fd)
			continue;
		close_local(&tab[i]);
		drop_at(i--);
	}
}

/*
 * The application paused or shut down @fd: every thread's local listener
 * for it stops listening too, so that a thread blocked on both queues
 * returns as it would from the shared one alone (EINVAL), and goes; it
 * comes back at the thread's next accept() once @fd listens again.
 */
void fsock_thread_unlisten(int fd)
{
	size_t i;

	if (!fsock_threads_any())
		return;
	fsock_lock();
	for (i = 0; i < nr; i++) {
		if (tab[i].fd != fd || tab[i].local < 0)
			continue;
		fsock_real()->shutdown(tab[i].local, SHUT_RD);
		close_local(&tab[i]);
	}
	fsock_unlock();
}

/* @fn(local, @arg) for each thread's local listener for @fd. */
void fsock_thread_each(int fd, void (*fn)(int local, const void *arg),
		       const void *arg)
{
	size_t i;

	if (!fsock_threads_any())
		return;
	fsock_lock();
	for (i = 0; i < nr; i++)
		if (tab[i].fd == fd && tab[i].local >= 0)
			fn(tab[i].local, arg);
	fsock_unlock();
}

/* Under the lock: the application closed our local listener or eventfd @local. */
void fsock_thread_lost(int local)
{
	size_t i;

	for (i = 0; i < nr; i++) {
		if (tab[i].local == local) {
			tab[i].local = -1;
			atomic_fetch_add(&generation, 1);
		}
		if (tab[i].nudge == local)
			tab[i].nudge = -1;
	}
}

/* A fork() child has one thread: the copies of every local listener go. */
void fsock_thread_after_fork(void)
{
	size_t i;

	my_tid = 0;
	for (i = 0; i < nr; i++) {
		close_nudge(&tab[i]);
		if (tab[i].local >= 0) {
			fsock_clear(tab[i].local);
			fsock_real()->close(tab[i].local);
		}
	}
	nr = 0;
	atomic_store(&fsock_threads_known, 0);
	atomic_fetch_add(&generation, 1);
}
