#!/bin/bash
# ronda-correlator end to end (4): garbage, truncated JSON, a schema-invalid
# event and an oversized message on the topic end in ronda.events.dlq and in
# the counters, and processing goes on (the good events around them are
# applied). librdkafka 2.0's mock broker drops a whole partition when one
# message exceeds its ~5 MB retention, so the oversized message here is 3 MB
# against a 1 MB max_message (same code path as 10 MB on a real cluster), on
# its own partition.
. "$(dirname "$0")/lib.sh"
require_cmd kcat sqlite3 python3

start_broker --topics ronda.events,ronda.events.dlq --partitions 2
cat >"$T/c.yaml" <<YAML
kafka:
  brokers: $BROKER
  topic: ronda.events
  group: g
  properties: {session.timeout.ms: "6000"}
store: $T/ronda.db
detectors: {}
YAML

"$RONDA_BIN/ronda-eventgen" --scenario bruteforce-success --failures 12 | cut -f2 >"$T/good.json"
head -n 6 "$T/good.json" >"$T/in.json"
printf '\x00\x01\xff garbage \x1b[31m not json\n' >>"$T/in.json"
head -n 1 "$T/good.json" | cut -c1-200 >>"$T/in.json"          # truncated JSON
echo '{"@timestamp":"2026-11-20T15:04:05Z","event":{"id":"x1","kind":"bogus"},"organization":{"id":"a.go.id"}}' >>"$T/in.json"
tail -n +7 "$T/good.json" >>"$T/in.json"
produce() { timeout "$(scaled 30)" kcat -b "$BROKER" -P -t ronda.events "$@"; }
produce -p 0 <"$T/in.json" || fail "produce"
# 3 MB: one JSON string that never ends inside a valid-looking event.
python3 -c 'import sys; sys.stdout.write("{\"@timestamp\":\"2026-11-20T15:04:05Z\",\"event\":{\"original\":\"" + "A"*3145728 + "\"}}")' >"$T/big.json"
produce -p 1 -X message.max.bytes=20000000 "$T/big.json" || fail "produce 3 MB"
"$RONDA_BIN/ronda-eventgen" --scenario bruteforce-success --ip 198.51.100.20 \
    --site samarindakota.go.id --failures 5 | cut -f2 >"$T/after.json"
produce -p 0 <"$T/after.json" || fail "produce after"

cnt() { sqlite3 "$T/ronda.db" "SELECT coalesce(value,0) FROM counters WHERE name='$1'" 2>/dev/null; }
counter_is() { [ "$(cnt "$1")" = "$2" ]; }
spawn correlator "$RONDA_BIN/ronda-correlator" -c "$T/c.yaml"
cpid=$SPAWNED_PID
wait_for counter_is events 19 --timeout 30 || fail "good events not all applied (events=$(cnt events))"
wait_for counter_is dlq 4 --timeout 20 || fail "dlq count $(cnt dlq)"
stop "$cpid" --timeout 10 || fail "correlator exit status"
echo "not_json=$(cnt rejected_not_json) schema=$(cnt rejected_schema) too_large=$(cnt rejected_too_large) dlq=$(cnt dlq)"
[ "$(cnt rejected_not_json)" = 2 ] || fail "not_json"
[ "$(cnt rejected_schema)" = 1 ] || fail "schema"
[ "$(cnt rejected_too_large)" = 1 ] || fail "too_large"
# The 12+1 before and the 5+1 after the bad ones: both compromises found.
[ "$(sqlite3 "$T/ronda.db" "SELECT count(*) FROM incidents WHERE kind='compromise'")" = 2 ] \
    || fail "compromise after bad messages"
timeout "$(scaled 30)" kcat -b "$BROKER" -C -t ronda.events.dlq -e -f '%h %S\n' \
    -o beginning >"$T/dlq.txt" 2>/dev/null || fail "kcat dlq"
cut -c1-200 "$T/dlq.txt"
[ "$(count_lines "$T/dlq.txt")" = 4 ] || fail "dlq topic holds $(count_lines "$T/dlq.txt") messages"
grep -q 'ronda-reason=too_large.*ronda-truncated=31457' "$T/dlq.txt" || fail "oversized copy not marked"
grep -q 'ronda-reason=not_json' "$T/dlq.txt" || fail "not_json copy"
# Logged once per kind per minute, not once per message.
[ "$(grep -c 'bad message' "$T/correlator.log")" -le 3 ] || fail "bad messages not rate-limited"
echo ok
