# Workers that take their listener out of their epoll leave their CPUs'
# connections to the others, as on a plain shared listener. nginx does so
# with accept_mutex on: every worker but the mutex holder has its
# listeners out of its epoll; and for a while after accept() failed with
# EMFILE. tests/progs/stall.c -P K -U: one epoll worker per CPU on one
# shared listener; once all watch it, workers 0..K-1 (all but the last)
# remove it from their epoll (EPOLL_CTL_DEL) and stay up, idle; SIGUSR1
# makes them add it back. Short connections over veth with RPS, each
# bounded by 2 s, while they are out and after they are back.
# While out: none may fail and those workers accept none; under
# libfsocket.so the module pauses their local listeners
# (src/kmod/pause.c), so their CPUs' connections go to the last worker at
# once and at most n/20 are stolen (without the pause each of them
# waited on an unwatched queue for the sweep, but for one CPU, which the
# sweep lends to the shared listener: about n/2 with 4 CPUs). Back: none
# may fail, they take connections again, and under libfsocket.so on
# their own CPUs (their local listeners resumed): locality of the second
# run >= 90 %. Twice under libfsocket.so: the workers add the listener
# plainly, and the library tells the module at their EPOLL_CTL_DEL
# (PAUSE_LOCAL, seen in the module's debug log: one per worker at least);
# then with EPOLLEXCLUSIVE (-E, nginx with accept_mutex off, which takes
# its listener out and back every 16 accepts), where the library says
# nothing and the module's sweep pauses them. Plain figures are measured
# in the same run and printed beside (not on the sanitizer kernels, to
# save their slow minutes).
. "$FS_ROOT/tests/vm/lib.sh"
. "$FS_ROOT/tests/vm/stats.sh"
. "$FS_ROOT/tests/vm/stall.sh"

[ "$(nproc)" -ge 2 ] || skip "needs at least 2 CPUs"
trap fs_netns_down EXIT
fs_netns_up || fail "cannot set up the namespaces"
fs_load || fail "load failed"

n=400 k=$(($(nproc) - 1))
[ "$FS_DEBUG_KERNEL" = 1 ] && n=120

client() {
	ip netns exec cli "$FS_BIN/prefork" client -a 10.77.0.1 -p "$1" \
		-n $n -c 8 -b 2000 | tr "\n" " "
}

# PAUSE_LOCAL calls that reached the module (its debug log).
told() { dmesg | grep -c 'PAUSE_LOCAL fd .* from stall'; }

# unwatch_run SETUP PORT STALL-FLAG [env...]: checks both phases and
# prints them.
unwatch_run() {
	local setup=$1 port=$2 flag=$3 out server out_client back_client stolen0
	local stolen out_by back_line back_by paused_line pct_back calls; shift 3
	out=$(mktemp)
	stolen0=$(fs_stat stolen)
	calls=$(told)
	ip netns exec srv env "$@" "$FS_BIN/stall" -a 10.77.0.1 -p "$port" \
		-w "$(nproc)" -m epoll -P "$k" -U ${flag:+"$flag"} >"$out" &
	server=$!
	wait_for_line "$out" ready || { cat "$out"; fail "$setup: server did not start"; }
	out_client=$(client "$port")
	stolen=$(( $(fs_stat stolen) - stolen0 ))
	calls=$(( $(told) - calls ))
	kill -USR1 $server
	wait_for_match "$out" '^resumed' 10 || { cat "$out"; fail "$setup: the workers did not add their listener back"; }
	paused_line=$(grep '^paused:' "$out")
	out_by=$(fs_field "$paused_line" by-paused)
	back_client=$(client "$port")
	kill -TERM $server; wait $server
	back_line=$(tail -n 1 "$out")
	back_by=$(( $(fs_field "$back_line" by-paused) - out_by ))
	# Locality of the second run alone: the server's totals less the first.
	pct_back=$(awk -v a="$(fs_field "$back_line" accepted)" -v l="$(fs_field "$back_line" local)" \
		-v a0="$(fs_field "$paused_line" accepted)" -v l0="$(fs_field "$paused_line" local)" \
		'BEGIN { if (a > a0) printf "%.1f", 100 * (l - l0) / (a - a0); else print "n/a" }')
	rm -f "$out"
	note "$setup, $k out of their epoll: $out_client; taken by them: $out_by; stolen: $stolen; PAUSE_LOCAL calls: $calls"
	note "$setup, $k back: $back_client; taken by them: $back_by; local % of this run: $pct_back"
	[ "$(fs_field "$out_client" failed)" = 0 ] || fail "$setup, out: connections failed: $out_client"
	[ "$(fs_field "$back_client" failed)" = 0 ] || fail "$setup, back: connections failed: $back_client"
	[ "$out_by" = 0 ] || fail "$setup: the $k workers accepted $out_by while their listener was out of their epoll"
	[ "$back_by" -gt 0 ] || fail "$setup: the $k workers accepted nothing once their listener was back"
	case $setup in
	fastsocket) [ "$calls" -ge "$k" ] ||
		fail "$setup: the library told the module of $calls listeners out of an epoll, want $k" ;;
	*EPOLLEXCLUSIVE) [ "$calls" = 0 ] ||
		fail "$setup: the library told the module of $calls listeners out of an epoll, want none" ;;
	esac
	if [ "$setup" != plain ]; then
		[ $((stolen * 20)) -le $n ] ||
			fail "$setup: $stolen of $n connections stolen while $k workers' listener was out of their epoll (their local listeners were not paused)"
		awk -v p="$pct_back" 'BEGIN { exit !(p != "n/a" && p >= 90) }' ||
			fail "$setup: locality $pct_back % once the $k workers' listener was back (their local listeners were not resumed)"
	fi
	echo "ok: $setup: $k of $(nproc) workers' listener out of their epoll: $(fs_field "$out_client" failed) of $n failed, $stolen stolen; back: $back_by taken by them"
}

echo 4 > /sys/module/fastsocket/parameters/enable_fastsocket_debug ||
	fail "cannot raise the module's log level"
[ "$FS_DEBUG_KERNEL" = 1 ] || unwatch_run plain 8301 ""
unwatch_run fastsocket 8302 "" "${FS_PRELOAD[@]}"
unwatch_run "fastsocket, EPOLLEXCLUSIVE" 8303 -E "${FS_PRELOAD[@]}"
echo 3 > /sys/module/fastsocket/parameters/enable_fastsocket_debug
check "closed listeners are forgotten" fs_wait_no_listeners
