# A thread that exits strands no connection. A threaded server
# (tests/progs/stall.c -T, one listener shared by one thread per CPU)
# whose thread 0 returns after its first connection; under libfsocket.so
# the process's descriptor is a local listener from the first accept on,
# and the threads left must keep taking its queue and the shared one.
# Epoll and blocking-accept threads, short connections over veth with
# RPS, each bounded by 2 s; plain figures measured in the same run and
# printed beside (stock kernels only).
# Sanitizer kernels: skipped: the library under threads; 120 and 140 drive ACCEPT and closing listeners
. "$FS_ROOT/tests/vm/lib.sh"
. "$FS_ROOT/tests/vm/stats.sh"
. "$FS_ROOT/tests/vm/stall.sh"

[ "$(nproc)" -ge 2 ] || skip "needs at least 2 CPUs"
trap fs_netns_down EXIT
fs_netns_up || fail "cannot set up the namespaces"
fs_load || fail "load failed"

n=300
[ "$FS_DEBUG_KERNEL" = 1 ] && n=100
port=8500
for mode in epoll block; do
	for setup in plain fastsocket; do
		port=$((port + 1))
		if [ $setup = plain ]; then
			[ "$FS_DEBUG_KERNEL" = 1 ] && continue
			r=$(fs_stall_run $port $n "$setup, $mode threads, one exits" -- -w "$(nproc)" -m $mode -T -X)
		else
			r=$(fs_stall_run $port $n "$setup, $mode threads, one exits" "${FS_PRELOAD[@]}" -- -w "$(nproc)" -m $mode -T -X)
		fi
		note "$r"
		[ "$(fs_field "$r" exited)" = 1 ] || fail "$setup, $mode: thread 0 did not exit, so nothing was tested: $r"
		fs_losses_ok "$(fs_field "$r" failed)" $n || fail "$setup, $mode: connections lost after a thread exited: $r"
		echo "ok: $setup, $mode threads: $n of $n answered after thread 0 exited"
	done
done
check "closed listeners are forgotten" fs_wait_no_listeners
