#!/bin/bash
# Ronda's test runner: every unit test binary and every end-to-end script, in
# the plain build and again in the sanitizer build (build/san). Prints one
# line per test and ends with "N passed, N failed". Exit 1 if anything failed.
#
#   tests/run.sh               everything
#   tests/run.sh --unit-only   unit tests only (plain build)
#   tests/run.sh --only PATTERN  tests whose name contains PATTERN
#
# Tests are discovered: build/tests/test_* (cmocka) and tests/e2e/test_*.sh.
# An e2e script gets RONDA_BIN (the bin folder to test), RONDA_SAN (0/1) and a
# fresh RONDA_TMP; it exits 0 (pass), 77 (skipped) or anything else (fail).
set -u
cd "$(dirname "$0")/.."
ROOT=$PWD

unit_only=0
only=""
while [ $# -gt 0 ]; do
    case "$1" in
        --unit-only) unit_only=1 ;;
        --only) only="$2"; shift ;;
        *) echo "usage: tests/run.sh [--unit-only] [--only PATTERN]" >&2; exit 2 ;;
    esac
    shift
done

passed=0 failed=0 skipped=0
failures=()
LOGDIR=$ROOT/build/test-logs
mkdir -p "$LOGDIR"

# Per-test wall-clock limit (seconds); an e2e script may be slower under ASan.
UNIT_TIMEOUT=${UNIT_TIMEOUT:-300}
E2E_TIMEOUT=${E2E_TIMEOUT:-600}

export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1:strict_string_checks=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
export LSAN_OPTIONS=${LSAN_OPTIONS:-suppressions=$ROOT/tests/lsan.supp:print_suppressions=0}

record() {   # name rc seconds log
    local name=$1 rc=$2 secs=$3 log=$4
    if [ "$rc" = 0 ]; then
        passed=$((passed + 1)); printf 'PASS  %-48s %4ss\n' "$name" "$secs"
    elif [ "$rc" = 77 ]; then
        skipped=$((skipped + 1)); printf 'SKIP  %-48s %s\n' "$name" "$(tail -n 1 "$log")"
    else
        failed=$((failed + 1)); failures+=("$name")
        printf 'FAIL  %-48s %4ss (rc %s, log %s)\n' "$name" "$secs" "$rc" "${log#$ROOT/}"
        tail -n 25 "$log" | sed 's/^/      | /'
    fi
}

run_one() {  # name timeout log cmd...
    local name=$1 to=$2 log=$3; shift 3
    local t0 rc
    if [ -n "$only" ] && [[ "$name" != *"$only"* ]]; then return; fi
    t0=$(date +%s)
    timeout -k 10 "$to" "$@" >"$log" 2>&1
    rc=$?
    [ $rc = 124 ] && echo "timed out after ${to}s" >>"$log"
    record "$name" "$rc" "$(( $(date +%s) - t0 ))" "$log"
}

run_suite() {   # builddir label san
    local bdir=$1 label=$2 san=$3 t name
    for t in "$bdir"/tests/test_*; do
        [ -x "$t" ] || continue
        name="$label/unit/$(basename "$t")"
        run_one "$name" "$UNIT_TIMEOUT" "$LOGDIR/${label}_$(basename "$t").log" \
            env RONDA_SRC="$ROOT" "$t"
    done
    [ $unit_only = 1 ] && return
    for t in tests/e2e/test_*.sh; do
        [ -f "$t" ] || continue
        name="$label/e2e/$(basename "$t" .sh)"
        local tmp
        tmp=$(mktemp -d "${TMPDIR:-/tmp}/ronda-e2e.XXXXXX")
        run_one "$name" "$E2E_TIMEOUT" "$LOGDIR/${label}_$(basename "$t" .sh).log" \
            env RONDA_SRC="$ROOT" RONDA_BIN="$ROOT/$bdir/bin" RONDA_SAN="$san" \
                RONDA_TMP="$tmp" bash "$t"
        rm -rf "$tmp"
    done
}

run_suite build plain 0
if [ $unit_only = 0 ] && [ -d build/san/bin ]; then
    run_suite build/san asan 1
fi

echo
if [ ${#failures[@]} -gt 0 ]; then
    echo "failed: ${failures[*]}"
fi
[ $skipped -gt 0 ] && echo "$skipped skipped"
echo "$passed passed, $failed failed"
[ $failed = 0 ]
