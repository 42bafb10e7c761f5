# A paused listener behaves as on the plain kernel. haproxy pauses a
# listener ("disable frontend", a reload's old process) with epoll_ctl DEL
# and connect(AF_UNSPEC), and resumes it with listen() and epoll_ctl ADD.
# A pre-fork server with a SO_REUSEPORT listener per worker
# (tests/progs/stall.c -R, haproxy's one process per CPU) pauses the
# listeners of one worker, then of all, and resumes them; then one worker
# of a server whose workers share one listener pauses and resumes it. Short
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
# Sanitizer kernels: skipped: pause and resume under the library; 150 drives SHUTDOWN_LISTEN and 140 and 230 close local listeners under load
# Middle kernels: skipped: userspace over the module, the same on every kernel; of the two stock kernels at the ends, the one below runs it
# Stock kernel: oldest
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

# pause_run LABEL PORT PAUSED LAYOUT [env...]: prints one line per phase
# and sets the globals paused_client, paused_by, resumed_client,
# resumed_by. LAYOUT: -R (a listener per worker) or -- (one shared).
pause_run() {
	local label=$1 port=$2 k=$3 layout=$4 out server; shift 4
	out=$(mktemp)
	ip netns exec srv env "$@" "$FS_BIN/stall" -a 10.77.0.1 -p "$port" \
		-w "$(nproc)" -m epoll -P "$k" "$layout" >"$out" &
	server=$!
	wait_for_line "$out" ready || { cat "$out"; fail "$label: server did not start"; }
	paused_client=$(client "$port")
	kill -USR1 $server
	wait_for_match "$out" '^resumed' 10 || { cat "$out"; fail "$label: the workers did not resume"; }
	paused_by=$(fs_field "$(grep '^paused:' "$out")" by-paused)
	rcvbuf_everywhere "$label" "$port" "$(sed -n 's/^resumed //p' "$out")"
	resumed_client=$(client "$port")
	kill -TERM $server; wait $server
	resumed_by=$(( $(fs_field "$(tail -n 1 "$out")" by-paused) - paused_by ))
	note "$label, $k paused: $paused_client; by the paused: $paused_by"
	note "$label, $k resumed: $resumed_client; by the resumed: $resumed_by"
	rm -f "$out"
}

# rcvbuf_everywhere LABEL PORT PIDS: each listener on PORT that one of
# PIDS holds shows the SO_RCVBUF set after the resume (doubled by the
# kernel), and so does at least one.
rcvbuf_everywhere() {
	local lines pid held=0 ok=0
	lines=$(ip netns exec srv ss -Htlmnp "sport = :$2" | tr -d '\n' | sed 's/LISTEN/\nLISTEN/g')
	if ! echo "$lines" | grep -q skmem; then
		note "$1: ss shows no socket memory on this kernel (no inet_diag): SO_RCVBUF not checked"
		return 0
	fi
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
for run in "-R 1" "-R $(nproc)" "-- 1"; do
	read -r layout k <<<"$run"
	plain_failed=
	for setup in plain fastsocket; do
		port=$((port + 1))
		label=$setup
		[ "$layout" = -- ] && label="$setup, shared listener"
		[ $setup = plain ] && [ "$FS_DEBUG_KERNEL" = 1 ] && continue
		if [ $setup = plain ]; then
			pause_run "$label" $port "$k" "$layout"
			plain_failed=$(fs_field "$paused_client" failed)
		else
			pause_run "$label" $port "$k" "$layout" "${FS_PRELOAD[@]}"
		fi
		if [ "$layout" = -- ]; then
			# One worker pauses the listener its siblings share: the
			# plain kernel refuses everything meanwhile; under
			# libfsocket.so the siblings' local listeners go on
			# (man/libfsocket.7), so no more may fail.
			failed=$(fs_field "$paused_client" failed)
			[ "$failed" -le "${plain_failed:-$n}" ] ||
				fail "$label: $failed failed while paused, plain ${plain_failed:-n/a}: $paused_client"
		elif [ "$k" = 1 ]; then
			expect "$label, 1 paused" "$paused_client" 0 0
		else
			expect "$label, all paused" "$paused_client" $n $n
		fi
		[ "$paused_by" = 0 ] || fail "$label: the paused workers accepted $paused_by"
		expect "$label, resumed" "$resumed_client" 0 0
		[ "$resumed_by" -gt 0 ] || fail "$label: the resumed workers accepted nothing"
		echo "ok: $label, $k of $(nproc) paused: $(fs_field "$paused_client" failed) of $n failed, resumed: all answered, $resumed_by by the resumed"
	done
done
check "closed listeners are forgotten" fs_wait_no_listeners
