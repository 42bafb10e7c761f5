# A paused listener behaves as on the plain kernel. haproxy pauses a
# listener ("disable frontend", a reload's old process) with epoll_ctl DEL
# and connect(AF_UNSPEC), and resumes it with listen() and epoll_ctl ADD.
# A pre-fork server with a SO_REUSEPORT listener per worker
# (tests/progs/stall.c -R, haproxy's one process per CPU) pauses the
# listeners of one worker, then of all, and resumes them; short
# connections over veth with RPS, each bounded by 2 s. With one paused,
# the others answer everything and the paused one nothing; with all
# paused every connection is refused at once (under libfsocket.so the
# shared listener behind the swapped descriptor must stop too, or its
# connections would wait unseen); resumed, everything is answered and the
# resumed workers take their share again. A SO_RCVBUF the resumed
# workers set afterwards reaches every listener they hold (ss: the local
# and the shared one under libfsocket.so). Plain figures are measured in
# the same run and printed beside (on the stock kernels; the sanitizer
# kernels run the library's side only, to save their slow minutes).
. "$FS_ROOT/tests/vm/lib.sh"
. "$FS_ROOT/tests/vm/stats.sh"
. "$FS_ROOT/tests/vm/stall.sh"

[ "$(nproc)" -ge 2 ] || skip "needs at least 2 CPUs"
trap fs_netns_down EXIT
fs_netns_up || fail "cannot set up the namespaces"
fs_load || fail "load failed"

n=300
[ "$FS_DEBUG_KERNEL" = 1 ] && n=100

client() {
	ip netns exec cli "$FS_BIN/prefork" client -a 10.77.0.1 -p "$1" \
		-n $n -c 8 -b 2000 | head -n 1
}

# pause_run LABEL PORT PAUSED [env...]: prints one line per phase and
# sets the globals paused_client, paused_by, resumed_client, resumed_by.
pause_run() {
	local label=$1 port=$2 k=$3 out server; shift 3
	out=$(mktemp)
	ip netns exec srv env "$@" "$FS_BIN/stall" -a 10.77.0.1 -p "$port" \
		-w "$(nproc)" -m epoll -R -P "$k" >"$out" &
	server=$!
	wait_for_line "$out" ready || { cat "$out"; fail "$label: server did not start"; }
	paused_client=$(client "$port")
	kill -USR1 $server
	wait_until_grep "$out" '^resumed' || { cat "$out"; fail "$label: the workers did not resume"; }
	paused_by=$(fs_field "$(grep '^paused:' "$out")" by-paused)
	rcvbuf_everywhere "$label" "$port" "$(sed -n 's/^resumed //p' "$out")"
	resumed_client=$(client "$port")
	kill -TERM $server; wait $server
	resumed_by=$(( $(fs_field "$(tail -n 1 "$out")" by-paused) - paused_by ))
	note "$label, $k paused: $paused_client; by the paused: $paused_by"
	note "$label, $k resumed: $resumed_client; by the resumed: $resumed_by"
	rm -f "$out"
}

wait_until_grep() {
	local _
	for _ in $(seq 100); do
		grep -q "$2" "$1" && return 0
		sleep 0.1
	done
	return 1
}

# rcvbuf_everywhere LABEL PORT PIDS: each listener on PORT that one of
# PIDS holds shows the SO_RCVBUF set after the resume (doubled by the
# kernel), and so does at least one.
rcvbuf_everywhere() {
	local lines pid held=0 ok=0
	lines=$(ip netns exec srv ss -Htlmnp "sport = :$2" | tr -d '\n' | sed 's/LISTEN/\nLISTEN/g')
	for pid in $3; do
		held=$((held + $(echo "$lines" | grep -c "pid=$pid,")))
		ok=$((ok + $(echo "$lines" | grep "pid=$pid," | grep -c "rb200000,")))
	done
	if [ $held = 0 ] || [ $ok != $held ]; then
		echo "$lines"
		fail "$1: $ok of the $held listeners the resumed workers hold show SO_RCVBUF 100000"
	fi
	echo "ok: $1: SO_RCVBUF after the resume reached all $held listeners of the resumed workers"
}

# expect WHAT CLIENT-LINE FAILED CONNECT-ERRORS
expect() {
	if [ "$(fs_field "$2" failed)" != "$3" ] || [ "$(fs_field "$2" '(connect')" != "$4," ]; then
		fail "$1: expected $3 failed ($4 refused): $2"
	fi
}

port=8200
for k in 1 "$(nproc)"; do
	for setup in plain fastsocket; do
		port=$((port + 1))
		[ $setup = plain ] && [ "$FS_DEBUG_KERNEL" = 1 ] && continue
		if [ $setup = plain ]; then
			pause_run "$setup" $port "$k"
		else
			pause_run "$setup" $port "$k" "${FS_PRELOAD[@]}"
		fi
		if [ "$k" = 1 ]; then
			expect "$setup, 1 paused" "$paused_client" 0 0
			[ "$paused_by" = 0 ] || fail "$setup: the paused worker accepted $paused_by"
		else
			expect "$setup, all paused" "$paused_client" $n $n
		fi
		expect "$setup, resumed" "$resumed_client" 0 0
		[ "$resumed_by" -gt 0 ] || fail "$setup: the resumed workers accepted nothing"
		echo "ok: $setup, $k of $(nproc) paused: $(fs_field "$paused_client" failed) of $n failed, resumed: all answered, $resumed_by by the resumed"
	done
done
check "closed listeners are forgotten" fs_wait_no_listeners
