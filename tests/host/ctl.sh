# fastsocketctl against a made-up /sys and /proc ($FASTSOCKETCTL_ROOT):
# tune, on the interfaces of the allow-list (by default the physical
# ones), sets RPS on every online CPU but the isolated ones, XPS and the
# NIC's interrupt affinity one CPU (of its NUMA node) each in turn (a
# virtio-net's on its PCI function, never a bridge's), and names a running
# irqbalance; with enable_receive_cpu_selection=1 RFS (flow counts and the
# table), with enable_skb_pool's receive bit net.core.skb_defer_max where
# it is 0, and neither with the switches off; it saves every old value
# first, and untune puts every file back byte for byte.
# stats --json, status, and a caller without capabilities.
. "$(dirname "$0")/../lib/common.sh"
ctl=$FS_ROOT/src/ctl/fastsocketctl
[ -x "$ctl" ] || { echo "FAIL: $ctl not built"; exit 1; }
fail() { echo "FAIL: $*"; exit 1; }
R=$(mktemp -d)
trap 'rm -rf "$R"' EXIT
export FASTSOCKETCTL_ROOT=$R

put() { mkdir -p "$(dirname "$R$1")" && printf '%s\n' "$2" >"$R$1"; }
get() { cat "$R$1"; }
put /sys/devices/system/cpu/online 0-5,33
put /proc/sys/net/core/rps_sock_flow_entries 0
put /proc/sys/net/core/skb_defer_max 0
params=/sys/module/fastsocket/parameters
put $params/enable_receive_cpu_selection 1
put $params/enable_skb_pool 3
put /sys/class/net/lo/queues/rx-0/rps_cpus 0
for q in 0 1; do
	put /sys/class/net/eth0/queues/rx-$q/rps_cpus 00000000,00000000
	put /sys/class/net/eth0/queues/rx-$q/rps_flow_cnt 0
	put /sys/class/net/eth0/queues/tx-$q/xps_cpus 00000000,00000000
done
mkdir -p "$R/sys/class/net/eth0/queues/tx-2"	# no XPS there
put /sys/class/net/veth0/queues/rx-0/rps_cpus 0
put /sys/class/net/veth0/queues/rx-0/rps_flow_cnt 0
for irq in 40 41 42 43 44 45 46 47; do
	put /sys/class/net/eth0/device/msi_irqs/$irq msix
	put /proc/irq/$irq/smp_affinity_list 0-5,33
done
# A virtio-net NIC: its vectors are on the PCI function above it.
pci=/sys/devices/pci0000:00/0000:00:03.0
mkdir -p "$R$pci/virtio1" "$R/sys/class/net/eth1" "$R/sys/bus/virtio"
ln -s ../../../bus/virtio "$R$pci/virtio1/subsystem"
ln -s "../../../..$pci/virtio1" "$R/sys/class/net/eth1/device"
put /sys/class/net/eth1/queues/rx-0/rps_cpus 0
put /sys/class/net/eth1/queues/rx-0/rps_flow_cnt 0
put /sys/class/net/eth1/queues/tx-0/xps_cpus 0
for irq in 50 51 52; do
	put $pci/msi_irqs/$irq msix
	put /proc/irq/$irq/smp_affinity_list 0-5,33
done
# A device of another bus with no vectors, under a bridge that has some:
# the bridge's are not the NIC's.
bridge=/sys/devices/pci0000:00/0000:00:1c.0
mkdir -p "$R$bridge/usb1" "$R/sys/class/net/usb0"
ln -s ../../../bus/usb "$R$bridge/usb1/subsystem"
ln -s "../../../..$bridge/usb1" "$R/sys/class/net/usb0/device"
put /sys/class/net/usb0/queues/rx-0/rps_cpus 0
put /sys/class/net/usb0/queues/rx-0/rps_flow_cnt 0
put $bridge/msi_irqs/60 msi
put /proc/irq/60/smp_affinity_list 0-5,33
snapshot() { (cd "$R" && find sys proc -type f | sort | xargs md5sum); }
before=$(snapshot)

