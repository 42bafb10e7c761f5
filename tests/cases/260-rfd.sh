# Receive flow deliver. With enable_receive_flow_deliver=1 libfsocket gives
# each outgoing connection a local port that names the connecting CPU
# (port % CPUs), and `fastsocketctl rfd on DEV` puts an XDP program on the
# device the replies come in on that hands each reply to that CPU. A worker
# pinned on each CPU of srv connects to an echo server in cli, RPS off:
#  - every port names its worker's CPU, and >= 99 % of replies are
#    processed there with RFD on (the figure without it is printed);
#  - rfd refuses a device with RPS on, a port range with fewer ports than
#    CPUs, a missing device, a device with another XDP program (which rfd
#    off, tune and untune leave attached); status and `ip link` show it
#    on, off undoes it; the units' capabilities (no CAP_SYS_ADMIN) are
#    enough, and its program is known by the id rfd on noted;
#  - a run of ports the kernel gave out in sequence does not stop it;
#  - running out of ports ends in EADDRNOTAVAIL, not a hang: the library
#    falls back to the kernel's choice (said once) before that;
#  - the port is chosen by connect (IP_LOCAL_PORT_RANGE) or, forced, by an
#    exclusive bind;
#  - tune with the switch on puts RFD where it would put RPS; untune undoes.
# Sanitizer kernels: skipped: the library's port choice and fastsocketctl's XDP program; the module only holds the switch
. "$FS_ROOT/tests/vm/lib.sh"

ctl=$FS_ROOT/src/ctl/fastsocketctl
rps=/sys/class/net/veth-srv/queues/rx-0/rps_cpus
range=/proc/sys/net/ipv4/ip_local_port_range
possible=$(( $(sed 's/.*[-,]//' /sys/devices/system/cpu/possible) + 1 ))
trap 'pkill -f "rr server"; fs_netns_down' EXIT
fs_netns_up || fail "cannot set up the namespaces"
in_srv() { ip netns exec srv "$@"; }
echo_out=$(mktemp)
ip netns exec cli "$FS_BIN/rr" server -a 10.77.0.2 -p 7000 >"$echo_out" &
wait_for_line "$echo_out" ready || fail "the echo server did not start"
fs_load enable_receive_flow_deliver=1 || fail "load with enable_receive_flow_deliver=1 failed"

# refuse WHY TEXT CMD...: CMD must fail and say TEXT.
refuse() {
	local why=$1 text=$2 out
	shift 2
	out=$("$@" 2>&1) && fail "$why: accepted: $out"
	grep -q "$text" <<<"$out" || fail "$why: the error does not say '$text': $out"
	echo "ok: $why: $out"
}
refuse "RPS on" "RPS is on for veth-srv" in_srv "$ctl" rfd on veth-srv
in_srv sh -c "echo 0 >$rps"
old_range=$(in_srv cat $range)
in_srv sh -c "echo 40000 40002 >$range"
refuse "3 ports for $(nproc) CPUs" "fewer ports than" in_srv "$ctl" rfd on veth-srv
in_srv sh -c "echo '$old_range' >$range"
refuse "no such device" "no device nosuch" in_srv "$ctl" rfd on nosuch
in_srv ip link show veth-srv | grep -q xdp && fail "a refused rfd on left a program: $(in_srv ip link show veth-srv)"

# The units' capabilities are enough: CAP_BPF, CAP_PERFMON and
# CAP_NET_ADMIN, without CAP_SYS_ADMIN (fastsocket.service).
unit_caps() { in_srv setpriv --bounding-set -all,+bpf,+perfmon,+net_admin "$@"; }
out=$(unit_caps "$ctl" rfd on veth-srv 2>&1) || fail "rfd on with the units' capabilities: $out"
unit_caps "$ctl" rfd status | grep -qx "rfd: veth-srv: on" ||
	fail "rfd status with the units' capabilities: $(unit_caps "$ctl" rfd status 2>&1)"
