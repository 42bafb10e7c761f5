# A service started by systemd's socket activation is accelerated, and
# finds its listener as sd_listen_fds(3) does. Debian's
# systemd-socket-activate listens on 10.77.0.1 and, at the first
# connection, starts the stall server (tests/progs/stall.c -A: descriptor
# 3, LISTEN_PID and LISTEN_FDS checked as libsystemd checks them), whose
# workers, one per CPU, wait in epoll on it. The library comes with -E,
# as a unit's Environment= would give it, so the listener was made and
# set listening before the library was loaded. 300 short connections over
# veth with RPS, each bounded by 2 s; plain beside fastsocket in the same
# run: all answered both ways, and under the library every worker takes
# its CPU's connections from a local listener (at least 90 % local).
# Sanitizer kernels: skipped: the library's constructor only; 100 and 110 spawn local listeners there
# Middle kernels: skipped: userspace over the module, the same on every kernel; of the two stock kernels at the ends, the one below runs it
# Stock kernel: newest
. "$FS_ROOT/tests/vm/lib.sh"
. "$FS_ROOT/tests/vm/stats.sh"
. "$FS_ROOT/tests/vm/stall.sh"

command -v systemd-socket-activate >/dev/null || skip "systemd-socket-activate is not installed"
[ "$(nproc)" -ge 2 ] || skip "needs at least 2 CPUs"
trap fs_netns_down EXIT
fs_netns_up || fail "cannot set up the namespaces"
fs_load || fail "load failed"

n=300
port=8600
for setup in plain fastsocket; do
	port=$((port + 1))
	FS_STALL_VIA=(systemd-socket-activate -l "10.77.0.1:$port")
	[ $setup = plain ] ||
		FS_STALL_VIA+=(-E "LD_PRELOAD=$FS_LIB" -E FASTSOCKET_QUIET=1)
	r=$(fs_stall_run $port $n "$setup, socket-activated" -- -A -w "$(nproc)" -m epoll)
	note "$r"
	fs_losses_ok "$(fs_field "$r" failed)" $n || fail "$setup: connections lost: $r"
	pct=$(fs_field "$r" pct)
	echo "ok: $setup, socket-activated: $n of $n answered, ${pct} % local"
	if [ $setup = fastsocket ]; then
		awk -v p="$pct" 'BEGIN { exit !(p >= 90) }' ||
			fail "the activated service was not accelerated: $pct % local: $r"
	fi
done
FS_STALL_VIA=()
check "closed listeners are forgotten" fs_wait_no_listeners
