# fastsocketctl on a real kernel: status names the loaded module and its
# parameters, stats --json carries the same totals as /proc/net/fastsocket,
# and tune then untune on a veth pair with 4 queues each way leave every
# file it touched (RPS, flow counts, XPS, net.core.rps_sock_flow_entries)
# as it was, after setting RPS to every online CPU.
# Sanitizer kernels: skipped: fastsocketctl is userspace; 030 reads the parameters
. "$FS_ROOT/tests/vm/lib.sh"

ctl=$FS_ROOT/src/ctl/fastsocketctl
[ -x "$ctl" ] || fail "$ctl not built"
cleanup() { "$ctl" untune >/dev/null 2>&1; ip link del fsctl0 2>/dev/null; }
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
echo "ok: stats --json matches /proc/net/fastsocket"

ip link add fsctl0 numrxqueues 4 numtxqueues 4 type veth peer name fsctl1 \
	numrxqueues 4 numtxqueues 4 || fail "cannot make a veth pair"
snapshot() {
	for f in /sys/class/net/fsctl*/queues/*/rps_cpus /sys/class/net/fsctl*/queues/*/rps_flow_cnt \
		/sys/class/net/fsctl*/queues/*/xps_cpus /proc/sys/net/core/rps_sock_flow_entries; do
		[ -r "$f" ] && echo "$f $(cat "$f" 2>/dev/null)"
	done
}
before=$(snapshot)
"$ctl" tune || fail "tune"
mask=$(printf '%x' $(( (1 << $(nproc)) - 1 )))
have=$(cat /sys/class/net/fsctl0/queues/rx-3/rps_cpus)
[ "$((16#${have//,/}))" = "$((16#$mask))" ] || fail "rx-3 rps_cpus $have, want $mask"
[ "$(cat /sys/class/net/fsctl0/queues/rx-3/rps_flow_cnt)" = 8192 ] || fail "rps_flow_cnt not 32768/4"
[ "$(cat /proc/sys/net/core/rps_sock_flow_entries)" = 32768 ] || fail "rps_sock_flow_entries not set"
echo "ok: tune: RPS mask $have on all 4 receive queues, 8192 flows each, RFS table 32768"
"$ctl" status | grep -q "^tuning: on" || fail "status does not say tuned"
"$ctl" untune || fail "untune"
after=$(snapshot)
[ "$after" = "$before" ] || { diff <(echo "$before") <(echo "$after"); fail "untune did not restore every file"; }
echo "ok: untune restored $(echo "$before" | wc -l) files exactly"
