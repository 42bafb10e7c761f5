# The demo's first step in the guest: the module loads, /dev/fastsocket
# appears, its parameters read back and the ioctls answer.
. "$FS_ROOT/tests/vm/lib.sh"

echo "== kernel $(uname -r), $(nproc) vCPUs"
fs_load || fail "the module does not load"
echo "== /dev/fastsocket"
ls -l /dev/fastsocket
echo "== /sys/module/fastsocket/parameters"
for p in /sys/module/fastsocket/parameters/*; do
	printf '  %-30s %s\n' "$(basename "$p")" "$(cat "$p")"
done
echo "== VERSION ioctl"
"$FS_BIN/fsioctl" version "$(cat "$FS_ROOT/VERSION")" || fail "VERSION"
echo "== commands"
"$FS_BIN/fsioctl" commands | grep -v '^ok'
