#!/usr/bin/env bash
# Every cmocka unit test of a build under valgrind: no invalid access, no uninitialised read, no leak (definite or
# indirect). The sanitizer build catches most of this; valgrind runs the optimised binaries themselves, so it
# also sees what the sanitizers' instrumentation hides. Two tests at a time.
# Usage: tests/valgrind.sh BUILD_DIR
set -euo pipefail
build=${1:?usage: tests/valgrind.sh BUILD_DIR}
command -v valgrind >/dev/null || { echo "valgrind.sh: valgrind is missing (scripts/setup installs it)" >&2; exit 1; }
logs=$(mktemp -d)
trap 'rm -rf "$logs"' EXIT
run() {
    local t=$1 name
    name=$(basename "$t")
    if valgrind -q --leak-check=full --errors-for-leak-kinds=definite,indirect --error-exitcode=9 \
        "$t" >"$logs/$name.out" 2>"$logs/$name.err"; then
        echo "ok - $name under valgrind"
    else
        echo "not ok - $name under valgrind"
        sed 's/^/    /' "$logs/$name.err" | tail -40
        return 1
    fi
}
export -f run
export logs
tests=$(ls "$build"/bin/test_* 2>/dev/null)
[ -n "$tests" ] || { echo "valgrind.sh: no test binary in $build/bin" >&2; exit 1; }
# shellcheck disable=SC2086
printf '%s\n' $tests | xargs -P 2 -I{} bash -c 'run {}' && echo "every unit test is clean under valgrind"
