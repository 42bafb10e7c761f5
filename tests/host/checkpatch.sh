# The module's sources and the uapi header are checkpatch.pl --strict
# clean. checkpatch.pl comes out of Debian's linux-source-6.1 (the headers
# packages do not carry it) and is kept in the cache.
. "$(dirname "$0")/../lib/common.sh"

dir=$FS_CACHE/checkpatch
if [ ! -f "$dir/checkpatch.pl" ]; then
	mkdir -p "$FS_CACHE/debs" "$dir"
	(cd "$FS_CACHE/debs" && apt-get download -qq linux-source-6.1) 2>/dev/null
	deb=$(ls -t "$FS_CACHE"/debs/linux-source-6.1_*.deb 2>/dev/null | head -n 1)
	[ -n "$deb" ] || { echo "FAIL: cannot download linux-source-6.1"; exit 1; }
	dpkg-deb --fsys-tarfile "$deb" |
		tar -xO --wildcards './usr/src/linux-source-6.1.tar.*' |
		tar -xJ -C "$dir" --strip-components=2 \
			linux-source-6.1/scripts/checkpatch.pl \
			linux-source-6.1/scripts/spelling.txt \
			linux-source-6.1/scripts/const_structs.checkpatch ||
		{ rm -f "$dir/checkpatch.pl"; echo "FAIL: cannot unpack checkpatch.pl"; exit 1; }
fi
cd "$FS_ROOT" || exit 1
checkpatch() { perl "$dir/checkpatch.pl" --no-tree --strict --show-types --color=never -f "$@"; }
# local_ops.c copies the running kernel's proto_ops at load (as mptcp does
# for its stream ops), so its table cannot be const; it is __ro_after_init.
checkpatch src/kmod/*.h src/kmod/probes/*.c include/uapi/linux/fastsocket.h \
	$(ls src/kmod/*.c | grep -v local_ops.c) &&
	checkpatch --ignore CONST_STRUCT src/kmod/local_ops.c
