# nginx with accept_mutex on: only the worker holding the mutex watches
# the listener, and the mutex moves between the workers many times a
# second. Under libfsocket.so a worker that takes its local listener out
# of its epoll twice within 10 s goes back to the shared listener for good
# and says so once (src/libfsocket/epoll.c): from then on it is plain
# nginx's worker. wrk, short connections (one request each) over veth
# with RPS, 3 s to make the mutex move, then 3 s more; plain nginx the
# same way in the same run, figures printed beside. Each run must answer
# every request with no socket error. Under the library at least one
# worker must have gone back (every run on 7.3 so far: 3 or 4 of 4), and
# each that said so must hold the shared listener (the one nginx's master
# holds) once, under its own descriptor (no local listener listening, no
# private copy left), and run on the CPUs nginx's master runs on (the
# module's mode 2 pinned it to one).
# Sanitizer kernels: skipped: userspace over the module (the library's own logic runs under ASan and TSan on the host: tests/unit); 280 and 284 drive pausing
# Middle kernels: skipped: userspace over the module, the same on every kernel; of the two stock kernels at the ends, the one below runs it
# Stock kernel: newest
. "$FS_ROOT/tests/vm/lib.sh"
. "$FS_ROOT/tests/vm/stats.sh"
. "$FS_ROOT/tests/vm/servers.sh"

for p in nginx wrk; do
	command -v "$p" >/dev/null || skip "$p is not installed (tests/lib/host-deps.sh installs it)"
done
[ "$(nproc)" -ge 2 ] || skip "needs at least 2 CPUs"
trap 'fs_servers_stop; fs_netns_down' EXIT
fs_netns_up || fail "cannot set up the namespaces"
fs_servers_prepare || fail "cannot prepare nginx's paths"
fs_load || fail "load failed"

conf=/tmp/nginx-mutex.conf
sed -e 's/@AFFINITY@//' -e 's/@REUSEPORT@//' \
	-e 's/^\tworker_connections .*;/&\n\taccept_mutex on;/' \
	"$FS_ROOT/bench/nginx.conf" >$conf
grep -q '^	accept_mutex on;$' $conf || fail "no accept_mutex in $conf"

# load SETUP SECONDS: wrk; prints "requests N p99 P", or what failed
# and returns 1 on any error.
load() {
	ip netns exec cli wrk -t 2 -c 16 -d "$2s" --timeout 2s --latency \
		-H 'Connection: close' http://10.77.0.1/ >/tmp/wrk.out 2>&1
	awk -v s="$1" '
		$2 == "requests" && $3 == "in" { req = $1 }
		/Socket errors/ { gsub(",", ""); err += $4 + $6 + $8 + $10 }
		/Non-2xx/ { err += $NF }
		$1 == "99%" { p99 = $2 }
		END {
			if (!req || err) { printf "%s: %d requests, %d errors\n", s, req, err; exit 1 }
			printf "requests %d p99 %s\n", req, p99
		}' /tmp/wrk.out || { cat /tmp/wrk.out >&2; return 1; }
}

# listening PID: the inodes of PID's descriptors that name a TCP socket
# listening on port 80, one per line (two programs a process: each one
# started costs a tenth of a second under emulation).
listening() {
	find /proc/"$1"/fd -mindepth 1 -printf '%l\n' |
		awk 'FILENAME != "-" { if ($2 ~ /:0050$/ && $4 == "0A") l[$10] = 1; next }
			match($0, /^socket:\[[0-9]+\]$/) { i = substr($0, 9, RLENGTH - 9); if (i in l) print i }' \
			/proc/"$1"/net/tcp /proc/"$1"/net/tcp6 -
}

cpus() { sed -n 's/^Cpus_allowed_list:[[:space:]]*//p' "/proc/$1/status"; }

# run SETUP [env...]: nginx with the mutex on under SETUP; sets line
# (what it saw) and back (how many workers went back).
run() {
	local setup=$1 first second gone master shared pid mine; shift
	: >/var/log/nginx/error.log
	ip netns exec srv env "$@" nginx -c $conf || fail "$setup: nginx did not start"
	fs_wait_up || fail "$setup: nginx does not answer"
	first=$(load "$setup" 3) || fail "$first"
	second=$(load "$setup" 3) || fail "$second"
	gone=$(sed -n 's/^.*libfsocket\[\([0-9]*\)\]: a worker takes its listener out of epoll and back.*$/\1/p' \
		/var/log/nginx/error.log | sort -u)
	master=$(cat /run/nginx.pid)
	shared=$(listening "$master")
	[ "$(echo "$shared" | grep -c .)" = 1 ] || fail "$setup: nginx's master holds $(echo "$shared" | grep -c .) listeners on port 80"
	for pid in $(pgrep -f 'nginx: worker process'); do
		echo "$gone" | grep -qx "$pid" || continue
		mine=$(listening "$pid" | tr '\n' ' ')
		[ "$mine" = "$shared " ] ||
			fail "$setup: worker $pid said it went back to the shared listener ($shared) but holds: $mine"
		[ "$(cpus "$pid")" = "$(cpus "$master")" ] ||
			fail "$setup: worker $pid went back to the shared listener but still runs on CPUs $(cpus "$pid"), nginx's master on $(cpus "$master")"
	done
	fs_servers_stop
	back=$(echo "$gone" | grep -c .)
	line="$setup: first 3 s: $first; next 3 s: $second; workers back on the shared listener: $back"
	note "$line"
}

run plain
[ "$back" = 0 ] || fail "plain nginx's workers said something of libfsocket: $line"
run fastsocket LD_PRELOAD="$FS_LIB"
[ "$back" -ge 1 ] || fail "no nginx worker went back to the shared listener with accept_mutex on: $line"
echo "ok: nginx with accept_mutex on: every request answered plain and under the library; $back of $(nproc) workers back on the shared listener, each holding it alone"
check "closed listeners are forgotten" fs_wait_no_listeners
