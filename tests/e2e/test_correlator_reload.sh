#!/bin/bash
# ronda-correlator SIGHUP: the sites, the campaign allowlist, the alert sinks
# and the API tokens are taken from the file again without a restart; a file
# with an error (a misspelt time zone) is refused with file:line and the
# running configuration kept, like the collector. --check-config refuses the
# same zone.
. "$(dirname "$0")/lib.sh"
require_cmd kcat sqlite3 curl

start_broker --topics ronda.events,ronda.events.dlq --partitions 2
T1=first-token-$(od -An -tx1 -N8 /dev/urandom | tr -d ' \n')
T2=second-token-$(od -An -tx1 -N8 /dev/urandom | tr -d ' \n')

conf() {  # conf TOKEN EXTRA_SITES ALLOW
    cat >"$T/c.yaml" <<YAML
kafka:
  brokers: $BROKER
  topic: ronda.events
  properties: {session.timeout.ms: "6000"}
store: $T/ronda.db
sites:
  - id: bontangkota.go.id
    agency: Diskominfo Bontang
    timezone: Asia/Makassar
$2
campaigns:
  allowlist: [$3]
alerts:
  file: $T/alerts.jsonl
api: {listen: "127.0.0.1:0", tokens: ["$1"]}
YAML
}
conf "$T1" "" ""
"$RONDA_BIN/ronda-correlator" -c "$T/c.yaml" --check-config | grep -q "configuration OK" ||
    fail "check-config"
spawn correlator "$RONDA_BIN/ronda-correlator" -c "$T/c.yaml"
cpid=$SPAWNED_PID
wait_for grep -q "api: listening on" "$T/correlator.log" --timeout 30 || fail "no API"
ADDR=$(sed -n 's/.*api: listening on \([0-9.:]*\) .*/\1/p' "$T/correlator.log" | head -n 1)
code() { curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $1" "http://$ADDR/api/v1/sites"; }
[ "$(code "$T1")" = 200 ] || fail "the first token does not work"

q() { sqlite3 "$T/ronda.db" "$1" 2>/dev/null; }
counter() { q "SELECT value FROM counters WHERE name='$1'"; }

# A new site, a new token, an allowlist entry.
conf "$T2" "  - id: samarindakota.go.id
    agency: Diskominfo Kota Samarinda
    timezone: Asia/Makassar" "{type: ip, value: 203.0.113.0/24}"
kill -HUP "$cpid"
wait_for grep -q "configuration reloaded from .*: 2 sites, 1 allowlist entries, 1 API tokens" \
    "$T/correlator.log" --timeout 20 || fail "not reloaded: $(tail -3 "$T/correlator.log")"
[ "$(code "$T2")" = 200 ] || fail "the new token is refused"
[ "$(code "$T1")" = 401 ] || fail "the old token still works"
[ "$(q "SELECT agency FROM site_info WHERE id='samarindakota.go.id'")" = "Diskominfo Kota Samarinda" ] ||
    fail "the new site's agency is not in the store"
[ "$(q "SELECT value FROM allowlist WHERE type='ip'")" = 203.0.113.0/24 ] ||
    fail "the allowlist was not written"
# Events of the new site are a known site's.
"$RONDA_BIN/ronda-eventgen" --scenario bruteforce-success --ip 198.51.100.77 \
    --site samarindakota.go.id --failures 12 >"$T/events.tsv"
timeout "$(scaled 30)" kcat -b "$BROKER" -P -t ronda.events -K $'\t' <"$T/events.tsv" ||
    fail "kcat produce"
wait_for eval '[ "$(counter events)" = 13 ]' --timeout 30 || fail "events not applied"
[ "$(counter unknown_site_events)" = 0 ] ||
    fail "the reloaded site is unknown: $(counter unknown_site_events) events"
[ "$(q "SELECT known FROM sites WHERE id='samarindakota.go.id'")" = 1 ] || fail "site not known"
wait_for test -s "$T/alerts.jsonl" --timeout 30 || fail "no alert through the reloaded file sink"

# A misspelt zone: refused by --check-config and by the reload, naming file:line.
sed -i 's|timezone: Asia/Makassar|timezone: Asia/Makasar|' "$T/c.yaml"
out=$("$RONDA_BIN/ronda-correlator" -c "$T/c.yaml" --check-config 2>&1) && fail "check-config took Asia/Makasar"
grep -q 'c.yaml:9: sites\[0\].timezone: unknown time zone "Asia/Makasar"' <<<"$out" ||
    fail "check-config said: $out"
kill -HUP "$cpid"
wait_for grep -q "reload: .* has errors; keeping the running configuration" \
    "$T/correlator.log" --timeout 20 || fail "a bad file was not refused"
grep -q 'c.yaml:9: sites\[0\].timezone: unknown time zone' "$T/correlator.log" || fail "the refusal names no file:line"
[ "$(code "$T2")" = 200 ] || fail "the running tokens were not kept"
kill -0 "$cpid" || fail "the correlator died on a bad reload"
stop "$cpid" --timeout 15 || fail "correlator exit status $?"
echo "ok: SIGHUP reloads sites, allowlist, sinks and tokens; a bad file is refused"
