#!/bin/bash
# ronda-correlator end to end (4): garbage, truncated JSON, a schema-invalid
# event and an oversized message on the topic end in ronda.events.dlq and in
# the counters, and processing goes on (the good events around them are
# applied). librdkafka 2.0's mock broker drops a whole partition when one
# message exceeds its ~5 MB retention, so the oversized message here is 3 MB
# against a 1 MB max_message (same code path as 10 MB on a real cluster), on
# its own partition.
set -u
: "${RONDA_BIN:?}" "${RONDA_TMP:?}"
command -v kcat >/dev/null || { echo "kcat not installed"; exit 77; }
command -v sqlite3 >/dev/null || { echo "sqlite3 CLI not installed"; exit 77; }
T=$RONDA_TMP
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null; wait "$p" 2>/dev/null; done; }
trap cleanup EXIT
fail() { echo "FAIL: $*"; exit 1; }
wait_for() {
    local end=$(( $(date +%s) + $1 )); shift
    until "$@"; do [ "$(date +%s)" -ge $end ] && return 1; sleep 0.2; done
}
"$RONDA_BIN/ronda-devbroker" --topics ronda.events,ronda.events.dlq --partitions 2 \
    --bootstrap-file "$T/broker.addr" >"$T/broker.log" 2>&1 &
pids+=($!)
wait_for 20 test -s "$T/broker.addr" || fail "broker did not start"
B=$(head -n1 "$T/broker.addr")
cat >"$T/c.yaml" <<YAML
kafka:
  brokers: $B
  topic: ronda.events
  group: g
store: $T/ronda.db
detectors: {}
YAML

"$RONDA_BIN/ronda-eventgen" --scenario bruteforce-success --failures 12 | cut -f2 >"$T/good.json"
head -n 6 "$T/good.json" >"$T/in.json"
printf '\x00\x01\xff garbage \x1b[31m not json\n' >>"$T/in.json"
head -n 1 "$T/good.json" | cut -c1-200 >>"$T/in.json"          # truncated JSON
echo '{"@timestamp":"2026-11-20T15:04:05Z","event":{"id":"x1","kind":"bogus"},"organization":{"id":"a.go.id"}}' >>"$T/in.json"
tail -n +7 "$T/good.json" >>"$T/in.json"
kcat -b "$B" -P -t ronda.events -p 0 <"$T/in.json" || fail "produce"
# 3 MB: one JSON string that never ends inside a valid-looking event.
python3 -c 'import sys; sys.stdout.write("{\"@timestamp\":\"2026-11-20T15:04:05Z\",\"event\":{\"original\":\"" + "A"*3145728 + "\"}}")' >"$T/big.json"
kcat -b "$B" -P -t ronda.events -p 1 -X message.max.bytes=20000000 "$T/big.json" || fail "produce 3 MB"
"$RONDA_BIN/ronda-eventgen" --scenario bruteforce-success --ip 198.51.100.20 --site samarindakota.go.id --failures 5 \
    | cut -f2 >"$T/after.json"
kcat -b "$B" -P -t ronda.events -p 0 <"$T/after.json" || fail "produce after"

"$RONDA_BIN/ronda-correlator" -c "$T/c.yaml" >"$T/corr.log" 2>&1 &
cpid=$!; pids+=($cpid)
cnt() { sqlite3 "$T/ronda.db" "SELECT coalesce(value,0) FROM counters WHERE name='$1'" 2>/dev/null; }
wait_for 60 bash -c "[ \"\$(sqlite3 '$T/ronda.db' \"SELECT value FROM counters WHERE name='events'\" 2>/dev/null)\" = 19 ]" \
    || { cat "$T/corr.log"; fail "good events not all applied (events=$(cnt events))"; }
wait_for 20 bash -c "[ \"\$(sqlite3 '$T/ronda.db' \"SELECT value FROM counters WHERE name='dlq'\" 2>/dev/null)\" = 4 ]" \
    || { cat "$T/corr.log"; fail "dlq count $(cnt dlq)"; }
kill -TERM $cpid; wait $cpid || fail "correlator exit status"
echo "not_json=$(cnt rejected_not_json) schema=$(cnt rejected_schema) too_large=$(cnt rejected_too_large) dlq=$(cnt dlq)"
[ "$(cnt rejected_not_json)" = 2 ] || fail "not_json"
[ "$(cnt rejected_schema)" = 1 ] || fail "schema"
[ "$(cnt rejected_too_large)" = 1 ] || fail "too_large"
# The 12+1 before and the 5+1 after the bad ones: both compromises found.
[ "$(sqlite3 "$T/ronda.db" "SELECT count(*) FROM incidents WHERE kind='compromise'")" = 2 ] \
    || fail "compromise after bad messages"
kcat -b "$B" -C -t ronda.events.dlq -e -f '%h %S\n' -o beginning >"$T/dlq.txt" 2>/dev/null
cat "$T/dlq.txt" | cut -c1-200
[ "$(wc -l <"$T/dlq.txt")" = 4 ] || fail "dlq topic holds $(wc -l <"$T/dlq.txt") messages"
grep -q 'ronda-reason=too_large.*ronda-truncated=31457' "$T/dlq.txt" || fail "oversized copy not marked"
grep -q 'ronda-reason=not_json' "$T/dlq.txt" || fail "not_json copy"
# Logged once per kind per minute, not once per message.
[ "$(grep -c 'bad message' "$T/corr.log")" -le 3 ] || fail "bad messages not rate-limited"
echo ok
