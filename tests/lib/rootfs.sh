# A Debian 12 system disk for the end-to-end test (tests/e2e): debootstrap
# with systemd, DKMS, a compiler, nginx and wrk, plus the stock kernels'
# images and headers the suite fetched, so that inside the VM `apt install`
# of the project's packages needs no network. Cached in $FS_CACHE/e2e
# until the package list or a kernel changes.
# shellcheck shell=bash

FS_E2E_PACKAGES="systemd,systemd-sysv,udev,kmod,initramfs-tools,linux-base,dkms,gcc,gcc-12,make,libc6-dev,linux-compiler-gcc-12-x86,dwarves,libelf1,libssl3,zlib1g,nginx-light,wrk,iproute2,procps,libcap2,e2fsprogs"

# Raise when rootfs_make changes what it makes.
FS_E2E_ROOTFS_FORMAT=2

# rootfs_stamp KERNEL-DEBS...: what the cached disk was made from.
rootfs_stamp() {
	{ echo "$FS_E2E_ROOTFS_FORMAT $FS_E2E_PACKAGES"; basename -a "$@"; } |
		sha256sum | cut -c1-16
}

# rootfs_make DIR KERNEL-DEBS...: debootstrap into DIR, install the kernel
# packages and make the system boot to multi-user with the test unit.
rootfs_make() {
	local dir=$1 mirror; shift
	mirror=$(apt_mirror bookworm | head -n 1)
	[ -n "$mirror" ] || { log "tests: no bookworm source in /etc/apt"; return 1; }
	rm -rf "$dir" && mkdir -p "$dir"
	debootstrap --variant=minbase --include="$FS_E2E_PACKAGES" \
		bookworm "$dir" "$mirror" || return 1
	mkdir -p "$dir/tmp/kdebs" && cp "$@" "$dir/tmp/kdebs/" || return 1
	# No service may start in the chroot while packages install.
	printf '#!/bin/sh\nexit 101\n' >"$dir/usr/sbin/policy-rc.d"
	chmod 755 "$dir/usr/sbin/policy-rc.d"
	chroot "$dir" sh -c 'dpkg -i /tmp/kdebs/*.deb' || return 1
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

# rootfs_image KERNEL-DEBS...: prints the cached disk image's path (made
# when missing or stale), with boot/ beside it holding each kernel's
# vmlinuz and initrd.img.
rootfs_image() {
	local dir=$FS_CACHE/e2e stamp img
	stamp=$(rootfs_stamp "$@")
	img=$dir/rootfs-$stamp.img
	if [ ! -e "$img" ]; then
		rm -rf "$dir" && mkdir -p "$dir"
		run_logged "$dir/debootstrap.log" rootfs_make "$dir/root" "$@" || return 1
		mkdir -p "$dir/boot" && cp -L "$dir"/root/boot/vmlinuz-* "$dir"/root/boot/initrd.img-* "$dir/boot/" || return 1
		mkfs.ext4 -q -L fs-e2e -d "$dir/root" "$img.tmp" 3G >>"$dir/debootstrap.log" 2>&1 || return 1
		rm -rf "$dir/root"
		mv "$img.tmp" "$img"
	fi
	echo "$img"
}
