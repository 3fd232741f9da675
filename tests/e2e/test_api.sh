#!/bin/bash
# The correlator's HTTP API (docs/api.md) against a store filled by a real
# pipeline run: kaltim-wave through ronda-devbroker, ronda-correlator (with
# api.listen) and one collector per site, plus attacker lines carrying a
# screen clear (ESC [2J), a cursor home and a fake prompt. check_api.py then
# tries every endpoint with and without (or with a wrong) token, malformed
# queries (400), unknown paths (404) and other methods (405), validates the
# replies against schemas/*.schema.json, follows the pages to the end,
# compares the numbers and /metrics (parsed as Prometheus text) with the
# store, and checks the attacker's ESC arrives as \u001b. Also: api config
# errors name file:line:key, a busy port stops the start, [::1] works, and
# the correlator stops cleanly (exit 0, under ASan leak-checked) on TERM.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/pipeline_lib.sh"
require_cmd kcat sqlite3 curl

PY=/usr/bin/python3
TOKEN=t0k3n-$(od -An -tx1 -N12 /dev/urandom | tr -d ' \n')
HOSTILE_SITE=bontangkota.go.id

# --- config checks (no broker needed) -----------------------------------------
conf() {  # conf FILE API_YAML: a minimal correlator config with that api section
    printf 'kafka: {brokers: "127.0.0.1:1"}\nstore: %s/x.db\n%s\n' "$T" "$2" >"$1"
}
bad_conf() {  # bad_conf API_YAML EXPECTED_REGEX
    conf "$T/bad.yaml" "$1"
    local rc=0 out
    out=$("$RONDA_BIN/ronda-correlator" -c "$T/bad.yaml" --check-config 2>&1) || rc=$?
    [ $rc = 2 ] || fail "api config '$1': exit $rc, want 2 ($out)"
    echo "$out" | grep -Eq "$2" || fail "api config '$1' said: $out"
}
bad_conf 'api: {listen: "0.0.0.0:8470"}' "bad.yaml:3: api.listen: 0.0.0.0:8470 is not a loopback address"
bad_conf 'api: {listen: "[::]:8470"}' "bad.yaml:3: api.listen: \[::\]:8470 is not a loopback address"
bad_conf 'api: {listen: "10.1.2.3:8470", tokens: []}' "api.listen: 10.1.2.3:8470 is not a loopback"
bad_conf 'api:
  listen: "127.0.0.1"' 'bad.yaml:4: api.listen: "127.0.0.1": expected HOST:PORT'
bad_conf 'api: {listen: "127.0.0.1:70000"}' 'api.listen: .*port must be 0..65535'
bad_conf 'api: {listen: "::1:8470"}' 'api.listen: .*IPv6 address goes in brackets'
bad_conf 'api: {listen: "api.example.org:8470"}' 'api.listen: .*numeric address or localhost'
bad_conf 'api: {listen: "127.0.0.1:8470", tokens: ["short"]}' 'api.tokens: token 1 is not 16..256'
bad_conf 'api: {listen: "127.0.0.1:8470", tokens: ["has space in the token 123"]}' 'api.tokens: token 1'
bad_conf 'api: {listen: "127.0.0.1:8470", max_request: 10}' 'api.max_request: .*out of range'
for ok_api in 'api: {listen: "[::1]:8470"}' 'api: {listen: "localhost:8470"}' \
    "api: {listen: \"0.0.0.0:8470\", tokens: [\"$TOKEN\"]}" 'api: {listen: ""}' 'api: {}'; do
    conf "$T/ok.yaml" "$ok_api"
    "$RONDA_BIN/ronda-correlator" -c "$T/ok.yaml" --check-config >/dev/null 2>&1 ||
        fail "api config '$ok_api' refused"
done
echo "api: config errors name file:line: api.<key> (non-loopback without tokens, bad address, weak token)"

# --- the pipeline, with attacker lines planted in one site's logs --------------
PIPE_LATENESS=24h
PIPE_CORRELATOR_EXTRA="api: {listen: \"127.0.0.1:0\", tokens: [\"not-this-one-0123456789\", \"$TOKEN\"], timeout: 20s}"
pipeline_broker
pipeline_sim kaltim-wave
printf '6.6.6.6 - - [16/Nov/2026:13:50:00 +0800] "GET /index.php?id=1%%27%%20UNION%%20SELECT%%20password%%20FROM%%20users-- HTTP/1.1" 200 512 "-" "Mozilla/5.0 \x1b[2J\x1b[H\rroot@soc:~# rm -rf / | `id`"\n' \
    >>"$PIPE/sites/$HOSTILE_SITE/access.log"
for s in $(seq 10 21); do
    printf 'Nov 16 13:51:%02d web01 su[4242]: FAILED SU (to \x1b[2J\x1b[H\rroot@soc:~#|`id`) budi on pts/0\n' "$s"
done >>"$PIPE/sites/$HOSTILE_SITE/auth.log"
pipeline_configure
pipeline_correlator
wait_for grep -q "api: listening on" "$T/correlator.log" --timeout 10 || fail "the API did not start"
ADDR=$(sed -n 's/.*api: listening on \([0-9.:]*\) .*/\1/p' "$T/correlator.log" | head -n 1)
URL=http://$ADDR
echo "api: listening on $ADDR"

