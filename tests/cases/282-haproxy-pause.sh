# Debian's haproxy pauses and resumes a listener as on the plain kernel.
# haproxy as one process per CPU (each its own SO_REUSEPORT listener and
# an admin socket on 127.0.0.1:910N), wrk in namespace cli for 4 s:
# "disable frontend web" on process 1 after 1 s, "enable frontend web"
# after 3 s (haproxy: connect(AF_UNSPEC), then listen()); wrk must see no
# more errors than on the plain kernel (none expected: the other processes
# answer meanwhile). Then every process disables its frontend: a request
# is refused at once, as plain; enabled again, it is answered. Plain
# beside fastsocket in the same run. Under libfsocket.so mode 2 must pin
# the processes to distinct CPUs although each listens on its own admin
# socket too. Last, a seamless reload of process 1 under wrk (-x over its
# admin socket with "expose-fd listeners", -sf): no more errors than
# plain; under the library the old process sends its shared listener,
# not its local one, and the new process takes a local listener of its
# own.
# Sanitizer kernels: skipped: haproxy and the library; 150 drives SHUTDOWN_LISTEN there
# Middle kernels: skipped: userspace over the module, the same on every kernel; of the two stock kernels at the ends, the one below runs it
# Stock kernel: oldest
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

# run SETUP CMD...: CMD in namespace srv, under the library for "fastsocket".
run() {
	local setup=$1; shift
	if [ "$setup" = fastsocket ]; then
		fs_preload "$@"
	else
		ip netns exec srv "$@"
	fi
}

# sockets PID: the inodes of PID's sockets, one per line.
sockets() { find "/proc/$1/fd" -lname 'socket:*' -printf '%l\n' 2>/dev/null | sort -u; }

# reload SETUP: process 1 reloaded seamlessly under wrk: the new process
# takes the old one's listener over its admin socket (-x, haproxy's
# "expose-fd listeners") and the old one finishes softly (-sf).
reload() {
	local setup=$1 old new requests errors cfg=/tmp/haproxy-pause-1.cfg
	local pidf=/tmp/haproxy-pause-1.pid i watched
	old=$(cat "$pidf")
	sockets "$old" >/tmp/old.sockets
	watched=$(fs_listeners)
	fs_wrk 4 >/tmp/wrk.res &
	wrk=$!
	sleep 1.5
	run "$setup" haproxy -D -f "$cfg" -p "$pidf" -x /tmp/haproxy-pause-1.sock \
		-sf "$old" 2>/tmp/reload.err || fail "$setup: the reload failed: $(cat /tmp/reload.err)"
	new=$(cat "$pidf")
	[ "$new" != "$old" ] || fail "$setup: no new process after the reload"
	shared=$(sockets "$new" | comm -12 - /tmp/old.sockets | wc -l)
	wait $wrk
	read -r _ requests _ errors _ </tmp/wrk.res
	note "$setup: reload of process 1 under wrk: requests $requests errors $errors, $shared listener(s) passed"
	grep -q '[^[:space:]]' /tmp/reload.err && note "$setup: haproxy -x said: $(tr '\n' ' ' </tmp/reload.err)"
	[ "$shared" -ge 1 ] || fail "$setup: the new process took no listener from the old one"
	for i in $(seq 50); do
		kill -0 "$old" 2>/dev/null || break
		sleep 0.1
	done
	kill -0 "$old" 2>/dev/null && fail "$setup: the old process is still running 5 s after -sf"
	if [ "$setup" = plain ]; then
		plain_reload_errors=$errors
	else
		# The old process sent its shared listeners, not its local ones:
		# they live on in the new process, so the module watches as many
		# as before once the sweep has forgotten what closed.
		sleep 1.5
		[ "$(fs_listeners)" = "$watched" ] ||
			fail "$setup: the module watched $watched listeners before the reload, $(fs_listeners) after"
		[ "$errors" -le "$plain_reload_errors" ] ||
			fail "$setup: $errors errors during a seamless reload, plain $plain_reload_errors"
		# Given the shared listener, the new process spawns its own local one.
		[ "$(taskset -pc "$new" | sed 's/.*: //' | tr -cd ',-' | wc -c)" = 0 ] ||
			fail "$setup: the reloaded process has no local listener (not pinned: $(taskset -pc "$new"))"
	fi
	echo "ok: $setup: a seamless reload under wrk: $errors errors in $requests requests"
}

# start SETUP: one haproxy per CPU, under the library for "fastsocket".
start() {
	local i cfg
	for i in $(seq "$cpus"); do
		cfg=/tmp/haproxy-pause-$i.cfg
		sed "s|^global$|global\n\tstats socket ipv4@127.0.0.1:$((9100 + i)) level admin\n\tstats socket /tmp/haproxy-pause-$i.sock level admin expose-fd listeners|" \
			"$FS_ROOT/tests/servers/haproxy-process.cfg" >"$cfg"
		run "$1" haproxy -D -f "$cfg" -p "/tmp/haproxy-pause-$i.pid" ||
			fail "haproxy $i did not start"
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
	fs_wrk 4 >/tmp/wrk.res &
	wrk=$!
	sleep 1
	admin 1 "disable frontend web" >/tmp/admin.out
	sleep 2
	admin 1 "enable frontend web" >>/tmp/admin.out
	wait $wrk
	read -r _ requests _ errors _ </tmp/wrk.res
	note "$setup: 1 of $cpus frontends disabled for 2 s of 4: requests $requests errors $errors"
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
	reload $setup
	fs_servers_stop
done
fs_wait_no_listeners || fail "listeners left after haproxy stopped: $(fs_listeners)"
