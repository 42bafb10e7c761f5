# The library's unit tests (tests/unit, cmocka) on the host, without the
# module: built plain, with ASan + UBSan and with TSan, each run must pass
# every test.
set -eu
root=$(cd "$(dirname "$0")/../.." && pwd)
out=${FS_BUILD:-$root/build}/unit
make -s -C "$root/tests/unit" O="$out" all
for v in plain asan tsan; do
	echo "== $v"
	# The library says once that there is no /dev/fastsocket here.
	FASTSOCKET_QUIET=1 timeout 120 "$out/libfsocket_test-$v"
done
