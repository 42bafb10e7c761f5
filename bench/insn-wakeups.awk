# Wakeups per connection by woken task, from bench/insn-count's second
# pass (bench/guest/xcpu.sh writes one wakeups.SETUP.REPEAT file a run):
# the sched_wakeup events whose target is one of the server's vCPUs, by
# task name with its instance left off (kworker/1:2 is kworker), and all
# those aimed at the client's vCPU (0) in one row; each setup's
# difference from plain (the haproxy setups: from plain haproxy) in
# brackets. It tells which task a setup wakes more often than plain does.
# A setup with no file (no tracefs histograms) shows n/a.
#   awk -f insn-wakeups.awk results.csv wakeups.SETUP.REPEAT...
# Setup names hold no dot: a file's name ends in .SETUP.REPEAT.

FNR == 1 { file++ }
file == 1 {
	if (FNR > 1) {
		split($0, col, ",")
		if (!(col[1] in conns)) setup[++nsetup] = col[1]
		conns[col[1]] += col[3]
	}
	next
}
FNR == 1 {
	n = split(FILENAME, part, ".")
	s = part[n - 1]
	counted[s] = 1
}
NF >= 4 {
	task = $3
	for (i = 4; i < NF; i++) task = task " " $i
	sub(/[\/:].*/, "", task)
	if ($2 == 0) task = "(any, on the client's vCPU)"
	if (!(task in seen)) { seen[task] = 1; tasks[++nt] = task }
	per[s, task] += $NF
	total[s] += $NF
}

END {
	if (!("plain" in conns)) { print "no plain run to compare with"; exit }
	for (j = 1; j <= nsetup; j++)
		base[setup[j]] = setup[j] ~ /^haproxy/ && ("haproxy" in conns) ? "haproxy" : "plain"
	# Largest difference from the base first (a handful of tasks).
	for (i = 1; i <= nt; i++) {
		d = 0
		for (j = 1; j <= nsetup; j++) {
			t = setup[j]; b = base[t]
			if (!(t in counted) || !(b in counted)) continue
			v = per[t, tasks[i]] / conns[t] - per[b, tasks[i]] / conns[b]
			if (v < 0) v = -v
			if (v > d) d = v
		}
		diff[i] = d
	}
	for (k = 1; k <= nt; k++) {
		best = 0
		for (i = 1; i <= nt; i++)
			if (!(i in taken) && (!best || diff[i] > diff[best])) best = i
		taken[best] = 1; order[k] = best
	}
	printf "%-40s", "wakeups per connection, by woken task"
	for (j = 1; j <= nsetup; j++) printf "%19s", setup[j]
	print ""
	for (k = 1; k <= nt; k++) {
		task = tasks[order[k]]
		printf "%-40s", substr(task, 1, 39)
		for (j = 1; j <= nsetup; j++) {
			t = setup[j]; b = base[t]
			v = per[t, task] / conns[t]
			if (!(t in counted) || !(b in counted)) printf "%19s", "n/a"
			else if (t == b) printf "%19.3f", v
			else printf "%19s", sprintf("%.3f (%+.3f)", v, v - per[b, task] / conns[b])
		}
		print ""
	}
	printf "%-40s", "all wakeups"
	for (j = 1; j <= nsetup; j++)
		if (setup[j] in counted) printf "%19.3f", total[setup[j]] / conns[setup[j]]
		else printf "%19s", "n/a"
	print ""
}
