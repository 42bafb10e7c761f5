# Reading /proc/net/fastsocket in test cases (sourced after lib.sh).
# shellcheck shell=bash

# fs_losses_ok FAILED DONE: no connection was lost; a loss is named in a
# NOTE line as well as failing the case, so that a log shows it at a glance.
fs_losses_ok() {
	[ "$1" -eq 0 ] && return 0
	echo "NOTE: LOST $1 of $2 connections"
	return 1
}

# fs_stat NAME: the "total" line's value of column NAME.
fs_stat() {
	awk -v name="$1" '
		NR == 1 { for (i = 1; i <= NF; i++) col[$i] = i }
		$1 == "total" { print $(col[name]); found = 1 }
		END { exit !found }' /proc/net/fastsocket
}

# fs_tcp_counters [NS]: the Tcp and TcpExt counters that tell how a
# listener's connections went, in namespace NS (default: srv). Each group
# in /proc/net/netstat and snmp is a line of names, then one of values.
fs_tcp_counters() {
	ip netns exec "${1:-srv}" cat /proc/net/netstat /proc/net/snmp | awk \
		-v keys="TCPMigrateReqSuccess TCPMigrateReqFailure ListenOverflows ListenDrops TCPReqQFullDrop TCPAbortOnClose TCPAbortOnData OutRsts" '
		$1 !~ /^Tcp/ { next }
		!($1 in hdr) { hdr[$1] = 1; for (i = 2; i <= NF; i++) name[$1, i] = $i; next }
		{ for (i = 2; i <= NF; i++) val[name[$1, i]] = $i }
		END { n = split(keys, k, " "); for (j = 1; j <= n; j++) printf "%s=%s ", k[j], val[k[j]] }'
}

# fs_listeners: how many listeners the module still watches.
fs_listeners() { awk '$1 == "listeners" { print $2 }' /proc/net/fastsocket; }

# fs_wait_no_listeners: the sweep forgets closed listeners within a second.
fs_wait_no_listeners() {
	local i
	for i in $(seq 30); do
		[ "$(fs_listeners)" = 0 ] && return 0
		sleep 0.1
	done
	return 1
}

# fs_sockets [NS]: the sockets in use in namespace NS (default: this one).
fs_sockets() {
	if [ -n "${1:-}" ]; then
		ip netns exec "$1" awk '$1 == "sockets:" { print $3 }' /proc/net/sockstat
	else
		awk '$1 == "sockets:" { print $3 }' /proc/net/sockstat
	fi
}

# fs_sockets_back BEFORE [NS]: the count is back to BEFORE within 10 s.
fs_sockets_back() {
	local i
	for i in $(seq 100); do
		[ "$(fs_sockets "${2:-}")" = "$1" ] && return 0
		sleep 0.1
	done
	echo "sockets in use: $1 before, $(fs_sockets "${2:-}") now"
	return 1
}
