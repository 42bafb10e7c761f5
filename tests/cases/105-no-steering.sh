# A kernel that does not steer SO_REUSEPORT groups by SO_INCOMING_CPU
# (before the 6.2 fix): the module built as for one (its probe
# reuseport_incoming_cpu off, so its check at load finds no steering)
# loads, says so once in the kernel log, "steering 0" in
# /proc/net/fastsocket and why in fastsocketctl status, refuses LISTEN,
# SPAWN_LISTEN and SPAWN_ALL_LISTEN with EOPNOTSUPP, leaving the listener
# as it was, and a program under the library serves every connection on
# its own listener, as without the module. The module built for this kernel says "steering 1".
# Module built with probes off: reuseport_incoming_cpu
# Sanitizer kernels: skipped: the refusal returns before anything is made; the check at load (a listener made and released) runs at every load there
. "$FS_ROOT/tests/vm/lib.sh"

said() { dmesg | grep -c "does not steer SO_REUSEPORT groups by SO_INCOMING_CPU"; }

[ "$(said)" -eq 0 ] || fail "the kernel log says 'does not steer' before the test"
FS_KO=$FS_KO_PROBES_OFF fs_load || fail "load of the module built without the probe failed"
[ "$(said)" -eq 1 ] || { dmesg | tail -n 5; fail "want one 'does not steer' line at load, got $(said)"; }
echo "ok: said once at load: $(dmesg | grep "does not steer" | tail -n 1)"
ctl=$FS_ROOT/src/ctl/fastsocketctl
check "fastsocketctl status says why" sh -c "'$ctl' status | grep -q '^steering: no: this kernel does not steer'"
check "LISTEN and SPAWN refused, the listener as it was" "$FS_BIN/spawncheck" unsteered
err=$(mktemp)
LD_PRELOAD="$FS_LIB" "$FS_BIN/tcp_echo" -n 200 2>"$err" ||
	{ cat "$err"; fail "echo under the library failed"; }
n=$(grep -c "^libfsocket\[" "$err")
[ "$n" -le 1 ] || { cat "$err"; fail "the library said $n things, want at most one"; }
echo "ok: 200 connections under the library on the plain listener; it said: $(cat "$err")"
[ "$(said)" -eq 1 ] || fail "said again after LISTEN and SPAWN: $(said) lines"
fs_unload || fail "unload failed"

fs_load || fail "load failed"
grep -qx "steering 1" /proc/net/fastsocket ||
	{ cat /proc/net/fastsocket; fail "the module built for $(uname -r) does not say steering 1"; }
[ "$(said)" -eq 1 ] || fail "the module built for this kernel says it does not steer"
echo "ok: the module built for $(uname -r): steering 1"
check "fastsocketctl status says steering: yes" sh -c "'$ctl' status | grep -q '^steering: yes'"
fs_unload || fail "unload failed"