# --dry-run shows each change and makes none; without the module tune
# refuses and changes nothing. Without an allow-list only the interfaces
# with a device of their own are tuned: veth0 is left.
msg=$("$ctl" tune --dry-run) || fail "tune --dry-run: $msg"
echo "$msg" | grep -qx "/sys/class/net/eth0/queues/rx-0/rps_cpus: 00000000,00000000 -> 2,0000003f" ||
	fail "tune --dry-run does not show eth0's RPS change: $msg"
echo "$msg" | grep -qx "interfaces (physical interfaces only): eth0 eth1 usb0; 1 other left as they are" ||
	fail "tune --dry-run by default does not name the physical interfaces: $msg"
echo "$msg" | grep -q "/veth0/" && fail "tune --dry-run by default plans veth0: $msg"
echo "$msg" | grep -qx "dry run: nothing changed (24 files on 7 CPUs)" || fail "tune --dry-run said: $msg"
[ "$(snapshot)" = "$before" ] && [ ! -e "$R/run/fastsocket/tune.saved" ] || fail "tune --dry-run changed something"
echo "ok: tune --dry-run by default: the 3 physical interfaces, veth0 left"

# The allow-list: names and patterns, with comments; --interface instead.
put /etc/fastsocket/interfaces "$(printf '# tuned by fastsocketctl\neth*\n  veth0   # the test pair\n\nusb0\n')"
msg=$("$ctl" tune --dry-run) || fail "tune --dry-run with an allow-list: $msg"
echo "$msg" | grep -qx "interfaces (/etc/fastsocket/interfaces): eth0 eth1 usb0 veth0" ||
	fail "tune --dry-run with an allow-list: $msg"
echo "$msg" | grep -qx "dry run: nothing changed (26 files on 7 CPUs)" || fail "tune --dry-run with an allow-list said: $msg"
msg=$("$ctl" tune --dry-run --interface eth1) || fail "tune --dry-run --interface eth1: $msg"
echo "$msg" | grep -qx "interfaces (--interface): eth1; 3 others left as they are" ||
	fail "tune --interface eth1: $msg"
echo "$msg" | grep -qx "dry run: nothing changed (8 files on 7 CPUs)" || fail "tune --interface eth1 said: $msg"
"$ctl" tune --dry-run --interface >/dev/null 2>&1 && fail "tune --interface without a name succeeded"
echo "ok: the allow-list (patterns, comments) takes veth0 in; --interface eth1 tunes eth1 alone"

# Isolated CPUs get no softirq work; a NIC's interrupts stay on its NUMA
# node's CPUs; irqbalance, which would move them again, is named.
put /sys/devices/system/cpu/isolated 2-3
put /sys/class/net/eth0/device/numa_node 1
put /sys/devices/system/node/node1/cpulist 3-5,33
put /proc/4242/comm irqbalance
msg=$("$ctl" tune --dry-run 2>&1) || fail "tune --dry-run with isolated CPUs: $msg"
for line in "/sys/class/net/eth0/queues/rx-0/rps_cpus: 00000000,00000000 -> 2,00000033" \
	"2 isolated CPUs left out" \
	"/proc/irq/40/smp_affinity_list: 0-5,33 -> 4" "/proc/irq/41/smp_affinity_list: 0-5,33 -> 5" \
	"/proc/irq/42/smp_affinity_list: 0-5,33 -> 33" "/proc/irq/43/smp_affinity_list: 0-5,33 -> 4" \
	"/proc/irq/52/smp_affinity_list: 0-5,33 -> 4" "dry run: nothing changed (26 files on 5 CPUs)"; do
	echo "$msg" | grep -qxF "$line" || fail "tune --dry-run with CPUs 2-3 isolated, eth0 on node 1: no '$line' in: $msg"
done
echo "$msg" | grep -q "warning: irqbalance is running" || fail "tune did not warn of irqbalance: $msg"
rm -rf "$R/sys/devices/system/cpu/isolated" "$R/sys/class/net/eth0/device/numa_node" \
	"$R/sys/devices/system/node" "$R/proc/4242"
