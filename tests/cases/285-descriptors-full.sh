# A worker whose descriptor table is full loses no connection. Each
# worker of a pre-fork epoll server (tests/progs/stall.c -F, one shared
# listener) has every descriptor number in use once it watches the
# listener, until its accept4() has failed with EMFILE three times (a
# server at its RLIMIT_NOFILE that closes descriptors later). accept(2)
# reserves the number before it takes a connection off the queue, so on
# the plain kernel every connection waits for room; under libfsocket.so
# the module's ACCEPT must do the same. Short connections over veth with
# RPS, each bounded by 2 s; plain figures measured in the same run and
# printed beside (stock kernels only).
# Then Debian's nginx at a small limit of its own (worker_rlimit_nofile)
# under more connections than its workers have room for, plain and under
# the library: accept4() fails with EMFILE in both, nginx takes its
# listeners out of epoll for 500 ms at each and adds them back without
# EPOLLEXCLUSIVE; no connection may be lost beyond plain's, and 11 s
# later (past the module's 10 s of pause churn) the workers must take at
# least 99 % of their connections from local listeners again. The
# library's own descriptors lie above the limit (src/libfsocket/nofile.c):
# before the load, its workers hold as many numbers below it as plain's.
# Sanitizer kernels: skipped: the library over ACCEPT's EMFILE path, which 120 drives
# Middle kernels: skipped: userspace over the module, the same on every kernel; of the two stock kernels at the ends, the one below runs it
# Stock kernel: oldest
. "$FS_ROOT/tests/vm/lib.sh"
. "$FS_ROOT/tests/vm/stats.sh"
. "$FS_ROOT/tests/vm/stall.sh"
. "$FS_ROOT/tests/vm/servers.sh"

trap 'fs_servers_stop; fs_netns_down' EXIT
fs_netns_up || fail "cannot set up the namespaces"
fs_load || fail "load failed"

n=300
[ "$FS_DEBUG_KERNEL" = 1 ] && n=100
port=8300
for setup in plain fastsocket; do
	port=$((port + 1))
	if [ $setup = plain ]; then
		[ "$FS_DEBUG_KERNEL" = 1 ] && continue
		r=$(fs_stall_run $port $n "$setup, tables full" -- -w "$(nproc)" -m epoll -F)
	else
		r=$(fs_stall_run $port $n "$setup, tables full" "${FS_PRELOAD[@]}" -- -w "$(nproc)" -m epoll -F)
	fi
	note "$r"
	emfile=$(fs_field "$r" emfile)
	[ "$emfile" -gt 0 ] || fail "$setup: no accept4() failed with EMFILE, so nothing was tested: $r"
	fs_losses_ok "$(fs_field "$r" failed)" $n || fail "$setup: connections lost to a full descriptor table: $r"
	echo "ok: $setup: $n of $n answered after $emfile accept4() calls failed with EMFILE"
done

[ "$FS_DEBUG_KERNEL" = 1 ] && { check "closed listeners are forgotten" fs_wait_no_listeners; exit 0; }
for p in nginx wrk; do
	command -v "$p" >/dev/null || skip "$p is not installed (tests/lib/host-deps.sh installs it)"
done
fs_servers_prepare || fail "cannot prepare nginx's paths"
limit=24
# load CONNS SECONDS: "requests N lost L refused R" (lost: wrk's socket
# errors, each a connection that failed or timed out; refused: nginx's
# 500s, a request whose file it could not open at its limit).
load() {
	ip netns exec cli wrk -t 2 -c "$1" -d "$2s" --timeout 2s -H 'Connection: close' \
		http://10.77.0.1/ 2>&1 | awk '
		$2 == "requests" && $3 == "in" { req = $1 }
		/Socket errors/ { gsub(",", ""); lost += $4 + $6 + $8 + $10 }
		/Non-2xx/ { refused += $NF }
		END { printf "requests %d lost %d refused %d\n", req, lost, refused }'
}
# below: the descriptor numbers below the limit that nginx's workers hold.
below() {
	local w n=0
	for w in $(pgrep -P "$(cat /run/nginx.pid)"); do
		n=$((n + $(find "/proc/$w/fd" -mindepth 1 -printf '%f\n' | awk -v l=$limit '$1 < l' | wc -l)))
	done
	echo $n
}
for setup in plain fastsocket; do
	: >/var/log/nginx/error.log
	if [ $setup = plain ]; then
		ip netns exec srv nginx -g "worker_rlimit_nofile $limit;" || fail "plain nginx did not start"
	else
		fs_preload nginx -g "worker_rlimit_nofile $limit;" || fail "nginx did not start under the library"
	fi
	fs_wait_up || fail "$setup: nginx does not answer"
	held=$(below)
	if [ $setup = plain ]; then
		plain_held=$held
	else
		[ "$held" = "$plain_held" ] ||
			fail "nginx's workers hold $held descriptors below their limit under the library, plain $plain_held"
		echo "ok: the library's descriptors lie above the limit: the workers hold $held below it, as plain"
	fi
	r=$(load 64 6)
	emfile=$(grep -c 'accept4() failed (24' /var/log/nginx/error.log)
	note "$setup: nginx at $limit descriptors ($held held by its workers), 64 connections: $r; accept4() failed with EMFILE $emfile times"
	[ "$emfile" -gt 0 ] || fail "$setup: nginx's accept4() never failed with EMFILE, so nothing was tested: $r"
	# shellcheck disable=SC2086 # its words
	set -- $r
	if [ $setup = plain ]; then
		plain_lost=$4
	else
		[ "$4" -le "$plain_lost" ] || fail "nginx at its limit: $4 connections lost under the library, plain $plain_lost"
	fi
	sleep 11
	l0=$(fs_stat local_accepts) g0=$(fs_stat global_accepts)
	r=$(load 8 3)
	module="local $(( $(fs_stat local_accepts) - l0 )) global $(( $(fs_stat global_accepts) - g0 ))"
	note "$setup: 11 s later, 8 connections: $r; module: $module"
	# shellcheck disable=SC2086 # its words
	set -- $r
	if [ "$2" = 0 ] || [ "$4" != 0 ] || [ "$6" != 0 ]; then
		fail "$setup: nginx 11 s after its EMFILE: $r"
	fi
	[ $setup = fastsocket ] && fs_share_local "nginx 11 s after its EMFILE" "requests $2 $module" 99
	fs_servers_stop
done
check "closed listeners are forgotten" fs_wait_no_listeners
