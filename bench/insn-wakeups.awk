# Wakeups per connection by woken task, from bench/insn-count's second
# pass (bench/guest/xcpu.sh writes one wakeups.SETUP.REPEAT file a run):
# the sched_wakeup events whose target is one of the server's vCPUs, by
# task name with its instance left off (kworker/1:2 is kworker), and all
# those aimed at the client's vCPU (0) in one row; each setup's
# difference from plain (the haproxy setups: from plain haproxy) in
# brackets. It tells which task a setup wakes more often than plain does.
# A setup with no file (no tracefs histograms) shows n/a.
#   awk -f diff-table.awk -f insn-wakeups.awk results.csv wakeups.SETUP.REPEAT...
# Setup names hold no dot: a file's name ends in .SETUP.REPEAT.

FNR == 1 { file++ }
file == 1 { add_run(); next }
FNR == 1 {
	s = file_setup()
	counted[s] = 1
}
NF >= 4 {
	task = $3
	for (i = 4; i < NF; i++) task = task " " $i
	sub(/[\/:].*/, "", task)
	if ($2 == 0) task = "(any, on the client's vCPU)"
	if (!(task in seen)) { seen[task] = 1; row[++nrow] = task }
	per[s, task] += $NF
	total[s] += $NF
}

END {
	partial = 1
	diff_table("wakeups per connection, by woken task", "all wakeups", "%.3f", 0)
}
