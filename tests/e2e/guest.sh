#!/bin/bash
# The end-to-end test inside a Debian 12 guest booted with systemd (run by
# fastsocket-e2e.service; the host's tests/e2e/run reads its console).
# "fs_e2e=full" on the kernel command line: the whole life of the packages
# as a user meets it, from the previous release (build/e2e-old: this tree
# with an older version) upgraded under load to this one; "fs_e2e=build":
# the .debs install, build and load on this kernel. Each step prints "@@ ok: ..." or "@@ FAIL: ..."; the last
# line is "@@ e2e PASS" or "@@ e2e FAIL".
export PATH=/usr/sbin:/usr/bin:/sbin:/bin LANG=C.UTF-8
export DEBIAN_FRONTEND=noninteractive
src=/mnt/src out=/mnt/out
mode=$(sed -n 's/.*fs_e2e=\([a-z]*\).*/\1/p' /proc/cmdline)

say() { echo "@@ $*"; }
finish() {
	dmesg >"$out/dmesg-$(uname -r).log"
	say "e2e $1"
	exit 0
}
fail() {
	say "FAIL: $*"
	# What else went wrong in the guest, for a log read from afar.
	systemctl --failed --no-legend --plain | sed 's/^/@@   failed unit: /'
	journalctl -b -p warning --no-pager 2>/dev/null | tail -n 20 | sed 's/^/@@   journal: /'
	finish FAIL
}
step() {	# step WHAT CMD...: CMD's output goes to the step log
	local what=$1; shift
	if "$@" >>"$out/steps.log" 2>&1; then
		say "ok: $what"
	else
		tail -n 30 "$out/steps.log" | sed 's/^/@@   | /'
		fail "$what (command: $*)"
	fi
}

# Everything fastsocketctl tune may change, and the sysctl the module
# turns on while loaded: one "file:value" per line, read by one process
# (not a cat per file, a hundred of them: the upgrade below reads it
# after each load, while DKMS builds).
tuning() {
	grep -Hs '' /sys/class/net/*/queues/rx-*/rps_cpus /sys/class/net/*/queues/rx-*/rps_flow_cnt \
		/sys/class/net/*/queues/tx-*/xps_cpus /proc/irq/*/smp_affinity_list \
		/proc/sys/net/core/rps_sock_flow_entries /proc/sys/net/core/skb_defer_max \
		/proc/sys/net/ipv4/tcp_migrate_req
}
same_tuning() {	# same_tuning WHEN: the tuning is as before the packages
	tuning >/tmp/tuning.now
	diff /tmp/tuning.before /tmp/tuning.now >"$out/tuning-$1.diff" ||
		{ cat "$out/tuning-$1.diff"; return 1; }
}
tuned() {	# tune changed something (RPS on the 4-queue veth, at least)
	tuning >/tmp/tuning.now
	! cmp -s /tmp/tuning.before /tmp/tuning.now &&
		[ "$(cat /sys/class/net/fse0/queues/rx-3/rps_cpus)" != 0 ]
}
# switches_applied TABLE FLOWS DEFER: what tune did for the module's RFS
# and skb pool switches (the RFS table, a queue's flow count of the
# 4-queue veth, net.core.skb_defer_max).
switches_applied() {
	local have
	have=$(cat /proc/sys/net/core/rps_sock_flow_entries \
		/sys/class/net/fse0/queues/rx-3/rps_flow_cnt /proc/sys/net/core/skb_defer_max | paste -sd ' ')
	echo "RFS table, flow count, skb_defer_max: $have"
	[ "$have" = "$1 $2 $3" ]
}
# The MSI-X vectors of the guest's virtio-net NIC (qemu's, on an isolated
# hub), in order: they sit on the PCI function above the virtio device.
nic_irqs() {
	local n
	for n in /sys/class/net/*/device; do
		[ "$(basename "$(readlink -f "$n/subsystem")")" = virtio ] &&
			ls "$n/../msi_irqs" 2>/dev/null
	done | sort -n
}
has_nic_irqs() { [ "$(nic_irqs | wc -l)" -ge 2 ]; }
irqs_spread() {	# tune gave the NIC's vectors one CPU each, in turn
	local irq i=0 ncpu
	ncpu=$(nproc)
	for irq in $(nic_irqs); do
		echo "irq $irq: $(cat "/proc/irq/$irq/smp_affinity_list")"
		[ "$(cat "/proc/irq/$irq/smp_affinity_list")" = $((i % ncpu)) ] || return 1
		i=$((i + 1))
	done
	[ $i -ge 2 ]
}
loaded() { [ -d /sys/module/fastsocket ]; }
unloaded() { ! loaded && [ ! -e /dev/fastsocket ]; }
device_ok() {	# the udev rule's node: root:root 0666 (docs/security.md)
	[ "$(stat -c '%U:%G %a' /dev/fastsocket)" = "root:root 666" ]
}
dkms_built() { dkms status fastsocket | grep -q "$(uname -r).*installed"; }
no_module_files() {
	! dkms status fastsocket | grep -q . &&
		[ -z "$(find /lib/modules -name 'fastsocket.ko*')" ]
}
# Nothing else should hold dpkg's lock in this system; if something does,
# wait for it rather than fail. install_debs DIR: the three .debs in DIR.
install_debs() { apt-get install -y -o DPkg::Lock::Timeout=300 "$1"/fastsocket_*.deb "$1"/libfsocket1_*.deb "$1"/fastsocket-dkms_*.deb; }
new_version=$(cat "$src/VERSION")
old_version=$(cat "$src/build/e2e-old/VERSION" 2>/dev/null)
dkms_has() { dkms status "fastsocket/$1" | grep -q "$(uname -r).*installed"; }
loaded_version() { [ "$(cat /sys/module/fastsocket/version 2>/dev/null)" = "$1" ]; }

