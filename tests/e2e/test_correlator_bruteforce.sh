#!/bin/bash
# ronda-correlator end to end (1): an SSH brute force followed by a success from
# the same IP, produced with kcat through ronda-devbroker, opens a critical
# "compromise" incident (and the brute-force incident) in the SQLite store.
set -u
: "${RONDA_BIN:?}" "${RONDA_TMP:?}"
command -v kcat >/dev/null || { echo "kcat not installed"; exit 77; }
command -v sqlite3 >/dev/null || { echo "sqlite3 CLI not installed"; exit 77; }
T=$RONDA_TMP
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null; wait "$p" 2>/dev/null; done; }
trap cleanup EXIT
fail() { echo "FAIL: $*"; exit 1; }
wait_for() {  # seconds command...
    local end=$(( $(date +%s) + $1 )); shift
    until "$@"; do [ "$(date +%s)" -ge $end ] && return 1; sleep 0.2; done
}

"$RONDA_BIN/ronda-devbroker" --topics ronda.events,ronda.events.dlq --partitions 4 \
    --bootstrap-file "$T/broker.addr" >"$T/broker.log" 2>&1 &
pids+=($!)
wait_for 20 test -s "$T/broker.addr" || fail "broker did not start"
B=$(head -n1 "$T/broker.addr")

cat >"$T/c.yaml" <<YAML
kafka:
  brokers: $B
  topic: ronda.events
  group: ronda-correlator
  properties: {}
store: $T/ronda.db
sites:
  - id: bontangkota.go.id
    agency: Diskominfo Bontang
    region: Kalimantan Timur
    timezone: Asia/Makassar
detectors: {}
YAML
"$RONDA_BIN/ronda-correlator" -c "$T/c.yaml" --check-config | grep -q "configuration OK" \
    || fail "check-config"

"$RONDA_BIN/ronda-eventgen" --scenario bruteforce-success --ip 203.0.113.77 \
    --site bontangkota.go.id --failures 12 >"$T/events.tsv"
kcat -b "$B" -P -t ronda.events -K $'\t' <"$T/events.tsv" || fail "kcat produce"

"$RONDA_BIN/ronda-correlator" -c "$T/c.yaml" >"$T/corr.log" 2>&1 &
cpid=$!
pids+=($cpid)
q() { sqlite3 "$T/ronda.db" "$1" 2>/dev/null; }
wait_for 60 bash -c "[ \"\$(sqlite3 '$T/ronda.db' 'SELECT value FROM counters WHERE name=\"events\"' 2>/dev/null)\" = 13 ]" \
    || { cat "$T/corr.log"; fail "events not all applied"; }
kill -TERM $cpid; wait $cpid; rc=$?
[ $rc = 0 ] || { cat "$T/corr.log"; fail "correlator exit $rc"; }

row=$(q "SELECT severity, status, key, event_count FROM incidents WHERE kind='compromise'")
echo "compromise: $row"
[ "$row" = "critical|open|203.0.113.77|1" ] || fail "no critical compromise incident: '$row'"
row=$(q "SELECT severity, event_count, attacker_ips, users FROM incidents WHERE kind='ssh_bruteforce'")
echo "bruteforce: $row"
# Threshold 10 within 5 min: the 10th failure opens it with 10 events, 2 more join.
[ "$row" = 'high|12|["203.0.113.77"]|["admin"]' ] || fail "brute force incident: '$row'"
[ "$(q "SELECT count(*) FROM evidence e JOIN incidents i ON i.id=e.incident_id WHERE i.kind='compromise' AND e.line LIKE '%Accepted password for admin from 203.0.113.77%'")" = 1 ] \
    || fail "evidence line missing"
[ "$(q "SELECT count(*) FROM indicators WHERE type='ip' AND value='203.0.113.77'")" -ge 2 ] \
    || fail "ip indicators not queryable"
[ "$(q "SELECT count(*) FROM offsets")" -ge 1 ] || fail "no offsets stored"
[ "$(q "PRAGMA journal_mode")" = wal ] || fail "not WAL"
[ "$(q "PRAGMA user_version")" = 2 ] || fail "schema version"
echo ok
