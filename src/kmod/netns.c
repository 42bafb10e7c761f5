// SPDX-License-Identifier: GPL-2.0
/*
 * The per-namespace sysctls the module turns on in each network namespace
 * where it watches a listener. Whatever it turned on it turns back off at
 * unload; what was already on it leaves alone.
 *
 *  - net.ipv4.tcp_migrate_req, always: a closing listener's queue moves to
 *    another member of its group instead of being reset.
 *  - net.ipv4.ip_early_demux and tcp_early_demux, with enable_direct_tcp:
 *    a segment of an established connection finds its socket, and that
 *    socket's cached route, before the route lookup. The original's direct
 *    TCP patched the kernel to skip that lookup; early demux is the same
 *    idea upstream (on by default, so the switch matters where an admin
 *    turned it off).
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/mutex.h>
#include <net/net_namespace.h>
#include <net/netns/generic.h>

#include "fastsocket.h"
#include "log.h"
#include "params.h"

struct fsocket_net {
	/* What this module turned on here, to turn off at unload. */
	bool migrate_set;
	bool ip_demux_set;
	bool tcp_demux_set;
};

static unsigned int fsocket_net_id __read_mostly;
static DEFINE_MUTEX(fsocket_net_lock);

/* Turn a u8 sysctl on; true when this call did it. */
static bool fsocket_sysctl_on(u8 *sysctl, const char *name)
{
	if (READ_ONCE(*sysctl))
		return false;
	WRITE_ONCE(*sysctl, 1);
	fsocket_log(INFO, "turned net.ipv4.%s on in a namespace\n", name);
	return true;
}

static void fsocket_sysctl_restore(u8 *sysctl, bool set)
{
	if (set)
		WRITE_ONCE(*sysctl, 0);
}

/* @net holds a listener the module watches. */
void fsocket_net_adopt(struct net *net)
{
	struct fsocket_net *fn = net_generic(net, fsocket_net_id);
	struct netns_ipv4 *v4 = &net->ipv4;

	mutex_lock(&fsocket_net_lock);
	fn->migrate_set |= fsocket_sysctl_on(&v4->sysctl_tcp_migrate_req,
					     "tcp_migrate_req");
	if (fsocket_param(enable_direct_tcp)) {
		fn->ip_demux_set |= fsocket_sysctl_on(&v4->sysctl_ip_early_demux,
						      "ip_early_demux");
		fn->tcp_demux_set |= fsocket_sysctl_on(&v4->sysctl_tcp_early_demux,
						       "tcp_early_demux");
	}
	mutex_unlock(&fsocket_net_lock);
}

static void __net_exit fsocket_net_exit(struct net *net)
{
	struct fsocket_net *fn = net_generic(net, fsocket_net_id);
	struct netns_ipv4 *v4 = &net->ipv4;

	fsocket_sysctl_restore(&v4->sysctl_tcp_migrate_req, fn->migrate_set);
	fsocket_sysctl_restore(&v4->sysctl_ip_early_demux, fn->ip_demux_set);
	fsocket_sysctl_restore(&v4->sysctl_tcp_early_demux, fn->tcp_demux_set);
}

static struct pernet_operations fsocket_net_ops = {
	.exit = fsocket_net_exit,
	.id = &fsocket_net_id,
	.size = sizeof(struct fsocket_net),
};

int fsocket_net_init(void)
{
	return register_pernet_subsys(&fsocket_net_ops);
}

void fsocket_net_cleanup(void)
{
	unregister_pernet_subsys(&fsocket_net_ops);
}
