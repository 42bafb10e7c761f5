# Builds what the tests use: the module for one kernel (in a copy of the
# sources under build/kernels/REL, so kernels never share objects), the
# library and the test programs. Any compiler or sparse warning fails.
# shellcheck shell=bash

build_userspace() {
	mkdir -p "$FS_BUILD"
	run_logged "$FS_BUILD/userspace.log" make -C "$FS_ROOT/src/libfsocket" &&
	run_logged "$FS_BUILD/tools.log" make -C "$FS_ROOT/src/tools" &&
	run_logged "$FS_BUILD/ctl.log" make -C "$FS_ROOT/src/ctl" &&
	run_logged "$FS_BUILD/progs.log" make -C "$FS_ROOT/tests/progs" O="$FS_BUILD/tests" &&
	run_logged "$FS_BUILD/bench.log" make -C "$FS_ROOT/bench" O="$FS_BUILD/bench"
}

# build_module REL: build/kernels/REL/src/kmod/fastsocket.ko, W=1 and C=1
# (W=1 alone for a Debian 13 kernel, built in the Debian 13 build root);
# BUILD_CHECKS says which.
build_module() {
	if kernel_is_trixie "$1"; then
		BUILD_CHECKS="W=1; Debian 13 build root, gcc-14, no sparse"
		module_build "$1" "$FS_BUILD/kernels/$1"
	else
		BUILD_CHECKS="W=1, C=1 sparse"
		module_build "$1" "$FS_BUILD/kernels/$1" C=1
	fi
}

# build_module_probes_off REL PROBES: the module built as for a kernel
# without the APIs of PROBES (src/kmod/probe.sh), in
# build/kernels/REL/probes-off, for the cases that test the module's
# answer to such a kernel (tests/run).
build_module_probes_off() {
	module_build "$1" "$FS_BUILD/kernels/$1/probes-off" FSOCKET_PROBES_OFF="$2"
}

# module_build REL DIR [C=1] [VAR=VALUE...]: the module for REL from a copy
# of the sources in DIR, W=1 (and sparse with C=1, never in the Debian 13
# build root: its sparse is too old for 7.x), with VAR=VALUE in make's
# environment; any warning fails.
module_build() {
	local rel=$1 dir=$2 out sparse=; shift 2
	[ "${1:-}" = C=1 ] && { sparse=C=1; shift; }
	kernel_vars "$rel"
	rm -rf "$dir/src" "$dir/include" && mkdir -p "$dir/src"
	cp -r "$FS_ROOT/src/kmod" "$dir/src/" &&
	cp -r "$FS_ROOT/include" "$FS_ROOT/VERSION" "$dir/" || return 1
	out=$dir/build.log
	if kernel_is_trixie "$rel"; then
		buildroot_ready &&
		run_logged "$out" buildroot_run -- env "$@" make -j"$(nproc)" -C "$dir/src/kmod" KDIR="$K_KDIR" W=1 || return 1
	else
		run_logged "$out" env "$@" make -j"$(nproc)" -C "$dir/src/kmod" KDIR="$K_KDIR" W=1 $sparse || return 1
	fi
	# Debian 13's pahole is older than the backports kernel's: a note about
	# the BTF tool, not about the module's code.
	if grep -E 'warning:|error:' "$out" | grep -v 'pahole version differs' >&2; then
		log "tests: the module build for $rel printed warnings (W=1, sparse)"
		return 1
	fi
	[ -f "$dir/src/kmod/fastsocket.ko" ]
}

# kernel_ready REL: REL fetched, the module built for it and its initramfs
# made: what the demo and the benchmarks boot.
kernel_ready() {
	kernel_fetch "$1"
	build_module "$1" || die "cannot build the module for $1 (see $FS_BUILD/kernels/$1/build.log)"
	initramfs_build "$1" "$FS_BUILD/kernels/$1/initramfs.cpio.gz" ||
		die "cannot build the initramfs for $1"
}
