#!/bin/bash
# ronda-correlator end to end (1): an SSH brute force followed by a success from
# the same IP, produced with kcat through ronda-devbroker, opens a critical
# "compromise" incident (and the brute-force incident) in the SQLite store.
. "$(dirname "$0")/lib.sh"
require_cmd kcat sqlite3

start_broker --topics ronda.events,ronda.events.dlq --partitions 4

# session.timeout.ms: the mock holds a JoinGroup up to the session timeout.
cat >"$T/c.yaml" <<YAML
kafka:
  brokers: $BROKER
  topic: ronda.events
  group: ronda-correlator
  properties: {session.timeout.ms: "6000"}
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
timeout "$(scaled 30)" kcat -b "$BROKER" -P -t ronda.events -K $'\t' <"$T/events.tsv" \
    || fail "kcat produce"

q() { sqlite3 "$T/ronda.db" "$1" 2>/dev/null; }
counter_is() { [ "$(q "SELECT value FROM counters WHERE name='$1'")" = "$2" ]; }

spawn correlator "$RONDA_BIN/ronda-correlator" -c "$T/c.yaml"
cpid=$SPAWNED_PID
wait_for counter_is events 13 --timeout 30 || fail "events not all applied"
stop "$cpid" --timeout 10 || fail "correlator exit status $?"

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
[ "$(q "PRAGMA user_version")" = 9 ] || fail "schema version"

# A restart reads nothing twice: the offsets came with the batch.
spawn correlator2 "$RONDA_BIN/ronda-correlator" -c "$T/c.yaml"
wait_for grep -q "assigned" "$T/correlator2.log" --timeout 30 || fail "no assignment on restart"
sleep 1
stop "$SPAWNED_PID" --timeout 10 || fail "restart exit status"
counter_is events 13 || fail "events counted again after restart: $(q "SELECT value FROM counters WHERE name='events'")"
echo ok
