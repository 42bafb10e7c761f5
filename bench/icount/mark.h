/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The marker instruction of libinsncount.so (insn_count.c): nopl
 * 0x46534d4b(%rax), a NOP no compiler emits. Under qemu with the plugin,
 * executing it appends every vCPU's instruction counts to the plugin's
 * file; anywhere else it does nothing.
 */
#ifndef ICOUNT_MARK_H
#define ICOUNT_MARK_H

static inline void icount_mark(void)
{
	__asm__ volatile(".byte 0x0f, 0x1f, 0x80, 0x4b, 0x4d, 0x53, 0x46" ::: "memory");
}

#endif