out=$(unit_caps "$ctl" rfd off veth-srv 2>&1) || fail "rfd off with the units' capabilities: $out"
in_srv ip link show veth-srv | grep -q xdp && fail "rfd off with the units' capabilities left a program: $(in_srv ip link show veth-srv)"
echo "ok: rfd on, status and off with CAP_BPF, CAP_PERFMON and CAP_NET_ADMIN alone"

# Another XDP program on the device: rfd on refuses it; rfd off, tune and
# untune leave it where it is (tune goes on without RFD there). RFD's
# program is known by the id rfd on noted: here someone took it off with
# ip and put the other one on, which status must not take for RFD's.
bpffs=$(mktemp -d)
mount -t bpf bpf "$bpffs" || fail "cannot mount a bpf file system"
"$FS_BIN/xdppass" "$bpffs/other" || fail "cannot load another XDP program"
out=$(in_srv "$ctl" rfd on veth-srv 2>&1) || fail "rfd on failed: $out"
in_srv ip link set dev veth-srv xdpgeneric off || fail "ip cannot take RFD's program off"
in_srv ip link set dev veth-srv xdpgeneric pinned "$bpffs/other" || fail "cannot attach another XDP program"
other() { in_srv ip link show veth-srv | grep -o 'prog/xdp id [0-9]*'; }
id=$(other)
[ -n "$id" ] || fail "the other program is not shown: $(in_srv ip link show veth-srv)"
in_srv "$ctl" rfd status | grep -q "off on every device" ||
	fail "status takes the other program ($id) for RFD's: $(in_srv "$ctl" rfd status)"
refuse "another XDP program" "has another XDP program" in_srv "$ctl" rfd on veth-srv
out=$(in_srv "$ctl" rfd off veth-srv) || fail "rfd off with another program failed: $out"
grep -q "left alone" <<<"$out" && [ "$(other)" = "$id" ] || fail "rfd off with another program: $out; now '$(other)'"
echo "ok: rfd off: $out"
tuned=$(in_srv "$ctl" tune --interface veth-srv 2>&1) || fail "tune with another program failed: $tuned"
grep -q "veth-srv goes without RFD" <<<"$tuned" && [ "$(other)" = "$id" ] ||
	fail "tune with another program: $tuned; now '$(other)'"
out=$(in_srv "$ctl" untune 2>&1) || fail "untune with another program failed: $out"
[ "$(other)" = "$id" ] || fail "untune removed the other program: $out"
echo "ok: tune and untune leave the other program ($id) attached; tune said: $(grep -h "without RFD" <<<"$tuned")"
in_srv ip link set dev veth-srv xdpgeneric off && umount "$bpffs" && rmdir "$bpffs" ||
	fail "cannot take the other program off"

# Every interposed call still behaves, connect's odd cases included, with
# the library choosing ports (tests/progs/libcheck.c, as in case 170).
(cd /tmp && in_srv env LD_PRELOAD="$FS_LIB" "$FS_BIN/libcheck" -m >/tmp/libcheck.out 2>&1) ||
	fail "libcheck with RFD on: $(grep FAIL /tmp/libcheck.out)"
echo "ok: libcheck with RFD on: $(tail -1 /tmp/libcheck.out)"

# outbound: "connections N local L pct P port_cpu M rate R" of 100 per CPU.
outbound() {
	in_srv env LD_PRELOAD="$FS_LIB" "$FS_BUILD/bench/outbound" -a 10.77.0.2 -p 7000 -n 100 ||
		fail "outbound connections failed"
}
read -r _ n _ _ _ pct_off _ ports _ rate_off <<<"$(outbound)"
[ "$ports" = "$n" ] || fail "RFD off: $ports of $n local ports name their CPU"
echo "ok: without the XDP program, $ports of $n ports name their CPU"

