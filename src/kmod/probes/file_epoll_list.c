// SPDX-License-Identifier: GPL-2.0
/* A file lists the epoll instances that watch it in f_ep (5.11 on). */
#include <linux/fs.h>

static __maybe_unused bool fsocket_probe_file_epoll_list(struct file *file)
{
	return READ_ONCE(file->f_ep);
}
