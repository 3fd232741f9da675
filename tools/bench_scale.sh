#!/bin/bash
# Scale-out of the correlator (called by tools/bench.sh at its end, or alone;
# docs/scaling.md): real processes over ronda-devbroker (8 partitions).
#
#   a. one stage-1 member (stage: detect) pinned to core 0 works off a
#      backlog of N events in ronda.events (pre-produced, lz4 as the
#      collectors send it) until its store's offsets reach the topic's end;
#      each batch's shares, positions, site clocks and guessers go to
#      ronda.incidents in one Kafka transaction before its store commits,
#      as in production;
#   b. the same backlog, on a fresh broker, with TWO members in one group
#      (cores 0 and 1, each its own store) until the newest offset of each
#      partition, over both stores, reaches the end: the ratio b/a;
#   c. one campaign stage (stage: campaigns) pinned to core 0 consuming the
#      incident stream the two members of b wrote, until its store's offset
#      of ronda.incidents reaches the end of partition 0; then the check:
#      its incidents are the sums of the members' shares, exactly.
# Baselines, same run: `kcat -C` reading the same backlog, and the same
# incident stream, pinned to core 0 (the cost of just fetching them), with
# fetch.wait.max.ms=10 as in bench_latency.sh: with the default 500 ms the
# mock's fetch replies doubled kcat's time for the backlog (0.92 s, 0.40 s).
# The members run their defaults (fetch.wait.max.ms 100).
#
# Rates are from the partitions' assignment (the group join, ~3 s of the
# broker's initial rebalance delay, is timed apart) to the moment the
# stores' offsets, polled every 20 ms, cover everything. A member works a
# backlog off in few large batches (batch.max_events, 5 x batch.interval):
# with the default N the whole run is one to three commits. a and b run
# BENCH_SCALE_RUNS times, alternating (a transient load hits both alike);
# the best of each is kept.
#
# Only 2 cores: in b the two members share the machine with the broker and
# with each other's librdkafka threads, where in a the broker had core 1 to
# itself: the wall-clock ratio moves with the neighbours; the CPU per event
# (the per-CPU-second rows) is what carries over to machines of their own.
#
# The mock broker keeps only ~5 MB of each partition. The backlog is
# produced lz4-compressed before any consumer starts (120,000 events: ~100
# MiB of JSON, ~2 MiB a partition on the wire). The bound is the incident
# stream: all of it goes to partition 0 of ronda.incidents (~120 bytes per
# event of this mix before compression, ~5x less after), and 200,000
# events overflowed it; a stream cut at its start is reported in place of
# the check. A much larger BENCH_SCALE_EVENTS does not fit the devbroker.
#
#   BENCH_SCALE_EVENTS=120000 BENCH_SCALE_RUNS=3 tools/bench_scale.sh
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
BIN=${RONDA_BIN:-$ROOT/build/bin}
# A local sandbox: the correlator may run as root here (docs/security.md).
export RONDA_ALLOW_ROOT=${RONDA_ALLOW_ROOT:-1}
OUT=${BENCH_OUT:-$ROOT/build/bench}/scale
N=${BENCH_SCALE_EVENTS:-120000}
RUNS=${BENCH_SCALE_RUNS:-3}
PARTS=8
ROWS=${BENCH_ROWS:-/dev/null}
NOTES=${BENCH_NOTES:-/dev/null}
TOPICS=ronda.events,ronda.alerts,ronda.events.dlq,ronda.incidents
mkdir -p "$OUT"
PIDS=()
cleanup() {
    local p c
    for p in "${PIDS[@]}"; do
        # /usr/bin/time's child first: TERM on time alone would orphan it.
        for c in $(ps -o pid= --ppid "$p" 2>/dev/null); do kill "$c" 2>/dev/null || true; done
        kill "$p" 2>/dev/null || true
    done
    wait 2>/dev/null || true
}
trap cleanup EXIT INT TERM

. "$ROOT/tools/bench_lib.sh"
rss_kib() { awk '{ print $4 }' "$1"; }
mib() { echo "$(( $1 / 1024 )) MiB"; }
die() { echo "bench_scale: $*" >&2; exit 1; }

