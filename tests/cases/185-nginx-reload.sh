# nginx under libfsocket.so reloaded twice (SIGHUP: new workers start while
# the old ones drain and close their local listeners) during short-
# connection load: no request fails. Afterwards the new workers own the
# local listeners: at least 99 % of connections are accepted locally.
# Sanitizer kernels: skipped: nginx and the library; 140 and 230 close local listeners under load
# Middle kernels: skipped: userspace over the module, the same on every kernel; of the two stock kernels at the ends, the one below runs it
# Stock kernel: newest
. "$FS_ROOT/tests/vm/lib.sh"
. "$FS_ROOT/tests/vm/stats.sh"
. "$FS_ROOT/tests/vm/servers.sh"

for p in nginx wrk; do
	command -v "$p" >/dev/null || skip "$p is not installed (tests/lib/host-deps.sh installs it)"
done
[ "$(nproc)" -ge 2 ] || skip "needs at least 2 CPUs"
cpus=$(nproc)
secs=8
[ "$FS_DEBUG_KERNEL" = 1 ] && secs=12
trap 'fs_servers_stop; fs_netns_down' EXIT
fs_netns_up || fail "cannot set up the namespaces"
fs_servers_prepare || fail "cannot prepare the server's paths"
fs_load || fail "load failed"

workers() { pgrep -c -f '^nginx: worker process'; }
old_workers() { pgrep -c -f '^nginx: worker process is shutting down'; }

fs_preload nginx || fail "nginx did not start"
fs_wait_up || fail "nginx did not answer"
fs_wrk "$secs" >/tmp/reload.res &
wrk=$!
sleep $((secs / 4))
kill -HUP "$(cat /run/nginx.pid)" || fail "no nginx master to reload"
sleep $((secs / 4))
kill -HUP "$(cat /run/nginx.pid)"
wait $wrk
set -- $(cat /tmp/reload.res)
[ "${2:-0}" -gt 0 ] || { cat /tmp/wrk.out; fail "no requests during the reloads"; }
[ "$4" = 0 ] || {
	cat /tmp/wrk.out
	fail "$4 of $2 requests failed across two reloads (kernel: $(fs_tcp_counters))"
}
echo "ok: two reloads under load: $2 requests, 0 errors"

for _ in $(seq 100); do
	[ "$(old_workers)" = 0 ] && [ "$(workers)" = "$cpus" ] && break
	sleep 0.1
done
[ "$(old_workers)" = 0 ] || fail "old workers still draining: $(old_workers)"
fs_share_local "nginx after two reloads" "$(fs_http_load nginx 'fastsocket static ok' 3)" 99