out=$(in_srv "$ctl" rfd on veth-srv) || fail "rfd on failed: $out"
echo "$out"
in_srv "$ctl" rfd status | grep -qx "rfd: veth-srv: on" || fail "rfd status: $(in_srv "$ctl" rfd status)"
in_srv "$ctl" status | grep -qx "rfd: veth-srv: on" || fail "status: $(in_srv "$ctl" status)"
in_srv ip link show veth-srv | grep -q xdpgeneric || fail "no generic XDP program: $(in_srv ip link show veth-srv)"
out=$(in_srv "$ctl" rfd on veth-srv) && grep -q "already on" <<<"$out" || fail "a second rfd on: $out"
read -r _ n _ local _ pct_on _ ports _ rate_on <<<"$(outbound)"
[ "$ports" = "$n" ] || fail "RFD on: $ports of $n local ports name their CPU"
awk -v l="$local" -v n="$n" 'BEGIN { exit !(n > 0 && l >= 0.99 * n) }' ||
	fail "RFD on: only $local of $n replies on the connecting CPU"
note "receive flow deliver, $(nproc) workers x 100 connections, RPS off: replies on the connecting CPU $pct_off % without the XDP program, $pct_on % with it ($rate_off and $rate_on connections/s)"

# A run of ports the kernel handed out in sequence to the same
# destination, now in TIME_WAIT, must not stop the search: 300 connections
# by the kernel's choice in a range of 1000, then 20 of CPU 0's.
in_srv sh -c "echo 50000 50999 >$range"
in_srv "$FS_BUILD/bench/outbound" -a 10.77.0.2 -p 7000 -w 1 -n 300 >/dev/null ||
	fail "300 connections by the kernel's choice failed"
held=$(in_srv env LD_PRELOAD="$FS_LIB" "$FS_BIN/hold" -a 10.77.0.2 -p 7000 -c 0 -n 20 2>&1)
in_srv sh -c "echo '$old_range' >$range"
grep -qx "connected 20 error none" <<<"$held" || fail "after the kernel's run: $held"
for p in $(grep '^ports' <<<"$held" | cut -d' ' -f2-); do
	[ $((p % possible)) = 0 ] || fail "port $p does not name CPU 0 after the kernel's run: $held"
done
echo "ok: after 300 ports handed out by the kernel, 20 of 20 name CPU 0"

# Ports run out: 8 ports no connection above used (the default range ends
# at 60999), 2 of them CPU 0's with 4 CPUs. hold keeps every connection.
in_srv sh -c "echo 61000 61007 >$range"
held=$(in_srv env LD_PRELOAD="$FS_LIB" timeout 30 "$FS_BIN/hold" -a 10.77.0.2 -p 7000 -c 0 -n 20 2>&1)
rc=$?
in_srv sh -c "echo '$old_range' >$range"
[ $rc = 0 ] || fail "hold did not end by itself (rc $rc): $held"
grep -qx "connected 8 error EADDRNOTAVAIL" <<<"$held" || fail "8 ports: $held"
read -r _ p1 p2 _ <<<"$(grep '^ports' <<<"$held")"
[ $((p1 % possible)) = 0 ] && [ $((p2 % possible)) = 0 ] || fail "CPU 0's first ports are $p1 $p2: $held"
grep -q "RFD: no free port for CPU 0" <<<"$held" || fail "the fallback was not said: $held"
echo "ok: ports ran out: $(tr '\n' ' ' <<<"$held")"

