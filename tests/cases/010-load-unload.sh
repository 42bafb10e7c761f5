# The module loads and unloads 20 times in a row (5 on the slow sanitizer
# kernels, where 210 adds 5 more); each time the device node and the
# sysfs entry come and go with it.
. "$FS_ROOT/tests/vm/lib.sh"

n=20
[ "$FS_DEBUG_KERNEL" = 1 ] && n=5
for i in $(seq $n); do
	fs_load || fail "load $i failed"
	fs_loaded || fail "load $i: no /sys/module/fastsocket"
	[ -c /dev/fastsocket ] || fail "load $i: no /dev/fastsocket"
	fs_unload || fail "unload $i failed"
	! fs_loaded || fail "unload $i: /sys/module/fastsocket remains"
	[ ! -e /dev/fastsocket ] || fail "unload $i: /dev/fastsocket remains"
done
echo "ok: $n load/unload cycles"
check "dmesg names the version at load" \
	grep -q "fastsocket: version $(cat "$FS_ROOT/VERSION") loaded" <(dmesg)
