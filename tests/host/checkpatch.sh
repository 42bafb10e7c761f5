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
perl "$dir/checkpatch.pl" --no-tree --strict --show-types --color=never -f \
	src/kmod/*.c src/kmod/*.h include/uapi/linux/fastsocket.h
