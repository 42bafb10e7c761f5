# The features benchmark's guest side (run by tests/vm/runner): figures
# for the seed features that map onto what the kernel already does
# (docs/features.md). Prints "feature,NAME,KEY=VALUE..." lines; never
# fails on a figure, only when something does not run.
#
#  - fast epoll: what epoll_ctl's lookup costs (bench/epollctl.c, for 1,
#    100 and 10000 registered descriptors), and how many epoll_ctl calls
#    Debian's nginx makes per connection, plain and under libfsocket.so
#    with enable_fast_epoll 1 and 0 (strace -c over a short wrk run; the
#    library's own calls included).
#  - receive CPU selection (RFS) and the baseline of receive flow deliver:
#    a worker pinned on each CPU of namespace srv makes short connections
#    to an echo server in cli (bench/outbound.c); the share of replies
#    processed on the worker's CPU with no RPS, with RPS alone, after
#    fastsocketctl tune with enable_receive_cpu_selection=1 (RPS and RFS),
#    as the unit applies it, and with
#    receive flow deliver (the module loaded with enable_receive_flow_deliver=1,
#    the worker under libfsocket.so, fastsocketctl tune putting RFD on the
#    device instead of RPS); with the connection rate of each.
#  - skb pool (its receive half, net.core.skb_defer_max): 1-byte
#    request/response between a client pinned on CPU 0 (srv) and an echo
#    server pinned on CPU 1 (cli), so that every received skb is freed on
#    a CPU other than the one that allocated it; rounds alternate
#    skb_defer_max 0 and what fastsocketctl tune sets with enable_skb_pool=1.
#    Kprobe hits count the frees of received skbs (skb_attempt_defer_free)
#    and the skbs freed on the CPU that allocated them after all
#    (napi_consume_skb: the flush of that CPU's deferred list).
#  - socket pool: how many socket allocations (struct socket with its
#    inode, what the original's pool held) the slab allocator serves from
#    its per-CPU freelist: sock_alloc_inode's calls against the entries
#    into the slab's slow path (___slab_alloc) for sock_inode_cache, during
#    20,000 socket() + close() and during 800 TCP connections (both ends).
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
	[ "$1" = plain ] || preload=$FS_LIB
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
# The last setup is the library with the module loaded with
# enable_fast_epoll=0: the switch changes nothing, and this shows it.
for setup in plain fastsocket fastsocket-fast-epoll-0; do
	if [ $setup = fastsocket-fast-epoll-0 ]; then
		fs_wait_no_listeners && fs_unload && fs_load enable_fast_epoll=0 ||
			fail "cannot load the module with enable_fast_epoll=0"
	fi
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
fs_unload || fail "the module does not unload"
fs_load enable_receive_cpu_selection=1 || fail "the module does not load with enable_receive_cpu_selection=1"
ip netns exec srv "$ctl" tune --interface veth-srv >/dev/null 2>&1 || fail "fastsocketctl tune failed"
outbound tuned
ip netns exec srv "$ctl" untune >/dev/null || fail "fastsocketctl untune failed"
echo "$flows" >/proc/sys/net/core/rps_sock_flow_entries
fs_unload || fail "the module does not unload"
fs_load enable_receive_flow_deliver=1 || fail "the module does not load with enable_receive_flow_deliver=1"
ip netns exec srv "$ctl" tune --interface veth-srv >/dev/null 2>&1 || fail "fastsocketctl tune (RFD) failed"
ip netns exec srv ip link show veth-srv | grep -q xdpgeneric || fail "tune did not put RFD on veth-srv"
outbound rfd "$FS_LIB"
ip netns exec srv "$ctl" untune >/dev/null || fail "fastsocketctl untune (RFD) failed"
pkill -f "rr server"

