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
#   awk -f insn-user.awk results.csv maps.SETUP.REPEAT... PROFILE
# Addresses are compared as 16-digit hex strings (awk's numbers cannot
# hold 64 bits). Run K's connections are window 2K (insn-profile.awk).

function pad(h) {
	h = sprintf("%16s", h)
	gsub(/ /, "0", h)
	return h
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
	if (FNR > 1) {
		split($0, col, ",")
		run[FNR - 1] = col[1] "." col[2]
		if (!(col[1] in conns)) setup[++nsetup] = col[1]
		conns[col[1]] += col[3]
	}
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
	if (!(o in seen)) { seen[o] = 1; objs[++no] = o }
	per[s, o] += $2
	total[s] += $2
}

END {
	if (!("plain" in conns)) { print "no plain run to compare with"; exit }
	for (j = 1; j <= nsetup; j++)
		base[setup[j]] = setup[j] ~ /^haproxy/ && ("haproxy" in conns) ? "haproxy" : "plain"
	for (i = 1; i <= no; i++) {
		d = 0
		for (j = 1; j <= nsetup; j++) {
			t = setup[j]; b = base[t]
			v = per[t, objs[i]] / conns[t] - per[b, objs[i]] / conns[b]
			if (v < 0) v = -v
			if (v > d) d = v
		}
		diff[i] = d
	}
	for (k = 1; k <= no; k++) {
		best = 0
		for (i = 1; i <= no; i++)
			if (!(i in taken) && (!best || diff[i] > diff[best])) best = i
		taken[best] = 1; order[k] = best
	}
	printf "%-40s", "user instructions per connection"
	for (j = 1; j <= nsetup; j++) printf "%19s", setup[j]
	print ""
	for (k = 1; k <= no; k++) {
		o = objs[order[k]]
		printf "%-40s", substr(o, 1, 39)
		for (j = 1; j <= nsetup; j++) {
			t = setup[j]; b = base[t]
			v = per[t, o] / conns[t]
			if (t == b) printf "%19.0f", v
			else printf "%19s", sprintf("%.0f (%+.0f)", v, v - per[b, o] / conns[b])
		}
		print ""
	}
	printf "%-40s", "all user blocks"
	for (j = 1; j <= nsetup; j++) printf "%19.0f", total[setup[j]] / conns[setup[j]]
	print ""
}
