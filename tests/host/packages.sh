# make deb and make rpm build the two packages each (lintian without
# errors), with the files a user's install needs, the module's whole source
# for DKMS with the DKMS scripts, and /etc/modprobe.d/fastsocket.conf
# naming every module parameter, commented out at its default.
. "$(dirname "$0")/../lib/common.sh"
cd "$FS_ROOT" || exit 1
V=$FS_VERSION
fail() { echo "FAIL: $*"; exit 1; }

# Every parameter of params.c as "name=default".
params=$(sed -n 's/^struct fsocket_param \([a-z_]*\) = FSOCKET_RANGE(\([0-9]*\),.*/\1=\2/p' src/kmod/params.c)
[ "$(echo "$params" | wc -l)" -ge 8 ] || fail "cannot read the parameters of params.c"
for p in $params; do
	grep -qx "#options fastsocket $p" packaging/modprobe.d/fastsocket.conf ||
		fail "modprobe.d/fastsocket.conf lacks '#options fastsocket $p'"
done
echo "ok: modprobe.d/fastsocket.conf names all $(echo "$params" | wc -l) parameters at their defaults"
deb_v=$(sed -n '1s/^fastsocket (\([^)]*\)).*/\1/p' packaging/deb/debian/changelog)
[ "$deb_v" = "$V" ] || fail "debian/changelog says $deb_v, VERSION says $V"

make -s deb >build/deb.log 2>&1 || { tail -n 30 build/deb.log; fail "make deb (dpkg-buildpackage, lintian)"; }
echo "ok: make deb, lintian: $(grep -c '^E:' build/deb.log) errors, $(grep -c '^W:' build/deb.log) warnings"
deb=build/deb/fastsocket_${V}_amd64.deb dkms=build/deb/fastsocket-dkms_${V}_all.deb
lib=build/deb/libfsocket1_${V}_amd64.deb
# script DEB FILE: a file of DEB's control archive.
script() { dpkg-deb --ctrl-tarfile "$1" | tar -xOf - "./$2" 2>/dev/null; }
files=$(dpkg-deb -c "$deb" | awk '{ print $6 }')
for f in etc/modprobe.d/fastsocket.conf lib/systemd/system/fastsocket.service \
	lib/systemd/system/fastsocket-tune@.service \
	usr/lib/udev/rules.d/60-fastsocket.rules \
	usr/bin/fastsocket usr/share/man/man1/fastsocket.1.gz usr/share/man/man7/libfsocket.7.gz \
	usr/sbin/fastsocketctl usr/share/man/man8/fastsocketctl.8.gz usr/share/bash-completion/completions/fastsocketctl \
	usr/share/man/man5/fastsocket.conf.5.gz usr/share/doc/fastsocket/features.md \
	usr/share/doc/fastsocket/examples/nginx-fastsocket.conf usr/share/doc/fastsocket/examples/interfaces.example; do
	echo "$files" | grep -qx "./$f" || fail "$deb lacks $f"
done
# The library in libfsocket1 (named for its SONAME, Multi-Arch: same,
# with a symbols file), which fastsocket depends on at its own version.
[ "$(dpkg-deb -c "$lib" | awk '$6 ~ /\.so/ { print $6 }')" = ./usr/lib/x86_64-linux-gnu/libfsocket.so.1 ] ||
	fail "$lib does not hold /usr/lib/x86_64-linux-gnu/libfsocket.so.1 alone"
[ "$(dpkg-deb -f "$lib" Multi-Arch)" = same ] && script "$lib" symbols | grep -q '^ accept4@Base' ||
	fail "$lib is not Multi-Arch: same or has no symbols file"
