# The benchmark's guest side (bench/guest/nginx-compare.sh, what the demo
# and bench/nginx-compare run), one short round (the fastsocket setup only on
# the sanitizer kernels, the others not using the module): every setup serves wrk
# with no failed request, the locality probe (libaccprobe.so) sees at least
# one accept and one first read for every request wrk made, under
# fastsocket and with reuseport's SKF_AD_CPU program (reuseport-cpu) at
# least 99 % of the accepts it saw ran on the CPU that processed the
# connection's packets, and the cross-CPU counts (bench/guest/xcpu.sh)
# are there: NET_RX softirqs seen, wakeups counted by the histogram
# triggers, the server's own cross-CPU wakeups among the cross-CPU ones.
# The figures are printed; no rate is judged.
# Sanitizer kernels: skipped: a benchmark, and figures under the sanitizers mean nothing
# Middle kernels: skipped: userspace over the module, the same on every kernel; of the two stock kernels at the ends, the one below runs it
# Stock kernel: oldest
. "$FS_ROOT/tests/vm/lib.sh"

for p in nginx wrk; do
	command -v "$p" >/dev/null || skip "$p is not installed (tests/lib/host-deps.sh installs it)"
done
[ "$(nproc)" -ge 2 ] || skip "needs at least 2 CPUs"
out=/tmp/nginx-compare.out
# The sanitizer kernels run only the setup that uses the module.
setups="plain reuseport reuseport-cpu fastsocket"
[ "$FS_DEBUG_KERNEL" = 1 ] && setups=fastsocket
FSB_ROUNDS=1 FSB_SECONDS=2 FSB_SETUPS=$setups \
	bash "$FS_ROOT/bench/guest/nginx-compare.sh" >"$out" 2>&1
rc=$?
cat "$out"
[ $rc -eq 0 ] || fail "the benchmark's guest side failed (status $rc)"
want=$(echo $setups | wc -w)
[ "$(grep -c '^result,' "$out")" = "$want" ] || fail "want $want result lines"
grep '^result,' "$out" | awk -F, '
	{ printf "%s: %s requests, %s failed, accepts %s (local %s), first reads %s (local %s); IPIs %s, NET_RX %s, switches %s, wakeups %s (cross-CPU %s, of the server %s), migrations %s\n",
		$3, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $18, $17 }
	NF != 18 { print "FAIL: " $3 ": " NF " fields, want 18"; bad = 1 }
	$7 != 0 { print "FAIL: " $3 ": failed requests"; bad = 1 }
	$8 < $6 || $10 < $6 { print "FAIL: " $3 ": the probe saw fewer accepts or reads than requests"; bad = 1 }
	($3 == "fastsocket" || $3 == "reuseport-cpu") && $9 < 0.99 * $8 {
		print "FAIL: " $3 ": under 99 % local"; bad = 1 }
	$13 <= 0 || $15 <= 0 || $16 < 0 || $16 > $15 || $18 < 0 || $18 > $16 {
		print "FAIL: " $3 ": NET_RX " $13 ", wakeups " $15 ", cross-CPU " $16 ", of the server " $18; bad = 1 }
	END { exit bad }' || exit 1
