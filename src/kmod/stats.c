// SPDX-License-Identifier: GPL-2.0
/*
 * Per-CPU event counters, shown in /proc/net/fastsocket: one line per
 * possible CPU (the CPU the event ran on) and a total, then the number of
 * listeners the module is watching. Counting is a per-CPU increment, so
 * the accept path shares no cache line between CPUs.
 *
 * Every network namespace has the file. In the initial one it counts the
 * events and listeners of every namespace (the host's view, as before
 * namespaces had their own); in another, that namespace's own, so a
 * container sees its servers and nobody else's. The same counts are kept
 * per open /dev/fastsocket (client.c), which is per process.
 */
#include <linux/percpu.h>
#include <linux/proc_fs.h>
#include <linux/seq_file.h>
#include <net/net_namespace.h>
#include <net/netns/generic.h>

#include "fastsocket.h"

struct fsocket_stats {
	u64 count[FSOCKET_STAT_MAX];
};

/* Every namespace's events together: the initial namespace's file. */
static DEFINE_PER_CPU(struct fsocket_stats, fsocket_stats);

struct fsocket_stats_net {
	/* This namespace's events; NULL in the initial one, or without memory. */
	struct fsocket_stats __percpu *count;
	struct proc_dir_entry *proc;
};

static unsigned int fsocket_stats_net_id __read_mostly;

static const char *const fsocket_stat_names[FSOCKET_STAT_MAX] = {
	[FSOCKET_STAT_SPAWN] = "spawns",
	[FSOCKET_STAT_LOCAL_ACCEPT] = "local_accepts",
	[FSOCKET_STAT_GLOBAL_ACCEPT] = "global_accepts",
	[FSOCKET_STAT_WAKEUP] = "stranded_wakeups",
	[FSOCKET_STAT_ERROR] = "errors",
	[FSOCKET_STAT_STEAL] = "stolen",
	[FSOCKET_STAT_LENT] = "lent_accepts",
	[FSOCKET_STAT_PAUSE] = "pauses",
};

const char *fsocket_stat_name(enum fsocket_stat stat)
{
	return fsocket_stat_names[stat];
}

struct fsocket_stats __percpu *fsocket_stats_alloc(void)
{
	return alloc_percpu_gfp(struct fsocket_stats, GFP_KERNEL_ACCOUNT);
}

void fsocket_stats_free(struct fsocket_stats __percpu *stats)
{
	free_percpu(stats);
}

void fsocket_stats_inc(struct fsocket_stats __percpu *stats,
		       enum fsocket_stat stat, unsigned int n)
{
	this_cpu_add(stats->count[stat], n);
}

void fsocket_stats_sum(struct fsocket_stats __percpu *stats, u64 *total)
{
	int cpu, i;

	memset(total, 0, sizeof(u64) * FSOCKET_STAT_MAX);
	for_each_possible_cpu(cpu)
		for (i = 0; i < FSOCKET_STAT_MAX; i++)
			total[i] += per_cpu_ptr(stats, cpu)->count[i];
}

/* @net's own counters, or NULL (the initial namespace: the totals only). */
static struct fsocket_stats __percpu *fsocket_net_stats(const struct net *net)
{
	struct fsocket_stats_net *sn;

	if (net_eq(net, &init_net))
		return NULL;
	sn = net_generic(net, fsocket_stats_net_id);
	return sn->count;
}

void fsocket_stat_add(const struct net *net, enum fsocket_stat stat,
		      unsigned int n)
{
	struct fsocket_stats __percpu *own = fsocket_net_stats(net);

	this_cpu_add(fsocket_stats.count[stat], n);
	if (own)
		fsocket_stats_inc(own, stat, n);
}

void fsocket_stat_inc(const struct net *net, enum fsocket_stat stat)
{
	fsocket_stat_add(net, stat, 1);
}

