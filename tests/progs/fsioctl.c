// SPDX-License-Identifier: GPL-2.0-only
/*
 * fsioctl: checks the ioctl interface of /dev/fastsocket from user space.
 *
 *   fsioctl version RELEASE   VERSION answers with our ABI and RELEASE
 *   fsioctl unknown           unknown commands get ENOTTY
 *   fsioctl efault            bad argument pointers get EFAULT
 *   fsioctl reserved          non-zero reserved fields get EINVAL
 *   fsioctl commands          which seed commands still answer EOPNOTSUPP
 *   fsioctl others            descriptor numbers this process does not hold
 *                             (another process's sockets have such numbers
 *                             there) get EBADF from every command
 *
 * Exit status 0 when every check holds, 1 otherwise; each check is printed.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <linux/fastsocket.h>

static int failures;

static void expect(const char *what, int ret, int err, int want)
{
	int ok = want ? (ret == -1 && err == want) : ret == 0;

	printf("%s %s: ret %d errno %s (want %s)\n", ok ? "ok  " : "FAIL",
	       what, ret, ret ? strerrorname_np(err) : "0",
	       want ? strerrorname_np(want) : "success");
	failures += !ok;
}

static int call(int dev, unsigned long cmd, void *arg, int *err)
{
	int ret = ioctl(dev, cmd, arg);

	*err = errno;
	return ret;
}

/* expect_call NAME DEV CMD ARG WANT: one ioctl and its verdict. */
static void expect_call(const char *what, int dev, unsigned long cmd,
			void *arg, int want)
{
	int err = 0;
	int ret = call(dev, cmd, arg, &err);

	expect(what, ret, err, want);
}

static int check_version(int dev, const char *release)
{
	struct fsocket_ioctl_arg arg;
	int ret, err = 0;

	memset(&arg, 0, sizeof(arg));
	ret = call(dev, FSOCKET_IOC_VERSION, &arg, &err);
	expect("VERSION", ret, err, 0);
	if (ret)
		return 1;
	printf("abi %u release '%s' commands 0x%x\n",
	       arg.op.version_op.abi_version, arg.op.version_op.release,
	       arg.op.version_op.commands);
	expect("abi version matches", arg.op.version_op.abi_version ==
	       FSOCKET_ABI_VERSION ? 0 : -1, EPROTO, 0);
	expect("release matches", strcmp(arg.op.version_op.release,
					  release) ? -1 : 0, EPROTO, 0);
	return failures != 0;
}

