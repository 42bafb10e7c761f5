# The kernels the suite boots: the newest Debian 12 6.1 and 6.12 images with
# their headers, fetched with apt, and the sanitizer builds in
# ../shared/kernels when that folder exists. Each is unpacked (never
# installed) under $FS_CACHE/kernels/RELEASE.
# shellcheck shell=bash

apt_newest() {	# apt_newest REGEX: newest package name matching REGEX
	apt-cache pkgnames linux-image- 2>/dev/null | grep -E "$1" | sort -V | tail -n 1
}

kernels_stock() {
	local p61 p612
	p61=$(apt_newest '^linux-image-6\.1\.0-[0-9]+-amd64$')
	p612=$(apt_newest '^linux-image-6\.12\.[0-9]+\+deb12-amd64$')
	if [ -z "$p61" ] || [ -z "$p612" ]; then
		apt-get update -qq >/dev/null 2>&1 || true
		p61=$(apt_newest '^linux-image-6\.1\.0-[0-9]+-amd64$')
		p612=$(apt_newest '^linux-image-6\.12\.[0-9]+\+deb12-amd64$')
	fi
	[ -n "$p61" ] && [ -n "$p612" ] || die "no Debian 6.1/6.12 kernel packages in apt"
	echo "${p61#linux-image-} ${p612#linux-image-}"
}

kernels_shared() {
	local deb rel
	[ -d "$FS_SHARED_KERNELS" ] || return 0
	for deb in "$FS_SHARED_KERNELS"/linux-image-*-fsdebug_*.deb; do
		[ -e "$deb" ] || continue
		rel=$(basename "$deb"); rel=${rel#linux-image-}; rel=${rel%%_*}
		echo "$rel"
	done | sort -V
}

# kernel_unpack REL DEB...: unpack the packages into the kernel's root.
kernel_unpack() {
	local rel=$1 root=$FS_CACHE/kernels/$1 deb; shift
	rm -rf "$root" && mkdir -p "$root"
	for deb in "$@"; do
		dpkg-deb -x "$deb" "$root" || die "cannot unpack $deb"
	done
	# Debian's arch headers include the common ones by absolute path.
	sed -i "s|^include /usr/src/|include $root/usr/src/|" \
		"$root"/usr/src/linux-headers-"$rel"/Makefile
	depmod -b "$root" "$rel" || die "depmod failed for $rel"
	touch "$root/.complete"
}

# kernel_stock_pkgs REL: the packages of a stock kernel: image, headers,
# and the headers' common and kbuild parts.
kernel_stock_pkgs() {
	local deps
	deps=$(apt-cache show "linux-headers-$1" 2>/dev/null |
	       sed -n 's/^Depends: //p' | head -n 1 | tr ',' '\n' |
	       grep -oE 'linux-(headers-[^ ]+-common|kbuild-[^ ]+)' | sort -u)
	echo "linux-image-$1 linux-headers-$1" $deps
}

# kernel_stock_debs REL: the fetched package files of a stock kernel.
kernel_stock_debs() {
	local p
	for p in $(kernel_stock_pkgs "$1"); do
		ls -t "$FS_CACHE/debs/${p}_"*.deb | head -n 1
	done
}

kernel_fetch_stock() {
	local rel=$1 dir=$FS_CACHE/debs pkgs
	[ -e "$FS_CACHE/kernels/$rel/.complete" ] && return 0
	pkgs=$(kernel_stock_pkgs "$rel")
	log "tests: fetching" $pkgs
	mkdir -p "$dir"
	# shellcheck disable=SC2086
	if ! (cd "$dir" && apt-get download -qq $pkgs) 2>"$dir/download.log"; then
		cat "$dir/download.log" >&2
		die "apt-get download failed for $rel"
	fi
	# shellcheck disable=SC2046 # package file names hold no spaces
	kernel_unpack "$rel" $(kernel_stock_debs "$rel")
}

kernel_fetch_shared() {
	local rel=$1
	[ -e "$FS_CACHE/kernels/$rel/.complete" ] && return 0
	if [ -f "$FS_SHARED_KERNELS/SHA256SUMS" ]; then
		(cd "$FS_SHARED_KERNELS" && sha256sum --quiet -c SHA256SUMS) ||
			die "checksums of $FS_SHARED_KERNELS do not match"
	fi
	kernel_unpack "$rel" "$FS_SHARED_KERNELS"/linux-image-"$rel"_*.deb \
		"$FS_SHARED_KERNELS"/linux-headers-"$rel"_*.deb
}

# kernel_vars REL: K_ROOT, K_KDIR, K_VMLINUZ, K_DEBUG for that kernel.
kernel_vars() {
	K_ROOT=$FS_CACHE/kernels/$1
	K_KDIR=$K_ROOT/usr/src/linux-headers-$1
	K_VMLINUZ=$K_ROOT/boot/vmlinuz-$1
	case $1 in *-fsdebug) K_DEBUG=1 ;; *) K_DEBUG=0 ;; esac
}

# kernel_fetch REL: a stock or a sanitizer kernel, by its name.
kernel_fetch() {
	case $1 in
	*-fsdebug) kernel_fetch_shared "$1" ;;
	*) kernel_fetch_stock "$1" ;;
	esac
}
