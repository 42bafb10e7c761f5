// SPDX-License-Identifier: GPL-2.0-only
/*
 * rfd: Receive Flow Deliver on a stock kernel. libfsocket gives an
 * outgoing connection a local port P with P % NCPU == the connecting CPU
 * (when enable_receive_flow_deliver=1); here an XDP program on the device
 * the replies arrive on sends each TCP packet whose destination port lies
 * in net.ipv4.ip_local_port_range to CPU (port % NCPU) through a cpumap.
 *
 * The program runs in generic (skb) mode: it keeps the skb, so checksum
 * state survives (native XDP on veth would lose CHECKSUM_PARTIAL), and it
 * works on any device. A redirected skb is marked, so generic XDP passes
 * it untouched when it comes round again. RPS on the same device would
 * move the packet on again after the cpumap: "on" refuses such a device.
 *
 * The program is hand-assembled (no compiler, no libbpf at run time) and
 * attached with rtnetlink, as `ip link set DEV xdpgeneric` does: it stays
 * with the device, in its network namespace, after fastsocketctl exits.
 * Only a program named RFD_NAME is ever replaced or removed.
 */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <linux/bpf.h>
#include <linux/if_link.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "../common/cpu_list.h"
#include "ctl.h"

#define RFD_NAME "fastsocket_rfd"
#define RFD_QSIZE 2048		/* cpumap ring entries per CPU */
#define RFD_MAX_INSNS 64

struct rfd_range {
	unsigned int lo, hi;	/* net.ipv4.ip_local_port_range */
	unsigned int ncpu;	/* possible CPUs: the modulus libfsocket uses */
};

static int sys_bpf(int cmd, union bpf_attr *attr)
{
	return (int)syscall(SYS_bpf, cmd, attr, sizeof(*attr));
}

/* A tiny assembler: jumps name a label, resolved once all is emitted. */
enum rfd_label { L_V4, L_PORT, L_PASS, L_MAX };

struct rfd_prog {
	struct bpf_insn insn[RFD_MAX_INSNS];
	int target[RFD_MAX_INSNS];
	int label[L_MAX];
	int n;
};

static void emit(struct rfd_prog *p, uint8_t code, uint8_t dst, uint8_t src,
		 int16_t off, int32_t imm, int target)
{
	p->insn[p->n] = (struct bpf_insn){ .code = code, .dst_reg = dst,
					   .src_reg = src, .off = off,
					   .imm = imm };
	p->target[p->n++] = target;
}

#define NOJMP (-1)
#define LDX(sz, d, s, o)  emit(p, BPF_LDX | (sz) | BPF_MEM, d, s, o, 0, NOJMP)
#define MOV(d, s)         emit(p, BPF_ALU64 | BPF_MOV | BPF_X, d, s, 0, 0, NOJMP)
#define MOVI(d, i)        emit(p, BPF_ALU64 | BPF_MOV | BPF_K, d, 0, 0, i, NOJMP)
#define ALUI(op, d, i)    emit(p, BPF_ALU64 | (op) | BPF_K, d, 0, 0, i, NOJMP)
#define ADD(d, s)         emit(p, BPF_ALU64 | BPF_ADD | BPF_X, d, s, 0, 0, NOJMP)
#define JI(op, d, i, l)   emit(p, BPF_JMP | (op) | BPF_K, d, 0, 0, i, l)
#define JX(op, d, s, l)   emit(p, BPF_JMP | (op) | BPF_X, d, s, 0, 0, l)
#define CALL(f)           emit(p, BPF_JMP | BPF_CALL, 0, 0, 0, f, NOJMP)
#define EXIT()            emit(p, BPF_JMP | BPF_EXIT, 0, 0, 0, 0, NOJMP)
#define LABEL(l)          (p->label[l] = p->n)

/* Network-order constants as a little-endian load sees them. */
#define BE16(x) ((int32_t)(uint16_t)((((x) & 0xff) << 8) | ((x) >> 8)))

/*
 * r2 data, r3 data_end; r7 the destination port, then the CPU. Any
 * packet the program does not understand passes as if it were not there.
 */
