#!/bin/bash
# Ronda's test runner: every unit test binary and every end-to-end script, in
# the plain build and again in the sanitizer build (build/san). Prints one
# line per test and ends with "N passed, N failed". Exit 1 if anything failed.
#
#   tests/run.sh               everything
#   tests/run.sh --unit-only   unit tests only (plain build)
#   tests/run.sh --only PATTERN  tests whose name contains PATTERN
#   tests/run.sh -j N          N tests at a time (default RONDA_TEST_JOBS or 2)
#
# Tests run N at a time, in the order plain then asan. A script that says
# `# ronda-test: exclusive` in its first 30 lines (it measures time or rates,
# or uses every core itself) runs alone, after the others.
#
# Tests are discovered: build/tests/test_* (cmocka) and tests/e2e/test_*.sh.
# An e2e script gets RONDA_BIN (the bin folder to test), RONDA_SAN (0/1) and a
# fresh RONDA_TMP; it exits 0 (pass), 77 (skipped) or anything else (fail).
set -u
cd "$(dirname "$0")/.."
ROOT=$PWD

unit_only=0
only=""
jobs=${RONDA_TEST_JOBS:-2}
while [ $# -gt 0 ]; do
    case "$1" in
        --unit-only) unit_only=1 ;;
        --only) only="$2"; shift ;;
        -j) jobs="$2"; shift ;;
        *) echo "usage: tests/run.sh [--unit-only] [--only PATTERN] [-j N]" >&2; exit 2 ;;
    esac
    shift
done
case "$jobs" in ''|*[!0-9]*|0) echo "tests/run.sh: -j wants a positive number" >&2; exit 2 ;; esac

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
        # The reason first (a failing e2e script says FAIL: ...), then the tail.
        grep -m 3 '^FAIL: ' "$log" | sed 's/^/      | /'
        tail -n 25 "$log" | sed 's/^/      | /'
    fi
}

# The queue: one entry per test, "name<TAB>timeout<TAB>log<TAB>kind<TAB>arg...",
# kind "par" or "excl"; the command is the rest, NUL-free words split on TAB.
QUEUE=()
enqueue() {  # name timeout log kind cmd...
    local name=$1
    if [ -n "$only" ] && [[ "$name" != *"$only"* ]]; then return; fi
    local IFS=$'\t'
    QUEUE+=("$*")
}

# One test in the background: its exit code and seconds go to $log.result.
start_one() {  # entry
    local name to log kind
    local -a cmd
    IFS=$'\t' read -r -a cmd <<<"$1"
    name=${cmd[0]} to=${cmd[1]} log=${cmd[2]} kind=${cmd[3]}
    cmd=("${cmd[@]:4}")
    (
        t0=$(date +%s)
        timeout -k 10 "$to" "${cmd[@]}" >"$log" 2>&1
        rc=$?
        [ $rc = 124 ] && echo "timed out after ${to}s" >>"$log"
        echo "$rc $(( $(date +%s) - t0 ))" >"$log.result"
    ) &
    RUNNING[$!]="$name"$'\t'"$log"
}

# Wait for one running test and record it.
reap_one() {
    local pid name log rc secs
    wait -n -p pid
    IFS=$'\t' read -r name log <<<"${RUNNING[$pid]}"
    unset "RUNNING[$pid]"
    read -r rc secs <"$log.result" 2>/dev/null || { rc=1; secs=0; }
    rm -f "$log.result"
    record "$name" "$rc" "$secs" "$log"
}

run_queue() {  # kind width
    local kind=$1 width=$2 e
    declare -gA RUNNING=()
    for e in "${QUEUE[@]}"; do
        [ "$(cut -f4 <<<"$e")" = "$kind" ] || continue
        while [ ${#RUNNING[@]} -ge "$width" ]; do reap_one; done
        start_one "$e"
    done
    while [ ${#RUNNING[@]} -gt 0 ]; do reap_one; done
}

run_suite() {   # builddir label san
    local bdir=$1 label=$2 san=$3 t name kind tmp
    for t in "$bdir"/tests/test_*; do
        [ -x "$t" ] || continue
        name="$label/unit/$(basename "$t")"
        enqueue "$name" "$UNIT_TIMEOUT" "$LOGDIR/${label}_$(basename "$t").log" par \
            env RONDA_SRC="$ROOT" "$t"
    done
    [ $unit_only = 1 ] && return
    for t in tests/e2e/test_*.sh; do
        [ -f "$t" ] || continue
        name="$label/e2e/$(basename "$t" .sh)"
        kind=par
        head -n 30 "$t" | grep -q '^# ronda-test: exclusive' && kind=excl
        # Each test gets a fresh folder (removed by its own trap or below).
        tmp="${TMPDIR:-/tmp}/ronda-e2e.$label.$(basename "$t" .sh).$$"
        enqueue "$name" "$E2E_TIMEOUT" "$LOGDIR/${label}_$(basename "$t" .sh).log" "$kind" \
            bash -c 'rm -rf "$0"; mkdir -p "$0" || exit 1; "$@"; rc=$?; rm -rf "$0"; exit $rc' \
            "$tmp" env RONDA_SRC="$ROOT" RONDA_BIN="$ROOT/$bdir/bin" RONDA_SAN="$san" \
                RONDA_TMP="$tmp" bash "$t"
    done
}

run_suite build plain 0
if [ $unit_only = 0 ] && [ -d build/san/bin ]; then
    run_suite build/san asan 1
fi
run_queue par "$jobs"
run_queue excl 1

echo
if [ ${#failures[@]} -gt 0 ]; then
    echo "failed: ${failures[*]}"
fi
[ $skipped -gt 0 ] && echo "$skipped skipped"
echo "$passed passed, $failed failed"
[ $failed = 0 ]
