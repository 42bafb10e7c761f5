# Two users in two network namespaces, both listening on 127.0.0.1:7777
# through the module: root in iso1, nobody (uid 65534, no capability) in
# iso2. Each gets its own local listener in its own namespace (ss counts
# two listeners on the port in each). nobody, moved into iso1, tries every
# command that names a descriptor on every number it does not hold: all
# EBADF, since a command can only name the caller's own descriptors.
# Both holders then accept 20 connections each from their own listeners,
# and once they exit nothing of theirs remains: no listener in the module
# or on the port, and the module unloads.
. "$FS_ROOT/tests/vm/lib.sh"
. "$FS_ROOT/tests/vm/stats.sh"

command -v setpriv >/dev/null || skip "no setpriv (util-linux)"
cleanup() {
	exec 3>&- 4>&-
	ip netns del iso1 2>/dev/null
	ip netns del iso2 2>/dev/null
}
trap cleanup EXIT
for ns in iso1 iso2; do
	ip netns add $ns && ip -n $ns link set lo up || fail "cannot add namespace $ns"
	rm -f /tmp/$ns.fifo && mkfifo -m 666 /tmp/$ns.fifo
done
fs_load || fail "load failed"

HOLD_PORT=7777 ip netns exec iso1 "$FS_BIN/spawncheck" hold \
	</tmp/iso1.fifo >/tmp/iso1.out 2>&1 &
pid1=$!
exec 3>/tmp/iso1.fifo
HOLD_PORT=7777 ip netns exec iso2 setpriv --reuid=65534 --regid=65534 \
	--clear-groups --inh-caps=-all "$FS_BIN/spawncheck" hold \
	</tmp/iso2.fifo >/tmp/iso2.out 2>&1 &
pid2=$!
exec 4>/tmp/iso2.fifo
for ns in iso1 iso2; do
	wait_for_line /tmp/$ns.out held || { cat /tmp/$ns.out; fail "the holder in $ns did not start"; }
done

listeners_on_port() { ip netns exec "$1" ss -Hltn 'sport = :7777' | wc -l; }
for ns in iso1 iso2; do
	n=$(listeners_on_port $ns)
	[ "$n" = 2 ] || { ip netns exec $ns ss -ltnp; fail "$ns: $n listeners on port 7777, want 2 (global and local)"; }
	echo "ok: $ns has its own global and local listener on port 7777"
done
ip netns exec iso1 setpriv --reuid=65534 --regid=65534 --clear-groups \
	--inh-caps=-all "$FS_BIN/fsioctl" others || fail "nobody reached a descriptor it does not hold"

exec 3>&- 4>&-
wait $pid1 || { cat /tmp/iso1.out; fail "root's listeners in iso1 failed afterwards"; }
wait $pid2 || { cat /tmp/iso2.out; fail "nobody's listeners in iso2 failed afterwards"; }
grep -h '^ok.*afterwards' /tmp/iso1.out /tmp/iso2.out
check "no listener left in the module" fs_wait_no_listeners
for ns in iso1 iso2; do
	[ "$(listeners_on_port $ns)" = 0 ] || fail "$ns: a listener outlived its owner"
done
echo "ok: no listener left on port 7777 in either namespace"
check "rmmod" fs_unload
