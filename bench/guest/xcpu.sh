# Cross-CPU work, machine-wide, over one run of the benchmark's guest side
# (sourced by nginx-compare.sh): what a connection costs besides its own
# instructions. xcpu_begin before the load, xcpu_end after it prints
#   IPIS NET_RX SWITCHES WAKEUPS REMOTE_WAKEUPS MIGRATIONS
# IPIS: rescheduling, function-call and TLB-shootdown interrupts
# (/proc/interrupts RES, CAL, TLB); NET_RX: receive softirqs
# (/proc/softirqs); SWITCHES: context switches (/proc/stat ctxt);
# WAKEUPS and REMOTE_WAKEUPS: sched_wakeup events, and those whose target
# CPU is not the waking one; MIGRATIONS: sched_migrate_task events. The
# last three come from histogram triggers, counted in the kernel without a
# trace buffer; a kernel without them (or tracefs) gets -1, said once.
# The client (wrk, namespace cli) is counted too: every setup carries the
# same share of it.
XCPU_TRACE=/sys/kernel/tracing
XCPU_WAKE=events/sched/sched_wakeup/trigger
XCPU_MIGRATE=events/sched/sched_migrate_task/trigger
XCPU_WAKE_HIST='hist:keys=common_cpu,target_cpu:vals=hitcount'
XCPU_MIGRATE_HIST='hist:keys=common_cpu:vals=hitcount'
xcpu_traced=0 xcpu_said=0

xcpu_procfs() {
	awk '$1 ~ /^(RES|CAL|TLB):$/ { for (i = 2; i <= NF && $i ~ /^[0-9]+$/; i++) n += $i }
		END { printf "%d ", n }' /proc/interrupts
	awk '$1 == "NET_RX:" { for (i = 2; i <= NF; i++) n += $i } END { printf "%d ", n }' /proc/softirqs
	awk '$1 == "ctxt" { print $2 }' /proc/stat
}

xcpu_begin() {
	xcpu_traced=0
	{ mountpoint -q "$XCPU_TRACE" || mount -t tracefs nodev "$XCPU_TRACE"; } 2>/dev/null &&
		echo "$XCPU_WAKE_HIST" >"$XCPU_TRACE/$XCPU_WAKE" 2>/dev/null &&
		echo "$XCPU_MIGRATE_HIST" >"$XCPU_TRACE/$XCPU_MIGRATE" 2>/dev/null &&
		xcpu_traced=1
	if [ $xcpu_traced = 0 ] && [ $xcpu_said = 0 ]; then
		echo "note: no tracefs histogram triggers on $(uname -r): wakeups and migrations are not counted" >&2
		xcpu_said=1
	fi
	xcpu_start=$(xcpu_procfs)
}

xcpu_end() {
	local now wake=-1 remote=-1 migrate=-1
	now=$(xcpu_procfs)
	if [ $xcpu_traced = 1 ]; then
		read -r wake remote < <(sed -n 's/^{ common_cpu: *\([0-9]*\), target_cpu: *\([0-9]*\) } hitcount: *\([0-9]*\)$/\1 \2 \3/p' \
			"$XCPU_TRACE/events/sched/sched_wakeup/hist" |
			awk '{ n += $3; if ($1 != $2) r += $3 } END { print n + 0, r + 0 }')
		migrate=$(sed -n 's/^{ common_cpu: *[0-9]* } hitcount: *\([0-9]*\)$/\1/p' \
			"$XCPU_TRACE/events/sched/sched_migrate_task/hist" | awk '{ n += $1 } END { print n + 0 }')
		echo "!$XCPU_WAKE_HIST" >"$XCPU_TRACE/$XCPU_WAKE"
		echo "!$XCPU_MIGRATE_HIST" >"$XCPU_TRACE/$XCPU_MIGRATE"
	fi
	echo "$xcpu_start $now" | awk -v w="$wake" -v r="$remote" -v m="$migrate" \
		'{ print $4 - $1, $5 - $2, $6 - $3, w, r, m }'
}
