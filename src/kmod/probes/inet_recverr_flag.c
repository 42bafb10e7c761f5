// SPDX-License-Identifier: GPL-2.0
/* inet_sock's IP_RECVERR is a bit of inet_flags (6.6 on), not a bit-field. */
#include <net/inet_sock.h>

static bool __maybe_unused fsocket_probe_recverr(const struct sock *sk)
{
	return inet_test_bit(RECVERR, sk);
}
