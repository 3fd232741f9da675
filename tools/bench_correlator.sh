#!/bin/bash
# Correlator throughput and memory (called by tools/bench.sh at its end, or alone):
#   1. events/s on one core (taskset -c 0, librdkafka threads included) from a
#      pre-filled topic of N classified events (many sites, many IPs) to a
#      committed SQLite store, next to `kcat -C` reading the same topic on the
#      same core in the same run (the cost of just fetching the messages);
#   2. the engine alone (decode, dedupe, detectors, commits) fed the same
#      events from a file (`ronda-correlator --input`), to tell the broker's
#      share from the correlator's;
#   3. the engine on the "thin" stream (the old default: signature hits from
#      thinly spread IPs on random sites, one event in five opening a new
#      incident), the worst case for the store;
#   4. peak RSS with N distinct source IPs in the windows (every event from a
#      new IP), with the window cap raised so that none is evicted, and with
#      the default caps (evictions counted).
# Targets: >= 150,000 events/s; peak RSS < 512 MB.
#
# Each row gives events/s on the wall clock and per CPU-second (user + sys of
# the pinned process): on a shared machine the wall clock also measures the
# neighbours; the CPU figure is what one core of our own costs.
#
#   BENCH_EVENTS=1000000 tools/bench_correlator.sh
#
# The mock broker keeps ~5 MB per partition, so the topic gets its own broker
# with BENCH_PARTITIONS (384) partitions (bench.sh's broker has 8).
# A partition that overflowed shows up as offset_gaps and is printed.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
BIN=${RONDA_BIN:-$ROOT/build/bin}
# A local sandbox: the correlator may run as root here (docs/security.md).
export RONDA_ALLOW_ROOT=${RONDA_ALLOW_ROOT:-1}
OUT=${BENCH_OUT:-$ROOT/build/bench}/correlator
N=${BENCH_EVENTS:-1000000}
PARTS=${BENCH_PARTITIONS:-384}
mkdir -p "$OUT"
PIDS=()
cleanup() {
    for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
    wait 2>/dev/null || true
}
trap cleanup EXIT INT TERM

. "$ROOT/tools/bench_lib.sh"
rss_of() { awk '{ printf "%d MiB", $4 / 1024 }' "$1"; }
counter() { sqlite3 "$1" "SELECT coalesce(sum(value),0) FROM counters WHERE name IN ($2)" 2>/dev/null || echo 0; }

# The default stream: botnets, scanners, attackers and a long tail as the
# collectors send them with `forward: events` (tools/eventgen.c, mixed()).
EV=$OUT/actors-$N.tsv
THIN=$OUT/thin-$N.tsv
IPS=$OUT/distinct-$N.tsv
if [ ! -s "$EV" ]; then
    echo "bench: generating $N events (300 sites, tail pool 200,000 IPs) into $EV" >&2
    "$BIN/ronda-eventgen" --events "$N" --sites 300 --ips 200000 --rate 2000 --seed 3 >"$EV.tmp"
    mv "$EV.tmp" "$EV"
fi
if [ ! -s "$THIN" ]; then
    echo "bench: generating $N thin-spread events into $THIN" >&2
    "$BIN/ronda-eventgen" --scenario thin --events "$N" --sites 300 --ips 200000 --rate 2000 \
        --seed 3 >"$THIN.tmp"
    mv "$THIN.tmp" "$THIN"
fi
if [ ! -s "$IPS" ]; then
    echo "bench: generating $N events from $N distinct IPs into $IPS" >&2
    "$BIN/ronda-eventgen" --scenario distinct-ips --events "$N" --sites 300 --rate 5000 >"$IPS.tmp"
    mv "$IPS.tmp" "$IPS"
fi
TOTAL=$(wc -l <"$EV")
BYTES=$(stat -c %s "$EV")
# The mix: keys are source IPs, except the metric events' (the site).
NMETRIC=$(grep -c '"kind":"metric"' "$EV" || true)
NIPS=$(cut -f1 "$EV" | grep -v '\.go\.id$' | sort -u | wc -l)
NONCE=$(cut -f1 "$EV" | grep -v '\.go\.id$' | sort | uniq -u | wc -l)
NSITES=$(grep -o '"organization":{"id":"[^"]*"' "$EV" | sort -u | wc -l)

