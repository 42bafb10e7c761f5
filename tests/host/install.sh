# make install DESTDIR=... lays out the library, the header, the udev rule
# and the DKMS source tree; the library exports only its wrappers and
# preloads silently into a program that never listens on TCP.
. "$(dirname "$0")/../lib/common.sh"

dest=$(mktemp -d)
trap 'rm -rf "$dest"' EXIT
make -s -C "$FS_ROOT" install DESTDIR="$dest" LIBDIR=/usr/lib/x86_64-linux-gnu ||
	{ echo "FAIL: make install"; exit 1; }
for f in usr/lib/x86_64-linux-gnu/libfsocket.so.1 \
	usr/include/fastsocket/fastsocket.h usr/lib/udev/rules.d/60-fastsocket.rules \
	"usr/src/fastsocket-$FS_VERSION/dkms.conf" "usr/src/fastsocket-$FS_VERSION/src/kmod/Kbuild" \
	"usr/src/fastsocket-$FS_VERSION/include/uapi/linux/fastsocket.h" \
	usr/bin/fastsocket usr/share/man/man1/fastsocket.1 usr/share/man/man7/libfsocket.7 \
	usr/sbin/fastsocketctl usr/share/man/man8/fastsocketctl.8 \
	usr/share/bash-completion/completions/fastsocketctl; do
	[ -e "$dest/$f" ] || { echo "FAIL: $f not installed"; exit 1; }
	echo "ok: $f"
done
# Preloaded by its SONAME, never linked: no libfsocket.so link; the
# header outside linux-libc-dev's /usr/include/linux.
for f in usr/lib/x86_64-linux-gnu/libfsocket.so usr/include/linux; do
	[ ! -e "$dest/$f" ] || { echo "FAIL: $f installed"; exit 1; }
done
echo "ok: no libfsocket.so link, nothing in /usr/include/linux"
lib=$dest/usr/lib/x86_64-linux-gnu/libfsocket.so.1
exports=$(nm -D --defined-only "$lib" | awk '{ print $3 }' | LC_ALL=C sort | tr '\n' ' ')
want="__poll_chk __ppoll_chk accept accept4 close close_range closefrom connect dup dup2 dup3 epoll_create epoll_create1 epoll_ctl eventfd execv execve execvp execvpe fcntl fcntl64 getrlimit getrlimit64 inotify_init inotify_init1 listen memfd_create open open64 openat openat64 pipe pipe2 poll ppoll prlimit prlimit64 pselect recvmmsg recvmsg select sendmsg setrlimit setrlimit64 setsockopt shutdown signalfd socket socketpair timerfd_create "
[ "$exports" = "$want" ] || { echo "FAIL: exports are: $exports"; exit 1; }
echo "ok: exports $exports"
soname=$(objdump -p "$lib" | awk '$1 == "SONAME" { print $2 }')
[ "$soname" = libfsocket.so.1 ] || { echo "FAIL: SONAME $soname"; exit 1; }
echo "ok: SONAME $soname"
msg=$(LD_PRELOAD=$lib FASTSOCKET_DEVICE=/nonexistent ls / 2>&1 >/dev/null)
[ -z "$msg" ] || { echo "FAIL: ls under the library printed: $msg"; exit 1; }
echo "ok: ls under the library: no message, same output"
[ "$(LD_PRELOAD=$lib ls /)" = "$(ls /)" ] || { echo "FAIL: ls output differs"; exit 1; }
lib_in=$("$dest/usr/bin/fastsocket" --help >/dev/null && strings "$dest/usr/bin/fastsocket" | grep -x '/usr/lib/x86_64-linux-gnu/libfsocket.so.1')
[ -n "$lib_in" ] || { echo "FAIL: the fastsocket command does not name the installed library"; exit 1; }
got=$(FASTSOCKET_LIB=$lib LD_PRELOAD="/opt/old/libfsocket.so:$lib" "$dest/usr/bin/fastsocket" printenv LD_PRELOAD 2>/dev/null)
[ "$got" = "$lib" ] || { echo "FAIL: fastsocket set LD_PRELOAD=$got"; exit 1; }
echo "ok: fastsocket puts the library in LD_PRELOAD once: $got"
for m in man/fastsocket.1 man/libfsocket.7; do
	w=$(LC_ALL=C.UTF-8 MANWIDTH=80 man --warnings -l "$FS_ROOT/$m" 2>&1 >/dev/null)
	[ -z "$w" ] || { echo "FAIL: $m: $w"; exit 1; }
done
echo "ok: man pages render without warnings"