[ "$(snapshot)" = "$before" ] || fail "tune --dry-run with isolated CPUs changed something"
echo "ok: CPUs 2-3 isolated: RPS on 0,1,4,5,33; eth0's interrupts on its node's 4,5,33; irqbalance named"
mv "$R/sys/module/fastsocket" "$R/module"
msg=$("$ctl" tune 2>&1) && fail "tune without the module succeeded: $msg"
echo "$msg" | grep -q "the module is not loaded" || fail "tune without the module said: $msg"
mv "$R/module" "$R/sys/module/fastsocket"
[ "$(snapshot)" = "$before" ] && [ ! -e "$R/run/fastsocket/tune.saved" ] || fail "tune without the module changed something"
"$ctl" tune --dry-run --x >/dev/null 2>&1 && fail "tune with a bad option succeeded"
echo "ok: tune --dry-run shows 26 changes and makes none; without the module tune refuses: $msg"

"$ctl" tune || fail "tune"
want() { [ "$(get "$1")" = "$2" ] || fail "after tune $1 is '$(get "$1")', want '$2'"; }
want /sys/class/net/eth0/queues/rx-0/rps_cpus 2,0000003f
want /sys/class/net/eth0/queues/rx-1/rps_cpus 2,0000003f
want /sys/class/net/eth0/queues/rx-1/rps_flow_cnt 16384
want /sys/class/net/veth0/queues/rx-0/rps_flow_cnt 32768
want /sys/class/net/eth0/queues/tx-0/xps_cpus 1
want /sys/class/net/eth0/queues/tx-1/xps_cpus 2
want /proc/irq/40/smp_affinity_list 0
want /proc/irq/45/smp_affinity_list 5
want /proc/irq/46/smp_affinity_list 33
want /proc/irq/47/smp_affinity_list 0
want /proc/sys/net/core/rps_sock_flow_entries 32768
want /proc/sys/net/core/skb_defer_max 64
want /sys/class/net/lo/queues/rx-0/rps_cpus 0
want /proc/irq/50/smp_affinity_list 0
want /proc/irq/52/smp_affinity_list 2
want /sys/class/net/usb0/queues/rx-0/rps_cpus 2,0000003f
want /proc/irq/60/smp_affinity_list 0-5,33
[ ! -e "$R/sys/class/net/eth0/queues/tx-2/xps_cpus" ] || fail "tune made a file"
echo "ok: tune: RPS on CPUs 0-5,33 (mask 2,0000003f), flow counts, XPS, 8 IRQs in turn and a virtio NIC's 3 on its PCI function, RFS table, skb_defer_max 0 -> 64; lo and a bridge's IRQ untouched"
saved=$(wc -l <"$R/run/fastsocket/tune.saved")
[ "$saved" = 26 ] || fail "tune saved $saved values, want 26"
"$ctl" status | grep -qx "tuning: on (26 values saved in /run/fastsocket/tune.saved)" || fail "status: $("$ctl" status)"
"$ctl" tune | grep -q "already tuned" || fail "a second tune did not say it was tuned"
[ "$(wc -l <"$R/run/fastsocket/tune.saved")" = 26 ] || fail "a second tune changed the saved values"
echo "ok: status says tuned; a second tune changes nothing"

"$ctl" untune || fail "untune"
[ "$(snapshot)" = "$before" ] || { diff <(echo "$before") <(snapshot); fail "untune did not restore every file"; }
[ ! -e "$R/run/fastsocket/tune.saved" ] || fail "untune left the saved values"
"$ctl" untune | grep -q "not tuned" || fail "a second untune"
"$ctl" status | grep -qx "tuning: off" || fail "status after untune"
echo "ok: untune restored all 26 files exactly"

