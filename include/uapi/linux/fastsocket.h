/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * fastsocket: ioctl interface of /dev/fastsocket.
 *
 * Shared by the kernel module and libfsocket.so. The layout is fixed-width
 * and 8-byte aligned with no pointers, so 32-bit callers on a 64-bit kernel
 * use it unchanged (compat_ioctl). Command numbers keep the original
 * Fastsocket's magic and ordinals; the argument size is encoded in each
 * command, so a caller built against another layout gets -ENOTTY instead
 * of a misread argument.
 */
#ifndef _UAPI_LINUX_FASTSOCKET_H
#define _UAPI_LINUX_FASTSOCKET_H

#include <linux/ioctl.h>
#include <linux/types.h>

#define FSOCKET_DEVICE_NAME	"fastsocket"
#define FSOCKET_DEVICE_PATH	"/dev/fastsocket"

/* Bumped on any incompatible change of this file. */
#define FSOCKET_ABI_VERSION	1

/* FSOCKET_IOC_SPAWN_LISTEN: let the module choose the CPU. */
#define FSOCKET_CPU_ANY		(-1)

/*
 * FSOCKET_IOC_ACCEPT: accept from the listener @fd (a worker's local
 * listener) and, when its queue is empty, from @global_fd (the listener
 * it was spawned from; -1 for none) and, as accept(2) on a local listener
 * does (FSOCKET_FEATURE_LOCAL_ACCEPT), from the one it was spawned from.
 * Returns the new descriptor.
 */
struct fsocket_accept_op {
	__aligned_u64 addr;	/* struct sockaddr __user *, or 0 */
	__aligned_u64 addrlen;	/* socklen_t __user *, or 0 */
	__s32 flags;		/* accept4() flags: SOCK_NONBLOCK, SOCK_CLOEXEC */
	__s32 global_fd;	/* a second listener, or -1 */
};

/*
 * fsocket_ioctl_arg.flags of ACCEPT (FSOCKET_FEATURE_SPAWN_WAKES): @fd is
 * a shared listener and @global_fd -1; a blocking ACCEPT also ends, with
 * ESTALE, once the same open device spawned a local listener after the
 * call began. A thread of a threaded server that waits on the shared
 * listener alone then takes a local listener of its own.
 */
#define FSOCKET_ACCEPT_SPAWN_WAKES	(1U << 0)

struct fsocket_spawn_op {
	__s32 cpu;		/* a CPU number or FSOCKET_CPU_ANY */
	__u32 reserved;
};

/* FSOCKET_IOC_SOCKET: as socket(2); returns the new descriptor. */
/*
 * FSOCKET_IOC_SPAWN_ALL_LISTEN (after fork): a local listener for each of
 * the caller's listeners that went through LISTEN, all on one CPU (chosen
 * as by SPAWN_LISTEN). The new descriptors are written to @pairs; the
 * caller puts each over its global one. Returns how many.
 */
struct fsocket_spawn_pair {
	__s32 global_fd;
	__s32 local_fd;
};

struct fsocket_spawn_all_op {
	__aligned_u64 pairs;	/* struct fsocket_spawn_pair __user * */
	__u32 count;		/* in: room in @pairs; out: pairs written */
	__s32 cpu;		/* in: a CPU or FSOCKET_CPU_ANY; out: the CPU */
};

struct fsocket_socket_op {
	__u32 family;
	__u32 type;		/* may include SOCK_NONBLOCK, SOCK_CLOEXEC */
	__u32 protocol;
	__u32 reserved;
};

/* FSOCKET_IOC_SHUTDOWN_LISTEN: the others of the group take its queue. */
struct fsocket_shutdown_op {
	__s32 how;		/* SHUT_RD or SHUT_RDWR */
	__u32 reserved;
};

