# A stalled worker's connections are served by the others (connection
# stealing). An unmodified pre-fork server (tests/progs/stall.c) with one
# worker per CPU, one of them stopped with SIGSTOP for good, short
# connections over veth with RPS, each with a 2 s bound: on one shared
# listener the plain kernel serves them all; under libfsocket.so every
# connection whose SYN lands on the stopped worker's CPU would wait in its
# local queue, and the module must hand it to an idle worker within
# steal_after_ms. Epoll workers, blocking-accept workers and workers that
# poll() before accept(); none may fail,
# and the slowest must stay under a bound. With no worker stopped, the
# same server keeps >= 99 % accept locality. Plain figures are measured in
# the same run and printed beside.
. "$FS_ROOT/tests/vm/lib.sh"
. "$FS_ROOT/tests/vm/stats.sh"
. "$FS_ROOT/tests/vm/stall.sh"

[ "$(nproc)" -ge 2 ] || skip "needs at least 2 CPUs"
trap fs_netns_down EXIT
fs_netns_up || fail "cannot set up the namespaces"
fs_load || fail "load failed"
bound=$(cat /sys/module/fastsocket/parameters/steal_after_ms)

n=600 slowest=1000
[ "$FS_DEBUG_KERNEL" = 1 ] && n=150 slowest=1500

# A stopped worker, fastsocket: every connection answered, none slow.
port=8100
for mode in epoll block poll; do
	if [ "$FS_DEBUG_KERNEL" != 1 ]; then
		port=$((port + 1))
		note "$(fs_stall_run $port $n "plain, $mode, 1 stopped" -- -w "$(nproc)" -m $mode -S)"
	fi
	port=$((port + 1))
	r=$(fs_stall_run $port $n "fastsocket, $mode, 1 stopped" "${FS_PRELOAD[@]}" -- -w "$(nproc)" -m $mode -S)
	note "$r"
	failed=$(fs_field "$r" failed) max=$(fs_field "$r" max) stolen=$(fs_field "$r" stolen)
	fs_losses_ok "$failed" $n || fail "$mode: connections failed with a stopped worker: $r"
	# A poll() worker takes its local listener at its first accept(),
	# which a worker stopped at once never made: nothing to steal then.
	[ "$mode" = poll ] || [ "$stolen" -gt 0 ] ||
		fail "$mode: nothing was stolen from the stopped worker: $r"
	awk -v m="$max" -v b=$slowest 'BEGIN { exit !(m < b) }' ||
		fail "$mode: the slowest connection took $max ms (bound ${slowest} ms, steal_after_ms $bound)"
	echo "ok: $mode: $n of $n answered with a worker stopped, $stolen stolen, slowest $max ms"
done

# No worker stopped: stealing leaves the healthy workers their locality.
r=$(fs_stall_run 8110 $n "fastsocket, epoll, healthy" "${FS_PRELOAD[@]}" -- -w "$(nproc)" -m epoll)
note "$r"
pct=$(fs_field "$r" pct)
[ "$(fs_field "$r" failed)" = 0 ] || fail "healthy: connections failed: $r"
awk -v p="$pct" 'BEGIN { exit !(p >= 99.0) }' || fail "healthy: locality $pct% < 99%"
echo "ok: healthy workers: locality $pct%, $(fs_field "$r" stolen) stolen"

# Stealing off: the module leaves the queues alone (a short run; a
# stopped worker's connections would time out, so only a healthy one).
echo 0 >/sys/module/fastsocket/parameters/steal_after_ms
before=$(fs_stat stolen)
r=$(fs_stall_run 8111 $n "fastsocket, steal_after_ms=0, healthy" "${FS_PRELOAD[@]}" -- -w "$(nproc)" -m epoll)
[ "$(fs_stat stolen)" = "$before" ] || fail "steal_after_ms=0 still stole: $r"
echo "ok: steal_after_ms=0 steals nothing"
echo "$bound" >/sys/module/fastsocket/parameters/steal_after_ms
check "closed listeners are forgotten" fs_wait_no_listeners
