// SPDX-License-Identifier: GPL-2.0-only
/*
 * churn: threads of one process spawning, accepting from, shutting down
 * and closing local listeners of one shared listener at once, while
 * client threads connect to it. A local listener's queue moves to the
 * others when it stops; F counts the connections not answered.
 *
 *   churn THREADS ROUNDS CONNECTIONS
 *
 * Prints "rounds R spawned S busy B connections C failed F unexpected U"
 * and exits 0 when F and U are 0. U counts ioctls that failed otherwise
 * than allowed (EBUSY: no free CPU; EAGAIN: empty queue).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <linux/fastsocket.h>

#define MAX_THREADS 32

static int dev, global, rounds, conns;
static struct sockaddr_in addr;
static atomic_int spawned, busy, unexpected, failed, answered, clients_done;

static int fs_cmd(unsigned long cmd, int fd, int global_fd)
{
	struct fsocket_ioctl_arg arg;

	memset(&arg, 0, sizeof(arg));
	arg.fd = fd;
	if (cmd == FSOCKET_IOC_SPAWN_LISTEN)
		arg.op.spawn_op.cpu = FSOCKET_CPU_ANY;
	if (cmd == FSOCKET_IOC_ACCEPT)
		arg.op.accept_op.global_fd = global_fd;
	if (cmd == FSOCKET_IOC_SHUTDOWN_LISTEN)
		arg.op.shutdown_op.how = SHUT_RDWR;
	return ioctl(dev, cmd, &arg);
}

static void unexpected_errno(const char *what)
{
	fprintf(stderr, "churn: %s: %s\n", what, strerror(errno));
	atomic_fetch_add(&unexpected, 1);
}

static void answer(int fd)
{
	char buf[8];

	if (read(fd, buf, sizeof(buf)) > 0 && write(fd, "ok\n", 3) == 3)
		atomic_fetch_add(&answered, 1);
	close(fd);
}

/* Accept what is there; EAGAIN is the only expected failure. */
static void drain(int fd, int global_fd)
{
	int c;

	while ((c = fs_cmd(FSOCKET_IOC_ACCEPT, fd, global_fd)) >= 0)
		answer(c);
	if (errno != EAGAIN)
		unexpected_errno("ACCEPT");
}

static void *spawner(void *p)
{
	int i, local;

	for (i = 0; i < rounds; i++) {
		local = fs_cmd(FSOCKET_IOC_SPAWN_LISTEN, global, -1);
		if (local < 0) {
			if (errno == EBUSY)
				atomic_fetch_add(&busy, 1);
			else
				unexpected_errno("SPAWN_LISTEN");
			usleep(1000);
			continue;
		}
		atomic_fetch_add(&spawned, 1);
		usleep(2000);
		drain(local, global);
		/* Half stop by SHUTDOWN_LISTEN, half by close alone. */
		if ((i & 1) && fs_cmd(FSOCKET_IOC_SHUTDOWN_LISTEN, local, -1))
			unexpected_errno("SHUTDOWN_LISTEN");
		close(local);
	}
	(void)p;
	return NULL;
}

/* The global listener's own worker, until the clients are done. */
static void *acceptor(void *p)
{
	struct pollfd pfd = { .fd = global, .events = POLLIN };

	while (!atomic_load(&clients_done) || poll(&pfd, 1, 0) > 0) {
		poll(&pfd, 1, 50);
		drain(global, -1);
	}
	(void)p;
	return NULL;
}

static void *client(void *p)
{
	struct timeval tv = { .tv_sec = 10 };
	int i, n = *(int *)p;
	char buf[8];

	for (i = 0; i < n; i++) {
		int fd = socket(AF_INET, SOCK_STREAM, 0);

		if (fd < 0 ||
		    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) ||
		    connect(fd, (struct sockaddr *)&addr, sizeof(addr)) ||
		    write(fd, "x\n", 2) != 2 || read(fd, buf, sizeof(buf)) != 3)
			atomic_fetch_add(&failed, 1);
		if (fd >= 0)
			close(fd);
	}
	return NULL;
}

static int start_listener(void)
{
	socklen_t len = sizeof(addr);
	struct fsocket_ioctl_arg arg;

	addr.sin_family = AF_INET;
	addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	global = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
	if (global < 0 || bind(global, (struct sockaddr *)&addr, len) ||
	    listen(global, 1024) ||
	    getsockname(global, (struct sockaddr *)&addr, &len))
		return -1;
	memset(&arg, 0, sizeof(arg));
	arg.fd = global;
	return ioctl(dev, FSOCKET_IOC_LISTEN, &arg);
}

int main(int argc, char **argv)
{
	pthread_t spawners[MAX_THREADS], clients[2], acc;
	int threads, i, per_client;

	if (argc != 4 || (threads = atoi(argv[1])) < 1 || threads > MAX_THREADS ||
	    (rounds = atoi(argv[2])) < 1 || (conns = atoi(argv[3])) < 2) {
		fprintf(stderr, "usage: churn THREADS ROUNDS CONNECTIONS\n");
		return 2;
	}
	dev = open(FSOCKET_DEVICE_PATH, O_RDWR | O_CLOEXEC);
	if (dev < 0 || start_listener()) {
		perror("setup");
		return 1;
	}
	per_client = conns / 2;
	pthread_create(&acc, NULL, acceptor, NULL);
	for (i = 0; i < 2; i++)
		pthread_create(&clients[i], NULL, client, &per_client);
	for (i = 0; i < threads; i++)
		pthread_create(&spawners[i], NULL, spawner, NULL);
	for (i = 0; i < threads; i++)
		pthread_join(spawners[i], NULL);
	for (i = 0; i < 2; i++)
		pthread_join(clients[i], NULL);
	atomic_store(&clients_done, 1);
	pthread_join(acc, NULL);
	printf("rounds %d spawned %d busy %d connections %d failed %d unexpected %d\n",
	       threads * rounds, atomic_load(&spawned), atomic_load(&busy),
	       2 * per_client, atomic_load(&failed), atomic_load(&unexpected));
	return atomic_load(&failed) || atomic_load(&unexpected);
}