rm -f "$OUT/bootstrap"
"$BIN/ronda-devbroker" --topics ronda.events,ronda.events.dlq --partitions "$PARTS" \
    --bootstrap-file "$OUT/bootstrap" >"$OUT/broker.log" 2>&1 &
PIDS+=($!)
for _ in $(seq 100); do [ -s "$OUT/bootstrap" ] && break; sleep 0.1; done
B=$(head -n 1 "$OUT/bootstrap")

echo "bench: producing $TOTAL messages ($((BYTES / 1048576)) MiB) into $PARTS partitions" >&2
kcat -b "$B" -P -t ronda.events -K $'\t' -X queue.buffering.max.messages=1000000 \
    -X linger.ms=50 <"$EV"

# Baseline: kcat -C reads the whole topic on the same core.
t0=$(now)
/usr/bin/time -f '%e %U %S %M' -o "$OUT/kcat.time" taskset -c 0 \
    kcat -C -b "$B" -t ronda.events -o beginning -e -q -f '\n' >"$OUT/kcat.out" 2>/dev/null
t1=$(now)
KCAT_N=$(wc -l <"$OUT/kcat.out")
KCAT_S=$(sub "$t0" "$t1")
KCAT_EPS=$(rate "$KCAT_N" "$KCAT_S")
KCAT_CPU_EPS=$(rate "$KCAT_N" "$(cpu_of "$OUT/kcat.time")")
rm -f "$OUT/kcat.out"

# End to end: topic -> committed store.
rm -f "$OUT"/e2e.db*
cat >"$OUT/e2e.yaml" <<YAML
kafka: {brokers: $B, topic: ronda.events, group: bench-e2e,
        properties: {session.timeout.ms: "6000"}}
store: $OUT/e2e.db
YAML
t0=$(now)
/usr/bin/time -f '%e %U %S %M' -o "$OUT/e2e.time" taskset -c 0 \
    "$BIN/ronda-correlator" -c "$OUT/e2e.yaml" >"$OUT/e2e.log" 2>&1 &
cp=$!
PIDS+=($cp)
ALL="'events','duplicates','rejected_not_json','rejected_schema','rejected_too_large','offset_gaps'"
# The group join (the broker's initial rebalance delay, 3 s on a real Kafka
# and on the mock) is a start-up cost, not throughput: timed apart.
while ! grep -q ' assigned ' "$OUT/e2e.log"; do
    kill -0 $cp 2>/dev/null || { tail "$OUT/e2e.log" >&2; echo "bench: correlator died" >&2; exit 1; }
    sleep 0.02
done
ta=$(now)
# Each commit is seen (every 20 ms) as a step of the stored counters.
: >"$OUT/e2e.commits"
while :; do
    c=$(counter "$OUT/e2e.db" "$ALL")
    echo "$(now) $c" >>"$OUT/e2e.commits"
    [ "$c" -lt "$TOTAL" ] || break
    kill -0 $cp 2>/dev/null || { tail "$OUT/e2e.log" >&2; echo "bench: correlator died" >&2; exit 1; }
    sleep 0.02
