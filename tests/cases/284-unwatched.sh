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
# (PAUSE_LOCAL: each worker finds its local listener gone from
# /proc/net/tcp as soon as its EPOLL_CTL_DEL returns); then with
# EPOLLEXCLUSIVE (-E, nginx with accept_mutex off, which takes its
# listener out and back every 16 accepts), where the library says
# nothing and the module's sweep pauses them. Plain figures are measured
# in the same run and printed beside (not on the sanitizer kernels, to
# save their slow minutes, which also share the two runs out:
# fs_my_share).
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

# listed PORT: sockets listening on PORT in srv (a paused local listener
# is out of the kernel's listening hash: ss does not list it).
listed() { ip netns exec srv ss -Hltn "sport = :$1" | grep -c .; }

# unwatch_run SETUP PORT STALL-FLAG [env...]: checks both phases and
# prints them.
unwatch_run() {
	local setup=$1 port=$2 flag=$3 out server out_client back_client stolen0
	local stolen out_by back_line back_by paused_line pct_back told out_listed; shift 3
	out=$(mktemp)
	stolen0=$(fs_stat stolen)
	ip netns exec srv env "$@" "$FS_BIN/stall" -a 10.77.0.1 -p "$port" \
		-w "$(nproc)" -m epoll -P "$k" -U ${flag:+"$flag"} >"$out" &
	server=$!
	wait_for_line "$out" ready || { cat "$out"; fail "$setup: server did not start"; }
	out_client=$(client "$port")
	stolen=$(( $(fs_stat stolen) - stolen0 ))
	out_listed=$(listed "$port")
	kill -USR1 $server
	wait_for_match "$out" '^resumed' 10 || { cat "$out"; fail "$setup: the workers did not add their listener back"; }
	paused_line=$(grep '^paused:' "$out")
	out_by=$(fs_field "$paused_line" by-paused)
	told=$(fs_field "$paused_line" unlisted)
	back_client=$(client "$port")
	kill -TERM $server; wait $server
	back_line=$(tail -n 1 "$out")
	back_by=$(( $(fs_field "$back_line" by-paused) - out_by ))
	# Locality of the second run alone: the server's totals less the first.
	pct_back=$(awk -v a="$(fs_field "$back_line" accepted)" -v l="$(fs_field "$back_line" local)" \
		-v a0="$(fs_field "$paused_line" accepted)" -v l0="$(fs_field "$paused_line" local)" \
		'BEGIN { if (a > a0) printf "%.1f", 100 * (l - l0) / (a - a0); else print "n/a" }')
	rm -f "$out"
	note "$setup, $k out of their epoll: $out_client; taken by them: $out_by; stolen: $stolen; paused at once: $told; listening sockets at the end: $out_listed"
	note "$setup, $k back: $back_client; taken by them: $back_by; local % of this run: $pct_back"
	[ "$(fs_field "$out_client" failed)" = 0 ] || fail "$setup, out: connections failed: $out_client"
	[ "$(fs_field "$back_client" failed)" = 0 ] || fail "$setup, back: connections failed: $back_client"
	[ "$out_by" = 0 ] || fail "$setup: the $k workers accepted $out_by while their listener was out of their epoll"
	[ "$back_by" -gt 0 ] || fail "$setup: the $k workers accepted nothing once their listener was back"
	# Under the library: paused at the EPOLL_CTL_DEL itself (PAUSE_LOCAL),
	# or with EPOLLEXCLUSIVE not then (the library says nothing; the
	# sweep's two looks take 10 ms at least, so all k at once would be
	# the library's; not on the sanitizer kernels, where the look at
	# /proc/net/tcp alone takes longer) but by the end; either way the
	# shared listener and the other workers' local listeners listen then.
	case $setup in
	fastsocket) [ "$told" = "$k" ] ||
		fail "$setup: $told of $k local listeners paused at their worker's EPOLL_CTL_DEL" ;;
	*EPOLLEXCLUSIVE) [ "$FS_DEBUG_KERNEL" = 1 ] || [ "$told" -lt "$k" ] ||
		fail "$setup: all $k local listeners paused at their worker's EPOLL_CTL_DEL: the library told the module" ;;
	esac
	[ "$setup" = plain ] || [ "$out_listed" = $(($(nproc) - k + 1)) ] ||
		fail "$setup: $out_listed sockets listening on port $port with $k workers out, want $(($(nproc) - k + 1)) (the shared and $(($(nproc) - k)) local)"
	if [ "$setup" != plain ]; then
		[ $((stolen * 20)) -le $n ] ||
			fail "$setup: $stolen of $n connections stolen while $k workers' listener was out of their epoll (their local listeners were not paused)"
		awk -v p="$pct_back" 'BEGIN { exit !(p != "n/a" && p >= 90) }' ||
			fail "$setup: locality $pct_back % once the $k workers' listener was back (their local listeners were not resumed)"
	fi
	echo "ok: $setup: $k of $(nproc) workers' listener out of their epoll: $(fs_field "$out_client" failed) of $n failed, $stolen stolen; back: $back_by taken by them"
}

[ "$FS_DEBUG_KERNEL" = 1 ] || unwatch_run plain 8301 ""
if fs_my_share 0; then
	unwatch_run fastsocket 8302 "" "${FS_PRELOAD[@]}"
else
	note "left to the other sanitizer kernels: the workers' plain EPOLL_CTL_DEL"
fi
if fs_my_share 1; then
	unwatch_run "fastsocket, EPOLLEXCLUSIVE" 8303 -E "${FS_PRELOAD[@]}"
else
	note "left to the other sanitizer kernels: EPOLLEXCLUSIVE"
fi
check "closed listeners are forgotten" fs_wait_no_listeners
