// SPDX-License-Identifier: GPL-2.0-only
/*
 * tune and untune write sysfs and procfs files that need CAP_NET_ADMIN
 * (RPS, XPS, net.core sysctls) and CAP_DAC_OVERRIDE (root-owned IRQ
 * affinity files). Say which is missing before changing anything, rather
 * than failing halfway.
 */
#include <stdio.h>
#include <sys/capability.h>

#include "ctl.h"

static const struct {
	cap_value_t cap;
	const char *name;
} ctl_caps[] = {
	{ CAP_NET_ADMIN, "CAP_NET_ADMIN" },
	{ CAP_DAC_OVERRIDE, "CAP_DAC_OVERRIDE" },
};

int ctl_need_caps(const char *command)
{
	cap_t caps = cap_get_proc();
	cap_flag_value_t on;
	int missing = 0;
	size_t i;

	if (!caps) {
		perror("fastsocketctl: cap_get_proc");
		return -1;
	}
	for (i = 0; i < sizeof(ctl_caps) / sizeof(ctl_caps[0]); i++) {
		if (cap_get_flag(caps, ctl_caps[i].cap, CAP_EFFECTIVE, &on) ||
		    on != CAP_SET) {
			fprintf(stderr, "fastsocketctl %s: missing capability %s (run it as root)\n",
				command, ctl_caps[i].name);
			missing = 1;
		}
	}
	cap_free(caps);
	return missing ? -1 : 0;
}