dpkg-deb -f "$deb" Depends | grep -qF "libfsocket1 (= $V)" || fail "$deb does not depend on libfsocket1 (= $V)"
echo "ok: $lib holds the library (Multi-Arch: same, symbols file); $deb depends on it"
# The header in fastsocket-dev, out of linux-libc-dev's /usr/include/linux;
# no libfsocket.so link (the library is preloaded, never linked).
! echo "$files" | grep -E '^\./usr/include/|/libfsocket\.so$' || fail "$deb has a header or a libfsocket.so link"
dev=build/deb/fastsocket-dev_${V}_all.deb
[ "$(dpkg-deb -c "$dev" | awk '$6 ~ /\.h$/ { print $6 }')" = ./usr/include/fastsocket/fastsocket.h ] ||
	fail "$dev does not hold /usr/include/fastsocket/fastsocket.h alone"
echo "ok: $dev holds the header; $deb no header and no libfsocket.so link"
dpkg-deb --ctrl-tarfile "$deb" | tar -xOf - ./conffiles | grep -qx /etc/modprobe.d/fastsocket.conf ||
	fail "/etc/modprobe.d/fastsocket.conf is not a conffile"
# Removal stops the unit first (untune, unload); an upgrade leaves it
# running and fastsocket-dkms restarts it once the new module is built,
# where no server holds the old one: tests/e2e shows the held case.
script "$deb" prerm | grep -q "deb-systemd-invoke stop 'fastsocket.service'" ||
	fail "$deb does not stop fastsocket.service on removal"
! script "$deb" preinst | grep -q 'stop' ||
	fail "$deb stops fastsocket.service before an upgrade (and nothing starts it again)"
! script "$deb" postinst | grep -q 'restart' ||
	fail "$deb restarts fastsocket.service before the new module is built"
script "$dkms" postinst | grep -q 'deb-systemd-invoke restart fastsocket.service' &&
	script "$dkms" postinst | grep -q '/sys/module/fastsocket/refcnt' ||
	fail "$dkms does not restart fastsocket.service once the new module is built and nothing holds the old one"
echo "ok: removal stops the unit; an upgrade leaves it running, and restarts it once DKMS built the new module where nothing holds the old one"
echo "ok: $deb has the command, unit, udev rule, modprobe.d conffile, man pages, bash completion"
# The units' sandbox (systemd-analyze security, offline: 9.6 "UNSAFE"
# each without one); tests/e2e runs them, receive flow deliver included.
units=$(mktemp -d)
dpkg-deb -x "$deb" "$units" || fail "cannot unpack $deb"
cp "$units/lib/systemd/system/fastsocket-tune@.service" "$units/fastsocket-tune@eth0.service"
for u in "$units/lib/systemd/system/fastsocket.service" "$units/fastsocket-tune@eth0.service"; do
	level=$(systemd-analyze security --offline=true --no-pager "$u" 2>&1 |
		sed -n 's/.*Overall exposure level for [^:]*: \([0-9.]*\) .*/\1/p')
	[ -n "$level" ] || fail "systemd-analyze security could not rate ${u##*/}"
	awk -v l="$level" 'BEGIN { exit !(l <= 3.5) }' ||
		fail "${u##*/}: exposure $level in systemd-analyze security, want 3.5 or less"
	echo "ok: ${u##*/}: exposure $level in systemd-analyze security (3.5 or less)"
done
rm -rf "$units"
files=$(dpkg-deb -c "$dkms" | awk '{ print $6 }')
for f in dkms.conf VERSION include/uapi/linux/fastsocket.h $(git ls-files src/kmod); do
	echo "$files" | grep -qx "./usr/src/fastsocket-$V/$f" || fail "$dkms lacks /usr/src/fastsocket-$V/$f"
done
dpkg-deb --ctrl-tarfile "$dkms" | tar -xOf - ./postinst | grep -q 'common.postinst' ||
	fail "$dkms has no DKMS postinst"
dpkg-deb -f "$dkms" Depends | grep -q dkms || fail "$dkms does not depend on dkms"
# The interface version between module and library: the DKMS package
# provides it, the library recommends it.
abi=$(sed -n 's/^#define FSOCKET_ABI_VERSION[[:space:]]*//p' include/uapi/linux/fastsocket.h)
[ "$(dpkg-deb -f "$dkms" Provides)" = "fastsocket-abi-$abi" ] &&
	dpkg-deb -f "$lib" Recommends | grep -q "fastsocket-abi-$abi" ||
	fail "$dkms does not provide fastsocket-abi-$abi, or $lib does not recommend it"
