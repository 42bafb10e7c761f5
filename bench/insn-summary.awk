# Summarizes bench/insn-count's CSV: for each setup, the median over the
# repeats of the server's instructions per connection (user, kernel and
# both, spin-wait loops left out), the spread of each over the repeats
# ((max - min) / median), the ratio of medians to plain (for the haproxy
# setups, to plain haproxy), the server's
# spinning per connection (shown, not added), the client's
# instructions per connection (its own vCPU: the same work in every
# setup), and from the second pass, IPIs, cross-CPU wakeups and those of
# the server (nginx or haproxy) per connection (medians; n/a where a run could not count them).
#   awk -F, -f median.awk -f insn-summary.awk results.csv             a table
#   awk -F, -v csv=1 -f median.awk -f insn-summary.awk results.csv    the same as CSV

NR == 1 { next }
{
	if (!($1 in n)) setup[++nsetup] = $1
	i = ++n[$1]
	user[$1, i] = $4 / $3
	kern[$1, i] = $5 / $3
	tot[$1, i] = ($4 + $5) / $3
	spin[$1, i] = $6 / $3
	cli[$1, i] = ($7 + $8) / $3
	ipi[$1, i] = $10 / $3
	if ($14 < 0) nocount[$1] = 1
	remote[$1, i] = $14 / $3
	mine[$1, i] = $16 / $3
}

function show(label, fmt, values,    i, s) {
	s = sprintf("%-34s", label)
	gsub(/%15/, "%19", fmt)
	for (i = 1; i <= nsetup; i++) s = s sprintf(fmt, values[i])
	print s
}

END {
	base = ("plain" in n) ? median(tot, n, "plain") : 0
	rbase = ("plain" in n) && !("plain" in nocount) ? median(remote, n, "plain") : 0
	mbase = ("plain" in n) && !("plain" in nocount) ? median(mine, n, "plain") : 0
	for (s = 1; s <= nsetup; s++) {
		t = setup[s]
		mu[s] = median(user, n, t)
		su[s] = mu[s] ? 100 * (hi - lo) / mu[s] : 0
		mk[s] = median(kern, n, t)
		sk[s] = mk[s] ? 100 * (hi - lo) / mk[s] : 0
		mt[s] = median(tot, n, t)
		spread[s] = mt[s] ? 100 * (hi - lo) / mt[s] : 0
		ms[s] = median(spin, n, t)
		b = base
		if (t ~ /^haproxy/)
			b = ("haproxy" in n) ? median(tot, n, "haproxy") : 0
		ratio[s] = b ? mt[s] / b : 0
		mc[s] = median(cli, n, t)
		mi[s] = median(ipi, n, t)
		v = median(remote, n, t)
		mr[s] = t in nocount ? "n/a" : sprintf("%.3f", v)
		rr[s] = t in nocount || !rbase ? "n/a" : sprintf("%.3f", v / rbase)
		v = median(mine, n, t)
		mm[s] = t in nocount ? "n/a" : sprintf("%.3f", v)
		mr2[s] = t in nocount || !mbase ? "n/a" : sprintf("%.3f", v / mbase)
		reps[s] = n[t]
	}
	if (csv) {
		print "setup,repeats,server_user_per_conn,user_spread_pct,server_kernel_per_conn,kernel_spread_pct,server_per_conn,spread_pct,ratio_to_plain,server_spin_per_conn,client_per_conn,ipis_per_conn,remote_wakeups_per_conn,remote_wakeups_ratio_to_plain,server_remote_wakeups_per_conn,server_remote_wakeups_ratio_to_plain"
		for (s = 1; s <= nsetup; s++)
			printf "%s,%d,%.0f,%.2f,%.0f,%.2f,%.0f,%.2f,%.3f,%.0f,%.0f,%.2f,%s,%s,%s,%s\n", setup[s], reps[s],
				mu[s], su[s], mk[s], sk[s], mt[s], spread[s], ratio[s], ms[s], mc[s],
				mi[s], mr[s], rr[s], mm[s], mr2[s]
		exit
	}
	for (s = 1; s <= nsetup; s++) names[s] = setup[s]
	show("instructions per connection", "%15s", names)
	show("server, user mode (median)", "%15.0f", mu)
	show("  spread over repeats (%)", "%15.2f", su)
	show("server, kernel mode (median)", "%15.0f", mk)
	show("  spread over repeats (%)", "%15.2f", sk)
	show("server, both", "%15.0f", mt)
	show("  spread over repeats (%)", "%15.2f", spread)
	show("  ratio (haproxy's: to haproxy)", "%15.3f", ratio)
	show("server, spin-waiting (not added)", "%15.0f", ms)
	show("client's own vCPU (left out)", "%15.0f", mc)
	print "second pass, per connection"
	show("  IPIs (RES, CAL, TLB)", "%15.2f", mi)
	show("  cross-CPU wakeups, all tasks", "%15s", mr)
	show("    ratio to plain", "%15s", rr)
	show("  cross-CPU wakeups of the server", "%15s", mm)
	show("    ratio to plain", "%15s", mr2)
}
