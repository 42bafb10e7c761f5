// SPDX-License-Identifier: GPL-2.0
/* system_percpu_wq, which 7.x names system_wq's successor (deprecated there). */
#include <linux/workqueue.h>

static __maybe_unused struct workqueue_struct *fsocket_probe_system_percpu_wq(void)
{
	return system_percpu_wq;
}