/*
 * FSOCKET_IOC_PAUSE_LOCAL: the worker took its local listener @fd out of
 * its epoll (@paused 1): unless something still watches it, it leaves
 * its group's choice of listeners, and its queue goes to the shared
 * listener, until it has been in an epoll again at two of the module's
 * sweeps (10 s after the last pause, for one paused twice within 10 s),
 * or its worker waits on it in accept() or poll(). The module's sweep
 * pauses unasked too, within a few milliseconds; this is the library
 * telling it at once. @paused 0 takes it back now.
 */
struct fsocket_pause_op {
	__u32 paused;		/* 1 or 0 */
	__u32 reserved;
};

/* Bits of fsocket_version_op.commands: which commands do real work. */
#define FSOCKET_CMD_BIT(nr)	(1U << (nr))
/*
 * Not a command: accept(2) on a local listener serves it as ACCEPT does,
 * its own queue first and then the global listener it was spawned from,
 * which the local listener keeps open; a blocking one sleeps on both.
 */
#define FSOCKET_FEATURE_LOCAL_ACCEPT	(1U << 31)
/* Not a command: ACCEPT takes FSOCKET_ACCEPT_SPAWN_WAKES. */
#define FSOCKET_FEATURE_SPAWN_WAKES	(1U << 30)

struct fsocket_version_op {
	__u32 abi_version;	/* FSOCKET_ABI_VERSION of the module */
	__u32 commands;		/* FSOCKET_CMD_BIT(ioctl ordinal) set */
	char release[24];	/* module version, NUL-terminated */
};

struct fsocket_ioctl_arg {
	__s32 fd;		/* the caller's descriptor the command acts on */
	__u32 backlog;
	__u32 flags;		/* 0, or ACCEPT's FSOCKET_ACCEPT_SPAWN_WAKES */
	__u32 reserved;		/* must be 0 */
	union {
		struct fsocket_accept_op accept_op;
		struct fsocket_spawn_op spawn_op;
		struct fsocket_spawn_all_op spawn_all_op;
		struct fsocket_socket_op socket_op;
		struct fsocket_shutdown_op shutdown_op;
		struct fsocket_pause_op pause_op;
		struct fsocket_version_op version_op;
		__aligned_u64 pad[4];
	} op;
};

#define FSOCKET_IOC_MAGIC	0xf5

#define FSOCKET_IOC_SOCKET \
	_IOWR(FSOCKET_IOC_MAGIC, 0x01, struct fsocket_ioctl_arg)
#define FSOCKET_IOC_LISTEN \
	_IOWR(FSOCKET_IOC_MAGIC, 0x02, struct fsocket_ioctl_arg)
#define FSOCKET_IOC_ACCEPT \
	_IOWR(FSOCKET_IOC_MAGIC, 0x03, struct fsocket_ioctl_arg)
#define FSOCKET_IOC_CLOSE \
	_IOWR(FSOCKET_IOC_MAGIC, 0x04, struct fsocket_ioctl_arg)
/* 0x05 was the original's EPOLL_CTL, never enabled; it stays unused. */
#define FSOCKET_IOC_SPAWN_LISTEN \
	_IOWR(FSOCKET_IOC_MAGIC, 0x06, struct fsocket_ioctl_arg)
#define FSOCKET_IOC_SHUTDOWN_LISTEN \
	_IOWR(FSOCKET_IOC_MAGIC, 0x07, struct fsocket_ioctl_arg)
#define FSOCKET_IOC_SPAWN_ALL_LISTEN \
	_IOWR(FSOCKET_IOC_MAGIC, 0x08, struct fsocket_ioctl_arg)
#define FSOCKET_IOC_VERSION \
	_IOWR(FSOCKET_IOC_MAGIC, 0x09, struct fsocket_ioctl_arg)
#define FSOCKET_IOC_PAUSE_LOCAL \
	_IOWR(FSOCKET_IOC_MAGIC, 0x0a, struct fsocket_ioctl_arg)

#endif /* _UAPI_LINUX_FASTSOCKET_H */
