#!/bin/bash
# ronda-test: exclusive (compares events/s with and without load)
# The API under load while the correlator consumes at full speed: 200,000
# events (ronda-eventgen, 30,000 under ASan) pre-filled in the topic are
# consumed twice from the same broker, by two correlators (own group, own
# store) one after the other: first without API traffic, then with waves of
# 1,000 concurrent API requests (varied URLs, so they read the store) for as
# long as it consumes. Every request must get a 200, every event must be
# consumed, consumption must never stall under load (no stretch of more than
# MAX_GAP ms without a commit while events remain), and the events/s under
# load must stay within a factor of the quiet run (reads never block
# consumption: the API has its own thread and read-only SQLite connections).
# The factor is loose on purpose: on two cores the load client and the API
# thread take CPU the quiet run has to itself (since the consumer stopped
# idling, the quiet run does 200,000 events in under a second, and the
# correlator gets about a third of the machine under load); a stall is what
# MAX_GAP catches. The numbers are printed.
. "$(dirname "$0")/lib.sh"
require_cmd kcat sqlite3 curl

PY=/usr/bin/python3
TOKEN=load-$(od -An -tx1 -N12 /dev/urandom | tr -d ' \n')
if [ "$RONDA_SAN" = 1 ]; then N=30000; MIN_RATIO=0.10; else N=200000; MIN_RATIO=0.15; fi
MAX_GAP=$(_ms_of "$(scaled 3)")   # batch.interval is 1 s
# ~840 bytes an event: 128 partitions keep each under the mock's ~5 MB.
start_broker --partitions 128 --topics ronda.events,ronda.events.dlq,ronda.alerts

"$RONDA_BIN/ronda-eventgen" --events "$N" --scenario distinct-ips >"$T/events.tsv"
timeout "$(scaled 60)" kcat -b "$BROKER" -P -t ronda.events -K $'\t' \
    -X queue.buffering.max.messages=1000000 -X linger.ms=50 <"$T/events.tsv" || fail "kcat produce"
rm -f "$T/events.tsv"

config() {  # config NAME: its own group and store, the API on an ephemeral port
    cat >"$T/$1.yaml" <<YAML
kafka:
  brokers: $BROKER
  group: $1
  properties: {session.timeout.ms: "6000"}
store: $T/$1.db
batch: {interval: 250ms}
api:
  listen: 127.0.0.1:0
  tokens: ["$TOKEN"]
YAML
}

events_of() {  # events_of URL: ronda_events_consumed_total, or -1
    { curl -s -m 5 "$1/metrics" || true; } |
        awk '$1 == "ronda_events_consumed_total" { print $2; f = 1 } END { if (!f) print -1 }'
}

