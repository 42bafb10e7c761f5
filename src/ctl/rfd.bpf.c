// SPDX-License-Identifier: GPL-2.0-only
/*
 * rfd.bpf.c: receive flow deliver's XDP program (loaded by rfd.c).
 *
 * A TCP packet whose destination port lies in [port_lo, port_hi] goes to
 * CPU (port % ncpu) through the cpumap rfd_cpus; libfsocket chose that
 * port so that it names the CPU that connected. Anything the program does
 * not understand (not TCP, a fragment, IPv6 with extension headers, a
 * short packet) passes as if the program were not there.
 *
 * rfd.c attaches it in generic (skb) mode, where a redirected skb is
 * marked, so the program passes it untouched when it comes round again.
 */
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/tcp.h>
#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>

/* Set by rfd.c before load; the verifier sees them as constants. */
const volatile __u32 port_lo;
const volatile __u32 port_hi;
const volatile __u32 ncpu = 1;	/* possible CPUs: libfsocket's modulus */

struct {
	__uint(type, BPF_MAP_TYPE_CPUMAP);
	__type(key, __u32);
	__type(value, __u32);		/* the CPU's ring size */
	__uint(max_entries, 1);		/* rfd.c sets ncpu */
} rfd_cpus SEC(".maps");

/* The TCP header in the IPv4 or IPv6 packet after @eth, or NULL. */
static __always_inline struct tcphdr *tcp_of(struct ethhdr *eth, void *end)
{
	struct ipv6hdr *ip6;
	struct iphdr *ip;

	if (eth->h_proto == bpf_htons(ETH_P_IPV6)) {
		ip6 = (void *)(eth + 1);
		if ((void *)(ip6 + 1) > end || ip6->nexthdr != IPPROTO_TCP)
			return NULL;
		return (void *)(ip6 + 1);
	}
	if (eth->h_proto != bpf_htons(ETH_P_IP))
		return NULL;
	ip = (void *)(eth + 1);
	if ((void *)(ip + 1) > end || ip->protocol != IPPROTO_TCP ||
	    (ip->frag_off & bpf_htons(0x1fff)) || ip->ihl < 5)
		return NULL;
	return (void *)ip + ip->ihl * 4;
}

SEC("xdp")
int fastsocket_rfd(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *end = (void *)(long)ctx->data_end;
	struct ethhdr *eth = data;
	struct tcphdr *tcp;
	__u32 port, cpu;

	if ((void *)(eth + 1) > end)
		return XDP_PASS;
	tcp = tcp_of(eth, end);
	/* Only the ports are needed: the first 4 bytes. */
	if (!tcp || (void *)tcp + 4 > end)
		return XDP_PASS;
	port = bpf_ntohs(tcp->dest);
	if (port < port_lo || port > port_hi)
		return XDP_PASS;
	cpu = port % ncpu;
	if (cpu == bpf_get_smp_processor_id())
		return XDP_PASS;	/* already there */
	return bpf_redirect_map(&rfd_cpus, cpu, XDP_PASS);
}

char LICENSE[] SEC("license") = "GPL";