static void rfd_assemble(struct rfd_prog *p, int map_fd,
			 const struct rfd_range *r)
{
	LDX(BPF_W, 2, 1, offsetof(struct xdp_md, data));
	LDX(BPF_W, 3, 1, offsetof(struct xdp_md, data_end));
	MOV(4, 2);
	ALUI(BPF_ADD, 4, 14);
	JX(BPF_JGT, 4, 3, L_PASS);
	LDX(BPF_H, 5, 2, 12);				/* ethertype */
	JI(BPF_JEQ, 5, BE16(0x0800), L_V4);
	JI(BPF_JNE, 5, BE16(0x86dd), L_PASS);
	/* IPv6 without extension headers: TCP right after 40 bytes */
	MOV(4, 2);
	ALUI(BPF_ADD, 4, 14 + 40 + 4);
	JX(BPF_JGT, 4, 3, L_PASS);
	LDX(BPF_B, 5, 2, 14 + 6);			/* next header */
	JI(BPF_JNE, 5, 6, L_PASS);
	LDX(BPF_H, 7, 2, 14 + 40 + 2);
	JI(BPF_JA, 0, 0, L_PORT);
	LABEL(L_V4);
	MOV(4, 2);
	ALUI(BPF_ADD, 4, 14 + 20);
	JX(BPF_JGT, 4, 3, L_PASS);
	LDX(BPF_B, 5, 2, 14 + 9);			/* protocol */
	JI(BPF_JNE, 5, 6, L_PASS);
	LDX(BPF_H, 5, 2, 14 + 6);			/* fragment offset */
	ALUI(BPF_AND, 5, BE16(0x1fff));
	JI(BPF_JNE, 5, 0, L_PASS);
	LDX(BPF_B, 5, 2, 14);				/* header length */
	ALUI(BPF_AND, 5, 15);
	ALUI(BPF_LSH, 5, 2);
	JI(BPF_JLT, 5, 20, L_PASS);
	ADD(2, 5);
	MOV(4, 2);
	ALUI(BPF_ADD, 4, 14 + 4);
	JX(BPF_JGT, 4, 3, L_PASS);
	LDX(BPF_H, 7, 2, 14 + 2);
	LABEL(L_PORT);
	emit(p, BPF_ALU | BPF_END | BPF_TO_BE, 7, 0, 0, 16, NOJMP);
	JI(BPF_JLT, 7, (int32_t)r->lo, L_PASS);
	JI(BPF_JGT, 7, (int32_t)r->hi, L_PASS);
	ALUI(BPF_MOD, 7, (int32_t)r->ncpu);
	CALL(BPF_FUNC_get_smp_processor_id);
	JX(BPF_JEQ, 0, 7, L_PASS);			/* already there */
	emit(p, BPF_LD | BPF_DW | BPF_IMM, 1, BPF_PSEUDO_MAP_FD, 0, map_fd,
	     NOJMP);
	emit(p, 0, 0, 0, 0, 0, NOJMP);
	MOV(2, 7);
	MOVI(3, XDP_PASS);		/* what to do if the CPU has no entry */
	CALL(BPF_FUNC_redirect_map);
	EXIT();
	LABEL(L_PASS);
	MOVI(0, XDP_PASS);
	EXIT();

	for (int i = 0; i < p->n; i++)
		if (p->target[i] != NOJMP)
			p->insn[i].off = (int16_t)(p->label[p->target[i]] - i - 1);
}

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
	int fd;
	unsigned int ncpu;
	int err;
};

/* One online CPU's entry in the cpumap (a CPU past the modulus has none). */
static int cpumap_entry(unsigned int cpu, void *arg)
{
	struct cpumap_fill *f = arg;
	uint32_t key = cpu, qsize = RFD_QSIZE;
	union bpf_attr attr;

	if (cpu >= f->ncpu)
		return 0;
	memset(&attr, 0, sizeof(attr));
	attr.map_fd = (uint32_t)f->fd;
	attr.key = (uintptr_t)&key;
	attr.value = (uintptr_t)&qsize;
	if (sys_bpf(BPF_MAP_UPDATE_ELEM, &attr) < 0) {
		f->err = errno;
		fprintf(stderr, "fastsocketctl rfd: cpumap entry for CPU %u: %s\n",
			cpu, strerror(errno));
		return 1;
	}
	return 0;
}

static int rfd_cpumap(const struct rfd_range *r)
{
	struct cpumap_fill f = { .ncpu = r->ncpu };
	union bpf_attr attr;
	char online[256];

	memset(&attr, 0, sizeof(attr));
	attr.map_type = BPF_MAP_TYPE_CPUMAP;
	attr.key_size = sizeof(uint32_t);
	attr.value_size = sizeof(uint32_t);	/* the ring size */
	attr.max_entries = r->ncpu;
	snprintf(attr.map_name, sizeof(attr.map_name), RFD_NAME);
	f.fd = sys_bpf(BPF_MAP_CREATE, &attr);
	if (f.fd < 0) {
		perror("fastsocketctl rfd: creating the cpumap");
		return -1;
	}
	if (ctl_read("/sys/devices/system/cpu/online", online, sizeof(online)) ||
	    cpu_list_each(online, cpumap_entry, &f) || f.err) {
		close(f.fd);
		return -1;
	}
	return f.fd;
}

