# What the network stack did per connection, from bench/insn-count's
# counted pass (bench/guest/insn-count.sh writes one tcp.SETUP.REPEAT
# file a run: each counter of /proc/net/snmp and /proc/net/netstat that
# changed, in the server's namespace and the client's, and the packets
# of their devices, as "NS GROUP.NAME CHANGE"). Per connection, with each
# setup's difference from plain (the haproxy setups: from plain haproxy)
# in brackets, the counters that differ most first. It tells whether a
# setup sends more segments or ACKs than plain, and which kind.
# The total is the server's packets, sent and received.
#   awk -f diff-table.awk -f insn-tcp.awk results.csv tcp.SETUP.REPEAT...
# Setup names hold no dot: a file's name ends in .SETUP.REPEAT.

FNR == 1 { file++ }
file == 1 { add_run(); next }
FNR == 1 {
	s = file_setup()
	counted[s] = 1
}
NF == 3 {
	r = $1 " " $2
	if (!(r in seen)) { seen[r] = 1; row[++nrow] = r }
	per[s, r] += $3
	if ($1 == "srv" && $2 ~ /^link\.(tx|rx)_packets$/) total[s] += $3
}

END {
	partial = 1
	diff_table("TCP and link counters per connection", "the server's packets", "%.3f", 30)
}
