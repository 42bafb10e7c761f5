# An out-of-range or non-numeric parameter refuses the load, and the
# kernel log says which parameter and what its range is.
. "$FS_ROOT/tests/vm/lib.sh"

refuse() {	# refuse NAME VALUE EXPECTED-LOG-TEXT
	dmesg -C
	if fs_load "$1=$2" 2>/dev/null; then
		fs_unload
		fail "$1=$2 was accepted"
	fi
	! fs_loaded || fail "$1=$2: module present after a refused load"
	dmesg | grep -qF "$3" || { dmesg; fail "$1=$2: no message '$3'"; }
	echo "ok: $1=$2 refused: $(dmesg | grep -F "$3" | head -n 1)"
}

refuse enable_fastsocket_debug 5 "enable_fastsocket_debug=5 is out of range [0, 4]"
refuse enable_fastsocket_debug -1 "enable_fastsocket_debug=-1 is out of range [0, 4]"
refuse enable_listen_spawn 3 "enable_listen_spawn=3 is out of range [0, 2]"
refuse enable_listen_spawn two "enable_listen_spawn: 'two' is not an integer"
# The others go through the same check: on the slow sanitizer kernels,
# the four above stand for them.
if [ "$FS_DEBUG_KERNEL" = 1 ]; then
	check "a valid load still works after the refusals" fs_load
	exit 0
fi
refuse enable_receive_flow_deliver 2 "enable_receive_flow_deliver=2 is out of range [0, 1]"
refuse enable_fast_epoll 2 "enable_fast_epoll=2 is out of range [0, 1]"
refuse enable_direct_tcp -1 "enable_direct_tcp=-1 is out of range [0, 1]"
refuse enable_skb_pool 4 "enable_skb_pool=4 is out of range [0, 3]"
refuse enable_receive_cpu_selection 7 "enable_receive_cpu_selection=7 is out of range [0, 1]"
refuse enable_socket_pool_size 65537 "enable_socket_pool_size=65537 is out of range [0, 65536]"
refuse steal_after_ms -1 "steal_after_ms=-1 is out of range [0, 60000]"
refuse max_listeners_per_user 0 "max_listeners_per_user=0 is out of range [1, 1048576]"
refuse max_listeners_per_netns 1048577 "max_listeners_per_netns=1048577 is out of range [1, 1048576]"
check "a valid load still works after the refusals" fs_load
