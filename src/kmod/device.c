// SPDX-License-Identifier: GPL-2.0
/*
 * The misc device /dev/fastsocket, through which libfsocket.so talks to
 * the module. Every command acts on descriptors of the calling process;
 * an open device keeps only its counts (client.c).
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/miscdevice.h>
#include <linux/module.h>

#include <linux/fastsocket.h>

#include "fastsocket.h"

static const struct file_operations fsocket_fops = {
	.owner		= THIS_MODULE,
	.open		= fsocket_client_open,
	.release	= fsocket_client_release,
	.show_fdinfo	= fsocket_client_show_fdinfo,
	.unlocked_ioctl	= fsocket_ioctl,
	.compat_ioctl	= compat_ptr_ioctl,
	.llseek		= noop_llseek,
};

/*
 * World-usable: a command names only the caller's own descriptors, so the
 * device gives nobody reach over anyone else's sockets. The udev rule and
 * the README's "Permissions" say the same.
 */
static struct miscdevice fsocket_miscdev = {
	.minor	= MISC_DYNAMIC_MINOR,
	.name	= FSOCKET_DEVICE_NAME,
	.fops	= &fsocket_fops,
	.mode	= 0666,
};

int fsocket_device_register(void)
{
	return misc_register(&fsocket_miscdev);
}

void fsocket_device_unregister(void)
{
	misc_deregister(&fsocket_miscdev);
}
