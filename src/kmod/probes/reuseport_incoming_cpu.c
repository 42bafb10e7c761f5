// SPDX-License-Identifier: GPL-2.0
/*
 * A reuseport group counts its SO_INCOMING_CPU members and chooses by the
 * receiving CPU (the 6.2 fix, backported to Debian's 6.1).
 */
#include <net/sock_reuseport.h>

static unsigned int __maybe_unused fsocket_probe_cpu(const struct sock_reuseport *r)
{
	return r->incoming_cpu;
}
