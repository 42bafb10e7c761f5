// SPDX-License-Identifier: GPL-2.0
/* icount-mark: one reading of libinsncount.so's counts (mark.h). */
#include "mark.h"

int main(void)
{
	icount_mark();
	return 0;
}
