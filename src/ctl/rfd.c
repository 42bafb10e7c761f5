// SPDX-License-Identifier: GPL-2.0-only
/*
 * rfd: Receive Flow Deliver on a stock kernel. libfsocket gives an
 * outgoing connection a local port P with P % NCPU == the connecting CPU
 * (when enable_receive_flow_deliver=1); here an XDP program (rfd.bpf.c)
 * on the device the replies arrive on sends each TCP packet whose
 * destination port lies in net.ipv4.ip_local_port_range to CPU
 * (port % NCPU) through a cpumap.
 *
 * The program runs in generic (skb) mode: it keeps the skb, so checksum
 * state survives (native XDP on veth would lose CHECKSUM_PARTIAL), and it
 * works on any device. RPS on the same device would move the packet on
 * again after the cpumap: "on" refuses such a device.
 *
 * libbpf loads it from its skeleton (rfd.skel.h, made by bpftool) with the
 * port range and modulus as read-only globals, and attaches it through
 * rtnetlink, as `ip link set DEV xdpgeneric` does: it stays with the
 * device, in its network namespace, after fastsocketctl exits. Only the
 * program rfd_owner.c noted is ever replaced or removed. Not libxdp's
 * dispatcher: it keeps its state in a bpf file system, which `ip netns
 * exec` hides, and costs every packet a second program call; a device with
 * another program goes without RFD, and says so.
 */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <linux/if_link.h>
#include <net/if.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "../common/cpu_list.h"
#include "ctl.h"
#include "rfd.h"
#include "rfd.skel.h"

#define RFD_QSIZE 2048		/* cpumap ring entries per CPU */
#define RFD_CAPS "CAP_BPF, CAP_PERFMON and CAP_NET_ADMIN"

struct rfd_range {
	unsigned int lo, hi;	/* net.ipv4.ip_local_port_range */
	unsigned int ncpu;	/* possible CPUs: the modulus libfsocket uses */
};

static int rfd_read_range(struct rfd_range *r)
{
	char buf[64];

	if (ctl_read("/proc/sys/net/ipv4/ip_local_port_range", buf,
		     sizeof(buf)) ||
	    sscanf(buf, "%u %u", &r->lo, &r->hi) != 2) {
		perror("fastsocketctl rfd: net.ipv4.ip_local_port_range");
		return -1;
	}
	if (ctl_read("/sys/devices/system/cpu/possible", buf, sizeof(buf))) {
		perror("fastsocketctl rfd: /sys/devices/system/cpu/possible");
		return -1;
	}
	r->ncpu = cpu_list_span(buf);
	if (!r->ncpu) {
		fprintf(stderr, "fastsocketctl rfd: cannot read the CPU list of /sys/devices/system/cpu/possible: %s\n",
			buf);
		errno = EINVAL;
		return -1;
	}
	if (r->hi < r->lo || r->hi - r->lo + 1 < r->ncpu) {
		fprintf(stderr,
			"fastsocketctl rfd: net.ipv4.ip_local_port_range %u-%u has fewer ports than the %u CPUs, so some CPU would have no port; widen it\n",
			r->lo, r->hi, r->ncpu);
		errno = ERANGE;
		return -1;
	}
	return 0;
}

/* RPS after the cpumap would move the packet again: refuse the device. */
static int rfd_check_rps(const char *dev)
{
	char path[PATH_MAX], buf[1200];
	struct dirent *de;
	DIR *d;
	int busy = 0;

	snprintf(path, sizeof(path), "/sys/class/net/%s/queues", dev);
	d = opendir(ctl_path(path));
	if (!d)
		return 0;
	while (!busy && (de = readdir(d))) {
		if (strncmp(de->d_name, "rx-", 3))
			continue;
		snprintf(path, sizeof(path), "/sys/class/net/%s/queues/%s/rps_cpus",
			 dev, de->d_name);
		if (ctl_read(path, buf, sizeof(buf)) == 0 &&
		    strspn(buf, "0,") != strlen(buf)) {
			fprintf(stderr,
				"fastsocketctl rfd: RPS is on for %s (%s: %s); RFD replaces it, so clear it first (fastsocketctl untune)\n",
				dev, de->d_name, buf);
			busy = 1;
		}
	}
	closedir(d);
	return busy ? -1 : 0;
}

struct cpumap_fill {
	struct bpf_map *map;
	unsigned int ncpu;
	int err;
};