static int rfd_load(int map_fd, const struct rfd_range *r)
{
	static char log[65536];
	struct rfd_prog prog = { .n = 0 };
	union bpf_attr attr;
	int fd;

	rfd_assemble(&prog, map_fd, r);
	memset(&attr, 0, sizeof(attr));
	attr.prog_type = BPF_PROG_TYPE_XDP;
	attr.insns = (uintptr_t)prog.insn;
	attr.insn_cnt = (uint32_t)prog.n;
	attr.license = (uintptr_t)"GPL";
	attr.log_buf = (uintptr_t)log;
	attr.log_size = sizeof(log);
	attr.log_level = 1;
	snprintf(attr.prog_name, sizeof(attr.prog_name), RFD_NAME);
	fd = sys_bpf(BPF_PROG_LOAD, &attr);
	if (fd < 0)
		fprintf(stderr, "fastsocketctl rfd: loading the program: %s%s\n%s",
			strerror(errno), errno == EPERM ?
			" (the verifier needs CAP_BPF and CAP_PERFMON, or CAP_SYS_ADMIN)" : "",
			log);
	return fd;
}

/* One rtnetlink request, its answer in @ans (if given); 0, or -1 and errno. */
static int rtnl(void *req, size_t len, void *ans, size_t anslen)
{
	struct sockaddr_nl kernel = { .nl_family = AF_NETLINK };
	char buf[8192] __attribute__((aligned(NLMSG_ALIGNTO)));
	struct nlmsghdr *h = (struct nlmsghdr *)buf;
	int fd, ret = -1, err = EPROTO;
	ssize_t n;

	fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
	if (fd < 0)
		return -1;
	if (sendto(fd, req, len, 0, (struct sockaddr *)&kernel,
		   sizeof(kernel)) < 0)
		goto out;
	n = recv(fd, buf, sizeof(buf), 0);
	if (n < 0 || !NLMSG_OK(h, (size_t)n)) {
		err = n < 0 ? errno : EPROTO;
		goto out;
	}
	if (h->nlmsg_type == NLMSG_ERROR) {
		err = -((struct nlmsgerr *)NLMSG_DATA(h))->error;
		ret = err ? -1 : 0;
	} else if (ans && (size_t)n <= anslen) {
		memcpy(ans, buf, (size_t)n);
		ret = 0;
	}
out:
	close(fd);
	if (ret)
		errno = err;
	return ret;
}

static struct rtattr *rta_put(struct nlmsghdr *h, unsigned short type,
			      const void *data, size_t len)
{
	struct rtattr *a = (struct rtattr *)((char *)h + NLMSG_ALIGN(h->nlmsg_len));

	a->rta_type = type;
	a->rta_len = (unsigned short)RTA_LENGTH(len);
	if (data)
		memcpy(RTA_DATA(a), data, len);
	h->nlmsg_len = NLMSG_ALIGN(h->nlmsg_len) + RTA_ALIGN(a->rta_len);
	return a;
}

struct rfd_req {
	struct nlmsghdr h;
	struct ifinfomsg ifi;
	char attrs[128];
};

/* Sets (@fd >= 0) or clears (@fd -1, replacing @expected) generic XDP. */
static int xdp_set(unsigned int ifindex, int fd, int expected)
{
	struct rfd_req r = {
		.h.nlmsg_len = NLMSG_LENGTH(sizeof(struct ifinfomsg)),
		.h.nlmsg_type = RTM_SETLINK,
		.h.nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK,
		.ifi.ifi_family = AF_UNSPEC,
		.ifi.ifi_index = (int)ifindex,
	};
	uint32_t flags = XDP_FLAGS_SKB_MODE;
	struct rtattr *nest;

	flags |= fd >= 0 ? XDP_FLAGS_UPDATE_IF_NOEXIST : XDP_FLAGS_REPLACE;
	nest = rta_put(&r.h, IFLA_XDP | NLA_F_NESTED, NULL, 0);
	rta_put(&r.h, IFLA_XDP_FD, &fd, sizeof(fd));
	rta_put(&r.h, IFLA_XDP_FLAGS, &flags, sizeof(flags));
	if (fd < 0)
		rta_put(&r.h, IFLA_XDP_EXPECTED_FD, &expected, sizeof(expected));
	nest->rta_len = (unsigned short)((char *)&r + r.h.nlmsg_len - (char *)nest);
	return rtnl(&r, r.h.nlmsg_len, NULL, 0);
}

