// SPDX-License-Identifier: GPL-2.0-only
/*
 * workerloop N WRAPPED [REORDER]: what libfsocket's wrappers cost a
 * pre-fork worker per connection, in user-mode instructions (run under
 * callgrind by bench/preload-overhead). The library's sources are linked
 * in, as in tests/unit, and its table is set up by hand as a worker's: a
 * local listener with its private descriptor of the shared one, watched
 * in an epoll set. Each of N connections then gets the calls nginx makes
 * for it: accept4(), epoll_ctl(ADD), open() and close() of the page,
 * setsockopt(TCP_NODELAY), close(). WRAPPED 1: through the wrappers; 0:
 * straight to libc. REORDER 1: also, every 16 accepts, nginx's removal
 * and re-adding of its listener in epoll (ngx_reorder_accept_events),
 * which the library repeats for the shared listener's descriptor.
 */
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "libfsocket.h"

struct calls {
	int (*accept4)(int fd, struct sockaddr *addr, socklen_t *len,
		       int flags);
	int (*epoll_ctl)(int epfd, int op, int fd, struct epoll_event *ev);
	int (*open)(const char *path, int flags, ...);
	int (*close)(int fd);
	int (*setsockopt)(int fd, int level, int name, const void *val,
			  socklen_t len);
};

/* A listener on loopback that the table takes for a worker's local one. */
static int worker_listener(struct sockaddr_in *a)
{
	const struct fsock_real *r = fsock_real();
	socklen_t len = sizeof(*a);
	int fd = r->socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
	struct fsock_ent local = { .kind = FSOCK_LOCAL, .b = FSOCK_NONE };
	struct fsock_ent priv = { .kind = FSOCK_PRIVATE, .a = fd,
				  .b = FSOCK_NONE };

	a->sin_family = AF_INET;
	a->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	a->sin_port = 0;
	if (fd < 0 || bind(fd, (struct sockaddr *)a, len) ||
	    r->listen(fd, 128) || getsockname(fd, (struct sockaddr *)a, &len))
		return -1;
	local.a = r->dup(fd);
	if (local.a < 0)
		return -1;
	fsock_lock();
	fsock_set(fd, &local);
	fsock_set(local.a, &priv);
	fsock_unlock();
	/* What VERSION tells a library whose module serves accept(2). */
	atomic_store(&fsock_local_accept_native, true);
	return fd;
}

static int one_connection(const struct calls *c, int lfd, int ep,
			  const struct sockaddr_in *a, long i, bool reorder)
{
	const struct fsock_real *r = fsock_real();
	struct epoll_event lev = { .events = EPOLLIN | EPOLLEXCLUSIVE };
	struct epoll_event cev = { .events = EPOLLIN | EPOLLRDHUP | EPOLLET };
	int client = r->socket(AF_INET, SOCK_STREAM, 0), one = 1, s, page;

	if (client < 0 || r->connect(client, (const struct sockaddr *)a,
				     sizeof(*a)))
		return -1;
	s = c->accept4(lfd, NULL, NULL, SOCK_NONBLOCK);
	if (s < 0)
		return -1;
	if (reorder && i % 16 == 0) {
		lev.data.fd = lfd;
		c->epoll_ctl(ep, EPOLL_CTL_DEL, lfd, &lev);
		c->epoll_ctl(ep, EPOLL_CTL_ADD, lfd, &lev);
	}
	cev.data.fd = s;
	c->epoll_ctl(ep, EPOLL_CTL_ADD, s, &cev);
	page = c->open("/proc/self/stat", O_RDONLY);
	if (page >= 0)
		c->close(page);
	c->setsockopt(s, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	c->close(s);
	r->close(client);
	return 0;
}

int main(int argc, char **argv)
{
	long n = argc > 2 ? atol(argv[1]) : -1, i;
	bool reorder = argc > 3 && atoi(argv[3]);
	const struct fsock_real *r = fsock_real();
	const struct calls wrapped = { accept4, epoll_ctl, open, close,
				       setsockopt };
	const struct calls libc = { r->accept4, r->epoll_ctl, r->open,
				    r->close, r->setsockopt };
	const struct calls *c = n >= 0 && atoi(argv[2]) ? &wrapped : &libc;
	struct epoll_event ev = { .events = EPOLLIN | EPOLLEXCLUSIVE };
	struct sockaddr_in a;
	int lfd, ep;

	if (n < 0) {
		fprintf(stderr, "usage: workerloop N WRAPPED [REORDER]\n");
		return 2;
	}
	lfd = worker_listener(&a);
	ep = r->epoll_create1(EPOLL_CLOEXEC);
	ev.data.fd = lfd;
	if (lfd < 0 || ep < 0 || c->epoll_ctl(ep, EPOLL_CTL_ADD, lfd, &ev)) {
		perror("workerloop: set-up");
		return 1;
	}
	for (i = 0; i < n; i++)
		if (one_connection(c, lfd, ep, &a, i, reorder)) {
			perror("workerloop");
			return 1;
		}
	return 0;
}
