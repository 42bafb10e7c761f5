# Signals that end a worker's waits lose no connection. Each worker of a
# pre-fork server (tests/progs/stall.c -I, one shared listener) takes a
# SIGALRM every 2 ms from a timer, its handler installed without
# SA_RESTART, so its epoll_wait, poll or blocking accept ends with EINTR
# and is made again; under libfsocket.so the module's blocking ACCEPT is
# interrupted the same way. Epoll, poll() and blocking-accept workers,
# short connections over veth with RPS, each bounded by 2 s; plain figures
# measured in the same run and printed beside (stock kernels only; the
# sanitizer kernels run the blocking workers, whose waits are the
# module's ACCEPT).
. "$FS_ROOT/tests/vm/lib.sh"
. "$FS_ROOT/tests/vm/stats.sh"
. "$FS_ROOT/tests/vm/stall.sh"

trap fs_netns_down EXIT
fs_netns_up || fail "cannot set up the namespaces"
fs_load || fail "load failed"

n=300
[ "$FS_DEBUG_KERNEL" = 1 ] && n=100
port=8400
modes="epoll poll block"
[ "$FS_DEBUG_KERNEL" = 1 ] && modes=block
for mode in $modes; do
	for setup in plain fastsocket; do
		port=$((port + 1))
		if [ $setup = plain ]; then
			[ "$FS_DEBUG_KERNEL" = 1 ] && continue
			r=$(fs_stall_run $port $n "$setup, $mode, signals" -- -w "$(nproc)" -m "$mode" -I)
		else
			r=$(fs_stall_run $port $n "$setup, $mode, signals" "${FS_PRELOAD[@]}" -- -w "$(nproc)" -m "$mode" -I)
		fi
		note "$r"
		eintr=$(fs_field "$r" eintr)
		[ "$eintr" -gt 0 ] || fail "$setup, $mode: no wait ended with EINTR, so nothing was tested: $r"
		fs_losses_ok "$(fs_field "$r" failed)" $n || fail "$setup, $mode: connections lost to signals: $r"
		echo "ok: $setup, $mode: $n of $n answered, $eintr waits or accepts ended by a signal"
	done
done
check "closed listeners are forgotten" fs_wait_no_listeners
