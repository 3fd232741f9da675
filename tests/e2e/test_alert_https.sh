#!/bin/bash
# An HTTPS webhook (alerts.sinks, libcurl) against a local TLS server
# (alert_receiver.py --cert) whose certificate a test CA made here signed.
#  1. ca_file names another CA (and a second sink trusts only the system's
#     CAs): the handshake is refused, no request reaches the server, the
#     alerts stay pending, every try is a failure with the reason.
#  2. Restarted with the right CA: each alert delivered once.
#  3. The server down, then up: the alerts raised meanwhile are delivered,
#     each once (by Idempotency-Key), none lost.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/alert_lib.sh"
require_cmd kcat sqlite3 openssl

make_ca ca
make_ca wrongca
make_server_cert ca server
start_broker --topics ronda.events,ronda.events.dlq,ronda.alerts --partitions 4
PORT=$(free_port)

receiver() {   # NAME
    spawn "$1" /usr/bin/python3 "$RONDA_SRC/tests/e2e/alert_receiver.py" --port "$PORT" \
        --log "$T/recv.jsonl" --cert "$T/server.pem" --key "$T/server.key"
    RECV_PID=$SPAWNED_PID
    wait_for grep -q listening "$T/$1.log" --timeout 10 || fail "receiver $1 did not start"
}
config() {   # CA [extra sink lines]
    write_config "$T/c.yaml" <<YAML
  sinks:
    - name: soc-https
      url: https://127.0.0.1:$PORT/hooks/ronda?channel=soc
      ca_file: $T/$1.pem
      timeout: 3s
      headers: {Authorization: Bearer test-token-1234}
${2:-}
YAML
}
requests() { count_lines "$T/recv.jsonl"; }

# ---- 1. the wrong CA, and the system's CAs: refused, retried, not delivered
config wrongca "    - {name: sysca, url: \"https://127.0.0.1:$PORT/hooks/ronda\", timeout: 3s}"
: >"$T/recv.jsonl"
receiver recv1
produce bontangkota.go.id 203.0.113.10
produce samarindakota.go.id 203.0.113.11
spawn correlator "$RONDA_BIN/ronda-correlator" -c "$T/c.yaml"
CPID=$SPAWNED_PID
wait_for outbox_is 2 --timeout 40 || fail "outbox has $(outbox) alerts, not 2"
wait_for attempts_at_least soc-https 3 --timeout 30 || fail "soc-https not retried"
wait_for attempts_at_least sysca 3 --timeout 30 || fail "sysca not retried"
pending_is soc-https 2 || fail "soc-https pending $(pending soc-https), not 2"
pending_is sysca 2 || fail "sysca pending $(pending sysca), not 2"
[ "$(requests)" = 0 ] || fail "a request got through an untrusted certificate"
ERR=$(q "SELECT last_error FROM alert_deliveries WHERE sink='soc-https' AND delivered=0")
case "$ERR" in
    *127.0.0.1:$PORT*certificate*) ;;
    *) fail "last_error does not say why: $ERR" ;;
esac
grep -q "alert .* to soc-https: 127.0.0.1:$PORT: .*certificate.*(attempt" "$T/correlator.log" \
    || fail "the refusal is not logged as a failed attempt"
stop "$CPID" --timeout 15 || fail "correlator exit status $?"

# ---- 2. the right CA: each alert once
config ca
spawn correlator2 "$RONDA_BIN/ronda-correlator" -c "$T/c.yaml"
CPID=$SPAWNED_PID
wait_for pending_is soc-https 0 --timeout 30 || fail "soc-https pending $(pending soc-https) with the right CA"
[ "$(requests)" = 2 ] || fail "$(requests) requests for 2 alerts"

# ---- 3. the server down, two alerts, then up again
stop "$RECV_PID" --timeout 5 || true
produce jakarta.go.id 198.51.100.12
produce jayapurakota.go.id 192.0.2.13
wait_for outbox_is 4 --timeout 40 || fail "outbox has $(outbox) alerts, not 4"
wait_for attempts_at_least soc-https 2 --timeout 30 || fail "soc-https not retried while down"
receiver recv2
wait_for pending_is soc-https 0 --timeout 30 || fail "soc-https pending $(pending soc-https) after the server came back"
stop "$CPID" --timeout 15 || fail "correlator exit status $?"
stop "$RECV_PID" --timeout 5 || true

q "SELECT id FROM alerts ORDER BY seq" >"$T/outbox.ids"
/usr/bin/python3 - "$T" <<'PY' || fail "deliveries"
import collections, json, sys
T = sys.argv[1]
ids = [l.strip() for l in open(T + "/outbox.ids") if l.strip()]
recv = [json.loads(l) for l in open(T + "/recv.jsonl")]
keys = collections.Counter(r["key"] for r in recv)
assert len(ids) == 4 and set(keys) == set(ids), (ids, keys)
assert all(n == 1 for n in keys.values()), ("an alert arrived twice", keys)
for r in recv:
    body = json.loads(r["body"])
    assert body["id"] == r["key"], "Idempotency-Key is not the alert id"
    h = {k.lower(): v for k, v in r["headers"].items()}
    assert h["content-type"] == "application/json", h
    assert h["authorization"] == "Bearer test-token-1234", h
    assert h["user-agent"].startswith("ronda-correlator/"), h
    assert r["path"] == "/hooks/ronda?channel=soc", r["path"]
print("outbox %d, https requests %d, each key once" % (len(ids), len(recv)))
PY
echo ok
