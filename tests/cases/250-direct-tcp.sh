# Direct TCP is early demux. With enable_direct_tcp=1 the module turns
# net.ipv4.ip_early_demux and tcp_early_demux on in a namespace where it
# watches a listener (here an admin had turned them off), leaves a
# namespace without one alone, and turns them back off at unload; with the
# default 0 it leaves them as they are. Then 1-byte request/response with
# early demux off and on in alternate rounds, counting route lookups
# (ip_route_input_noref) and received TCP segments (tcp_v4_rcv) with
# kprobes: with early demux on, an established connection's segments must
# skip the route lookup (fewer than half the lookups per segment that it
# takes off), which is what the original's direct TCP did. The rate is
# printed: a figure, not a verdict.
# Sanitizer kernels: skipped: two sysctls and a rate; netns.c runs at every LISTEN of the other cases
. "$FS_ROOT/tests/vm/lib.sh"

trap 'fs_kprobes_off; fs_netns_down' EXIT
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

# round DEMUX: "RATE LOOKUPS SEGMENTS": transactions/s over 4 connections
# for 2 s, the route lookups and the TCP segments received meanwhile.
round() {
	local r l0 s0
	set_demux srv "$1" && set_demux cli "$1" || return 1
	l0=$(fs_hits ip_route_input_noref) s0=$(fs_hits tcp_v4_rcv)
	r=$(ip netns exec cli "$FS_BIN/rr" client -a 10.77.0.1 -p 8102 -c 4 -t 2) || return 1
	echo "${r##* } $(($(fs_hits ip_route_input_noref) - l0)) $(($(fs_hits tcp_v4_rcv) - s0))"
}
fs_kprobe ip_route_input_noref tcp_v4_rcv || fail "cannot probe the route lookup and tcp_v4_rcv"
rounds=3
[ "$FS_DEBUG_KERNEL" = 1 ] && rounds=1
off=() on=()
lookups=(0 0) segments=(0 0)
for _ in $(seq $rounds); do
	for d in 0 1; do
		read -r r l n <<<"$(round $d)"
		[ -n "${n:-}" ] || fail "the client failed (early demux $d)"
		if [ $d = 0 ]; then off+=("$r"); else on+=("$r"); fi
		lookups[d]=$((lookups[d] + l)) segments[d]=$((segments[d] + n))
	done
done
per_seg() { awk -v l="${lookups[$1]}" -v n="${segments[$1]}" 'BEGIN { printf "%.3f", n ? l / n : 0 }'; }
p_off=$(per_seg 0) p_on=$(per_seg 1)
[ "${segments[0]}" -gt 0 ] && [ "${segments[1]}" -gt 0 ] || fail "no TCP segment counted: off ${segments[0]}, on ${segments[1]}"
awk -v a="$p_on" -v b="$p_off" 'BEGIN { exit !(a < b / 2) }' ||
	fail "early demux on did not skip the route lookup: $p_on lookups per segment on, $p_off off"
echo "ok: route lookups per received TCP segment: $p_off with early demux off (${lookups[0]} for ${segments[0]}), $p_on on (${lookups[1]} for ${segments[1]})"
median() { printf '%s\n' "$@" | sort -n | sed -n "$(( ($# + 1) / 2 ))p"; }
m_off=$(median "${off[@]}") m_on=$(median "${on[@]}")
[ "$m_off" -gt 0 ] && [ "$m_on" -gt 0 ] || fail "no transaction: off ${off[*]}, on ${on[*]}"
note "direct TCP (early demux), 1-byte request/response, 4 connections, $rounds x 2 s each way: route lookups per received segment off $p_off, on $p_on; median rate off $m_off/s, on $m_on/s, on/off $(awk -v a="$m_on" -v b="$m_off" 'BEGIN { printf "%.3f", a / b }') (rounds off: ${off[*]}; on: ${on[*]})"
fs_kprobes_off
stop_serving
fs_unload || fail "unload failed"
want_demux srv "0 0" "after unload"