static int check_unknown(int dev)
{
	struct fsocket_ioctl_arg arg;
	const struct { const char *name; unsigned long cmd; } cmds[] = {
		{ "retired EPOLL_CTL 0x05", _IOWR(FSOCKET_IOC_MAGIC, 0x05,
						  struct fsocket_ioctl_arg) },
		{ "ordinal 0x7f", _IOWR(FSOCKET_IOC_MAGIC, 0x7f,
					struct fsocket_ioctl_arg) },
		{ "original _IO(0xf5, 1)", _IO(FSOCKET_IOC_MAGIC, 0x01) },
		{ "wrong size", _IOWR(FSOCKET_IOC_MAGIC, 0x09, int) },
		{ "other magic", _IOWR('T', 0x09, struct fsocket_ioctl_arg) },
		{ "zero", 0 },
	};
	size_t i;

	memset(&arg, 0, sizeof(arg));
	for (i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
		expect_call(cmds[i].name, dev, cmds[i].cmd, &arg,
		    ENOTTY);
	return failures != 0;
}

static int check_efault(int dev)
{
	long page = sysconf(_SC_PAGESIZE);
	char *two = mmap(NULL, 2 * page, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	char *ro = mmap(NULL, page, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS,
			-1, 0);
	char *none = two + page;

	if (two == MAP_FAILED || ro == MAP_FAILED ||
	    mprotect(none, page, PROT_NONE)) {
		perror("mmap");
		return 1;
	}
	expect_call("VERSION NULL", dev, FSOCKET_IOC_VERSION, NULL,
		    EFAULT);
	expect_call("VERSION unmapped", dev, FSOCKET_IOC_VERSION, none,
		    EFAULT);
	/* Readable but not writable: the answer cannot be copied back. */
	expect_call("VERSION read-only", dev, FSOCKET_IOC_VERSION, ro,
		    EFAULT);
	expect_call("LISTEN kernel address", dev, FSOCKET_IOC_LISTEN,
		    (void *)0xffffffff81000000UL,
		    EFAULT);
	/* The argument starts mapped and runs into the PROT_NONE page. */
	memset(none - 8, 0, 8);
	expect_call("VERSION straddling", dev, FSOCKET_IOC_VERSION, none - 8,
		    EFAULT);
	return failures != 0;
}

static int check_reserved(int dev)
{
	struct fsocket_ioctl_arg arg;

	memset(&arg, 0, sizeof(arg));
	arg.flags = 1;
	expect_call("flags != 0", dev, FSOCKET_IOC_VERSION, &arg,
		    EINVAL);
	memset(&arg, 0, sizeof(arg));
	arg.reserved = 0x80000000u;
	expect_call("reserved != 0", dev, FSOCKET_IOC_VERSION, &arg,
		    EINVAL);
	return failures != 0;
}

static int check_commands(int dev)
{
	/*
	 * What a real command answers for fd -1, family AF_UNSPEC and room
	 * for no pairs (0: success, SPAWN_ALL_LISTEN with nothing watched).
	 */
	static const struct {
		const char *name;
		unsigned long cmd;
		int refusal;
	} cmds[] = {
		{ "SOCKET", FSOCKET_IOC_SOCKET, EAFNOSUPPORT },
		{ "LISTEN", FSOCKET_IOC_LISTEN, EBADF },
		{ "ACCEPT", FSOCKET_IOC_ACCEPT, EBADF },
		{ "CLOSE", FSOCKET_IOC_CLOSE, EBADF },
		{ "SPAWN_LISTEN", FSOCKET_IOC_SPAWN_LISTEN, EBADF },
		{ "SHUTDOWN_LISTEN", FSOCKET_IOC_SHUTDOWN_LISTEN, EBADF },
		{ "SPAWN_ALL_LISTEN", FSOCKET_IOC_SPAWN_ALL_LISTEN, 0 },
		{ "PAUSE_LOCAL", FSOCKET_IOC_PAUSE_LOCAL, EBADF },
	};
	struct fsocket_ioctl_arg arg;
	char pending[256] = "";
	unsigned int implemented;
	size_t i;
	int err = 0;

	memset(&arg, 0, sizeof(arg));
	if (call(dev, FSOCKET_IOC_VERSION, &arg, &err)) {
		expect("VERSION", -1, err, 0);
		return 1;
	}
	implemented = arg.op.version_op.commands;
	for (i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++) {
		int bit = implemented & FSOCKET_CMD_BIT(_IOC_NR(cmds[i].cmd));
		int ret;

		memset(&arg, 0, sizeof(arg));
		arg.fd = -1;
		ret = call(dev, cmds[i].cmd, &arg, &err);
		if (bit) {
			expect(cmds[i].name, ret, err, cmds[i].refusal);
			continue;
		}
		expect(cmds[i].name, ret, err, EOPNOTSUPP);
		strcat(pending, " ");
		strcat(pending, cmds[i].name);
	}
	printf("NOTE: commands still answering EOPNOTSUPP:%s\n",
	       *pending ? pending : " none");
	return failures != 0;
}

/*
 * Every command that names a descriptor, on every number from 3 to 4095
 * but the device's, after closing them all: only EBADF, whatever another
 * process holds under the same numbers.
 */
static int check_others(int dev)
{
	static const unsigned long cmds[] = {
		FSOCKET_IOC_LISTEN, FSOCKET_IOC_ACCEPT, FSOCKET_IOC_CLOSE,
		FSOCKET_IOC_SPAWN_LISTEN, FSOCKET_IOC_SHUTDOWN_LISTEN,
		FSOCKET_IOC_PAUSE_LOCAL,
	};
	struct fsocket_ioctl_arg arg;
	int fd, ret, err = 0, bad = 0, calls = 0;
	size_t i;

	for (fd = 3; fd < 4096; fd++)
		if (fd != dev)
			close(fd);
	for (fd = 3; fd < 4096; fd++) {
		if (fd == dev)
			continue;
		for (i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++) {
			memset(&arg, 0, sizeof(arg));
			arg.fd = fd;
			arg.op.accept_op.global_fd = -1;
			ret = call(dev, cmds[i], &arg, &err);
			calls++;
			if (ret != -1 || err != EBADF) {
				if (bad++ < 5)
					expect("a number not held", ret, err, EBADF);
				if (ret >= 0 && cmds[i] != FSOCKET_IOC_LISTEN)
					close(ret);
			}
		}
	}
	printf("%s %d calls on the 4092 numbers not held: %d not EBADF\n",
	       bad ? "FAIL" : "ok  ", calls, bad);
	return bad != 0;
}

int main(int argc, char **argv)
{
	const char *path = getenv("FASTSOCKET_DEVICE");
	int dev;

	if (argc < 2) {
		fprintf(stderr, "usage: fsioctl version RELEASE|unknown|efault|reserved|commands|others\n");
		return 2;
	}
	dev = open(path ? path : FSOCKET_DEVICE_PATH, O_RDWR | O_CLOEXEC);
	if (dev < 0) {
		perror(path ? path : FSOCKET_DEVICE_PATH);
		return 1;
	}
	if (!strcmp(argv[1], "version") && argc == 3)
		return check_version(dev, argv[2]);
	if (!strcmp(argv[1], "unknown"))
		return check_unknown(dev);
	if (!strcmp(argv[1], "efault"))
		return check_efault(dev);
	if (!strcmp(argv[1], "reserved"))
		return check_reserved(dev);
	if (!strcmp(argv[1], "commands"))
		return check_commands(dev);
	if (!strcmp(argv[1], "others"))
		return check_others(dev);
	fprintf(stderr, "fsioctl: unknown check '%s'\n", argv[1]);
	return 2;
}
