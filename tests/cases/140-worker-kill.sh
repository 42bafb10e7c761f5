# Workers killed with SIGKILL under load lose no connection: a pre-fork
# server with one local listener per CPU, one worker killed and replaced
# every 200 ms, while a client makes short connections over veth. What sat
# in a killed worker's local queue is moved by the kernel
# (net.ipv4.tcp_migrate_req, which the module turns on) and served by
# another worker: none may fail.
# The same run with tcp_migrate_req turned back off is reported for
# comparison.
. "$FS_ROOT/tests/vm/lib.sh"
. "$FS_ROOT/tests/vm/stats.sh"

[ "$(nproc)" -ge 2 ] || skip "needs at least 2 CPUs"
trap fs_netns_down EXIT
fs_netns_up || fail "cannot set up the namespaces"
fs_load || fail "load failed"

# run PORT CONNS [off]: prints the client's and the server's summary.
run() {
	local out; out=$(mktemp)
	ip netns exec srv "$FS_BIN/prefork" server -a 10.77.0.1 -p "$1" \
		-w "$(nproc)" -n "$2" -k 200 -t 600 >"$out" &
	local server=$!
	wait_for_line "$out" ready || fail "server did not start"
	[ "${3:-}" = off ] && ip netns exec srv sysctl -qw net.ipv4.tcp_migrate_req=0
	ip netns exec cli "$FS_BIN/prefork" client -a 10.77.0.1 -p "$1" -n "$2" -c 8
	# Done or not (connections lost never reach it), the server stops now.
	kill -TERM $server 2>/dev/null
	wait $server
	tail -n 1 "$out"
}

# The sanitizer kernels run about ten times slower under emulation.
n=20000
[ "$FS_DEBUG_KERNEL" = 1 ] && n=1000
result=$(run 8080 $n) || true
echo "$result"
kills=$(echo "$result" | awk '/^served/ { print $4 }')
[ "${kills:-0}" -gt 0 ] || fail "no worker was killed"
failed=$(echo "$result" | awk '/^connections/ { print $4 }')
note "module: $(echo "$result" | tr '\n' ' ')(stranded queues woken: $(fs_stat stranded_wakeups))"
note "kernel: $(fs_tcp_counters)"
[ "$(ip netns exec srv sysctl -n net.ipv4.tcp_migrate_req)" = 1 ] ||
	fail "the module did not turn tcp_migrate_req on"
# None may be lost.
fs_losses_ok "$failed" "$n" ||
	fail "connections failed while workers were killed: $result"

# The comparison without it is an illustration, made on the stock kernels.
[ "$FS_DEBUG_KERNEL" = 1 ] && exit 0
baseline=$(run 8081 2000 off) || true
note "without tcp_migrate_req: $(echo "$baseline" | tr '\n' ' ')"
