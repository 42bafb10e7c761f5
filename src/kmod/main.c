// SPDX-License-Identifier: GPL-2.0
/*
 * fastsocket: per-core TCP accept for unmodified servers on stock kernels.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/module.h>

#include <linux/fastsocket.h>

#include "fastsocket.h"
#include "log.h"

static int __init fsocket_init(void)
{
	int err;

	fsocket_local_ops_init();
	fsocket_steering_check();
	err = fsocket_net_init();
	if (err)
		return err;
	err = fsocket_stats_register();
	if (err)
		goto net;
	/* Last: once the device is there, ioctls may come. */
	err = fsocket_device_register();
	if (err) {
		pr_err("cannot register /dev/%s: %d\n", FSOCKET_DEVICE_NAME, err);
		goto stats;
	}
	fsocket_log(INFO, "version %s loaded (ABI %d)\n",
		    FASTSOCKET_VERSION, FSOCKET_ABI_VERSION);
	return 0;
stats:
	fsocket_stats_unregister();
net:
	fsocket_net_cleanup();
	return err;
}

static void __exit fsocket_exit(void)
{
	fsocket_device_unregister();
	/* The sweep counts in each namespace's counters: it stops first. */
	fsocket_groups_exit();
	fsocket_stats_unregister();
	fsocket_net_cleanup();
	fsocket_log(INFO, "unloaded\n");
}

module_init(fsocket_init);
module_exit(fsocket_exit);

MODULE_LICENSE("GPL");
MODULE_AUTHOR("fastsocket developers");
MODULE_DESCRIPTION("Per-core TCP listen and accept for unmodified servers");
MODULE_VERSION(FASTSOCKET_VERSION);
