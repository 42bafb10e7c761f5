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
trap fs_netns_down EXIT
fs_netns_up || fail "namespaces"
# run TITLE PORT [-s]: the same pre-fork server, 2000 connections.
run() {
	local out; out=$(mktemp)
	echo "== $1"
	ip netns exec srv "$FS_BIN/locality" server -a 10.77.0.1 -p "$2" -w "$(nproc)" -n 2000 -t 300 ${3:-} >"$out" &
	wait_for_line "$out" ready || fail "server did not start"
	ip netns exec cli "$FS_BIN/prefork" client -a 10.77.0.1 -p "$2" -n 2000 -c 16
	wait $!
	tail -n 1 "$out" | awk '{ printf "  accepted %s, on the CPU that processed the handshake: %s (%s%%)\n", $2, $4, $6 }'
}
run "plain kernel: pre-fork epoll server, one shared listener, traffic over veth with RPS" 8080
run "fastsocket: the same server, each worker on a local listener from SPAWN_LISTEN (mode 2)" 8081 "-s 2"
echo "  (unmodified servers through libfsocket.so, and nginx, come with issues 4 and 7)"
