# Cross-CPU work, machine-wide, over one run of a benchmark's guest side
# (sourced by nginx-compare.sh and insn-count.sh): what a connection costs
# besides its own
# instructions. xcpu_begin before the load, xcpu_end [COMM] after it prints
#   IPIS NET_RX SWITCHES WAKEUPS REMOTE_WAKEUPS MIGRATIONS [COMM_REMOTE_WAKEUPS]
# IPIS: rescheduling, function-call and TLB-shootdown interrupts
# (/proc/interrupts RES, CAL, TLB); NET_RX: receive softirqs
# (/proc/softirqs); SWITCHES: context switches (/proc/stat ctxt);
# WAKEUPS and REMOTE_WAKEUPS: sched_wakeup events, and those whose target
# CPU is not the waking one; MIGRATIONS: sched_migrate_task events;
# COMM_REMOTE_WAKEUPS: the cross-CPU wakeups of tasks named COMM (the
# server's own). Those come from histogram triggers, counted in the
# kernel without a trace buffer; a kernel without them (or tracefs) gets
# -1, said once. The triggers are armed after the first reading of
# /proc and read with shell builtins first thing at the end: the shell's
# own pipelines would count otherwise (seen: sed, awk and bash made all
# of a fastsocket run's cross-CPU wakeups). Pausing them instead cleared
# them (6.1). The client (wrk, namespace cli) is counted too: every setup
# carries the same share of it. With XCPU_WAKEUPS_TO set, xcpu_end also
# writes there one "WAKING_CPU TARGET_CPU COMM COUNT" line per histogram
# entry (bench/insn-wakeups.awk: wakeups by woken task). With
# XCPU_SOFTIRQ_TO set, two more histograms, by kernel stack: ksoftirqd's
# wakeups and the raises of NET_RX, written there under "== ksoftirqd
# woken" and "== NET_RX raised" (bench/insn-softirq.awk: why ksoftirqd
# runs). A kernel without stack keys leaves both parts empty. With
# XCPU_SYSCALLS_TO set, a histogram of the system calls made, by process
# name and call, written there as "COMM CALL COUNT" lines
# (bench/insn-syscalls.awk: the server's system calls per connection).
XCPU_TRACE=/sys/kernel/tracing
XCPU_WAKE=events/sched/sched_wakeup/trigger
XCPU_MIGRATE=events/sched/sched_migrate_task/trigger
XCPU_WAKE_HIST='hist:keys=common_cpu,target_cpu,comm:vals=hitcount'
XCPU_MIGRATE_HIST='hist:keys=common_cpu:vals=hitcount'
XCPU_KSOFTIRQD_HIST='hist:keys=stacktrace:vals=hitcount if comm ~ "ksoftirqd*"'
XCPU_RAISE=events/irq/softirq_raise/trigger
XCPU_RAISE_HIST='hist:keys=stacktrace:vals=hitcount if vec == 3'
XCPU_SYSCALL=events/raw_syscalls/sys_enter/trigger
XCPU_SYSCALL_HIST='hist:keys=common_pid.execname,id.syscall:vals=hitcount:size=4096'
xcpu_traced=0 xcpu_said=0 xcpu_stacks=0 xcpu_calls=0

xcpu_procfs() {
	awk '$1 ~ /^(RES|CAL|TLB):$/ { for (i = 2; i <= NF && $i ~ /^[0-9]+$/; i++) n += $i }
		END { printf "%d ", n }' /proc/interrupts
	awk '$1 == "NET_RX:" { for (i = 2; i <= NF; i++) n += $i } END { printf "%d ", n }' /proc/softirqs
	awk '$1 == "ctxt" { print $2 }' /proc/stat
}

xcpu_begin() {
	xcpu_traced=0
	xcpu_start=$(xcpu_procfs)
	{ mountpoint -q "$XCPU_TRACE" || mount -t tracefs nodev "$XCPU_TRACE"; } 2>/dev/null &&
		echo "$XCPU_WAKE_HIST" >"$XCPU_TRACE/$XCPU_WAKE" 2>/dev/null &&
		echo "$XCPU_MIGRATE_HIST" >"$XCPU_TRACE/$XCPU_MIGRATE" 2>/dev/null &&
		xcpu_traced=1
	xcpu_stacks=0
	if [ $xcpu_traced = 1 ] && [ -n "${XCPU_SOFTIRQ_TO:-}" ]; then
		# Appended: a trigger file opened with O_TRUNC drops its triggers.
		echo "$XCPU_KSOFTIRQD_HIST" >>"$XCPU_TRACE/$XCPU_WAKE" 2>/dev/null &&
			echo "$XCPU_RAISE_HIST" >>"$XCPU_TRACE/$XCPU_RAISE" 2>/dev/null &&
			xcpu_stacks=1
	fi
	xcpu_calls=0
	if [ $xcpu_traced = 1 ] && [ -n "${XCPU_SYSCALLS_TO:-}" ]; then
		echo "$XCPU_SYSCALL_HIST" >"$XCPU_TRACE/$XCPU_SYSCALL" 2>/dev/null && xcpu_calls=1
	fi
	if [ $xcpu_traced = 0 ] && [ $xcpu_said = 0 ]; then
		echo "note: no tracefs histogram triggers on $(uname -r): wakeups and migrations are not counted" >&2
		xcpu_said=1
	fi
}