# skb pool: the module loaded with enable_skb_pool=1; tune in the initial
# namespace (the only one with net.core.skb_defer_max) turns it on.
fs_unload || fail "the module does not unload"
fs_load enable_skb_pool=1 || fail "the module does not load with enable_skb_pool=1"
fs_kprobe skb_attempt_defer_free napi_consume_skb || fail "cannot probe the skb frees"
defer_old=$(cat /proc/sys/net/core/skb_defer_max)
ip netns exec cli taskset -c 1 "$FS_BIN/rr" server -a 10.77.0.2 -p 7001 >/tmp/echo-pinned.out &
wait_for_line /tmp/echo-pinned.out ready || fail "the pinned echo server did not start"
for round in 1 2 3 4; do
	echo 0 >/proc/sys/net/core/skb_defer_max
	if [ $((round % 2)) = 0 ]; then
		"$ctl" tune >/dev/null 2>&1 || fail "fastsocketctl tune (skb pool) failed"
		[ "$(cat /proc/sys/net/core/skb_defer_max)" != 0 ] || fail "tune left skb_defer_max at 0"
	fi
	max=$(cat /proc/sys/net/core/skb_defer_max)
	f0=$(fs_hits skb_attempt_defer_free) c0=$(fs_hits napi_consume_skb)
	res=$(ip netns exec srv taskset -c 0 "$FS_BIN/rr" client -a 10.77.0.2 -p 7001 -t "$secs") ||
		fail "round $round: rr client failed: $res"
	f1=$(fs_hits skb_attempt_defer_free) c1=$(fs_hits napi_consume_skb)
	"$ctl" untune >/dev/null 2>&1
	set -- $res
	echo "feature,skb_pool,round=$round,skb_defer_max=$max,transactions=$2,per_s=$4,rx_frees=$((f1 - f0)),freed_on_alloc_cpu=$((c1 - c0)),pct=$(awk -v c=$((c1 - c0)) -v f=$((f1 - f0)) 'BEGIN { printf "%.1f", f ? 100 * c / f : 0 }')"
done
echo "$defer_old" >/proc/sys/net/core/skb_defer_max
fs_kprobes_off

# socket pool: the slow path's calls for the socket inodes' cache only
# (a filter on its address, read from sock_inode_cachep); the hits of
# sock_alloc_inode count every socket allocated.
fs_kprobe sock_alloc_inode || fail "cannot probe sock_alloc_inode"
echo 'p:fs_cachep sock_alloc_inode cachep=@sock_inode_cachep:x64' >>$FS_TRACE/kprobe_events &&
	echo 'p:fs_slow ___slab_alloc cache=%di:x64' >>$FS_TRACE/kprobe_events &&
	echo 1 >$FS_TRACE/events/kprobes/fs_cachep/enable || fail "cannot probe ___slab_alloc"
echo >$FS_TRACE/trace
echo 1 >$FS_TRACE/tracing_on
"$FS_BUILD/bench/sockloop" 1 >/dev/null
echo 0 >$FS_TRACE/tracing_on
cachep=$(grep -o 'cachep=0x[0-9a-f]*' $FS_TRACE/trace | head -n 1)
[ -n "$cachep" ] || fail "cannot read sock_inode_cachep"
echo 0 >$FS_TRACE/events/kprobes/fs_cachep/enable
echo "cache == ${cachep#cachep=}" >$FS_TRACE/events/kprobes/fs_slow/filter &&
	echo 1 >$FS_TRACE/events/kprobes/fs_slow/enable || fail "cannot filter ___slab_alloc's calls"
sockets() {	# sockets LOAD CMD...: one result line
	local a0 a1 slow
	echo >$FS_TRACE/trace
	a0=$(fs_hits sock_alloc_inode)
	echo 1 >$FS_TRACE/tracing_on
	"${@:2}" >/dev/null || fail "socket pool: $1 failed"
	echo 0 >$FS_TRACE/tracing_on
	a1=$(fs_hits sock_alloc_inode)
	slow=$(grep -c ' fs_slow: ' $FS_TRACE/trace)
	echo "feature,socket_pool,load=$1,sockets=$((a1 - a0)),slow_path=$slow,per_cpu_pct=$(awk -v a=$((a1 - a0)) -v s="$slow" 'BEGIN { printf "%.1f", a ? 100 * (a - s) / a : 0 }')"
}
sockets socket_close "$FS_BUILD/bench/sockloop" 20000
sockets tcp_connections ip netns exec srv "$FS_BUILD/bench/outbound" -a 10.77.0.2 -p 7001 -n 200
fs_kprobes_off
pkill -f "rr server"
