# Direct TCP is early demux. With enable_direct_tcp=1 the module turns
# net.ipv4.ip_early_demux and tcp_early_demux on in a namespace where it
# watches a listener (here an admin had turned them off), leaves a
# namespace without one alone, and turns them back off at unload; with the
# default 0 it leaves them as they are. Prints the request/response rate
# with early demux off and on, alternating in this run: a figure, not a
# verdict.
. "$FS_ROOT/tests/vm/lib.sh"

trap fs_netns_down EXIT
fs_netns_up || fail "cannot set up the namespaces"
out=$(mktemp)
demux() { ip netns exec "$1" sysctl -n net.ipv4.ip_early_demux net.ipv4.tcp_early_demux | paste -sd ' '; }
set_demux() { ip netns exec "$1" sysctl -qw net.ipv4.ip_early_demux="$2" net.ipv4.tcp_early_demux="$2"; }
serve() {	# serve PORT: the echo server, its listener through the module
	ip netns exec srv env LD_PRELOAD="$FS_LIB" "$FS_BIN/rr" server -a 10.77.0.1 -p "$1" >"$out" &
	wait_for_line "$out" ready || fail "the server did not start"
}
stop_serving() { pkill -f "rr server"; wait; }
want_demux() {	# want_demux NS "IP TCP" WHEN
	[ "$(demux "$1")" = "$2" ] || fail "$3: early demux in $1 is '$(demux "$1")', want '$2'"
	echo "ok: $3: early demux in $1 is '$2'"
}
set_demux srv 0 && set_demux cli 0 || fail "cannot set the sysctls"

fs_load || fail "load failed"
serve 8101
want_demux srv "0 0" "enable_direct_tcp=0, a listener watched"
stop_serving
fs_unload || fail "unload failed"

fs_load enable_direct_tcp=1 || fail "load with enable_direct_tcp=1 failed"
want_demux srv "0 0" "enable_direct_tcp=1, no listener yet"
serve 8102
want_demux srv "1 1" "enable_direct_tcp=1, a listener watched"
want_demux cli "0 0" "enable_direct_tcp=1, a namespace without a listener"

# rate DEMUX: transactions/s over 4 connections for 2 s.
rate() {
	local r
	set_demux srv "$1" && set_demux cli "$1" &&
		r=$(ip netns exec cli "$FS_BIN/rr" client -a 10.77.0.1 -p 8102 -c 4 -t 2) &&
		echo "${r##* }"
}
rounds=3
[ "$FS_DEBUG_KERNEL" = 1 ] && rounds=1
off=() on=()
for _ in $(seq $rounds); do
	r=$(rate 0) || fail "the client failed (early demux off)"
	off+=("$r")
	r=$(rate 1) || fail "the client failed (early demux on)"
	on+=("$r")
done
median() { printf '%s\n' "$@" | sort -n | sed -n "$(( ($# + 1) / 2 ))p"; }
m_off=$(median "${off[@]}") m_on=$(median "${on[@]}")
[ "$m_off" -gt 0 ] && [ "$m_on" -gt 0 ] || fail "no transaction: off ${off[*]}, on ${on[*]}"
note "direct TCP (early demux), 1-byte request/response, 4 connections, median of $rounds x 2 s: off $m_off/s, on $m_on/s, on/off $(awk -v a="$m_on" -v b="$m_off" 'BEGIN { printf "%.3f", a / b }') (rounds off: ${off[*]}; on: ${on[*]})"
stop_serving
fs_unload || fail "unload failed"
want_demux srv "0 0" "after unload"