# untune converges: a file gone since tune (its device removed) counts as
# restored, and is said; a value that cannot be written is kept alone in
# tune.saved for the next untune, and tune refuses until then.
"$ctl" tune >/dev/null || fail "tune before removing a device"
mv "$R/sys/class/net/veth0" "$R/veth0" && mv "$R/proc/irq/47" "$R/irq47"
msg=$("$ctl" untune 2>&1) || fail "untune with a device gone failed: $msg"
echo "$msg" | grep -q "^/sys/class/net/veth0/queues/rx-0/rps_cpus is gone" ||
	fail "untune did not say veth0 is gone: $msg"
echo "$msg" | grep -q "^/proc/irq/47/smp_affinity_list is gone" || fail "untune did not say IRQ 47 is gone: $msg"
[ ! -e "$R/run/fastsocket/tune.saved" ] || fail "untune kept tune.saved with a device gone"
"$ctl" tune | grep -q "^tuned:" || fail "tune after an untune with a device gone"
"$ctl" untune >/dev/null || fail "untune after tune again"
rm -rf "$R/veth0" "$R/irq47"
put /sys/class/net/veth0/queues/rx-0/rps_cpus 0
put /sys/class/net/veth0/queues/rx-0/rps_flow_cnt 0
put /proc/irq/47/smp_affinity_list 0-5,33
[ "$(snapshot)" = "$before" ] || fail "untune with a device gone did not restore the rest"
echo "ok: untune with an interface and an IRQ gone: said, counted as restored, tune works again"
"$ctl" tune >/dev/null || fail "tune before a value that cannot be written"
xps=/sys/class/net/eth0/queues/tx-1/xps_cpus
rm "$R$xps" && mkdir "$R$xps"
msg=$("$ctl" untune 2>&1) && fail "untune succeeded with a value it could not write: $msg"
echo "$msg" | grep -q "1 values not restored" || fail "untune said: $msg"
[ "$(cat "$R/run/fastsocket/tune.saved")" = "$(printf '%s\t00000000,00000000' $xps)" ] ||
	fail "tune.saved holds $(cat "$R/run/fastsocket/tune.saved"), want only $xps"
"$ctl" tune | grep -q "already tuned" || fail "tune with a value not restored did not refuse"
rmdir "$R$xps" && put $xps 2
"$ctl" untune >/dev/null || fail "untune once the value can be written"
[ "$(snapshot)" = "$before" ] || fail "the second untune did not restore every file"
echo "ok: a value that cannot be written: untune fails, keeps that one value alone, and the next untune finishes"

# The switches off (the module's defaults): RPS, XPS and IRQs only; an
# skb_defer_max set by the administrator is kept with the switch on.
put $params/enable_receive_cpu_selection 0
put $params/enable_skb_pool 2
"$ctl" tune >/dev/null || fail "tune with the switches off"
want /sys/class/net/eth0/queues/rx-1/rps_cpus 2,0000003f
want /sys/class/net/eth0/queues/rx-1/rps_flow_cnt 0
want /proc/sys/net/core/rps_sock_flow_entries 0
want /proc/sys/net/core/skb_defer_max 0
[ "$(wc -l <"$R/run/fastsocket/tune.saved")" = 19 ] || fail "tune with the switches off saved $(wc -l <"$R/run/fastsocket/tune.saved") values, want 19"
"$ctl" untune >/dev/null || fail "untune with the switches off"
put /proc/sys/net/core/skb_defer_max 32
put $params/enable_skb_pool 1
"$ctl" tune >/dev/null || fail "tune with skb_defer_max 32"
want /proc/sys/net/core/skb_defer_max 32
"$ctl" untune >/dev/null || fail "untune with skb_defer_max 32"
put /proc/sys/net/core/skb_defer_max 0
put $params/enable_receive_cpu_selection 1
put $params/enable_skb_pool 3
[ "$(snapshot)" = "$before" ] || fail "untune with the switches off did not restore every file"
echo "ok: switches off: RPS without RFS, skb_defer_max left; an administrator's skb_defer_max 32 kept"