echo "ok: $dkms has the module's whole source and the DKMS scripts"

make -s rpm >build/rpm.log 2>&1 || { tail -n 30 build/rpm.log; fail "make rpm"; }
rpm=build/rpm/RPMS/x86_64/fastsocket-$V-1.x86_64.rpm
rdkms=build/rpm/RPMS/noarch/fastsocket-dkms-$V-1.noarch.rpm
files=$(rpm -qlp "$rpm" 2>/dev/null)
for f in /etc/modprobe.d/fastsocket.conf /usr/lib/systemd/system/fastsocket.service \
	/usr/lib/systemd/system/fastsocket-tune@.service \
	/usr/lib/udev/rules.d/60-fastsocket.rules /usr/bin/fastsocket \
	/usr/sbin/fastsocketctl /usr/share/bash-completion/completions/fastsocketctl /usr/share/doc/fastsocket/features.md; do
	echo "$files" | grep -qx "$f" || fail "$rpm lacks $f"
done
echo "$files" | grep -q '^/usr/share/man/man5/fastsocket.conf.5' || fail "$rpm lacks fastsocket.conf(5)"
rpm -qp --configfiles "$rpm" 2>/dev/null | grep -qx /etc/modprobe.d/fastsocket.conf ||
	fail "/etc/modprobe.d/fastsocket.conf is not %config in $rpm"
! echo "$files" | grep -E '^/usr/include/|/libfsocket\.so$' || fail "$rpm has a header or a libfsocket.so link"
rpm -qlp "build/rpm/RPMS/noarch/fastsocket-devel-$V-1.noarch.rpm" 2>/dev/null |
	grep -qx /usr/include/fastsocket/fastsocket.h || fail "fastsocket-devel lacks the header"
rlib=build/rpm/RPMS/x86_64/fastsocket-libs-$V-1.x86_64.rpm
[ "$(rpm -qlp "$rlib" 2>/dev/null | grep '\.so')" = /usr/lib64/libfsocket.so.1 ] ||
	fail "$rlib does not hold /usr/lib64/libfsocket.so.1 alone"
rpm -qp --requires "$rpm" 2>/dev/null | grep -q "^fastsocket-libs(x86-64) = $V-1" ||
	fail "$rpm does not require fastsocket-libs = $V-1"
