// SPDX-License-Identifier: GPL-2.0-only
/*
 * sockcheck: SOCKET, CLOSE and SHUTDOWN_LISTEN of /dev/fastsocket, checked
 * from user space. Prints one line per check; exit status 0 when all hold.
 *
 *   sockcheck socket     SOCKET is socket(2); bad input one errno each
 *   sockcheck close      CLOSE closes sockets only
 *   sockcheck shutdown   a shut-down local listener's queue is served by
 *                        the global one (on 127.0.0.1, connections made
 *                        on CPU 0; needs 1 CPU)
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <linux/fastsocket.h>

#include "check.h"

#define QUEUED 3

static int dev;

static int getint(int fd, int level, int name)
{
	int v = -1;
	socklen_t len = sizeof(v);

	return getsockopt(fd, level, name, &v, &len) ? -1 : v;
}

static int fs_socket(unsigned int family, unsigned int type,
		     unsigned int protocol)
{
	struct fsocket_ioctl_arg arg;

	memset(&arg, 0, sizeof(arg));
	arg.op.socket_op.family = family;
	arg.op.socket_op.type = type;
	arg.op.socket_op.protocol = protocol;
	return ioctl(dev, FSOCKET_IOC_SOCKET, &arg);
}

static int fs_fd_cmd(unsigned long cmd, int fd, int how)
{
	struct fsocket_ioctl_arg arg;

	memset(&arg, 0, sizeof(arg));
	arg.fd = fd;
	arg.op.shutdown_op.how = how;
	return ioctl(dev, cmd, &arg);
}

static int check_socket(void)
{
	int fd = fs_socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	int v6 = fs_socket(AF_INET6, SOCK_DGRAM, 0);

	check("TCP socket", fd >= 0 && getint(fd, SOL_SOCKET, SO_TYPE) == SOCK_STREAM &&
	      getint(fd, SOL_SOCKET, SO_DOMAIN) == AF_INET &&
	      getint(fd, SOL_SOCKET, SO_PROTOCOL) == IPPROTO_TCP, NULL);
	check("SOCK_NONBLOCK", fd >= 0 && (fcntl(fd, F_GETFL) & O_NONBLOCK), NULL);
	check("SOCK_CLOEXEC", fd >= 0 && fcntl(fd, F_GETFD) == FD_CLOEXEC, NULL);
	check("listens", fd >= 0 && !listen(fd, 8) &&
	      getint(fd, SOL_SOCKET, SO_ACCEPTCONN) == 1, NULL);
	check("UDP over IPv6", v6 >= 0 && getint(v6, SOL_SOCKET, SO_TYPE) == SOCK_DGRAM &&
	      getint(v6, SOL_SOCKET, SO_DOMAIN) == AF_INET6 &&
	      !(fcntl(v6, F_GETFL) & O_NONBLOCK) && fcntl(v6, F_GETFD) == 0, NULL);
	close(fd);
	close(v6);
	expect_errno("unknown family", fs_socket(12345, SOCK_STREAM, 0), EAFNOSUPPORT);
	expect_errno("unknown type flag", fs_socket(AF_INET, SOCK_STREAM | 0x40000000, 0), EINVAL);
	expect_errno("TCP protocol for a datagram", fs_socket(AF_INET, SOCK_DGRAM, IPPROTO_TCP),
		     EPROTONOSUPPORT);
	return failures != 0;
}

static int check_close(void)
{
	int fd = socket(AF_INET, SOCK_STREAM, 0), null = open("/dev/null", O_RDONLY);

	check("closes a socket", fs_fd_cmd(FSOCKET_IOC_CLOSE, fd, 0) == 0 &&
	      fcntl(fd, F_GETFD) == -1 && errno == EBADF, NULL);
	expect_errno("closed fd", fs_fd_cmd(FSOCKET_IOC_CLOSE, fd, 0), EBADF);
	expect_errno("fd -1", fs_fd_cmd(FSOCKET_IOC_CLOSE, -1, 0), EBADF);
	expect_errno("not a socket", fs_fd_cmd(FSOCKET_IOC_CLOSE, null, 0), ENOTSOCK);
	check("not a socket stays open", fcntl(null, F_GETFD) >= 0, NULL);
	expect_errno("the device itself", fs_fd_cmd(FSOCKET_IOC_CLOSE, dev, 0), ENOTSOCK);
	close(null);
	return failures != 0;
}

static int listener(void)
{
	struct sockaddr_in a = { .sin_family = AF_INET,
				 .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);

	if (fd < 0 || bind(fd, (struct sockaddr *)&a, sizeof(a)) || listen(fd, 64))
		return -1;
	return fd;
}

static int dial(int lfd)
{
	struct sockaddr_in a;
	socklen_t len = sizeof(a);
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	if (getsockname(lfd, (struct sockaddr *)&a, &len) ||
	    connect(fd, (struct sockaddr *)&a, len)) {
		close(fd);
		return -1;
	}
	return fd;
}

static int check_shutdown(void)
{
	int global = listener(), alone = listener(), udp = socket(AF_INET, SOCK_DGRAM, 0);
	int idle = socket(AF_INET, SOCK_STREAM, 0), null = open("/dev/null", O_RDONLY);
	int clients[QUEUED], i, local, served = 0;
	struct fsocket_ioctl_arg arg;
	cpu_set_t set;
	char buf[4];

	CPU_ZERO(&set);
	CPU_SET(0, &set);
	if (global < 0 || alone < 0 || sched_setaffinity(0, sizeof(set), &set)) {
		perror("setup");
		return 1;
	}
	memset(&arg, 0, sizeof(arg));
	arg.fd = global;
	local = ioctl(dev, FSOCKET_IOC_SPAWN_LISTEN, &arg);
	check("SPAWN_LISTEN for CPU 0", local >= 0 && arg.op.spawn_op.cpu == 0, NULL);
	expect_errno("fd -1", fs_fd_cmd(FSOCKET_IOC_SHUTDOWN_LISTEN, -1, SHUT_RDWR), EBADF);
	expect_errno("not a socket", fs_fd_cmd(FSOCKET_IOC_SHUTDOWN_LISTEN, null, SHUT_RDWR), ENOTSOCK);
	expect_errno("UDP socket", fs_fd_cmd(FSOCKET_IOC_SHUTDOWN_LISTEN, udp, SHUT_RDWR), EOPNOTSUPP);
	expect_errno("not listening", fs_fd_cmd(FSOCKET_IOC_SHUTDOWN_LISTEN, idle, SHUT_RDWR), EINVAL);
	expect_errno("how SHUT_WR", fs_fd_cmd(FSOCKET_IOC_SHUTDOWN_LISTEN, local, SHUT_WR), EINVAL);
	expect_errno("how 7", fs_fd_cmd(FSOCKET_IOC_SHUTDOWN_LISTEN, local, 7), EINVAL);
	expect_errno("no other listener", fs_fd_cmd(FSOCKET_IOC_SHUTDOWN_LISTEN, alone, SHUT_RDWR), EBUSY);
	check("lone listener still listens", getint(alone, SOL_SOCKET, SO_ACCEPTCONN) == 1, NULL);

	for (i = 0; i < QUEUED; i++)
		clients[i] = dial(global);
	usleep(50000);
	check("queued on the local listener", accept(global, NULL, NULL) == -1 &&
	      errno == EAGAIN, NULL);
	check("SHUTDOWN_LISTEN", fs_fd_cmd(FSOCKET_IOC_SHUTDOWN_LISTEN, local, SHUT_RDWR) == 0, NULL);
	check("local stopped listening", getint(local, SOL_SOCKET, SO_ACCEPTCONN) == 0, NULL);
	for (i = 0; i < QUEUED; i++) {
		int fd = accept(global, NULL, NULL);

		if (fd >= 0 && clients[i] >= 0 && write(fd, "ok", 2) == 2 &&
		    read(clients[i], buf, sizeof(buf)) == 2)
			served++;
		if (fd >= 0)
			close(fd);
	}
	check("its queue is served by the global listener", served == QUEUED, NULL);
	for (i = 0; i < QUEUED; i++)
		close(clients[i]);
	close(local);
	close(global);
	close(alone);
	close(udp);
	close(idle);
	close(null);
	return failures != 0;
}

int main(int argc, char **argv)
{
	dev = open(FSOCKET_DEVICE_PATH, O_RDWR | O_CLOEXEC);
	if (dev < 0) {
		perror(FSOCKET_DEVICE_PATH);
		return 1;
	}
	if (argc == 2 && !strcmp(argv[1], "socket"))
		return check_socket();
	if (argc == 2 && !strcmp(argv[1], "close"))
		return check_close();
	if (argc == 2 && !strcmp(argv[1], "shutdown"))
		return check_shutdown();
	fprintf(stderr, "usage: sockcheck socket|close|shutdown\n");
	return 2;
}
