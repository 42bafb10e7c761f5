# SOCKET is socket(2), CLOSE closes sockets only, SHUTDOWN_LISTEN stops a
# local listener and its queued connections are served by the global one;
# bad input gets one errno each.
. "$FS_ROOT/tests/vm/lib.sh"
. "$FS_ROOT/tests/vm/stats.sh"

fs_load || fail "load failed"
check "SOCKET" "$FS_BIN/sockcheck" socket
check "CLOSE" "$FS_BIN/sockcheck" close
check "SHUTDOWN_LISTEN" "$FS_BIN/sockcheck" shutdown
check "closed listeners are forgotten" fs_wait_no_listeners
check "rmmod" fs_unload