/* One online CPU's entry in the cpumap (a CPU past the modulus has none). */
static int cpumap_entry(unsigned int cpu, void *arg)
{
	struct cpumap_fill *f = arg;
	uint32_t key = cpu, qsize = RFD_QSIZE;

	if (cpu >= f->ncpu)
		return 0;
	f->err = bpf_map__update_elem(f->map, &key, sizeof(key), &qsize,
				      sizeof(qsize), BPF_ANY);
	if (f->err) {
		fprintf(stderr, "fastsocketctl rfd: cpumap entry for CPU %u: %s\n",
			cpu, strerror(-f->err));
		return 1;
	}
	return 0;
}

static int rfd_fill_cpumap(struct bpf_map *map, unsigned int ncpu)
{
	struct cpumap_fill f = { .map = map, .ncpu = ncpu };
	char online[256];

	if (ctl_read("/sys/devices/system/cpu/online", online, sizeof(online))) {
		perror("fastsocketctl rfd: /sys/devices/system/cpu/online");
		return -1;
	}
	return cpu_list_each(online, cpumap_entry, &f) || f.err ? -1 : 0;
}

/* libbpf's warnings (a refused program's verifier log among them). */
static int rfd_libbpf_print(enum libbpf_print_level level, const char *fmt,
			    va_list ap)
{
	if (level != LIBBPF_WARN)
		return 0;
	fputs("fastsocketctl rfd: ", stderr);
	return vfprintf(stderr, fmt, ap);
}

/* The program and its cpumap for range @r, loaded; NULL if it cannot be. */
static struct rfd_bpf *rfd_load(const struct rfd_range *r)
{
	struct rfd_bpf *skel = rfd_bpf__open();
	int err;

	if (!skel) {
		perror("fastsocketctl rfd: opening the program");
		return NULL;
	}
	skel->rodata->port_lo = r->lo;
	skel->rodata->port_hi = r->hi;
	skel->rodata->ncpu = r->ncpu;
	err = bpf_map__set_max_entries(skel->maps.rfd_cpus, r->ncpu);
	if (!err)
		err = rfd_bpf__load(skel);
	if (err) {
		fprintf(stderr, "fastsocketctl rfd: loading the program: %s%s\n",
			strerror(-err), err == -EPERM ?
			" (it needs " RFD_CAPS ", or CAP_SYS_ADMIN)" : "");
		goto fail;
	}
	if (rfd_fill_cpumap(skel->maps.rfd_cpus, r->ncpu))
		goto fail;
	return skel;
fail:
	rfd_bpf__destroy(skel);
	return NULL;
}

/* The id of the device's generic XDP program, 0 for none; -1 on error. */
static int64_t xdp_prog_id(unsigned int ifindex)
{
	uint32_t id = 0;
	int err = bpf_xdp_query_id((int)ifindex, XDP_FLAGS_SKB_MODE, &id);

	if (err) {
		fprintf(stderr, "fastsocketctl rfd: reading device %u's XDP program: %s\n",
			ifindex, strerror(-err));
		return -1;
	}
	return id;
}

/*
 * Takes program @id off the device. With CAP_SYS_ADMIN (a descriptor of
 * the program by its id) the kernel checks that it is still the one
 * attached; without, another program attached since the caller read @id
 * would go instead, as with `ip link set DEV xdpgeneric off`.
 */
static int xdp_detach(unsigned int ifindex, uint32_t id)
{
	LIBBPF_OPTS(bpf_xdp_attach_opts, opts);
	uint32_t flags = XDP_FLAGS_SKB_MODE;
	int fd = bpf_prog_get_fd_by_id(id), err;

	if (fd >= 0) {
		opts.old_prog_fd = fd;
		flags |= XDP_FLAGS_REPLACE;
	}
	err = bpf_xdp_detach((int)ifindex, flags, &opts);
	if (fd >= 0)
		close(fd);
	return err;
}

static unsigned int rfd_ifindex(const char *dev)
{
	unsigned int ifindex = if_nametoindex(dev);

	if (!ifindex)
		fprintf(stderr, "fastsocketctl rfd: no device %s in this network namespace\n",
			dev);
	return ifindex;
}

