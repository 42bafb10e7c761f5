# The guest side of bench/stall (run by tests/vm/runner). One line per run:
#   stall,SETUP,STALLED,ROUND,ANSWERED,FAILED,P50,P99,MAX,LOCAL_PCT,STOLEN
#   nginx,SETUP,ACCEPT_MUTEX,STOPPED,ROUND,REQUESTS,ERRORS,P50,P99,MAX,STOLEN
# (latencies in ms; nginx's from wrk, one request per connection, 2 s
# time-out). nginx: plain, pinned (plain with worker_cpu_affinity auto)
# and fastsocket; with accept_mutex off, one worker stopped; with it on,
# none stopped, then one that does not hold the mutex (a stopped holder
# leaves every listener unwatched, plain or not, and which worker holds
# it is chance). Settings:
# FSB_CONNS (1500), FSB_ROUNDS (2), FSB_SECONDS (5).
. "$FS_ROOT/tests/vm/lib.sh"
. "$FS_ROOT/tests/vm/stats.sh"
. "$FS_ROOT/tests/vm/servers.sh"

conns=${FSB_CONNS:-1500}
rounds=${FSB_ROUNDS:-2}
secs=${FSB_SECONDS:-5}
for p in nginx wrk; do
	command -v "$p" >/dev/null || fail "$p is not installed (tests/lib/host-deps.sh installs it)"
done
trap 'fs_servers_stop; fs_netns_down' EXIT
fs_netns_up || fail "cannot set up the namespaces"
fs_servers_prepare || fail "cannot prepare nginx's paths"
fs_load || fail "the module does not load"
port=9000

field() { echo "$1" | awk -v k="$2" '{ for (i = 1; i < NF; i++) if ($i == k) { print $(i + 1); exit } }'; }

# stall_run SETUP STALLED: the stall server, conns connections, one line.
stall_run() {
	local setup=$1 stalled=$2 out args=(-m epoll) envs=() r stolen
	[ "$setup" = reuseport ] && args+=(-R)
	[ "$setup" = fastsocket ] && envs=("LD_PRELOAD=$FS_LIB" FASTSOCKET_QUIET=1)
	[ "$stalled" = yes ] && args+=(-S)
	out=$(mktemp) port=$((port + 1)) stolen=$(fs_stat stolen)
	ip netns exec srv env "${envs[@]}" "$FS_BIN/stall" -a 10.77.0.1 -p $port \
		-w "$(nproc)" "${args[@]}" >"$out" &
	local server=$!
	wait_for_line "$out" ready || fail "$setup: the server did not start"
	r=$(ip netns exec cli "$FS_BIN/prefork" client -a 10.77.0.1 -p $port \
		-n "$conns" -c 8 -b 2000 -t 120 2>/dev/null)
	kill -TERM $server; wait $server
	r="$r $(tail -n 1 "$out") stolen $(( $(fs_stat stolen) - stolen ))"
	echo "stall,$setup,$stalled,$ROUND,$(( $(field "$r" connections) - $(field "$r" failed) )),$(field "$r" failed),$(field "$r" p50),$(field "$r" p99),$(field "$r" max),$(field "$r" pct),$(field "$r" stolen)"
}

# listening_in_epoll PID: does PID's epoll watch a listening TCP socket
# (nginx's accept mutex holder adds its listeners, the others remove
# them)? Under the library a listener is a local listener or the shared
# one; both listen.
listening_in_epoll() {
	local f t ino
	for f in /proc/"$1"/fdinfo/*; do
		for t in $(awk '$1 == "tfd:" { print $2 }' "$f" 2>/dev/null); do
			ino=$(readlink "/proc/$1/fd/$t" | sed -n 's/^socket:\[\([0-9]*\)\]$/\1/p')
			[ -n "$ino" ] && awk -v i="$ino" '$4 == "0A" && $10 == i { f = 1 } END { exit !f }' \
				/proc/"$1"/net/tcp /proc/"$1"/net/tcp6 && return 0
		done
	done
	return 1
}

# worker_to_stop MUTEX: the first nginx worker, or with the mutex on the
# first that does not hold it.
worker_to_stop() {
	local w
	for w in $(pgrep -f 'nginx: worker process'); do
		[ "$1" = off ] && { echo "$w"; return; }
		listening_in_epoll "$w" || { echo "$w"; return; }
	done
}

# nginx_run SETUP MUTEX STOPPED: nginx, one worker stopped or none, wrk
# for secs.
nginx_run() {
	local setup=$1 mutex=$2 stopped=$3 conf=/tmp/nginx-stall.conf preload='' stolen w= aff=
	[ "$setup" = pinned ] && aff='worker_cpu_affinity auto;'
	sed -e "s/@AFFINITY@/$aff/" -e 's/@REUSEPORT@//' \
		-e "s/worker_connections 768;/worker_connections 768; accept_mutex $mutex;/" \
		"$FS_ROOT/bench/nginx.conf" >$conf
	[ "$setup" = fastsocket ] && preload=$FS_LIB
	ip netns exec srv env LD_PRELOAD="$preload" nginx -c $conf ||
		fail "$setup: nginx did not start"
	fs_wait_up || fail "$setup: nginx does not answer"
	if [ "$stopped" = yes ]; then
		w=$(worker_to_stop "$mutex")
		[ -n "$w" ] || fail "$setup: no nginx worker to stop"
		kill -STOP "$w"
	fi
	stolen=$(fs_stat stolen)
	ip netns exec cli wrk -t 2 -c 16 -d "${secs}s" --timeout 2s --latency \
		-H 'Connection: close' http://10.77.0.1/ >/tmp/wrk-stall.out 2>&1
	[ -z "$w" ] || kill -CONT "$w"
	fs_servers_stop
	awk -v s="$setup" -v m="$mutex,$stopped" -v r="$ROUND" -v st=$(( $(fs_stat stolen) - stolen )) '
		function ms(v) { if (v ~ /us$/) return v / 1000; if (v ~ /ms$/) return v + 0; if (v ~ /s$/) return v * 1000; return v }
		$2 == "requests" && $3 == "in" { req = $1 }
		/Socket errors/ { gsub(",", ""); err += $4 + $6 + $8 + $10 }
		/Non-2xx/ { err += $NF }
		$1 == "50%" { p50 = ms($2) } $1 == "99%" { p99 = ms($2) }
		$1 == "Latency" && NF >= 4 && !max { max = ms($4) }
		END { printf "nginx,%s,%s,%d,%d,%d,%.1f,%.1f,%.1f,%d\n", s, m, r, req, err, p50, p99, max, st }' /tmp/wrk-stall.out
}

echo "== $(nproc) vCPUs, $conns connections a run, 8 client lanes, 2 s bound, steal_after_ms $(cat /sys/module/fastsocket/parameters/steal_after_ms)"
for ROUND in $(seq "$rounds"); do
	for stalled in no yes; do
		for setup in plain reuseport fastsocket; do
			stall_run $setup $stalled
		done
	done
	for setup in plain fastsocket; do
		nginx_run $setup off yes
	done
	for stopped in no yes; do
		for setup in plain pinned fastsocket; do
			nginx_run $setup on $stopped
		done
	done
done
fs_wait_no_listeners || fail "the module still has listeners: $(fs_listeners)"