# tune --add (udev runs it as an interface appears): a new interface in
# scope gets its share and its old values join tune.saved; the tuned ones
# are left; without a tune there is nothing to add to; untune restores all.
msg=$("$ctl" tune --add) || fail "tune --add before tune: $msg"
echo "$msg" | grep -q "^not tuned: nothing to add to" && [ ! -e "$R/run/fastsocket/tune.saved" ] ||
	fail "tune --add before tune: $msg"
"$ctl" tune >/dev/null || fail "tune before an interface appears"
mkdir -p "$R/sys/class/net/eth2/device"
put /sys/class/net/eth2/queues/rx-0/rps_cpus 0
put /sys/class/net/eth2/queues/rx-0/rps_flow_cnt 0
put /sys/class/net/eth2/queues/tx-0/xps_cpus 0
msg=$("$ctl" tune --add) || fail "tune --add: $msg"
echo "$msg" | grep -qx "interfaces (/etc/fastsocket/interfaces): eth2; 4 already tuned" &&
	echo "$msg" | grep -qx "tuned: 3 values added for 1 interfaces (4 in scope already tuned)" ||
	fail "tune --add with eth2 new: $msg"
want /sys/class/net/eth2/queues/rx-0/rps_cpus 2,0000003f
want /sys/class/net/eth2/queues/rx-0/rps_flow_cnt 32768
[ "$(wc -l <"$R/run/fastsocket/tune.saved")" = 29 ] || fail "tune --add left $(wc -l <"$R/run/fastsocket/tune.saved") saved values, want 29"
msg=$("$ctl" tune --add) || fail "a second tune --add: $msg"
echo "$msg" | grep -qx "tuned: 0 values added for 0 interfaces (5 in scope already tuned)" ||
	fail "a second tune --add: $msg"
"$ctl" tune --add --dry-run >/dev/null 2>&1 && fail "tune --add --dry-run succeeded"
"$ctl" untune >/dev/null || fail "untune after tune --add"
[ "$(get /sys/class/net/eth2/queues/rx-0/rps_cpus)" = 0 ] || fail "untune did not restore eth2"
rm -rf "$R/sys/class/net/eth2"
[ "$(snapshot)" = "$before" ] || fail "untune after tune --add did not restore every file"
echo "ok: tune --add: a new interface tuned and saved (3 values), the rest left, a second --add adds nothing; untune restores it too"

if command -v setpriv >/dev/null; then
	msg=$(setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=-all "$ctl" tune 2>&1) &&
		fail "tune without capabilities succeeded"
	echo "$msg" | grep -q "missing capability CAP_NET_ADMIN" || fail "tune as nobody said: $msg"
	[ "$(snapshot)" = "$before" ] || fail "tune as nobody changed files"
	echo "ok: tune as nobody: '$(echo "$msg" | head -n 1)', nothing changed"
fi

# In a network namespace other than the first, there is no RFS table and
# no skb_defer_max: tune says so and does the rest.
mv "$R/proc/sys/net/core/rps_sock_flow_entries" "$R/flows"
mv "$R/proc/sys/net/core/skb_defer_max" "$R/defer"
msg=$("$ctl" tune 2>&1) || fail "tune without the RFS table: $msg"
echo "$msg" | grep -q "no net.core.rps_sock_flow_entries in this network namespace" ||
	fail "tune without the RFS table said: $msg"
echo "$msg" | grep -q "no net.core.skb_defer_max in this network namespace" ||
	fail "tune without skb_defer_max said: $msg"
[ "$(get /sys/class/net/eth0/queues/rx-1/rps_flow_cnt)" = 16384 ] || fail "tune without the RFS table did not tune the rest"
"$ctl" untune >/dev/null || fail "untune after tune without the RFS table"
mv "$R/flows" "$R/proc/sys/net/core/rps_sock_flow_entries"
mv "$R/defer" "$R/proc/sys/net/core/skb_defer_max"
[ "$(snapshot)" = "$before" ] || fail "untune after tune without the RFS table did not restore every file"
echo "ok: without the RFS table and skb_defer_max (another network namespace), tune says so and tunes the rest"