# The default stream of bench_correlator.sh (tools/eventgen.c, mixed()).
EV=$OUT/actors-$N.tsv
if [ ! -s "$EV" ]; then
    echo "bench: generating $N events (300 sites, tail pool 200,000 IPs) into $EV" >&2
    "$BIN/ronda-eventgen" --events "$N" --sites 300 --ips 200000 --rate 2000 --seed 3 >"$EV.tmp"
    mv "$EV.tmp" "$EV"
fi
LINES=$(wc -l <"$EV")
BYTES=$(stat -c %s "$EV")

BROKER_PID=
B=
broker_start() {  # a fresh broker, the backlog produced into it
    rm -f "$OUT/bootstrap"
    "$BIN/ronda-devbroker" --topics "$TOPICS" --partitions "$PARTS" \
        --bootstrap-file "$OUT/bootstrap" >"$OUT/broker.log" 2>&1 &
    BROKER_PID=$!
    PIDS+=("$BROKER_PID")
    for _ in $(seq 300); do [ -s "$OUT/bootstrap" ] && break; sleep 0.1; done
    [ -s "$OUT/bootstrap" ] || die "the broker did not start"
    B=$(head -n 1 "$OUT/bootstrap")
    kcat -b "$B" -P -t ronda.events -K $'\t' -X queue.buffering.max.messages=1000000 \
        -X linger.ms=50 -X compression.codec=lz4 <"$EV"
}
broker_stop() {
    kill "$BROKER_PID" 2>/dev/null || true
    wait "$BROKER_PID" 2>/dev/null || true
}
# watermark TOPIC PART -2|-1: its first or next offset
watermark() {
    kcat -Q -b "$B" -t "$1:$2:$3" 2>/dev/null | awk '/offset/ { print $NF }'
}
events_end() {  # END: the sum of ronda.events' end offsets; EVENTS_LOW: of their starts
    local p hi lo sum=0 low=0
    for p in $(seq 0 $((PARTS - 1))); do
        hi=$(watermark ronda.events "$p" -1)
        lo=$(watermark ronda.events "$p" -2)
        [ -n "$hi" ] && [ -n "$lo" ] || die "kcat -Q: no offsets for ronda.events[$p]"
        sum=$((sum + hi))
        low=$((low + lo))
    done
    EVENTS_LOW=$low
    END=$sum
}

# start NAME CORE CONFIG: the correlator under /usr/bin/time, pinned; its
# pid (time's) in $STARTED.
start() {
    /usr/bin/time -f '%e %U %S %M' -o "$OUT/$1.time" taskset -c "$2" \
        "$BIN/ronda-correlator" -c "$3" >"$OUT/$1.log" 2>&1 &
    STARTED=$!
    PIDS+=("$STARTED")
}
stop() {  # stop PID: TERM the correlator itself, not /usr/bin/time (no report then)
    local c
    for c in $(ps -o pid= --ppid "$1"); do kill -TERM "$c" 2>/dev/null || true; done
    wait "$1" || true
}
alive() {  # alive NAME PID...
    local n=$1 p
    shift
    for p in "$@"; do
        kill -0 "$p" 2>/dev/null || { tail "$OUT/$n"*.log >&2; die "$n: a correlator died"; }
    done
}

member_conf() {  # member_conf NAME
    rm -f "$OUT/$1".db*
    cat >"$OUT/$1.yaml" <<YAML
stage: detect
kafka: {brokers: $B, topic: ronda.events, group: bench-scale, incidents_topic: ronda.incidents}
store: $OUT/$1.db
YAML
}

# applied DB...: the newest next offset of each partition over the stores, summed.
applied() {
    local f
    for f in "$@"; do
        sqlite3 "$f" "SELECT part, next_offset FROM offsets WHERE topic = 'ronda.events'" \
            2>/dev/null || true
    done | awk -F'|' '{ if ($2 > m[$1]) m[$1] = $2 } END { s = 0; for (p in m) s += m[p]; print s }'
}

