# Locality with local listeners: a pre-fork epoll server, one worker per
# CPU, each with a local listener from SPAWN_LISTEN over its listening
# descriptor, traffic from another namespace over veth with RPS. In mode 2
# the module chooses each worker's CPU and pins it there; in mode 1 the
# workers pin themselves first. In both, at least 99 % of connections must
# be accepted on the CPU that processed their handshake; the plain
# kernel's figure is measured in the same run.
. "$FS_ROOT/tests/vm/lib.sh"

[ "$(nproc)" -ge 2 ] || skip "needs at least 2 CPUs"
trap fs_netns_down EXIT
fs_netns_up || fail "cannot set up the namespaces"

# 1000 connections per setup; 200 on the slower sanitizer kernels.
n=1000
[ "$FS_DEBUG_KERNEL" = 1 ] && n=200

measure() {	# measure PORT [-s MODE]: prints the server's summary line
	local out; out=$(mktemp)
	ip netns exec srv "$FS_BIN/locality" server -a 10.77.0.1 -p "$1" \
		-w "$(nproc)" -n $n -t 240 ${2:-} ${3:-} >"$out" &
	local server=$!
	wait_for_line "$out" ready || fail "server did not start"
	ip netns exec cli "$FS_BIN/prefork" client -a 10.77.0.1 -p "$1" \
		-n $n -c 8 >&2 || fail "client connections failed"
	wait $server || { cat "$out"; fail "server saw fewer connections than sent"; }
	tail -n 1 "$out"
}

# at_least_99 WHAT SUMMARY
at_least_99() {
	local pct; pct=$(echo "$2" | awk '{ print $6 }')
	awk -v p="$pct" 'BEGIN { exit !(p >= 99.0) }' || fail "$1: locality $pct% < 99%"
	echo "ok: $1: locality $pct%"
}

fs_load || fail "load failed"
# The plain figure is the stock kernels' (no module code runs in it).
plain="not measured on the sanitizer kernels"
[ "$FS_DEBUG_KERNEL" = 1 ] || plain=$(measure 8081)
mode2=$(measure 8082 -s 2)
fs_unload
fs_load enable_listen_spawn=1 || fail "load with enable_listen_spawn=1 failed"
mode1=$(measure 8083 -s 1)
note "plain:  $plain"
note "mode 2: $mode2"
note "mode 1: $mode1"
at_least_99 "mode 2" "$mode2"
at_least_99 "mode 1" "$mode1"
