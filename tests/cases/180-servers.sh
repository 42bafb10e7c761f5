# Unmodified servers under LD_PRELOAD=libfsocket.so: nginx (Debian's own
# configuration, worker_processes auto), lighttpd (a worker per CPU),
# haproxy multi-threaded (its default) and as one process per CPU. wrk in
# another namespace sends short connections (one request each) over veth
# with RPS. Each must answer every request correctly with no socket error.
# nginx and lighttpd must accept at least 99 % of the connections wrk
# made from their workers' local queues (the module's counters); haproxy's
# figures are reported.
. "$FS_ROOT/tests/vm/lib.sh"
. "$FS_ROOT/tests/vm/stats.sh"

for p in nginx lighttpd haproxy wrk; do
	command -v "$p" >/dev/null || skip "$p is not installed (tests/lib/host-deps.sh installs it)"
done
[ "$(nproc)" -ge 2 ] || skip "needs at least 2 CPUs"
cpus=$(nproc)
secs=${FS_WRK_SECONDS:-4}
servers=$FS_ROOT/tests/servers
trap 'stop_all; fs_netns_down' EXIT
fs_netns_up || fail "cannot set up the namespaces"
mkdir -p /var/log/nginx /var/lib/nginx /var/log/lighttpd /var/www/html
chown www-data: /var/log/lighttpd
echo "fastsocket static ok" >/var/www/html/index.html
echo "fastsocket static ok" >/var/www/html/index.nginx-debian.html
fs_load || fail "load failed"

servers_running() { pgrep -x nginx || pgrep -x lighttpd || pgrep -x haproxy; }
stop_all() {
	local i p
	for p in nginx lighttpd haproxy; do pkill -x $p; done
	for i in $(seq 50); do
		servers_running >/dev/null || return 0
		sleep 0.1
	done
	for p in nginx lighttpd haproxy; do pkill -9 -x $p; done
}

# get PATH: one HTTP/1.0 request from the client namespace; prints the body.
get() {
	ip netns exec cli bash -c 'exec 3<>/dev/tcp/10.77.0.1/80 &&
		printf "GET %s HTTP/1.0\r\nHost: t\r\n\r\n" "$1" >&3 &&
		sed "1,/^\r$/d" <&3' _ "$1"
}

wait_up() {
	local i
	for i in $(seq 100); do
		get / 2>/dev/null | grep -q ok && return 0
		sleep 0.1
	done
	return 1
}

# load NAME WANT: checks one response, runs wrk, checks its result and
# prints "requests N local L global G" for the run.
load() {
	local name=$1 want=$2 out l0 g0 req
	wait_up || fail "$name did not answer"
	[ "$(get /)" = "$want" ] || fail "$name: wrong response: $(get /)"
	l0=$(fs_stat local_accepts) g0=$(fs_stat global_accepts)
	out=$(ip netns exec cli wrk -t 2 -c 16 -d "${secs}s" -H 'Connection: close' \
		http://10.77.0.1/ 2>&1) || fail "$name: wrk failed: $out"
	req=$(echo "$out" | awk '$2 == "requests" && $3 == "in" { print $1 }')
	echo "$out" | grep -E 'Socket errors|Non-2xx' >&2 && fail "$name: errors under load"
	[ "${req:-0}" -gt 0 ] || fail "$name: no requests: $out"
	echo "requests $req local $(( $(fs_stat local_accepts) - l0 )) global $(( $(fs_stat global_accepts) - g0 ))"
}

# share_local NAME FIGURES MIN: the module accepted at least every request
# wrk made (a few more: wrk's last connections, the first GETs), and at
# least MIN % of its accepts came from local queues.
share_local() {
	local pct
	if ! echo "$2" | awk '{ exit !($4 + $6 >= $2) }' && [ "$3" != 0 ]; then
		fail "$1: $2: fewer accepts through the module than requests"
	fi
	pct=$(echo "$2" | awk '{ n = $4 + $6; printf "%.1f", n ? 100 * $4 / n : 0 }')
	if awk -v p="$pct" -v m="$3" 'BEGIN { exit !(p >= m) }'; then
		echo "ok: $1: $2: $pct % local"
	else
		fail "$1: $2: $pct % local, want >= $3 %"
	fi
}

preload() { ip netns exec srv env LD_PRELOAD="$FS_LIB" "$@"; }

preload nginx || fail "nginx did not start"
share_local "nginx, $cpus workers" "$(load nginx 'fastsocket static ok')" 99
stop_all

sed "s/^server.max-worker .*/server.max-worker = $cpus/" "$servers/lighttpd.conf" >/tmp/lighttpd.conf
preload lighttpd -f /tmp/lighttpd.conf || fail "lighttpd did not start"
share_local "lighttpd, $cpus workers" "$(load lighttpd 'fastsocket static ok')" 99
stop_all

preload haproxy -D -f "$servers/haproxy-threads.cfg" || fail "haproxy did not start"
share_local "haproxy, 1 process x $cpus threads" "$(load haproxy 'fastsocket haproxy ok')" 0
stop_all

for i in $(seq "$cpus"); do
	preload haproxy -D -f "$servers/haproxy-process.cfg" || fail "haproxy $i did not start"
done
share_local "haproxy, $cpus processes" "$(load haproxy 'fastsocket haproxy ok')" 0
stop_all
fs_wait_no_listeners || fail "listeners left after the servers stopped: $(fs_listeners)"
echo "ok: listeners 0 after the servers stopped"
