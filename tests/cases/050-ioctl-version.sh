# VERSION answers with the ABI of include/uapi/linux/fastsocket.h and the
# release of ./VERSION.
. "$FS_ROOT/tests/vm/lib.sh"

fs_load || fail "load failed"
check "VERSION" "$FS_BIN/fsioctl" version "$(cat "$FS_ROOT/VERSION")"
check "modinfo version matches" \
	test "$(cat /sys/module/fastsocket/version)" = "$(cat "$FS_ROOT/VERSION")"
