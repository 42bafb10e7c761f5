// SPDX-License-Identifier: GPL-2.0-only
/*
 * tcp_echo: a TCP server and its client in one program, to show that a
 * preloaded libfsocket.so leaves a program's behaviour unchanged.
 *
 *   tcp_echo [-6] [-n CONNECTIONS]
 *
 * The parent listens on an ephemeral loopback port and serves one request
 * per connection; a forked child connects CONNECTIONS times and checks
 * every echoed reply. Exit status 0 when all replies were right.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

static int make_listener(int family, struct sockaddr_storage *ss,
			 socklen_t *len)
{
	int fd = socket(family, SOCK_STREAM | SOCK_CLOEXEC, 0);

	memset(ss, 0, sizeof(*ss));
	ss->ss_family = family;
	if (family == AF_INET6) {
		((struct sockaddr_in6 *)ss)->sin6_addr = in6addr_loopback;
		*len = sizeof(struct sockaddr_in6);
	} else {
		((struct sockaddr_in *)ss)->sin_addr.s_addr =
			htonl(INADDR_LOOPBACK);
		*len = sizeof(struct sockaddr_in);
	}
	if (fd < 0 || bind(fd, (struct sockaddr *)ss, *len) ||
	    listen(fd, 128) ||
	    getsockname(fd, (struct sockaddr *)ss, len)) {
		perror("listener");
		exit(1);
	}
	return fd;
}

static int client(const struct sockaddr_storage *ss, socklen_t len, int n)
{
	int i;

	for (i = 0; i < n; i++) {
		char req[32], rep[32] = "";
		int fd = socket(ss->ss_family, SOCK_STREAM, 0);
		int k = snprintf(req, sizeof(req), "ping %d", i);

		if (fd < 0 || connect(fd, (const struct sockaddr *)ss, len) ||
		    write(fd, req, k) != k || read(fd, rep, sizeof(rep)) != k ||
		    memcmp(req, rep, k)) {
			fprintf(stderr, "client: connection %d failed: %s\n",
				i, strerror(errno));
			return 1;
		}
		close(fd);
	}
	return 0;
}

/*
 * Accept the client's connections; stop early when the client is gone, so
 * that a failed client is reported instead of waited for forever.
 */
static int serve(int lfd, int n, pid_t client_pid, int *status)
{
	int i;

	for (i = 0; i < n; i++) {
		struct pollfd p = { .fd = lfd, .events = POLLIN };
		char buf[32];
		ssize_t k;
		int fd;

		while (poll(&p, 1, 1000) == 0)
			if (waitpid(client_pid, status, WNOHANG) == client_pid) {
				fprintf(stderr, "server: the client exited after %d of %d connections\n",
					i, n);
				return 2;
			}
		fd = accept(lfd, NULL, NULL);
		if (fd < 0) {
			perror("accept");
			return 1;
		}
		k = read(fd, buf, sizeof(buf));
		if (k <= 0 || write(fd, buf, k) != k) {
			perror("echo");
			return 1;
		}
		close(fd);
	}
	return 0;
}

int main(int argc, char **argv)
{
	struct sockaddr_storage ss;
	int family = AF_INET, n = 100, opt, lfd, status, ret;
	socklen_t len;
	pid_t pid;

	while ((opt = getopt(argc, argv, "6n:")) != -1) {
		if (opt == '6')
			family = AF_INET6;
		else if (opt == 'n')
			n = atoi(optarg);
		else
			return 2;
	}
	lfd = make_listener(family, &ss, &len);
	pid = fork();
	if (pid < 0) {
		perror("fork");
		return 1;
	}
	if (pid == 0)
		_exit(client(&ss, len, n));
	ret = serve(lfd, n, pid, &status);
	if (ret != 2 && waitpid(pid, &status, 0) != pid)
		ret = 1;
	if (!WIFEXITED(status) || WEXITSTATUS(status))
		ret = 1;
	close(lfd);
	printf("tcp_echo: %d connections over %s: %s\n", n,
	       family == AF_INET6 ? "IPv6" : "IPv4", ret ? "FAILED" : "ok");
	return ret;
}
