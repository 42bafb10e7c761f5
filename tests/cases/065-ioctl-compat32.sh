# A 32-bit program reaches the same commands through compat_ioctl: the
# argument layout is the same on i386 and x86_64.
. "$FS_ROOT/tests/vm/lib.sh"

[ -x "$FS_BIN/fsioctl32" ] || skip "no 32-bit build of fsioctl (gcc-multilib missing)"
[ "$(file -b "$FS_BIN/fsioctl32" | cut -d, -f1)" = "ELF 32-bit LSB executable" ] ||
	fail "fsioctl32 is not a 32-bit program: $(file -b "$FS_BIN/fsioctl32")"
fs_load || fail "load failed"
check "32-bit VERSION" "$FS_BIN/fsioctl32" version "$(cat "$FS_ROOT/VERSION")"
check "32-bit unknown commands" "$FS_BIN/fsioctl32" unknown
check "32-bit reserved fields" "$FS_BIN/fsioctl32" reserved
check "32-bit commands" "$FS_BIN/fsioctl32" commands
