// SPDX-License-Identifier: GPL-2.0
/*
 * Module parameters with range checks.
 *
 * A value outside its range is refused by the set operation, which makes
 * the kernel fail the load (insmod/modprobe report EINVAL) after the
 * message below names the parameter and its range.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/kernel.h>
#include <linux/moduleparam.h>
#include <linux/sysfs.h>

#include "params.h"

static int fsocket_param_set(const char *val, const struct kernel_param *kp)
{
	struct fsocket_param *p = kp->arg;
	int v, err;

	err = kstrtoint(val, 0, &v);
	if (err) {
		pr_err("%s: '%s' is not an integer\n", kp->name, val);
		return -EINVAL;
	}
	if (v < p->min || v > p->max) {
		pr_err("%s=%d is out of range [%d, %d]\n",
		       kp->name, v, p->min, p->max);
		return -EINVAL;
	}
	WRITE_ONCE(p->value, v);
	return 0;
}

static int fsocket_param_get(char *buf, const struct kernel_param *kp)
{
	const struct fsocket_param *p = kp->arg;

	return sysfs_emit(buf, "%d\n", READ_ONCE(p->value));
}

static const struct kernel_param_ops fsocket_param_ops = {
	.set = fsocket_param_set,
	.get = fsocket_param_get,
};

#define FSOCKET_RANGE(def, lo, hi) { .value = (def), .min = (lo), .max = (hi) }

/*
 * Writable in sysfs (0644) only where a change at run time is safe: the
 * log level, listen spawn, which each LISTEN and SPAWN reads afresh
 * (listeners made before keep what they have), and the steal bound, which
 * each sweep reads afresh. The others act when a
 * namespace or listener is set up and are read-only (0444): set them in
 * /etc/modprobe.d and reload.
 */
struct fsocket_param enable_fastsocket_debug = FSOCKET_RANGE(3, 0, 4);
module_param_cb(enable_fastsocket_debug, &fsocket_param_ops,
		&enable_fastsocket_debug, 0644);
MODULE_PARM_DESC(enable_fastsocket_debug,
		 "Log level: messages below it are printed, rate-limited (0 = silent, 1 = errors, 2 = +warnings, 3 = +notices [default], 4 = +debug)");

struct fsocket_param enable_listen_spawn = FSOCKET_RANGE(2, 0, 2);
module_param_cb(enable_listen_spawn, &fsocket_param_ops,
		&enable_listen_spawn, 0644);
MODULE_PARM_DESC(enable_listen_spawn,
		 "Listen-Spawn: 0 = disabled, 1 = process affinity required, 2 = fastsocket sets process affinity [default]");

struct fsocket_param enable_receive_flow_deliver = FSOCKET_RANGE(0, 0, 1);
module_param_cb(enable_receive_flow_deliver, &fsocket_param_ops,
		&enable_receive_flow_deliver, 0444);
MODULE_PARM_DESC(enable_receive_flow_deliver,
		 "Receive-Flow-Deliver: 0 = disabled [default], 1 = libfsocket picks ports that name the CPU (see fastsocketctl rfd)");

struct fsocket_param enable_fast_epoll = FSOCKET_RANGE(1, 0, 1);
module_param_cb(enable_fast_epoll, &fsocket_param_ops,
		&enable_fast_epoll, 0444);
MODULE_PARM_DESC(enable_fast_epoll,
		 "Fast-Epoll: 0 = disabled, 1 = enabled [default]");

struct fsocket_param enable_direct_tcp = FSOCKET_RANGE(0, 0, 1);
module_param_cb(enable_direct_tcp, &fsocket_param_ops,
		&enable_direct_tcp, 0444);
MODULE_PARM_DESC(enable_direct_tcp,
		 "Direct-TCP: 1 = turn on early demux (net.ipv4.tcp_early_demux) where listeners are watched, 0 = leave it as it is [default]");

struct fsocket_param enable_skb_pool = FSOCKET_RANGE(0, 0, 3);
module_param_cb(enable_skb_pool, &fsocket_param_ops, &enable_skb_pool, 0444);
MODULE_PARM_DESC(enable_skb_pool,
		 "Skb-Pool: 0 = disabled [default], 1 = receive (fastsocketctl tune turns net.core.skb_defer_max on), 2 = send (no effect), 3 = both");

struct fsocket_param enable_receive_cpu_selection = FSOCKET_RANGE(0, 0, 1);
module_param_cb(enable_receive_cpu_selection, &fsocket_param_ops,
		&enable_receive_cpu_selection, 0444);
MODULE_PARM_DESC(enable_receive_cpu_selection,
		 "Receive-CPU-Selection: 0 = disabled [default], 1 = RFS (fastsocketctl tune turns it on)");

/*
 * Not one of the original's: a connection that waited this long on a
 * stalled worker's local listener is handed to the others (steal.c).
 * Writable: the sweep reads it each time.
 */
struct fsocket_param steal_after_ms = FSOCKET_RANGE(FSOCKET_STEAL_AFTER_MS, 0, 60000);
module_param_cb(steal_after_ms, &fsocket_param_ops, &steal_after_ms, 0644);
MODULE_PARM_DESC(steal_after_ms,
		 "Connection stealing: a connection that waited this many ms on a stalled worker's local listener goes to an idle worker, sooner if that worker's CPU sat idle (0 = never)");

/*
 * Writable: each LISTEN reads them. Listeners already watched stay so
 * when a cap is lowered below their number.
 */
struct fsocket_param max_listeners_per_user = FSOCKET_RANGE(4096, 1, 1048576);
module_param_cb(max_listeners_per_user, &fsocket_param_ops,
		&max_listeners_per_user, 0644);
MODULE_PARM_DESC(max_listeners_per_user,
		 "Listeners one user may have watched, in all network namespaces; past it LISTEN fails with ENOSPC and the listener stays plain [default 4096]");

struct fsocket_param max_listeners_per_netns = FSOCKET_RANGE(16384, 1, 1048576);
module_param_cb(max_listeners_per_netns, &fsocket_param_ops,
		&max_listeners_per_netns, 0644);
MODULE_PARM_DESC(max_listeners_per_netns,
		 "Listeners one network namespace may have watched; past it LISTEN fails with ENOSPC and the listener stays plain [default 16384]");

struct fsocket_param enable_socket_pool_size = FSOCKET_RANGE(0, 0, 65536);
module_param_cb(enable_socket_pool_size, &fsocket_param_ops,
		&enable_socket_pool_size, 0444);
MODULE_PARM_DESC(enable_socket_pool_size,
		 "Socket pool size per CPU: 0 = disabled [default], else the number of sockets");
