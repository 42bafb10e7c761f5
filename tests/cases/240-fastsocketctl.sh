# fastsocketctl on a real kernel: status names the loaded module and its
# parameters and lists the processes of a pre-fork server under the
# library with their listeners, stats --json carries the same totals as
# /proc/net/fastsocket,
# tune without an allow-list leaves virtual interfaces alone, and tune
# (--interface) then untune on a veth pair with 4 queues each way leave every
# file it touched (RPS, flow counts, XPS, net.core.rps_sock_flow_entries,
# net.core.skb_defer_max) as it was, after setting RPS to every online
# CPU; RFS and the deferred skb free only with their switches
# (enable_receive_cpu_selection=1, enable_skb_pool=1).
# Sanitizer kernels: skipped: fastsocketctl is userspace; 030 reads the parameters
. "$FS_ROOT/tests/vm/lib.sh"

ctl=$FS_ROOT/src/ctl/fastsocketctl
[ -x "$ctl" ] || fail "$ctl not built"
defer=''
cleanup() {
	"$ctl" untune >/dev/null 2>&1
	ip link del fsctl0 2>/dev/null
	[ -z "$defer" ] || echo "$defer" >/proc/sys/net/core/skb_defer_max
}
trap cleanup EXIT
fs_load || fail "load failed"

out=$("$ctl" status) || fail "status: $out"
echo "$out" | grep -qx "module: loaded, version $(cat "$FS_ROOT/VERSION")" || fail "status: $out"
echo "$out" | grep -qx "  enable_listen_spawn = 2" || fail "status lacks the parameters: $out"
echo "ok: status: $(echo "$out" | head -n 1), $(echo "$out" | grep -c ' = ') parameters"

json=$("$ctl" stats --json) || fail "stats --json"
total=$(awk '$1 == "total" { print $3 }' /proc/net/fastsocket)
echo "$json" | grep -q "\"total\":{\"spawns\":[0-9]*,\"local_accepts\":$total," ||
	fail "stats --json $json does not carry local_accepts $total"
for key in listeners foreign_members steering; do
	v=$(awk -v k="$key" '$1 == k { print $2 }' /proc/net/fastsocket)
	echo "$json" | grep -q "\"$key\":$v[,}]" || fail "stats --json $json does not carry $key $v"
done
echo "ok: stats --json matches /proc/net/fastsocket"

# A pre-fork server under the library: status lists its master (the
# shared listener) and its two workers (the shared and a local listener
# each), with the accepts of each (its own device's count), which add up
# to the connections made.
env LD_PRELOAD="$FS_LIB" FASTSOCKET_QUIET=1 "$FS_BIN/stall" -a 127.0.0.1 -p 8740 -w 2 -m epoll >/tmp/stall-240.out 2>&1 &
server=$!
wait_for_line /tmp/stall-240.out ready || fail "the stall server did not start: $(cat /tmp/stall-240.out)"
client=$("$FS_BIN/prefork" client -a 127.0.0.1 -p 8740 -n 40 -c 2 -b 2000)
out=$("$ctl" status)
kill $server; wait $server 2>/dev/null
workers=$(echo "$out" | grep -E '^  [0-9]+ stall: 127\.0\.0\.1:8740 \(2 sockets\); accepts: [0-9]+ local, [0-9]+ global, 0 stolen')
[ "$(echo "$workers" | grep -c .)" = 2 ] ||
	fail "status does not list the two workers, each with 2 sockets on 127.0.0.1:8740 and its accepts: $out"
echo "$out" | grep -q "^  $server stall: 127.0.0.1:8740 (1 socket); accepts: 0 local, 0 global, 0 stolen$" ||
	fail "status does not list the master $server with its shared listener and no accepts: $out"
accepted=$(echo "$workers" | sed 's/.*accepts: \([0-9]*\) local, \([0-9]*\) global.*/\1 \2/' |
	awk '{ n += $1 + $2 } END { print n }')
[ "$accepted" = 40 ] || fail "the workers' accepts add up to $accepted, not the client's 40 ($client): $out"
echo "ok: status lists the server's master and its 2 workers with their listeners and accepts ($accepted)"

