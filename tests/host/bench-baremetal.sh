# bench/baremetal without hardware: its argument checks, --dry-run's plan,
# and a whole run against stand-ins (nginx and taskset that do nothing,
# an ssh that prints what wrk prints), whose CSV and summary are checked
# by hand. The measurement itself needs real machines; it is not run.
. "$(dirname "$0")/../lib/common.sh"
bm=$FS_ROOT/bench/baremetal
tmp=$(mktemp -d) && trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*"; exit 1; }

# refuse WHY TEXT ARGS...: bench/baremetal ARGS must exit 2 saying TEXT.
refuse() {
	local why=$1 text=$2 out rc
	shift 2
	out=$("$bm" --out "$tmp/refused" "$@" 2>&1)
	rc=$?
	[ $rc = 2 ] && grep -q -- "$text" <<<"$out" || fail "$why: status $rc, '$out'"
	echo "ok: $why: $out"
}
refuse "no clients" "--clients" --addr 192.0.2.1
refuse "no address" "--addr" --clients c1
refuse "a core count of 0" "not a core count" --clients c1 --addr 192.0.2.1 --cores 0
refuse "more cores than the machine" "not a core count" --clients c1 --addr 192.0.2.1 --cores $(($(nproc --all) + 1))
refuse "an unknown setup" "unknown setup: fast" --clients c1 --addr 192.0.2.1 --setups fast
refuse "a bad number" "not a positive number: 0" --clients c1 --addr 192.0.2.1 --seconds 0
refuse "fewer connections than threads" "at least --threads" --clients c1 --addr 192.0.2.1 --threads 8 --connections 4
refuse "an unknown option" "unknown argument" --clients c1 --addr 192.0.2.1 --bogus
refuse "an option without its value" "needs a value" --clients c1 --addr

out=$("$bm" --dry-run --clients "c1 c2" --addr 192.0.2.1 --cores "1 all" --rounds 2 --out "$tmp/dry") ||
	fail "--dry-run: $out"
n=$(grep -c '^round ' <<<"$out")
[ "$n" = 16 ] || fail "--dry-run: want 16 runs (2 core counts x 2 rounds x 4 setups), have $n: $out"
grep -q "^round 1, $(nproc --all) cores, fastsocket: taskset -c 0-$(($(nproc --all) - 1)) env LD_PRELOAD=" <<<"$out" ||
	fail "--dry-run: 'all' is not every core: $out"
[ "$(grep '^round 2, 1 cores' <<<"$out" | head -n 1 | sed 's/.*cores, \([a-z-]*\):.*/\1/')" = reuseport ] ||
	fail "--dry-run: round 2 does not start with the next setup: $out"
[ ! -e "$tmp/dry/results.csv" ] || fail "--dry-run wrote results"
echo "ok: --dry-run: 16 runs planned, 'all' = $(nproc --all) cores, each round starting with the next setup, nothing run"

# Stand-ins: wrk's output as two clients print it, 1000.5 requests/s and
# 3 socket errors each.
mkdir -p "$tmp/bin"
cat >"$tmp/bin/nginx" <<'STUB'
#!/bin/sh
exit 0
STUB
cat >"$tmp/bin/taskset" <<'STUB'
#!/bin/sh
shift 2
exec "$@"
STUB
cat >"$tmp/bin/fake-ssh" <<'STUB'
#!/bin/sh
echo "Running 1s test @ http://192.0.2.1:8080/"
echo "  2 threads and 4 connections"
echo "  Socket errors: connect 0, read 2, write 0, timeout 1"
echo "Requests/sec:   1000.50"
STUB
chmod +x "$tmp/bin/"*
[ -e "$FS_BUILD/bench/libreuseportcpu.so" ] || make -s -C "$FS_ROOT/bench" O="$FS_BUILD/bench" >/dev/null ||
	fail "cannot build bench/"
