# libfsocket.so preloaded into a TCP program leaves it working, with the
# module loaded and without it; without it the library says so once on
# stderr, and FASTSOCKET_QUIET=1 silences it.
# Sanitizer kernels: skipped: the library's pass-through paths, not the module's
# Middle kernels: skipped: userspace over the module, the same on every kernel; of the two stock kernels at the ends, the one below runs it
# Stock kernel: newest
. "$FS_ROOT/tests/vm/lib.sh"

err=$(mktemp)
echo_run() {	# echo_run LABEL [PREFIX...]: tcp_echo v4 and v6 under the library
	local label=$1; shift
	"$@" env LD_PRELOAD="$FS_LIB" "$FS_BIN/tcp_echo" -n 200 2>"$err" ||
		{ cat "$err"; fail "$label: IPv4 echo failed"; }
	"$@" env LD_PRELOAD="$FS_LIB" "$FS_BIN/tcp_echo" -6 -n 200 2>>"$err" ||
		{ cat "$err"; fail "$label: IPv6 echo failed"; }
	echo "ok: $label: 2 x 200 connections"
}
lines() { grep -c "^libfsocket\[" "$err"; }

fs_load || fail "load failed"
echo_run "module loaded"
cat "$err"
[ "$(lines)" -le 2 ] || fail "more than one message per process with the module"

fs_unload || fail "unload failed"
echo_run "module absent"
[ "$(lines)" -eq 2 ] || { cat "$err"; fail "want one message per process (2), got $(lines)"; }
grep -q "/dev/fastsocket: No such file or directory; socket calls go to libc unchanged" "$err" ||
	{ cat "$err"; fail "the message does not say why"; }
echo "ok: said once per process: $(head -n 1 "$err")"

echo_run "module absent, quiet" env FASTSOCKET_QUIET=1
[ "$(lines)" -eq 0 ] || { cat "$err"; fail "FASTSOCKET_QUIET=1 did not silence it"; }
echo "ok: FASTSOCKET_QUIET=1 is silent"

fs_load || fail "reload failed"
chmod 600 /dev/fastsocket
echo_run "device not permitted" setpriv --reuid=65534 --regid=65534 --clear-groups
grep -q "Permission denied" "$err" || { cat "$err"; fail "no 'Permission denied' message"; }
echo "ok: not permitted: $(head -n 1 "$err")"
chmod 666 /dev/fastsocket

LD_PRELOAD="$FS_LIB" FASTSOCKET_DEVICE=/nonexistent ls / >/dev/null 2>"$err" ||
	fail "ls under the library failed"
[ "$(lines)" -eq 0 ] || { cat "$err"; fail "a program without TCP listeners got a message"; }
echo "ok: a program that never listens on TCP hears nothing"
