# The features benchmark's guest side (run by tests/vm/runner): figures
# for the seed features that map onto what the kernel already does
# (docs/features.md). Prints "feature,NAME,KEY=VALUE..." lines; never
# fails on a figure, only when something does not run.
#
#  - fast epoll: what epoll_ctl's lookup costs (bench/epollctl.c, for 1,
#    100 and 10000 registered descriptors), and how many epoll_ctl calls
#    Debian's nginx makes per connection, plain and under libfsocket.so
#    (strace -c over a short wrk run; the library's own calls included).
#  - receive CPU selection (RFS) and the baseline of receive flow deliver:
#    a worker pinned on each CPU of namespace srv makes short connections
#    to an echo server in cli (bench/outbound.c); the share of replies
#    processed on the worker's CPU with no RPS, with RPS alone, after
#    fastsocketctl tune (RPS and RFS), as the unit applies it, and with
#    receive flow deliver (the module loaded with enable_receive_flow_deliver=1,
#    the worker under libfsocket.so, fastsocketctl tune putting RFD on the
#    device instead of RPS); with the connection rate of each.
. "$FS_ROOT/tests/vm/lib.sh"
. "$FS_ROOT/tests/vm/stats.sh"
. "$FS_ROOT/tests/vm/servers.sh"

secs=${FSB_SECONDS:-5}
for p in nginx wrk strace; do
	command -v "$p" >/dev/null || fail "$p is not installed (tests/lib/host-deps.sh installs it)"
done
trap 'fs_servers_stop; fs_netns_down' EXIT
fs_netns_up || fail "cannot set up the namespaces"
fs_servers_prepare || fail "cannot prepare nginx's paths"
fs_load || fail "the module does not load"

echo "== epoll_ctl on $(uname -r), $(nproc) vCPUs: K registered, ns per MOD and per ADD+DEL"
"$FS_BUILD/bench/epollctl" 1 100 10000 >/tmp/epollctl.out || fail "epollctl failed"
while read -r k mod add_del; do
	echo "feature,fast_epoll_cost,registered=$k,mod_ns=$mod,add_del_ns=$add_del"
done </tmp/epollctl.out

# calls SETUP SECONDS: nginx (plain, or under the library) under strace
# -f -c, started, loaded by wrk for SECONDS (none for 0), stopped; prints
# "requests N epoll_ctl C".
calls() {
	local preload='' load='requests 0' n
	[ "$1" = fastsocket ] && preload=$FS_LIB
	sed -e 's/@AFFINITY@//' -e 's/@REUSEPORT@//' "$FS_ROOT/bench/nginx.conf" >/tmp/nginx-bench.conf
	ip netns exec srv strace -f -c -e trace=epoll_ctl -o /tmp/strace.out \
		${preload:+-E LD_PRELOAD=$preload} \
		nginx -c /tmp/nginx-bench.conf -g 'daemon off;' &
	fs_wait_up || fail "$1: nginx does not answer"
	[ "$2" = 0 ] || load=$(fs_wrk "$2")
	fs_servers_stop
	wait
	n=$(awk '$NF == "epoll_ctl" { print $4 }' /tmp/strace.out)
	[ -n "$n" ] || fail "$1: strace counted no epoll_ctl"
	echo "$load epoll_ctl $n"
}

# Per connection: the calls of a loaded run less those of an idle one
# (start-up, the readiness check, shutdown).
for setup in plain fastsocket; do
	read -r _ _ _ idle <<<"$(calls $setup 0)"
	read -r _ req _ _ _ _ _ n <<<"$(calls $setup "$secs")"
	[ "$req" -gt 0 ] || fail "$setup: wrk made no request"
	echo "feature,fast_epoll_calls,setup=$setup,requests=$req,epoll_ctl=$n,idle_run=$idle,per_connection=$(awk -v n="$n" -v i="$idle" -v r="$req" 'BEGIN { printf "%.3f", (n - i) / r }')"
done
fs_wait_no_listeners || fail "the module still has listeners: $(fs_listeners)"

ctl=$FS_ROOT/src/ctl/fastsocketctl
rps=/sys/class/net/veth-srv/queues/rx-0/rps_cpus
ip netns exec cli "$FS_BIN/rr" server -a 10.77.0.2 -p 7000 >/tmp/echo.out &
wait_for_line /tmp/echo.out ready || fail "the echo server did not start"
outbound() {	# outbound SETUP [PRELOAD]: one result line
	local res
	res=$(ip netns exec srv env ${2:+LD_PRELOAD=$2} "$FS_BUILD/bench/outbound" -a 10.77.0.2 -p 7000 -n 200) ||
		fail "$1: outbound connections failed"
	set -- "$1" $res
	echo "feature,outbound,setup=$1,connections=$3,replies_local=$5,pct=$7,port_names_cpu=$9,conn_per_s=${11}"
}
mask=$(ip netns exec srv cat "$rps")
ip netns exec srv sh -c "echo 0 >$rps" && outbound no-rps
ip netns exec srv sh -c "echo $mask >$rps" && outbound rps
# The RFS table exists in the initial namespace only: tune in srv says so,
# and it is set here, as tune run there would.
flows=$(cat /proc/sys/net/core/rps_sock_flow_entries)
echo 32768 >/proc/sys/net/core/rps_sock_flow_entries
ip netns exec srv "$ctl" tune >/dev/null 2>&1 || fail "fastsocketctl tune failed"
outbound tuned
ip netns exec srv "$ctl" untune >/dev/null || fail "fastsocketctl untune failed"
echo "$flows" >/proc/sys/net/core/rps_sock_flow_entries
fs_unload || fail "the module does not unload"
fs_load enable_receive_flow_deliver=1 || fail "the module does not load with enable_receive_flow_deliver=1"
ip netns exec srv "$ctl" tune >/dev/null 2>&1 || fail "fastsocketctl tune (RFD) failed"
ip netns exec srv ip link show veth-srv | grep -q xdpgeneric || fail "tune did not put RFD on veth-srv"
outbound rfd "$FS_LIB"
ip netns exec srv "$ctl" untune >/dev/null || fail "fastsocketctl untune (RFD) failed"
pkill -f "rr server"
