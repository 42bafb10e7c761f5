# Summarizes bench/baremetal's CSV: for each core count and setup, the
# median connections per second over the rounds with its range, the ratio
# of medians to plain on as many cores, the errors, and the median share
# of the cores' time that was busy.
#   awk -F, -f median.awk -f baremetal-summary.awk results.csv    CSV on stdout

NR == 1 { next }
{
	key = $1 SUBSEP $2
	if (!(key in n)) {
		if (!($1 in seen_cores)) { seen_cores[$1] = 1; cores[++ncores] = $1 }
		if (!($2 in seen_setup)) { seen_setup[$2] = 1; setup[++nsetup] = $2 }
	}
	i = ++n[key]
	rate[key, i] = $4
	busy[key, i] = $6
	errors[key] += $5
}

END {
	print "cores,setup,rounds,conn_per_s_median,conn_per_s_min,conn_per_s_max,ratio_to_plain,errors,cpu_busy_pct_median"
	for (c = 1; c <= ncores; c++) {
		base = (cores[c] SUBSEP "plain" in n) ? median(rate, n, cores[c] SUBSEP "plain") : 0
		for (s = 1; s <= nsetup; s++) {
			key = cores[c] SUBSEP setup[s]
			if (!(key in n))
				continue
			b = median(busy, n, key)
			m = median(rate, n, key)
			printf "%s,%s,%d,%.1f,%.1f,%.1f,%.3f,%d,%.1f\n", cores[c], setup[s],
				n[key], m, lo, hi, base ? m / base : 0, errors[key], b
		}
	}
}
