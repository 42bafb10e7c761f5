# The server's system calls per connection, by call, from bench/insn-count's
# second pass (bench/guest/xcpu.sh writes one syscalls.SETUP.REPEAT file a
# run: "COMM CALL COUNT" lines, every process of the guest). Only the
# server's processes count: those named nginx or haproxy. Each setup's
# difference from plain (the haproxy setups: from plain haproxy) in
# brackets: what the library adds to, or spares, the server. A setup with
# no file, or an empty one (no tracefs histograms), shows n/a.
#   awk -f diff-table.awk -f insn-syscalls.awk results.csv syscalls.SETUP.REPEAT...
# Setup names hold no dot: a file's name ends in .SETUP.REPEAT.

FNR == 1 { file++ }
file == 1 { add_run(); next }
NF == 3 && ($1 == "nginx" || $1 == "haproxy") {
	s = file_setup()
	counted[s] = 1
	call = $2
	sub(/^sys_/, "", call)
	if (!(call in seen)) { seen[call] = 1; row[++nrow] = call }
	per[s, call] += $3
	total[s] += $3
}

END {
	partial = 1
	diff_table("server's system calls per connection", "all calls", "%.3f", 0)
}
