# Boots one kernel in qemu (software emulation) with the host's root shared
# read-only over 9p and OUT shared writable for results; the guest runs
# tests/vm/runner and powers off.
# shellcheck shell=bash

FS_VCPUS=${FASTSOCKET_VCPUS:-4}
# Multi-threaded TCG runs a stale int3 of the kernel's text patching now
# and then when a static key flips while other vCPUs run the patched code:
# sched_clock's "stable" key, flipped by a late initcall, crashed 7.3 in
# sched_clock_cpu twice in a row in CI, and 2 boots in 12 here with the
# host's two cores kept busy (0 in 12 idle). So the kernel boots on one
# CPU (maxcpus=1 in vm_boot) and tests/vm/runner brings the others online
# once the initcalls are done: 0 crashes in 8 such loaded boots.
# Single-threaded TCG avoids it too but made case 080 stall on the
# sanitizer 6.1 kernel twice in four runs; multi passed it every time.
FS_TCG_THREAD=${FASTSOCKET_TCG_THREAD:-multi}
# TCG's "max" CPU offers 5-level paging; the KASAN 6.12 kernel then takes
# an early interrupt on a direct-map address its shadow does not cover yet
# (wild-memory-access in start_kernel; two boots in a row in CI). Three
# boots without 5-level paging were clean.
FS_CPU=${FASTSOCKET_CPU:-max,la57=off}
# The qemu to run, more of its arguments and of the kernel's command line
# (bench/insn-count: Debian 13's qemu, its TCG plugin, instruction
# counting, and idle without polling).
FS_QEMU=(qemu-system-x86_64)
FS_QEMU_ARGS=()
FS_KERNEL_APPEND=

# vm_boot REL OUT MEM LIMIT: one boot, console in OUT/console.log.
vm_boot() {
	local append="console=ttyS0 loglevel=7 panic=-1 maxcpus=1 fsroot=$FS_ROOT $FS_KERNEL_APPEND"
	# The sanitizer kernels run ACPI's interpreter so slowly that the PCI
	# host bridge's _PRT method hits ACPI's 30 s loop timeout once per
	# virtio device (54 s of their boot, and no INTx route anyway): take
	# the legacy interrupt routes from the BIOS's table instead (the
	# devices use MSI-X).
	[ "$K_DEBUG" = 1 ] && append+=" pci=noacpi"
	timeout -k 10 "$4" "${FS_QEMU[@]}" \
		-nodefaults -no-user-config -no-reboot -display none \
		-accel tcg,thread="$FS_TCG_THREAD" -cpu "$FS_CPU" -smp "$FS_VCPUS" -m "$3" \
		-kernel "$K_VMLINUZ" -initrd "$FS_BUILD/kernels/$1/initramfs.cpio.gz" \
		-append "$append" \
		-virtfs local,path=/,mount_tag=hostroot,security_model=none,readonly=on \
		-virtfs local,path="$2",mount_tag=fsout,security_model=none \
		"${FS_QEMU_ARGS[@]}" -serial stdio </dev/null 2>&1 |
		tee "$2/console.log" | grep --line-buffered '^@@' | sed -u 's/^@@ /    /'
	return "${PIPESTATUS[0]}"
}

# vm_run REL OUT TESTS...: returns qemu's status (124: timed out).
vm_run() {
	local rel=$1 out=$2 mem limit; shift 2
	kernel_vars "$rel"
	# Bounds for a hung guest, with room for a slow host: a whole run
	# once took 1.6 times as long on this machine as an hour earlier.
	if [ "$K_DEBUG" = 1 ]; then
		mem=3072; limit=${FASTSOCKET_VM_TIMEOUT:-3600}
	else
		mem=1536; limit=${FASTSOCKET_VM_TIMEOUT:-1500}
	fi
	cat >"$out/config" <<-CONF
	FS_ROOT='$FS_ROOT'
	FS_BUILD='$FS_BUILD'
	FS_KERNEL='$rel'
	FS_DEBUG_KERNEL=$K_DEBUG
	FS_SANITIZER_SHARE='${FS_SANITIZER_SHARE:-0/1}'
	FS_KO='$FS_BUILD/kernels/$rel/src/kmod/fastsocket.ko'
	FS_KO_PROBES_OFF='$FS_BUILD/kernels/$rel/probes-off/src/kmod/fastsocket.ko'
	FS_TESTS='$*'
	FS_TEST_TIMEOUT=${FASTSOCKET_TEST_TIMEOUT:-$((K_DEBUG ? 900 : 300))}
	CONF
	# Settings of the guest's scripts (the benchmark's), exported there.
	local v
	for v in ${FS_GUEST_VARS:-}; do
		printf 'export %s=%q\n' "$v" "${!v-}"
	done >>"$out/config"
	local rc boots=1 began=$SECONDS
	vm_boot "$rel" "$out" "$mem" "$limit"
	rc=$?
	# A kernel that dies, or reports a splat, before the runner starts its
	# tests has not met the module yet: boot again, up to 3 boots in all
	# when each failed one ended within 5 minutes (a crash, not a hang),
	# and keep their console logs.
	while ! grep -q '^@@ booted' "$out/console.log" && [ $boots -lt 3 ] &&
		{ [ $boots = 1 ] || [ $((SECONDS - began)) -lt 300 ]; }; do
		mv "$out/console.log" "$out/console.boot-failed.$boots.log"
		echo "    the VM died or reported a splat before the tests started (console.boot-failed.$boots.log); booting again"
		boots=$((boots + 1)) began=$SECONDS
		vm_boot "$rel" "$out" "$mem" "$limit"
		rc=$?
	done
	return $rc
}
