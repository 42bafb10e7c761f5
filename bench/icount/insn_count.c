// SPDX-License-Identifier: GPL-2.0
/*
 * libinsncount.so: a qemu TCG plugin that counts the instructions each
 * vCPU executes, in kernel and in user mode apart, for bench/insn-count.
 *
 *   qemu-system-x86_64 -accel tcg,thread=single -icount shift=0,sleep=off \
 *       ... -plugin build/bench/libinsncount.so,out=FILE
 *
 * Built against the plugin API of qemu 9.0 and later (version 3:
 * registers read from callbacks, instruction bytes copied out). Every
 * translated block adds its instruction count to the counter of the vCPU
 * running it, kernel or user by the block's address (x86-64 kernel text
 * lies in the upper half), in a callback. A block with a PAUSE in it is a
 * spin-wait loop (a spinlock, an IPI's completion) and counts apart, as
 * SPIN: how long a vCPU spins depends on when the vCPU it waits for runs.
 *
 * Which vCPU runs a block is read from the guest, not taken from qemu:
 * qemu 10.0 passes a block's callbacks (and its inline counters) the
 * index of the vCPU that translated the block whenever TCG runs
 * single-threaded, as it does with -icount (seen: a program run on vCPU
 * 2 after a first run on vCPU 0 was counted on vCPU 0). The guest kernel
 * keeps each CPU's per-CPU base in GS (in user mode, swapped into
 * KERNEL_GS_BASE): that base is read at every block, and the vCPUs are
 * numbered in the order of their bases, the order in which Linux lays
 * out its per-CPU areas. Blocks run before the kernel sets GS (its boot)
 * are not counted. Inline adds would be cheaper, but take a vCPU index
 * too; and with them, 3 boots in 5 failed the kernel's sha1/sha256
 * self-tests, none in 4 with callbacks. Single-threaded TCG only
 * (thread=single, which -icount implies): no counter here is atomic.
 *
 * The guest asks for a reading by executing the marker instruction, a
 * NOP no compiler emits (nopl 0x46534d4b(%rax), from mark.h): the plugin
 * then appends
 *   mark SEQ USER0 KERNEL0 SPIN0 USER1 KERNEL1 SPIN1 ...
 * to FILE, one triple per vCPU, and flushes it before the marker runs.
 * A block left early (an exception in its middle) counts whole: the
 * count is a deterministic measure, not an exact one.
 *
 * With profile=FILE, each mark also appends to FILE the instructions each
 * block executed since the mark before (a block's address and count per
 * line, after "window SEQ"), for bench/insn-profile.awk to add up the
 * kernel's by function with the guest's /proc/kallsyms, and
 * bench/insn-user.awk the user blocks by object with a server process's
 * /proc/PID/maps; profile_vcpus=MASK (hex) keeps to those vCPUs
 * (default: all). A user block is counted at the address it ran at, read
 * from RIP: qemu shares a translated block among the processes that map
 * its page, whatever the address each maps it at, and the block's own
 * address is the first translator's (seen: nginx's blocks counted at the
 * addresses of the nginx started before it).
 */
#include <inttypes.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <glib.h>
#include <qemu-plugin.h>

QEMU_PLUGIN_EXPORT int qemu_plugin_version = QEMU_PLUGIN_VERSION;

#if QEMU_PLUGIN_VERSION < 3
#error "libinsncount needs qemu 9.0's plugin API or later"
#endif

#define KERNEL_HALF (1ULL << 63)
#define MAX_VCPUS 64

enum { USER, KERNEL, SPIN, KINDS };

/* A guest CPU, known by its per-CPU base. */
struct vcpu_counts {
	uint64_t base;
	uint64_t n[KINDS];
};

/* A translated block: what its callback adds, and how often it ran. */
struct block {
	uint64_t vaddr;
	uint64_t execs;
	uint32_t insns;
	int kind;
};

static const unsigned char marker[] = { 0x0f, 0x1f, 0x80, 0x4b, 0x4d, 0x53, 0x46 };
static const unsigned char pause_insn[] = { 0xf3, 0x90 };