/* Attaches @skel's program to the device and notes it as ours. */
static int rfd_attach(struct rfd_bpf *skel, const char *dev,
		      unsigned int ifindex)
{
	int fd = bpf_program__fd(skel->progs.fastsocket_rfd), err;
	struct bpf_prog_info info;
	uint32_t len = sizeof(info);

	memset(&info, 0, sizeof(info));
	err = bpf_obj_get_info_by_fd(fd, &info, &len);
	if (err) {
		fprintf(stderr, "fastsocketctl rfd: the program's id: %s\n",
			strerror(-err));
		return -1;
	}
	if (rfd_owner_note(ifindex, info.id))
		return -1;
	err = bpf_xdp_attach((int)ifindex, fd,
			     XDP_FLAGS_SKB_MODE | XDP_FLAGS_UPDATE_IF_NOEXIST,
			     NULL);
	if (err) {
		fprintf(stderr, "fastsocketctl rfd: attaching to %s: %s\n", dev,
			strerror(-err));
		rfd_owner_forget(ifindex);
		return -1;
	}
	return 0;
}

int ctl_rfd_on(const char *dev)
{
	unsigned int ifindex = rfd_ifindex(dev);
	struct rfd_bpf *skel;
	struct rfd_range r;
	int64_t id;
	int ret;

	if (!ifindex)
		return -1;
	id = xdp_prog_id(ifindex);
	if (id < 0)
		return -1;
	if (id > 0 && rfd_owner_is(ifindex, (uint32_t)id)) {
		printf("rfd: %s: already on\n", dev);
		return 0;
	}
	if (id > 0) {
		fprintf(stderr, "fastsocketctl rfd: %s has another XDP program (id %lld); RFD left off\n",
			dev, (long long)id);
		return -1;
	}
	if (rfd_read_range(&r) || rfd_check_rps(dev))
		return -1;
	libbpf_set_print(rfd_libbpf_print);
	skel = rfd_load(&r);
	if (!skel)
		return -1;
	ret = rfd_attach(skel, dev, ifindex);
	if (!ret)
		printf("rfd: %s: on (ports %u-%u, port %% %u = CPU)\n", dev,
		       r.lo, r.hi, r.ncpu);
	/* The device holds the program and its map from here on. */
	rfd_bpf__destroy(skel);
	return ret;
}

int ctl_rfd_off(const char *dev)
{
	unsigned int ifindex = rfd_ifindex(dev);
	int64_t id;
	int err;

	if (!ifindex)
		return -1;
	id = xdp_prog_id(ifindex);
	if (id < 0)
		return -1;
	if (!id || !rfd_owner_is(ifindex, (uint32_t)id)) {
		rfd_owner_forget(ifindex);
		printf("rfd: %s: off%s\n", dev,
		       id > 0 ? " (another XDP program is attached: left alone)" : "");
		return 0;
	}
	err = xdp_detach(ifindex, (uint32_t)id);
	if (err) {
		fprintf(stderr, "fastsocketctl rfd: detaching from %s: %s%s\n",
			dev, strerror(-err), err == -EPERM ?
			" (it needs CAP_NET_ADMIN)" : "");
		return -1;
	}
	rfd_owner_forget(ifindex);
	printf("rfd: %s: off\n", dev);
	return 0;
}

int ctl_rfd_devices(char (*names)[32], int max)
{
	struct if_nameindex *ifs = if_nameindex(), *i;
	uint32_t id;
	int n = 0;

	if (!ifs)
		return -1;
	for (i = ifs; i->if_index && n < max; i++) {
		if (bpf_xdp_query_id((int)i->if_index, XDP_FLAGS_SKB_MODE, &id) ||
		    !rfd_owner_is(i->if_index, id))
			continue;
		snprintf(names[n++], sizeof(names[0]), "%s", i->if_name);
	}
	if_freenameindex(ifs);
	return n;
}

int ctl_rfd_status(void)
{
	char names[64][32];
	int n = ctl_rfd_devices(names, 64), i;

	if (n < 0) {
		perror("fastsocketctl rfd: if_nameindex");
		return 1;
	}
	for (i = 0; i < n; i++)
		printf("rfd: %s: on\n", names[i]);
	if (!n)
		printf("rfd: off on every device of this network namespace\n");
	return 0;
}

int ctl_rfd(int argc, char **argv)
{
	int (*op)(const char *dev);
	int ret = 0;

	if (argc == 2 && !strcmp(argv[1], "status"))
		return ctl_rfd_status();
	if (argc < 3 || (strcmp(argv[1], "on") && strcmp(argv[1], "off"))) {
		fprintf(stderr, "usage: fastsocketctl rfd on|off DEVICE...\n"
				"       fastsocketctl rfd status\n");
		return 2;
	}
	op = strcmp(argv[1], "on") ? ctl_rfd_off : ctl_rfd_on;
	for (int i = 2; i < argc; i++)
		if (op(argv[i]))
			ret = 1;
	return ret;
}
