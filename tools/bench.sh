#!/bin/bash
# make bench — every benchmark in one run, one table at the end.
#
# Each figure stands next to a baseline measured in the same run on the same
# machine: `grep -c` over the same file (the cost of just reading the lines)
# and `kcat` producing the same file into the same broker (the cost of just
# shipping them). Ratios, not absolute numbers, are what compare across
# machines. The collector runs pinned to one core (taskset -c 0), librdkafka
# threads included.
#
#   BENCH_LINES=1000000 tools/bench.sh
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
BIN=$ROOT/build/bin
OUT=${BENCH_OUT:-$ROOT/build/bench}
LINES=${BENCH_LINES:-1000000}
mkdir -p "$OUT"
ROWS=$OUT/rows.tsv
NOTES=$OUT/notes.txt
: >"$ROWS"
: >"$NOTES"
PIDS=()
cleanup() {
    for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
    wait 2>/dev/null || true
}
trap cleanup EXIT INT TERM

LOG=$OUT/access-$LINES.log
if [ ! -s "$LOG" ]; then
    echo "bench: generating $LINES access-log lines (2% attacks) into $LOG" >&2
    /usr/bin/python3 tools/gen_access_log.py --lines "$LINES" --attack-pct 2 >"$LOG.tmp"
    mv "$LOG.tmp" "$LOG"
fi
BYTES=$(stat -c %s "$LOG")
# An auth log (sshd, PAM, sudo, postfix, dovecot, noise) for the decoders.
AUTH_LINES=$((LINES / 4))
AUTH_LOG=$OUT/auth-$AUTH_LINES.log
if [ ! -s "$AUTH_LOG" ]; then
    /usr/bin/python3 tools/gen_auth_log.py --lines "$AUTH_LINES" >"$AUTH_LOG.tmp"
    mv "$AUTH_LOG.tmp" "$AUTH_LOG"
fi

. "$ROOT/tools/bench_lib.sh"

# Baseline 1: grep -c over the same file (warm cache: run once first).
# (Not to /dev/null: GNU grep stops at the first match when its output goes
# there, even with -c.)
grep -c 'HTTP' "$LOG" >"$OUT/grep.count"
t0=$(now); /usr/bin/time -f '%M' -o "$OUT/grep.rss" grep -c 'HTTP' "$LOG" >"$OUT/grep.count"; t1=$(now)
[ "$(cat "$OUT/grep.count")" = "$LINES" ] || echo "bench: grep counted $(cat "$OUT/grep.count") lines" >&2
GREP_S=$(awk -v a="$t0" -v b="$t1" 'BEGIN { print b - a }')
GREP_LPS=$(rate "$LINES" "$GREP_S")
# The same for the auth log: grep -c of a regular expression over it.
grep -cE 'Failed|Invalid|failure' "$AUTH_LOG" >/dev/null || true
t0=$(now); grep -cE 'Failed|Invalid|failure' "$AUTH_LOG" >"$OUT/grep-auth.count" || true; t1=$(now)
AGREP_LPS=$(rate "$AUTH_LINES" "$(awk -v a="$t0" -v b="$t1" 'BEGIN { print b - a }')")

# The broker.
"$BIN/ronda-devbroker" --partitions 8 --topics ronda.events,bench.kcat \
    --bootstrap-file "$OUT/bootstrap" >"$OUT/broker.log" 2>&1 &
PIDS+=($!)
for _ in $(seq 100); do [ -s "$OUT/bootstrap" ] && break; sleep 0.1; done
BROKER=$(cat "$OUT/bootstrap")

# Baseline 2: kcat producing the same file into the same broker.
t0=$(now)
/usr/bin/time -f '%M' -o "$OUT/kcat.rss" \
    kcat -P -b "$BROKER" -t bench.kcat -X compression.codec=lz4 -X linger.ms=10 \
    -X queue.buffering.max.messages=100000 -l "$LOG" 2>/dev/null
t1=$(now)
KCAT_S=$(awk -v a="$t0" -v b="$t1" 'BEGIN { print b - a }')
KCAT_LPS=$(rate "$LINES" "$KCAT_S")

