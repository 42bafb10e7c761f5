# The benchmark's own tools, on the host: libaccprobe.so counts exactly one
# accept and one first read per connection of tcp_echo (and passes calls
# through when it has no file), and summarize.awk computes medians, ranges,
# ratios, locality shares and cross-CPU work per connection that are
# checked by hand below.
# The tables run under the system's awk, then again under gawk where it
# is installed (FS_AWK): Debian's default awk is mawk, Fedora's gawk, and
# gawk 5.2.1 once crashed where mawk did not.
. "$(dirname "$0")/../lib/common.sh"
awk=${FS_AWK:-awk}
probe=$FS_BUILD/bench/libaccprobe.so echo=$FS_BUILD/tests/tcp_echo
tmp=$(mktemp -d) && trap 'rm -rf "$tmp"' EXIT
[ -x "$echo" ] && [ -f "$probe" ] || { echo "FAIL: build the test programs and bench/ first"; exit 1; }

for family in 4 6; do
	flag=; [ $family = 6 ] && flag=-6
	ACCPROBE_FILE=$tmp/counts.$family LD_PRELOAD=$probe "$echo" $flag -n 50 ||
		{ echo "FAIL: tcp_echo -n 50 fails under the probe (IPv$family)"; exit 1; }
	got=$(od -An -t u8 -w32 -v "$tmp/counts.$family" |
		awk '{ a += $1; b += $2; c += $3; d += $4 } END { print a, c, (b <= a && d <= c) }')
	[ "$got" = "50 50 1" ] ||
		{ echo "FAIL: IPv$family: accepts, first reads, local <= all: want '50 50 1', got '$got'"; exit 1; }
	echo "ok: IPv$family: the probe counted 50 accepts and 50 first reads"
done
LD_PRELOAD=$probe "$echo" -n 10 || { echo "FAIL: tcp_echo fails under the probe without a file"; exit 1; }
echo "ok: without ACCPROBE_FILE the probe passes calls through"

cat >"$tmp/runs.csv" <<'CSV'
cpus,setup,round,conn_per_s,requests,errors,accepts,accepts_local,reads,reads_local,ipis,net_rx,switches,wakeups,remote_wakeups,migrations,server_remote_wakeups
2,plain,1,100,10,0,10,5,10,4,20,30,40,50,10,1,8
2,fastsocket,1,150,10,0,10,10,10,10,5,30,20,25,1,0,0
2,plain,2,300,10,1,10,3,10,2,40,30,40,50,30,3,20
2,fastsocket,2,120,10,0,10,10,10,9,5,30,20,25,1,0,1
2,plain,3,200,10,0,20,2,10,4,0,0,0,0,20,2,12
2,fastsocket,3,130,10,0,10,10,10,10,5,30,20,25,1,0,0
4,plain,1,400,10,0,0,0,0,0
4,fastsocket,1,500,10,0,8,6,4,1,1,1,1,-1,-1,-1,-1
4,plain,2,600,10,0,0,0,0,0
4,fastsocket,2,700,10,0,8,6,4,1,3,3,3,-1,-1,-1,-1
4,haproxy,1,300,10,0,10,3,0,0,10,10,10,10,4,0,3
4,haproxy-fs,1,240,10,0,10,10,0,0,2,2,2,2,1,0,0
4,haproxy,2,500,10,0,10,2,0,0,10,10,10,10,6,0,5
4,haproxy-fs,2,260,10,0,10,10,0,0,2,2,2,2,1,0,1
CSV
cat >"$tmp/want.csv" <<'CSV'
cpus,setup,rounds,conn_per_s_median,conn_per_s_min,conn_per_s_max,ratio_to_plain,failed,accept_locality_pct,request_locality_pct,ipis_per_conn,net_rx_per_conn,switches_per_conn,wakeups_per_conn,remote_wakeups_per_conn,migrations_per_conn,remote_wakeups_ratio,server_remote_wakeups_per_conn,server_remote_wakeups_ratio
2,plain,3,200.0,100.0,300.0,1.000,1,25.0,33.3,2.00,2.00,2.67,3.33,2.00,0.20,1.000,1.333,1.000
2,fastsocket,3,130.0,120.0,150.0,0.650,0,100.0,96.7,0.50,3.00,2.00,2.50,0.10,0.00,0.050,0.033,0.025
4,plain,2,500.0,400.0,600.0,1.000,0,-1.0,-1.0,-1.00,-1.00,-1.00,-1.00,-1.00,-1.00,-1.000,-1.000,-1.000
4,fastsocket,2,600.0,500.0,700.0,1.200,0,75.0,25.0,0.20,0.20,0.20,-1.00,-1.00,-1.00,-1.000,-1.000,-1.000
4,haproxy,2,400.0,300.0,500.0,1.000,0,25.0,-1.0,1.00,1.00,1.00,1.00,0.50,0.00,1.000,0.400,1.000
4,haproxy-fs,2,250.0,240.0,260.0,0.625,0,100.0,-1.0,0.20,0.20,0.20,0.20,0.10,0.00,0.200,0.050,0.125
CSV
"$awk" -F, -v csv=1 -f "$FS_ROOT/bench/median.awk" -f "$FS_ROOT/bench/summarize.awk" "$tmp/runs.csv" >"$tmp/got.csv"
diff -u "$tmp/want.csv" "$tmp/got.csv" || { echo "FAIL: summarize.awk"; exit 1; }
echo "ok: summarize.awk: medians (odd and even rounds), ranges, ratios (haproxy's to plain haproxy), locality shares, cross-CPU work per connection, the server's cross-CPU wakeups apart (n/a where a run lacks it)"
"$awk" -F, -f "$FS_ROOT/bench/median.awk" -f "$FS_ROOT/bench/summarize.awk" "$tmp/runs.csv"