# A second correlator on the same port: the bind fails before the loop.
sed -e "s/127.0.0.1:0/$ADDR/" -e "s/group: ronda-pipeline/group: other/" \
    -e "s|$PIPE/ronda.db|$T/busy.db|" -e "s|$PIPE/alerts.jsonl|$T/busy-alerts.jsonl|" \
    "$PIPE/correlator.yaml" >"$T/busy.yaml"
rc=0; timeout "$(scaled 30)" "$RONDA_BIN/ronda-correlator" -c "$T/busy.yaml" >"$T/busy.log" 2>&1 || rc=$?
[ $rc = 1 ] && grep -q "api: bind $ADDR: Address already in use" "$T/busy.log" ||
    fail "a busy API port: exit $rc, $(tail -2 "$T/busy.log")"

# Readers while the collectors ship and the correlator writes: every answer 200.
cat >"$T/readers.sh" <<EOF
#!/bin/bash
n=0
while [ ! -e "$T/readers.stop" ]; do
    for p in "/api/v1/incidents?limit=200" "/api/v1/summary?now=latest" "/api/v1/sites" "/metrics" "/healthz"; do
        code=\$(curl -s -o "$T/reader.out" -w '%{http_code}' -m 20 -H "Authorization: Bearer $TOKEN" "$URL\$p")
        if [ "\$code" != 200 ] && ! { [ "\$p" = /healthz ] && [ "\$code" = 503 ]; }; then
            echo "FAILED: \$p: \$code \$(head -c 300 "$T/reader.out")"; exit 1
        fi
        n=\$((n + 1))
    done
    echo "\$n" >"$T/readers.count"
done
echo "readers: \$n requests"
EOF
spawn readers bash "$T/readers.sh"
READERS=$SPAWNED_PID
pipeline_collectors_once
pipeline_wait_consumed
pipeline_wait_alert_file
touch "$T/readers.stop"
wait_for test ! -d "/proc/$READERS" --timeout 30 || fail "the readers did not stop"
rc=0; wait "$READERS" || rc=$?
[ $rc = 0 ] || fail "a request failed while the correlator wrote: $(cat "$T/readers.log")"
echo "api: $(cat "$T/readers.count" 2>/dev/null || echo 0) requests answered while the pipeline ran"

# --- every endpoint against the store ------------------------------------------
sinks=kafka,file
timeout "$(scaled 120)" $PY "$RONDA_SRC/tests/e2e/check_api.py" --url "$URL" --token "$TOKEN" \
    --db "$PIPE/ronda.db" --schemas "$RONDA_SRC/schemas" --hostile-site "$HOSTILE_SITE" \
    --sinks "$sinks" || fail "check_api.py"

# Oversized requests are refused by the server's limits, not served.
big=$(curl -s -o /dev/null -w '%{http_code}' -m 10 -H "Authorization: Bearer $TOKEN" \
    -H "X-Filler: $(head -c 20000 /dev/zero | tr '\0' a)" "$URL/api/v1/sites")
[ "$big" = 413 ] || [ "$big" = 400 ] || [ "$big" = 000 ] || fail "a 20 kB header: $big"
long=$(curl -s -o /dev/null -w '%{http_code}' -m 10 -H "Authorization: Bearer $TOKEN" \
    "$URL/api/v1/incidents?site=$(head -c 20000 /dev/zero | tr '\0' a)")
[ "$long" = 413 ] || [ "$long" = 400 ] || [ "$long" = 414 ] || [ "$long" = 000 ] ||
    fail "a 20 kB URL: $long"
code=$(curl -s -o /dev/null -w '%{http_code}' -m 10 "$URL/healthz")
[ "$code" = 200 ] || fail "after oversized requests: /healthz $code"
echo "api: oversized requests refused (header $big, URL $long), the server goes on"

# Clean stop on TERM: the API thread joins, exit 0 (ASan: no leak).
pipeline_stop
! grep -q "ERROR: AddressSanitizer\|LeakSanitizer\|runtime error" "$T/correlator.log" ||
    fail "sanitizer report in the correlator log"
echo "api: the correlator stopped cleanly with the API running"

# IPv6 loopback, where the host has ::1: the same store served on [::1].
if grep -q '^00000000000000000000000000000001 ' /proc/net/if_inet6 2>/dev/null; then
    sed -e 's/127.0.0.1:0/[::1]:0/' -e "s/group: ronda-pipeline/group: v6/" \
        "$PIPE/correlator.yaml" >"$T/v6.yaml"
    spawn v6 "$RONDA_BIN/ronda-correlator" -c "$T/v6.yaml"
    wait_for grep -q "api: listening on \[::1\]:" "$T/v6.log" --timeout 20 || fail "no API on [::1]"
    V6=$(sed -n 's/.*api: listening on \(\[::1\]:[0-9]*\) .*/\1/p' "$T/v6.log" | head -n 1)
    code=$(curl -s -g -o "$T/v6.out" -w '%{http_code}' -m 10 -H "Authorization: Bearer $TOKEN" \
        "http://$V6/api/v1/sites?site=$HOSTILE_SITE")
    [ "$code" = 200 ] && grep -q "\"id\":\"$HOSTILE_SITE\"" "$T/v6.out" || fail "[::1]: $code"
    rc=0; stop "$SPAWNED_PID" --timeout 20 || rc=$?
    [ $rc = 0 ] || fail "the [::1] correlator exited with $rc"
    echo "api: served on $V6"
fi
echo ok
