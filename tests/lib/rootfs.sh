# The system disks for the end-to-end test (tests/e2e): Debian 12
# (bookworm) and Debian 13 (trixie), each made by debootstrap with systemd,
# DKMS, a compiler, nginx and wrk, plus the images and headers of the
# kernels it boots, so that inside the VM `apt install` of the project's
# packages needs no network. Cached in $FS_CACHE/e2e-SUITE until the
# package list or a kernel changes.
# shellcheck shell=bash

# What each release calls the same things: its kernels' compiler, and the
# 64-bit time_t names of Debian 13's libraries.
FS_E2E_COMMON="libbpf1,systemd,systemd-sysv,udev,kmod,initramfs-tools,linux-base,dkms,make,libc6-dev,dwarves,zlib1g,wrk,iproute2,procps,libcap2,e2fsprogs"

# Raise when rootfs_make changes what it makes.
FS_E2E_ROOTFS_FORMAT=4

rootfs_packages() {	# rootfs_packages SUITE
	case $1 in
	bookworm) echo "$FS_E2E_COMMON,gcc,gcc-12,linux-compiler-gcc-12-x86,libelf1,libssl3,nginx-light" ;;
	trixie) echo "$FS_E2E_COMMON,gcc,gcc-14,gcc-14-for-host,libelf1t64,libssl3t64,nginx" ;;
	esac
}

# rootfs_stamp SUITE KERNEL-DEBS...: what the cached disk was made from.
rootfs_stamp() {
	{ echo "$FS_E2E_ROOTFS_FORMAT $(rootfs_packages "$1")"; shift; basename -a "$@"; } |
		sha256sum | cut -c1-16
}

# rootfs_make SUITE DIR KERNEL-DEBS...: debootstrap SUITE into DIR, install
# the kernel packages and make the system boot to multi-user with the test
# unit. Debian 13 comes from the machine's Debian mirror, as the build
# root does (buildroot.sh); its backports' kernels are among the .debs.
rootfs_make() {
	local suite=$1 dir=$2 mirror m rel; shift 2
	mirror=$(apt_mirror bookworm | head -n 1)
	[ -n "$mirror" ] || { log "tests: no Debian mirror in /etc/apt"; return 1; }
	rm -rf "$dir" && mkdir -p "$dir"
	debootstrap --variant=minbase --include="$(rootfs_packages "$suite")" \
		"$suite" "$dir" "$mirror" || return 1
	mkdir -p "$dir/tmp/kdebs" && cp "$@" "$dir/tmp/kdebs/" || return 1
	# No service may start in the chroot while packages install.
	printf '#!/bin/sh\nexit 101\n' >"$dir/usr/sbin/policy-rc.d"
	chmod 755 "$dir/usr/sbin/policy-rc.d"
	chroot "$dir" sh -c 'dpkg -i /tmp/kdebs/*.deb' || return 1
	# From 6.19, Debian's kernel is split (linux-binary-unsigned, modules,
	# base) and nothing of it makes /boot's vmlinuz and initrd: make them
	# as the linux-image package of 6.x does.
	for m in "$dir"/usr/lib/modules/*; do
		rel=$(basename "$m")
		[ -e "$dir/boot/vmlinuz-$rel" ] ||
			cp "$dir/usr/lib/modules/$rel/vmlinuz.unsigned" "$dir/boot/vmlinuz-$rel" || return 1
		[ -e "$dir/boot/initrd.img-$rel" ] ||
			chroot "$dir" update-initramfs -c -k "$rel" || return 1
	done
	rm -rf "$dir/tmp/kdebs" "$dir/usr/sbin/policy-rc.d" "$dir"/var/cache/apt/archives/*.deb
	echo fs-e2e >"$dir/etc/hostname"
	echo "/dev/vda / ext4 rw,errors=remount-ro 0 0" >"$dir/etc/fstab"
	# The console carries the test's output only: no login prompt on it.
	chroot "$dir" systemctl mask serial-getty@ttyS0.service getty@tty1.service \
		systemd-timesyncd.service apt-daily.timer apt-daily-upgrade.timer \
		e2scrub_all.timer fstrim.timer >/dev/null 2>&1
	chroot "$dir" systemctl set-default multi-user.target >/dev/null
	# nginx starts only when the test starts it.
	chroot "$dir" systemctl disable nginx.service >/dev/null 2>&1
	cp "$FS_ROOT/tests/e2e/fastsocket-e2e.service" "$dir/etc/systemd/system/"
	chroot "$dir" systemctl enable fastsocket-e2e.service >/dev/null
}

# rootfs_dir SUITE: where SUITE's disk is cached; its boot/ holds each
# kernel's vmlinuz and initrd.img.
rootfs_dir() { echo "$FS_CACHE/e2e-$1"; }

# rootfs_image SUITE KERNEL-DEBS...: prints the cached disk image's path
# (made when missing or stale).
rootfs_image() {
	local suite=$1 dir stamp img
	dir=$(rootfs_dir "$suite")
	stamp=$(rootfs_stamp "$@")
	img=$dir/rootfs-$stamp.img
	if [ ! -e "$img" ]; then
		rm -rf "$dir" && mkdir -p "$dir"
		run_logged "$dir/debootstrap.log" rootfs_make "$suite" "$dir/root" "${@:2}" || return 1
		mkdir -p "$dir/boot" && cp -L "$dir"/root/boot/vmlinuz-* "$dir"/root/boot/initrd.img-* "$dir/boot/" || return 1
		mkfs.ext4 -q -L fs-e2e -d "$dir/root" "$img.tmp" 3G >>"$dir/debootstrap.log" 2>&1 || return 1
		rm -rf "$dir/root"
		mv "$img.tmp" "$img"
	fi
	echo "$img"
}
