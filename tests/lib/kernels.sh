# The kernels the suite boots: the newest Debian 12 6.1 and 6.12 images with
# their headers, fetched with apt; the newest kernel of Debian 13's
# backports (7.3 now), fetched with the harness's own apt configuration;
# and the sanitizer builds in ../shared/kernels when that folder exists.
# Each is unpacked (never installed) under $FS_CACHE/kernels/RELEASE.
# shellcheck shell=bash

# apt_mirror SUITE: the host's Debian mirror for SUITE's release (bookworm
# for Debian 12), from its apt sources (deb822 or one-line), so the tests
# use what the machine already uses.
apt_mirror() {
	local f suite=$1
	for f in /etc/apt/sources.list.d/*.sources; do
		[ -e "$f" ] || continue
		awk -v s="$suite" 'BEGIN { RS = ""; FS = "\n" }
		     $0 ~ "Suites:[^\n]*" s "( |\n|$)" && /Types:[^\n]*deb( |\n|$)/ {
			for (i = 1; i <= NF; i++) if ($i ~ /^URIs:/) {
				split($i, u, " "); print u[2]; exit } }' "$f"
	done
	cat /etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null |
		awk -v s="$suite" '$1 == "deb" && $3 == s { print $2 }'
}

# Debian 13 (trixie) and its backports, known only to this apt
# configuration under $FS_CACHE/apt-trixie: the machine's sources, lists
# and preferences stay as they are. Its mirror is the machine's Debian one.
FS_TRIXIE_APT=$FS_CACHE/apt-trixie

trixie_apt() {	# trixie_apt apt-get|apt-cache ARGS...
	local tool=$1; shift
	"$tool" -o Dir::Etc::sourcelist="$FS_TRIXIE_APT/sources.list" \
		-o Dir::Etc::sourceparts="$FS_TRIXIE_APT/sources.list.d" \
		-o Dir::Etc::preferencesparts="$FS_TRIXIE_APT/preferences.d" \
		-o Dir::State="$FS_TRIXIE_APT/state" \
		-o Dir::State::status="$FS_TRIXIE_APT/status" \
		-o Dir::Cache="$FS_TRIXIE_APT/cache" \
		-o APT::Architecture=amd64 "$@"
}

# trixie_update: the configuration, and its lists when a day old or absent.
trixie_update() {
	local mirror d=$FS_TRIXIE_APT
	mirror=$(apt_mirror bookworm | head -n 1)
	[ -n "$mirror" ] || { log "tests: no bookworm source in /etc/apt for Debian 13's mirror"; return 1; }
	mkdir -p "$d/sources.list.d" "$d/preferences.d" "$d/state/lists/partial" \
		"$d/cache/archives/partial"
	touch "$d/status"
	printf 'deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] %s %s main\n' \
		"$mirror" trixie "$mirror" trixie-backports >"$d/sources.list.new"
	if ! cmp -s "$d/sources.list.new" "$d/sources.list" ||
	   [ -z "$(find "$d/state/lists" -maxdepth 1 -name '*Packages*' -mtime -1)" ]; then
		mv "$d/sources.list.new" "$d/sources.list"
		trixie_apt apt-get update -qq >"$d/update.log" 2>&1 ||
			{ cat "$d/update.log" >&2; return 1; }
	fi
	rm -f "$d/sources.list.new"
}

# kernels_newest: the newest release of Debian 13's backports (7.3 now),
# found, not written in; nothing when Debian 13's lists cannot be had.
kernels_newest() {
	trixie_update || return 0
	trixie_apt apt-cache pkgnames linux-binary-unsigned- 2>/dev/null |
		grep -E '^linux-binary-unsigned-[0-9][0-9.]*\+deb13-amd64$' |
		sed 's/^linux-binary-unsigned-//' | sort -V | tail -n 1
}

# kernels_trixie_stable: Debian 13's own kernel (6.12 now), the one its
# linux-image-amd64 installs; nothing when Debian 13's lists cannot be had.
kernels_trixie_stable() {
	trixie_update || return 0
	trixie_apt apt-cache depends linux-image-amd64 2>/dev/null |
		sed -n 's/^ *Depends: linux-image-\([0-9][^ ]*+deb13-amd64\)$/\1/p' | head -n 1
}

# kernel_is_trixie REL: a Debian 13 kernel: its packages come from the
# harness's Debian 13 apt, and its module builds in the Debian 13 build
# root (buildroot.sh), its headers naming gcc-14.
kernel_is_trixie() { [[ $1 == *+deb13-* ]]; }

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
	# Debian's arch headers name the common ones (and, from Debian 13,
	# their own output directory) by absolute path.
	sed -i "s#\(^\|[= ]\)/usr/src/#\1$root/usr/src/#g" \
		"$root"/usr/src/linux-headers-"$rel"/Makefile
	# Debian 13's packages keep modules in /usr/lib/modules only; depmod
	# and modprobe -d of Debian 12 look in /lib/modules.
	[ -e "$root/lib" ] || [ ! -d "$root/usr/lib/modules" ] || ln -s usr/lib "$root/lib"
	depmod -b "$root" "$rel" || die "depmod failed for $rel"
	touch "$root/.complete"
}

# kernel_apt REL apt-get|apt-cache ARGS...: the apt that has REL.
kernel_apt() {
	local rel=$1; shift
	if kernel_is_trixie "$rel"; then trixie_apt "$@"; else "$@"; fi
}

# kernel_stock_pkgs REL: the packages of a stock kernel: image, headers,
# and the headers' common and kbuild parts. From Debian 13's 6.19 on the
# image is split: linux-binary-unsigned-REL (vmlinuz.unsigned),
# linux-modules-REL and linux-base-REL (config, System.map).
kernel_stock_pkgs() {
	local deps image="linux-image-$1"
	deps=$(kernel_apt "$1" apt-cache show "linux-headers-$1" 2>/dev/null |
	       sed -n 's/^Depends: //p' | head -n 1 | tr ',' '\n' |
	       grep -oE 'linux-(headers-[^ ]+-common|kbuild-[^ ]+)' | sort -u)
	if kernel_apt "$1" apt-cache show "linux-binary-unsigned-$1" >/dev/null 2>&1; then
		image="linux-binary-unsigned-$1 linux-modules-$1 linux-base-$1"
	fi
	echo "$image linux-headers-$1" $deps
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
	if ! (cd "$dir" && kernel_apt "$rel" apt-get download -qq $pkgs) 2>"$dir/download.log"; then
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
	[ -e "$K_VMLINUZ" ] || K_VMLINUZ=$K_ROOT/usr/lib/modules/$1/vmlinuz.unsigned
	case $1 in *-fsdebug) K_DEBUG=1 ;; *) K_DEBUG=0 ;; esac
}

# kernel_fetch REL: a stock or a sanitizer kernel, by its name.
kernel_fetch() {
	case $1 in
	*-fsdebug) kernel_fetch_shared "$1" ;;
	*) kernel_fetch_stock "$1" ;;
	esac
}
