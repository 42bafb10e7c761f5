# What a threaded server sees of its shared listener, plain and under the
# library with the module (tests/progs/threadcheck.c): epoll registrations
# level-triggered, edge-triggered one-shot and exclusive, one epoll shared
# by every thread (tokio, mio: left alone), EPOLL_CTL_DEL from another
# thread, fork, thread exit, close and shutdown by another thread, and
# pthread_cancel() of threads blocked in accept(). The same answers in
# both, every serving thread pinned under the module (mode 2) and none
# plain; the module forgets every listener after. On
# the sanitizer kernels, the library's side only: the module's spawns,
# accepts and closes from many threads of one process.
. "$FS_ROOT/tests/vm/lib.sh"
. "$FS_ROOT/tests/vm/stats.sh"
. "$FS_ROOT/tests/vm/stall.sh"

[ "$(nproc)" -ge 2 ] || skip "needs at least 2 CPUs"
fs_load || fail "load failed"

for setup in plain fastsocket; do
	[ $setup = plain ] && [ "$FS_DEBUG_KERNEL" = 1 ] && continue
	out=/tmp/threadcheck-$setup.out
	if [ $setup = plain ]; then
		"$FS_BIN/threadcheck" -p >"$out" 2>&1
	else
		env "${FS_PRELOAD[@]}" "$FS_BIN/threadcheck" -m >"$out" 2>&1
	fi
	rc=$?
	sed "s/^/$setup: /" "$out"
	[ $rc = 0 ] || fail "$setup: threadcheck: $(tail -n 1 "$out")"
	echo "ok: $setup: threadcheck: $(grep -c '^ok' "$out") checks passed"
done
[ "$(fs_stat spawns)" -gt 0 ] || fail "the module made no local listener for the threads"
check "the threadcheck listeners are forgotten" fs_wait_no_listeners
