# make install DESTDIR=... lays out the library, the header, the udev rule
# and the DKMS source tree; the library exports only its wrappers and
# preloads silently into a program that never listens on TCP.
. "$(dirname "$0")/../lib/common.sh"

dest=$(mktemp -d)
trap 'rm -rf "$dest"' EXIT
make -s -C "$FS_ROOT" install DESTDIR="$dest" LIBDIR=/usr/lib/x86_64-linux-gnu ||
	{ echo "FAIL: make install"; exit 1; }
for f in usr/lib/x86_64-linux-gnu/libfsocket.so.1 usr/lib/x86_64-linux-gnu/libfsocket.so \
	usr/include/linux/fastsocket.h usr/lib/udev/rules.d/60-fastsocket.rules \
	"usr/src/fastsocket-$FS_VERSION/dkms.conf" "usr/src/fastsocket-$FS_VERSION/src/kmod/Kbuild" \
	"usr/src/fastsocket-$FS_VERSION/include/uapi/linux/fastsocket.h"; do
	[ -e "$dest/$f" ] || { echo "FAIL: $f not installed"; exit 1; }
	echo "ok: $f"
done
lib=$dest/usr/lib/x86_64-linux-gnu/libfsocket.so.1
exports=$(nm -D --defined-only "$lib" | awk '{ print $3 }' | sort | tr '\n' ' ')
[ "$exports" = "close listen " ] || { echo "FAIL: exports are: $exports"; exit 1; }
echo "ok: exports $exports"
soname=$(objdump -p "$lib" | awk '$1 == "SONAME" { print $2 }')
[ "$soname" = libfsocket.so.1 ] || { echo "FAIL: SONAME $soname"; exit 1; }
echo "ok: SONAME $soname"
msg=$(LD_PRELOAD=$lib FASTSOCKET_DEVICE=/nonexistent ls / 2>&1 >/dev/null)
[ -z "$msg" ] || { echo "FAIL: ls under the library printed: $msg"; exit 1; }
echo "ok: ls under the library: no message, same output"
[ "$(LD_PRELOAD=$lib ls /)" = "$(ls /)" ] || { echo "FAIL: ls output differs"; exit 1; }
