# Adds up bench/insn-count's kernel profile by function: for each setup,
# the kernel instructions per connection of each function (the plugin's
# blocks that ran on the server's vCPUs in the measured windows, placed
# by the guest's /proc/kallsyms), and prints the functions where a setup
# differs most from plain (the haproxy setups: from plain haproxy), and
# the total (the summary's kernel count, spinning included).
#   LC_ALL=C sort KALLSYMS >SORTED
#   awk [-v top=25] -f diff-table.awk -f insn-profile.awk SORTED results.csv PROFILE
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
	if (!(f in seen)) { seen[f] = 1; row[++nrow] = f }
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
	diff_table("kernel instructions per connection", "all kernel blocks", "%.0f", top ? top : 25)
}
