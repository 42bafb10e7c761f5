# A local listener's connections carry every option the application set
# on its listener and a connection of that listener would have inherited
# (keepalive times, TCP_USER_TIMEOUT, TCP_MAXSEG, TCP_CONGESTION,
# TCP_NOTSENT_LOWAT, TCP_SYNCNT, TCP_LINGER2, TCP_WINDOW_CLAMP,
# TCP_THIN_LINEAR_TIMEOUTS, TCP_SAVE_SYN, SO_OOBINLINE, SO_ZEROCOPY,
# SO_BUSY_POLL, SO_MAX_PACING_RATE, SO_RCVLOWAT, IP_MINTTL /
# IPV6_MINHOPCOUNT, IP_RECVERR / IPV6_RECVERR, IP_MTU_DISCOVER /
# IPV6_MTU_DISCOVER,
# TCP_QUICKACK off, IP_TTL / IPV6_UNICAST_HOPS, SO_MARK,
# IP_TOS / IPV6_TCLASS,
# IP_TRANSPARENT, IP_FREEBIND, SO_LINGER, SO_RCVTIMEO / SO_SNDTIMEO,
# SO_RCVBUFFORCE sizes past
# rmem_max, ...), IPv4 and IPv6: each is read back on a connection taken
# from a local listener and compared with one taken plainly with accept(2)
# from a listener set up the same way (tests/progs/optcheck.c); a value
# that a new socket reads too fails, since it would prove nothing. A
# listener's IP_MINTTL / IPV6_MINHOPCOUNT also drops SYNs below it: a
# local listener must drop them as the application's does.
. "$FS_ROOT/tests/vm/lib.sh"

[ "$(nproc)" -ge 2 ] || skip "needs at least 2 CPUs"
# Stealing off: the connection must stay on the local listener it hit.
fs_load steal_after_ms=0 || fail "load failed"
check "options carried by local listeners" "$FS_BIN/optcheck"
