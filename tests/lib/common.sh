# Shared settings and helpers of the host side of the test harness.
# shellcheck shell=bash

FS_ROOT=${FS_ROOT:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
FS_CACHE=${FASTSOCKET_CACHE:-/var/cache/fastsocket-tests}
FS_BUILD=${FS_BUILD:-$FS_ROOT/build}
FS_SHARED_KERNELS=${FASTSOCKET_SHARED_KERNELS:-$FS_ROOT/../shared/kernels}
FS_VERSION=$(cat "$FS_ROOT/VERSION")


log() { printf '%s\n' "$*" >&2; }
die() { log "tests: $*"; exit 2; }

# run_logged FILE CMD...: run CMD with its output in FILE; on failure show
# the end of FILE.
run_logged() {
	local out=$1; shift
	if ! "$@" >"$out" 2>&1; then
		log "tests: failed: $*"
		tail -n 40 "$out" >&2
		return 1
	fi
}
