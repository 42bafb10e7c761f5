// SPDX-License-Identifier: GPL-2.0
/* inet_sock's IP_TRANSPARENT and IP_FREEBIND are bits of inet_flags (6.6 on). */
#include <net/inet_sock.h>

static bool __maybe_unused fsocket_probe_transparent(const struct sock *sk)
{
	return inet_test_bit(TRANSPARENT, sk) || inet_test_bit(FREEBIND, sk);
}