/* Adds @n to @stat on @cpu's line of @stats, or this CPU's. */
static void fsocket_stats_add_cpu(struct fsocket_stats __percpu *stats,
				  enum fsocket_stat stat, int cpu,
				  unsigned int n)
{
	u64 *count;

	if (cpu < 0 || cpu >= nr_cpu_ids || !cpu_possible(cpu)) {
		fsocket_stats_inc(stats, stat, n);
		return;
	}
	count = &per_cpu_ptr(stats, cpu)->count[stat];
	WRITE_ONCE(*count, READ_ONCE(*count) + n);
}

/*
 * Counts on @cpu's line (another CPU's, or this one's when @cpu is not
 * one): for events that belong to a CPU other than the one they ran on.
 * Only the sweep counts this way, one at a time, so the remote add races
 * with nobody.
 */
void fsocket_stat_add_cpu(const struct net *net, enum fsocket_stat stat,
			  int cpu, unsigned int n)
{
	struct fsocket_stats __percpu *own = fsocket_net_stats(net);

	fsocket_stats_add_cpu(&fsocket_stats, stat, cpu, n);
	if (own)
		fsocket_stats_add_cpu(own, stat, cpu, n);
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
	struct net *net = seq_file_single_net(m);
	struct fsocket_stats __percpu *stats = &fsocket_stats;
	u64 total[FSOCKET_STAT_MAX] = { 0 };
	unsigned int listeners, foreign;
	char name[16];
	int cpu, i;

	if (!net_eq(net, &init_net)) {
		stats = fsocket_net_stats(net);
		if (!stats)
			return -ENOMEM;
	}
	seq_printf(m, "%-8s", "cpu");
	for (i = 0; i < FSOCKET_STAT_MAX; i++)
		seq_printf(m, " %s", fsocket_stat_names[i]);
	seq_putc(m, '\n');
	for_each_possible_cpu(cpu) {
		const u64 *count = per_cpu_ptr(stats, cpu)->count;

		for (i = 0; i < FSOCKET_STAT_MAX; i++)
			total[i] += count[i];
		snprintf(name, sizeof(name), "cpu%d", cpu);
		fsocket_stats_line(m, name, count);
	}
	fsocket_stats_line(m, "total", total);
	if (net_eq(net, &init_net)) {
		listeners = fsocket_group_count();
		foreign = fsocket_group_foreign_count();
	} else {
		fsocket_group_count_net(net, &listeners, &foreign);
	}
	seq_printf(m, "listeners %u\n", listeners);
	seq_printf(m, "foreign_members %u\n", foreign);
	seq_printf(m, "steering %d\n", fsocket_steering());
	return 0;
}

/*
 * Neither the counters nor the file may fail a namespace's creation: one
 * without memory for them goes without (its file reports ENOMEM, or is
 * missing). Only the initial namespace's file is required, at load.
 */
static int __net_init fsocket_stats_net_init(struct net *net)
{
	struct fsocket_stats_net *sn = net_generic(net, fsocket_stats_net_id);

	if (!net_eq(net, &init_net))
		sn->count = fsocket_stats_alloc();
	sn->proc = proc_create_net_single("fastsocket", 0444, net->proc_net,
					  fsocket_stats_show, NULL);
	return sn->proc || !net_eq(net, &init_net) ? 0 : -ENOMEM;
}

static void __net_exit fsocket_stats_net_exit(struct net *net)
{
	struct fsocket_stats_net *sn = net_generic(net, fsocket_stats_net_id);

	proc_remove(sn->proc);
	fsocket_stats_free(sn->count);
}

static struct pernet_operations fsocket_stats_net_ops = {
	.init = fsocket_stats_net_init,
	.exit = fsocket_stats_net_exit,
	.id = &fsocket_stats_net_id,
	.size = sizeof(struct fsocket_stats_net),
};

int fsocket_stats_register(void)
{
	return register_pernet_subsys(&fsocket_stats_net_ops);
}

void fsocket_stats_unregister(void)
{
	unregister_pernet_subsys(&fsocket_stats_net_ops);
}
