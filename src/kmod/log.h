/* SPDX-License-Identifier: GPL-2.0 */
/*
 * One rate-limited logging macro for the whole module.
 *
 * As in the original Fastsocket, a message of level L is printed when
 * L < enable_fastsocket_debug: 0 silences the module, the default 3 shows
 * errors, warnings and notices, 4 adds debugging.
 */
#ifndef _FASTSOCKET_LOG_H
#define _FASTSOCKET_LOG_H

#include <linux/printk.h>

#include "params.h"

#define FSOCKET_LOG_ERR		0
#define FSOCKET_LOG_WARN	1
#define FSOCKET_LOG_INFO	2
#define FSOCKET_LOG_DEBUG	3

#define FSOCKET_KERN_ERR	KERN_ERR
#define FSOCKET_KERN_WARN	KERN_WARNING
#define FSOCKET_KERN_INFO	KERN_INFO
#define FSOCKET_KERN_DEBUG	KERN_DEBUG

#define fsocket_log(lvl, fmt, ...)					\
	do {								\
		if (FSOCKET_LOG_##lvl < fsocket_param(enable_fastsocket_debug)) \
			printk_ratelimited(FSOCKET_KERN_##lvl pr_fmt(fmt), \
					   ##__VA_ARGS__);		\
	} while (0)

#endif /* _FASTSOCKET_LOG_H */
