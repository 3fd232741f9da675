#!/bin/bash
# ronda-collector's /metrics (metrics: {listen}): off by default; loopback
# only (a public address is a config error naming file:line:key); served
# from the collector's loop while it ships lines; parses as Prometheus text;
# the counters match what was written, parsed and confirmed by Kafka;
# 404/405 for anything else; survives a SIGHUP reload; TERM exits 0.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/collector_lib.sh"
require_cmd kcat curl

PY=/usr/bin/python3

# --- config checks --------------------------------------------------------------
start_broker --partitions 3
collector_config "$T/bad.yaml" 'metrics: {listen: "0.0.0.0:9471"}'
rc=0; out=$("$RONDA_BIN/ronda-collector" -c "$T/bad.yaml" --check-config 2>&1) || rc=$?
[ $rc = 2 ] && echo "$out" | grep -q "bad.yaml:[0-9]*: metrics.listen: 0.0.0.0:9471 is not a loopback address" ||
    fail "a public metrics address: exit $rc, $out"
collector_config "$T/bad.yaml" 'metrics: {listen: "[::1]"}'
rc=0; out=$("$RONDA_BIN/ronda-collector" -c "$T/bad.yaml" --check-config 2>&1) || rc=$?
[ $rc = 2 ] && echo "$out" | grep -q "metrics.listen: .*expected \[IPv6\]:PORT" || fail "[::1] without a port: $out"
collector_config "$T/bad.yaml" 'metrics_listen: "127.0.0.1:9471"'
rc=0; "$RONDA_BIN/ronda-collector" -c "$T/bad.yaml" --check-config >/dev/null 2>&1 || rc=$?
[ $rc = 2 ] || fail "the old flat metrics_listen key was accepted"
echo "collector metrics: a public or malformed metrics.listen is a config error"

# --- serving while shipping -----------------------------------------------------------
consume_to "$T/events.jsonl" ronda.events
collector_config "$T/collector.yaml" 'metrics: {listen: "127.0.0.1:0"}'
start_collector collector
wait_started collector
addr() { sed -n 's/.*metrics: serving \/metrics on \([0-9.:]*\).*/\1/p' "$T/collector.log" | tail -n 1; }
URL=http://$(addr)
[ "$URL" != http:// ] || fail "the collector did not say where /metrics is"

N=$(lines 20000)
write_log --lines "$N" --rate "$(rate 20000)" &
WRITER=$!
scrapes=0
while _alive "$WRITER"; do
    code=$(curl -s -o "$T/m.txt" -w '%{http_code}' -m 5 "$URL/metrics")
    [ "$code" = 200 ] || fail "/metrics while shipping: $code"
    scrapes=$((scrapes + 1))
    sleep 0.1
done
wait "$WRITER" || fail "logwriter"
printf 'this is not an access log line \x1b[2J\n%s\n' "garbage 2" >>"$T/logs/access.log"
wait_complete "$N" 60

# metric NAME [LABELS]: the value in the last scrape (parsed strictly).
scrape() { curl -s -m 5 "$URL/metrics" >"$T/m.txt"; }
metric() {
    $PY - "$T/m.txt" "$1" "${2:-}" <<'PY'
import os, sys
sys.path.insert(0, os.environ["RONDA_SRC"] + "/tests/e2e")
from check_api import parse_prometheus
m = parse_prometheus(open(sys.argv[1]).read())
lab = tuple(sorted(tuple(kv.split("=", 1)) for kv in sys.argv[3].split(",") if kv))
v = m.get((sys.argv[2], lab))
print("missing" if v is None else int(v))
PY
}
settled() {
    scrape
    [ "$(metric ronda_collector_lines_read_total)" = $((N + 2)) ] &&
        [ "$(metric ronda_collector_kafka_queue_messages)" = 0 ] &&
        [ "$(metric ronda_collector_lines_in_flight)" = 0 ] &&
        [ "$(metric ronda_collector_kafka_messages_confirmed_total)" = "$(count_lines "$T/events.jsonl")" ]
}
wait_for settled --timeout 30 || { cat "$T/m.txt" >&2; fail "metrics did not settle: read $(metric ronda_collector_lines_read_total) of $((N + 2)), confirmed $(metric ronda_collector_kafka_messages_confirmed_total), consumed $(count_lines "$T/events.jsonl")"; }
[ "$(metric ronda_collector_parse_errors_total)" = 2 ] || fail "parse errors: $(metric ronda_collector_parse_errors_total), want 2"
[ "$(metric ronda_collector_files_tailed)" = 1 ] || fail "files tailed: $(metric ronda_collector_files_tailed)"
[ "$(metric ronda_collector_kafka_messages_sent_total)" = "$(metric ronda_collector_kafka_messages_confirmed_total)" ] ||
    fail "sent != confirmed"
ev=$(metric ronda_collector_events_total)
[ "$ev" -ge "$N" ] || fail "events: $ev of $N lines (forward: all)"
[ "$(metric ronda_collector_kafka_errors_total kind=delivery)" = 0 ] || fail "delivery errors"
[ "$(metric ronda_collector_bytes_read_total)" = "$(cat "$T"/logs/access.log* | wc -c)" ] ||
    fail "bytes read: $(metric ronda_collector_bytes_read_total), files hold $(cat "$T"/logs/access.log* | wc -c)"
grep -q "^# TYPE ronda_collector_lines_read_total counter" "$T/m.txt" || fail "no TYPE line"
echo "collector metrics: $scrapes scrapes while shipping, all 200; lines $((N + 2)), parse errors 2, events $ev, confirmed = consumed = $(count_lines "$T/events.jsonl")"

for p in / /metricsx "/metrics/" /api/v1/incidents; do
    code=$(curl -s -o /dev/null -w '%{http_code}' -m 5 "$URL$p")
    [ "$code" = 404 ] || fail "GET $p: $code, want 404"
done
code=$(curl -s -o /dev/null -w '%{http_code}' -m 5 -X POST -d x "$URL/metrics")
[ "$code" = 405 ] || fail "POST /metrics: $code, want 405"

# A reload swaps the collector: /metrics is served again (counters restart).
kill -HUP "$COLLECTOR_PID"
wait_for grep -q "configuration reloaded" "$T/collector.log" --timeout 60 || fail "no reload"
URL=http://$(addr)
wait_for curl -sf -m 5 -o /dev/null "$URL/metrics" --timeout 10 || fail "/metrics after the reload"
stop "$COLLECTOR_PID" --timeout 15 || fail "collector exited with $? on TERM"
! grep -q "ERROR: AddressSanitizer\|LeakSanitizer\|runtime error" "$T/collector.log" ||
    fail "sanitizer report"
echo ok
