// SPDX-License-Identifier: GPL-2.0
/* kernel_bind() takes a struct sockaddr_unsized (6.19 on). */
#include <linux/net.h>

static int __maybe_unused fsocket_probe_bind(struct socket *sock,
					     struct sockaddr_unsized *addr,
					     int len)
{
	return kernel_bind(sock, addr, len);
}
