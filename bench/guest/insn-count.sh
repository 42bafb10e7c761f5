# The instruction-count benchmark's guest side (run by tests/vm/runner for
# bench/insn-count, in a VM whose qemu runs libinsncount.so): nginx, set
# up each way, serves a fixed number of connections from connloop while
# the plugin counts every vCPU's instructions, user and kernel apart; so
# does Debian's haproxy in its default threaded mode.
# vCPU 0 is the client's: this script, connloop and the receive work of
# namespace cli (its RPS) run there, and nothing of the server's; nginx
# and the receive work of namespace srv run on the others. So the
# client's share is measured on its own and left out of the server's.
#   plain          bench/nginx.conf, one listener shared by the workers
#   reuseport      a listener per worker, workers pinned
#   reuseport-cpu  the same with libreuseportcpu.so (SKF_AD_CPU program)
#   fastsocket     the plain configuration under libfsocket.so
#   fastsocket-stalled  the same with one worker stopped (SIGSTOP) while
#                  measured: its CPU's connections wait to be stolen
#   haproxy        one process, a thread per server vCPU, one listener
#   haproxy-fs     the same under libfsocket.so
# Each run also leaves /fsout/maps.SETUP.REPEAT, a server process's
# /proc/PID/maps (bench/insn-user.awk), /fsout/tcp.SETUP.REPEAT, the TCP
# and link counters that changed over the counted connections
# (bench/insn-tcp.awk), and from the second pass
# /fsout/wakeups.SETUP.REPEAT, /fsout/softirq.SETUP.REPEAT and
# /fsout/syscalls.SETUP.REPEAT (xcpu.sh; bench/insn-wakeups.awk,
# bench/insn-softirq.awk, bench/insn-syscalls.awk). One line per run, the counts
# between connloop's two marks (SPIN: in
# spin-wait loops, kernel or user, apart from the rest), then xcpu.sh's
# cross-CPU counts over a second pass of as many connections (apart, so
# that its tracepoints add nothing to the instructions):
#   insns,SETUP,REPEAT,CONNS,SERVER_USER,SERVER_KERNEL,SERVER_SPIN,CLIENT_USER,CLIENT_KERNEL,CLIENT_SPIN,IPIS,NET_RX,SWITCHES,WAKEUPS,REMOTE_WAKEUPS,MIGRATIONS,SERVER_REMOTE_WAKEUPS
# Settings: FSI_CONNS (1000), FSI_REPEATS (3), FSI_CONCURRENCY (1),
# FSI_SETUPS (all seven), FSI_WARMUP (5000), FSI_LISTEN (nginx's listen
# parameters added in every setup, none by default), FSI_EVENTS (nginx
# events directives added in every setup, none by default), FSI_LINK (veth, or
# nic: two virtio-net NICs on one of qemu's hubs).
. "$FS_ROOT/tests/vm/lib.sh"
. "$FS_ROOT/tests/vm/stats.sh"
. "$FS_ROOT/tests/vm/servers.sh"
. "$FS_ROOT/bench/guest/xcpu.sh"

conns=${FSI_CONNS:-1000}
repeats=${FSI_REPEATS:-3}
conc=${FSI_CONCURRENCY:-1}
read -r -a setups <<<"${FSI_SETUPS:-plain reuseport reuseport-cpu fastsocket fastsocket-stalled haproxy haproxy-fs}"
marks=/fsout/insncount.log
loop=$FS_BUILD/bench/connloop
cpuprog=$FS_BUILD/bench/libreuseportcpu.so
nsrv=$(($(nproc) - 1))
client=0

[ "$nsrv" -ge 1 ] || fail "needs at least 2 vCPUs"
[ -f "$marks" ] || fail "no $marks: qemu runs without libinsncount.so"
[ -x "$loop" ] && [ -f "$cpuprog" ] || fail "no $loop or $cpuprog (make -C bench)"
command -v nginx >/dev/null && command -v haproxy >/dev/null ||
	fail "nginx or haproxy is not installed (tests/lib/host-deps.sh installs them)"
taskset -pc "$client" $$ >/dev/null || fail "cannot move to the client's vCPU"

# nic_named MAC NAME NETNS CPU: the NIC with address MAC becomes NAME in
# NETNS, its interrupts on CPU.
nic_named() {
	local d dev='' irq irqs
	for d in /sys/class/net/*; do
		[ "$(cat "$d/address")" = "$1" ] && dev=${d##*/}
	done
	[ -n "$dev" ] || { echo "no NIC with address $1"; return 1; }
	# The PCI function's vectors (config, receive, send), above the
	# virtio device that the interface names.
	irqs=$(ls "/sys/class/net/$dev/device/../msi_irqs" 2>/dev/null)
	[ -n "$irqs" ] || { echo "$dev: no MSI-X vectors"; return 1; }
	for irq in $irqs; do
		echo "$4" >"/proc/irq/$irq/smp_affinity_list" || return 1
	done
	ip link set "$dev" netns "$3" && ip -n "$3" link set "$dev" name "$2"
}

