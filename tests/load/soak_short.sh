#!/usr/bin/env bash
# A short soak for the test suite: scripts/bench-soak with the collector under test, 10 s of mixed traffic at 16
# connections (SOAK_SECONDS, SOAK_CONNECTIONS). Passes when no request fails, every 201 is a stored row, the
# collector stops cleanly and, on a build without sanitizers, its RSS grows by at most 4 MiB after a 4 s
# warm-up (SOAK_MAX_GROWTH_KB). Under AddressSanitizer the RSS is the allocator's quarantine, not the
# collector's: it is printed, not judged (LeakSanitizer judges leaks when the collector exits). Needs wrk and
# sqlite3 (scripts/setup).
# Usage: soak_short.sh COLLECTOR_BINARY SOURCE_DIR
set -u
bin=$1
src=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
export BENCH_COLLECTOR BENCH_SECONDS BENCH_CONNECTIONS BENCH_WARMUP BENCH_MAX_GROWTH_KB BENCH_MAX_SLOPE_KB_MIN \
    BENCH_TMPDIR
BENCH_COLLECTOR=$(cd "$(dirname "$bin")" && pwd)/$(basename "$bin")
BENCH_SECONDS=${SOAK_SECONDS:-10}
BENCH_CONNECTIONS=${SOAK_CONNECTIONS:-16}
BENCH_WARMUP=${SOAK_WARMUP:-4}
BENCH_TMPDIR=$tmp
BENCH_MAX_SLOPE_KB_MIN= # over a few seconds a slope is noise: the growth is judged instead
if grep -qa __asan_init "$BENCH_COLLECTOR"; then
    BENCH_MAX_GROWTH_KB=
    echo "# AddressSanitizer build: RSS printed, not judged"
else
    BENCH_MAX_GROWTH_KB=${SOAK_MAX_GROWTH_KB:-4096}
fi
"$src/scripts/bench-soak" 2>&1
st=$?
if [ $st -eq 0 ]; then echo "ok - short soak"; else echo "not ok - short soak (status $st)"; fi
exit $st
