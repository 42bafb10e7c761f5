# Running Debian's servers under libfsocket.so in test cases (sourced after
# lib.sh and stats.sh, with fs_netns_up done): the server listens on
# 10.77.0.1:80 in namespace srv, wrk runs in namespace cli.
# shellcheck shell=bash

FS_SERVERS="nginx lighttpd haproxy"

# fs_servers_prepare: the writable paths Debian's configurations expect.
fs_servers_prepare() {
	mkdir -p /var/log/nginx /var/lib/nginx /var/log/lighttpd /var/www/html &&
	chown www-data: /var/log/lighttpd &&
	echo "fastsocket static ok" >/var/www/html/index.html &&
	echo "fastsocket static ok" >/var/www/html/index.nginx-debian.html
}

fs_servers_running() {
	local p
	for p in $FS_SERVERS; do pgrep -x "$p" && return 0; done
	return 1
}

# fs_servers_stop: TERM, then KILL after 5 s.
fs_servers_stop() {
	local i p
	for p in $FS_SERVERS; do pkill -x "$p"; done
	for i in $(seq 50); do
		fs_servers_running >/dev/null || return 0
		sleep 0.1
	done
	for p in $FS_SERVERS; do pkill -9 -x "$p"; done
}

# fs_preload CMD...: CMD in namespace srv under the library.
fs_preload() { ip netns exec srv env LD_PRELOAD="$FS_LIB" "$@"; }

# fs_get PATH: one HTTP/1.0 request from namespace cli; prints the body.
fs_get() {
	ip netns exec cli bash -c 'exec 3<>/dev/tcp/10.77.0.1/80 &&
		printf "GET %s HTTP/1.0\r\nHost: t\r\n\r\n" "$1" >&3 &&
		sed "1,/^\r$/d" <&3' _ "$1"
}

# fs_wait_up: the server answers within 10 s.
fs_wait_up() {
	local i
	for i in $(seq 100); do
		fs_get / 2>/dev/null | grep -q ok && return 0
		sleep 0.1
	done
	return 1
}

# fs_wrk SECONDS: short connections (one request each) for SECONDS; prints
# "requests N errors E rate R" (errors: socket errors and non-2xx/3xx
# answers; R: requests, so connections, per second). An answer slower than
# wrk's 2 s counts as an error; on the sanitizer kernels, 10 s (a nginx
# reload there once took over 2 s to answer 3 of 303 requests).
fs_wrk() {
	local timeout=2s
	[ "${FS_DEBUG_KERNEL:-0}" = 1 ] && timeout=10s
	ip netns exec cli wrk -t 2 -c 16 -d "$1s" --timeout "$timeout" \
		-H 'Connection: close' \
		http://10.77.0.1/ 2>&1 | awk '
		$2 == "requests" && $3 == "in" { req = $1 }
		$1 == "Requests/sec:" { rate = $2 }
		/Socket errors/ { gsub(",", ""); err += $4 + $6 + $8 + $10 }
		/Non-2xx/ { err += $NF }
		{ print > "/dev/stderr" }
		END { printf "requests %d errors %d rate %.1f\n", req, err, rate }' 2>/tmp/wrk.out
}

# fs_http_load NAME WANT SECONDS: checks one answer is WANT, runs wrk, fails on
# any error, prints "requests N local L global G" for the run.
fs_http_load() {
	local name=$1 want=$2 l0 g0 res
	fs_wait_up || fail "$name did not answer"
	[ "$(fs_get /)" = "$want" ] || fail "$name: wrong answer: $(fs_get /)"
	l0=$(fs_stat local_accepts) g0=$(fs_stat global_accepts)
	res=$(fs_wrk "$3")
	set -- $res
	[ "$2" -gt 0 ] || { cat /tmp/wrk.out; fail "$name: no requests"; }
	[ "$4" = 0 ] || { cat /tmp/wrk.out; fail "$name: $4 errors under load"; }
	echo "requests $2 local $(( $(fs_stat local_accepts) - l0 )) global $(( $(fs_stat global_accepts) - g0 ))"
}

# fs_share_local NAME FIGURES MIN: the module accepted at least every
# request wrk made (a few more: wrk's last connections, the first GETs),
# and at least MIN % of its accepts came from local queues.
fs_share_local() {
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
