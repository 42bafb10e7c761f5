# nginx's binary upgrade under load, the way Debian's nginx package does
# one at each of its upgrades (/etc/init.d/nginx upgrade: SIGUSR2 to the
# master, which execs a new master with the listeners; once both have
# written their pid files, SIGQUIT to the old one), plain nginx and nginx
# under libfsocket.so in turn in the same run, wrk's short connections
# over veth with RPS throughout: no request may fail in either. The new
# master makes its environment itself, without LD_PRELOAD, and does not
# listen() again: under the library its workers must still carry
# libfsocket.so and take at least 99 % of their connections from local
# listeners (the library carries itself over such an exec: exec.c).
# Plain nginx's workers must carry nothing of it.
# Sanitizer kernels: skipped: nginx and the library; 140 and 230 close local listeners under load
# Middle kernels: skipped: userspace over the module, the same on every kernel; of the two stock kernels at the ends, the one below runs it
# Stock kernel: oldest
. "$FS_ROOT/tests/vm/lib.sh"
. "$FS_ROOT/tests/vm/stats.sh"
. "$FS_ROOT/tests/vm/servers.sh"

for p in nginx wrk; do
	command -v "$p" >/dev/null || skip "$p is not installed (tests/lib/host-deps.sh installs it)"
done
[ "$(nproc)" -ge 2 ] || skip "needs at least 2 CPUs"
secs=8
trap 'fs_servers_stop; fs_netns_down' EXIT
fs_netns_up || fail "cannot set up the namespaces"
fs_servers_prepare || fail "cannot prepare nginx's paths"
fs_load || fail "load failed"

pid=/run/nginx.pid

# carriers PID: how many of master PID's workers map libfsocket.so.
carriers() {
	local w n=0
	for w in $(pgrep -P "$1"); do
		grep -q libfsocket "/proc/$w/maps" && n=$((n + 1))
	done
	echo $n
}

# upgrade SETUP [env...]: nginx (by its full path, as the init script
# starts it: the new binary is exec'd by that name) upgraded under wrk.
upgrade() {
	local setup=$1 old new i res; shift
	rm -f $pid $pid.oldbin
	ip netns exec srv env "$@" /usr/sbin/nginx || fail "$setup: nginx did not start"
	fs_wait_up || fail "$setup: nginx does not answer"
	fs_wrk "$secs" >/tmp/upgrade.res &
	sleep 2
	old=$(cat $pid)
	kill -USR2 "$old" || fail "$setup: no nginx master to upgrade"
	for i in $(seq 100); do
		[ -s $pid.oldbin ] && [ -s $pid ] && break
		sleep 0.1
	done
	[ -s $pid.oldbin ] && [ -s $pid ] ||
		fail "$setup: no new master within 10 s: $(tail -n 5 /var/log/nginx/error.log)"
	new=$(cat $pid)
	kill -QUIT "$old"
	wait
	res=$(cat /tmp/upgrade.res)
	set -- $res
	[ "${2:-0}" -gt 0 ] && [ "$4" = 0 ] ||
		{ cat /tmp/wrk.out; fail "$setup: $4 of $2 requests failed across the upgrade (kernel: $(fs_tcp_counters))"; }
	wait_gone "$old" || fail "$setup: the old master $old is still there 10 s after SIGQUIT"
	echo "ok: $setup: a binary upgrade under load: $2 requests, 0 errors"
	note "$setup: upgrade under wrk: $res"
	workers=$(pgrep -c -P "$new") carried=$(carriers "$new")
}

upgrade plain
[ "$carried" = 0 ] || fail "plain: $carried of nginx's $workers new workers map libfsocket.so"
fs_servers_stop

upgrade fastsocket LD_PRELOAD="$FS_LIB"
[ "$workers" -gt 0 ] && [ "$carried" = "$workers" ] ||
	fail "fastsocket: $carried of the new master's $workers workers map libfsocket.so"
echo "ok: fastsocket: the new master's $workers workers carry libfsocket.so"
fs_share_local "nginx after a binary upgrade" "$(fs_http_load nginx 'fastsocket static ok' 3)" 99
fs_servers_stop
check "closed listeners are forgotten" fs_wait_no_listeners
