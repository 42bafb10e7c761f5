// SPDX-License-Identifier: GPL-2.0
/*
 * The ioctl dispatcher: one table row per command, the argument copied in
 * once, checked, handed to the command, and copied back when the command
 * has something to return.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/kernel.h>
#include <linux/string.h>
#include <linux/uaccess.h>

#include <linux/fastsocket.h>

#include "fastsocket.h"
#include "log.h"

struct fsocket_command {
	unsigned int cmd;
	const char *name;
	long (*handler)(struct fsocket_client *client,
			struct fsocket_ioctl_arg *arg);
	/* Or, for a command that makes descriptors: they wait in @p. */
	long (*maker)(struct fsocket_ioctl_arg *arg, struct fsocket_pending *p);
	bool copy_out;
	unsigned int flags;	/* what fsocket_ioctl_arg.flags may hold */
};

static long fsocket_version(struct fsocket_client *client,
			    struct fsocket_ioctl_arg *arg);

/* Commands whose work is still to come with the per-core listen table. */
static long fsocket_not_implemented(struct fsocket_client *client,
				    struct fsocket_ioctl_arg *arg)
{
	return -EOPNOTSUPP;
}

static const struct fsocket_command fsocket_commands[] = {
	{ FSOCKET_IOC_SOCKET, "SOCKET", fsocket_socket, NULL, false },
	{ FSOCKET_IOC_LISTEN, "LISTEN", fsocket_listen, NULL, false },
	{ FSOCKET_IOC_ACCEPT, "ACCEPT", fsocket_accept, NULL, false,
	  FSOCKET_ACCEPT_SPAWN_WAKES },
	{ FSOCKET_IOC_CLOSE, "CLOSE", fsocket_close, NULL, false },
	{ FSOCKET_IOC_SPAWN_LISTEN, "SPAWN_LISTEN", NULL,
	  fsocket_spawn_listen, true },
	{ FSOCKET_IOC_SHUTDOWN_LISTEN, "SHUTDOWN_LISTEN",
	  fsocket_shutdown_listen, NULL, false },
	{ FSOCKET_IOC_SPAWN_ALL_LISTEN, "SPAWN_ALL_LISTEN", NULL,
	  fsocket_spawn_all_listen, true },
	{ FSOCKET_IOC_VERSION, "VERSION", fsocket_version, NULL, true },
	{ FSOCKET_IOC_PAUSE_LOCAL, "PAUSE_LOCAL", fsocket_pause_local, NULL,
	  false },
};

static long fsocket_version(struct fsocket_client *client,
			    struct fsocket_ioctl_arg *arg)
{
	struct fsocket_version_op *v = &arg->op.version_op;
	unsigned int i;

	memset(v, 0, sizeof(*v));
	v->abi_version = FSOCKET_ABI_VERSION;
	for (i = 0; i < ARRAY_SIZE(fsocket_commands); i++) {
		const struct fsocket_command *c = &fsocket_commands[i];

		if (c->maker || c->handler != fsocket_not_implemented)
			v->commands |= FSOCKET_CMD_BIT(_IOC_NR(c->cmd));
	}
	v->commands |= FSOCKET_FEATURE_LOCAL_ACCEPT |
		       FSOCKET_FEATURE_SPAWN_WAKES;
	strscpy(v->release, FASTSOCKET_VERSION, sizeof(v->release));
	return 0;
}

static const struct fsocket_command *fsocket_command_find(unsigned int cmd)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(fsocket_commands); i++)
		if (fsocket_commands[i].cmd == cmd)
			return &fsocket_commands[i];
	return NULL;
}

/*
 * A command that makes descriptors: they are installed (and the caller
 * pinned) only once the answer is written back, so that a fault there
 * leaves nothing behind.
 */
static long fsocket_make(struct file *filp, const struct fsocket_command *c,
			 struct fsocket_ioctl_arg *arg, void __user *argp)
{
	struct fsocket_pending pending = FSOCKET_PENDING_INIT;
	long ret;

	pending.client = filp->private_data;
	ret = c->maker(arg, &pending);

	if (ret >= 0 && copy_to_user(argp, arg, sizeof(*arg)))
		ret = -EFAULT;
	if (ret >= 0) {
		int err = fsocket_pending_commit(&pending);

		return err ? err : ret;
	}
	fsocket_pending_abort(&pending);
	return ret;
}

long fsocket_ioctl(struct file *filp, unsigned int cmd, unsigned long uarg)
{
	void __user *argp = (void __user *)uarg;
	const struct fsocket_command *c;
	struct fsocket_ioctl_arg arg;
	long ret;

	c = fsocket_command_find(cmd);
	if (!c) {
		fsocket_log(DEBUG, "unknown ioctl 0x%x from %s[%d]\n",
			    cmd, current->comm, task_pid_nr(current));
		return -ENOTTY;
	}
	if (copy_from_user(&arg, argp, sizeof(arg)))
		return -EFAULT;
	if ((arg.flags & ~c->flags) || arg.reserved)
		return -EINVAL;
	/*
	 * A command that answers may create state (a descriptor): find out
	 * now, not afterwards, that the answer cannot be written back.
	 */
	if (c->copy_out && copy_to_user(argp, &arg, sizeof(arg)))
		return -EFAULT;

	if (c->maker) {
		ret = fsocket_make(filp, c, &arg, argp);
		fsocket_log(DEBUG, "%s fd %d from %s[%d]: %ld\n", c->name,
			    arg.fd, current->comm, task_pid_nr(current), ret);
		return ret;
	}
	ret = c->handler(filp->private_data, &arg);
	fsocket_log(DEBUG, "%s fd %d from %s[%d]: %ld\n", c->name, arg.fd,
		    current->comm, task_pid_nr(current), ret);
	if (ret < 0 || !c->copy_out)
		return ret;
	if (copy_to_user(argp, &arg, sizeof(arg)))
		return -EFAULT;
	return ret;
}
