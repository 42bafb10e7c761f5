# Every seed command is dispatched; this says which still answer
# EOPNOTSUPP, and checks that VERSION's command mask agrees with what each
# command does.
. "$FS_ROOT/tests/vm/lib.sh"

fs_load || fail "load failed"
"$FS_BIN/fsioctl" commands || fail "commands disagree with VERSION's mask"
