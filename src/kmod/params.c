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

/*
 * Read-only in sysfs for now: no switch may change under live sockets
 * until its feature says it can.
 */
#define FSOCKET_PARAM(name, def, lo, hi, desc)				\
	struct fsocket_param name = { .value = def, .min = lo, .max = hi }; \
	module_param_cb(name, &fsocket_param_ops, &name, 0444);		\
	MODULE_PARM_DESC(name, desc)

FSOCKET_PARAM(enable_fastsocket_debug, 3, 0, 4,
	      "Log level: messages below it are printed, rate-limited (0 = silent, 1 = errors, 2 = +warnings, 3 = +notices [default], 4 = +debug)");
FSOCKET_PARAM(enable_listen_spawn, 2, 0, 2,
	      "Listen-Spawn: 0 = disabled, 1 = process affinity required, 2 = fastsocket sets process affinity [default]");
FSOCKET_PARAM(enable_receive_flow_deliver, 0, 0, 1,
	      "Receive-Flow-Deliver: 0 = disabled [default], 1 = enabled");
FSOCKET_PARAM(enable_fast_epoll, 1, 0, 1,
	      "Fast-Epoll: 0 = disabled, 1 = enabled [default]");
FSOCKET_PARAM(enable_direct_tcp, 0, 0, 1,
	      "Direct-TCP: 0 = disabled [default], 1 = enabled");
FSOCKET_PARAM(enable_skb_pool, 0, 0, 3,
	      "Skb-Pool: 0 = disabled [default], 1 = receive, 2 = send, 3 = both");
FSOCKET_PARAM(enable_receive_cpu_selection, 0, 0, 1,
	      "Receive-CPU-Selection: 0 = disabled [default], 1 = enabled");
FSOCKET_PARAM(enable_socket_pool_size, 0, 0, 65536,
	      "Socket pool size per CPU: 0 = disabled [default], else the number of sockets");
