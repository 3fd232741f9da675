#!/bin/bash
# Alerts end to end: events through ronda-devbroker into ronda-correlator
# raise critical incidents (an SSH brute force, then a success from the same
# IP: "compromise"); each one's alert goes through the outbox to all three
# sinks: a webhook (tests/e2e/alert_receiver.py on 127.0.0.1), the alert file
# and Kafka ronda.alerts. The webhook is down at first, loses one answer,
# refuses (400), is busy (503 + Retry-After), goes down again and comes back,
# and finally holds one request while the correlator is SIGKILLed (confirmed
# by the receiver, never recorded by the correlator). Every alert must arrive
# at every sink; repeats are recognisable by the Idempotency-Key (distinct
# keys == outbox rows, and only the lost answer and the killed delivery are
# repeated); every body matches schemas/alert.schema.json.
. "$(dirname "$0")/lib.sh"
require_cmd kcat sqlite3

start_broker --topics ronda.events,ronda.events.dlq,ronda.alerts --partitions 4
consume_to "$T/kafka.tsv" ronda.alerts --keys

PORT=$(/usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
cat >"$T/c.yaml" <<YAML
kafka:
  brokers: $BROKER
  topic: ronda.events
  group: ronda-correlator
  properties: {session.timeout.ms: "6000"}
store: $T/ronda.db
sites:
  - {id: bontangkota.go.id, agency: Diskominfo Bontang, region: Kalimantan Timur, timezone: Asia/Makassar}
  - {id: samarindakota.go.id, agency: Diskominfo Kota Samarinda, region: Kalimantan Timur, timezone: Asia/Makassar}
  - {id: jakarta.go.id, agency: Diskominfotik DKI Jakarta, region: DKI Jakarta, timezone: Asia/Jakarta}
  - {id: jayapurakota.go.id, agency: Diskominfo Kota Jayapura, region: Papua, timezone: Asia/Jayapura}
  - {id: balikpapan.go.id, agency: Diskominfo Balikpapan, region: Kalimantan Timur, timezone: Asia/Makassar}
  - {id: kaltimprov.go.id, agency: Diskominfo Kaltim, region: Kalimantan Timur, timezone: Asia/Makassar}
batch: {interval: 500ms}
# Only the critical-incident alerts here (six sites with one kind of attack
# would also make a campaign); campaign alerts take the same outbox and sinks.
campaigns: {min_sites: 10000, wave_floor: 10000}
alerts:
  language: id
  webhook:
    url: http://127.0.0.1:$PORT/hooks/ronda?channel=soc
    timeout: 5s
    max_backoff: 2s
    headers: {Authorization: Bearer test-token-1234, X-Ronda-Test: "yes"}
  file: $T/alerts.jsonl
YAML
"$RONDA_BIN/ronda-correlator" -c "$T/c.yaml" --check-config | grep -q "configuration OK" \
    || fail "check-config"

q() { sqlite3 "$T/ronda.db" "$1" 2>/dev/null; }
outbox() { q "SELECT count(*) FROM alerts"; }
outbox_is() { [ "$(outbox)" = "$1" ]; }
pending() { q "SELECT count(*) FROM alerts WHERE seq > coalesce((SELECT alert_seq FROM alert_deliveries WHERE sink = '$1' AND delivered <> 0 ORDER BY alert_seq DESC LIMIT 1), 0)"; }
pending_is() { [ "$(pending "$1")" = "$2" ]; }
distinct_keys() { /usr/bin/python3 -c '
import json, sys
print(len({json.loads(l)["key"] for l in open(sys.argv[1]) if l.strip()}))' "$T/recv.jsonl"; }
recv_distinct_is() { [ -f "$T/recv.jsonl" ] && [ "$(distinct_keys)" = "$1" ]; }
kafka_distinct_is() { [ "$(cut -f1 "$T/kafka.tsv" | sort -u | grep -c .)" = "$1" ]; }
file_distinct_is() { [ -f "$T/alerts.jsonl" ] && [ "$(/usr/bin/python3 -c '
import json, sys
print(len({json.loads(l)["id"] for l in open(sys.argv[1])}))' "$T/alerts.jsonl")" = "$1" ]; }
head_attempts_at_least() {   # sink seq n
    local a; a=$(q "SELECT attempts FROM alert_deliveries WHERE sink='$1' AND alert_seq=$2 AND delivered=0")
    [ -n "$a" ] && [ "$a" -ge "$3" ]
}

# produce SITE IP: 12 failures and a success, 13 events.
produce() {
    "$RONDA_BIN/ronda-eventgen" --scenario bruteforce-success --ip "$2" --site "$1" \
        --failures 12 >"$T/ev.tsv"
    timeout "$(scaled 30)" kcat -b "$BROKER" -P -t ronda.events -K $'\t' <"$T/ev.tsv" \
        || fail "kcat produce"
}
receiver() {   # NAME [options]: start the webhook receiver
    local name=$1; shift
    spawn "$name" /usr/bin/python3 "$RONDA_SRC/tests/e2e/alert_receiver.py" --port "$PORT" \
        --log "$T/recv.jsonl" "$@"
    RECV_PID=$SPAWNED_PID
    wait_for grep -q listening "$T/$name.log" --timeout 10 || fail "receiver $name did not start"
}

# ---- 1. the webhook is down: file and Kafka get the alerts, the webhook retries
produce bontangkota.go.id 203.0.113.10
produce samarindakota.go.id 203.0.113.11
produce jakarta.go.id 198.51.100.12
spawn correlator "$RONDA_BIN/ronda-correlator" -c "$T/c.yaml"
CPID=$SPAWNED_PID
wait_for outbox_is 3 --timeout 40 || fail "outbox has $(outbox) alerts, not 3"
wait_for file_distinct_is 3 --timeout 20 || fail "file sink: not 3 alerts"
wait_for kafka_distinct_is 3 --timeout 20 || fail "kafka sink: not 3 alerts"
wait_for head_attempts_at_least webhook 1 3 --timeout 20 || fail "webhook not retried while down"
pending_is webhook 3 || fail "webhook pending $(pending webhook), not 3"
q "SELECT last_error FROM alert_deliveries WHERE sink='webhook' AND alert_seq=1" | grep -q "127.0.0.1:$PORT" \
    || fail "last_error does not say why: $(q "SELECT last_error FROM alert_deliveries WHERE sink='webhook'")"
q "SELECT type, severity FROM alerts" | sort -u | grep -qx "incident_critical|critical" \
    || fail "alerts are not critical incident alerts"

# ---- 2. it comes back but loses its first answer: that alert comes twice
receiver recv1 --drop-first 1
wait_for pending_is webhook 0 --timeout 30 || fail "webhook pending $(pending webhook) after it came back"
recv_distinct_is 3 || fail "receiver has $(distinct_keys) distinct keys, not 3"

# ---- 3. down again; new alerts wait; back with a 400 and a 503 before the 200
stop "$RECV_PID" --timeout 5 || true
produce jayapurakota.go.id 192.0.2.13
produce balikpapan.go.id 192.0.2.14
wait_for outbox_is 5 --timeout 30 || fail "outbox has $(outbox) alerts, not 5"
wait_for head_attempts_at_least webhook 4 2 --timeout 20 || fail "webhook not retried during the second outage"
receiver recv2 --status-first 2 --status 400 --retry-after 1
wait_for pending_is webhook 0 --timeout 30 || fail "webhook pending $(pending webhook) after the 400s"
grep -q "HTTP 400" "$T/correlator.log" || fail "the 400 refusal is not logged"
grep -q "refused, will keep retrying" "$T/correlator.log" || fail "a 4xx is not logged as a refusal"
stop "$RECV_PID" --timeout 5 || true

# ---- 4. SIGKILL after the receiver has the alert but before the correlator records it
receiver recv3 --hold-first 1 --hold 30
produce kaltimprov.go.id 192.0.2.15
wait_for outbox_is 6 --timeout 30 || fail "outbox has $(outbox) alerts, not 6"
K6=$(q "SELECT id FROM alerts WHERE seq = 6")
wait_for grep -q "\"key\": \"$K6\"" "$T/recv.jsonl" --timeout 20 || fail "alert 6 never reached the receiver"
kill -KILL "$CPID"
wait "$CPID" 2>/dev/null || true
[ "$(q "SELECT count(*) FROM alert_deliveries WHERE sink='webhook' AND alert_seq=6 AND delivered > 0")" = 0 ] \
    || fail "alert 6 recorded as delivered although its answer never came"
spawn correlator2 "$RONDA_BIN/ronda-correlator" -c "$T/c.yaml"
CPID=$SPAWNED_PID
wait_for pending_is webhook 0 --timeout 30 || fail "alert 6 not sent again after the restart"
wait_for pending_is kafka 0 --timeout 30 || fail "kafka pending $(pending kafka)"
wait_for pending_is file 0 --timeout 30 || fail "file pending $(pending file)"
wait_for kafka_distinct_is 6 --timeout 20 || fail "kafka sink: not 6 distinct alerts"
stop "$CPID" --timeout 15 || fail "correlator exit status $?"
stop "$RECV_PID" --timeout 5 || true

# ---- what arrived
q "SELECT id FROM alerts ORDER BY seq" >"$T/outbox.ids"
q "SELECT json FROM alerts ORDER BY seq" >"$T/outbox.jsonl"
cut -f1 "$T/kafka.tsv" | grep . >"$T/kafka.ids"
/usr/bin/python3 - "$RONDA_SRC/schemas/alert.schema.json" "$T" <<'PY' || fail "deliveries"
import collections, json, sys
import jsonschema
schema = json.load(open(sys.argv[1]))
T = sys.argv[2]
v = jsonschema.Draft202012Validator(schema, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER)
ids = [l.strip() for l in open(T + "/outbox.ids") if l.strip()]
assert len(ids) == 6 and len(set(ids)) == 6, ids
bad = 0
def check(where, doc):
    global bad
    errs = list(v.iter_errors(doc))
    if errs:
        bad += 1
        print("%s: %s" % (where, errs[0].message))
outbox = [json.loads(l) for l in open(T + "/outbox.jsonl")]
for d in outbox:
    check("outbox " + d["id"], d)
recv = [json.loads(l) for l in open(T + "/recv.jsonl")]
keys = collections.Counter(r["key"] for r in recv)
for r in recv:
    body = json.loads(r["body"])
    check("webhook request %d" % r["n"], body)
    assert body["id"] == r["key"], ("Idempotency-Key is not the alert id", r["n"])
    h = {k.lower(): x for k, x in r["headers"].items()}
    assert h.get("content-type") == "application/json", h
    assert h.get("authorization") == "Bearer test-token-1234", h
    assert h.get("x-ronda-test") == "yes", h
    assert r["path"] == "/hooks/ronda?channel=soc", r["path"]
assert set(keys) == set(ids), ("webhook keys differ from the outbox", sorted(keys), ids)
# Repeats: the dropped answer (alert 1), the 400 and the 400 (alert 4 three
# times in all), the killed delivery (alert 6); nothing else.
want = {ids[0]: 2, ids[1]: 1, ids[2]: 1, ids[3]: 3, ids[4]: 1, ids[5]: 2}
assert dict(keys) == want, ("requests per key", dict(keys), want)
# In order: each key's first request comes after the previous key's.
first = {}
for i, r in enumerate(recv):
    first.setdefault(r["key"], i)
assert [first[i] for i in ids] == sorted(first[i] for i in ids), "webhook out of seq order"
fl = [json.loads(l) for l in open(T + "/alerts.jsonl")]
for d in fl:
    check("file " + d["id"], d)
assert sorted({d["id"] for d in fl}) == sorted(ids), "file ids differ"
kk = [l.strip() for l in open(T + "/kafka.ids")]
assert sorted(set(kk)) == sorted(ids), "kafka keys differ"
print("outbox %d, webhook requests %d (distinct %d), file lines %d, kafka messages %d"
      % (len(ids), len(recv), len(keys), len(fl), len(kk)))
for d in outbox[:1]:
    print("text: " + d["text"])
sys.exit(1 if bad else 0)
PY
grep -q "KRITIS" "$T/outbox.jsonl" || fail "text not in Indonesian"
grep -q "WITA" "$T/outbox.jsonl" || fail "no WITA local time"
q "SELECT json FROM alerts WHERE json LIKE '%\"id\":\"jayapurakota.go.id\"%'" | grep -q '"first_seen_local":"[0-9-]* [0-9:]* WIT"' \
    || fail "Jayapura's local time is not in WIT"
echo ok
