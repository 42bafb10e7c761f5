# Every seed parameter exists under /sys/module/fastsocket/parameters with
# the seed's default, read-only; a valid value given at load is taken.
# Sanitizer kernels: skipped: the parameters' values; 040 loads with good and bad ones
. "$FS_ROOT/tests/vm/lib.sh"

fs_load || fail "load failed"
dir=/sys/module/fastsocket/parameters
count=0
while read -r name want; do
	[ -r "$dir/$name" ] || fail "$name missing"
	have=$(cat "$dir/$name")
	[ "$have" = "$want" ] || fail "$name is $have, default should be $want"
	perm=$(stat -c %a "$dir/$name")
	[ "$perm" = 444 ] || fail "$name has mode $perm, want 444"
	echo "ok: $name = $have (mode $perm)"
	count=$((count + 1))
done < <(fs_param_defaults)
[ "$(ls "$dir" | wc -l)" -eq "$count" ] || fail "unexpected parameters: $(ls "$dir")"
fs_unload

fs_load enable_listen_spawn=1 enable_skb_pool=3 enable_socket_pool_size=1024 ||
	fail "load with valid values failed"
check "enable_listen_spawn=1 taken" test "$(cat $dir/enable_listen_spawn)" = 1
check "enable_skb_pool=3 taken" test "$(cat $dir/enable_skb_pool)" = 3
check "enable_socket_pool_size=1024 taken" test "$(cat $dir/enable_socket_pool_size)" = 1024
