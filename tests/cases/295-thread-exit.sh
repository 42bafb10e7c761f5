# A thread that exits or stalls strands no connection. A threaded server
# (tests/progs/stall.c -T, one listener shared by one thread per CPU,
# each with a local listener of its own under libfsocket.so) whose thread
# 0 returns after its first connection (its local listener closes and
# hands its queue on), then one whose thread 0 stops serving there
# (-S: its local listener stays open, and the module must steal what
# waits on it within steal_after_ms: none lost, some stolen, the slowest
# under 1 s). Epoll and blocking-accept threads, short connections over
# veth with RPS, each bounded by 2 s; plain figures measured in the same
# run and printed beside (stock kernels only).
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

slowest=1000
[ "$FS_DEBUG_KERNEL" = 1 ] && slowest=1500
for mode in epoll block; do
	for setup in plain fastsocket; do
		port=$((port + 1))
		if [ $setup = plain ]; then
			[ "$FS_DEBUG_KERNEL" = 1 ] && continue
			r=$(fs_stall_run $port $n "$setup, $mode threads, one stalls" -- -w "$(nproc)" -m $mode -T -S)
		else
			r=$(fs_stall_run $port $n "$setup, $mode threads, one stalls" "${FS_PRELOAD[@]}" -- -w "$(nproc)" -m $mode -T -S)
		fi
		note "$r"
		[ "$(fs_field "$r" stalled)" = 1 ] || fail "$setup, $mode: thread 0 did not stall, so nothing was tested: $r"
		fs_losses_ok "$(fs_field "$r" failed)" $n || fail "$setup, $mode: connections lost with a stalled thread: $r"
		max=$(fs_field "$r" max) stolen=$(fs_field "$r" stolen)
		if [ $setup = fastsocket ]; then
			[ "$stolen" -gt 0 ] || fail "$mode: nothing was stolen from the stalled thread: $r"
			awk -v m="$max" -v b=$slowest 'BEGIN { exit !(m < b) }' ||
				fail "$mode: the slowest connection took $max ms with a stalled thread (bound $slowest ms)"
		fi
		echo "ok: $setup, $mode threads: $n of $n answered with thread 0 stalled, $stolen stolen, slowest $max ms"
	done
done
check "closed listeners are forgotten" fs_wait_no_listeners
