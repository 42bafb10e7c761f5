# Why ksoftirqd runs, from bench/insn-count's second pass
# (bench/guest/xcpu.sh writes one softirq.SETUP.REPEAT file a run: two
# tracefs histograms by kernel stack, ksoftirqd's wakeups and NET_RX's
# raises, on every vCPU, the client's included). Each stack is put in
# one row by the first of its frames that tells where it ran:
#   ksoftirqd woken at a softirq run's end: softirqs were still pending
#     when the run stopped (a task to switch to, or its time or restarts
#     used up), so ksoftirqd gets the rest;
#   ksoftirqd woken by a raise in a task, or elsewhere;
#   NET_RX raised by an RPS IPI: packets steered to this vCPU;
#   NET_RX raised by a packet sent in softirq (a SYN-ACK, an ACK sent
#     while receiving), by one sent by a task (a system call, or the
#     socket backlog at release_sock), or elsewhere.
# Per connection, with each setup's difference from plain (the haproxy
# setups: from plain haproxy) in brackets. A setup with no file, or a
# kernel without stack keys (both parts empty), shows n/a.
#   awk -f diff-table.awk -f insn-softirq.awk results.csv softirq.SETUP.REPEAT...
# Setup names hold no dot: a file's name ends in .SETUP.REPEAT.

FNR == 1 { file++ }
file == 1 { add_run(); next }
FNR == 1 {
	s = file_setup()
	part_of = ""
	stack = ""
}
/^== ksoftirqd woken/ { part_of = "wake"; next }
/^== NET_RX raised/ { part_of = "raise"; next }
/^\{ (common_)?stacktrace:/ { stack = ""; next }
/^[ \t]+[A-Za-z_.0-9]+\+0x/ { f = $1; sub(/\+0x.*/, "", f); stack = stack " " f; next }
/^\} hitcount:/ && part_of != "" {
	add(part_of == "wake" ? why_woken(stack) : why_raised(stack), $3)
	counted[s] = 1
	stack = ""
}

function add(r, n) {
	if (!(r in seen)) { seen[r] = 1; row[++nrow] = r }
	per[s, r] += n
	if (r ~ /^ksoftirqd/) total[s] += n
}

function why_woken(st,    f, i, k) {
	k = split(st, f, " ")
	for (i = 1; i <= k; i++) {
		if (f[i] ~ /^(handle_softirqs|__do_softirq)$/)
			return "ksoftirqd: at a softirq run's end"
		if (f[i] ~ /raise_softirq/)
			return "ksoftirqd: by a raise in a task"
	}
	return "ksoftirqd: woken elsewhere"
}

function why_raised(st,    f, i, k) {
	k = split(st, f, " ")
	for (i = 1; i <= k; i++) {
		if (f[i] == "rps_trigger_softirq")
			return "NET_RX: raised by an RPS IPI"
		if (f[i] ~ /^(tcp_v[46]_rcv|ip6?_rcv|ip6?_local_deliver|__netif_receive_skb.*|process_backlog|net_rx_action|handle_softirqs|__do_softirq|call_timer_fn|tcp_(delack|write|keepalive)_timer)$/)
			return "NET_RX: a packet sent in softirq"
		if (f[i] ~ /^(release_sock|tcp_sendmsg|tcp_close|__tcp_close|tcp_v[46]_connect|__sys_.*|__x64_sys_.*|do_syscall_64)$/)
			return "NET_RX: a packet sent by a task"
	}
	return "NET_RX: raised elsewhere"
}

END {
	partial = 1
	diff_table("ksoftirqd and NET_RX per connection", "ksoftirqd woken, in all", "%.3f", 0)
}