# Debian 13's systemd resets the terminal as the unit starts: its escape
# sequence goes on a line of its own, not before the host's first "@@".
echo
# The kernel booted on one CPU (maxcpus=1, tests/e2e/run): bring the
# others online now that boot's static keys have flipped.
for online in /sys/devices/system/cpu/cpu[0-9]*/online; do
	[ "$(cat "$online")" = 1 ] || echo 1 >"$online" || say "cannot bring ${online%/online} online"
done
say "guest up: $(uname -r), $(nproc) CPUs, mode $mode"
: >"$out/steps.log"
# A NIC with 4 queues for RPS and XPS to act on (the virtio-net NIC has one).
step "a veth pair with 4 queues" ip link add fse0 numrxqueues 4 numtxqueues 4 \
	type veth peer name fse1 numrxqueues 4 numtxqueues 4
# shellcheck disable=SC2046 # the numbers, one word each
step "a virtio-net NIC with MSI-X vectors: $(echo $(nic_irqs))" has_nic_irqs
# An administrator turned the deferred skb free off: the skb pool's switch
# turns it back on, and removing the packages must put 0 back.
step "net.core.skb_defer_max 0" sh -c 'echo 0 >/proc/sys/net/core/skb_defer_max'
tuning >/tmp/tuning.before
# The disk holds both kernels' headers, and DKMS builds for every kernel
# that has them; each boot sets the other's aside (on its throw-away
# overlay) so that it builds for its own kernel only, in half the time.
for k in /lib/modules/*; do
	[ "$k" = "/lib/modules/$(uname -r)" ] || rm -f "$k/build" "$k/source"
done
if [ "$mode" = build ]; then
	step "apt install ./fastsocket-dkms ./fastsocket $new_version (DKMS builds the module)" install_debs "$src/build/deb"
else
	[ -n "$old_version" ] || fail "no previous release in build/e2e-old"
	step "apt install the previous release, $old_version (DKMS builds the module)" install_debs "$src/build/e2e-old"
fi
step "dkms status: built and installed for $(uname -r)" dkms_built
step "installing loads nothing" unloaded

if [ "$mode" = build ]; then
	step "modprobe fastsocket" modprobe fastsocket
	step "/dev/fastsocket from the udev rule" udevadm settle
	step "device root:root 0666" device_ok
	step "modprobe -r fastsocket" modprobe -r fastsocket
	finish PASS
fi

# The operator's allow-list (/etc/fastsocket/interfaces): the NIC, which
# tune would take without one, and the test's veths, which it would not.
step "the allow-list names the NIC and the veths" sh -c 'mkdir -p /etc/fastsocket &&
	{ echo "fse*"; for d in /sys/class/net/*/device; do basename "$(dirname "$d")"; done; } >/etc/fastsocket/interfaces &&
	cat /etc/fastsocket/interfaces'
