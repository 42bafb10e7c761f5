# Locality with local listeners: a pre-fork epoll server, one worker pinned
# per CPU, each with a local listener from SPAWN_LISTEN over its listening
# descriptor, traffic from another namespace over veth with RPS. At least
# 99 % of connections must be accepted on the CPU that processed their
# handshake; the plain kernel's figure is measured in the same run.
. "$FS_ROOT/tests/vm/lib.sh"

[ "$(nproc)" -ge 2 ] || skip "needs at least 2 CPUs"
trap fs_netns_down EXIT
fs_netns_up || fail "cannot set up the namespaces"
fs_load || fail "load failed"

measure() {	# measure PORT [-s]: prints the server's summary line
	local out; out=$(mktemp)
	ip netns exec srv "$FS_BIN/locality" server -a 10.77.0.1 -p "$1" \
		-w "$(nproc)" -n 1000 -t 240 ${2:-} >"$out" &
	local server=$!
	wait_for_line "$out" ready || fail "server did not start"
	ip netns exec cli "$FS_BIN/prefork" client -a 10.77.0.1 -p "$1" \
		-n 1000 -c 8 >&2 || fail "client connections failed"
	wait $server || { cat "$out"; fail "server saw fewer connections than sent"; }
	tail -n 1 "$out"
}

plain=$(measure 8081)
spawned=$(measure 8082 -s)
note "plain:      $plain"
note "local listeners: $spawned"
pct=$(echo "$spawned" | awk '{ print $6 }')
awk -v p="$pct" 'BEGIN { exit !(p >= 99.0) }' || fail "locality $pct% < 99%"
echo "ok: locality $pct%"
