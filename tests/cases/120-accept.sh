# ACCEPT, then accept4(2) on the local listener, which must serve it the
# same way: bad input gets one errno each (ACCEPT); the local queue is
# served before the global one; peer address and accept4 flags as
# accept4(2); a connection reset while queued is handed over as a plain
# listener's accept4(2) hands it over; a blocking accept wakes for either queue and honours
# SO_RCVTIMEO; a full descriptor table (EMFILE) leaves the connection
# queued; PAUSE_LOCAL takes a local listener out of its group's choice
# (its queue and its CPU's connections go to the global listener) unless
# an epoll watches it, and brings it back; an accept on it does not, nor
# an epoll once its worker paused it twice; a local listener keeps its
# global one open until it closes. ACCEPT of the shared listener alone
# with FSOCKET_ACCEPT_SPAWN_WAKES ends with ESTALE when its own device
# spawns, not when another does, and otherwise as accept4(2). Then
# the counters of /proc/net/fastsocket, exact for this run (pauses: the
# two of a listener not yet paused), and nothing left once the listeners
# are closed.
. "$FS_ROOT/tests/vm/lib.sh"
. "$FS_ROOT/tests/vm/stats.sh"

[ "$(nproc)" -ge 2 ] || skip "needs at least 2 CPUs"
# Stealing off: which queue a connection is taken from is what is checked
# here, and case 270 checks stealing.
fs_load steal_after_ms=0 || fail "load failed"
check "/proc/net/fastsocket" test -r /proc/net/fastsocket
check "ACCEPT" "$FS_BIN/acceptcheck"
cat /proc/net/fastsocket
lines=$(grep -c '^cpu[0-9]' /proc/net/fastsocket)
possible=$(( $(cut -d- -f2 /sys/devices/system/cpu/possible) + 1 ))
[ "$lines" = "$possible" ] || fail "$lines CPU lines for $possible possible CPUs"
for want in "spawns 6" "local_accepts 11" "global_accepts 6" "errors 0" "pauses 2"; do
	set -- $want
	got=$(fs_stat "$1") || fail "no total of $1"
	[ "$got" = "$2" ] || fail "total $1 is $got, want $2"
	echo "ok: total $1 $got"
done
check "closed listeners are forgotten" fs_wait_no_listeners
check "rmmod" fs_unload