step "systemctl enable --now fastsocket" systemctl enable --now fastsocket
step "module loaded" loaded
step "/dev/fastsocket from the udev rule" udevadm settle
step "device root:root 0666" device_ok
step "tuning applied" tuned
step "no RFS and skb_defer_max left at 0 with the default switches" switches_applied 0 0 0
step "the NIC's interrupts spread one CPU each, in turn" irqs_spread
step "fastsocketctl status says tuned" sh -c 'fastsocketctl status | grep -q "^tuning: on"'
# An interface that appears later is tuned too (udev, fastsocket-tune@);
# once it is gone, untune counts it as restored.
hot_tuned() {
	local i
	ip link add fse2 numrxqueues 2 numtxqueues 2 type veth peer name fse3 \
		numrxqueues 2 numtxqueues 2 || return 1
	for i in $(seq 100); do
		[ "$(cat /sys/class/net/fse2/queues/rx-1/rps_cpus)" != 0 ] && break
		sleep 0.2
	done
	echo "fse2 rx-1 rps_cpus: $(cat /sys/class/net/fse2/queues/rx-1/rps_cpus)"
	systemctl status --no-pager 'fastsocket-tune@fse2.service'
	[ "$(cat /sys/class/net/fse2/queues/rx-1/rps_cpus)" != 0 ] && ip link del fse2
}
step "a veth added later is tuned (udev, fastsocket-tune@fse2)" hot_tuned

# The upgrade, while nginx serves through the library under wrk (one
# thread, one connection for 1 s, then 2 s of pause: requests all the
# way through, and CPU left for DKMS's build, which 8 connections without
# a pause made 3 times as slow under emulation, 2 connections 1.4 times;
# the line says how long it took, and how much of it the tuning checks):
# the unit stays up with its tuning throughout, since nginx holds the old module
# (fastsocket-dkms restarts the unit only where nothing does);
# fastsocketctl says to restart the servers; once they are stopped,
# restarting the unit loads the new module.
step "the nginx drop-in installed" sh -c 'mkdir -p /etc/systemd/system/nginx.service.d &&
	cp /usr/share/doc/fastsocket/examples/nginx-fastsocket.conf /etc/systemd/system/nginx.service.d/fastsocket.conf &&
	systemctl daemon-reload'
step "systemctl start nginx" systemctl start nginx
step "nginx workers carry libfsocket.so" sh -c \
	'grep -q libfsocket "/proc/$(pgrep -f "nginx: worker" | head -n 1)/maps"'
install_debs "$src/build/deb" >"$out/upgrade.log" 2>&1 &
upgrade=$!
runs=0 served=0 untuned=0 began=$SECONDS checking=0
while kill -0 $upgrade 2>/dev/null || [ $runs -eq 0 ]; do
	wrk -t 1 -c 1 -d 1s -H "Connection: close" http://127.0.0.1:80/ >/tmp/wrk.out 2>&1
	grep -q "Socket errors\|Non-2xx" /tmp/wrk.out && fail "wrk saw errors during the upgrade: $(cat /tmp/wrk.out)"
	served=$((served + $(awk '/requests in/ { print $1 }' /tmp/wrk.out)))
	runs=$((runs + 1))
	t0=${EPOCHREALTIME/./}
	tuned || untuned=$((untuned + 1))
	checking=$((checking + ${EPOCHREALTIME/./} - t0))
	sleep 2
done
wait $upgrade || { tail -n 30 "$out/upgrade.log" | sed 's/^/@@   | /'; fail "apt install of $new_version over $old_version"; }
say "ok: apt install of $new_version over $old_version under load: $served requests in $runs wrk runs, 0 errors, $((SECONDS - began)) s ($((checking / 1000000)) s of it checking the tuning)"
# The unit stays up while DKMS builds: no moment without the tuning.
[ $untuned -eq 0 ] || fail "the tuning was off after $untuned of $runs wrk runs during the upgrade"
say "ok: tuned after each of the $runs wrk runs during the upgrade"
step "the unit never failed" sh -c '! journalctl -b -u fastsocket --no-pager | grep -i "failed"'
step "the unit active after the upgrade" systemctl is-active fastsocket
step "tuning applied after the upgrade" tuned
step "apt said to restart the servers" grep -q "servers still use the loaded module" "$out/upgrade.log"
step "dkms status: $new_version installed, $old_version gone" sh -c \
	"dkms status fastsocket/$new_version | grep -q '$(uname -r).*installed' && ! dkms status fastsocket/$old_version | grep -q ."
