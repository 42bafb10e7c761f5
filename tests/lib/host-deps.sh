# Installs, with apt, what the test suite needs on a fresh Debian 12.
# shellcheck shell=bash

FS_HOST_PACKAGES=(
	build-essential gcc-12 gcc-multilib make dwarves sparse perl file
	kmod cpio gzip xz-utils busybox-static qemu-system-x86
	iproute2 iputils-ping util-linux procps
	nginx-light lighttpd haproxy wrk valgrind man-db strace
	debhelper dh-dkms dkms lintian rpm git libcap-dev debootstrap e2fsprogs
	libcmocka-dev systemd rpmlint clang libbpf-dev bpftool
)

# host_deps_install [MORE...]: the suite's packages and MORE.
host_deps_install() {
	local missing=() p
	for p in "${FS_HOST_PACKAGES[@]}" "$@"; do
		dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null |
			grep -q 'install ok installed' || missing+=("$p")
	done
	if [ ${#missing[@]} -eq 0 ]; then
		return 0
	fi
	[ "$(id -u)" -eq 0 ] || die "missing packages (run as root to install): ${missing[*]}"
	log "tests: installing ${missing[*]}"
	apt-get update -qq || die "apt-get update failed"
	no_service_starts
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
		--no-install-recommends "${missing[@]}" >/dev/null
	local rc=$?
	service_starts_again
	[ $rc -eq 0 ] || die "apt-get install failed"
	servers_stay_off "${missing[@]}"
}

# The servers the tests run inside the VM must not start, or be enabled,
# on this machine: they would take its port 80, and one of them would
# fail to start and fail the install. policy-rc.d (invoke-rc.d's veto)
# holds during the install when the machine has none of its own.
FS_POLICY_RC=/usr/sbin/policy-rc.d
FS_POLICY_ADDED=0
no_service_starts() {
	[ -e "$FS_POLICY_RC" ] && return 0
	printf '#!/bin/sh\n# fastsocket tests: no service starts during their install\nexit 101\n' \
		>"$FS_POLICY_RC" && chmod 755 "$FS_POLICY_RC" && FS_POLICY_ADDED=1
}

service_starts_again() {
	[ "$FS_POLICY_ADDED" = 1 ] && rm -f "$FS_POLICY_RC"
	FS_POLICY_ADDED=0
}

servers_stay_off() {
	local p
	for p in "$@"; do
		case $p in
		nginx-light) p=nginx ;;
		lighttpd | haproxy) ;;
		*) continue ;;
		esac
		systemctl disable "$p" >/dev/null 2>&1 || true
	done
}
