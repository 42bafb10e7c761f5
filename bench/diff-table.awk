# bench/insn-count's tables of a figure per connection by row (a kernel
# function, a woken task, a user-mode object) and setup, with each
# setup's difference from its base (plain; the haproxy setups: plain
# haproxy) in brackets, the rows that differ most first. Given with
# awk -f before insn-profile.awk, insn-wakeups.awk and insn-user.awk,
# which fill:
#   setup[1..nsetup]  the setups in the order of their first run
#   conns[SETUP]      its connections, all repeats together
#   row[1..nrow]      the rows, in the order first met
#   per[SETUP, ROW]   the figure, all repeats together
#   total[SETUP]      the figure over every row
#   partial, counted[SETUP]  partial set when only the setups in
#                     counted have figures; the others show n/a
# With awk -v against=SETUP the base of the setups other than haproxy's
# is SETUP instead of plain (against=reuseport-cpu: what the module adds
# to the no-module alternative), and plain's own difference from it does
# not rank the rows.
# diff_table(TITLE, TOTAL_LABEL, FMT, TOP) prints the TOP rows (0: all),
# each figure in FMT ("%.0f", "%.3f"). add_run(), on each line of
# results.csv, fills setup, nsetup and conns from it; file_setup() names
# the setup of a file whose name ends in .SETUP.REPEAT.

function add_run(    col) {
	if (FNR == 1) return
	split($0, col, ",")
	if (!(col[1] in conns)) setup[++nsetup] = col[1]
	conns[col[1]] += col[3]
}

function file_setup(    part, n) {
	n = split(FILENAME, part, ".")
	return part[n - 1]
}

function has(s) {
	return !partial || (s in counted)
}

function diff_table(title, total_label, fmt, top,    base, first, diff, taken, order, i, j, k, t, b, v, d, best, r) {
	first = against != "" ? against : "plain"
	# A run of the haproxy setups alone compares them with plain haproxy.
	if (against == "" && !("plain" in conns) && ("haproxy" in conns)) first = "haproxy"
	if (!(first in conns)) { print "no " first " run to compare with"; return }
	for (j = 1; j <= nsetup; j++)
		base[setup[j]] = setup[j] ~ /^haproxy/ && ("haproxy" in conns) ? "haproxy" : first
	for (i = 1; i <= nrow; i++) {
		d = 0
		for (j = 1; j <= nsetup; j++) {
			t = setup[j]; b = base[t]
			if (!has(t) || !has(b) || (against != "" && t == "plain")) continue
			v = per[t, row[i]] / conns[t] - per[b, row[i]] / conns[b]
			if (v < 0) v = -v
			if (v > d) d = v
		}
		diff[i] = d
	}
	# Selection of the TOP largest differences (nrow may be thousands).
	if (!top || top > nrow) top = nrow
	for (k = 1; k <= top; k++) {
		best = 0
		for (i = 1; i <= nrow; i++)
			if (!(i in taken) && (!best || diff[i] > diff[best])) best = i
		taken[best] = 1; order[k] = best
	}
	printf "%-40s", title
	for (j = 1; j <= nsetup; j++) printf "%19s", setup[j]
	print ""
	for (k = 1; k <= top; k++) {
		r = row[order[k]]
		printf "%-40s", substr(r, 1, 39)
		for (j = 1; j <= nsetup; j++) {
			t = setup[j]; b = base[t]
			v = per[t, r] / conns[t]
			if (!has(t) || !has(b)) printf "%19s", "n/a"
			else if (t == b) printf "%19s", sprintf(fmt, v)
			else printf "%19s", sprintf(fmt " (%+" substr(fmt, 2) ")", v, v - per[b, r] / conns[b])
		}
		print ""
	}
	printf "%-40s", total_label
	for (j = 1; j <= nsetup; j++)
		printf "%19s", has(setup[j]) ? sprintf(fmt, total[setup[j]] / conns[setup[j]]) : "n/a"
	print ""
}
