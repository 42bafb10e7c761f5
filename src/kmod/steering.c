// SPDX-License-Identifier: GPL-2.0
/*
 * Does this kernel steer a SO_REUSEPORT group by SO_INCOMING_CPU? Before
 * the 6.2 fix (backported to Debian's 6.1) it does not once a group has
 * more than one member, and local listeners would take connections of
 * every CPU. Asked once at load, of a throw-away listener, so that on such
 * a kernel LISTEN and SPAWN refuse (EOPNOTSUPP) before they touch an
 * application's socket, and the application stays on its own listener.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/in.h>
#include <linux/net.h>
#include <net/net_namespace.h>
#include <net/sock.h>

#include "compat.h"
#include "fastsocket.h"

static bool fsocket_steers __read_mostly;

bool fsocket_steering(void)
{
	return READ_ONCE(fsocket_steers);
}

/*
 * A listener on the loopback address with SO_INCOMING_CPU set: the kernel
 * counts it in its group's incoming_cpu where it steers. IP_FREEBIND lets
 * it bind before the loopback device is up (a module loaded early in
 * boot); nothing from outside can reach 127.0.0.1.
 */
static int fsocket_steering_probe(bool *steers)
{
	struct sockaddr_storage addr = {};
	struct sockaddr_in *in = (struct sockaddr_in *)&addr;
	struct socket *sock;
	int err;

	err = sock_create_kern(&init_net, AF_INET, SOCK_STREAM, IPPROTO_TCP,
			       &sock);
	if (err)
		return err;
	err = fsocket_set_int(sock, SOL_SOCKET, SO_REUSEPORT, 1);
	if (!err)
		err = fsocket_set_int(sock, SOL_SOCKET, SO_INCOMING_CPU, 0);
	if (!err)
		err = fsocket_set_int(sock, SOL_IP, IP_FREEBIND, 1);
	if (err)
		goto release;
	in->sin_family = AF_INET;
	in->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	err = fsocket_kernel_bind(sock, &addr, sizeof(*in));
	if (!err)
		err = kernel_listen(sock, 1);
	if (!err)
		*steers = fsocket_reuseport_steers(sock->sk);
release:
	sock_release(sock);
	return err;
}

void fsocket_steering_check(void)
{
	bool steers = false;
	int err = fsocket_steering_probe(&steers);

	if (err)
		pr_warn("cannot tell whether this kernel steers SO_REUSEPORT groups by SO_INCOMING_CPU (%d): listeners stay plain\n",
			err);
	else if (!steers)
		pr_warn("this kernel does not steer SO_REUSEPORT groups by SO_INCOMING_CPU: listeners stay plain\n");
	WRITE_ONCE(fsocket_steers, steers);
}
