// SPDX-License-Identifier: GPL-2.0-only
/*
 * The library's own long-lived descriptors (its channel to the module, a
 * worker's private copy of each shared listener, a thread's local
 * listener) do not count against the application's RLIMIT_NOFILE. A
 * server at its limit (nginx's worker_rlimit_nofile, a unit's
 * LimitNOFILE) would otherwise have fewer descriptors for its connections
 * than without fastsocket (nginx's workers: three), and fail more
 * requests with EMFILE.
 *
 * Each is moved to a number at or above the soft limit, which is raised
 * for that one dup and set back at once: the kernel never hands the
 * application a number at or above its limit, so it sees exactly the
 * numbers it would without the library, and the library's descriptors,
 * open above the limit, stay valid. That needs a hard limit above the
 * soft one. Where the application sets both to the same value (nginx's
 * workers do, as root, before they drop privileges), the hard limit is
 * set HARD_ROOM above what it asked for, and getrlimit() and prlimit()
 * report the hard limit it asked for.
 *
 * A listener of the library's stays below FD_SETSIZE, as select() needs
 * of what it waits on (poll.c adds them to the application's sets). Where
 * none of this is allowed, or the limit is that high or above
 * NOFILE_MOVE_MAX, a descriptor stays where it was, counted, as before.
 * During the few calls the soft limit is raised, another thread that
 * takes a descriptor while the table is full may get a number above it,
 * and its own setrlimit() would be undone.
 */
#include <errno.h>
#include <fcntl.h>
#include <sys/resource.h>
#include <sys/select.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "libfsocket.h"

/*
 * Above this the three descriptors are a negligible share of the limit,
 * and a number that high would grow every worker's descriptor table (8
 * bytes a number) for nothing.
 */
#define NOFILE_MOVE_MAX 4096
/* How far above the application's hard limit the library may place. */
#define HARD_ROOM 64

/* What the library added to the hard limit the application set. */
static _Atomic rlim64_t added_max;

/*
 * The wrappers below and what they call reach the kernel themselves,
 * never through fsock_real(): sanitizer runtimes and other libraries'
 * constructors ask for limits before this library's constructor has
 * looked libc up. A sanitizer runtime asks before it is set up, so that
 * path (the library's unit tests link it into sanitized programs) is not
 * instrumented.
 */
#define EARLY __attribute__((no_sanitize("address", "undefined", "thread")))

EARLY static int sys_prlimit64(pid_t pid, int res, const struct rlimit64 *new,
			       struct rlimit64 *old)
{
	return (int)syscall(SYS_prlimit64, pid, res, new, old);
}

EARLY static int nofile(struct rlimit64 *old, const struct rlimit64 *new)
{
	return sys_prlimit64(0, RLIMIT_NOFILE, new, old);
}

/*
 * @fd, duplicated at the lowest free number at or above @r's soft limit
 * and below @ceiling, or -1.
 */
static int dup_above(int fd, const struct rlimit64 *r, int cmd,
		     rlim64_t ceiling)
{
	rlim64_t top = r->rlim_max < ceiling ? r->rlim_max : ceiling, span;
	struct rlimit64 up = *r;
	int moved = -1, err;

	for (span = 16; r->rlim_cur < top; span *= 2) {
		up.rlim_cur = r->rlim_cur + span < top ? r->rlim_cur + span : top;
		if (nofile(NULL, &up) < 0)
			break;
		moved = fsock_real()->fcntl(fd, cmd, (int)r->rlim_cur);
		err = errno;
		nofile(NULL, r);
		if (moved >= 0 || err != EMFILE || up.rlim_cur == top)
			break;
	}
	return moved;
}

/*
 * One move at a time, or a second would take the first's raised limit for
 * the application's and keep it. Not a lock to wait on: a move met inside
 * another (a signal handler, a thread, a fork child of a thread that was
 * in one) leaves its descriptor where it is.
 */
static atomic_flag moving = ATOMIC_FLAG_INIT;