# run NAME LOAD(0|1): one correlator over the whole topic; sets RATE (events/s
# between its first and last commit) and, with LOAD, runs api_load.py.
run() {
    local name=$1 load=$2 url e t first_t="" first_e=0 last_t="" end lpid=""
    local prev_e=0 prev_t=0
    config "$name"
    spawn "$name" "$RONDA_BIN/ronda-correlator" -c "$T/$name.yaml"
    local cpid=$SPAWNED_PID
    wait_for grep -q "api: listening on" "$T/$name.log" --timeout 20 || fail "$name: no API"
    url=http://$(sed -n 's/.*api: listening on \([0-9.:]*\) .*/\1/p' "$T/$name.log" | head -n 1)
    end=$(( $(_now_ms) + $(_ms_of "$(scaled 90)") ))
    rm -f "$T/stop"
    while [ "$(_now_ms)" -lt "$end" ]; do
        _alive "$cpid" || fail "$name: the correlator died"
        e=$(events_of "$url"); t=$(_now_ms)
        # A stall: events left, yet nothing committed for MAX_GAP ms.
        if [ -n "$first_t" ] && [ "$e" -gt "$prev_e" ]; then
            prev_e=$e; prev_t=$t
        elif [ -n "$first_t" ] && [ $((t - prev_t)) -gt "$MAX_GAP" ]; then
            fail "$name: no commit for $((t - prev_t)) ms with $((N - e)) events left"
        fi
        if [ -z "$first_t" ] && [ "$e" -gt 0 ]; then
            first_t=$t; first_e=$e; prev_e=$e; prev_t=$t
            if [ "$load" = 1 ]; then
                spawn "$name-load" $PY "$RONDA_SRC/tests/e2e/api_load.py" --url "$url" \
                    --token "$TOKEN" --concurrency 1000 --stop-file "$T/stop" \
                    --max-seconds "$(scaled 90)" --out "$T/load.json"
                lpid=$SPAWNED_PID
            fi
        fi
        if [ "$e" -ge "$N" ]; then last_t=$t; break; fi
        sleep 0.1
    done
    touch "$T/stop"
    [ -n "$last_t" ] || fail "$name: consumed $(events_of "$url") of $N events in time"
    if [ -n "$lpid" ]; then
        wait_for test ! -d "/proc/$lpid" --timeout "$(scaled 120)" || fail "the load did not end"
        wait "$lpid" || fail "api_load.py failed"
        cat "$T/$name-load.log"
    fi
    [ "$(sqlite3 "$T/$name.db" "SELECT value FROM counters WHERE name = 'events'")" = "$N" ] ||
        fail "$name: the store counted $(sqlite3 "$T/$name.db" "SELECT value FROM counters WHERE name = 'events'") events"
    [ "$(sqlite3 "$T/$name.db" "SELECT value FROM counters WHERE name = 'offset_gaps'")" = 0 ] ||
        fail "$name: offset gaps (the mock dropped messages)"
    [ "$load" = 1 ] && echo "$name: $(curl -s -m 5 "$url/metrics" |
        awk '/^ronda_api_(cache|requests)_total/ && $2 > 0 { printf "%s %s  ", $1, $2 }')"
    local rc=0
    stop "$cpid" --timeout 20 || rc=$?
    [ $rc = 0 ] || fail "$name exited with $rc on TERM"
    # Events of the first commit were read before it: rate between commits.
    [ "$last_t" -gt "$first_t" ] || last_t=$((first_t + 1))
    RATE=$(( (N - first_e) * 1000 / (last_t - first_t) ))
    echo "$name: $N events, $((N - first_e)) of them in $((last_t - first_t)) ms between the first and last commit: $RATE events/s"
}

run quiet 0
QUIET=$RATE
run loaded 1
LOADED=$RATE

$PY - "$T/load.json" "$QUIET" "$LOADED" "$MIN_RATIO" <<'PY' || fail "load check"
import json, sys
s = json.load(open(sys.argv[1]))
quiet, loaded, ratio = int(sys.argv[2]), int(sys.argv[3]), float(sys.argv[4])
ok = True
if s["codes"] != {"200": s["requests"]}:
    print("FAIL: not every request got a 200: %s, e.g. %s" % (s["codes"], s["bad"]))
    ok = False
if s["requests"] < 1000:
    print("FAIL: only %d requests" % s["requests"])
    ok = False
print("load: %d requests in %d waves of 1000 concurrent, all 200; p50 %.3f s, p99 %.3f s; "
      "consumption %d events/s under load, %d quiet (%.2fx)" % (
          s["requests"], s["waves"], s["p50"], s["p99"], loaded, quiet, loaded / max(quiet, 1)))
if loaded < quiet * ratio:
    print("FAIL: consumption under load below %.2fx of the quiet run" % ratio)
    ok = False
sys.exit(0 if ok else 1)
PY
! grep -q "ERROR: AddressSanitizer\|LeakSanitizer\|runtime error" "$T"/quiet.log "$T"/loaded.log ||
    fail "sanitizer report"
echo ok
