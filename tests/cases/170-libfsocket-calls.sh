# Every call libfsocket.so interposes (tests/progs/libcheck.c), IPv4 and
# IPv6: with the module, a worker's listener becomes a local one for its
# CPU and every check holds; without the module, with the feature off
# (enable_listen_spawn=0), and without the library, the same checks hold
# and no listener is localized. A Unix-socket program's transcript is
# byte-for-byte the same with and without the library. On the sanitizer
# kernels (ten times slower) only the runs that reach the module are made.
# Sanitizer kernels: skipped: the library's semantics; 100-160 and 180 drive the module's paths
# Middle kernels: skipped: userspace over the module, the same on every kernel; of the two stock kernels at the ends, the one below runs it
# Stock kernel: newest
. "$FS_ROOT/tests/vm/lib.sh"
. "$FS_ROOT/tests/vm/stats.sh"

out=$(mktemp) err=$(mktemp)
run_libcheck() {	# run_libcheck LABEL -m|-p [PREFIX...]
	local label=$1 mode=$2; shift 2
	(cd /tmp && "$@" "$FS_BIN/libcheck" "$mode") >"$out" 2>"$err" ||
		{ grep -v '^ok' "$out"; cat "$err"; fail "$label: $(tail -n 1 "$out")"; }
	echo "ok: $label: $(grep -c '^ok' "$out") checks passed"
}
preload() { env LD_PRELOAD="$FS_LIB" "$@"; }

fs_load || fail "load failed"
before=$(fs_stat local_accepts)
run_libcheck "module loaded (mode 2)" -m preload
[ ! -s "$err" ] || { cat "$err"; fail "the library spoke with the module loaded"; }
locals=$(( $(fs_stat local_accepts) - before ))
[ "$locals" -gt 0 ] || fail "no local accepts counted"
echo "ok: $locals local accepts counted, $(fs_stat errors) errors"
fs_wait_no_listeners || fail "listeners left after the program exited: $(fs_listeners)"
if [ "$FS_DEBUG_KERNEL" != 1 ]; then
	run_libcheck "through the fastsocket command" -m env FASTSOCKET_LIB="$FS_LIB" "$FS_TOOLS/fastsocket" --quiet
	last=$(( $(nproc) - 1 ))
	run_libcheck "mode 2 inside taskset -c $last: workers stay on CPU $last" -m preload taskset -c "$last"
	cg=/sys/fs/cgroup
	mountpoint -q $cg || mount -t cgroup2 none $cg || fail "cannot mount cgroup2"
	echo +cpuset >$cg/cgroup.subtree_control && mkdir -p $cg/fs-test &&
		echo "$last" >$cg/fs-test/cpuset.cpus || fail "cannot make a cpuset"
	run_libcheck "mode 2 inside a cgroup cpuset of CPU $last" -m \
		sh -c 'echo $$ >/sys/fs/cgroup/fs-test/cgroup.procs && exec "$@"' sh \
		env LD_PRELOAD="$FS_LIB"
	rmdir $cg/fs-test
	fs_wait_no_listeners || fail "listeners left after the program exited: $(fs_listeners)"
fi
echo "ok: listeners 0 after exit"
fs_unload || fail "unload failed after the library's use"

fs_load enable_listen_spawn=0 || fail "load with enable_listen_spawn=0 failed"
run_libcheck "enable_listen_spawn=0" -p preload
grep -q "refused LISTEN" "$err" || { cat "$err"; fail "no message for the refused LISTEN"; }
echo "ok: said: $(head -n 1 "$err")"

(cd /tmp && FASTSOCKET_STRICT=1 preload "$FS_BIN/libcheck" -m >/dev/null 2>"$err")
rc=$?
[ "$rc" = 70 ] || { cat "$err"; fail "FASTSOCKET_STRICT=1: exit $rc, want 70"; }
echo "ok: FASTSOCKET_STRICT=1: exit 70: $(head -n 1 "$err")"
fs_unload

if [ "$FS_DEBUG_KERNEL" != 1 ]; then
	run_libcheck "module absent" -p preload
	run_libcheck "no library" -p env
fi

"$FS_BIN/unix_echo" /tmp/ue.sock >/tmp/ue.plain || fail "unix_echo failed"
preload "$FS_BIN/unix_echo" /tmp/ue.sock >/tmp/ue.lib 2>"$err" || fail "unix_echo under the library failed"
cmp /tmp/ue.plain /tmp/ue.lib || { diff /tmp/ue.plain /tmp/ue.lib; fail "the transcripts differ"; }
[ ! -s "$err" ] || { cat "$err"; fail "the library spoke to a program without TCP"; }
echo "ok: a Unix-socket echo: $(wc -l </tmp/ue.lib) transcript lines, byte-for-byte the same, nothing said"
