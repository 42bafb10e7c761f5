# The Debian 13 build root: the module for a Debian 13 kernel is built with
# that kernel's own compiler (its headers name gcc-14, which Debian 12 does
# not have), in a minimal Debian 13 made by debootstrap from the machine's
# mirror and cached in $FS_CACHE/root-trixie until its package list
# changes. Nothing is installed on the machine itself.
# shellcheck shell=bash

FS_BUILDROOT=$FS_CACHE/root-trixie
# dwarves: pahole, for the module's BTF. Debian 13's sparse (0.6.4) is too
# old for 7.x headers, so modules built here are checked with W=1 only.
# dkms: the host check "packages" builds the packaged source with Debian
# 13's own DKMS here.
FS_BUILDROOT_PACKAGES="gcc-14,make,libc6-dev,libelf-dev,libssl-dev,bc,bison,flex,dwarves,kmod,xz-utils,perl,dkms"

# buildroot_ready: make the build root unless the cached one has this
# list. Serialized: the host checks and tests/run's background job may
# both ask at once.
buildroot_ready() {
	mkdir -p "$FS_CACHE" || return 1
	(
		flock 9 || exit 1
		buildroot_make_root
	) 9>"$FS_CACHE/root-trixie.lock"
}

buildroot_make_root() {
	trixie_root_make "$FS_BUILDROOT" "$FS_BUILDROOT_PACKAGES" "$FS_CACHE/root-trixie.log"
}

# trixie_root_make DIR PACKAGES LOG: a minimal Debian 13 with PACKAGES (a
# comma-separated list) in DIR, made by debootstrap from the machine's
# mirror unless DIR already has that list.
trixie_root_make() {
	local dir=$1 packages=$2 mirror stamp=$1/.fastsocket-packages
	[ "$(cat "$stamp" 2>/dev/null)" = "$packages" ] && return 0
	mirror=$(apt_mirror bookworm | head -n 1)
	[ -n "$mirror" ] || { log "tests: no Debian mirror in /etc/apt for a Debian 13 root"; return 1; }
	# --one-file-system: never into a bind mount a killed build left.
	rm -rf --one-file-system "$dir" "$dir.tmp" && mkdir -p "$dir.tmp"
	run_logged "$3" debootstrap --variant=minbase --include="$packages" \
		trixie "$dir.tmp" "$mirror" || return 1
	rm -f "$dir.tmp"/var/cache/apt/archives/*.deb
	echo "$packages" >"$dir.tmp/.fastsocket-packages"
	mv "$dir.tmp" "$dir"
}

# buildroot_run DIR... -- CMD ARGS...: CMD in the build root, with the
# kernels' cache, the build directory and each DIR at their own paths
# (bind mounts in a mount namespace of its own: they go with it).
buildroot_run() {
	local dirs=("$FS_CACHE/kernels" "$FS_BUILD")
	while [ $# -gt 0 ] && [ "$1" != -- ]; do dirs+=("$1"); shift; done
	shift
	unshare --mount --propagation private sh -ec '
		root=$1 n=$2; shift 2
		while [ "$n" -gt 0 ]; do
			mkdir -p "$root$1"
			mount --bind "$1" "$root$1"
			shift; n=$((n - 1))
		done
		mount -t proc proc "$root/proc"
		exec chroot "$root" "$@"' sh "$FS_BUILDROOT" "${#dirs[@]}" "${dirs[@]}" "$@"
}
