#!/usr/bin/env bash
# Runs the libFuzzer targets of tests/fuzz/targets (all, or the ones named): first every saved finding of
# tests/fuzz/regressions/TARGET/ once (each must pass: it guards its fix), then SECONDS of fuzzing per target,
# from seeds written by make_corpus.py plus what earlier runs kept in FUZZ_BUILD/corpus/TARGET. Findings go to
# FUZZ_BUILD/crashes/TARGET/. Prints per target runs, speed, coverage and corpus growth; exits 1 on any finding
# (crash, leak, hang, broken invariant), 2 on misuse. scripts/test runs it briefly, scripts/fuzz for longer.
# A finding of up to 64 KiB is also printed in base64, so that one found on a CI machine can be replayed.
# Usage: tests/fuzz/run.sh FUZZ_BUILD MAIN_BUILD SECONDS [TARGET...]
#   FUZZ_BUILD as built from tests/fuzz/CMakeLists.txt; MAIN_BUILD the project's build (synth, collector);
#   SECONDS 0 replays the saved findings only.
set -uo pipefail
if [ $# -lt 3 ] || ! [[ $3 =~ ^[0-9]+$ ]]; then
    echo "usage: $0 FUZZ_BUILD MAIN_BUILD SECONDS [TARGET...]" >&2
    exit 2
fi
here=$(cd "$(dirname "$0")" && pwd)
build=$(cd "$1" && pwd) || exit 2
main=$(cd "$2" && pwd) || exit 2
seconds=$3
shift 3
wanted=("$@")
for t in "${wanted[@]}"; do
    if ! grep -qE "^$t[[:space:]]" "$here/targets"; then
        echo "run.sh: unknown target « $t » ($(grep -oE '^[a-z]+' "$here/targets" | tr '\n' ' '))" >&2
        exit 2
    fi
done
export ASAN_OPTIONS=${ASAN_OPTIONS:-}${ASAN_OPTIONS:+:}detect_leaks=1
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-}${UBSAN_OPTIONS:+:}print_stacktrace=1:halt_on_error=1

command -v python3 >/dev/null || { echo "run.sh: python3 is missing (scripts/setup installs it)" >&2; exit 2; }
seeds=$build/seeds
if ! python3 "$here/make_corpus.py" --build "$main" --fuzz-build "$build" --out "$seeds" "${wanted[@]}" \
    >"$build/make_corpus.log" 2>&1; then
    echo "run.sh: make_corpus.py failed:" >&2
    tail -n 20 "$build/make_corpus.log" >&2
    exit 2
fi

# One line of figures from a libFuzzer log.
summary() {
    local log=$1 runs speed cov
    runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
    speed=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -1)
    cov=$(grep -oE 'cov: [0-9]+ ft: [0-9]+' "$log" | tail -1)
    echo "${runs:-?} runs, ${speed:-?} exec/s, ${cov:-no coverage line}"
}

failed=0
while read -r target max_len timeout; do
    case $target in '' | '#'*) continue ;; esac
    if [ ${#wanted[@]} -gt 0 ] && ! printf '%s\n' "${wanted[@]}" | grep -qx "$target"; then
        continue
    fi
    exe=$build/fuzz_$target
    if [ ! -x "$exe" ]; then
        echo "fuzz_$target: missing from $build" >&2
        failed=1
        continue
    fi
    corpus=$build/corpus/$target crashes=$build/crashes/$target log=$build/fuzz-$target.log
    mkdir -p "$corpus" "$crashes"
    flags=(-timeout="$timeout" -rss_limit_mb=2048 -print_final_stats=1 -artifact_prefix="$crashes/")

    # Whole files, without -max_len (which would cut a long regression input and let it pass).
    for input in "$here/regressions/$target"/*; do
        [ -f "$input" ] || continue
        log=$build/regression-$target.log
        if timeout -k 10 120 "$exe" "${flags[@]}" -runs=1 "$input" >"$log" 2>&1; then
            echo "fuzz_$target: regression $(basename "$input"): ok"
        else
            echo "fuzz_$target: regression $(basename "$input"): FAILS"
            grep -m 8 -E 'ERROR|INVARIANT|SUMMARY|runtime error|#[0-3] ' "$log" | sed 's/^/    /'
            failed=1
        fi
    done

    [ "$seconds" -gt 0 ] || continue
    before=$(find "$corpus" -type f | wc -l)
    newest_before=$(ls -t "$crashes" | head -1)
    # libFuzzer stops itself after SECONDS; timeout is for a process that would not exit (a stuck server thread).
    timeout -k 10 $((seconds + 120)) "$exe" "${flags[@]}" -max_len="$max_len" -dict="$seeds/dict/$target.dict" \
        -max_total_time="$seconds" "$corpus" "$seeds/corpus/$target" >"$log" 2>&1
    rc=$?
    added=$(($(find "$corpus" -type f | wc -l) - before))
    if [ $rc -eq 0 ]; then
        echo "fuzz_$target: ${seconds} s: $(summary "$log"), +$added corpus entries, no finding"
    else
        echo "fuzz_$target: ${seconds} s: FINDING (exit $rc): $(summary "$log")"
        grep -m 12 -E 'ERROR|INVARIANT|SUMMARY|runtime error|Test unit written|#[0-4] ' "$log" | sed 's/^/    /'
        echo "    log: $log"
        newest=$(ls -t "$crashes" | head -1)
        if [ -n "$newest" ] && [ "$newest" != "$newest_before" ] &&
            [ "$(stat -c %s "$crashes/$newest")" -le 65536 ]; then
            echo "    the input, in base64 (base64 -d > finding; $exe finding):"
            base64 -w 100 "$crashes/$newest" | sed 's/^/    /'
            # Again after the input, which can be long: a log cut to its last lines still says what failed.
            echo "    fuzz_$target: the finding above ($newest):"
            grep -m 6 -E 'ERROR|INVARIANT|SUMMARY|runtime error|#[0-2] ' "$log" | sed 's/^/    /'
        fi
        failed=1
    fi
done <"$here/targets"
exit $failed
