# The library's cost on calls it does not accelerate (bench/preload-overhead):
# prints instructions and time per socket(AF_UNIX) + close(), with and
# without it. A figure, not a verdict: this passes whenever it could measure.
. "$(dirname "$0")/../lib/common.sh"
bash "$FS_ROOT/bench/preload-overhead" 20000
