// SPDX-License-Identifier: GPL-2.0
/* A struct fd's file is read with fd_file() (6.12 on), not f.file. */
#include <linux/file.h>

static __maybe_unused struct file *fsocket_probe_fd_file(struct fd f)
{
	return fd_file(f);
}
