# SOCKET is socket(2), CLOSE closes sockets only, SHUTDOWN_LISTEN stops a
# local listener and its queued connections are served by the global one;
# bad input gets one errno each. The cost of SOCKET + CLOSE against libc's
# socket() + close() is measured and printed (the library routes socket()
# through the module only if this shows a gain).
. "$FS_ROOT/tests/vm/lib.sh"
. "$FS_ROOT/tests/vm/stats.sh"

fs_load || fail "load failed"
check "SOCKET" "$FS_BIN/sockcheck" socket
check "CLOSE" "$FS_BIN/sockcheck" close
check "SHUTDOWN_LISTEN" "$FS_BIN/sockcheck" shutdown
n=20000
[ "$FS_DEBUG_KERNEL" = 1 ] && n=200
out=$("$FS_BIN/sockbench" "$n" 5) || fail "sockbench: $out"
echo "$out" | while read -r line; do note "$line"; done
check "closed listeners are forgotten" fs_wait_no_listeners
check "rmmod" fs_unload
