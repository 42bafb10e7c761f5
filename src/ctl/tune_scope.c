// SPDX-License-Identifier: GPL-2.0-only
/*
 * What tune works on. Interfaces: those named with --interface, else
 * those the allow-list CTL_ALLOW_LIST names (names or shell patterns, one
 * a line, '#' comments), else the physical ones: a bridge, veth, bond or
 * tunnel has no device of its own and is left as it is. CPUs: the online
 * ones but those isolated from the scheduler (isolcpus=), which must not
 * get softirq work; a NIC's interrupts go to the CPUs of its NUMA node
 * where it has one.
 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../common/cpu_list.h"
#include "tune.h"

static int pattern_add(struct ctl_scope *s, const char *pat, size_t len)
{
	if (s->npat == CTL_MAX_PATTERNS || len >= sizeof(s->pat[0])) {
		fprintf(stderr, "fastsocketctl tune: %s: more than %d entries, or one longer than %zu characters\n",
			s->source, CTL_MAX_PATTERNS, sizeof(s->pat[0]) - 1);
		return -1;
	}
	memcpy(s->pat[s->npat], pat, len);
	s->pat[s->npat++][len] = '\0';
	return 0;
}

/* The allow-list file; a missing one is no list. */
static int read_allow_list(struct ctl_scope *s)
{
	FILE *f = fopen(ctl_path(CTL_ALLOW_LIST), "re");
	char line[256], *p, *end;

	if (!f) {
		if (errno == ENOENT)
			return 0;
		fprintf(stderr, "fastsocketctl tune: cannot read %s: %s\n",
			CTL_ALLOW_LIST, strerror(errno));
		return -1;
	}
	s->source = CTL_ALLOW_LIST;
	while (fgets(line, sizeof(line), f)) {
		line[strcspn(line, "#\n")] = '\0';
		for (p = line; isspace((unsigned char)*p); p++)
			;
		for (end = p + strlen(p); end > p && isspace((unsigned char)end[-1]); end--)
			;
		if (end > p && pattern_add(s, p, (size_t)(end - p))) {
			fclose(f);
			return -1;
		}
	}
	fclose(f);
	return 0;
}

static int add_cpu(unsigned int cpu, void *arg)
{
	struct ctl_scope *s = arg;

	if (cpu >= CTL_MAX_CPUS) {
		s->ncpu = 0;	/* a CPU we cannot name in a mask: refuse */
		return 1;
	}
	s->cpu[s->ncpu++] = (int)cpu;
	return 0;
}

static int mark_cpu(unsigned int cpu, void *arg)
{
	if (cpu < CTL_MAX_CPUS)
		((unsigned char *)arg)[cpu] = 1;
	return 0;
}

/* The CPUs of the list in @path into @mark; 0 where there is none. */
static int read_cpu_marks(const char *path, unsigned char *mark)
{
	char buf[4096];

	memset(mark, 0, CTL_MAX_CPUS);
	if (ctl_read(path, buf, sizeof(buf)) || !buf[0])
		return 0;
	return cpu_list_each(buf, mark_cpu, mark) ? -1 : 1;
}

/* The online CPUs but the isolated ones (all online ones if none is left). */
static int usable_cpus(struct ctl_scope *s)
{
	unsigned char isolated[CTL_MAX_CPUS];
	char buf[4096];
	int i, n = 0;

	if (ctl_read("/sys/devices/system/cpu/online", buf, sizeof(buf)) ||
	    cpu_list_each(buf, add_cpu, s) || !s->ncpu) {
		fprintf(stderr, "fastsocketctl tune: cannot read the online CPUs\n");
		return -1;
	}
	if (read_cpu_marks("/sys/devices/system/cpu/isolated", isolated) <= 0)
		return 0;
	for (i = 0; i < s->ncpu; i++)
		if (!isolated[s->cpu[i]])
			s->cpu[n++] = s->cpu[i];
	s->nisolated = s->ncpu - n;
	if (n)
		s->ncpu = n;
	else
		s->nisolated = 0;	/* every CPU isolated: they are all there is */
	return 0;
}

int ctl_scope_init(struct ctl_scope *s, char **names, int nnames)
{
	int i;

	s->source = "--interface";
	for (i = 0; i < nnames; i++)
		if (pattern_add(s, names[i], strlen(names[i])))
			return -1;
	if (!nnames && read_allow_list(s))
		return -1;
	if (!s->npat)
		s->source = "physical interfaces only";
	return usable_cpus(s);
}

bool ctl_scope_interface(const struct ctl_scope *s, const char *ifname)
{
	char dev[128];
	int i;

	if (!strcmp(ifname, "lo"))
		return false;
	if (!s->npat) {
		snprintf(dev, sizeof(dev), "/sys/class/net/%.64s/device", ifname);
		return ctl_exists(dev);
	}
	for (i = 0; i < s->npat; i++)
		if (!fnmatch(s->pat[i], ifname, 0))
			return true;
	return false;
}

int ctl_scope_irq_cpus(const struct ctl_scope *s, const char *ifname, int *cpus)
{
	unsigned char node[CTL_MAX_CPUS];
	char path[128], v[16];
	int i, n = 0;

	snprintf(path, sizeof(path), "/sys/class/net/%.64s/device/numa_node", ifname);
	if (!ctl_read(path, v, sizeof(v)) && atoi(v) >= 0) {
		snprintf(path, sizeof(path), "/sys/devices/system/node/node%d/cpulist", atoi(v));
		if (read_cpu_marks(path, node) > 0)
			for (i = 0; i < s->ncpu; i++)
				if (node[s->cpu[i]])
					cpus[n++] = s->cpu[i];
	}
	if (n)
		return n;
	memcpy(cpus, s->cpu, (size_t)s->ncpu * sizeof(*cpus));
	return s->ncpu;
}

bool ctl_irqbalance_running(void)
{
	DIR *d = opendir(ctl_path("/proc"));
	char path[64], comm[32];
	struct dirent *e;
	bool found = false;

	while (d && !found && (e = readdir(d))) {
		if (!isdigit((unsigned char)e->d_name[0]))
			continue;
		snprintf(path, sizeof(path), "/proc/%.20s/comm", e->d_name);
		found = !ctl_read(path, comm, sizeof(comm)) &&
			!strcmp(comm, "irqbalance");
	}
	if (d)
		closedir(d);
	return found;
}
