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

now() { date +%s.%N; }
rate() { awk -v n="$1" -v t="$2" 'BEGIN { printf "%.0f", (t > 0 ? n / t : 0) }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", (b > 0 ? a / b : 0) }'; }

# Baseline 1: grep -c over the same file (warm cache: run once first).
# (Not to /dev/null: GNU grep stops at the first match when its output goes
# there, even with -c.)
grep -c 'HTTP' "$LOG" >"$OUT/grep.count"
t0=$(now); grep -c 'HTTP' "$LOG" >"$OUT/grep.count"; t1=$(now)
[ "$(cat "$OUT/grep.count")" = "$LINES" ] || echo "bench: grep counted $(cat "$OUT/grep.count") lines" >&2
GREP_S=$(awk -v a="$t0" -v b="$t1" 'BEGIN { print b - a }')
GREP_LPS=$(rate "$LINES" "$GREP_S")

# The broker.
"$BIN/ronda-devbroker" --partitions 8 --topics ronda.events,bench.kcat \
    --bootstrap-file "$OUT/bootstrap" >"$OUT/broker.log" 2>&1 &
PIDS+=($!)
for _ in $(seq 100); do [ -s "$OUT/bootstrap" ] && break; sleep 0.1; done
BROKER=$(cat "$OUT/bootstrap")

# Baseline 2: kcat producing the same file into the same broker.
t0=$(now)
kcat -P -b "$BROKER" -t bench.kcat -X compression.codec=lz4 -X linger.ms=10 \
    -X queue.buffering.max.messages=100000 -l "$LOG" 2>/dev/null
t1=$(now)
KCAT_S=$(awk -v a="$t0" -v b="$t1" 'BEGIN { print b - a }')
KCAT_LPS=$(rate "$LINES" "$KCAT_S")

run_collector() {   # name forward [pin]
    local name=$1 forward=$2 dir=$OUT/$1
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
  - path: $LOG
    type: web
    format: combined
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
    /usr/bin/time -f '%M' -o "$dir/rss" "${pin[@]}" \
        "$BIN/ronda-collector" -c "$dir/collector.yaml" --once 2>"$dir/log"
    t1=$(now)
    awk -v a="$t0" -v b="$t1" 'BEGIN { print b - a }' >"$dir/secs"
    grep -o 'events [0-9]*' "$dir/log" | tail -1 | awk '{print $2}' >"$dir/events"
}

run_collector raw all
run_collector raw2 all nopin
run_collector rules events

row() {  # label lines secs rss_kib
    local lps; lps=$(rate "$2" "$3")
    printf '%-42s %12s %10s %10s %10s\n' "$1" "$lps" "$(ratio "$lps" "$GREP_LPS")" \
        "$(ratio "$lps" "$KCAT_LPS")" "${4:-}"
}

echo
echo "Ronda benchmark — $LINES lines ($((BYTES / 1048576)) MiB), $(nproc) cores, $(date -u +%Y-%m-%dT%H:%MZ)"
printf '%-42s %12s %10s %10s %10s\n' "what" "lines/s" "x grep -c" "x kcat" "peak RSS"
printf '%-42s %12s %10s %10s %10s\n' "grep -c (baseline: read the lines)" "$GREP_LPS" "1.00" \
    "$(ratio "$GREP_LPS" "$KCAT_LPS")" ""
printf '%-42s %12s %10s %10s %10s\n' "kcat -P (baseline: ship the lines)" "$KCAT_LPS" \
    "$(ratio "$KCAT_LPS" "$GREP_LPS")" "1.00" ""
row "collector --once, forward: all (all on 1 core)" "$LINES" "$(cat "$OUT/raw/secs")" \
    "$(( $(cat "$OUT/raw/rss") / 1024 )) MiB"
row "  same, librdkafka threads not pinned" "$LINES" "$(cat "$OUT/raw2/secs")" \
    "$(( $(cat "$OUT/raw2/rss") / 1024 )) MiB"
row "collector --once, rules, forward: events" "$LINES" "$(cat "$OUT/rules/secs")" \
    "$(( $(cat "$OUT/rules/rss") / 1024 )) MiB"
echo "  events shipped: forward all $(cat "$OUT/raw/events"), forward events $(cat "$OUT/rules/events")"
for extra in tools/bench_*.sh; do
    [ -x "$extra" ] || continue
    BROKER=$BROKER BENCH_OUT=$OUT BENCH_GREP_LPS=$GREP_LPS BENCH_KCAT_LPS=$KCAT_LPS "$extra" || \
        echo "  ($extra failed)"
done
