# Installs, with apt, what the test suite needs on a fresh Debian 12.
# shellcheck shell=bash

FS_HOST_PACKAGES=(
	build-essential gcc-12 gcc-multilib make dwarves sparse perl file
	kmod cpio gzip xz-utils busybox-static qemu-system-x86
	iproute2 iputils-ping util-linux procps
	nginx-light lighttpd haproxy wrk valgrind man-db
)

host_deps_install() {
	local missing=() p
	for p in "${FS_HOST_PACKAGES[@]}"; do
		dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null |
			grep -q 'install ok installed' || missing+=("$p")
	done
	if [ ${#missing[@]} -eq 0 ]; then
		return 0
	fi
	[ "$(id -u)" -eq 0 ] || die "missing packages (run as root to install): ${missing[*]}"
	log "tests: installing ${missing[*]}"
	apt-get update -qq || die "apt-get update failed"
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
		--no-install-recommends "${missing[@]}" >/dev/null ||
		die "apt-get install failed"
}
