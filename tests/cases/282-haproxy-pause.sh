# Debian's haproxy pauses and resumes a listener as on the plain kernel.
# haproxy as one process per CPU (each its own SO_REUSEPORT listener and
# an admin socket on 127.0.0.1:910N), wrk in namespace cli for 6 s:
# "disable frontend web" on process 1 after 2 s, "enable frontend web"
# after 4 s (haproxy: connect(AF_UNSPEC), then listen()); wrk must see no
# more errors than on the plain kernel (none expected: the other processes
# answer meanwhile). Then every process disables its frontend: a request
# is refused at once, as plain; enabled again, it is answered. Plain
# beside fastsocket in the same run. Under libfsocket.so mode 2 must pin
# the processes to distinct CPUs although each listens on its own admin
# socket too.
# Sanitizer kernels: skipped: haproxy and the library; 280 pauses and resumes listeners there
. "$FS_ROOT/tests/vm/lib.sh"
. "$FS_ROOT/tests/vm/stats.sh"
. "$FS_ROOT/tests/vm/servers.sh"

if ! command -v haproxy >/dev/null || ! command -v wrk >/dev/null; then
	skip "haproxy or wrk is not installed"
fi
trap 'fs_servers_stop; fs_netns_down' EXIT
fs_netns_up || fail "cannot set up the namespaces"
fs_load || fail "load failed"
cpus=$(nproc)

# admin N COMMAND: COMMAND on process N's admin socket; prints its answer.
admin() {
	ip netns exec srv bash -c 'exec 3<>/dev/tcp/127.0.0.1/$1 && echo "$2" >&3 && cat <&3' _ $((9100 + $1)) "$2"
}

# start SETUP: one haproxy per CPU, under the library for "fastsocket".
start() {
	local i cfg
	for i in $(seq "$cpus"); do
		cfg=/tmp/haproxy-pause-$i.cfg
		sed "s/^global$/global\n\tstats socket ipv4@127.0.0.1:$((9100 + i)) level admin/" \
			"$FS_ROOT/tests/servers/haproxy-process.cfg" >"$cfg"
		if [ "$1" = fastsocket ]; then
			fs_preload haproxy -D -f "$cfg" || fail "haproxy $i did not start"
		else
			ip netns exec srv haproxy -D -f "$cfg" || fail "haproxy $i did not start"
		fi
	done
	fs_wait_up || fail "$1: haproxy did not answer"
	[ "$1" = fastsocket ] || return 0
	# Mode 2 pins each process where its local listeners are: its admin
	# listener, its own, must not pin them all to the first CPU.
	pins=$(for i in $(pgrep -x haproxy); do taskset -pc "$i" | sed 's/.*: //'; done | sort -u | wc -l)
	[ "$pins" = "$cpus" ] ||
		fail "the $cpus haproxy processes are pinned to $pins distinct CPUs: $(for i in $(pgrep -x haproxy); do taskset -pc "$i"; done | tr '\n' ' ')"
	echo "ok: the $cpus haproxy processes are pinned to $cpus distinct CPUs"
}

for setup in plain fastsocket; do
	start $setup
	l0=$(fs_stat local_accepts)
	fs_wrk 6 >/tmp/wrk.res &
	wrk=$!
	sleep 2
	admin 1 "disable frontend web" >/tmp/admin.out
	sleep 2
	admin 1 "enable frontend web" >>/tmp/admin.out
	wait $wrk
	read -r _ requests _ errors _ </tmp/wrk.res
	note "$setup: 1 of $cpus frontends disabled for 2 s of 6: requests $requests errors $errors"
	grep -q '[^[:space:]]' /tmp/admin.out && note "$setup: admin socket said: $(tr '\n' ' ' </tmp/admin.out)"
	[ "$requests" -gt 0 ] || fail "$setup: wrk made no request"
	if [ $setup = plain ]; then
		plain_errors=$errors
	else
		[ "$errors" -le "$plain_errors" ] ||
			fail "$setup: $errors errors while a frontend was paused, plain $plain_errors"
		[ "$(fs_stat local_accepts)" -gt "$l0" ] || fail "$setup: nothing accepted from local queues"
	fi
	echo "ok: $setup: a frontend disabled and enabled under wrk: $errors errors in $requests requests"

	for i in $(seq "$cpus"); do admin "$i" "disable frontend web" >/dev/null; done
	start_ms=$(date +%s%3N)
	fs_get / >/dev/null 2>&1 && fail "$setup: answered with every frontend disabled"
	took=$(( $(date +%s%3N) - start_ms ))
	[ "$took" -lt 1000 ] || fail "$setup: a request took $took ms to fail with every frontend disabled"
	for i in $(seq "$cpus"); do admin "$i" "enable frontend web" >/dev/null; done
	fs_wait_up || fail "$setup: no answer after every frontend was enabled again"
	echo "ok: $setup: every frontend disabled: refused in $took ms; enabled: answered"
	fs_servers_stop
done
fs_wait_no_listeners || fail "listeners left after haproxy stopped: $(fs_listeners)"