xcpu_end() {
	local now wake=-1 remote=-1 migrate=-1 mine=-1 wakes=() migrates=() raises=() calls=() bytask
	if [ $xcpu_traced = 1 ]; then
		if [ "$xcpu_calls" = 1 ]; then
			mapfile -t calls <"$XCPU_TRACE/events/raw_syscalls/sys_enter/hist"
			echo "!$XCPU_SYSCALL_HIST" >"$XCPU_TRACE/$XCPU_SYSCALL"
		fi
		mapfile -t wakes <"$XCPU_TRACE/events/sched/sched_wakeup/hist"
		mapfile -t migrates <"$XCPU_TRACE/events/sched/sched_migrate_task/hist"
		if [ "$xcpu_stacks" = 1 ]; then
			mapfile -t raises <"$XCPU_TRACE/events/irq/softirq_raise/hist"
			echo "!$XCPU_KSOFTIRQD_HIST" >>"$XCPU_TRACE/$XCPU_WAKE"
			echo "!$XCPU_RAISE_HIST" >>"$XCPU_TRACE/$XCPU_RAISE"
		fi
		echo "!$XCPU_WAKE_HIST" >"$XCPU_TRACE/$XCPU_WAKE"
		echo "!$XCPU_MIGRATE_HIST" >"$XCPU_TRACE/$XCPU_MIGRATE"
	fi
	now=$(xcpu_procfs)
	if [ $xcpu_traced = 1 ]; then
		# WAKING_CPU TARGET_CPU COMM COUNT, tab-separated: a name may hold spaces.
		bytask=$(printf '%s\n' "${wakes[@]}" |
			sed -n 's/^{ common_cpu: *\([0-9]*\), target_cpu: *\([0-9]*\), comm: *\(.*[^ ]\) *} hitcount: *\([0-9]*\)$/\1\t\2\t\3\t\4/p')
		read -r wake remote mine < <(printf '%s\n' "$bytask" | awk -F '\t' -v c="${1:-}" '
			{ n += $4; if ($1 != $2) { r += $4; if ($3 == c) m += $4 } }
			END { print n + 0, r + 0, m + 0 }')
		[ -z "${XCPU_WAKEUPS_TO:-}" ] || printf '%s\n' "$bytask" | tr '\t' ' ' >"$XCPU_WAKEUPS_TO"
		# The wakeup histogram file holds both of its triggers' tables.
		[ -z "${XCPU_SOFTIRQ_TO:-}" ] ||
			printf '%s\n' "== ksoftirqd woken" "${wakes[@]}" "== NET_RX raised" "${raises[@]}" >"$XCPU_SOFTIRQ_TO"
		# COMM CALL COUNT: "{ common_pid: nginx [ 123], id: sys_accept4 [288] } hitcount: 5".
		[ -z "${XCPU_SYSCALLS_TO:-}" ] || printf '%s\n' "${calls[@]}" |
			sed -n 's/^{ common_pid: *\(.*[^ ]\) *\[ *[0-9]*\], id: *\([^ ]*\) *\[ *[0-9]*\] *} hitcount: *\([0-9]*\)$/\1\t\2\t\3/p' |
			tr ' \t' '_ ' >"$XCPU_SYSCALLS_TO"
		migrate=$(printf '%s\n' "${migrates[@]}" |
			sed -n 's/^{ common_cpu: *[0-9]* } hitcount: *\([0-9]*\)$/\1/p' |
			awk '{ n += $1 } END { print n + 0 }')
	fi
	echo "$xcpu_start $now" | awk -v w="$wake" -v r="$remote" -v m="$migrate" -v c="${1:-}" -v k="$mine" \
		'{ printf "%d %d %d %d %d %d", $4 - $1, $5 - $2, $6 - $3, w, r, m; if (c != "") printf " %d", k; print "" }'
}
