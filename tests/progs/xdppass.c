// SPDX-License-Identifier: GPL-2.0-only
/*
 * xdppass: another XDP program than fastsocketctl's, to see that
 * `fastsocketctl rfd` leaves it alone.
 *
 *   xdppass PATH
 *
 * Loads a program named "other_xdp" that passes every packet and pins it
 * at PATH, in a mounted bpf file system, so that
 * `ip link set dev DEV xdpgeneric pinned PATH` attaches it.
 */
#include <linux/bpf.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

static int sys_bpf(int cmd, union bpf_attr *attr)
{
	return (int)syscall(SYS_bpf, cmd, attr, sizeof(*attr));
}

int main(int argc, char **argv)
{
	struct bpf_insn pass[] = {
		{ .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_0,
		  .imm = XDP_PASS },
		{ .code = BPF_JMP | BPF_EXIT },
	};
	union bpf_attr attr;
	int fd;

	if (argc != 2) {
		fprintf(stderr, "usage: xdppass PATH\n");
		return 2;
	}
	memset(&attr, 0, sizeof(attr));
	attr.prog_type = BPF_PROG_TYPE_XDP;
	attr.insns = (uintptr_t)pass;
	attr.insn_cnt = sizeof(pass) / sizeof(pass[0]);
	attr.license = (uintptr_t)"GPL";
	strcpy(attr.prog_name, "other_xdp");
	fd = sys_bpf(BPF_PROG_LOAD, &attr);
	if (fd < 0) {
		perror("xdppass: BPF_PROG_LOAD");
		return 1;
	}
	memset(&attr, 0, sizeof(attr));
	attr.pathname = (uintptr_t)argv[1];
	attr.bpf_fd = (uint32_t)fd;
	if (sys_bpf(BPF_OBJ_PIN, &attr)) {
		perror("xdppass: BPF_OBJ_PIN");
		return 1;
	}
	return 0;
}
