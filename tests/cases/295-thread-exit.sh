# A thread that exits or stalls strands no connection. A threaded server
# (tests/progs/stall.c -T, one listener shared by one thread per CPU,
# each with a local listener of its own under libfsocket.so) whose thread
# 0 returns after its first connection (its local listener closes and
# hands its queue on), then one whose thread 0 stops serving there
# (-S: its local listener stays open, out of any epoll, and the module
# must pause it or steal what waits on it: none lost, the slowest under
# 1 s). Epoll and blocking-accept threads, short connections over
# veth with RPS, each bounded by 2 s; plain figures measured in the same
# run and printed beside (stock kernels only).
# Sanitizer kernels: skipped: the library under threads; 120 and 140 drive ACCEPT and closing listeners
# Middle kernels: skipped: userspace over the module, the same on every kernel; of the two stock kernels at the ends, the one below runs it
# Stock kernel: oldest
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
slowest=1000
[ "$FS_DEBUG_KERNEL" = 1 ] && slowest=1500
# serve SETUP MODE WHAT FLAG: the threaded server whose thread 0 exits
# (-X) or stalls (-S) after its first connection.
serve() {
	local env=()
	[ "$1" = fastsocket ] && env=("${FS_PRELOAD[@]}")
	fs_stall_run $port $n "$1, $2 threads, one $3" "${env[@]}" -- -w "$(nproc)" -m "$2" -T "$4"
}
for event in "exits -X exited" "stalls -S stalled"; do
	read -r what flag counter <<<"$event"
	for mode in epoll block; do
		for setup in plain fastsocket; do
			port=$((port + 1))
			[ $setup = plain ] && [ "$FS_DEBUG_KERNEL" = 1 ] && continue
			r=$(serve $setup $mode "$what" $flag)
			note "$r"
			[ "$(fs_field "$r" "$counter")" = 1 ] ||
				fail "$setup, $mode: thread 0 was not $counter, so nothing was tested: $r"
			fs_losses_ok "$(fs_field "$r" failed)" $n ||
				fail "$setup, $mode: connections lost when a thread $what: $r"
			max=$(fs_field "$r" max) stolen=$(fs_field "$r" stolen)
			# A stalled thread's connections must not wait for it. The
			# epoll thread closes its epoll as it stalls, so the module
			# pauses its local listener (case 284) and its CPU's
			# connections go to the others, or steals what reached its
			# queue first; a blocking one may take its first connection
			# from the shared queue, still in its first accept(), and
			# stall with no queue of its own. Either way the slowest
			# must stay under the bound.
			if [ $flag = -S ] && [ $setup = fastsocket ]; then
				awk -v m="$max" -v b=$slowest 'BEGIN { exit !(m < b) }' ||
					fail "$mode: the slowest connection took $max ms with a stalled thread (bound $slowest ms)"
			fi
			echo "ok: $setup, $mode threads: $n of $n answered when thread 0 $what, $stolen stolen, slowest $max ms"
		done
	done
done
check "closed listeners are forgotten" fs_wait_no_listeners
