# bench/insn-count's qemu: Debian 13's. Debian 12's qemu (7.2) cannot run
# an SMP guest with -icount: at the boot of Debian's 6.1 with 3 vCPUs its
# round robin gave every slice to the boot CPU, which waited in
# schedule() for the second one, and the second one never left its wait
# for the boot CPU's go-ahead (cpu_callout_mask set, its RIP still in the
# wait loop after minutes). Debian 13's qemu (10.0) boots and runs it.
# It is installed in a minimal Debian 13 root of its own, made like the
# build root and cached in $FS_CACHE/root-qemu, and runs from there on
# that root's loader and libraries: nothing is installed on the machine.
# Debian ships no qemu-plugin.h: it comes from that qemu's source
# package, fetched with the harness's own apt configuration (deb-src
# lines for the machine's mirror, under $FS_CACHE/apt-src) and cached per
# version in $FS_CACHE/qemu-plugin/VERSION.
# shellcheck shell=bash

FS_QEMU_ROOT=$FS_CACHE/root-qemu
FS_QEMU_ROOT_PACKAGES=qemu-system-x86
FS_SRC_APT=$FS_CACHE/apt-src

# bench_qemu_ready: make the root unless cached; then FS_QEMU (tests/lib/vm.sh)
# runs its qemu, and QEMU_MODULE_DIR names its modules.
bench_qemu_ready() {
	local r=$FS_QEMU_ROOT
	mkdir -p "$FS_CACHE" || return 1
	(
		flock 9 || exit 1
		trixie_root_make "$r" "$FS_QEMU_ROOT_PACKAGES" "$FS_CACHE/root-qemu.log"
	) 9>"$FS_CACHE/root-qemu.lock" || return 1
	FS_QEMU=("$r/lib64/ld-linux-x86-64.so.2" --library-path "$r/usr/lib/x86_64-linux-gnu"
		"$r/usr/bin/qemu-system-x86_64" -L "$r/usr/share/qemu" -L "$r/usr/share/seabios")
	export QEMU_MODULE_DIR=$r/usr/lib/x86_64-linux-gnu/qemu
}

src_apt() {	# src_apt ARGS...: apt-get with the deb-src configuration
	apt-get -o Dir::Etc::sourcelist="$FS_SRC_APT/sources.list" \
		-o Dir::Etc::sourceparts="$FS_SRC_APT/sources.list.d" \
		-o Dir::Etc::preferencesparts="$FS_SRC_APT/preferences.d" \
		-o Dir::State="$FS_SRC_APT/state" \
		-o Dir::State::status="$FS_SRC_APT/status" \
		-o Dir::Cache="$FS_SRC_APT/cache" "$@"
}

# bench_qemu_plugin_include: prints the directory holding the qemu-plugin.h
# of the root's qemu (after bench_qemu_ready).
bench_qemu_plugin_include() {
	local v mirror d=$FS_SRC_APT dir dl
	v=$(dpkg-query --admindir="$FS_QEMU_ROOT/var/lib/dpkg" -W -f='${source:Version}' qemu-system-x86 2>/dev/null)
	[ -n "$v" ] || { log "bench: no qemu-system-x86 in $FS_QEMU_ROOT"; return 1; }
	dir=$FS_CACHE/qemu-plugin/$v
	[ -f "$dir/qemu-plugin.h" ] && { echo "$dir"; return 0; }
	mirror=$(apt_mirror bookworm | head -n 1)
	[ -n "$mirror" ] || { log "bench: no Debian mirror in /etc/apt for qemu's source"; return 1; }
	mkdir -p "$d/sources.list.d" "$d/preferences.d" "$d/state/lists/partial" \
		"$d/cache/archives/partial" && touch "$d/status" || return 1
	printf 'deb-src [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] %s %s main\n' \
		"$mirror" trixie "$mirror" trixie-updates >"$d/sources.list"
	src_apt update -qq >"$d/update.log" 2>&1 || { cat "$d/update.log" >&2; return 1; }
	dl=$(mktemp -d)
	(cd "$dl" && src_apt source --download-only -qq "qemu=$v") >"$d/source.log" 2>&1 &&
		tar -xJf "$dl"/qemu_*.orig.tar.xz -C "$dl" --wildcards '*/include/qemu/qemu-plugin.h' &&
		mkdir -p "$dir" && mv "$dl"/*/include/qemu/qemu-plugin.h "$dir/"
	local rc=$?
	rm -rf "$dl"
	[ $rc = 0 ] || { cat "$d/source.log" >&2; log "bench: cannot fetch qemu $v's source for its plugin header"; return 1; }
	echo "$dir"
}
