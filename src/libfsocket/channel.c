// SPDX-License-Identifier: GPL-2.0-only
/*
 * The channel to the module: /dev/fastsocket (or $FASTSOCKET_DEVICE),
 * opened on the first call that could use it, so programs that never
 * listen on TCP never touch it. Any failure leaves the channel absent and
 * every call on libc's path; why is said once. A child of fork() opens its
 * own when it first needs one, onto the number it inherited (so no number
 * is freed or taken behind the application's back): the module counts
 * each open device's accepts, which makes them each process's own
 * (fastsocketctl status). A number above the descriptor limit (nofile.c:
 * the channel lies there where it may), which dup3() refuses, gives way
 * to a new one above it: the application can take neither.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>

#include <linux/fastsocket.h>

#include "libfsocket.h"

enum { CHANNEL_UNTRIED = -2, CHANNEL_ABSENT = -1 };

atomic_int fsock_channel_fd = CHANNEL_UNTRIED;
/* fsock_channel_fd is the parent's open device: replace it when needed. */
atomic_bool fsock_channel_inherited;
static pthread_mutex_t channel_lock = PTHREAD_MUTEX_INITIALIZER;

static const char *device_path(void)
{
	const char *p = secure_getenv("FASTSOCKET_DEVICE");

	return p && *p ? p : FSOCKET_DEVICE_PATH;
}

/* accept(2) on a local listener takes from its global one too. */
atomic_bool fsock_local_accept_native;
/* The module pauses a local listener taken out of every epoll (PAUSE_LOCAL). */
atomic_bool fsock_pause_native;
/* ACCEPT may wait for the process's next spawn (FSOCKET_ACCEPT_SPAWN_WAKES). */
atomic_bool fsock_spawn_wakes_native;

/*
 * The module's ABI version behind @fd, or -1 (errno) where it answers
 * none; its commands bits in *@commands.
 */
static long abi_of(int fd, unsigned int *commands)
{
	struct fsocket_ioctl_arg arg;

	memset(&arg, 0, sizeof(arg));
	if (ioctl(fd, FSOCKET_IOC_VERSION, &arg) < 0)
		return -1;
	*commands = arg.op.version_op.commands;
	return arg.op.version_op.abi_version;
}

static int version_ok(int fd, const char *path)
{
	unsigned int commands = 0;
	long abi = abi_of(fd, &commands);

	if (abi < 0) {
		fsock_fallback(FSOCK_ONCE_BAD_ABI,
			       "%s does not answer VERSION (%s); socket calls go to libc unchanged",
			       path, strerror(errno));
		return 0;
	}
	if (abi != FSOCKET_ABI_VERSION) {
		fsock_fallback(FSOCK_ONCE_BAD_ABI,
			       "module ABI %ld, library ABI %u; socket calls go to libc unchanged",
			       abi,
			       FSOCKET_ABI_VERSION);
		return 0;
	}
	atomic_store(&fsock_local_accept_native,
		     !!(commands & FSOCKET_FEATURE_LOCAL_ACCEPT));
	atomic_store(&fsock_pause_native,
		     !!(commands &
			FSOCKET_CMD_BIT(_IOC_NR(FSOCKET_IOC_PAUSE_LOCAL))));
	atomic_store(&fsock_spawn_wakes_native,
		     !!(commands & FSOCKET_FEATURE_SPAWN_WAKES));
	return 1;
}

static int channel_open(void)
{
	const char *path = device_path();
	int fd = fsock_real()->open(path, O_RDWR | O_CLOEXEC);

	if (fd < 0) {
		fsock_fallback(FSOCK_ONCE_NO_DEVICE,
			       "%s: %s; socket calls go to libc unchanged (is the fastsocket module loaded?)",
			       path, strerror(errno));
		return CHANNEL_ABSENT;
	}
	if (!version_ok(fd, path)) {
		fsock_real()->close(fd);
		return CHANNEL_ABSENT;
	}
	return fsock_own_fd(fd, false);
}

/*
 * A device of this process's own on @fd, the parent's until now; where one
 * cannot be had, the parent's stays, unsaid (it works the same, counted
 * with the parent's).
 */
static void channel_own(int fd)
{
	int own = fsock_real()->open(device_path(), O_RDWR | O_CLOEXEC);
	unsigned int commands;

	if (own < 0)
		return;
	if (abi_of(own, &commands) != FSOCKET_ABI_VERSION ||
	    atomic_load(&fsock_channel_fd) != fd ||
	    fsock_real()->dup3(own, fd, O_CLOEXEC) == fd) {
		fsock_real()->close(own);
		return;
	}
	/*
	 * Above the limit. Nobody can still be given @fd: the fast path of
	 * fsock_channel() reads the number only once it has seen
	 * fsock_channel_inherited cleared, after this store.
	 */
	atomic_store(&fsock_channel_fd, fsock_own_fd(own, false));
	fsock_real()->close(fd);
}

int fsock_channel(void)
{
	int fd, saved_errno;

	if (!atomic_load(&fsock_channel_inherited)) {
		fd = atomic_load(&fsock_channel_fd);
		if (fd != CHANNEL_UNTRIED)
			return fd;
	}

	saved_errno = errno;
	pthread_mutex_lock(&channel_lock);
	fd = atomic_load(&fsock_channel_fd);
	if (fd == CHANNEL_UNTRIED) {
		fd = channel_open();
		atomic_store(&fsock_channel_fd, fd);
	} else if (fd >= 0 && atomic_load(&fsock_channel_inherited)) {
		channel_own(fd);
		fd = atomic_load(&fsock_channel_fd);
	}
	atomic_store(&fsock_channel_inherited, false);
	pthread_mutex_unlock(&channel_lock);
	errno = saved_errno;
	return fd;
}

/*
 * The application closed descriptors @first to @last: if ours was among
 * them, open a new one when next needed (not for a vfork child's close:
 * the parent's stays open).
 */
void fsock_channel_forget_open(unsigned int first, unsigned int last)
{
	int fd = atomic_load(&fsock_channel_fd);

	if (fd >= 0 && (unsigned int)fd >= first && (unsigned int)fd <= last &&
	    fsock_table_ours())
		atomic_compare_exchange_strong(&fsock_channel_fd, &fd,
					       CHANNEL_UNTRIED);
}

static void lock_channel(void)
{
	pthread_mutex_lock(&channel_lock);
}

static void unlock_channel(void)
{
	pthread_mutex_unlock(&channel_lock);
}

/* The parent's channel is the parent's: the child's comes when needed. */
static void child_channel(void)
{
	if (atomic_load(&fsock_channel_fd) >= 0)
		atomic_store(&fsock_channel_inherited, true);
	pthread_mutex_unlock(&channel_lock);
}

__attribute__((constructor)) static void channel_init(void)
{
	pthread_atfork(lock_channel, unlock_channel, child_channel);
}
