# Workers that wait in poll() or select() on a blocking listener, then
# call accept() (no O_NONBLOCK): under libfsocket.so the first accept()
# puts a local listener over the worker's descriptor, and poll()/select()
# must still report the connections that wait on the shared listener:
# those of CPUs without a worker (2 workers on 4 CPUs here, traffic from
# every CPU over veth with RPS). Plain and fastsocket side by side, each
# connection bounded by 2 s: none may fail under fastsocket.
# Sanitizer kernels: skipped: the library's poll() and select(); 120 and 270 drive ACCEPT and stealing
# Middle kernels: skipped: userspace over the module, the same on every kernel; of the two stock kernels at the ends, the one below runs it
# Stock kernel: newest
. "$FS_ROOT/tests/vm/lib.sh"
. "$FS_ROOT/tests/vm/stats.sh"
. "$FS_ROOT/tests/vm/stall.sh"

[ "$(nproc)" -ge 3 ] || skip "needs at least 3 CPUs"
trap fs_netns_down EXIT
fs_netns_up || fail "cannot set up the namespaces"
fs_load || fail "load failed"
n=600
[ "$FS_DEBUG_KERNEL" = 1 ] && n=150
port=8120
for mode in poll select; do
	if [ "$FS_DEBUG_KERNEL" != 1 ]; then
		port=$((port + 1))
		note "$(fs_stall_run $port $n "plain, $mode, 2 workers" -- -w 2 -m $mode)"
	fi
	port=$((port + 1))
	g0=$(fs_stat global_accepts)
	r=$(fs_stall_run $port $n "fastsocket, $mode, 2 workers" "${FS_PRELOAD[@]}" -- -w 2 -m $mode)
	global=$(( $(fs_stat global_accepts) - g0 ))
	note "$r; $global from the shared queue"
	fs_losses_ok "$(fs_field "$r" failed)" $n || fail "$mode: connections failed: $r"
	[ "$global" -gt 0 ] || fail "$mode: no connection came from the shared queue: $r"
	echo "ok: $mode: $n of $n answered, $global of them from the shared queue"
done
check "closed listeners are forgotten" fs_wait_no_listeners