# --link nic (FSI_LINK): the two NICs of qemu's hub, one per namespace,
# addressed as fs_netns_up addresses the veth pair.
nics_up() {
	ip netns add srv && ip netns add cli &&
		nic_named 52:54:00:00:77:01 nic-srv srv 1 &&
		nic_named 52:54:00:00:77:02 nic-cli cli "$client" || return 1
	ip -n srv addr add 10.77.0.1/24 dev nic-srv &&
		ip -n cli addr add 10.77.0.2/24 dev nic-cli &&
		ip -n srv link set lo up && ip -n cli link set lo up &&
		ip -n srv link set nic-srv up && ip -n cli link set nic-cli up
}

trap 'fs_servers_stop; fs_netns_down' EXIT
if [ "${FSI_LINK:-veth}" = nic ]; then
	srvdev=nic-srv clidev=nic-cli
	nics_up || fail "cannot put the NICs in the namespaces"
else
	srvdev=veth-srv clidev=veth-cli
	fs_netns_up || fail "cannot set up the namespaces"
fi
# Neighbour entries that never go stale: a stale one is resolved again
# inside some runs and not others, when virtual time says so.
ip -n srv neigh replace 10.77.0.2 dev $srvdev nud permanent \
	lladdr "$(ip -n cli -br link show $clidev | awk '{ print $3 }')" &&
	ip -n cli neigh replace 10.77.0.1 dev $clidev nud permanent \
		lladdr "$(ip -n srv -br link show $srvdev | awk '{ print $3 }')" ||
	fail "cannot set the neighbour entries"
ip netns exec srv sh -c "echo $(printf '%x' $(((1 << (nsrv + 1)) - 2))) >/sys/class/net/$srvdev/queues/rx-0/rps_cpus" &&
	ip netns exec cli sh -c "echo 1 >/sys/class/net/$clidev/queues/rx-0/rps_cpus" ||
	fail "cannot set RPS"
fs_servers_prepare || fail "cannot prepare nginx's paths"
fs_load || fail "the module does not load"
# For bench/insn-profile.awk: the kernel's and the module's symbols.
cat /proc/kallsyms >/fsout/kallsyms || fail "cannot read /proc/kallsyms"

# tcp_counters: every counter of /proc/net/snmp and /proc/net/netstat in
# both namespaces, and their devices' packets, one "NS GROUP.NAME VALUE"
# line each (bench/insn-tcp.awk): what the stack sent and received.
tcp_counters() {
	local ns dev
	for ns in srv cli; do
		dev=$srvdev
		[ $ns = cli ] && dev=$clidev
		ip netns exec $ns cat /proc/net/snmp /proc/net/netstat |
			awk -v ns=$ns '$1 == head { for (i = 2; i <= NF; i++) print ns, substr($1, 1, length($1) - 1) "." name[i], $i; head = ""; next }
				{ head = $1; for (i = 2; i <= NF; i++) name[i] = $i }'
		ip netns exec $ns sh -c "cd /sys/class/net/$dev/statistics && echo $ns link.tx_packets \$(cat tx_packets) && echo $ns link.rx_packets \$(cat rx_packets)"
	done
}

# tcp_counted BEFORE AFTER: the counters that changed, "NS GROUP.NAME CHANGE".
tcp_counted() {
	awk 'FNR == NR { was[$1 " " $2] = $3; next }
		$3 != was[$1 " " $2] { print $1, $2, $3 - was[$1 " " $2] }' "$1" "$2"
}

# configure SETUP: nginx's configuration for SETUP, nsrv workers.
configure() {
	local affinity='' reuseport='' ones events=''
	if [ "${1%-cpu}" = reuseport ]; then
		ones=$(printf "%${nsrv}s" '' | tr ' ' 1)
		affinity="worker_cpu_affinity auto ${ones}0;" reuseport=reuseport
	fi
	[ -z "${FSI_EVENTS:-}" ] || events="\\n\\t$FSI_EVENTS;"
	sed -e "s/^worker_processes auto;/worker_processes $nsrv;/" \
		-e "s/^\tworker_connections .*;/&$events/" \
		-e "s/@AFFINITY@/$affinity/" -e "s/@REUSEPORT@/$reuseport ${FSI_LISTEN:-}/" \
		"$FS_ROOT/bench/nginx.conf" >"/tmp/nginx-$1.conf"
	echo "/tmp/nginx-$1.conf"
}

