/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * CPU lists as the kernel writes them ("0-3,8", a newline after): one
 * parser for libfsocket, fastsocketctl and the benchmark, so that they
 * cannot disagree. Without stdio: the library uses it too.
 */
#ifndef FASTSOCKET_CPU_LIST_H
#define FASTSOCKET_CPU_LIST_H

#include <stdlib.h>

/* Above any NR_CPUS the kernel is built with. */
#define CPU_LIST_MAX 65535u

/*
 * Calls @fn(cpu, @arg) for each CPU of @list in order, until it returns
 * nonzero. 0, or -1 where the list is malformed (@fn has then seen the
 * CPUs before the fault).
 */
static inline int cpu_list_each(const char *list,
				int (*fn)(unsigned int cpu, void *arg),
				void *arg)
{
	const char *s = list;
	unsigned long a, b;
	char *end;

	while (*s && *s != '\n') {
		if (*s < '0' || *s > '9')
			return -1;
		a = strtoul(s, &end, 10);
		b = a;
		if (*end == '-') {
			s = end + 1;
			if (*s < '0' || *s > '9')
				return -1;
			b = strtoul(s, &end, 10);
		}
		if (b < a || b > CPU_LIST_MAX)
			return -1;
		for (; a <= b; a++)
			if (fn((unsigned int)a, arg))
				return 0;
		if (*end == ',' && end[1] && end[1] != '\n')
			end++;
		else if (*end && *end != '\n')
			return -1;
		s = end;
	}
	return 0;
}

static inline int cpu_list_note_highest(unsigned int cpu, void *arg)
{
	*(unsigned int *)arg = cpu + 1;
	return 0;
}

/*
 * The highest CPU of @list plus one (for /sys/devices/system/cpu/possible:
 * the modulus of receive flow deliver, which the library's port choice,
 * fastsocketctl's XDP program and bench/outbound share); 0 for a list
 * that is empty or malformed.
 */
static inline unsigned int cpu_list_span(const char *list)
{
	unsigned int span = 0;

	if (cpu_list_each(list, cpu_list_note_highest, &span))
		return 0;
	return span;
}

#endif
