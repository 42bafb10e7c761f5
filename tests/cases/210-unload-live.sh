# Unloading while the module's sockets are alive. A process holding the
# device open keeps the module in: rmmod is refused and changes nothing.
# So does a local listener the module spawned, once the device is closed
# (it closes through the module: see src/kmod/local_ops.c); both
# listeners go on accepting meanwhile, and once the process has exited
# rmmod succeeds. Connections taken from a local listener with plain
# accept(), one of them with kTLS, do not keep the module: once the
# listeners and the device are closed it unloads, and they still work.
# Then 20 cycles (5 on the sanitizer kernels) of load, a
# short fuzz of every ioctl, and unload leave no /proc entry, no device
# and no socket behind (kmemleak judges the rest on sanitizer kernels).
. "$FS_ROOT/tests/vm/lib.sh"
. "$FS_ROOT/tests/vm/stats.sh"

fifo=/tmp/hold.fifo
rm -f $fifo && mkfifo $fifo

# holder MODE...: spawncheck MODE in the background, fd 3 its stdin.
holder() {
	"$FS_BIN/spawncheck" "$@" <$fifo >/tmp/hold.out 2>&1 &
	holder_pid=$!
	exec 3>$fifo
	wait_for_line /tmp/hold.out held || { cat /tmp/hold.out; fail "the holder did not start"; }
}

# release: end the holder's stdin; its checks must then pass.
release() {
	exec 3>&-
	wait $holder_pid || { cat /tmp/hold.out; fail "the holder's listeners failed afterwards"; }
	grep '^ok' /tmp/hold.out
}

# No module autoloading for the fuzzer's odd SOCKET families (see 200).
modprobe=$(cat /proc/sys/kernel/modprobe)
trap 'echo "$modprobe" >/proc/sys/kernel/modprobe' EXIT
echo >/proc/sys/kernel/modprobe
ip link set lo up
before=$(fs_sockets)
fs_load || fail "load failed"
holder hold
! rmmod fastsocket 2>/dev/null || fail "rmmod succeeded while a process holds the device"
fs_loaded || fail "the module went away"
echo "ok: rmmod refused while the device is open"
release
check "rmmod after the holder exited" fs_unload

fs_load || fail "load failed"
holder hold close
! rmmod fastsocket 2>/dev/null || fail "rmmod succeeded while a local listener is open"
fs_loaded || fail "the module went away"
echo "ok: rmmod refused while a local listener is open (device closed)"
release
check "rmmod after the local listener closed" fs_unload
[ ! -e /proc/net/fastsocket ] || fail "/proc/net/fastsocket outlived the module"

fs_load || fail "load failed"
holder children
grep '^note' /tmp/hold.out
check "rmmod with accepted connections open, listeners and device closed" fs_unload
release

cycles=20
[ "$FS_DEBUG_KERNEL" = 1 ] && cycles=5
for i in $(seq $cycles); do
	fs_load || fail "load $i failed"
	"$FS_BIN/fuzz" -n 1000 -p 2 -t 2 -d 20 -s "$i" >/tmp/fuzz.out 2>&1 ||
		{ cat /tmp/fuzz.out; fail "cycle $i: the fuzzer saw something unexpected"; }
	fs_unload || fail "unload $i failed: $(cat /proc/net/fastsocket 2>&1)"
	[ ! -e /proc/net/fastsocket ] && [ ! -e /dev/fastsocket ] ||
		fail "cycle $i: /proc/net/fastsocket or /dev/fastsocket remains"
done
echo "ok: $cycles load, fuzz, unload cycles"
tail -n 2 /tmp/fuzz.out
check "sockets in use back to $before" fs_sockets_back "$before"
