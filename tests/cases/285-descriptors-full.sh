# A worker whose descriptor table is full loses no connection. Each
# worker of a pre-fork epoll server (tests/progs/stall.c -F, one shared
# listener) has every descriptor number in use once it watches the
# listener, until its accept4() has failed with EMFILE three times (a
# server at its RLIMIT_NOFILE that closes descriptors later). accept(2)
# reserves the number before it takes a connection off the queue, so on
# the plain kernel every connection waits for room; under libfsocket.so
# the module's ACCEPT must do the same. Short connections over veth with
# RPS, each bounded by 2 s; plain figures measured in the same run and
# printed beside (stock kernels only).
# Sanitizer kernels: skipped: the library over ACCEPT's EMFILE path, which 120 drives
# Middle kernels: skipped: userspace over the module, the same on every kernel; of the two stock kernels at the ends, the one below runs it
# Stock kernel: oldest
. "$FS_ROOT/tests/vm/lib.sh"
. "$FS_ROOT/tests/vm/stats.sh"
. "$FS_ROOT/tests/vm/stall.sh"

trap fs_netns_down EXIT
fs_netns_up || fail "cannot set up the namespaces"
fs_load || fail "load failed"

n=300
[ "$FS_DEBUG_KERNEL" = 1 ] && n=100
port=8300
for setup in plain fastsocket; do
	port=$((port + 1))
	if [ $setup = plain ]; then
		[ "$FS_DEBUG_KERNEL" = 1 ] && continue
		r=$(fs_stall_run $port $n "$setup, tables full" -- -w "$(nproc)" -m epoll -F)
	else
		r=$(fs_stall_run $port $n "$setup, tables full" "${FS_PRELOAD[@]}" -- -w "$(nproc)" -m epoll -F)
	fi
	note "$r"
	emfile=$(fs_field "$r" emfile)
	[ "$emfile" -gt 0 ] || fail "$setup: no accept4() failed with EMFILE, so nothing was tested: $r"
	fs_losses_ok "$(fs_field "$r" failed)" $n || fail "$setup: connections lost to a full descriptor table: $r"
	echo "ok: $setup: $n of $n answered after $emfile accept4() calls failed with EMFILE"
done
check "closed listeners are forgotten" fs_wait_no_listeners
