# enable_fastsocket_debug gates the module's one log macro: 0 silences even
# the load notice, the default 3 shows notices but not debugging, 4 shows
# debugging (an unknown ioctl is logged at debug level).
# Sanitizer kernels: skipped: log levels; the other cases load at the default level
. "$FS_ROOT/tests/vm/lib.sh"

logged() { dmesg | grep -c "fastsocket: $1"; }

try_level() {	# try_level LEVEL WANT-NOTICES WANT-DEBUG
	dmesg -C
	fs_load enable_fastsocket_debug="$1" || fail "load with level $1 failed"
	"$FS_BIN/fsioctl" unknown >/dev/null || fail "unknown ioctls not refused"
	fs_unload || fail "unload failed"
	n=$(logged "version .* loaded"); d=$(logged "unknown ioctl")
	[ "$n" -eq "$2" ] || fail "level $1: $n load notices, want $2"
	if [ "$3" = 0 ]; then
		[ "$d" -eq 0 ] || fail "level $1: $d debug lines, want none"
	else
		[ "$d" -ge 1 ] || fail "level $1: no debug line for an unknown ioctl"
	fi
	echo "ok: level $1: $n load notice(s), $d debug line(s)"
}

try_level 0 0 0
try_level 3 1 0
try_level 4 1 1
