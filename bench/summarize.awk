# Summarizes the benchmark's CSV (bench/nginx-compare): for each vCPU count
# and setup, the median, minimum and maximum of connections per second over
# the rounds, the failed requests, and the accept and request locality
# (shares of all rounds' accepts and first reads that ran on the CPU that
# processed the connection's packets), and the cross-CPU work per
# connection (bench/guest/xcpu.sh: the rounds' counts over their requests,
# client included, and the cross-CPU wakeups of the server's own tasks
# apart). Ratios are to plain nginx, and for the haproxy setups to plain
# haproxy.
#   awk -F, -f median.awk -f summarize.awk results.csv             a table per vCPU count
#   awk -F, -v csv=1 -f median.awk -f summarize.awk results.csv    the same as CSV
# A locality with nothing to count (no accept seen), or a count that a run
# lacks (older CSVs, a kernel without histogram triggers), is n/a, -1 in
# the CSV.

NR == 1 { next }
{
	key = $1 SUBSEP $2
	if (!(key in n)) {
		if (!($1 in seen_cpus)) { seen_cpus[$1] = 1; cpus[++ncpus] = $1 }
		if (!($2 in seen_setup)) { seen_setup[$2] = 1; setup[++nsetup] = $2 }
	}
	rate[key, ++n[key]] = $4
	err[key] += $6
	acc[key] += $7; acc_local[key] += $8
	rd[key] += $9; rd_local[key] += $10
	req[key] += $5
	for (x = 1; x <= NXCPU; x++) {
		v = (NF >= 10 + x) ? $(10 + x) : -1
		if (v < 0) xmiss[key, x] = 1
		xsum[key, x] += v
	}
}

BEGIN {
	NXCPU = split("IPIs,NET_RX softirqs,context switches,wakeups,  cross-CPU,migrations,cross-CPU of the server", xname, ",")
	REMOTE = 5
	SERVER_REMOTE = 7
}

# The rounds' count @x per request: -1 when a round lacks it.
function per_conn(key, x) {
	return (xmiss[key, x] || !req[key]) ? -1 : xsum[key, x] / req[key]
}

function pct(part, whole) { return whole ? 100 * part / whole : -1 }
function shown(v) { return v < 0 ? "n/a" : sprintf("%.1f", v) }

function show(label, fmt, values,    i, s) {
	s = sprintf("%-26s", label)
	for (i = 1; i <= nsetup; i++) s = s sprintf(fmt, values[i])
	print s
}

END {
	if (csv)
		print "cpus,setup,rounds,conn_per_s_median,conn_per_s_min,conn_per_s_max,ratio_to_plain,failed,accept_locality_pct,request_locality_pct,ipis_per_conn,net_rx_per_conn,switches_per_conn,wakeups_per_conn,remote_wakeups_per_conn,migrations_per_conn,remote_wakeups_ratio,server_remote_wakeups_per_conn,server_remote_wakeups_ratio"
	for (c = 1; c <= ncpus; c++) {
		base = ("plain" in seen_setup) ? median(rate, n, cpus[c] SUBSEP "plain") : 0
		for (s = 1; s <= nsetup; s++) {
			key = cpus[c] SUBSEP setup[s]
			b = base	# median() sets lo and hi: first the base
			bkey = cpus[c] SUBSEP "plain"
			if (setup[s] ~ /^haproxy/) {	# against haproxy plain
				bkey = cpus[c] SUBSEP "haproxy"
				b = ("haproxy" in seen_setup) ? median(rate, n, bkey) : 0
			}
			for (x = 1; x <= NXCPU; x++) xc[x, s] = per_conn(key, x)
			rb = (bkey in n) ? per_conn(bkey, REMOTE) : -1
			xratio[s] = (rb > 0 && xc[REMOTE, s] >= 0) ? xc[REMOTE, s] / rb : -1
			rb = (bkey in n) ? per_conn(bkey, SERVER_REMOTE) : -1
			sratio[s] = (rb > 0 && xc[SERVER_REMOTE, s] >= 0) ? xc[SERVER_REMOTE, s] / rb : -1
			med[s] = median(rate, n, key)
			range[s] = sprintf("%.0f-%.0f", lo, hi)
			ratio[s] = b ? med[s] / b : 0
			fails[s] = err[key]
			aloc[s] = pct(acc_local[key], acc[key])
			rloc[s] = pct(rd_local[key], rd[key])
			if (csv && n[key]) {	# a setup not run on these vCPUs: no row
				printf "%s,%s,%d,%.1f,%.1f,%.1f,%.3f,%d,%.1f,%.1f",
					cpus[c], setup[s], n[key], med[s], lo, hi,
					ratio[s], fails[s], aloc[s], rloc[s]
				for (x = 1; x < SERVER_REMOTE; x++) printf ",%.2f", xc[x, s]
				printf ",%.3f,%.3f,%.3f\n", xratio[s], xc[SERVER_REMOTE, s], sratio[s]
			}
		}
		if (csv)
			continue
		for (s = 1; s <= nsetup; s++) names[s] = setup[s]
		if (c > 1) print ""
		rounds = 0	# the most any setup ran on these vCPUs
		for (s = 1; s <= nsetup; s++)
			if (n[cpus[c] SUBSEP setup[s]] > rounds) rounds = n[cpus[c] SUBSEP setup[s]]
		show(sprintf("%d vCPU%s, %d round%s", cpus[c], cpus[c] > 1 ? "s" : "",
			rounds, rounds > 1 ? "s" : ""), "%14s", names)
		show("connections/s (median)", "%14.0f", med)
		show("  min-max", "%14s", range)
		show("  ratio to plain", "%14.2f", ratio)
		show("failed requests", "%14d", fails)
		for (s = 1; s <= nsetup; s++) {
			aloc[s] = shown(aloc[s])
			rloc[s] = shown(rloc[s])
		}
		show("accept locality (%)", "%14s", aloc)
		show("request locality (%)", "%14s", rloc)
		print "per connection:"
		for (x = 1; x <= NXCPU; x++) {
			for (s = 1; s <= nsetup; s++) row[s] = xc[x, s] < 0 ? "n/a" : sprintf("%.2f", xc[x, s])
			show("  " xname[x], "%14s", row)
			if (x == REMOTE)
				for (s = 1; s <= nsetup; s++) row[s] = xratio[s] < 0 ? "n/a" : sprintf("%.2f", xratio[s])
			else if (x == SERVER_REMOTE)
				for (s = 1; s <= nsetup; s++) row[s] = sratio[s] < 0 ? "n/a" : sprintf("%.2f", sratio[s])
			else
				continue
			show("    ratio to plain", "%14s", row)
		}
	}
}