# run SETUP REPEAT: one measurement, one result line.
run() {
	local setup=$1 preload='' before out xcpu server comm=nginx stopped='' pid
	case $setup in
	fastsocket | fastsocket-stalled | haproxy-fs) preload=$FS_LIB ;;
	reuseport-cpu) preload=$cpuprog ;;
	esac
	server=(nginx -c "$(configure "$setup")")
	case $setup in
	haproxy*) server=(haproxy -D -f "$FS_ROOT/tests/servers/haproxy-threads.cfg") comm=haproxy ;;
	esac
	ip netns exec srv taskset -c "1-$nsrv" env LD_PRELOAD="$preload" \
		"${server[@]}" || fail "$setup: $comm did not start"
	fs_wait_up || fail "$setup: $comm does not answer"
	ip netns exec cli "$loop" -a 10.77.0.1 -p 80 -n 100 -c "$conc" >/dev/null ||
		fail "$setup: the warm-up failed"
	# For bench/insn-user.awk: where the server's objects lie (a worker's
	# mappings; haproxy's threads share its one process's).
	pid=$(if [ $comm = nginx ]; then pgrep -f 'nginx: worker process'; else pgrep -x haproxy; fi | head -n 1)
	cat "/proc/$pid/maps" >"/fsout/maps.$setup.$2" || fail "$setup: cannot read the mappings of $comm"
	if [ "$setup" = fastsocket-stalled ]; then
		stopped=$(pgrep -f 'nginx: worker process' | head -n 1)
		kill -STOP "$stopped" || fail "$setup: cannot stop a worker"
	fi
	before=$(wc -l <"$marks")
	tcp_counters >/tmp/tcp.before || fail "$setup: cannot read the TCP counters"
	out=$(ip netns exec cli "$loop" -a 10.77.0.1 -p 80 -n "$conns" -c "$conc" -m) ||
		fail "$setup: $out"
	tcp_counters >/tmp/tcp.after || fail "$setup: cannot read the TCP counters"
	tcp_counted /tmp/tcp.before /tmp/tcp.after >"/fsout/tcp.$setup.$2"
	XCPU_SOFTIRQ_TO=/fsout/softirq.$setup.$2 XCPU_SYSCALLS_TO=/fsout/syscalls.$setup.$2 xcpu_begin
	out=$(ip netns exec cli "$loop" -a 10.77.0.1 -p 80 -n "$conns" -c "$conc") ||
		fail "$setup: $out"
	xcpu=$(XCPU_WAKEUPS_TO=/fsout/wakeups.$setup.$2 XCPU_SOFTIRQ_TO=/fsout/softirq.$setup.$2 \
		XCPU_SYSCALLS_TO=/fsout/syscalls.$setup.$2 xcpu_end "$comm")
	[ -n "$stopped" ] && kill -CONT "$stopped"
	fs_servers_stop
	[ "$(wc -l <"$marks")" = $((before + 2)) ] ||
		fail "$setup: want 2 more readings in $marks, have $(($(wc -l <"$marks") - before))"
	sed -n "$((before + 1)),$((before + 2))p" "$marks" |
		awk -v s="$setup" -v r="$2" -v n="$conns" -v srv="$nsrv" -v x="$xcpu" '
		NR == 1 { for (i = 3; i <= NF; i++) a[i] = $i; next }
		{
			for (v = 0; v <= srv; v++)
				for (k = 0; k < 3; k++) {
					f = 3 + 3 * v + k
					if (v > 0) sv[k] += $f - a[f]; else cl[k] = $f - a[f]
				}
			gsub(/ /, ",", x)
			printf "insns,%s,%d,%d,%d,%d,%d,%d,%d,%d,%s\n", s, r, n,
				sv[0], sv[1], sv[2], cl[0], cl[1], cl[2], x
		}'
}

echo "== nginx $(nginx -v 2>&1 | sed 's,.*/,,'), $nsrv server vCPUs and 1 client vCPU over ${FSI_LINK:-veth}, $conns connections ($conc at a time), $repeats repeats${FSI_LISTEN:+, listen parameters: $FSI_LISTEN}${FSI_EVENTS:+, events: $FSI_EVENTS}: ${setups[*]}"
# The kernel's caches grow over the first thousands of connections (slab
# pages, hash chains): without this, the kernel count fell by about 1 %
# from each repeat to the next, in every setup.
ip netns exec srv nginx -c "$(configure plain)" || fail "warm-up: nginx did not start"
fs_wait_up || fail "warm-up: nginx does not answer"
ip netns exec cli "$loop" -a 10.77.0.1 -p 80 -n "${FSI_WARMUP:-5000}" -c 1 >/dev/null ||
	fail "the warm-up failed"
fs_servers_stop
for r in $(seq "$repeats"); do
	# Each repeat starts with the next setup, so none always runs first.
	for i in "${!setups[@]}"; do
		run "${setups[(i + r - 1) % ${#setups[@]}]}" "$r"
	done
done
fs_wait_no_listeners || fail "the module still has listeners: $(fs_listeners)"
