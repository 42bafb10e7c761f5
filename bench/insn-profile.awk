# Adds up bench/insn-count's kernel profile by function: for each setup,
# the kernel instructions per connection of each function (the plugin's
# blocks that ran on the server's vCPUs in the measured windows, placed
# by the guest's /proc/kallsyms), and prints the functions where a setup
# differs most from plain (the haproxy setups: from plain haproxy), and
# the total (the summary's kernel count, spinning included).
#   LC_ALL=C sort KALLSYMS >SORTED
#   awk [-v top=25] -f insn-profile.awk SORTED results.csv PROFILE
# Addresses are compared as 16-digit hex strings (awk's numbers cannot
# hold 64 bits). Run K's marks are 2K-1 and 2K: window 2K is its
# connections, odd windows are what came between runs.

FNR == 1 { file++ }
file == 1 {
	if (length($1) == 16) { addr[++ns] = $1; name[ns] = $3 ($4 != "" ? " " $4 : "") }
	next
}
file == 2 {
	split($0, col, ",")
	if (FNR > 1) { rsetup[++runs] = col[1]; rconns[runs] = col[3] }
	next
}
$1 == "window" {
	cur = 0
	if ($2 % 2 == 0 && (($2 / 2) in rsetup)) cur = $2 / 2
	if (cur) {
		s = rsetup[cur]
		if (!(s in conns)) setup[++nsetup] = s
		conns[s] += rconns[cur]
	}
	next
}
# The user blocks are bench/insn-user.awk's.
cur && $1 >= "8000000000000000" {
	a = sprintf("%16s", $1)
	gsub(/ /, "0", a)
	f = lookup(a)
	if (!(f in seen)) { seen[f] = 1; fn[++nf] = f }
	per[s, f] += $2
	total[s] += $2
}

# lookup(A): the name of the last symbol at or below A.
function lookup(a,    lo, hi, mid) {
	if (!ns || a < addr[1]) return "(below the kernel's symbols)"
	lo = 1; hi = ns
	while (lo < hi) {
		mid = int((lo + hi + 1) / 2)
		if (addr[mid] <= a) lo = mid; else hi = mid - 1
	}
	return name[lo]
}

END {
	if (!top) top = 25
	if (!("plain" in conns)) { print "no plain run to compare with"; exit }
	for (j = 1; j <= nsetup; j++)
		base[setup[j]] = setup[j] ~ /^haproxy/ && ("haproxy" in conns) ? "haproxy" : "plain"
	for (i = 1; i <= nf; i++) {
		f = fn[i]; d = 0
		for (j = 1; j <= nsetup; j++) {
			t = setup[j]; b = base[t]
			v = per[t, f] / conns[t] - per[b, f] / conns[b]
			if (v < 0) v = -v
			if (v > d) d = v
		}
		diff[i] = d
	}
	# Selection of the TOP largest differences (nf is some thousands).
	for (k = 1; k <= top && k <= nf; k++) {
		best = 0
		for (i = 1; i <= nf; i++)
			if (!(i in taken) && (!best || diff[i] > diff[best])) best = i
		taken[best] = 1; order[k] = best
	}
	printf "%-40s", "kernel instructions per connection"
	for (j = 1; j <= nsetup; j++) printf "%19s", setup[j]
	print ""
	for (k = 1; k in order; k++) {
		f = fn[order[k]]
		printf "%-40s", substr(f, 1, 39)
		for (j = 1; j <= nsetup; j++) {
			t = setup[j]; b = base[t]
			v = per[t, f] / conns[t]
			if (t == b) printf "%19.0f", v
			else printf "%19s", sprintf("%.0f (%+.0f)", v, v - per[b, f] / conns[b])
		}
		print ""
	}
	printf "%-40s", "all kernel blocks"
	for (j = 1; j <= nsetup; j++) printf "%19.0f", total[setup[j]] / conns[setup[j]]
	print ""
}