echo "ok: $rpm has the command, unit, udev rule and modprobe.d config; fastsocket-libs the library, fastsocket-devel the header"
# rpmlint, with the filters of packaging/rpm/rpmlint.toml (what a
# distribution's build system adds, and openSUSE's own policies).
rpmlint -c packaging/rpm/rpmlint.toml packaging/rpm/fastsocket.spec build/rpm/RPMS/*/*.rpm >build/rpmlint.log 2>&1
grep -q ' 4 packages and 1 specfiles checked; 0 errors,' build/rpmlint.log ||
	{ grep -E ': E: |checked' build/rpmlint.log; fail "rpmlint found errors (build/rpmlint.log)"; }
echo "ok: rpmlint: no errors in the spec and the four packages ($(grep -o '[0-9]* warnings' build/rpmlint.log | paste -sd ' '))"
rpm -qlp "$rdkms" 2>/dev/null | grep -qx "/usr/src/fastsocket-$V/src/kmod/local_ops.c" ||
	fail "$rdkms lacks the module's source"
rpm -qp --scripts "$rpm" 2>/dev/null | grep -q 'disable --now fastsocket.service' ||
	fail "$rpm does not stop fastsocket.service on erase"
[ "$(rpm -qp --provides "$rdkms" 2>/dev/null | grep '^fastsocket-abi-')" = "fastsocket-abi-$abi" ] &&
	rpm -qp --recommends "$rlib" 2>/dev/null | grep -qx "fastsocket-abi-$abi" ||
	fail "$rdkms does not provide fastsocket-abi-$abi, or $rlib does not recommend it"
scripts=$(rpm -qp --scripts "$rdkms" 2>/dev/null)
for s in "dkms add" "dkms build" "dkms install" "dkms remove"; do
	echo "$scripts" | grep -q "$s -m fastsocket -v $V" || fail "$rdkms does not run $s"
done
[ "$(rpm -qp --qf '%{ARCH}' "$rdkms" 2>/dev/null)" = noarch ] || fail "$rdkms is not noarch"
echo "ok: $rdkms is noarch with dkms add, build, install and remove, and provides fastsocket-abi-$abi"

# DKMS builds the packaged source for Debian's 6.1 and 6.12 kernels and
# the newest of Debian 13's backports (their headers fetched as the suite
# does, cached), in a DKMS tree of its own (not the sanitizer kernels: no
# user installs them, and the suite builds the module for them itself): nothing is installed or loaded (DKMS may make its signing key in
# /var/lib/dkms, as on any machine with it). A Debian 13 kernel's is built
# by Debian 13's DKMS in the build root (tests/lib/buildroot.sh).
. "$FS_ROOT/tests/lib/kernels.sh"
. "$FS_ROOT/tests/lib/buildroot.sh"
want=2
for rel in $(kernels_stock) $(kernels_newest); do kernel_fetch "$rel" >/dev/null; done
kernel_is_trixie "$(kernels_newest)" && want=3
dk=$(mktemp -d)
trap 'rm -rf "$dk"' EXIT
mkdir -p "$dk/src" "$dk/tree"
dpkg-deb -x "$dkms" "$dk/pkg" && mv "$dk/pkg/usr/src/fastsocket-$V" "$dk/src/" || fail "cannot unpack $dkms"
built=0
for h in "$FS_CACHE"/kernels/*/usr/src/linux-headers-*; do
	[ -f "$h/Makefile" ] && [ -f "$h/Module.symvers" ] || continue
	rel=${h##*/linux-headers-}
	case $rel in *-fsdebug) continue ;; esac
	in=()
	if kernel_is_trixie "$rel"; then
		buildroot_ready || fail "no Debian 13 build root for $rel (see $FS_CACHE/root-trixie.log)"
		in=(buildroot_run "$dk" --)
	fi
	"${in[@]}" dkms build --dkmstree "$dk/tree" --sourcetree "$dk/src" -m fastsocket -v "$V" \
		-k "$rel" --kernelsourcedir "$h" >"$dk/build.log" 2>&1 &&
		[ -n "$(find "$dk/tree/fastsocket/$V/$rel" -name 'fastsocket.ko*')" ] ||
		{ cat "$dk/build.log"; fail "dkms build for $rel"; }
	grep -q 'bad exit status' "$dk/build.log" && { cat "$dk/build.log"; fail "dkms build for $rel: a step failed"; }
	echo "ok: dkms build of the packaged source for $rel"
	built=$((built + 1))
done
# A kernel outside dkms.conf's range is skipped (DKMS exits 77, which its
# autoinstall on a kernel's installation counts as skipped), with DKMS's
# reason, never failed.
any_h=$(ls -d "$FS_CACHE"/kernels/6.1.0-*/usr/src/linux-headers-*-amd64 | head -n 1)
dkms build --dkmstree "$dk/tree" --sourcetree "$dk/src" -m fastsocket -v "$V" \
	-k 7.4.1-amd64 --kernelsourcedir "$any_h" >"$dk/skip.log" 2>&1
rc=$?
[ $rc = 77 ] && grep -q 'BUILD_EXCLUSIVE directive which does not match' "$dk/skip.log" ||
	{ cat "$dk/skip.log"; fail "dkms build for 7.4.1: exit $rc, want 77 (skipped) and the reason"; }
echo "ok: DKMS skips 7.4.1 (exit 77, \"BUILD_EXCLUSIVE directive which does not match\")"
[ "$built" -ge "$want" ] ||
	fail "dkms build tried for $built kernels, want Debian's 6.1 and 6.12 and Debian 13 backports' newest at least"