# run_members LABEL CORE...: one member per core, from a fresh broker's
# backlog to every offset applied. Sets JOIN_S, RUN_S, REVOKED.
run_members() {
    local label=$1 i=0 core t0 ta t1 pids=() dbs=() logs=() got
    shift
    for core in "$@"; do
        i=$((i + 1))
        member_conf "$label$i"
        dbs+=("$OUT/$label$i.db")
        logs+=("$OUT/$label$i.log")
    done
    t0=$(now)
    i=0
    for core in "$@"; do
        i=$((i + 1))
        start "$label$i" "$core" "$OUT/$label$i.yaml"
        pids+=("$STARTED")
    done
    # The group join is a start-up cost, not throughput: timed apart.
    while ! grep -q ' assigned ' "${logs[@]}" 2>/dev/null; do
        alive "$label" "${pids[@]}"
        sleep 0.02
    done
    ta=$(now)
    while :; do
        got=$(applied "${dbs[@]}")
        [ "$got" -lt "$END" ] || break
        alive "$label" "${pids[@]}"
        [ "$(sub "$ta" "$(now)" | cut -d. -f1)" -lt 300 ] || die "$label: not done in 300 s ($got of $END)"
        sleep 0.02
    done
    t1=$(now)
    REVOKED=$(cat "${logs[@]}" | grep -c ' revoked ' || true)
    for i in "${pids[@]}"; do stop "$i"; done
    JOIN_S=$(sub "$t0" "$ta")
    RUN_S=$(sub "$ta" "$t1")
}

# best NAME VALUE: keep the highest VALUE seen under NAME (BEST_NAME).
best() {
    local cur
    eval "cur=\${BEST_$1:-0}"
    [ "$2" -le "$cur" ] || eval "BEST_$1=$2"
}

echo "bench: scale-out: $LINES events ($((BYTES / 1048576)) MiB of JSON) into $PARTS partitions," \
    "best of $RUNS rounds" >&2
for round in $(seq "$RUNS"); do
    # --- a: one member ---------------------------------------------------------
    broker_start
    events_end
    EVENTS=$((END - EVENTS_LOW))
    [ "$EVENTS_LOW" = 0 ] ||
        echo "bench: the broker dropped $EVENTS_LOW events (~5 MB a partition): lower BENCH_SCALE_EVENTS" >&2
    # Baseline: kcat -C reads the whole backlog on core 0.
    t0=$(now)
    /usr/bin/time -f '%e %U %S %M' -o "$OUT/kcat.time" taskset -c 0 \
        kcat -C -b "$B" -t ronda.events -o beginning -e -q -f '\n' -X fetch.wait.max.ms=10 \
        >"$OUT/kcat.out" 2>/dev/null
    t1=$(now)
    best KCAT "$(rate "$(wc -l <"$OUT/kcat.out")" "$(sub "$t0" "$t1")")"
    best KCAT_CPU "$(rate "$(wc -l <"$OUT/kcat.out")" "$(cpu_of "$OUT/kcat.time")")"
    rm -f "$OUT/kcat.out"
    run_members one 0
    best ONE "$(rate "$EVENTS" "$RUN_S")"
    best ONE_CPU "$(rate "$EVENTS" "$(cpu_of "$OUT/one1.time")")"
    best ONE_RSS "$(rss_kib "$OUT/one1.time")"
    ONE_JOIN=$JOIN_S
    ONE_REC=$(kcat -C -b "$B" -t ronda.incidents -p 0 -o beginning -e -q -f '\n' \
        -X fetch.wait.max.ms=10 2>/dev/null | wc -l)
    broker_stop

    # --- b: two members, one group ---------------------------------------------
    broker_start
    events_end
    [ $((END - EVENTS_LOW)) = "$EVENTS" ] ||
        die "this broker kept $((END - EVENTS_LOW)) events, the one before $EVENTS"
    run_members two 0 1
    best TWO "$(rate "$EVENTS" "$RUN_S")"
    best TWO_CPU "$(rate "$EVENTS" "$(awk '{ s += $2 + $3 } END { printf "%.2f", s }' \
        "$OUT/two1.time" "$OUT/two2.time")")"
    best TWO_RSS "$(cat "$OUT/two1.time" "$OUT/two2.time" | awk '$4 > m { m = $4 } END { print m }')"
    TWO_JOIN=$JOIN_S
    TWO_REVOKED=$(( ${TWO_REVOKED:-0} + REVOKED ))
    SPLIT=$(for f in "$OUT/two1.db" "$OUT/two2.db"; do
        sqlite3 "$f" "SELECT count(*) FROM offsets WHERE topic = 'ronda.events'"; done | paste -sd/)
    [ "$round" = "$RUNS" ] || { broker_stop; continue; }

    # --- c: the campaign stage over the incident stream of b (last round) -------
    # Each batch is a Kafka transaction: the offsets hold commit markers too,
    # so the records are counted, and the last one's offset is the end.
    INC_LO=$(watermark ronda.incidents 0 -2)
    kcat -C -b "$B" -t ronda.incidents -p 0 -o beginning -e -q -f '%o %S\n' \
        -X fetch.wait.max.ms=10 >"$OUT/stream.idx" 2>/dev/null
    INC_N=$(wc -l <"$OUT/stream.idx")
    [ "$INC_N" -gt 0 ] || die "the members wrote nothing to ronda.incidents"
    INC_END=$(( $(tail -n 1 "$OUT/stream.idx" | cut -d' ' -f1) + 1 ))
    INC_BYTES=$(awk '{ s += $2 } END { print s + 0 }' "$OUT/stream.idx")
    t0=$(now)
    /usr/bin/time -f '%e %U %S %M' -o "$OUT/kcat-inc.time" taskset -c 0 \
        kcat -C -b "$B" -t ronda.incidents -p 0 -o beginning -e -q -f '\n' -X fetch.wait.max.ms=10 \
        >"$OUT/kcat.out" 2>/dev/null
    t1=$(now)
    KINC_RPS=$(rate "$(wc -l <"$OUT/kcat.out")" "$(sub "$t0" "$t1")")
    rm -f "$OUT/kcat.out" "$OUT"/c.db*
    cat >"$OUT/c.yaml" <<YAML
