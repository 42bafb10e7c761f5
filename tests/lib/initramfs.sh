# The guest's initramfs: busybox, tests/vm/init and the kernel modules the
# guest needs before it can mount the host's root over 9p (none on the
# sanitizer kernels, where all of it is built in).
# shellcheck shell=bash

FS_GUEST_MODULES="virtio_pci 9pnet_virtio 9p veth"

# initramfs_build REL OUT
initramfs_build() {
	local rel=$1 out=$2 stage m line ko
	kernel_vars "$rel"
	stage=$(mktemp -d)
	mkdir -p "$stage"/{bin,dev,proc,sys,modules,newroot}
	cp /bin/busybox "$stage/bin/busybox" || return 1
	cp "$FS_ROOT/tests/vm/init" "$stage/init" && chmod 755 "$stage/init"
	: >"$stage/modules/order"
	for m in $FS_GUEST_MODULES; do
		modprobe -d "$K_ROOT" -S "$rel" --show-depends "$m" || return 1
	done | awk '$1 == "insmod" && !seen[$2]++ { print $2 }' |
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
