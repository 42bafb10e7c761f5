// SPDX-License-Identifier: GPL-2.0
/*
 * Per-CPU event counters, shown in /proc/net/fastsocket: one line per
 * possible CPU (the CPU the event ran on) and a total, then the number of
 * listeners the module is watching. Counting is a per-CPU increment, so
 * the accept path shares no cache line between CPUs.
 */
#include <linux/percpu.h>
#include <linux/proc_fs.h>
#include <linux/seq_file.h>
#include <net/net_namespace.h>

#include "fastsocket.h"

struct fsocket_stats {
	u64 count[FSOCKET_STAT_MAX];
};

static DEFINE_PER_CPU(struct fsocket_stats, fsocket_stats);

static const char *const fsocket_stat_names[FSOCKET_STAT_MAX] = {
	[FSOCKET_STAT_SPAWN] = "spawns",
	[FSOCKET_STAT_LOCAL_ACCEPT] = "local_accepts",
	[FSOCKET_STAT_GLOBAL_ACCEPT] = "global_accepts",
	[FSOCKET_STAT_WAKEUP] = "stranded_wakeups",
	[FSOCKET_STAT_ERROR] = "errors",
	[FSOCKET_STAT_STEAL] = "stolen",
};

void fsocket_stat_add(enum fsocket_stat stat, unsigned int n)
{
	this_cpu_add(fsocket_stats.count[stat], n);
}

/*
 * Counts on @cpu's line (another CPU's, or this one's when @cpu is not
 * one): for events that belong to a CPU other than the one they ran on.
 * Only the sweep counts this way, one at a time, so the remote add races
 * with nobody.
 */
void fsocket_stat_add_cpu(enum fsocket_stat stat, int cpu, unsigned int n)
{
	u64 *count;

	if (cpu < 0 || cpu >= nr_cpu_ids || !cpu_possible(cpu)) {
		fsocket_stat_add(stat, n);
		return;
	}
	count = &per_cpu_ptr(&fsocket_stats, cpu)->count[stat];
	WRITE_ONCE(*count, READ_ONCE(*count) + n);
}

void fsocket_stat_inc(enum fsocket_stat stat)
{
	fsocket_stat_add(stat, 1);
}

static void fsocket_stats_line(struct seq_file *m, const char *name,
			       const u64 *count)
{
	int i;

	seq_printf(m, "%-8s", name);
	for (i = 0; i < FSOCKET_STAT_MAX; i++)
		seq_printf(m, " %*llu", (int)strlen(fsocket_stat_names[i]),
			   count[i]);
	seq_putc(m, '\n');
}

static int fsocket_stats_show(struct seq_file *m, void *v)
{
	u64 total[FSOCKET_STAT_MAX] = { 0 };
	char name[16];
	int cpu, i;

	seq_printf(m, "%-8s", "cpu");
	for (i = 0; i < FSOCKET_STAT_MAX; i++)
		seq_printf(m, " %s", fsocket_stat_names[i]);
	seq_putc(m, '\n');
	for_each_possible_cpu(cpu) {
		const u64 *count = per_cpu(fsocket_stats, cpu).count;

		for (i = 0; i < FSOCKET_STAT_MAX; i++)
			total[i] += count[i];
		snprintf(name, sizeof(name), "cpu%d", cpu);
		fsocket_stats_line(m, name, count);
	}
	fsocket_stats_line(m, "total", total);
	seq_printf(m, "listeners %u\n", fsocket_group_count());
	seq_printf(m, "foreign_members %u\n", fsocket_group_foreign_count());
	seq_printf(m, "steering %d\n", fsocket_steering());
	return 0;
}

int fsocket_stats_register(void)
{
	if (!proc_create_single("fastsocket", 0444, init_net.proc_net,
				fsocket_stats_show))
		return -ENOMEM;
	return 0;
}

void fsocket_stats_unregister(void)
{
	remove_proc_entry("fastsocket", init_net.proc_net);
}
