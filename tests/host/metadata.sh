# The version is one number everywhere: ./VERSION, dkms.conf's
# PACKAGE_VERSION and the module's MODULE_VERSION (taken from ./VERSION by
# Kbuild, and read back from the loaded module by tests/cases/050); and
# the test cases' markers that tests/run reads are well formed.
. "$(dirname "$0")/../lib/common.sh"

dkms=$(sed -n 's/^PACKAGE_VERSION="\(.*\)"$/\1/p' "$FS_ROOT/dkms.conf")
[ "$dkms" = "$FS_VERSION" ] ||
	{ echo "FAIL: dkms.conf says $dkms, VERSION says $FS_VERSION"; exit 1; }
echo "ok: dkms.conf PACKAGE_VERSION = VERSION = $FS_VERSION"
grep -q '^BUILT_MODULE_NAME\[0\]="fastsocket"$' "$FS_ROOT/dkms.conf" ||
	{ echo "FAIL: dkms.conf does not build fastsocket"; exit 1; }
grep -q 'FASTSOCKET_VERSION=.*VERSION' "$FS_ROOT/src/kmod/Kbuild" ||
	{ echo "FAIL: Kbuild no longer takes the version from ./VERSION"; exit 1; }
echo "ok: Kbuild takes MODULE_VERSION from ./VERSION"

# DKMS matches BUILD_EXCLUSIVE_KERNEL as a bash regular expression: the
# series built for (6.1 to 7.3) pass, the others are skipped.
# shellcheck disable=SC1090 # dkms.conf is shell, sourced as DKMS does
BUILD_EXCLUSIVE_KERNEL=$(. "$FS_ROOT/dkms.conf" && echo "$BUILD_EXCLUSIVE_KERNEL")
for k in 6.1.0-57-amd64 6.12.118+deb12-amd64 6.19.3 7.0.1 7.3.4+deb13-amd64 \
	 !5.10.0-30-amd64 !6.0.12 !7.4.1+deb13-amd64 !8.0.1 !16.1.0; do
	want=admitted
	case $k in !*) k=${k#!}; want=skipped ;; esac
	if [[ $k =~ $BUILD_EXCLUSIVE_KERNEL ]]; then got=admitted; else got=skipped; fi
	[ "$got" = "$want" ] ||
		{ echo "FAIL: dkms.conf: kernel $k $got, should be $want"; exit 1; }
done
echo "ok: dkms.conf admits 6.1 to 7.3 and skips 5.x, 6.0, 7.4 and later"

# probe.sh: a probe that builds defines FSOCKET_HAVE_<NAME>, one that does
# not says so, and a compiler that cannot build even the baseline stops
# the build rather than pass for an old kernel.
pd=$(mktemp -d)
trap 'rm -rf "$pd"' EXIT
echo 'int fsocket_probe_ok;' >"$pd/has_thing.c"
echo 'struct fsocket_no_such_type x = { 1 };' >"$pd/lacks-thing.c"
out=$(sh "$FS_ROOT/src/kmod/probe.sh" "$pd/has_thing.c" "$pd/lacks-thing.c" -- cc) ||
	{ echo "FAIL: probe.sh failed with the host compiler"; exit 1; }
grep -qx '#define FSOCKET_HAVE_HAS_THING 1' <<<"$out" &&
	grep -q 'FSOCKET_HAVE_LACKS_THING: not on this kernel' <<<"$out" &&
	! grep -q '#define FSOCKET_HAVE_LACKS_THING' <<<"$out" ||
	{ echo "FAIL: probe.sh printed:"; echo "$out"; exit 1; }
! sh "$FS_ROOT/src/kmod/probe.sh" "$pd/has_thing.c" -- false >/dev/null 2>&1 ||
	{ echo "FAIL: probe.sh passed with a compiler that builds nothing"; exit 1; }
echo "ok: probe.sh defines what builds, not what does not, and stops on a broken compiler"

# A case that a middle kernel skips runs on one end kernel (tests/run's
# cases_for): its "# Stock kernel:" line names which, and only such a
# case has one.
for t in "$FS_ROOT"/tests/cases/*.sh; do
	ends=$(grep -c '^# Stock kernel: ' "$t")
	if grep -q '^# Middle kernels: skipped: ' "$t"; then
		[ "$ends" = 1 ] && grep -qx '# Stock kernel: \(oldest\|newest\)' "$t" ||
			{ echo "FAIL: $(basename "$t") skips middle kernels without one \"# Stock kernel: oldest\" or \"newest\" line"; exit 1; }
	elif [ "$ends" != 0 ]; then
		echo "FAIL: $(basename "$t") names a stock kernel but no middle kernel skips it"; exit 1
	fi
done
echo "ok: each case a middle kernel skips names the end kernel that runs it"
