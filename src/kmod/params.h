/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The module parameters of the original Fastsocket: same names, meanings
 * and defaults. Each carries its valid range, checked when it is set.
 */
#ifndef _FASTSOCKET_PARAMS_H
#define _FASTSOCKET_PARAMS_H

#include <linux/compiler.h>

struct fsocket_param {
	int value;
	int min;
	int max;
};

extern struct fsocket_param enable_fastsocket_debug;
extern struct fsocket_param enable_listen_spawn;
extern struct fsocket_param enable_receive_flow_deliver;
extern struct fsocket_param enable_fast_epoll;
extern struct fsocket_param enable_direct_tcp;
extern struct fsocket_param enable_skb_pool;
extern struct fsocket_param enable_receive_cpu_selection;
extern struct fsocket_param enable_socket_pool_size;
extern struct fsocket_param steal_after_ms;
extern struct fsocket_param max_listeners_per_user;
extern struct fsocket_param max_listeners_per_netns;

/* The default bound of connection stealing, chosen by measurement. */
#define FSOCKET_STEAL_AFTER_MS 100

#define fsocket_param(name) READ_ONCE((name).value)

#endif /* _FASTSOCKET_PARAMS_H */
