// SPDX-License-Identifier: GPL-2.0
/* IPV6_RECVERR is a bit of inet_flags (6.7 on), not of ipv6_pinfo. */
#include <linux/ipv6.h>

static bool __maybe_unused fsocket_probe_recverr6(const struct sock *sk)
{
	return inet6_test_bit(RECVERR6, sk);
}
