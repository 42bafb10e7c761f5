# The harness's network: two namespaces over veth with RPS on the server's
# side spread the handshakes over several CPUs, so later tests can measure
# locality. Prints the plain kernel's accept locality as the baseline.
# Sanitizer kernels: skipped: the plain kernel's figure, no module code
. "$FS_ROOT/tests/vm/lib.sh"

[ "$(nproc)" -ge 2 ] || skip "needs at least 2 CPUs"
trap fs_netns_down EXIT
fs_netns_up || fail "cannot set up the namespaces"
check "cli reaches srv" ip netns exec cli ping -c 1 -W 5 10.77.0.1 >/dev/null

out=$(mktemp)
n=400
ip netns exec srv "$FS_BIN/locality" server -a 10.77.0.1 -p 8080 \
	-w "$(nproc)" -n $n -t 120 >"$out" &
server=$!
wait_for_line "$out" ready || fail "server did not start"
ip netns exec cli "$FS_BIN/prefork" client -a 10.77.0.1 -p 8080 -n $n -c 8 ||
	fail "client connections failed"
wait $server || { cat "$out"; fail "server saw fewer than $n connections"; }
result=$(tail -n 1 "$out")
echo "$result"
cpus=$(echo "$result" | grep -oE 'c[0-9]+=[1-9][0-9]*' | wc -l)
[ "$cpus" -ge 2 ] || fail "handshakes were processed on $cpus CPU(s); RPS is not spreading them"
note "plain kernel, $(nproc) workers sharing one listener: $(echo "$result" | sed 's/^accepted //')"