static struct vcpu_counts vcpus[MAX_VCPUS];
static int nvcpus, last_vcpu;
/* rank[i]: the number of vcpus[i], by the order of the bases. */
static int rank[MAX_VCPUS];
static struct qemu_plugin_register *gs_base, *kernel_gs_base, *rip;
static GByteArray *reg_buf;
static FILE *out, *profile;
static uint64_t marks, profile_vcpus = ~0ULL;

/* Every kernel block translated (profile= only), for the dump at a mark. */
static struct block **blocks;
static size_t nblocks, blocks_cap;
/* Instructions of user blocks by the address they ran at (profile= only). */
static GHashTable *user_execs;

static uint64_t reg_read(struct qemu_plugin_register *reg)
{
	uint64_t v = 0;

	g_byte_array_set_size(reg_buf, 0);
	if (qemu_plugin_read_register(reg, reg_buf) >= (int)sizeof(v))
		memcpy(&v, reg_buf->data, sizeof(v));
	return v;
}

static void vcpus_rank(void)
{
	for (int i = 0; i < nvcpus; i++) {
		rank[i] = 0;
		for (int j = 0; j < nvcpus; j++)
			rank[i] += vcpus[j].base < vcpus[i].base;
	}
}

/* The entry of the vCPU running now, or NULL before the kernel set GS. */
static struct vcpu_counts *vcpu_now(void)
{
	uint64_t base = reg_read(gs_base);

	if (!(base & KERNEL_HALF))
		base = reg_read(kernel_gs_base);
	if (!(base & KERNEL_HALF))
		return NULL;
	if (vcpus[last_vcpu].base == base)
		return &vcpus[last_vcpu];
	for (int i = 0; i < nvcpus; i++)
		if (vcpus[i].base == base)
			return &vcpus[last_vcpu = i];
	if (nvcpus == MAX_VCPUS)
		return NULL;
	vcpus[nvcpus].base = base;
	last_vcpu = nvcpus++;
	vcpus_rank();
	return &vcpus[last_vcpu];
}

/* @vcpu: the translating vCPU, not the running one (above). */
static void tb_exec(unsigned int vcpu, void *udata)
{
	struct block *b = udata;
	struct vcpu_counts *c = vcpu_now();

	(void)vcpu;
	if (!c)
		return;
	c->n[b->kind] += b->insns;
	if (!profile || !(profile_vcpus >> rank[c - vcpus] & 1))
		return;
	if (b->vaddr & KERNEL_HALF) {
		b->execs++;
	} else {
		gpointer at = GSIZE_TO_POINTER(reg_read(rip));
		gsize n = GPOINTER_TO_SIZE(g_hash_table_lookup(user_execs, at));

		g_hash_table_insert(user_execs, at, GSIZE_TO_POINTER(n + b->insns));
	}
}

/* Appends the blocks that ran since the last mark, and resets them. */
static void profile_dump(void)
{
	GHashTableIter it;
	gpointer at, n;

	fprintf(profile, "window %" PRIu64 "\n", marks);
	for (size_t i = 0; i < nblocks; i++) {
		struct block *b = blocks[i];

		if (b->execs)
			fprintf(profile, "%016" PRIx64 " %" PRIu64 "\n", b->vaddr,
				b->execs * b->insns);
		b->execs = 0;
	}
	g_hash_table_iter_init(&it, user_execs);
	while (g_hash_table_iter_next(&it, &at, &n))
		fprintf(profile, "%016" PRIx64 " %" PRIu64 "\n",
			(uint64_t)GPOINTER_TO_SIZE(at), (uint64_t)GPOINTER_TO_SIZE(n));
	g_hash_table_remove_all(user_execs);
	fflush(profile);
}

static void mark_exec(unsigned int vcpu, void *udata)
{
	(void)vcpu;
	(void)udata;
	fprintf(out, "mark %" PRIu64, ++marks);
	for (int r = 0; r < qemu_plugin_num_vcpus(); r++) {
		int i = 0;

		while (i < nvcpus && rank[i] != r)
			i++;
		for (int k = 0; k < KINDS; k++)
			fprintf(out, " %" PRIu64, i < nvcpus ? vcpus[i].n[k] : 0);
	}
	fputc('\n', out);
	fflush(out);
	if (profile)
		profile_dump();
}

