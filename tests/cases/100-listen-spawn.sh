# LISTEN and SPAWN_LISTEN: bad input gets one errno each and leaves nothing
# behind; a local listener copies its listener's address, options (IPv4,
# IPv6 with V6ONLY both ways), owner and port (a worker running as nobody
# on port 80); "choose for me" hands out each CPU once, then shares the
# least used one, and
# pins the caller in mode 2, choosing among the CPUs it may run on, and
# while a server's new workers start and its old ones exit one by one
# (nginx's reload) the new ones end on every CPU;
# SPAWN_ALL_LISTEN spawns for every watched listener or, on failure, for
# none, and one whose answer page never faults in (userfaultfd) holds up
# no other process's SPAWN; the caps on watched listeners per user and
# per namespace refuse with ENOSPC and leave the socket as it was; a
# foreign same-uid SO_REUSEPORT member (plain: EADDRINUSE) is counted,
# logged, and takes nothing the module steals; watched listeners are
# charged to the caller's memory cgroup, and at its limit LISTEN fails
# with ENOMEM, without an OOM kill (cgroup v2; not on the sanitizer
# kernels, built without CONFIG_MEMCG).
. "$FS_ROOT/tests/vm/lib.sh"
. "$FS_ROOT/tests/vm/stats.sh"

fs_load || fail "load failed"
check "bad input" "$FS_BIN/spawncheck" errors
check "clones" "$FS_BIN/spawncheck" clone
check "any CPU" "$FS_BIN/spawncheck" any
check "owner" "$FS_BIN/spawncheck" owner
check "SPAWN_ALL_LISTEN" "$FS_BIN/spawncheck" all
check "a SPAWN_ALL_LISTEN held on its page holds up only its caller" "$FS_BIN/spawncheck" stuck
if [ "$(nproc)" -ge 2 ]; then
	check "allowed CPUs" "$FS_BIN/spawncheck" allowed
	check "new workers while the old ones exit (a reload)" "$FS_BIN/spawncheck" reload
fi
echo 100 >/sys/module/fastsocket/parameters/steal_after_ms
check "a foreign member of a group" "$FS_BIN/spawncheck" foreign
check "the kernel log names it" sh -c 'dmesg | grep -q "foreign listener"'
cg=/sys/fs/cgroup
[ -e $cg/cgroup.controllers ] || mount -t cgroup2 none $cg
if grep -qw memory $cg/cgroup.controllers; then
	echo +memory >$cg/cgroup.subtree_control
	mkdir -p $cg/fs-memcg
	check "memory accounted and bounded" "$FS_BIN/spawncheck" memcg $cg/fs-memcg
	rmdir $cg/fs-memcg
else
	echo "skip: no memory cgroup controller (CONFIG_MEMCG) on $(uname -r)"
fi
fs_wait_no_listeners || fail "listeners left before the caps: $(fs_listeners)"
params=/sys/module/fastsocket/parameters
echo 3 >$params/max_listeners_per_user
echo 4 >$params/max_listeners_per_netns
check "caps per user and namespace" "$FS_BIN/spawncheck" caps
check "the kernel log names the cap" sh -c 'dmesg | grep -q "max_listeners_per_user"'
fs_unload
fs_load enable_listen_spawn=0 || fail "load with enable_listen_spawn=0 failed"
out=$("$FS_BIN/spawncheck" clone)
echo "$out" | grep -q '^FAIL LISTEN$' || { echo "$out"; fail "LISTEN worked with enable_listen_spawn=0"; }
echo "ok: enable_listen_spawn=0 refuses LISTEN"
