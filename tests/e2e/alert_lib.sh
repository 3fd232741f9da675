# tests/e2e/alert_lib.sh — sourced by the test_alert_*.sh of the HTTPS,
# chat and e-mail sinks (after lib.sh): a test CA, the correlator's config,
# critical incidents produced through the devbroker, outbox queries.
#
#   . "$(dirname "$0")/lib.sh"
#   . "$(dirname "$0")/alert_lib.sh"
#   make_ca ca; make_ca wrongca; make_server_cert ca server
#   start_broker --topics ronda.events,ronda.events.dlq,ronda.alerts --partitions 4
#   write_config "$T/c.yaml" <<YAML
#     sinks: ...          (the lines under alerts:, indented by two)
#   YAML
#   produce bontangkota.go.id 203.0.113.10      # one critical incident -> one alert

free_port() {
    /usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

# make_ca NAME: a self-signed test CA, $T/NAME.pem and $T/NAME.key.
make_ca() {
    openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
        -keyout "$T/$1.key" -out "$T/$1.pem" -days 2 -subj "/CN=Ronda test CA $1" \
        -addext "basicConstraints=critical,CA:TRUE" \
        -addext "keyUsage=critical,keyCertSign,cRLSign" >/dev/null 2>&1 \
        || fail "openssl: CA $1"
}

# make_server_cert CA NAME: $T/NAME.pem/.key for 127.0.0.1 and localhost, signed by CA.
make_server_cert() {
    printf '%s\n' "subjectAltName=IP:127.0.0.1,DNS:localhost" "basicConstraints=CA:FALSE" \
        "keyUsage=critical,digitalSignature" "extendedKeyUsage=serverAuth" >"$T/$2.ext"
    openssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
        -keyout "$T/$2.key" -out "$T/$2.csr" -subj "/CN=127.0.0.1" >/dev/null 2>&1 \
        && openssl x509 -req -in "$T/$2.csr" -CA "$T/$1.pem" -CAkey "$T/$1.key" \
        -CAcreateserial -out "$T/$2.pem" -days 2 -extfile "$T/$2.ext" >/dev/null 2>&1 \
        || fail "openssl: server certificate $2"
}

# write_config FILE: the correlator's config; stdin goes under alerts: as is.
write_config() {
    {
        cat <<YAML
kafka:
  brokers: $BROKER
  topic: ronda.events
  group: ronda-correlator
  properties: {session.timeout.ms: "6000"}
store: $T/ronda.db
sites:
  - {id: bontangkota.go.id, agency: Diskominfo Bontang, region: Kalimantan Timur, timezone: Asia/Makassar}
  - {id: samarindakota.go.id, agency: "Dinas <b>Kominfo</b> & \"Samarinda\"", region: Kalimantan Timur, timezone: Asia/Makassar}
  - {id: jakarta.go.id, agency: Diskominfotik DKI Jakarta, region: DKI Jakarta, timezone: Asia/Jakarta}
  - {id: jayapurakota.go.id, agency: Diskominfo Kota Jayapura, region: Papua, timezone: Asia/Jayapura}
  - {id: balikpapan.go.id, agency: Diskominfo Balikpapan, region: Kalimantan Timur, timezone: Asia/Makassar}
batch: {interval: 500ms}
campaigns: {min_sites: 10000, wave_floor: 10000}
alerts:
  kafka_topic: ""
  webhook: {max_backoff: 2s}
YAML
        cat
    } >"$1"
    "$RONDA_BIN/ronda-correlator" -c "$1" --check-config >"$T/check.out" 2>&1 \
        || { cat "$T/check.out" >&2; fail "check-config $1"; }
}

# produce SITE IP [USER]: 12 failures and a success: one critical incident.
produce() {
    "$RONDA_BIN/ronda-eventgen" --scenario bruteforce-success --ip "$2" --site "$1" \
        --failures 12 >"$T/ev.tsv"
    if [ -n "${3:-}" ]; then
        U=$3 /usr/bin/python3 -c '
import json, os, sys
for l in sys.stdin:
    k, j = l.rstrip("\n").split("\t", 1)
    e = json.loads(j)
    e["user"]["name"] = os.environ["U"]
    print(k + "\t" + json.dumps(e, separators=(",", ":")))' <"$T/ev.tsv" >"$T/ev2.tsv"
        mv "$T/ev2.tsv" "$T/ev.tsv"
    fi
    timeout "$(scaled 30)" kcat -b "$BROKER" -P -t ronda.events -K $'\t' <"$T/ev.tsv" \
        || fail "kcat produce"
}

q() { sqlite3 "$T/ronda.db" "$1" 2>/dev/null; }
outbox() { q "SELECT count(*) FROM alerts"; }
outbox_is() { [ "$(outbox)" = "$1" ]; }
pending() { q "SELECT count(*) FROM alerts WHERE seq > coalesce((SELECT alert_seq FROM alert_deliveries WHERE sink = '$1' AND delivered <> 0 ORDER BY alert_seq DESC LIMIT 1), 0)"; }
pending_is() { [ "$(pending "$1")" = "$2" ]; }
# attempts_at_least SINK N: the sink's head alert (undelivered) was tried N times or more.
attempts_at_least() {
    local a; a=$(q "SELECT max(attempts) FROM alert_deliveries WHERE sink='$1' AND delivered=0")
    [ -n "$a" ] && [ "$a" -ge "$2" ]
}
# lines_at_least FILE N
lines_at_least() { [ -f "$1" ] && [ "$(count_lines "$1")" -ge "$2" ]; }
