# Unmodified servers under LD_PRELOAD=libfsocket.so: nginx (Debian's own
# configuration, worker_processes auto), lighttpd (a worker per CPU),
# haproxy as one process per CPU (its default, threaded, is case 296's). wrk in
# another namespace sends short connections (one request each) over veth
# with RPS. Each must answer every request correctly with no socket error.
# nginx and lighttpd must accept at least 99 % of the connections wrk
# made from their workers' local queues (the module's counters); haproxy's
# figures are reported (FASTSOCKET_FULL=1: the sanitizer kernels run nginx only).
# Sanitizer kernels: skipped: servers under the library; 110, 140 and 230 drive the same module paths with a pre-fork server
# Middle kernels: skipped: userspace over the module, the same on every kernel; of the two stock kernels at the ends, the one below runs it
# Stock kernel: oldest
. "$FS_ROOT/tests/vm/lib.sh"
. "$FS_ROOT/tests/vm/stats.sh"
. "$FS_ROOT/tests/vm/servers.sh"

for p in $FS_SERVERS wrk; do
	command -v "$p" >/dev/null || skip "$p is not installed (tests/lib/host-deps.sh installs it)"
done
[ "$(nproc)" -ge 2 ] || skip "needs at least 2 CPUs"
cpus=$(nproc)
secs=${FS_WRK_SECONDS:-4}
[ "$FS_DEBUG_KERNEL" = 1 ] && secs=2
servers=$FS_ROOT/tests/servers
trap 'fs_servers_stop; fs_netns_down' EXIT
fs_netns_up || fail "cannot set up the namespaces"
fs_servers_prepare || fail "cannot prepare the servers' paths"
fs_load || fail "load failed"

fs_preload nginx || fail "nginx did not start"
fs_share_local "nginx, $cpus workers" "$(fs_http_load nginx 'fastsocket static ok' "$secs")" 99
fs_servers_stop

# The rest differ from nginx in userspace only: stock kernels only.
if [ "$FS_DEBUG_KERNEL" != 1 ]; then
	sed "s/^server.max-worker .*/server.max-worker = $cpus/" "$servers/lighttpd.conf" >/tmp/lighttpd.conf
	fs_preload lighttpd -f /tmp/lighttpd.conf || fail "lighttpd did not start"
	fs_share_local "lighttpd, $cpus workers" "$(fs_http_load lighttpd 'fastsocket static ok' "$secs")" 99
	fs_servers_stop

	for i in $(seq "$cpus"); do
		fs_preload haproxy -D -f "$servers/haproxy-process.cfg" || fail "haproxy $i did not start"
	done
	fs_share_local "haproxy, $cpus processes" "$(fs_http_load haproxy 'fastsocket haproxy ok' "$secs")" 0
	fs_servers_stop
fi
fs_wait_no_listeners || fail "listeners left after the servers stopped: $(fs_listeners)"
echo "ok: listeners 0 after the servers stopped"