step "nginx keeps module $old_version loaded" loaded_version "$old_version"
step "fastsocketctl status says to restart the servers" sh -c \
	"fastsocketctl status | tee /dev/stderr | grep -q '^module: version $old_version is loaded, $new_version is installed: restart the servers'"
step "systemctl stop nginx" systemctl stop nginx
# The restart that loads the new module also takes options an operator
# wrote meanwhile.
step "module options from /etc/modprobe.d" sh -c \
	'echo "options fastsocket enable_listen_spawn=2 enable_fastsocket_debug=4 enable_receive_cpu_selection=1 enable_skb_pool=1" >>/etc/modprobe.d/fastsocket.conf'
step "systemctl restart fastsocket" systemctl restart fastsocket
step "module $new_version loaded" loaded_version "$new_version"
step "tuning applied after restart" tuned
step "enable_fastsocket_debug=4 taken" \
	grep -qx 4 /sys/module/fastsocket/parameters/enable_fastsocket_debug
step "enable_receive_cpu_selection=1 enable_skb_pool=1: RFS on, skb_defer_max 64" \
	switches_applied 32768 8192 64

# nginx with the packaged drop-in (LD_PRELOAD in its unit) under wrk.
step "systemctl start nginx" systemctl start nginx
step "nginx workers carry libfsocket.so" sh -c \
	'grep -q libfsocket "/proc/$(pgrep -f "nginx: worker" | head -n 1)/maps"'
accepts() {
	fastsocketctl stats | awk 'NR == 1 { for (i = 1; i <= NF; i++) c[$i] = i }
		function col(n) { return n in c ? $(c[n]) : "none" }
		$1 == "total" { print col("local_accepts"), col("global_accepts"), col("stolen"), col("lent_accepts"), col("pauses"), col("spawns") }'
}
counted() { [[ "$(accepts)" =~ ^[0-9]+( [0-9]+){5}$ ]]; }
step "fastsocketctl stats counts local, global, stolen and lent accepts, pauses and spawns" counted
read -r local0 global0 stolen0 lent0 pauses0 _ <<<"$(accepts)"
step "wrk: 4 threads, 32 connections, 5 s" sh -c \
	'wrk -t 4 -c 32 -d 5s -H "Connection: close" http://127.0.0.1:80/ >/tmp/wrk.out; cat /tmp/wrk.out'
grep -q "Socket errors\|Non-2xx" /tmp/wrk.out && fail "wrk saw errors: $(cat /tmp/wrk.out)"
requests=$(awk '/requests in/ { print $1 }' /tmp/wrk.out)
[ "${requests:-0}" -gt 0 ] || fail "wrk made no request: $(cat /tmp/wrk.out)"
fastsocketctl stats >"$out/stats.txt"
read -r local1 global1 stolen1 lent1 pauses1 spawns <<<"$(accepts)"
locals=$((local1 - local0)) globals=$((global1 - global0)) stolen=$((stolen1 - stolen0))
lent=$((lent1 - lent0)) pauses=$((pauses1 - pauses0))
say "wrk: $requests requests; fastsocketctl stats: $locals local and $globals global accepts ($lent lent), $stolen stolen, $pauses local listeners paused"
sed 's/^/@@   | /' "$out/stats.txt"
# Every answered request was accepted through the module, and over
# loopback (the SYN handled on the sending CPU, a worker on each CPU)
# nearly all locally, but for what the module took from a worker that
# stalled (more than steal_after_ms under emulation) and handed to the
# others through the shared queue, and what its CPU received meanwhile
# (lent: that CPU's listener was lent to the shared one, or paused). A
# stolen connection accepted while its CPU was still lent is counted in
# both, so the misses counted may fall short of the real ones, never
# above them; hence the floor at 0.
[ $((locals + globals)) -ge "$requests" ] ||
	fail "the module accepted $((locals + globals)) connections for $requests requests"
