# The demo's guest side (until the nginx comparison lands): the module
# loads, /dev/fastsocket appears, its parameters read back, VERSION
# answers, and the plain kernel's accept locality is measured for the
# comparison to come.
. "$FS_ROOT/tests/vm/lib.sh"

echo "== kernel $(uname -r), $(nproc) vCPUs"
fs_load || fail "the module does not load"
echo "== /dev/fastsocket"
ls -l /dev/fastsocket
echo "== /sys/module/fastsocket/parameters"
for p in /sys/module/fastsocket/parameters/*; do
	printf '  %-30s %s\n' "$(basename "$p")" "$(cat "$p")"
done
echo "== VERSION ioctl"
"$FS_BIN/fsioctl" version "$(cat "$FS_ROOT/VERSION")" || fail "VERSION"
echo "== commands"
"$FS_BIN/fsioctl" commands | grep -v '^ok'
echo "== plain kernel: pre-fork epoll server, one shared listener, traffic over veth with RPS"
trap fs_netns_down EXIT
fs_netns_up || fail "namespaces"
out=$(mktemp)
ip netns exec srv "$FS_BIN/locality" server -a 10.77.0.1 -p 8080 -w "$(nproc)" -n 2000 -t 300 >"$out" &
wait_for_line "$out" ready || fail "server did not start"
ip netns exec cli "$FS_BIN/locality" client -a 10.77.0.1 -p 8080 -n 2000 -c 16
wait $!
tail -n 1 "$out" | awk '{ printf "  accepted %s, on the CPU that processed the handshake: %s (%s%%)\n", $2, $4, $6 }'
echo "  (fastsocket's side of this table comes with the per-core listen table, issues 3 and 7)"
