# The benchmark's guest side (run by tests/vm/runner): Debian's nginx three
# ways and haproxy two ways on the same load, round after round, each setup
# started afresh:
#   plain       bench/nginx.conf as is: one listener shared by every worker
#   reuseport   "listen 80 reuseport" and "worker_cpu_affinity auto": a
#               listener per worker, workers pinned (the stock alternative)
#   reuseport-cpu  the same with libreuseportcpu.so preloaded: each
#               connection goes to the listener of the CPU that received
#               it (a reuseport cBPF program returning SKF_AD_CPU), which
#               needs no module
#   fastsocket  the plain configuration under libfsocket.so (module loaded)
#   haproxy     Debian's haproxy in its default threaded mode (one
#               process, a thread per CPU, one shared listener), plain
#   haproxy-fs  the same under libfsocket.so (a local listener per
#               thread)
# wrk in namespace cli sends short connections (one request each) over veth
# with RPS. libaccprobe.so, preloaded in all of them, counts accepts and
# requests served on the CPU that processed their packets (for haproxy: its
# accepts; its threads read without the probe's wrappers). xcpu.sh counts
# the cross-CPU work of each run. One line per run:
#   result,CPUS,SETUP,ROUND,CONN_PER_S,REQUESTS,ERRORS,ACCEPTS,ACCEPTS_LOCAL,READS,READS_LOCAL,
#          IPIS,NET_RX,SWITCHES,WAKEUPS,REMOTE_WAKEUPS,MIGRATIONS
# Settings: FSB_ROUNDS (3), FSB_SECONDS (5), FSB_SETUPS (the first three).
. "$FS_ROOT/tests/vm/lib.sh"
. "$FS_ROOT/tests/vm/stats.sh"
. "$FS_ROOT/tests/vm/servers.sh"
. "$FS_ROOT/bench/guest/xcpu.sh"

rounds=${FSB_ROUNDS:-3}
secs=${FSB_SECONDS:-5}
read -r -a setups <<<"${FSB_SETUPS:-plain reuseport fastsocket}"
probe=$FS_BUILD/bench/libaccprobe.so
cpuprog=$FS_BUILD/bench/libreuseportcpu.so
counts=/dev/shm/accprobe

for p in nginx wrk $(case " ${setups[*]} " in *" haproxy"*) echo haproxy ;; esac); do
	command -v "$p" >/dev/null || fail "$p is not installed (tests/lib/host-deps.sh installs it)"
done
[ -f "$probe" ] && [ -f "$cpuprog" ] || fail "no $probe or $cpuprog (make -C bench)"
trap 'fs_servers_stop; fs_netns_down' EXIT
fs_netns_up || fail "cannot set up the namespaces"
fs_servers_prepare || fail "cannot prepare nginx's paths"
fs_load || fail "the module does not load"

# configure SETUP: the configuration file for SETUP.
configure() {
	local affinity='' reuseport=''
	if [ "${1%-cpu}" = reuseport ]; then
		affinity='worker_cpu_affinity auto;' reuseport=reuseport
	fi
	sed -e "s/@AFFINITY@/$affinity/" -e "s/@REUSEPORT@/$reuseport/" \
		"$FS_ROOT/bench/nginx.conf" >"/tmp/nginx-$1.conf"
	echo "/tmp/nginx-$1.conf"
}

# probe_totals: the probe's four counters summed over CPUs.
probe_totals() {
	od -An -t u8 -w32 -v "$counts" |
		awk '{ a += $1; b += $2; c += $3; d += $4 } END { print a, b, c, d }'
}

# start SETUP PRELOAD: the server of SETUP, in namespace srv.
start() {
	local server=(nginx -c "$(configure "$1")")
	case $1 in
	haproxy*) server=(haproxy -D -f "$FS_ROOT/tests/servers/haproxy-threads.cfg") ;;
	esac
	ip netns exec srv env ACCPROBE_FILE="$counts" LD_PRELOAD="$2" \
		"${server[@]}" || fail "$1: ${server[0]} did not start"
}

# run SETUP: one measurement in round $ROUND, one result line.
run() {
	local setup=$1 preload=$probe before after load xcpu
	case $setup in
	fastsocket | haproxy-fs) preload="$probe $FS_LIB" ;;
	reuseport-cpu) preload="$probe $cpuprog" ;;
	esac
	rm -f "$counts"
	start "$setup" "$preload"
	fs_wait_up || fail "$setup: the server does not answer"
	before=$(probe_totals)
	xcpu_begin
	load=$(fs_wrk "$secs")
	xcpu=$(xcpu_end "$(case $setup in haproxy*) echo haproxy ;; *) echo nginx ;; esac)")
	after=$(probe_totals)
	fs_servers_stop
	set -- $load
	[ "$2" -gt 0 ] || { cat /tmp/wrk.out; fail "$setup: wrk made no request"; }
	echo "$before $after" | awk -v c="$(nproc)" -v s="$setup" -v r="$ROUND" \
		-v rate="$6" -v req="$2" -v err="$4" -v x="$xcpu" '{
		gsub(" ", ",", x)
		printf "result,%d,%s,%d,%.1f,%d,%d,%d,%d,%d,%d,%s\n", c, s, r, rate,
			req, err, $5 - $1, $6 - $2, $7 - $3, $8 - $4, x }'
}

echo "== nginx $(nginx -v 2>&1 | sed 's,.*/,,'), $(nproc) vCPUs, $rounds rounds of ${secs}s per setup: ${setups[*]}"
for ROUND in $(seq "$rounds"); do
	# Each round starts with the next setup, so none always runs first.
	for i in "${!setups[@]}"; do
		run "${setups[(i + ROUND - 1) % ${#setups[@]}]}"
	done
done
fs_wait_no_listeners || fail "the module still has listeners: $(fs_listeners)"