missed=$((globals - stolen - lent))
[ $missed -ge 0 ] || missed=0
[ $((locals * 100)) -ge $(((locals + missed) * 99)) ] ||
	fail "only $locals of $((locals + missed)) accepts whose CPU had a local listener were local ($globals global: $stolen stolen from a stalled worker, $lent lent)"
say "ok: nginx under the drop-in: $locals of $((locals + globals)) accepts local; of the $globals global, $stolen stolen from a stalled worker, $lent lent"
# Lent accepts hide a listener paused without cause, so the pauses are
# bounded apart: nginx (accept_mutex off) keeps its listeners in epoll,
# and the sweep pauses one only when it finds it out of every epoll, in
# the moment of nginx's re-adding it. A pause at each re-add would be
# hundreds in this run; once per local listener is allowed.
[ "$pauses" -le "$spawns" ] ||
	fail "$pauses local listeners paused under wrk, at most $spawns (one per local listener) wanted"
say "ok: $pauses local listeners paused under wrk, at most $spawns"
# The binary upgrade nginx's package makes at each of its own upgrades
# (its postinst runs "invoke-rc.d nginx upgrade": the init script's
# SIGUSR2, then SIGQUIT to the old master). The new master makes its
# environment itself; the library carries itself over (exec.c).
upgraded_nginx() {
	local old new i w
	old=$(cat /run/nginx.pid)
	invoke-rc.d nginx upgrade || return 1
	for i in $(seq 100); do
		kill -0 "$old" 2>/dev/null || break
		sleep 0.1
	done
	! kill -0 "$old" 2>/dev/null || { echo "old master $old still there"; return 1; }
	new=$(cat /run/nginx.pid)
	[ "$new" != "$old" ] && systemctl is-active --quiet nginx ||
		{ echo "master $old, then $new; nginx.service $(systemctl is-active nginx)"; return 1; }
	[ -n "$(pgrep -P "$new")" ] || { echo "no workers under $new"; return 1; }
	for w in $(pgrep -P "$new"); do
		grep -q libfsocket "/proc/$w/maps" || { echo "worker $w without libfsocket.so"; return 1; }
	done
}
step "invoke-rc.d nginx upgrade: nginx active, its new workers carry libfsocket.so" upgraded_nginx
read -r local0 global0 _ <<<"$(accepts)"
step "wrk after nginx's upgrade: 2 threads, 8 connections, 2 s" sh -c \
	'wrk -t 2 -c 8 -d 2s -H "Connection: close" http://127.0.0.1:80/ >/tmp/wrk.out; cat /tmp/wrk.out; ! grep -q "Socket errors\|Non-2xx" /tmp/wrk.out'
read -r local1 global1 _ <<<"$(accepts)"
[ $((local1 - local0)) -gt 0 ] || fail "no local accept after nginx's binary upgrade"
say "ok: after nginx's binary upgrade: $((local1 - local0)) local and $((global1 - global0)) global accepts"
step "systemctl stop nginx" systemctl stop nginx
step "systemctl stop fastsocket" systemctl stop fastsocket
step "stop unloaded the module" unloaded
step "stop restored every tuned value" same_tuning stop
# Receive flow deliver under the unit's sandbox: tune puts its XDP
# program where it would put RPS (bpf(), netlink, CAP_BPF), untune takes
# it off.
step "module options: receive flow deliver instead of RFS" \
	sed -i 's/enable_receive_cpu_selection=1/enable_receive_flow_deliver=1/' /etc/modprobe.d/fastsocket.conf
step "systemctl start fastsocket (receive flow deliver)" systemctl start fastsocket
step "fastsocketctl status: rfd on fse0, XDP program attached" sh -c \
	'fastsocketctl status | tee /dev/stderr | grep -q "^rfd: fse0: on" && ip -o link show fse0 | grep -q " xdp"'
step "systemctl stop fastsocket (receive flow deliver)" systemctl stop fastsocket
step "no XDP program left on fse0" sh -c '! ip -o link show fse0 | grep " xdp"'
step "stop restored every tuned value (receive flow deliver)" same_tuning stop-rfd

step "apt remove fastsocket fastsocket-dkms libfsocket1" apt-get remove -y -o DPkg::Lock::Timeout=300 fastsocket fastsocket-dkms libfsocket1
step "no module loaded, no device" unloaded
step "no module left in DKMS or /lib/modules" no_module_files
step "no tuning left" same_tuning remove
finish PASS
