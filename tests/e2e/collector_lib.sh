# tests/e2e/collector_lib.sh — shared by the collector's end-to-end tests;
# source it after lib.sh.
#
#   collector_config FILE [EXTRA_YAML]   a forward-all config tailing $T/logs/*.log
#   start_collector NAME                 spawn ronda-collector -c $T/collector.yaml
#   write_log ARGS...                    tests/e2e/logwriter.py, truth in $T/truth
#   wait_complete N TIMEOUT              every line 0..N-1 of the truth arrived
#   verify_events N                      schema + completeness + id consistency
#   ingest_test MODE                     the ingest/rotation test, MODE none|rename|copytruncate
#
# Events are consumed into $T/events*.jsonl (a test that restarts kcat, e.g.
# after a broker outage, which kcat does not survive, uses another file).

mkdir -p "$T/logs"

collector_config() {
    cat >"$1" <<YAML
site: bontangkota.go.id
agency: Diskominfo Bontang
region: Kalimantan Timur
timezone: Asia/Makassar
state_db: $T/state.db
forward: all
scan_interval: 200ms
rotate_wait: 1s
stats_interval: 5s
rules_cache: $RONDA_SRC/build/rules-cache
kafka:
  brokers: $BROKER
  topic: ronda.events
inputs:
  - path: $T/logs/*.log
    type: web
    format: combined
    start_at: beginning
${2:-}
YAML
}

start_collector() {
    spawn "$1" "$RONDA_BIN/ronda-collector" -c "$T/collector.yaml"
    COLLECTOR_PID=$SPAWNED_PID
}

# lines N: N in the plain build; a quarter under ASan, where the suite looks
# for memory errors, not volume (the plain suite keeps the full count).
lines() {
    if [ "$RONDA_SAN" = 1 ]; then echo $(( $1 / 4 )); else echo "$1"; fi
}

# rate R: lines/s for the writer, divided by the sanitizer factor: the ASan
# build is several times slower, and these tests are about rotation and
# delivery, not speed (make bench measures speed).
rate() {
    awk -v r="$1" -v f="$RONDA_TIME_FACTOR" 'BEGIN { printf "%d", r / f }'
}

# wait_started NAME: the collector logged that it runs (rules compiled, files open).
wait_started() {
    wait_for grep -q "ronda-collector info: started" "$T/$1.log" --timeout 60 ||
        fail "$1 did not start"
}

write_log() {
    /usr/bin/python3 "$RONDA_SRC/tests/e2e/logwriter.py" --path "$T/logs/access.log" \
        --truth "$T/truth" "$@"
}

# Distinct line numbers seen in the consumed events (each written line
# carries "/<n>-halaman" in its path). Fast enough to poll.
distinct_seen() {
    cat "$T"/events*.jsonl 2>/dev/null | grep -oE '/[0-9]+-halaman' | sort -u | wc -l | tr -d ' '
}

_complete() { [ "$(distinct_seen)" -ge "$1" ]; }

wait_complete() {
    local n=$1 to=$2
    if ! wait_for _complete "$n" --timeout "$to"; then
        fail "only $(distinct_seen) of $n lines arrived within ${to}s (x$RONDA_TIME_FACTOR)"
    fi
}

# Every event valid against the schema, every written line present, the same
# line always with the same event.id.
verify_events() {
    local out
    cat "$T"/events*.jsonl >"$T/all-events.json"
    if ! out=$(check_events "$T/all-events.json" --expect-lines "$T/truth" --quiet 2>&1); then
        fail "check_events: $out"
    fi
    echo "$out"
    [ "$(count_lines "$T/truth")" = "$1" ] || fail "the writer wrote $(count_lines "$T/truth") lines, not $1"
}

# ingest_test none|rename|copytruncate: N lines (200,000; a quarter under
# ASan) appended while the collector runs, rotated every 10,000 lines by
# rename or copytruncate. Every line arrives, every event validates, the
# rotations were seen, and on SIGTERM every line read was confirmed.
ingest_test() {
    local rotate=$1 N seen mark what
    N=$(lines 200000)
    start_broker --partitions 6
    consume_to "$T/events.jsonl" ronda.events
    collector_config "$T/collector.yaml"
    start_collector collector
    wait_started collector

    write_log --lines "$N" --rate "$(rate 30000)" --rotate "$rotate" --every 10000
    wait_complete "$N" 120
    stop "$COLLECTOR_PID" --timeout 15 || fail "collector exited with $? on SIGTERM"
    grep -q "every line read was confirmed by Kafka" "$T/collector.log" ||
        fail "unconfirmed lines at exit"
    case "$rotate" in
        rename) mark="was rotated or removed"; what=rotations ;;
        copytruncate) mark="was truncated"; what=truncations ;;
        *) mark="" ;;
    esac
    if [ -n "$mark" ]; then
        seen=$(grep -c "$mark" "$T/collector.log" || true)
        [ "$seen" -ge $(( N / 10000 * 3 / 4 )) ] ||
            fail "expected $(( N / 10000 - 1 )) $what to be seen, saw $seen"
    fi
    sleep 1
    verify_events "$N"
}