# bench/insn-count's summary: per-connection medians, spreads, ratio and
# spinning, by hand (3 repeats of 100 connections, 2 of 200).
cat >"$tmp/insns.csv" <<'CSV'
setup,repeat,conns,server_user,server_kernel,server_spin,client_user,client_kernel,client_spin,ipis,net_rx,switches,wakeups,remote_wakeups,migrations,server_remote_wakeups
plain,1,100,1000000,9000000,50000,200000,5000000,0,300,400,900,500,100,3,40
fastsocket,1,200,2400000,17000000,0,400000,10000000,0,100,800,1800,1000,10,0,2
plain,2,100,1020000,9300000,90000,200000,5100000,0,280,400,900,500,90,2,50
fastsocket,2,200,2400000,17400000,20000,400000,10000000,0,120,800,1800,1000,14,1,0
plain,3,100,1010000,9100000,70000,200000,5000000,0,320,400,900,500,110,2,60
reuseport,1,100,1000000,9000000,0,200000,5000000,0,200,400,900,-1,-1,-1,-1
haproxy,1,100,1200000,10000000,0,200000,5000000,0,200,400,900,500,20,1,10
haproxy-fs,1,100,1300000,9000000,0,200000,5000000,0,200,400,900,500,5,1,0
CSV
cat >"$tmp/insns-want.csv" <<'CSV'
setup,repeats,server_user_per_conn,user_spread_pct,server_kernel_per_conn,kernel_spread_pct,server_per_conn,spread_pct,ratio_to_plain,server_spin_per_conn,client_per_conn,ipis_per_conn,remote_wakeups_per_conn,remote_wakeups_ratio_to_plain,server_remote_wakeups_per_conn,server_remote_wakeups_ratio_to_plain
plain,3,10100,1.98,91000,3.30,101100,3.17,1.000,700,52000,3.00,1.000,1.000,0.500,1.000
fastsocket,2,12000,0.00,86000,2.33,98000,2.04,0.969,50,52000,0.55,0.060,0.060,0.005,0.010
reuseport,1,10000,0.00,90000,0.00,100000,0.00,0.989,0,52000,2.00,n/a,n/a,n/a,n/a
haproxy,1,12000,0.00,100000,0.00,112000,0.00,1.000,0,52000,2.00,0.200,0.200,0.100,0.200
haproxy-fs,1,13000,0.00,90000,0.00,103000,0.00,0.920,0,52000,2.00,0.050,0.050,0.000,0.000
CSV
"$awk" -F, -v csv=1 -f "$FS_ROOT/bench/median.awk" -f "$FS_ROOT/bench/insn-summary.awk" "$tmp/insns.csv" >"$tmp/insns-got.csv"
diff -u "$tmp/insns-want.csv" "$tmp/insns-got.csv" || { echo "FAIL: insn-summary.awk"; exit 1; }
echo "ok: insn-summary.awk: instructions per connection (medians, spreads, ratio to plain or to plain haproxy, spinning apart, the client's own), IPIs, cross-CPU wakeups and those of the server per connection (n/a where not counted)"
"$awk" -F, -f "$FS_ROOT/bench/median.awk" -f "$FS_ROOT/bench/insn-summary.awk" "$tmp/insns.csv"