run_collector() {   # name forward [pin [log type format lines]]
    local name=$1 forward=$2 dir=$OUT/$1
    local log=${4:-$LOG} type=${5:-web} format=${6:-combined} n=${7:-$LINES}
    rm -rf "$dir"; mkdir -p "$dir"
    cat >"$dir/collector.yaml" <<YAML
site: bench.go.id
agency: Bench
timezone: Asia/Makassar
state_db: $dir/state.db
rules_cache: $OUT/rules-cache
forward: $forward
kafka:
  brokers: $BROKER
  topic: ronda.events
inputs:
  - path: $log
    type: $type
    format: $format
    start_at: beginning
YAML
    local t0 t1
    # Compile (or load) the rules outside the timing: a restart with the
    # same rules loads them from the cache in milliseconds.
    "$BIN/ronda-collector" -c "$dir/collector.yaml" --check-config >/dev/null
    rm -f "$dir"/state.db*
    t0=$(now)
    local pin=(taskset -c 0)
    [ "${3:-pin}" = nopin ] && pin=()
    /usr/bin/time -f '%M %U %S' -o "$dir/time" "${pin[@]}" \
        "$BIN/ronda-collector" -c "$dir/collector.yaml" --once 2>"$dir/log"
    t1=$(now)
    awk -v a="$t0" -v b="$t1" 'BEGIN { print b - a }' >"$dir/secs"
    awk '{ print $1 }' "$dir/time" >"$dir/rss"
    # CPU time (user + sys, all threads): what neighbours on a shared
    # machine inflate least; lines/s is wall clock.
    awk -v n="$n" '{ printf "%.2f\n", ($2 + $3) / n * 1e6 }' "$dir/time" >"$dir/cpu_us"
    grep -o 'events [0-9]*' "$dir/log" | tail -1 | awk '{print $2}' >"$dir/events"
}

run_collector raw all
run_collector raw2 all nopin
run_collector rules events
run_collector auth events pin "$AUTH_LOG" auth syslog "$AUTH_LINES"

mib() { echo "$(( $(cat "$1") / 1024 )) MiB"; }
row() {  # what value baseline-label baseline-value ratio rss baseline-rss
    printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$@" >>"$ROWS"
}
coll_row() {  # label run baseline(grep|kcat)
    local lps; lps=$(rate "$LINES" "$(cat "$OUT/$2/secs")")
    if [ "$3" = grep ]; then
        row "$1" "$lps lines/s" "grep -c" "$GREP_LPS lines/s" "$(ratio "$lps" "$GREP_LPS")x" \
            "$(mib "$OUT/$2/rss")" "$(mib "$OUT/grep.rss")"
    else
        row "$1" "$lps lines/s" "kcat -P, same file" "$KCAT_LPS lines/s" \
            "$(ratio "$lps" "$KCAT_LPS")x" "$(mib "$OUT/$2/rss")" "$(mib "$OUT/kcat.rss")"
    fi
}
coll_row "collector --once, forward: all, 1 core" raw kcat
coll_row "  same, librdkafka threads not pinned" raw2 kcat
coll_row "collector --once, rules, forward: events" rules grep
alps=$(rate "$AUTH_LINES" "$(cat "$OUT/auth/secs")")
row "collector --once, auth log, decoders + rules" "$alps lines/s" "grep -cE, same auth log" \
    "$AGREP_LPS lines/s" "$(ratio "$alps" "$AGREP_LPS")x" "$(mib "$OUT/auth/rss")" "-"
echo "bench: collector, $LINES lines: grep -c $GREP_LPS lines/s, kcat -P $KCAT_LPS lines/s;" \
    "events shipped: forward all $(cat "$OUT/raw/events"), forward events $(cat "$OUT/rules/events")"
echo "collector CPU (user + sys, every thread) per line: forward all $(cat "$OUT/raw/cpu_us") us" \
    "pinned, $(cat "$OUT/raw2/cpu_us") us unpinned; forward events $(cat "$OUT/rules/cpu_us") us;" \
    "auth log ($AUTH_LINES lines, decoders + rules) $(cat "$OUT/auth/cpu_us") us" >>"$NOTES"
for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
wait 2>/dev/null || true
PIDS=()
for extra in tools/bench_correlator.sh tools/bench_latency.sh tools/bench_webroot.sh \
    tools/bench_scale.sh; do
    BENCH_OUT=$OUT BENCH_ROWS=$ROWS BENCH_NOTES=$NOTES "$extra" || echo "bench: $extra failed" >&2
done

echo
echo "Ronda benchmark — $(date -u +%Y-%m-%dT%H:%MZ), $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg)"
echo "collector: $LINES access-log lines ($((BYTES / 1048576)) MiB, 2% attacks); correlator:" \
    "${BENCH_EVENTS:-1000000} events; every baseline measured in this run"
awk -F'\t' 'BEGIN { printf "%-50s %16s  %-38s %16s %7s %9s %9s\n", "what", "measured",
                     "baseline (same run)", "baseline", "ratio", "peak RSS", "(baseline)" }
            { printf "%-50s %16s  %-38s %16s %7s %9s %9s\n", $1, $2, $3, $4, $5, $6, $7 }' "$ROWS"
echo "collector: --once from a pre-written file into ronda-devbroker; rules: the shipped set."
cat "$NOTES"
