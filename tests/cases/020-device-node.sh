# /dev/fastsocket is the misc device the kernel registered, usable by an
# unprivileged user (the commands only act on the caller's descriptors).
. "$FS_ROOT/tests/vm/lib.sh"

fs_load || fail "load failed"
check "/dev/fastsocket is a character device" test -c /dev/fastsocket
want=$(cat /sys/class/misc/fastsocket/dev)
have=$(printf '%d:%d' "0x$(stat -c %t /dev/fastsocket)" "0x$(stat -c %T /dev/fastsocket)")
[ "$want" = "$have" ] || fail "device number $have, sysfs says $want"
echo "ok: device number $have is the misc device's"
check "misc major 10" test "${want%%:*}" = 10
mode=$(stat -c %a /dev/fastsocket)
[ "$mode" = 666 ] || fail "mode $mode, want 666"
echo "ok: mode $mode"
check "user nobody can open it and ask VERSION" \
	setpriv --reuid=65534 --regid=65534 --clear-groups \
	"$FS_BIN/fsioctl" version "$(cat "$FS_ROOT/VERSION")"