/* The id of the device's generic XDP program, 0 for none; -1 on error. */
static long xdp_prog_id(unsigned int ifindex)
{
	struct rfd_req r = {
		.h.nlmsg_len = NLMSG_LENGTH(sizeof(struct ifinfomsg)),
		.h.nlmsg_type = RTM_GETLINK,
		.h.nlmsg_flags = NLM_F_REQUEST,
		.ifi.ifi_family = AF_UNSPEC,
		.ifi.ifi_index = (int)ifindex,
	};
	static char ans[8192] __attribute__((aligned(NLMSG_ALIGNTO)));
	struct nlmsghdr *h = (struct nlmsghdr *)ans;
	struct rtattr *a, *x;
	int len, xlen;

	if (rtnl(&r, r.h.nlmsg_len, ans, sizeof(ans)))
		return -1;
	a = IFLA_RTA(NLMSG_DATA(h));
	len = (int)IFLA_PAYLOAD(h);
	for (; RTA_OK(a, len); a = RTA_NEXT(a, len)) {
		if ((a->rta_type & NLA_TYPE_MASK) != IFLA_XDP)
			continue;
		x = RTA_DATA(a);
		xlen = (int)RTA_PAYLOAD(a);
		for (; RTA_OK(x, xlen); x = RTA_NEXT(x, xlen))
			if (x->rta_type == IFLA_XDP_SKB_PROG_ID)
				return *(uint32_t *)RTA_DATA(x);
	}
	return 0;
}

/* A descriptor of program @id if it is ours (by name), else -1. */
static int ours(long id)
{
	struct bpf_prog_info info;
	union bpf_attr attr;
	int fd;

	memset(&attr, 0, sizeof(attr));
	attr.prog_id = (uint32_t)id;
	fd = sys_bpf(BPF_PROG_GET_FD_BY_ID, &attr);
	if (fd < 0)
		return -1;
	memset(&info, 0, sizeof(info));
	memset(&attr, 0, sizeof(attr));
	attr.info.bpf_fd = (uint32_t)fd;
	attr.info.info_len = sizeof(info);
	attr.info.info = (uintptr_t)&info;
	if (sys_bpf(BPF_OBJ_GET_INFO_BY_FD, &attr) == 0 &&
	    !strcmp(info.name, RFD_NAME))
		return fd;
	close(fd);
	return -1;
}

static unsigned int rfd_ifindex(const char *dev)
{
	unsigned int ifindex = if_nametoindex(dev);

	if (!ifindex)
		fprintf(stderr, "fastsocketctl rfd: no device %s in this network namespace\n",
			dev);
	return ifindex;
}

int ctl_rfd_on(const char *dev)
{
	unsigned int ifindex = rfd_ifindex(dev);
	struct rfd_range r;
	int map, prog, ret = -1;
	long id;

	if (!ifindex)
		return -1;
	id = xdp_prog_id(ifindex);
	if (id > 0) {
		prog = ours(id);
		if (prog >= 0) {
			close(prog);
			printf("rfd: %s: already on\n", dev);
			return 0;
		}
		fprintf(stderr, "fastsocketctl rfd: %s has another XDP program (id %ld); RFD left off\n",
			dev, id);
		return -1;
	}
	if (rfd_read_range(&r) || rfd_check_rps(dev))
		return -1;
	map = rfd_cpumap(&r);
	if (map < 0)
		return -1;
	prog = rfd_load(map, &r);
	if (prog < 0)
		goto out_map;
	ret = xdp_set(ifindex, prog, -1);
	if (ret)
		fprintf(stderr, "fastsocketctl rfd: attaching to %s: %s\n", dev,
			strerror(errno));
	else
		printf("rfd: %s: on (ports %u-%u, port %% %u = CPU)\n", dev,
		       r.lo, r.hi, r.ncpu);
	close(prog);
out_map:
	close(map);
	return ret;
}

int ctl_rfd_off(const char *dev)
{
	unsigned int ifindex = rfd_ifindex(dev);
	long id;
	int prog, ret;

	if (!ifindex)
		return -1;
	id = xdp_prog_id(ifindex);
	prog = id > 0 ? ours(id) : -1;
	if (prog < 0) {
		printf("rfd: %s: off%s\n", dev,
		       id > 0 ? " (another XDP program is attached: left alone)" : "");
		return 0;
	}
	ret = xdp_set(ifindex, -1, prog);
	if (ret)
		fprintf(stderr, "fastsocketctl rfd: detaching from %s: %s\n", dev,
			strerror(errno));
	else
		printf("rfd: %s: off\n", dev);
	close(prog);
	return ret;
}

int ctl_rfd_devices(char (*names)[32], int max)
{
	struct if_nameindex *ifs = if_nameindex(), *i;
	int n = 0, prog;
	long id;

	if (!ifs)
		return -1;
	for (i = ifs; i->if_index && n < max; i++) {
		id = xdp_prog_id(i->if_index);
		prog = id > 0 ? ours(id) : -1;
		if (prog < 0)
			continue;
		close(prog);
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
