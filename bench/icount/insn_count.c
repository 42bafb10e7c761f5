// SPDX-License-Identifier: GPL-2.0
/*
 * libinsncount.so: a qemu TCG plugin that counts the instructions each
 * vCPU executes, in kernel and in user mode apart, for bench/insn-count.
 *
 *   qemu-system-x86_64 ... -plugin build/bench/libinsncount.so,out=FILE
 *
 * Every translated block gets a callback that adds its instruction count
 * to its vCPU's counter, kernel or user by the block's address (x86-64
 * kernel text lies in the upper half). A block with a PAUSE in it is a
 * spin-wait loop (a spinlock, an IPI's completion): it counts apart, as
 * SPIN, because how long a vCPU spins depends on when the host runs the
 * vCPU it waits for, which is time, not work. The guest asks for a
 * reading by executing the marker instruction, a NOP no compiler emits
 * (nopl 0x46534d4b(%rax), from mark.h): the plugin then appends
 *   mark SEQ USER0 KERNEL0 SPIN0 USER1 KERNEL1 SPIN1 ...
 * to FILE, one triple per vCPU, and flushes it before the marker runs.
 * A block left early (an exception in its middle) counts whole: the
 * count is a deterministic measure, not an exact one.
 */
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <qemu-plugin.h>

QEMU_PLUGIN_EXPORT int qemu_plugin_version = QEMU_PLUGIN_VERSION;

#define MAX_VCPUS 64
#define KERNEL_HALF (1ULL << 63)

enum { USER, KERNEL, SPIN, KINDS };

static const unsigned char marker[] = { 0x0f, 0x1f, 0x80, 0x4b, 0x4d, 0x53, 0x46 };
static const unsigned char pause_insn[] = { 0xf3, 0x90 };

/* Each vCPU writes only its own counters: one cache line each. */
static struct {
	uint64_t n[KINDS];
	uint64_t pad[8 - KINDS];
} counts[MAX_VCPUS];

static FILE *out;
static uint64_t marks;
static int nvcpus;

/* @udata: the block's instruction count times KINDS, plus its kind. */
static void tb_exec(unsigned int vcpu, void *udata)
{
	uint64_t v = (uint64_t)(uintptr_t)udata, *c;

	if (vcpu >= MAX_VCPUS)
		return;
	c = &counts[vcpu].n[v % KINDS];
	__atomic_store_n(c, *c + v / KINDS, __ATOMIC_RELAXED);
}

static void mark_exec(unsigned int vcpu, void *udata)
{
	(void)vcpu;
	(void)udata;
	fprintf(out, "mark %" PRIu64, ++marks);
	for (int i = 0; i < nvcpus && i < MAX_VCPUS; i++)
		for (int k = 0; k < KINDS; k++)
			fprintf(out, " %" PRIu64,
				__atomic_load_n(&counts[i].n[k], __ATOMIC_RELAXED));
	fputc('\n', out);
	fflush(out);
}

static bool insn_is(struct qemu_plugin_insn *insn, const unsigned char *bytes,
		    size_t size)
{
	return qemu_plugin_insn_size(insn) == size &&
	       !memcmp(qemu_plugin_insn_data(insn), bytes, size);
}

static void tb_trans(qemu_plugin_id_t id, struct qemu_plugin_tb *tb)
{
	size_t n = qemu_plugin_tb_n_insns(tb);
	int kind = qemu_plugin_tb_vaddr(tb) & KERNEL_HALF ? KERNEL : USER;

	(void)id;
	for (size_t i = 0; i < n; i++) {
		struct qemu_plugin_insn *insn = qemu_plugin_tb_get_insn(tb, i);

		if (insn_is(insn, pause_insn, sizeof(pause_insn)))
			kind = SPIN;
		if (insn_is(insn, marker, sizeof(marker)))
			qemu_plugin_register_vcpu_insn_exec_cb(insn, mark_exec,
							       QEMU_PLUGIN_CB_NO_REGS,
							       NULL);
	}
	qemu_plugin_register_vcpu_tb_exec_cb(tb, tb_exec, QEMU_PLUGIN_CB_NO_REGS,
					     (void *)(uintptr_t)(n * KINDS + kind));
}

QEMU_PLUGIN_EXPORT int qemu_plugin_install(qemu_plugin_id_t id,
					   const qemu_info_t *info,
					   int argc, char **argv)
{
	const char *path = NULL;

	for (int i = 0; i < argc; i++)
		if (!strncmp(argv[i], "out=", 4))
			path = argv[i] + 4;
	if (!path || !info->system_emulation) {
		fprintf(stderr, "libinsncount: needs out=FILE and system emulation\n");
		return -1;
	}
	nvcpus = info->system.max_vcpus;
	if (nvcpus > MAX_VCPUS) {
		fprintf(stderr, "libinsncount: at most %d vCPUs\n", MAX_VCPUS);
		return -1;
	}
	out = fopen(path, "w");
	if (!out) {
		perror(path);
		return -1;
	}
	qemu_plugin_register_vcpu_tb_trans_cb(id, tb_trans);
	return 0;
}
