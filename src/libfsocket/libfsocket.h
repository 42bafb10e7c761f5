/* libfsocket.so internals shared between its files. */
#ifndef LIBFSOCKET_H
#define LIBFSOCKET_H

#include <sys/socket.h>

/* real.c: libc's own entry points, resolved once. */
struct fsock_real {
	int (*listen)(int fd, int backlog);
	int (*close)(int fd);
};

const struct fsock_real *fsock_real(void);

/* log.c: messages on stderr, each kind said once per process. */
enum fsock_once {
	FSOCK_ONCE_NO_DEVICE,
	FSOCK_ONCE_BAD_ABI,
	FSOCK_ONCE_CMD_REFUSED,
	FSOCK_ONCE_MAX
};

void fsock_say_once(enum fsock_once what, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* channel.c: the descriptor of /dev/fastsocket, opened on first need. */
int fsock_channel(void);
void fsock_channel_forget(int fd);

#endif
