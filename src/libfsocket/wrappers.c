/*
 * The interposed libc calls. Each one does libc's work first and exactly
 * as libc would; the module is asked for more only after that succeeded,
 * and a refusal changes nothing the application can see (errno included).
 */
#include <errno.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>

#include <linux/fastsocket.h>

#include "libfsocket.h"

#define FSOCK_EXPORT __attribute__((visibility("default")))

static int sockopt_int(int fd, int name, int *val)
{
	socklen_t len = sizeof(*val);

	return getsockopt(fd, SOL_SOCKET, name, val, &len);
}

/* Only TCP over IPv4 or IPv6 is ever handed to the module. */
static int is_inet_tcp(int fd)
{
	int domain, protocol;

	if (sockopt_int(fd, SO_DOMAIN, &domain) < 0 ||
	    sockopt_int(fd, SO_PROTOCOL, &protocol) < 0)
		return 0;
	return (domain == AF_INET || domain == AF_INET6) &&
	       protocol == IPPROTO_TCP;
}

static void accelerate_listen(int fd, int backlog)
{
	struct fsocket_ioctl_arg arg;
	int channel;

	if (!is_inet_tcp(fd))
		return;
	channel = fsock_channel();
	if (channel < 0)
		return;

	memset(&arg, 0, sizeof(arg));
	arg.fd = fd;
	arg.backlog = backlog < 0 ? 0 : (unsigned int)backlog;
	if (ioctl(channel, FSOCKET_IOC_LISTEN, &arg) < 0)
		fsock_say_once(FSOCK_ONCE_CMD_REFUSED,
			       "the module refused LISTEN (%s); this listener stays on the plain kernel path",
			       strerror(errno));
}

FSOCK_EXPORT int listen(int fd, int backlog)
{
	int ret = fsock_real()->listen(fd, backlog);
	int saved_errno = errno;

	if (ret == 0)
		accelerate_listen(fd, backlog);
	errno = saved_errno;
	return ret;
}

FSOCK_EXPORT int close(int fd)
{
	fsock_channel_forget(fd);
	return fsock_real()->close(fd);
}
