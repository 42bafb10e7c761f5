// SPDX-License-Identifier: GPL-2.0
/* proto_ops.accept takes a struct proto_accept_arg (6.10 on), not flags. */
#include <linux/net.h>

static int fsocket_probe_accept(struct socket *sock, struct socket *newsock,
				struct proto_accept_arg *arg)
{
	return 0;
}

static const struct proto_ops fsocket_probe_ops __maybe_unused = {
	.accept = fsocket_probe_accept,
};
