// SPDX-License-Identifier: GPL-2.0
/* poll_does_not_wait() tells a poll that queues (gone by 7.3). */
#include <linux/poll.h>

static __maybe_unused bool fsocket_probe_poll_does_not_wait(poll_table *p)
{
	return poll_does_not_wait(p);
}
