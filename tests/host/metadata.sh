# The version is one number everywhere: ./VERSION, dkms.conf's
# PACKAGE_VERSION and the module's MODULE_VERSION (taken from ./VERSION by
# Kbuild, and read back from the loaded module by tests/cases/050).
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
