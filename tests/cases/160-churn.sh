# Concurrency: threads of one process spawn, accept from, shut down and
# close local listeners of one listener at once while clients connect. The
# only errors may be EBUSY and EAGAIN, no connection may fail (a listener
# quiesces before it stops, so no handshake completes on a stopping one:
# src/kmod/local_ops.c), and the kernel log must stay clean (lockdep on the
# sanitizer kernels).
. "$FS_ROOT/tests/vm/lib.sh"
. "$FS_ROOT/tests/vm/stats.sh"

fs_load || fail "load failed"
rounds=100 conns=2000
[ "$FS_DEBUG_KERNEL" = 1 ] && rounds=30 conns=400
out=$("$FS_BIN/churn" 8 $rounds $conns)
echo "$out"
echo "$out" | grep -q ' failed 0 unexpected 0$' || fail "churn: $out"
note "8 threads: $out"
check "closed listeners are forgotten" fs_wait_no_listeners
check "rmmod" fs_unload