/* Keeps @b for profile_dump(); false when out of memory. */
static bool block_keep(struct block *b)
{
	if (nblocks == blocks_cap) {
		size_t cap = blocks_cap ? 2 * blocks_cap : 4096;
		struct block **more = realloc(blocks, cap * sizeof(*more));

		if (!more)
			return false;
		blocks = more;
		blocks_cap = cap;
	}
	blocks[nblocks++] = b;
	return true;
}

static bool insn_is(const struct qemu_plugin_insn *insn,
		    const unsigned char *bytes, size_t size)
{
	unsigned char data[16];

	return qemu_plugin_insn_size(insn) == size &&
	       qemu_plugin_insn_data(insn, data, sizeof(data)) == size &&
	       !memcmp(data, bytes, size);
}

static void tb_trans(qemu_plugin_id_t id, struct qemu_plugin_tb *tb)
{
	size_t n = qemu_plugin_tb_n_insns(tb);
	uint64_t vaddr = qemu_plugin_tb_vaddr(tb);
	int kind = vaddr & KERNEL_HALF ? KERNEL : USER;
	struct block *b;

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
	/*
	 * A block lives as long as qemu: a block translated again gets
	 * another, and the profile adds them up by address.
	 */
	b = calloc(1, sizeof(*b));
	if (!b) {
		fprintf(stderr, "libinsncount: out of memory\n");
		abort();
	}
	*b = (struct block){ .vaddr = vaddr, .insns = n, .kind = kind };
	if (profile && (vaddr & KERNEL_HALF) && !block_keep(b)) {
		fprintf(stderr, "libinsncount: out of memory\n");
		abort();
	}
	qemu_plugin_register_vcpu_tb_exec_cb(tb, tb_exec, QEMU_PLUGIN_CB_R_REGS, b);
}

/* The registers that hold the guest kernel's per-CPU base. */
static void vcpu_init(qemu_plugin_id_t id, unsigned int vcpu)
{
	GArray *regs;

	(void)id;
	(void)vcpu;
	if (gs_base && kernel_gs_base && rip)
		return;
	regs = qemu_plugin_get_registers();
	for (guint i = 0; i < regs->len; i++) {
		qemu_plugin_reg_descriptor *d =
			&g_array_index(regs, qemu_plugin_reg_descriptor, i);

		if (!strcmp(d->name, "gs_base"))
			gs_base = d->handle;
		else if (!strcmp(d->name, "k_gs_base"))
			kernel_gs_base = d->handle;
		else if (!strcmp(d->name, "rip"))
			rip = d->handle;
	}
	g_array_free(regs, TRUE);
	if (!gs_base || !kernel_gs_base || !rip) {
		fprintf(stderr, "libinsncount: no gs_base, k_gs_base and rip registers (x86-64 only)\n");
		abort();
	}
}

QEMU_PLUGIN_EXPORT int qemu_plugin_install(qemu_plugin_id_t id,
					   const qemu_info_t *info,
					   int argc, char **argv)
{
	const char *path = NULL, *profile_path = NULL;

	for (int i = 0; i < argc; i++) {
		if (!strncmp(argv[i], "out=", 4))
			path = argv[i] + 4;
		else if (!strncmp(argv[i], "profile=", 8))
			profile_path = argv[i] + 8;
		else if (!strncmp(argv[i], "profile_vcpus=", 14))
			profile_vcpus = strtoull(argv[i] + 14, NULL, 16);
	}
	if (!path || !info->system_emulation) {
		fprintf(stderr, "libinsncount: needs out=FILE and system emulation\n");
		return -1;
	}
	out = fopen(path, "w");
	if (!out) {
		perror(path);
		return -1;
	}
	if (profile_path) {
		profile = fopen(profile_path, "w");
		if (!profile) {
			perror(profile_path);
			fclose(out);
			return -1;
		}
	}
	reg_buf = g_byte_array_new();
	if (profile)
		user_execs = g_hash_table_new(g_direct_hash, g_direct_equal);
	qemu_plugin_register_vcpu_init_cb(id, vcpu_init);
	qemu_plugin_register_vcpu_tb_trans_cb(id, tb_trans);
	return 0;
}