done
t1=$(now)
# TERM the correlator itself, not /usr/bin/time (which would die without a report).
for c in $(ps -o pid= --ppid $cp); do kill -TERM "$c"; done
wait $cp || true
E2E_S=$(sub "$t0" "$t1")
E2E_JOIN_S=$(sub "$t0" "$ta")
E2E_ALL_EPS=$(rate "$TOTAL" "$E2E_S")
E2E_RUN_EPS=$(rate "$TOTAL" "$(sub "$ta" "$t1")")
# Throughput: from the first commit to the last full one. The last batch is
# the stream's remainder, committed batch.interval after the queue ran dry (a
# wait of up to 1 s that a stream which goes on never sees), so it is left out
# like the group join. Fewer than three commits: assignment to the end.
E2E_EPS=$(awk -v total="$TOTAL" -v fb="$E2E_RUN_EPS" '
    $2 != last { n++; t[n] = $1; c[n] = $2; last = $2 }
    END {
        if (n >= 4) { printf "%.0f", (c[n-1] - c[2]) / (t[n-1] - t[2]) }
        else print fb
    }' "$OUT/e2e.commits")
E2E_COMMITS=$(awk '$2 != last { n++; last = $2 } END { print n - 1 }' "$OUT/e2e.commits")
E2E_CPU_EPS=$(rate "$TOTAL" "$(cpu_of "$OUT/e2e.time")")
GAPS=$(counter "$OUT/e2e.db" "'offset_gaps'")
INCIDENTS=$(sqlite3 "$OUT/e2e.db" "SELECT count(*) FROM incidents")

# The engine alone, from the same events in a file.
engine() {  # name file yaml-extra
    rm -f "$OUT/$1".db*
    printf 'kafka: {brokers: 127.0.0.1:1, topic: ronda.events}\nstore: %s\n%s\n' \
        "$OUT/$1.db" "$3" >"$OUT/$1.yaml"
    local t0 t1
    t0=$(now)
    /usr/bin/time -f '%e %U %S %M' -o "$OUT/$1.time" taskset -c 0 \
        "$BIN/ronda-correlator" -c "$OUT/$1.yaml" --input "$2" --partitions "$PARTS" \
        >"$OUT/$1.log" 2>&1
    t1=$(now)
    sub "$t0" "$t1" >"$OUT/$1.secs"
}
engine file "$EV" ""
FILE_EPS=$(rate "$TOTAL" "$(cat "$OUT/file.secs")")
FILE_CPU_EPS=$(rate "$TOTAL" "$(cpu_of "$OUT/file.time")")
FILE_INC=$(sqlite3 "$OUT/file.db" "SELECT count(*) FROM incidents")
KINDS=$(sqlite3 -separator ' ' "$OUT/file.db" \
    "SELECT group_concat(kind || ' ' || n, ', ') FROM (SELECT kind, count(*) n FROM incidents GROUP BY 1 ORDER BY 2 DESC)")
THIN_N=$(wc -l <"$THIN")
engine thin "$THIN" ""
THIN_INC=$(sqlite3 "$OUT/thin.db" "SELECT count(*) FROM incidents")
engine ips "$IPS" "windows: {max_entries: 4000000}"
IPS_KEYS=$(sqlite3 "$OUT/ips.db" "SELECT value FROM counters WHERE name='window_evicted'")
engine ipscap "$IPS" ""
CAP_EVICTED=$(sqlite3 "$OUT/ipscap.db" "SELECT value FROM counters WHERE name='window_evicted'")

row() {  # what eps cpu_eps rss
    printf '%-46s %11s %11s %9s %10s\n' "$1" "$2" "$3" "$(ratio "$3" "$KCAT_CPU_EPS")" "${4:-}"
}
verdict() {  # eps -> met / MISSED
    awk -v e="$1" 'BEGIN { print (e >= 150000 ? "met" : "MISSED") }'
}
echo
echo "Correlator — $TOTAL events ($((BYTES / 1048576)) MiB), $PARTS partitions, taskset -c 0"
echo "  stream: $NSITES sites, $NIPS distinct source IPs ($NONCE seen once), $NMETRIC metric events;"
echo "  incidents opened: $FILE_INC ($KINDS)"
printf '%-46s %11s %11s %9s %10s\n' "what" "events/s" "ev/CPU-s" "x kcat -C" "peak RSS"
row "kcat -C (baseline: fetch the topic)" "$KCAT_EPS" "$KCAT_CPU_EPS" "$(rss_of "$OUT/kcat.time")"
row "correlator: topic -> committed store" "$E2E_EPS" "$E2E_CPU_EPS" "$(rss_of "$OUT/e2e.time")"
row "correlator engine: file -> committed store" "$FILE_EPS" "$FILE_CPU_EPS" "$(rss_of "$OUT/file.time")"
row "engine, thin stream ($THIN_INC incidents)" \
    "$(rate "$THIN_N" "$(cat "$OUT/thin.secs")")" "$(rate "$THIN_N" "$(cpu_of "$OUT/thin.time")")" \
    "$(rss_of "$OUT/thin.time")"
row "engine, $N distinct IPs, nothing evicted" \
    "$(rate "$N" "$(cat "$OUT/ips.secs")")" "$(rate "$N" "$(cpu_of "$OUT/ips.time")")" \
    "$(rss_of "$OUT/ips.time")"
row "engine, $N distinct IPs, default caps" \
    "$(rate "$N" "$(cat "$OUT/ipscap.secs")")" "$(rate "$N" "$(cpu_of "$OUT/ipscap.time")")" \
    "$(rss_of "$OUT/ipscap.time")"
echo "  targets: >= 150000 events/s on one core; peak RSS < 512 MiB with $N distinct IPs"
echo "  end to end vs target: $(verdict "$E2E_CPU_EPS") per CPU-second ($E2E_CPU_EPS), $(verdict "$E2E_EPS") on the wall clock ($E2E_EPS)"
echo "  engine alone vs target: $(verdict "$FILE_CPU_EPS") per CPU-second ($FILE_CPU_EPS)"
echo "  end to end: events/s between the first and the last full commit ($E2E_COMMITS commits);"
echo "    from the assignment to the last commit $E2E_RUN_EPS events/s; with the group join ($E2E_JOIN_S s) $E2E_ALL_EPS events/s"
echo "  offset gaps $GAPS; incidents $INCIDENTS"
echo "  distinct IPs: window evictions $IPS_KEYS (max_entries 4M), $CAP_EVICTED with the default 2M keys"
echo "  (each IP makes up to 4 window keys: brute force, spray, compromise by IP and by /24)"

# Rows for bench.sh's closing table (what, measured, baseline, its value,
# ratio, peak RSS, the baseline's peak RSS).
if [ -n "${BENCH_ROWS:-}" ]; then
    KRSS=$(rss_of "$OUT/kcat.time")
    crow() {  # what eps cpu_eps timefile
        printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$1" "$2 events/s" "kcat -C, same topic" \
            "$KCAT_EPS events/s" "$(ratio "$2" "$KCAT_EPS")x" "$(rss_of "$4")" "$KRSS"
        printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "  per CPU-second (taskset -c 0)" "$3 ev/CPU-s" \
            "kcat -C per CPU-second" "$KCAT_CPU_EPS ev/CPU-s" "$(ratio "$3" "$KCAT_CPU_EPS")x" "" ""
    }
    {
        crow "correlator: topic -> committed store" "$E2E_EPS" "$E2E_CPU_EPS" "$OUT/e2e.time"
        crow "correlator engine: file -> committed store" "$FILE_EPS" "$FILE_CPU_EPS" \
            "$OUT/file.time"
        crow "engine, thin stream (worst case for the store)" \
            "$(rate "$THIN_N" "$(cat "$OUT/thin.secs")")" \
            "$(rate "$THIN_N" "$(cpu_of "$OUT/thin.time")")" "$OUT/thin.time"
        crow "engine, $N distinct source IPs" "$(rate "$N" "$(cat "$OUT/ips.secs")")" \
            "$(rate "$N" "$(cpu_of "$OUT/ips.time")")" "$OUT/ips.time"
    } >>"$BENCH_ROWS"
    echo "correlator: $TOTAL events of the actor mix, $PARTS partitions, pinned to one core (taskset -c 0);" \
        "offset gaps $GAPS" >>"${BENCH_NOTES:-/dev/null}"
    echo "correlator topic -> store: events/s between its first and last full commit ($E2E_COMMITS" \
        "commits); from the assignment to the last commit $E2E_RUN_EPS events/s; with the group join" \
        "($E2E_JOIN_S s) $E2E_ALL_EPS events/s" >>"${BENCH_NOTES:-/dev/null}"
fi