put /proc/net/fastsocket "cpu      spawns local_accepts global_accepts stranded_wakeups errors stolen
cpu0          1             7              2                0      0      3
cpu1          0             5              0                1      0      0
total         1            12              2                1      0      3
listeners 1"
json=$("$ctl" stats --json)
echo "$json" | grep -q '^{"time":[0-9]*\.[0-9]\{3\},"cpus"' || fail "stats --json has no time: $json"
[ "$(echo "$json" | sed 's/^{"time":[0-9.]*,/{/')" = '{"cpus":[{"cpu":0,"spawns":1,"local_accepts":7,"global_accepts":2,"stranded_wakeups":0,"errors":0,"stolen":3},{"cpu":1,"spawns":0,"local_accepts":5,"global_accepts":0,"stranded_wakeups":1,"errors":0,"stolen":0}],"total":{"spawns":1,"local_accepts":12,"global_accepts":2,"stranded_wakeups":1,"errors":0,"stolen":3},"listeners":1,"local_share":0.8571}' ] ||
	fail "stats --json: $json"
[ "$("$ctl" stats -n 2 | grep -c '^total')" = 2 ] || fail "stats -n 2 did not print twice"
# Watching: the second output gives rates since the first. The counters
# move between them (a helper rewrites the file after 0.5 s).
( sleep 0.5; sed -i 's/^total         1            12/total         1            22/' "$R/proc/net/fastsocket" ) &
out=$("$ctl" stats -n 2)
wait
echo "$out" | grep -q '^per second over the last 1\.[0-9] s$' || fail "stats -n 2: no rates: $out"
rate=$(echo "$out" | awk '$1 == "total" { n++; if (n == 2) print $3 }')
awk -v r="$rate" 'BEGIN { exit !(r >= 8 && r <= 10.1) }' || fail "stats -n 2: local_accepts rate $rate, want 10 / the interval"
second=$("$ctl" stats --json -n 2 | tail -n 1)
echo "$second" | grep -q '"interval":[0-9.]*,"rates":{"spawns":0.00,"local_accepts":0.00,' ||
	fail "stats --json -n 2: no rates in the second line: $second"
prom=$("$ctl" stats --prometheus)
for line in '# TYPE fastsocket_local_accepts_total counter' 'fastsocket_local_accepts_total{cpu="1"} 5' \
	'fastsocket_stolen_total{cpu="0"} 3' '# TYPE fastsocket_listeners gauge' 'fastsocket_listeners 1'; do
	echo "$prom" | grep -qxF "$line" || fail "stats --prometheus lacks '$line': $prom"
done
[ "$(echo "$prom" | grep -c '^fastsocket_local_accepts_total{')" = 2 ] ||
	fail "stats --prometheus: want one local_accepts sample per CPU, no total: $prom"
"$ctl" stats -n 0 2>/dev/null; [ $? = 2 ] || fail "stats -n 0 was not refused"
"$ctl" stats --json extra 2>/dev/null; [ $? = 2 ] || fail "stats with an extra argument was not refused"
rm "$R/proc/net/fastsocket"
"$ctl" stats 2>/dev/null && fail "stats without the module succeeded"
echo "ok: stats --json (time, local share), -n 2 (rates), --prometheus, bad arguments, and an error without the module"

# status: the processes holding /dev/fastsocket, with their listening
# sockets by address (from their network namespace's tcp tables); one
# without the device is not listed; and the same as JSON.
proc=/proc/4242
mkdir -p "$R$proc/fd" "$R/proc/4343/fd"
ln -s /dev/fastsocket "$R$proc/fd/3"
for i in 1 2 3 4; do ln -s "socket:[100$i]" "$R$proc/fd/$((4 + i))"; done
ln -s "socket:[1001]" "$R/proc/4343/fd/3"
put $proc/comm nginx
put /proc/4343/comm other
hdr='  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode'
put $proc/net/tcp "$hdr
   0: 0100007F:0050 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 1001 1 0000000000000000 100 0 0 10 0
   1: 0100007F:0050 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 1002 1 0000000000000000 100 0 0 10 0
   2: 0100007F:1F90 0100007F:D2F0 01 00000000:00000000 00:00000000 00000000     0        0 1003 1 0000000000000000 20 4 30 10 -1
   3: 0100007F:0051 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 9999 1 0000000000000000 100 0 0 10 0"
