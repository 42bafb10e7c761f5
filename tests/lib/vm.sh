# Boots one kernel in qemu (software emulation) with the host's root shared
# read-only over 9p and OUT shared writable for results; the guest runs
# tests/vm/runner and powers off.
# shellcheck shell=bash

FS_VCPUS=${FASTSOCKET_VCPUS:-4}

# vm_run REL OUT TESTS...: returns qemu's status (124: timed out).
vm_run() {
	local rel=$1 out=$2 mem limit; shift 2
	kernel_vars "$rel"
	if [ "$K_DEBUG" = 1 ]; then
		mem=3072; limit=${FASTSOCKET_VM_TIMEOUT:-2400}
	else
		mem=1536; limit=${FASTSOCKET_VM_TIMEOUT:-900}
	fi
	cat >"$out/config" <<-CONF
	FS_ROOT='$FS_ROOT'
	FS_BUILD='$FS_BUILD'
	FS_KERNEL='$rel'
	FS_DEBUG_KERNEL=$K_DEBUG
	FS_KO='$FS_BUILD/kernels/$rel/src/kmod/fastsocket.ko'
	FS_TESTS='$*'
	FS_TEST_TIMEOUT=${FASTSOCKET_TEST_TIMEOUT:-$((K_DEBUG ? 900 : 300))}
	CONF
	timeout -k 10 "$limit" qemu-system-x86_64 \
		-nodefaults -no-user-config -no-reboot -display none \
		-accel tcg,thread=multi -cpu max -smp "$FS_VCPUS" -m "$mem" \
		-kernel "$K_VMLINUZ" -initrd "$FS_BUILD/kernels/$rel/initramfs.cpio.gz" \
		-append "console=ttyS0 loglevel=7 panic=-1 fsroot=$FS_ROOT" \
		-virtfs local,path=/,mount_tag=hostroot,security_model=none,readonly=on \
		-virtfs local,path="$out",mount_tag=fsout,security_model=none \
		-serial stdio </dev/null 2>&1 |
		tee "$out/console.log" | grep --line-buffered '^@@' | sed -u 's/^@@ /    /'
	return "${PIPESTATUS[0]}"
}
