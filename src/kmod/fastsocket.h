/* SPDX-License-Identifier: GPL-2.0 */
/* Interfaces between the module's files. */
#ifndef _FASTSOCKET_H
#define _FASTSOCKET_H

#include <linux/fs.h>

/* device.c: the misc device /dev/fastsocket */
int fsocket_device_register(void);
void fsocket_device_unregister(void);

struct fsocket_ioctl_arg;
struct socket;

/* lookup.c: descriptor -> listening TCP socket, or an ERR_PTR errno */
struct socket *fsocket_lookup_listener(int fd);

/* spawn.c: local listeners */
long fsocket_listen(struct fsocket_ioctl_arg *arg);
long fsocket_spawn_listen(struct fsocket_ioctl_arg *arg);

/* ioctl.c: the command dispatcher */
long fsocket_ioctl(struct file *filp, unsigned int cmd, unsigned long uarg);

#endif /* _FASTSOCKET_H */
