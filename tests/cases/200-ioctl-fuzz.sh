# The ioctl fuzzer (tests/progs/fuzz.c) in a network namespace of its own:
# 4 processes x 2 threads of random ioctls with random fds, pointers and
# fields, mixed with socket churn, forks and exits, while a racer thread
# in each process closes, dup2()s and replaces the listeners the others
# use and fills the descriptor table for a moment. Every failure must
# carry an expected errno. Afterwards nothing of it remains: no listener
# in the module, the kernel's count of sockets back where it was, and the
# module unloads. 100000 ioctls; 50000 shared out among the sanitizer
# kernels, where each costs five times as much and the suite's time is
# spent on its other cases: each runs its part with a seed of its own
# (FASTSOCKET_FUZZ_IOCTLS to change, e.g. 1000000 for a long run there).
# At most FASTSOCKET_FUZZ_SECONDS (240).
. "$FS_ROOT/tests/vm/lib.sh"
. "$FS_ROOT/tests/vm/stats.sh"

n=100000
share=${FS_SANITIZER_SHARE:-0/1}
[ "$FS_DEBUG_KERNEL" = 1 ] && n=$((50000 / ${share#*/}))
n=${FASTSOCKET_FUZZ_IOCTLS:-$n}
secs=${FASTSOCKET_FUZZ_SECONDS:-240}

# SOCKET with an unknown family or protocol makes the kernel run modprobe
# (0.1-0.2 s each in the VM): no module autoloading while fuzzing.
modprobe=$(cat /proc/sys/kernel/modprobe)
trap 'echo "$modprobe" >/proc/sys/kernel/modprobe; ip netns del fuzz 2>/dev/null' EXIT
echo >/proc/sys/kernel/modprobe
fs_load || fail "load failed"
ip netns add fuzz || fail "cannot add a namespace"
ip -n fuzz link set lo up
before=$(fs_sockets fuzz)
ip netns exec fuzz "$FS_BIN/fuzz" -n "$n" -d "$secs" -p 4 -t 2 -s "${FASTSOCKET_FUZZ_SEED:-$RANDOM}"
rc=$?
[ $rc -eq 0 ] || fail "the fuzzer saw something unexpected (status $rc)"
check "no listener left in the module" fs_wait_no_listeners
check "sockets in use in the namespace back to $before" fs_sockets_back "$before" fuzz
check "rmmod" fs_unload
