# Helpers for test cases running in the guest (sourced by tests/cases/*.sh).
# A case exits 0 to pass, 77 to skip (after printing "SKIP: why"), anything
# else to fail; lines starting with "NOTE:" are shown in the summary.
# shellcheck shell=bash

set -u

FS_PARAMS="enable_fastsocket_debug enable_listen_spawn enable_receive_flow_deliver enable_fast_epoll enable_direct_tcp enable_skb_pool enable_receive_cpu_selection enable_socket_pool_size steal_after_ms"

fail() { echo "FAIL: $*"; exit 1; }
skip() { echo "SKIP: $*"; exit 77; }
note() { echo "NOTE: $*"; }

# check DESCRIPTION CMD...: run CMD, fail the case when it fails.
check() {
	local what=$1; shift
	if "$@"; then
		echo "ok: $what"
	else
		fail "$what (command: $*)"
	fi
}

# fs_my_share I: whether this kernel runs the I-th (from 0) of a case's
# costly variants. A stock kernel runs them all; the sanitizer kernels,
# ten times slower, share them out (FS_SANITIZER_SHARE, "K/N": the K-th of
# the N in this run, tests/run), so that each runs under the sanitizers
# on one of them and the suite keeps inside CI's hour.
fs_my_share() {
	local share=${FS_SANITIZER_SHARE:-0/1}
	[ "${FS_DEBUG_KERNEL:-0}" != 1 ] || [ $(($1 % ${share#*/})) = "${share%/*}" ]
}

# On the sanitizer kernels, which run about ten times slower under
# emulation, the steal bound is five times the default, unless given: a
# healthy worker there can go longer than 100 ms without getting to its
# queue.
fs_load() {
	if [ "${FS_DEBUG_KERNEL:-0}" = 1 ] && [[ " $* " != *" steal_after_ms="* ]]; then
		set -- "$@" steal_after_ms=500
	fi
	insmod "$FS_KO" "$@"
}
# A process that just exited may still be closing its local listeners,
# which keep the module in: give it a moment.
fs_unload() {
	local i
	for i in $(seq 20); do
		rmmod fastsocket 2>/dev/null && return 0
		sleep 0.1
	done
	rmmod fastsocket
}
fs_loaded() { [ -d /sys/module/fastsocket ]; }

# The defaults, one "name value mode [refused]" per line: mode 644 where a
# change at run time is safe (docs/features.md says what it affects);
# refused: a value out of range (99 where none is given).
fs_param_defaults() {
	cat <<-DEFAULTS
	enable_fastsocket_debug 3 644
	enable_listen_spawn 2 644
	enable_receive_flow_deliver 0 444
	enable_fast_epoll 1 444
	enable_direct_tcp 0 444
	enable_skb_pool 0 444
	enable_receive_cpu_selection 0 444
	enable_socket_pool_size 0 444
	steal_after_ms 100 644 60001
	max_listeners_per_user 4096 644 0
	max_listeners_per_netns 16384 644 0
	DEFAULTS
}

# fs_netns_up: namespaces "srv" and "cli" joined by a veth pair,
# 10.77.0.1 and fd77::1 (srv), 10.77.0.2 and fd77::2 (cli), with RPS
# spreading the receive
# work of the server's side over every CPU, as a multi-queue NIC would.
fs_netns_up() {
	local cpus mask
	cpus=$(nproc)
	mask=$(printf '%x' $(( (1 << cpus) - 1 )))
	ip netns add srv && ip netns add cli || return 1
	ip link add veth-srv netns srv type veth peer name veth-cli netns cli || return 1
	ip -n srv addr add 10.77.0.1/24 dev veth-srv
	ip -n cli addr add 10.77.0.2/24 dev veth-cli
	ip -n srv -6 addr add fd77::1/64 dev veth-srv nodad
	ip -n cli -6 addr add fd77::2/64 dev veth-cli nodad
	ip -n srv link set lo up; ip -n cli link set lo up
	ip -n srv link set veth-srv up; ip -n cli link set veth-cli up
	ip netns exec srv sh -c "echo $mask > /sys/class/net/veth-srv/queues/rx-0/rps_cpus"
}

fs_netns_down() {
	ip netns del srv 2>/dev/null
	ip netns del cli 2>/dev/null
	return 0
}

# wait_for_line FILE TEXT [SECONDS]: wait until FILE has a line TEXT.
wait_for_line() { wait_for_match "$1" "^$2\$" "${3:-30}"; }

# wait_for_match FILE REGEX [SECONDS]: the same for a line that REGEX
# matches anywhere.
wait_for_match() {
	local _
	for _ in $(seq $(( ${3:-30} * 10 ))); do
		grep -q -- "$2" "$1" 2>/dev/null && return 0
		sleep 0.1
	done
	return 1
}

# wait_gone PID [SECONDS]: PID exits within SECONDS (default 10).
wait_gone() {
	local _
	for _ in $(seq $(( ${2:-10} * 10 ))); do
		kill -0 "$1" 2>/dev/null || return 0
		sleep 0.1
	done
	! kill -0 "$1" 2>/dev/null
}

# Counting calls of kernel functions, where Debian's kernels have no
# counters of their own: a kprobe event per function, tracing off (the
# hits are counted all the same, nothing is recorded). The recording of
# command names stays off: the first event on (the last off) would start
# (stop) it, which patches the scheduler's tracepoints in __schedule, run
# meanwhile by the idle vCPUs; under TCG that once hung a 6.1 guest in a
# loop of the patch's int3.
#   fs_kprobe FUNC...: probe each FUNC; fails when one cannot be probed.
#   fs_hits FUNC: the calls of FUNC since it was probed.
#   fs_kprobes_off: remove every probe.
FS_TRACE=/sys/kernel/tracing
fs_kprobe() {
	local f
	[ -e $FS_TRACE/kprobe_events ] || mount -t tracefs nodev $FS_TRACE || return 1
	echo 0 >$FS_TRACE/tracing_on
	echo 0 >$FS_TRACE/options/record-cmd || return 1
	for f in "$@"; do
		echo "p:fs_$f $f" >>$FS_TRACE/kprobe_events &&
			echo 1 >$FS_TRACE/events/kprobes/fs_$f/enable || return 1
	done
}
fs_hits() { awk -v e="fs_$1" '$1 == e { print $2 }' $FS_TRACE/kprobe_profile; }
fs_kprobes_off() {
	[ -e $FS_TRACE/kprobe_events ] || return 0
	echo 0 >$FS_TRACE/events/kprobes/enable 2>/dev/null
	echo >$FS_TRACE/kprobe_events
}
