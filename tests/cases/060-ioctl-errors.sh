# Bad input gets a clear errno: unknown commands ENOTTY, bad argument
# pointers EFAULT, non-zero reserved fields EINVAL.
. "$FS_ROOT/tests/vm/lib.sh"

fs_load || fail "load failed"
check "unknown commands get ENOTTY" "$FS_BIN/fsioctl" unknown
check "bad pointers get EFAULT" "$FS_BIN/fsioctl" efault
check "reserved fields must be zero" "$FS_BIN/fsioctl" reserved
check "the module still answers" "$FS_BIN/fsioctl" version "$(cat "$FS_ROOT/VERSION")"