ip link add fsctl0 numrxqueues 4 numtxqueues 4 type veth peer name fsctl1 \
	numrxqueues 4 numtxqueues 4 || fail "cannot make a veth pair"
snapshot() {
	for f in /sys/class/net/fsctl*/queues/*/rps_cpus /sys/class/net/fsctl*/queues/*/rps_flow_cnt \
		/sys/class/net/fsctl*/queues/*/xps_cpus /proc/sys/net/core/rps_sock_flow_entries \
		/proc/sys/net/core/skb_defer_max; do
		[ -r "$f" ] && echo "$f $(cat "$f" 2>/dev/null)"
	done
}
mask=$(printf '%x' $(( (1 << $(nproc)) - 1 )))
check_rps() {
	local have
	have=$(cat /sys/class/net/fsctl0/queues/rx-3/rps_cpus)
	[ "$((16#${have//,/}))" = "$((16#$mask))" ] || fail "$1: rx-3 rps_cpus $have, want $mask"
}
defer=$(cat /proc/sys/net/core/skb_defer_max)
echo 0 >/proc/sys/net/core/skb_defer_max
before=$(snapshot)
# Without an allow-list (/etc/fastsocket/interfaces) only physical
# interfaces are tuned: this VM has none, and the veth pair is left.
out=$("$ctl" tune --dry-run) || fail "tune --dry-run: $out"
grep -q '^interfaces (physical interfaces only): none; [0-9]* others* left as they are$' <<<"$out" ||
	fail "tune --dry-run without an allow-list: $out"
grep -q fsctl0 <<<"$out" && fail "tune --dry-run without an allow-list plans the veth pair: $out"
echo "ok: without an allow-list tune plans no virtual interface: $(grep '^interfaces' <<<"$out")"
"$ctl" tune --interface fsctl0 >/dev/null || fail "tune with the default switches"
check_rps "default switches"
[ "$(cat /sys/class/net/fsctl0/queues/rx-3/rps_flow_cnt)" = 0 ] || fail "rps_flow_cnt set with enable_receive_cpu_selection=0"
[ "$(cat /proc/sys/net/core/rps_sock_flow_entries)" = 0 ] || fail "rps_sock_flow_entries set with enable_receive_cpu_selection=0"
[ "$(cat /proc/sys/net/core/skb_defer_max)" = 0 ] || fail "skb_defer_max set with enable_skb_pool=0"
"$ctl" untune >/dev/null || fail "untune with the default switches"
[ "$(snapshot)" = "$before" ] || fail "untune with the default switches did not restore every file"
echo "ok: tune with the default switches: RPS mask $mask; no RFS, skb_defer_max left at 0"

fs_unload || fail "unload"
fs_load enable_receive_cpu_selection=1 enable_skb_pool=1 || fail "load with enable_receive_cpu_selection=1 enable_skb_pool=1"
"$ctl" tune --interface fsctl0 || fail "tune"
check_rps "RCS and skb pool"
[ "$(cat /sys/class/net/fsctl0/queues/rx-3/rps_flow_cnt)" = 8192 ] || fail "rps_flow_cnt not 32768/4"
[ "$(cat /proc/sys/net/core/rps_sock_flow_entries)" = 32768 ] || fail "rps_sock_flow_entries not set"
[ "$(cat /proc/sys/net/core/skb_defer_max)" = 64 ] || fail "skb_defer_max not turned back on"
echo "ok: tune with enable_receive_cpu_selection=1 enable_skb_pool=1: RPS on all 4 receive queues, 8192 flows each, RFS table 32768, skb_defer_max 0 -> 64"
"$ctl" status | grep -q "^tuning: on" || fail "status does not say tuned"
"$ctl" untune || fail "untune"
after=$(snapshot)
[ "$after" = "$before" ] || { diff <(echo "$before") <(echo "$after"); fail "untune did not restore every file"; }
echo "ok: untune restored $(echo "$before" | wc -l) files exactly"
echo "$defer" >/proc/sys/net/core/skb_defer_max
