# The guest's initramfs: busybox, tests/vm/init and the kernel modules the
# guest needs before it can mount the host's root over 9p (none on the
# sanitizer kernels, where all of it is built in), and those tests use
# where the kernel has them (sock_diag for TCP, which ss needs to show a
# socket's cgroup; kTLS for case 210; the sanitizer kernels lack both).
# shellcheck shell=bash

FS_GUEST_MODULES="virtio_pci 9pnet_virtio 9p veth"
FS_GUEST_OPTIONAL_MODULES="tcp_diag tls"

# initramfs_build REL OUT
initramfs_build() {
	local rel=$1 out=$2 stage m line ko deps=
	kernel_vars "$rel"
	for m in $FS_GUEST_MODULES; do
		deps+=$(modprobe -d "$K_ROOT" -S "$rel" --show-depends "$m")$'\n' || return 1
	done
	for m in $FS_GUEST_OPTIONAL_MODULES; do
		deps+=$(modprobe -d "$K_ROOT" -S "$rel" --show-depends "$m" 2>/dev/null)$'\n'
	done
	stage=$(mktemp -d)
	mkdir -p "$stage"/{bin,dev,proc,sys,modules,newroot}
	cp /bin/busybox "$stage/bin/busybox" || return 1
	cp "$FS_ROOT/tests/vm/init" "$stage/init" && chmod 755 "$stage/init"
	: >"$stage/modules/order"
	awk '$1 == "insmod" && !seen[$2]++ { print $2 }' <<<"$deps" |
	while read -r ko; do
		line=$(basename "$ko"); line=${line%.xz}
		case $ko in
		*.xz) xz -dc "$ko" >"$stage/modules/$line" ;;
		*) cp "$ko" "$stage/modules/$line" ;;
		esac
		echo "$line" >>"$stage/modules/order"
	done
	(cd "$stage" && find . | cpio -o -H newc --quiet | gzip -1) >"$out"
	local rc=$?
	rm -rf "$stage"
	return $rc
}