stage: campaigns
kafka: {brokers: $B, topic: ronda.events, incidents_topic: ronda.incidents,
        campaigns_group: bench-scale-campaigns}
store: $OUT/c.db
YAML
    start c 0 "$OUT/c.yaml"
    cp=$STARTED
    while ! grep -q ' assigned ' "$OUT/c.log"; do alive c "$cp"; sleep 0.02; done
    ta=$(now)
    while :; do
        got=$(sqlite3 "$OUT/c.db" "SELECT coalesce(max(next_offset), 0) FROM offsets
            WHERE topic = 'ronda.incidents'" 2>/dev/null || echo 0)
        [ "${got:-0}" -lt "$INC_END" ] || break
        alive c "$cp"
        [ "$(sub "$ta" "$(now)" | cut -d. -f1)" -lt 300 ] || die "c: not done in 300 s ($got of $INC_END)"
        sleep 0.02
    done
    t1=$(now)
    stop "$cp"
    C_RPS=$(rate "$INC_N" "$(sub "$ta" "$t1")")
    C_CPU_RPS=$(rate "$INC_N" "$(cpu_of "$OUT/c.time")")
    C_RSS=$(rss_kib "$OUT/c.time")
    broker_stop
done
ONE_EPS=$BEST_ONE ONE_CPU_EPS=$BEST_ONE_CPU ONE_RSS=$BEST_ONE_RSS
KCAT_EPS=$BEST_KCAT KCAT_CPU_EPS=$BEST_KCAT_CPU
TWO_EPS=$BEST_TWO TWO_CPU_EPS=$BEST_TWO_CPU TWO_RSS=$BEST_TWO_RSS

# The check: stage 2's incidents are the sums of the members' shares (every
# share in the stream, none lost on the way). The mock broker keeps ~5 MB of
# ronda.incidents' partition 0; a stream cut at its start cannot add up.
C_INC=$(sqlite3 "$OUT/c.db" "SELECT count(*) || ' incidents, ' || sum(event_count) || ' events'
    FROM incidents")
S1_INC=$(sqlite3 "$OUT/two1.db" "ATTACH '$OUT/two2.db' AS b;
    SELECT count(*) || ' incidents, ' || sum(n) || ' events' FROM (SELECT sum(event_count) n
    FROM (SELECT site, kind, key, event_count FROM main.incidents UNION ALL
          SELECT site, kind, key, event_count FROM b.incidents) GROUP BY site, kind, key)")
if [ "$INC_LO" != 0 ]; then
    CHECK="not checked: the broker dropped the stream's first $INC_LO records (over ~5 MB); lower BENCH_SCALE_EVENTS"
elif [ "$C_INC" = "$S1_INC" ]; then
    CHECK="stage 2 = the sum of the members' shares ($C_INC)"
else
    CHECK="MISMATCH: stage 2 $C_INC, the members' shares $S1_INC"
fi
SCALE=$(ratio "$TWO_EPS" "$ONE_EPS")
RPE=$(awk -v r="$INC_N" -v e="$EVENTS" 'BEGIN { printf "%.3f", r / e }')
BPE=$(awk -v b="$INC_BYTES" -v e="$EVENTS" 'BEGIN { printf "%.0f", b / e }')
KRSS=$(mib "$(rss_kib "$OUT/kcat.time")")
KIRSS=$(mib "$(rss_kib "$OUT/kcat-inc.time")")
echo
echo "Scale-out — $EVENTS events ($((BYTES / 1048576)) MiB), $PARTS partitions, ronda-devbroker," \
    "$(nproc) cores, best of $RUNS rounds"
line() { printf '%-40s %16s %12s %9s\n' "$@"; }
line "what" "rate" "per CPU-s" "peak RSS"
line "kcat -C, the backlog, core 0" "$KCAT_EPS ev/s" "$KCAT_CPU_EPS" "$KRSS"
line "a. 1 detect member, core 0" "$ONE_EPS ev/s" "$ONE_CPU_EPS" "$(mib "$ONE_RSS")"
line "b. 2 detect members, cores 0 and 1" "$TWO_EPS ev/s" "$TWO_CPU_EPS" "$(mib "$TWO_RSS")"
line "kcat -C, ronda.incidents[0], core 0" "$KINC_RPS rec/s" "" "$KIRSS"
line "c. campaign stage, core 0" "$C_RPS rec/s" "$C_CPU_RPS" "$(mib "$C_RSS")"
echo "  b / a = ${SCALE}x; partitions per member in b: $SPLIT; revocations before done: $TWO_REVOKED"
echo "  group join: a $ONE_JOIN s, b $TWO_JOIN s (not in the rates)"
echo "  incident stream of b: $INC_N records ($RPE per event, $BPE bytes per event before lz4);" \
    "a's, one member: $ONE_REC records"
echo "  check: $CHECK"

# Rows for bench.sh's closing table (what, measured, baseline, its value,
# ratio, peak RSS, the baseline's peak RSS).
{
    r7() { printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$@"; }
    r7 "scale-out: 1 detect member, 1 core" "$ONE_EPS events/s" \
        "kcat -C, same backlog, 1 core" "$KCAT_EPS events/s" "$(ratio "$ONE_EPS" "$KCAT_EPS")x" \
        "$(mib "$ONE_RSS")" "$KRSS"
    r7 "  per CPU-second (taskset -c 0)" "$ONE_CPU_EPS ev/CPU-s" "kcat -C per CPU-second" \
        "$KCAT_CPU_EPS ev/CPU-s" "$(ratio "$ONE_CPU_EPS" "$KCAT_CPU_EPS")x" "" ""
    r7 "scale-out: 2 detect members, 1 core each" "$TWO_EPS events/s" \
        "1 detect member (row above)" "$ONE_EPS events/s" "${SCALE}x" \
        "$(mib "$TWO_RSS")" "$(mib "$ONE_RSS")"
    r7 "  per CPU-second (both members)" "$TWO_CPU_EPS ev/CPU-s" "1 member per CPU-second" \
        "$ONE_CPU_EPS ev/CPU-s" "$(ratio "$TWO_CPU_EPS" "$ONE_CPU_EPS")x" "" ""
    r7 "scale-out: campaign stage, ronda.incidents" "$C_RPS records/s" \
        "kcat -C, same stream, 1 core" "$KINC_RPS records/s" "$(ratio "$C_RPS" "$KINC_RPS")x" \
        "$(mib "$C_RSS")" "$KIRSS"
    r7 "  per CPU-second (taskset -c 0)" "$C_CPU_RPS rec/CPU-s" "" "" "" "" ""
} >>"$ROWS"
{
    echo "scale-out: $EVENTS events (lz4) in 8 partitions of ronda-devbroker, a fresh broker per" \
        "run, best of $RUNS rounds; members pinned (1: core 0; 2: cores 0 and 1), the broker not;" \
        "group join $ONE_JOIN s / $TWO_JOIN s (not in the rates);" \
        "2 members split $SPLIT partitions, $TWO_REVOKED revocations"
    echo "scale-out: incident stream of 2 members: $INC_N records ($RPE per event, $BPE bytes per" \
        "event before compression); check: $CHECK"
} >>"$NOTES"