out=$(in_srv "$ctl" rfd off veth-srv) || fail "rfd off failed: $out"
in_srv ip link show veth-srv | grep -q xdp && fail "rfd off left a program: $(in_srv ip link show veth-srv)"
in_srv "$ctl" rfd status | grep -q "off on every device" || fail "status after off: $(in_srv "$ctl" rfd status)"
echo "ok: rfd off: $out"
# The port is chosen by connect itself where the kernel has
# IP_LOCAL_PORT_RANGE (6.3+, and Debian's 6.1), else by an exclusive bind
# first (FASTSOCKET_RFD_BIND=1 forces that way): both are checked here.
# binds ENV...: the bind calls of one connection from CPU 1.
binds() {
	in_srv env "$@" strace -f -e trace=bind,getsockopt -o /tmp/hold.strace -E LD_PRELOAD="$FS_LIB" \
		"$FS_BIN/hold" -a 10.77.0.2 -p 7000 -c 1 -n 1 >/tmp/hold.out || fail "hold under strace failed"
	grep -q "^connected 1 " /tmp/hold.out || fail "hold: $(cat /tmp/hold.out)"
	read -r _ p1 <<<"$(grep '^ports' /tmp/hold.out)"
	[ $((p1 % possible)) = 1 ] || fail "$*: port $p1 does not name CPU 1"
	grep -c '^[0-9]* *bind(' /tmp/hold.strace
}
if command -v strace >/dev/null; then
	want=0
	n=$(binds FASTSOCKET_STRICT=0)
	grep -q 'getsockopt(.*SOL_IP.*ENOPROTOOPT' /tmp/hold.strace && want=1
	[ "$n" = "$want" ] || fail "$n bind calls by default, want $want: $(cat /tmp/hold.strace)"
	n=$(binds FASTSOCKET_RFD_BIND=1)
	# A port in use (TIME_WAIT from above) fails bind and the next is tried.
	ok=$(grep -c '^[0-9]* *bind(.*) = 0$' /tmp/hold.strace)
	busy=$(grep -c '^[0-9]* *bind(.*EADDRINUSE' /tmp/hold.strace)
	[ "$ok" = 1 ] && [ "$n" = $((busy + 1)) ] ||
		fail "FASTSOCKET_RFD_BIND=1: $n bind calls, $ok that worked, $busy EADDRINUSE: $(cat /tmp/hold.strace)"
	echo "ok: $(uname -r): the port named the CPU with $want bind call(s) by default, $n with FASTSOCKET_RFD_BIND=1 ($busy of them EADDRINUSE)"
else
	note "no strace: which way the port was chosen is not checked"
fi

# The bind way runs out of ports the same way.
in_srv sh -c "echo 61008 61015 >$range"
held=$(in_srv env LD_PRELOAD="$FS_LIB" FASTSOCKET_RFD_BIND=1 timeout 30 "$FS_BIN/hold" -a 10.77.0.2 -p 7000 -c 0 -n 20 2>&1)
rc=$?
in_srv sh -c "echo '$old_range' >$range"
[ $rc = 0 ] && grep -qx "connected 8 error EADDRNOTAVAIL" <<<"$held" || fail "8 ports, bind way (rc $rc): $held"
echo "ok: ports ran out, bind way: $(tr '\n' ' ' <<<"$held")"

# tune with the switch on: RFD instead of RPS there; untune undoes both.
mask=$(printf '%x' $(( (1 << $(nproc)) - 1 )))
in_srv sh -c "echo $mask >$rps"
out=$(in_srv "$ctl" tune --interface veth-srv 2>&1) || fail "tune failed: $out"
grep -qx '[0,]*' <<<"$(in_srv cat $rps)" || fail "tune left RPS on: $(in_srv cat $rps)"
in_srv ip link show veth-srv | grep -q xdpgeneric || fail "tune did not put RFD on: $out"
echo "ok: tune: RPS $(in_srv cat $rps), RFD on"
out=$(in_srv "$ctl" untune 2>&1) || fail "untune failed: $out"
in_srv ip link show veth-srv | grep -q xdp && fail "untune left RFD on: $out"
[ "$(in_srv cat $rps)" = "$mask" ] || fail "untune restored RPS to $(in_srv cat $rps), not $mask"
echo "ok: untune: RFD off, RPS $mask again"

pkill -f "rr server"
wait
fs_unload || fail "unload failed"
