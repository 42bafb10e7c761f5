// SPDX-License-Identifier: GPL-2.0-only
/*
 * unix_echo: a Unix-socket echo server and client in one process tree,
 * printing a transcript (sizes and checksums of what came back, and the
 * descriptor numbers handed out). Run with and without libfsocket.so,
 * the two transcripts must be byte-for-byte the same.
 *
 *   unix_echo PATH
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

static void echo_one(int afd)
{
	char buf[4096];
	ssize_t n;

	while ((n = read(afd, buf, sizeof(buf))) > 0)
		if (write(afd, buf, n) != n)
			break;
	close(afd);
}

static void serve(int lfd, int conns)
{
	int epfd = epoll_create1(EPOLL_CLOEXEC);
	struct epoll_event ev = { .events = EPOLLIN };

	epoll_ctl(epfd, EPOLL_CTL_ADD, lfd, &ev);
	for (int i = 0; i < conns; i++) {
		int afd;

		epoll_wait(epfd, &ev, 1, -1);
		afd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
		if (afd < 0)
			_exit(2);
		echo_one(afd);
	}
	_exit(0);
}

static unsigned int sum(const unsigned char *p, size_t n)
{
	unsigned int s = 0;

	while (n--)
		s = s * 31 + *p++;
	return s;
}

static void client(const struct sockaddr_un *sun, int i)
{
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	size_t len = (size_t)i * 997 % 60000 + 1, got = 0;
	unsigned char *out = malloc(len), *in = malloc(len);
	int copy;

	for (size_t k = 0; k < len; k++)
		out[k] = (unsigned char)(k * 7 + i);
	if (connect(fd, (const struct sockaddr *)sun, sizeof(*sun)) < 0) {
		printf("conn %d: connect: %s\n", i, strerror(errno));
		return;
	}
	copy = dup(fd);
	if (write(copy, out, len) != (ssize_t)len)
		printf("conn %d: short write\n", i);
	shutdown(fd, SHUT_WR);
	while (got < len) {
		ssize_t n = read(fd, in + got, len - got);

		if (n <= 0)
			break;
		got += n;
	}
	printf("conn %d fd %d copy %d sent %zu got %zu sum %08x %s\n", i, fd,
	       copy, len, got, sum(in, got),
	       got == len && !memcmp(in, out, len) ? "same" : "DIFFERENT");
	close(copy);
	close(fd);
	free(out);
	free(in);
}

int main(int argc, char **argv)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	int lfd, sp[2], status, conns = 50;
	pid_t pid;
	char c = 'x';

	if (argc != 2 || strlen(argv[1]) >= sizeof(sun.sun_path)) {
		fprintf(stderr, "usage: unix_echo PATH\n");
		return 2;
	}
	strcpy(sun.sun_path, argv[1]);
	unlink(sun.sun_path);
	lfd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0);
	if (lfd < 0 || bind(lfd, (struct sockaddr *)&sun, sizeof(sun)) < 0 ||
	    listen(lfd, 64) < 0) {
		perror("listen");
		return 1;
	}
	printf("listener fd %d\n", lfd);
	fflush(stdout);
	pid = fork();
	if (pid == 0)
		serve(lfd, conns);
	for (int i = 1; i <= conns; i++)
		client(&sun, i);
	waitpid(pid, &status, 0);
	printf("server exit %d\n", WIFEXITED(status) ? WEXITSTATUS(status) : -1);

	socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sp);
	printf("socketpair %d %d write %zd", sp[0], sp[1], write(sp[0], &c, 1));
	printf(" read %zd '%c'\n", read(sp[1], &c, 1), c);
	printf("dup2 %d", dup2(sp[0], 40));
	printf(" fcntl %d", fcntl(sp[1], F_DUPFD_CLOEXEC, 50));
	printf(" close %d", close(40));
	printf(" %d", close(50));
	printf(" %d\n", close(lfd));
	unlink(sun.sun_path);
	return 0;
}
