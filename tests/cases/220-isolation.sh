# Two users in two network namespaces, both listening on 127.0.0.1:7777
# through the module: root in iso1, nobody (uid 65534, no capability) in
# iso2. Each gets its own local listener in its own namespace (ss counts
# two listeners on the port in each). nobody, moved into iso1, tries every
# command that names a descriptor on every number it does not hold: all
# EBADF, since a command can only name the caller's own descriptors.
# Each holder runs in a cgroup v2 group of its own (fs-iso1, fs-iso2):
# sock_diag must show every listener on the port, the module's clone
# included, and a connection queued on them in the holder's group and in
# no other. Both holders then accept 20 connections each from their own
# listeners, and once they exit nothing of theirs remains: no listener in
# the module or on the port, and the module unloads.
. "$FS_ROOT/tests/vm/lib.sh"
. "$FS_ROOT/tests/vm/stats.sh"

command -v setpriv >/dev/null || skip "no setpriv (util-linux)"
cleanup() {
	exec 3>&- 4>&-
	ip netns del iso1 2>/dev/null
	ip netns del iso2 2>/dev/null
	rmdir $cg/fs-iso1 $cg/fs-iso2 2>/dev/null
}
cg=/sys/fs/cgroup
[ -f $cg/cgroup.procs ] || skip "no cgroup v2 at $cg"
trap cleanup EXIT
for ns in iso1 iso2; do
	ip netns add $ns && ip -n $ns link set lo up || fail "cannot add namespace $ns"
	rm -f /tmp/$ns.fifo && mkfifo -m 666 /tmp/$ns.fifo
	mkdir -p $cg/fs-$ns || fail "cannot make cgroup fs-$ns"
done
# in_cgroup NAME CMD...: run CMD as a member of cgroup NAME.
in_cgroup() {
	local name=$1
	shift
	sh -c 'echo $$ >"$0" && exec "$@"' "$cg/$name/cgroup.procs" "$@"
}
fs_load || fail "load failed"

HOLD_PORT=7777 in_cgroup fs-iso1 ip netns exec iso1 "$FS_BIN/spawncheck" hold \
	</tmp/iso1.fifo >/tmp/iso1.out 2>&1 &
pid1=$!
exec 3>/tmp/iso1.fifo
HOLD_PORT=7777 in_cgroup fs-iso2 ip netns exec iso2 setpriv --reuid=65534 --regid=65534 \
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

# The sockets on the port in NS with their cgroup (listeners, and the
# server side of a connection held open meanwhile by a client). nsenter,
# not ip netns exec: that one mounts a sysfs of its own over /sys, which
# hides the cgroup tree ss names the groups from.
port_sockets_cgroups() {
	nsenter --net="/run/netns/$1" bash -c '
		exec 5<>/dev/tcp/127.0.0.1/7777 || exit 1
		ss -Hltn --cgroup "sport = :7777"
		ss -Htn --cgroup state established "sport = :7777"'
}
# ss reads a socket's cgroup through sock_diag (tcp_diag), which the
# sanitizer kernels are built without.
[ -d /sys/module/tcp_diag ] ||
	echo "NOTE: no tcp_diag in this kernel: the sockets' cgroups are not checked"
for ns in iso1 iso2; do
	[ -d /sys/module/tcp_diag ] || break
	port_sockets_cgroups $ns >/tmp/$ns.cg || fail "$ns: cannot connect to port 7777"
	total=$(wc -l </tmp/$ns.cg)
	mine=$(grep -c "cgroup:/fs-$ns\b" /tmp/$ns.cg)
	[ "$total" = 3 ] && [ "$mine" = 3 ] || {
		cat /tmp/$ns.cg
		fail "$ns: $mine of $total sockets on port 7777 in cgroup fs-$ns, want 3 of 3"
	}
	echo "ok: $ns: both listeners and the queued connection are in cgroup fs-$ns"
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
