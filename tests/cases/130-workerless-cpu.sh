# A CPU without a worker: a pre-fork server with local listeners on only
# two of the CPUs, traffic over veth with RPS on all of them. Connections
# whose handshake ran elsewhere land on a listener chosen by hash, the
# global one included, and ACCEPT's global fallback serves them: none may
# fail. Over IPv4 and IPv6.
. "$FS_ROOT/tests/vm/lib.sh"
. "$FS_ROOT/tests/vm/stats.sh"

[ "$(nproc)" -ge 3 ] || skip "needs at least 3 CPUs"
trap fs_netns_down EXIT
fs_netns_up || fail "cannot set up the namespaces"
fs_load || fail "load failed"
n=1000
[ "$FS_DEBUG_KERNEL" = 1 ] && n=200
for addr in 10.77.0.1 fd77::1; do
	out=$(mktemp) before=$(fs_stat global_accepts)
	ip netns exec srv "$FS_BIN/prefork" server -a $addr -p 8080 -w 2 \
		-n $n -t 240 >"$out" &
	server=$!
	wait_for_line "$out" ready || { cat "$out"; ip -n srv addr; fail "server did not start"; }
	start=$(date +%s)
	ip netns exec cli "$FS_BIN/prefork" client -a $addr -p 8080 -n $n -c 8 ||
		fail "client connections to $addr failed"
	wait $server || { cat "$out"; fail "server answered fewer than $n"; }
	global=$(( $(fs_stat global_accepts) - before ))
	note "$addr: 2 workers on $(nproc) CPUs, $n connections in $(( $(date +%s) - start )) s, $global from the global queue, 0 failed"
	[ "$global" -gt 0 ] || fail "no connection to $addr came from the global queue"
done
check "closed listeners are forgotten" fs_wait_no_listeners