int fsock_own_fd(int fd, bool selectable)
{
	rlim64_t ceiling = selectable ? FD_SETSIZE : NOFILE_MOVE_MAX;
	int saved_errno = errno, flags, moved;
	struct rlimit64 r;

	if (fd < 0 || atomic_flag_test_and_set(&moving))
		return fd;
	if (nofile(&r, NULL) < 0 || r.rlim_cur >= ceiling ||
	    (rlim64_t)fd >= r.rlim_cur)
		goto out;
	flags = fsock_real()->fcntl(fd, F_GETFD);
	if (flags < 0)
		goto out;
	moved = dup_above(fd, &r, flags & FD_CLOEXEC ? F_DUPFD_CLOEXEC : F_DUPFD,
			  ceiling);
	if (moved >= 0) {
		fsock_real()->close(fd);
		fd = moved;
	}
out:
	atomic_flag_clear(&moving);
	errno = saved_errno;
	return fd;
}

/* prlimit() of @pid (0: the caller) on @res: is it ours to translate? */
EARLY static bool translated(pid_t pid, int res)
{
	return res == RLIMIT_NOFILE && (pid == 0 || pid == getpid());
}

/*
 * The application sets its limit @want: with room above the hard limit
 * where it leaves none and may have it.
 */
EARLY static int set_app_limit(const struct rlimit64 *want)
{
	struct rlimit64 r = *want;

	if (want->rlim_cur == want->rlim_max && want->rlim_max <= NOFILE_MOVE_MAX) {
		r.rlim_max += HARD_ROOM;
		if (nofile(NULL, &r) == 0) {
			atomic_store(&added_max, HARD_ROOM);
			return 0;
		}
	}
	if (nofile(NULL, want) < 0)
		return -1;
	atomic_store(&added_max, 0);
	return 0;
}

EARLY FSOCK_EXPORT int prlimit64(pid_t pid, __rlimit_resource_t res,
				 const struct rlimit64 *new,
				 struct rlimit64 *old)
{
	struct rlimit64 cur;
	rlim64_t added;

	if (!translated(pid, res))
		return sys_prlimit64(pid, res, new, old);
	if (nofile(&cur, NULL) < 0)
		return -1;
	added = atomic_load(&added_max);
	if (new && set_app_limit(new) < 0)
		return -1;
	if (old) {
		*old = cur;
		if (cur.rlim_max != RLIM64_INFINITY && cur.rlim_max >= added &&
		    cur.rlim_max - added >= cur.rlim_cur)
			old->rlim_max = cur.rlim_max - added;
	}
	return 0;
}

/* A 64-bit limit in the caller's struct rlimit (narrower on 32 bits). */
EARLY static rlim_t narrow(rlim64_t v)
{
	return v > (rlim64_t)RLIM_INFINITY ? RLIM_INFINITY : (rlim_t)v;
}

EARLY static rlim64_t widen(rlim_t v)
{
	return v == RLIM_INFINITY ? RLIM64_INFINITY : (rlim64_t)v;
}

EARLY FSOCK_EXPORT int prlimit(pid_t pid, __rlimit_resource_t res,
			       const struct rlimit *new, struct rlimit *old)
{
	struct rlimit64 n, o;

	if (new) {
		n.rlim_cur = widen(new->rlim_cur);
		n.rlim_max = widen(new->rlim_max);
	}
	if (prlimit64(pid, res, new ? &n : NULL, old ? &o : NULL) < 0)
		return -1;
	if (old) {
		old->rlim_cur = narrow(o.rlim_cur);
		old->rlim_max = narrow(o.rlim_max);
	}
	return 0;
}

EARLY FSOCK_EXPORT int getrlimit64(__rlimit_resource_t res, struct rlimit64 *r)
{
	return prlimit64(0, res, NULL, r);
}

EARLY FSOCK_EXPORT int setrlimit64(__rlimit_resource_t res,
				   const struct rlimit64 *r)
{
	return prlimit64(0, res, r, NULL);
}

EARLY FSOCK_EXPORT int getrlimit(__rlimit_resource_t res, struct rlimit *r)
{
	return prlimit(0, res, NULL, r);
}

EARLY FSOCK_EXPORT int setrlimit(__rlimit_resource_t res,
				 const struct rlimit *r)
{
	return prlimit(0, res, r, NULL);
}
