/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The modulus of receive flow deliver: the possible CPUs, as the highest
 * number of /sys/devices/system/cpu/possible's list ("0-3,8") plus one.
 * libfsocket picks ports by it, fastsocketctl's XDP program steers by it
 * and bench/outbound checks by it: one parser, so they cannot disagree.
 * Each reads the file its own way (libfsocket without stdio).
 */
#ifndef FASTSOCKET_CPU_LIST_H
#define FASTSOCKET_CPU_LIST_H

#include <stdlib.h>
#include <string.h>

static inline unsigned int cpu_list_span(const char *list)
{
	const char *dash = strrchr(list, '-');
	const char *comma = strrchr(list, ',');

	if (dash && (!comma || dash > comma))
		return (unsigned int)atoi(dash + 1) + 1;
	return (unsigned int)atoi(comma ? comma + 1 : list) + 1;
}

#endif
