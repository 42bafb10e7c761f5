# User-mode instructions per connection by object (the server's program,
# each shared library, the vDSO, anonymous memory), from bench/insn-count's
# profile: the user blocks the server's vCPUs ran in each run's window,
# placed by the /proc/PID/maps of one of that run's server processes
# (bench/guest/insn-count.sh writes maps.SETUP.REPEAT; nginx's workers
# are forked after the libraries are loaded, haproxy's threads share one
# process). Each setup's difference from plain (the haproxy setups: from
# plain haproxy) in brackets: under fastsocket, libfsocket.so's row is
# the library's own cost inside the server, the other rows what it
# changes there.
#   awk -f diff-table.awk -f insn-user.awk results.csv maps.SETUP.REPEAT... PROFILE
# Addresses are compared as 16-digit hex strings (awk's numbers cannot
# hold 64 bits). Run K's connections are window 2K (insn-profile.awk).

function pad(h) {
	h = sprintf("%16s", h)
	gsub(/ /, "0", h)
	return h
}

# col_run(LINE): "SETUP.REPEAT" of a line of results.csv.
function col_run(line,    col) {
	split(line, col, ",")
	return col[1] "." col[2]
}

# place(RUN, A): the object mapped at A in RUN's server process.
function place(r, a,    i) {
	if (!((r, "n") in maps)) return "(no maps of the run)"
	for (i = 1; i <= maps[r, "n"]; i++)
		if (lo[r, i] <= a && a < hi[r, i]) return obj[r, i]
	return "(not mapped)"
}

FNR == 1 { file++ }
file == 1 {
	add_run()
	if (FNR > 1) run[FNR - 1] = col_run($0)
	next
}
FILENAME ~ /(^|\/)maps\.[^\/]+$/ {
	if (FNR == 1) {
		r = FILENAME
		sub(/.*\/maps\./, "", r)
		sub(/^maps\./, "", r)
	}
	split($1, range, "-")
	i = ++maps[r, "n"]
	lo[r, i] = pad(range[1]); hi[r, i] = pad(range[2])
	o = $6
	sub(/.*\//, "", o)
	obj[r, i] = NF >= 6 ? o : "(anonymous)"
	next
}
$1 == "window" {
	cur = ""
	if ($2 % 2 == 0 && (($2 / 2) in run)) cur = run[$2 / 2]
	next
}
cur != "" && $1 < "8000000000000000" {
	s = cur
	sub(/\.[^.]*$/, "", s)
	o = place(cur, $1)
	if (!(o in seen)) { seen[o] = 1; row[++nrow] = o }
	per[s, o] += $2
	total[s] += $2
}

END {
	diff_table("user instructions per connection", "all user blocks", "%.0f", 0)
}
