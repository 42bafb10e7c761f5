# The stall server (tests/progs/stall.c) under load in test cases (sourced
# after lib.sh and stats.sh, with fs_netns_up done): the server in
# namespace srv on 10.77.0.1, "prefork client" in namespace cli, each
# connection bounded by 2 s.
# shellcheck shell=bash

# FS_STALL_VIA: a command (and its arguments) that fs_stall_run starts the
# server through, such as systemd-socket-activate, which listens itself and
# starts the server at the first connection.
FS_STALL_VIA=()
# FS_STALL_HOOK: a command fs_stall_run runs with the server's pid once
# the client is done, before it stops the server.
FS_STALL_HOOK=

# fs_stall_first_request PORT: one request, retried while nothing listens
# (the server counts it beside the client's).
fs_stall_first_request() {
	local _
	for _ in $(seq 50); do
		# shellcheck disable=SC2016 # $1 is the inner shell's
		ip netns exec cli timeout 10 bash -c \
			'exec 3<>/dev/tcp/10.77.0.1/$1 && echo hi >&3 && read -r l <&3 && [ "$l" = ok ]' \
			_ "$1" 2>/dev/null && return 0
		sleep 0.1
	done
	return 1
}

# fs_stall_run PORT CONNS LABEL [env...] -- STALL-ARGS...: one server, CONNS
# connections; prints "LABEL: client lines server line stolen S
# module-local L module-global G lent N spawns P" (the module's counters
# over the run; lent: taken from the shared queue because their CPU had
# no local listener).
fs_stall_run() {
	local port=$1 conns=$2 label=$3 out client stolen server l0 g0 n0 p0; shift 3
	local envs=()
	while [ "$1" != -- ]; do envs+=("$1"); shift; done
	shift
	out=$(mktemp)
	stolen=$(fs_stat stolen) l0=$(fs_stat local_accepts) g0=$(fs_stat global_accepts)
	n0=$(fs_stat lent_accepts) p0=$(fs_stat spawns)
	ip netns exec srv env "${envs[@]}" "${FS_STALL_VIA[@]}" "$FS_BIN/stall" \
		-a 10.77.0.1 -p "$port" "$@" >"$out" &
	server=$!
	[ ${#FS_STALL_VIA[@]} -eq 0 ] || fs_stall_first_request "$port" ||
		{ cat "$out"; fail "$label: the first request was not answered"; }
	wait_for_line "$out" ready || { cat "$out"; fail "$label: server did not start"; }
	client=$(ip netns exec cli "$FS_BIN/prefork" client -a 10.77.0.1 \
		-p "$port" -n "$conns" -c 8 -b 2000)
	[ -z "$FS_STALL_HOOK" ] || "$FS_STALL_HOOK" "$server"
	kill -TERM $server; wait $server
	echo "$label: $(echo "$client" | tr '\n' ' ') $(tail -n 1 "$out") stolen $(( $(fs_stat stolen) - stolen ))" \
		"module-local $(( $(fs_stat local_accepts) - l0 )) module-global $(( $(fs_stat global_accepts) - g0 ))" \
		"lent $(( $(fs_stat lent_accepts) - n0 )) spawns $(( $(fs_stat spawns) - p0 ))"
}

# fs_field LINE KEY: the word after the first KEY in LINE.
fs_field() { echo "$1" | awk -v k="$2" '{ for (i = 1; i < NF; i++) if ($i == k) { print $(i + 1); exit } }'; }

# The library, quiet, for fs_stall_run's env.
FS_PRELOAD=("LD_PRELOAD=$FS_LIB" FASTSOCKET_QUIET=1)
