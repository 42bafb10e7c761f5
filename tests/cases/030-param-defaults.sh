# Every parameter (the seed's, steal_after_ms and the two caps) exists under /sys/module/fastsocket/parameters with
# the seed's default and its mode: the ones safe to change at run time
# take a valid value there and refuse a bad one (left unchanged), the
# others refuse any write; a valid value given at load is taken.
# Sanitizer kernels: skipped: the parameters' values; 040 loads with good and bad ones
. "$FS_ROOT/tests/vm/lib.sh"

fs_load || fail "load failed"
dir=/sys/module/fastsocket/parameters
count=0
# writes NAME VALUE: write VALUE to the parameter; its status.
writes() { sh -c 'echo "$2" >"$1"' - "$dir/$1" "$2" 2>/dev/null; }
while read -r name want mode bad; do
	[ -r "$dir/$name" ] || fail "$name missing"
	have=$(cat "$dir/$name")
	[ "$have" = "$want" ] || fail "$name is $have, default should be $want"
	perm=$(stat -c %a "$dir/$name")
	[ "$perm" = "$mode" ] || fail "$name has mode $perm, want $mode"
	if [ "$mode" = 644 ]; then
		writes "$name" 1 || fail "writing 1 to $name failed"
		[ "$(cat "$dir/$name")" = 1 ] || fail "$name did not take 1"
		! writes "$name" "${bad:-99}" || fail "$name took ${bad:-99}"
		[ "$(cat "$dir/$name")" = 1 ] || fail "a refused write changed $name"
		writes "$name" "$want" || fail "writing $want back to $name failed"
		echo "ok: $name = $have (mode $perm): takes 1, refuses ${bad:-99}"
	else
		! writes "$name" "$want" || fail "$name (read-only) took a write"
		echo "ok: $name = $have (mode $perm): refuses writes"
	fi
	count=$((count + 1))
done < <(fs_param_defaults)
[ "$(ls "$dir" | wc -l)" -eq "$count" ] || fail "unexpected parameters: $(ls "$dir")"
fs_unload

fs_load enable_listen_spawn=1 enable_skb_pool=3 enable_socket_pool_size=1024 ||
	fail "load with valid values failed"
check "enable_listen_spawn=1 taken" test "$(cat $dir/enable_listen_spawn)" = 1
check "enable_skb_pool=3 taken" test "$(cat $dir/enable_skb_pool)" = 3
check "enable_socket_pool_size=1024 taken" test "$(cat $dir/enable_socket_pool_size)" = 1024