out=$(PATH="$tmp/bin:$PATH" "$bm" --clients "c1 c2" --addr 192.0.2.1 --port 8080 \
	--cores "1 2" --rounds 2 --seconds 1 --threads 2 --connections 4 \
	--setups "plain reuseport reuseport-cpu" --ssh "$tmp/bin/fake-ssh" --no-plot --out "$tmp/run" 2>&1) ||
	fail "a run with stand-ins: $out"
[ "$(wc -l <"$tmp/run/results.csv")" = 13 ] || fail "want 12 runs: $(cat "$tmp/run/results.csv")"
grep -q '^1,reuseport-cpu,2,2001.0,6,' "$tmp/run/results.csv" && grep -q '^2,plain,1,2001.0,6,' "$tmp/run/results.csv" ||
	fail "the rows do not sum the clients (2 x 1000.5 requests/s, 2 x 3 errors): $(cat "$tmp/run/results.csv")"
awk -F, 'NR > 1 && !($6 ~ /^[0-9]+\.[0-9]$/ && $6 <= 100) { exit 1 }' "$tmp/run/results.csv" ||
	fail "the busy share is not a percentage: $(cat "$tmp/run/results.csv")"
grep -q 'listen 8080 reuseport;' "$tmp/run/nginx-reuseport-cpu-2.conf" &&
	grep -q '^worker_processes 2;' "$tmp/run/nginx-reuseport-cpu-2.conf" &&
	grep -q 'worker_cpu_affinity auto;' "$tmp/run/nginx-reuseport-cpu-2.conf" &&
	! grep -q 'reuseport\|affinity' "$tmp/run/nginx-plain-1.conf" ||
	fail "nginx's configurations: $(cat "$tmp/run/nginx-reuseport-cpu-2.conf")"
cat >"$tmp/want.csv" <<'CSV'
cores,setup,rounds,conn_per_s_median,conn_per_s_min,conn_per_s_max,ratio_to_plain,errors,cpu_busy_pct_median
1,plain,2,2001.0,2001.0,2001.0,1.000,12,X
1,reuseport,2,2001.0,2001.0,2001.0,1.000,12,X
1,reuseport-cpu,2,2001.0,2001.0,2001.0,1.000,12,X
2,plain,2,2001.0,2001.0,2001.0,1.000,12,X
2,reuseport,2,2001.0,2001.0,2001.0,1.000,12,X
2,reuseport-cpu,2,2001.0,2001.0,2001.0,1.000,12,X
CSV
sed 's/,[0-9]*\.[0-9]$/,X/' "$tmp/run/summary.csv" | sed '1s/,X$/,cpu_busy_pct_median/' | diff -u "$tmp/want.csv" - ||
	fail "summary.csv"
echo "ok: a run with stand-ins: 12 rows summing both clients (2001.0 connections/s, 6 errors), nginx configured per setup and core count, the summary's medians and ratios"

# The summary's arithmetic, by hand: medians of odd and even rounds,
# ratios to plain on as many cores.
cat >"$tmp/runs.csv" <<'CSV'
cores,setup,round,conn_per_s,errors,cpu_busy_pct
1,plain,1,100,0,90
1,fastsocket,1,150,1,80
1,plain,2,300,2,70
1,fastsocket,2,130,0,60
1,plain,3,200,0,50
4,plain,1,400,0,99
4,fastsocket,1,600,0,98
CSV
cat >"$tmp/want2.csv" <<'CSV'
cores,setup,rounds,conn_per_s_median,conn_per_s_min,conn_per_s_max,ratio_to_plain,errors,cpu_busy_pct_median
1,plain,3,200.0,100.0,300.0,1.000,2,70.0
1,fastsocket,2,140.0,130.0,150.0,0.700,1,70.0
4,plain,1,400.0,400.0,400.0,1.000,0,99.0
4,fastsocket,1,600.0,600.0,600.0,1.500,0,98.0
CSV
awk -F, -f "$FS_ROOT/bench/median.awk" -f "$FS_ROOT/bench/baremetal-summary.awk" "$tmp/runs.csv" | diff -u "$tmp/want2.csv" - ||
	fail "baremetal-summary.awk"
echo "ok: baremetal-summary.awk: medians, ranges, ratios to plain, errors, busy share"
