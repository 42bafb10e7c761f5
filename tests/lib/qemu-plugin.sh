# qemu's plugin header, for bench/insn-count's TCG plugin: Debian ships
# qemu with plugin support but without qemu-plugin.h, so it comes from the
# source package of the installed qemu-system-x86, fetched with the
# harness's own apt configuration (deb-src lines for the machine's Debian
# mirror, under $FS_CACHE/apt-src: the machine's sources stay as they
# are). Cached per qemu version in $FS_CACHE/qemu-plugin/VERSION.
# shellcheck shell=bash

FS_SRC_APT=$FS_CACHE/apt-src

src_apt() {	# src_apt ARGS...: apt-get with the deb-src configuration
	apt-get -o Dir::Etc::sourcelist="$FS_SRC_APT/sources.list" \
		-o Dir::Etc::sourceparts="$FS_SRC_APT/sources.list.d" \
		-o Dir::Etc::preferencesparts="$FS_SRC_APT/preferences.d" \
		-o Dir::State="$FS_SRC_APT/state" \
		-o Dir::State::status="$FS_SRC_APT/status" \
		-o Dir::Cache="$FS_SRC_APT/cache" "$@"
}

# qemu_plugin_include: prints the directory holding qemu-plugin.h.
qemu_plugin_include() {
	local v mirror d=$FS_SRC_APT dir dl
	v=$(dpkg-query -W -f='${source:Version}' qemu-system-x86 2>/dev/null)
	[ -n "$v" ] || { log "bench: qemu-system-x86 is not installed"; return 1; }
	dir=$FS_CACHE/qemu-plugin/$v
	[ -f "$dir/qemu-plugin.h" ] && { echo "$dir"; return 0; }
	mirror=$(apt_mirror bookworm | head -n 1)
	[ -n "$mirror" ] || { log "bench: no Debian mirror in /etc/apt for qemu's source"; return 1; }
	mkdir -p "$d/sources.list.d" "$d/preferences.d" "$d/state/lists/partial" \
		"$d/cache/archives/partial" && touch "$d/status" || return 1
	printf 'deb-src [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] %s %s main\n' \
		"$mirror" bookworm "$mirror" bookworm-updates >"$d/sources.list"
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
