/* SPDX-License-Identifier: GPL-2.0-only */
/* tune_scope.c, for tune.c: which interfaces and which CPUs tune works on. */
#ifndef FASTSOCKETCTL_TUNE_H
#define FASTSOCKETCTL_TUNE_H

#include <stdbool.h>

#include "ctl.h"

#define CTL_ALLOW_LIST "/etc/fastsocket/interfaces"
#define CTL_MAX_CPUS 4096
#define CTL_MAX_PATTERNS 64

struct ctl_scope {
	char pat[CTL_MAX_PATTERNS][64];	/* interface names or patterns */
	int npat;			/* 0: the physical interfaces */
	const char *source;		/* where the patterns came from */
	int cpu[CTL_MAX_CPUS];		/* online, not isolated, in order */
	int ncpu;
	int nisolated;			/* online CPUs left out */
};

/* @names from --interface, else the allow-list; 0, or says why and -1 */
int ctl_scope_init(struct ctl_scope *s, char **names, int nnames);
bool ctl_scope_interface(const struct ctl_scope *s, const char *ifname);
/* the CPUs for @ifname's interrupts into @cpus: its NUMA node's, or all */
int ctl_scope_irq_cpus(const struct ctl_scope *s, const char *ifname, int *cpus);
bool ctl_irqbalance_running(void);

#endif