put $proc/net/tcp6 "$hdr
   0: 00000000000000000000000000000000:01BB 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 1004 1 0000000000000000 100 0 0 10 0"
out=$("$ctl" status)
echo "$out" | grep -qxF '  4242 nginx: 127.0.0.1:80 (2 sockets), [::]:443 (1 socket)' ||
	fail "status does not list process 4242's listeners: $out"
echo "$out" | grep -q 'other' && fail "status lists a process that does not hold the device: $out"
json=$("$ctl" status --json)
echo "$json" | grep -qF '"processes":[{"pid":4242,"comm":"nginx","listeners":[{"address":"127.0.0.1:80","sockets":2},{"address":"[::]:443","sockets":1}]}],"unreadable_processes":0}' ||
	fail "status --json: processes: $json"
echo "$json" | grep -qF '"module":{"loaded":true,' || fail "status --json: module: $json"
echo "$json" | grep -qF '"enable_receive_cpu_selection":"1"' || fail "status --json: parameters: $json"
echo "$json" | grep -qF '"tuning":{"on":false}' || fail "status --json: tuning: $json"
# With the device's counts in its fdinfo (older modules have none).
put $proc/fdinfo/3 "pos:	0
flags:	02100002
mnt_id:	25
ino:	512
local_accepts:	996
global_accepts:	4
stolen:	2"
out=$("$ctl" status)
echo "$out" | grep -qxF '  4242 nginx: 127.0.0.1:80 (2 sockets), [::]:443 (1 socket); accepts: 996 local, 4 global, 2 stolen (99.6 % local)' ||
	fail "status does not show process 4242's accepts: $out"
"$ctl" status --json | grep -qF '"sockets":1}],"accepts":{"local":996,"global":4,"stolen":2}}]' ||
	fail "status --json: accepts: $("$ctl" status --json)"
"$ctl" status --bogus 2>/dev/null; [ $? = 2 ] || fail "status --bogus was not refused"
rm -rf "$R$proc" "$R/proc/4343"
"$ctl" status | grep -qx 'processes using the module: none' || fail "status with no process: $("$ctl" status)"
echo "ok: status lists the processes using the module, their listeners and accepts; status --json"

# Bash completion: commands, each command's options, interfaces after
# --interface and rfd on|off.
# shellcheck source=/dev/null
. "$FS_ROOT/completion/fastsocketctl"
complete_line() {	# complete_line WORDS...: COMPREPLY for the last word
	COMP_WORDS=("$@") COMP_CWORD=$(($# - 1))
	_fastsocketctl
	echo "${COMPREPLY[*]}"
}
[ "$(complete_line fastsocketctl st)" = "status stats" ] || fail "completion of 'st': $(complete_line fastsocketctl st)"
[ "$(complete_line fastsocketctl stats --p)" = "--prometheus" ] || fail "completion of 'stats --p': $(complete_line fastsocketctl stats --p)"
[ "$(complete_line fastsocketctl stats -n '')" = "" ] || fail "completion after -n offers: $(complete_line fastsocketctl stats -n '')"
[[ " $(complete_line fastsocketctl tune --interface l) " == *" lo "* ]] || fail "completion of 'tune --interface l': $(complete_line fastsocketctl tune --interface l)"
[ "$(complete_line fastsocketctl rfd o)" = "on off" ] || fail "completion of 'rfd o': $(complete_line fastsocketctl rfd o)"
[[ " $(complete_line fastsocketctl rfd on l) " == *" lo "* ]] || fail "completion of 'rfd on l': $(complete_line fastsocketctl rfd on l)"
[ "$(complete_line fastsocketctl rfd status '')" = "" ] || fail "completion after 'rfd status': $(complete_line fastsocketctl rfd status '')"
echo "ok: bash completion of commands, options and interfaces"
