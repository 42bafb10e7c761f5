/* SPDX-License-Identifier: GPL-2.0-only */
/* rfd: which XDP programs are receive flow deliver's (rfd_owner.c). */
#ifndef FASTSOCKETCTL_RFD_H
#define FASTSOCKETCTL_RFD_H

#include <stdbool.h>
#include <stdint.h>

/* Notes @id as ours on @ifindex: 0, or says why and returns -1. */
int rfd_owner_note(unsigned int ifindex, uint32_t id);
/* Whether program @id on @ifindex is the one rfd_owner_note noted. */
bool rfd_owner_is(unsigned int ifindex, uint32_t id);
/* Drops the note for @ifindex (none is not an error). */
void rfd_owner_forget(unsigned int ifindex);

#endif