# bench/insn-count's wakeups by woken task, by hand, on the runs above
# (reuseport has no histogram file: n/a).
mkdir -p "$tmp/wake"
printf '%s\n' '1 1 nginx 100' '1 2 ksoftirqd/1 30' '0 0 connloop 400' >"$tmp/wake/wakeups.plain.1"
printf '%s\n' '1 1 nginx 100' '2 2 ksoftirqd/2 30' '0 0 connloop 400' >"$tmp/wake/wakeups.plain.2"
printf '%s\n' '1 1 nginx 100' '0 0 connloop 400' >"$tmp/wake/wakeups.plain.3"
printf '%s\n' '1 1 nginx 200' '1 1 ksoftirqd/1 200' '3 3 kworker/3:1 4' '0 0 connloop 800' \
	>"$tmp/wake/wakeups.fastsocket.1"
printf '%s\n' '2 2 nginx 200' '2 2 ksoftirqd/2 200' '0 0 connloop 800' >"$tmp/wake/wakeups.fastsocket.2"
printf '%s\n' '1 1 haproxy 300' '0 0 connloop 400' >"$tmp/wake/wakeups.haproxy.1"
printf '%s\n' '1 1 haproxy 100' '0 0 connloop 400' >"$tmp/wake/wakeups.haproxy-fs.1"
cat >"$tmp/wake-want.txt" <<'TXT'
wakeups per connection, by woken task plain fastsocket reuseport haproxy haproxy-fs
haproxy 0.000 0.000 (+0.000) n/a 3.000 1.000 (-2.000)
ksoftirqd 0.200 1.000 (+0.800) n/a 0.000 0.000 (+0.000)
kworker 0.000 0.010 (+0.010) n/a 0.000 0.000 (+0.000)
nginx 1.000 1.000 (+0.000) n/a 0.000 0.000 (+0.000)
(any, on the client's vCPU) 4.000 4.000 (+0.000) n/a 4.000 4.000 (+0.000)
all wakeups 5.200 6.010 n/a 7.000 5.000
TXT
"$awk" -f "$FS_ROOT/bench/diff-table.awk" -f "$FS_ROOT/bench/insn-wakeups.awk" "$tmp/insns.csv" "$tmp/wake"/wakeups.* | tr -s ' ' >"$tmp/wake-got.txt"
diff -u "$tmp/wake-want.txt" "$tmp/wake-got.txt" || { echo "FAIL: insn-wakeups.awk"; exit 1; }
echo "ok: insn-wakeups.awk: wakeups per connection by woken task (instance left off, the client's vCPU in one row), difference from plain or plain haproxy, largest first, n/a without a histogram"

# bench/insn-count's ksoftirqd and NET_RX by origin, by hand: 6.1's
# stack key (plain), 6.12's (fastsocket), a kernel without stack keys
# (haproxy: both parts empty), no file (reuseport), and haproxy-fs whose
# base has no figures.
printf '%s\n' setup,repeat,conns plain,1,100 fastsocket,1,200 reuseport,1,100 haproxy,1,100 haproxy-fs,1,100 \
	>"$tmp/softirq.csv"
mkdir -p "$tmp/softirq"
cat >"$tmp/softirq/softirq.plain.1" <<'HIST'
== ksoftirqd woken
# event histogram
#
{ stacktrace:
         ttwu_do_wakeup+0x96/0x170
         try_to_wake_up+0x258/0x540
         handle_softirqs+0x264/0x280
         __irq_exit_rcu+0xac/0xe0
} hitcount:         30
{ stacktrace:
         try_to_wake_up+0x258/0x540
         raise_softirq+0x10/0x20
         rcu_core+0x1/0x2
} hitcount:          6
{ common_cpu:          1, target_cpu:          1, comm: nginx } hitcount:         99
Totals:
    Hits: 135
== NET_RX raised
{ stacktrace:
         rps_trigger_softirq+0x83/0x90
         __flush_smp_call_function_queue+0xcd/0x1a0
} hitcount:        300
{ stacktrace:
         enqueue_to_backlog+0x210/0x2d0
         veth_xmit+0x20f/0x270 [veth]
         __tcp_transmit_skb+0xac1/0xc30
         tcp_v4_do_rcv+0x151/0x280
         tcp_v4_rcv+0xdb6/0xee0
} hitcount:        150
{ stacktrace:
         enqueue_to_backlog+0x210/0x2d0
         tcp_rcv_state_process+0xf4f/0xfc0
         tcp_v4_do_rcv+0xd3/0x2b0
         __release_sock+0xd4/0xe0
         release_sock+0x2f/0xa0
} hitcount:         60
{ stacktrace:
         enqueue_to_backlog+0x210/0x2d0
         net_tx_action+0x1/0x2
} hitcount:          3
HIST
cat >"$tmp/softirq/softirq.fastsocket.1" <<'HIST'
== ksoftirqd woken
{ common_stacktrace:
         ttwu_do_wakeup+0x96/0x170
         try_to_wake_up+0x258/0x540
         __do_softirq+0x264/0x280
} hitcount:        200
{ common_stacktrace:
         try_to_wake_up+0x258/0x540
         kthread_unpark+0x1/0x2
} hitcount:          2
== NET_RX raised
{ common_stacktrace:
         rps_trigger_softirq+0x89/0xc0
} hitcount:        600
{ common_stacktrace:
         enqueue_to_backlog+0x23c/0x3d0
         tcp_v4_send_synack+0xb6/0x1e0
         tcp_conn_request+0xb6c/0xed0
         tcp_v4_rcv+0xe16/0xee0
} hitcount:        300
{ common_stacktrace:
         enqueue_to_backlog+0x23c/0x3d0
         tcp_connect+0xbb9/0xf20
         tcp_v4_connect+0x45d/0x520
         __x64_sys_connect+0x18/0x20
} hitcount:        100
HIST
printf '%s\n' '== ksoftirqd woken' '== NET_RX raised' >"$tmp/softirq/softirq.haproxy.1"
cp "$tmp/softirq/softirq.fastsocket.1" "$tmp/softirq/softirq.haproxy-fs.1"
cat >"$tmp/softirq-want.txt" <<'TXT'
ksoftirqd and NET_RX per connection plain fastsocket reuseport haproxy haproxy-fs
ksoftirqd: at a softirq run's end 0.300 1.000 (+0.700) n/a n/a n/a
NET_RX: a packet sent by a task 0.600 0.500 (-0.100) n/a n/a n/a
ksoftirqd: by a raise in a task 0.060 0.000 (-0.060) n/a n/a n/a
NET_RX: raised elsewhere 0.030 0.000 (-0.030) n/a n/a n/a
ksoftirqd: woken elsewhere 0.000 0.010 (+0.010) n/a n/a n/a
NET_RX: raised by an RPS IPI 3.000 3.000 (+0.000) n/a n/a n/a
NET_RX: a packet sent in softirq 1.500 1.500 (+0.000) n/a n/a n/a
ksoftirqd woken, in all 0.360 1.010 n/a n/a 2.020
TXT
"$awk" -f "$FS_ROOT/bench/diff-table.awk" -f "$FS_ROOT/bench/insn-softirq.awk" "$tmp/softirq.csv" "$tmp/softirq"/softirq.* | tr -s ' ' >"$tmp/softirq-got.txt"
diff -u "$tmp/softirq-want.txt" "$tmp/softirq-got.txt" || { echo "FAIL: insn-softirq.awk"; exit 1; }
echo "ok: insn-softirq.awk: ksoftirqd's wakeups and NET_RX's raises per connection by origin (either kernel's stack key, other histograms' lines left out), difference from plain, n/a without stack keys or a file"

# bench/insn-count's system calls of the server by call, by hand, on the
# runs of insns.csv: only nginx's and haproxy's count (not connloop's,
# bash's or a kworker's), repeats add up, reuseport has no file (n/a),
# the haproxy setups compare with plain haproxy; largest difference first,
# ties in the order first met.
mkdir -p "$tmp/calls"
printf '%s\n' 'nginx sys_accept4 100' 'nginx sys_epoll_wait 200' 'connloop sys_connect 100' >"$tmp/calls/syscalls.plain.1"
printf '%s\n' 'nginx sys_accept4 100' 'nginx sys_epoll_wait 200' >"$tmp/calls/syscalls.plain.2"
printf '%s\n' 'nginx sys_accept4 100' 'nginx sys_epoll_wait 250' 'kworker/0:1 sys_ioctl 9' >"$tmp/calls/syscalls.plain.3"
printf '%s\n' 'nginx sys_accept4 200' 'nginx sys_epoll_ctl 50' 'nginx sys_ioctl 20' 'nginx sys_epoll_wait 400' \
	'bash sys_read 1000' >"$tmp/calls/syscalls.fastsocket.1"
printf '%s\n' 'nginx sys_accept4 200' 'nginx sys_epoll_ctl 30' 'nginx sys_epoll_wait 400' >"$tmp/calls/syscalls.fastsocket.2"
printf '%s\n' 'haproxy sys_accept4 100' 'haproxy sys_epoll_wait 500' >"$tmp/calls/syscalls.haproxy.1"
printf '%s\n' 'haproxy sys_accept4 50' 'haproxy sys_ioctl 50' 'haproxy sys_epoll_wait 200' >"$tmp/calls/syscalls.haproxy-fs.1"
cat >"$tmp/calls-want.txt" <<'TXT'
server's system calls per connection plain fastsocket reuseport haproxy haproxy-fs
epoll_wait 2.167 2.000 (-0.167) n/a 5.000 2.000 (-3.000)
accept4 1.000 1.000 (+0.000) n/a 1.000 0.500 (-0.500)
ioctl 0.000 0.050 (+0.050) n/a 0.000 0.500 (+0.500)
epoll_ctl 0.000 0.200 (+0.200) n/a 0.000 0.000 (+0.000)
all calls 3.167 3.250 n/a 6.000 3.000
TXT
"$awk" -f "$FS_ROOT/bench/diff-table.awk" -f "$FS_ROOT/bench/insn-syscalls.awk" "$tmp/insns.csv" "$tmp/calls"/syscalls.* | tr -s ' ' >"$tmp/calls-got.txt"
diff -u "$tmp/calls-want.txt" "$tmp/calls-got.txt" || { echo "FAIL: insn-syscalls.awk"; exit 1; }
echo "ok: insn-syscalls.awk: the server's system calls per connection by call (nginx's and haproxy's only), difference from plain or plain haproxy, largest first, n/a without a file"

# bench/insn-count's TCP and link counters, by hand, on the runs above
# (300 plain connections, 400 under fastsocket; reuseport has no file:
# n/a; a counter missing from a file did not change).
mkdir -p "$tmp/tcp"
for r in 1 2 3; do
	printf '%s\n' 'srv Tcp.OutSegs 500' 'srv link.tx_packets 500' 'srv link.rx_packets 600' \
		'cli Tcp.OutSegs 600' >"$tmp/tcp/tcp.plain.$r"
done
for r in 1 2; do
	printf '%s\n' 'srv Tcp.OutSegs 1200' 'srv link.tx_packets 1200' 'srv link.rx_packets 1200' \
		'srv TcpExt.TCPPureAcks 400' >"$tmp/tcp/tcp.fastsocket.$r"
done
echo 'srv Tcp.OutSegs 500' >"$tmp/tcp/tcp.haproxy.1"
echo 'srv Tcp.OutSegs 400' >"$tmp/tcp/tcp.haproxy-fs.1"
cat >"$tmp/tcp-want.txt" <<'TXT'
TCP and link counters per connection plain fastsocket reuseport haproxy haproxy-fs
cli Tcp.OutSegs 6.000 0.000 (-6.000) n/a 0.000 0.000 (+0.000)
srv TcpExt.TCPPureAcks 0.000 2.000 (+2.000) n/a 0.000 0.000 (+0.000)
srv Tcp.OutSegs 5.000 6.000 (+1.000) n/a 5.000 4.000 (-1.000)
srv link.tx_packets 5.000 6.000 (+1.000) n/a 0.000 0.000 (+0.000)
srv link.rx_packets 6.000 6.000 (+0.000) n/a 0.000 0.000 (+0.000)
the server's packets 11.000 12.000 n/a 0.000 0.000
TXT
"$awk" -f "$FS_ROOT/bench/diff-table.awk" -f "$FS_ROOT/bench/insn-tcp.awk" "$tmp/insns.csv" "$tmp/tcp"/tcp.* | tr -s ' ' >"$tmp/tcp-got.txt"
diff -u "$tmp/tcp-want.txt" "$tmp/tcp-got.txt" || { echo "FAIL: insn-tcp.awk"; exit 1; }
echo "ok: insn-tcp.awk: TCP and link counters per connection by namespace, difference from plain or plain haproxy, largest first, the server's packets in all, n/a without a file"
cat >"$tmp/tcp-want.txt" <<'TXT'
TCP and link counters per connection plain fastsocket reuseport haproxy haproxy-fs
srv Tcp.OutSegs 5.000 (-1.000) 6.000 n/a 5.000 4.000 (-1.000)
srv link.tx_packets 5.000 (-1.000) 6.000 n/a 0.000 0.000 (+0.000)
srv link.rx_packets 6.000 (+0.000) 6.000 n/a 0.000 0.000 (+0.000)
srv TcpExt.TCPPureAcks 0.000 (-2.000) 2.000 n/a 0.000 0.000 (+0.000)
cli Tcp.OutSegs 6.000 (+6.000) 0.000 n/a 0.000 0.000 (+0.000)
the server's packets 11.000 12.000 n/a 0.000 0.000
TXT
"$awk" -v against=fastsocket -f "$FS_ROOT/bench/diff-table.awk" -f "$FS_ROOT/bench/insn-tcp.awk" "$tmp/insns.csv" "$tmp/tcp"/tcp.* | tr -s ' ' >"$tmp/tcp-got.txt"
diff -u "$tmp/tcp-want.txt" "$tmp/tcp-got.txt" || { echo "FAIL: diff-table.awk against=fastsocket"; exit 1; }
echo "ok: diff-table.awk against=SETUP: differences from SETUP (haproxy's from plain haproxy), plain's own not ranking the rows"
grep -E '^(setup|haproxy)' "$tmp/insns.csv" >"$tmp/haproxy.csv"
printf '%s\n' 'TCP and link counters per connection haproxy haproxy-fs' \
	'srv Tcp.OutSegs 5.000 4.000 (-1.000)' "the server's packets 0.000 0.000" >"$tmp/tcp-want.txt"
"$awk" -f "$FS_ROOT/bench/diff-table.awk" -f "$FS_ROOT/bench/insn-tcp.awk" "$tmp/haproxy.csv" \
	"$tmp/tcp/tcp.haproxy.1" "$tmp/tcp/tcp.haproxy-fs.1" | tr -s ' ' >"$tmp/tcp-got.txt"
diff -u "$tmp/tcp-want.txt" "$tmp/tcp-got.txt" || { echo "FAIL: diff-table.awk, haproxy alone"; exit 1; }
echo "ok: diff-table.awk: the haproxy setups alone compare with plain haproxy"

# bench/insn-count's user mode by object, by hand: run 1 (plain, 100
# connections) is window 2, run 2 (fastsocket, 200) window 4; odd
# windows and kernel blocks are left out.
printf '%s\n' setup,repeat,conns plain,1,100 fastsocket,1,200 >"$tmp/user.csv"
cat >"$tmp/wake/maps.plain.1" <<'MAPS'
555555554000-555555600000 r-xp 00000000 08:01 123 /usr/sbin/nginx
7ffff7a00000-7ffff7b00000 r-xp 00000000 08:01 456 /usr/lib/x86_64-linux-gnu/libc.so.6
7ffff7ff0000-7ffff7ff2000 r-xp 00000000 00:00 0 [vdso]
MAPS
cat >"$tmp/wake/maps.fastsocket.1" <<'MAPS'
555555554000-555555600000 r-xp 00000000 08:01 123 /usr/sbin/nginx
7ffff7900000-7ffff7910000 r-xp 00000000 08:01 789 /src/libfsocket/libfsocket.so
7ffff7a00000-7ffff7b00000 r-xp 00000000 08:01 456 /usr/lib/x86_64-linux-gnu/libc.so.6
7ffff7c00000-7ffff7c01000 rw-p 00000000 00:00 0
MAPS
cat >"$tmp/user.profile" <<'PROFILE'
window 1
0000555555560000 999
window 2
0000555555560000 1000000
00007ffff7a10000 300000
00007ffff7ff0100 10000
ffffffff81000000 5000
window 3
0000555555560000 999
window 4
0000555555560000 2000000
00007ffff7900100 40000
00007ffff7a10000 620000
00007ffff7c00010 2000
00007fffffff0000 200
ffffffff81000000 7000
PROFILE
cat >"$tmp/user-want.txt" <<'TXT'
user instructions per connection plain fastsocket
libfsocket.so 0 200 (+200)
libc.so.6 3000 3100 (+100)
[vdso] 100 0 (-100)
(anonymous) 0 10 (+10)
(not mapped) 0 1 (+1)
nginx 10000 10000 (+0)
all user blocks 13100 13311
TXT
"$awk" -f "$FS_ROOT/bench/diff-table.awk" -f "$FS_ROOT/bench/insn-user.awk" "$tmp/user.csv" "$tmp/wake"/maps.* "$tmp/user.profile" | tr -s ' ' >"$tmp/user-got.txt"
diff -u "$tmp/user-want.txt" "$tmp/user-got.txt" || { echo "FAIL: insn-user.awk"; exit 1; }
echo "ok: insn-user.awk: user instructions per connection by object (program, libraries, vDSO, anonymous, unmapped), each run placed by its own mappings, kernel blocks and odd windows left out"

# bench/insn-count's kernel profile by function, by hand, on the same
# runs: module symbols keep their [module]; user blocks are not the
# kernel's.
printf '%s\n' 'ffffffff81000000 T func_a' 'ffffffff81000100 T func_b' \
	'ffffffffc0000000 t mod_f [fastsocket]' >"$tmp/kallsyms.sorted"
cat >"$tmp/kernel.profile" <<'PROFILE'
window 1
ffffffff81000010 77
window 2
ffffffff81000010 1000
ffffffff81000110 500
0000555555560000 99999
window 4
ffffffff81000010 2000
ffffffffc0000010 400
ffffffff81000120 1000
00007ffff7a10000 620000
PROFILE
cat >"$tmp/kernel-want.txt" <<'TXT'
kernel instructions per connection plain fastsocket
mod_f [fastsocket] 0 2 (+2)
func_a 10 10 (+0)
func_b 5 5 (+0)
all kernel blocks 15 17
TXT
"$awk" -f "$FS_ROOT/bench/diff-table.awk" -f "$FS_ROOT/bench/insn-profile.awk" "$tmp/kallsyms.sorted" "$tmp/user.csv" "$tmp/kernel.profile" |
	tr -s ' ' >"$tmp/kernel-got.txt"
diff -u "$tmp/kernel-want.txt" "$tmp/kernel-got.txt" || { echo "FAIL: insn-profile.awk"; exit 1; }
echo "ok: insn-profile.awk: kernel instructions per connection by function (module symbols named with their module), largest difference first, user blocks left out"

# bench/insn-count refuses a bad argument before it builds or boots
# anything, and says which (once, not again under gawk).
if [ -z "${FS_AWK:-}" ]; then
	for bad in "--link tap:--link: veth or nic" "--cpus 1:--cpus: at least 2" \
		   "--concurrency 0:not a positive number: 0" "--setups nope:unknown setup: nope" \
		   "--events }:--events: nginx events directives"; do
		err=$(bash "$FS_ROOT/bench/insn-count" ${bad%%:*} --no-deps 2>&1 >/dev/null) &&
			{ echo "FAIL: bench/insn-count ${bad%%:*} succeeded"; exit 1; }
		[[ $err == *"${bad#*:}"* ]] ||
			{ echo "FAIL: bench/insn-count ${bad%%:*}: want \"${bad#*:}\", got \"$err\""; exit 1; }
	done
	echo "ok: bench/insn-count refuses --link tap, --cpus 1, --concurrency 0, an unknown setup and events directives it cannot pass to nginx, and says why"
fi

if [ -z "${FS_AWK:-}" ]; then
	if command -v gawk >/dev/null && [ "$(readlink -f "$(command -v awk)")" != "$(readlink -f "$(command -v gawk)")" ]; then
		echo "== the same tables under gawk"
		FS_AWK=gawk bash "$0" || exit 1
	elif ! command -v gawk >/dev/null; then
		echo "note: gawk is not installed: the tables were checked under $(readlink -f "$(command -v awk)") alone"
	fi
fi
