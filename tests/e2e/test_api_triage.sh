#!/bin/bash
# Triage through the API (docs/api.md, "Triage") against a real correlator:
# an SSH brute force plus a success from one IP on three sites (ronda-eventgen
# through ronda-devbroker) makes a campaign; then with curl: an analyst acks,
# assigns, notes (with a screen-clear ESC), closes and reopens an incident,
# and closes the campaign as a false positive with a 30-day suppression.
# Refused: no token or a wrong one (401), a read-only token (403), a wrong
# content type (415), bad bodies (400), an unknown id (404), a move that makes
# no sense (409), GET on an action path (405). The audit rows in the store are
# compared exactly (who, object, action, before/after, note); the reads show
# the triage state, the triage= filter, /audit and /suppressions. Detection:
# the same IP (and its /24) on a fourth site no longer links into the campaign while the
# suppression is in force; after a reopen lifts it, a fifth site joins. A
# SIGHUP adds an analyst. Config errors name file:line:key.
. "$(dirname "$0")/lib.sh"
require_cmd kcat sqlite3 curl

PY=/usr/bin/python3
READ=read-$(od -An -tx1 -N12 /dev/urandom | tr -d ' \n')
BUDI=budi-$(od -An -tx1 -N12 /dev/urandom | tr -d ' \n')
SITI=siti-$(od -An -tx1 -N12 /dev/urandom | tr -d ' \n')
RINA=rina-$(od -An -tx1 -N12 /dev/urandom | tr -d ' \n')
IP=203.0.113.77
T0=1795000000000	# 2026-11-18T11:06:40Z

# --- config errors -------------------------------------------------------------
bad_conf() {  # bad_conf API_YAML EXPECTED_REGEX
    printf 'kafka: {brokers: "127.0.0.1:1"}\nstore: %s/x.db\n%s\n' "$T" "$1" >"$T/bad.yaml"
    local rc=0 out
    out=$("$RONDA_BIN/ronda-correlator" -c "$T/bad.yaml" --check-config 2>&1) || rc=$?
    [ $rc = 2 ] || fail "api config '$1': exit $rc, want 2 ($out)"
    echo "$out" | grep -Eq "$2" || fail "api config '$1' said: $out"
}
bad_conf "api:
  listen: \"127.0.0.1:0\"
  analysts:
    - {name: budi, token: \"$BUDI\"}
    - {name: budi, token: \"$SITI\"}" 'bad.yaml:7: api.analysts\[1\]: the name budi is given twice'
bad_conf "api:
  listen: \"127.0.0.1:0\"
  tokens: [\"$BUDI\"]
  analysts:
    - {name: budi, token: \"$BUDI\"}" 'bad.yaml:7: api.analysts\[0\]: the token is also in api.tokens'
bad_conf "api:
  listen: \"127.0.0.1:0\"
  analysts:
    - {name: budi, token: short}" 'bad.yaml:6: api.analysts\[0\].token: not 16..256'
bad_conf "api:
  listen: \"127.0.0.1:0\"
  analysts:
    - {name: \"bu\\u001bdi\", token: \"$BUDI\"}" 'bad.yaml:6: api.analysts\[0\].name: 1..64 characters'
bad_conf "api:
  listen: \"127.0.0.1:0\"
  analysts:
    - {token: \"$BUDI\"}" 'api.analysts\[0\].*name'
echo "triage: analyst config errors name file:line:key (duplicates, shared token, weak token, control characters)"

# --- a correlator with a campaign ----------------------------------------------
start_broker --topics ronda.events,ronda.events.dlq --partitions 2
conf() {  # conf ANALYSTS_YAML_LINES
    cat <<YAML
kafka:
  brokers: $BROKER
  topic: ronda.events
  group: ronda-triage
  properties: {session.timeout.ms: "6000"}
store: $T/ronda.db
sites:
$(for s in a b c d e; do printf '  - {id: %s.go.id, agency: "Diskominfo %s", region: Kalimantan Timur, timezone: Asia/Makassar}\n' $s $s; done)
batch: {interval: 200ms}
api:
  listen: "127.0.0.1:0"
  tokens: ["$READ"]
  analysts:
    - {name: budi, token: "$BUDI"}
    - {name: "Siti Nurhaliza", token: "$SITI"}
$1
YAML
}
conf "" >"$T/c.yaml"
"$RONDA_BIN/ronda-correlator" -c "$T/c.yaml" --check-config | grep -q "configuration OK" ||
    fail "check-config"

produce() {  # produce SITE START_MS
    "$RONDA_BIN/ronda-eventgen" --scenario bruteforce-success --ip $IP --site "$1" \
        --failures 12 --start "$2" >"$T/ev-$1.tsv"
    timeout "$(scaled 30)" kcat -b "$BROKER" -P -t ronda.events -K $'\t' <"$T/ev-$1.tsv" ||
        fail "kcat produce $1"
}
q() { sqlite3 -cmd '.timeout 5000' "$T/ronda.db" "$1" 2>/dev/null; }
has_rows() { [ "$(q "$1")" -ge "${2:-1}" ]; }

for s in a b c; do produce $s.go.id $T0; done
spawn correlator "$RONDA_BIN/ronda-correlator" -c "$T/c.yaml"
CPID=$SPAWNED_PID
wait_for grep -q "api: listening on" "$T/correlator.log" --timeout 20 || fail "the API did not start"
URL=http://$(sed -n 's/.*api: listening on \([0-9.:]*\) .*/\1/p' "$T/correlator.log" | head -n 1)
wait_for has_rows "SELECT count(*) FROM campaigns WHERE site_count = 3" --timeout 30 ||
    fail "no campaign over the three sites: $(q 'SELECT id, status, site_count FROM campaigns')"
CAMP=$(q "SELECT id FROM campaigns")
INC=$(q "SELECT id FROM incidents WHERE site = 'a.go.id' AND kind = 'ssh_bruteforce'")
[ -n "$INC" ] || fail "no brute-force incident on a.go.id"
echo "triage: campaign $CAMP over 3 sites; incident $INC"

# call METHOD TOKEN PATH [BODY] [CONTENT_TYPE]: the status; the reply in $T/out.
call() {
    local m=$1 tok=$2 path=$3 body=${4:-} ct=${5:-application/json}
    local args=(-s -o "$T/out" -w '%{http_code}' -m 20 -X "$m")
    [ -n "$tok" ] && args+=(-H "Authorization: Bearer $tok")
    [ -n "$body" ] && args+=(-H "Content-Type: $ct" --data-binary "$body")
    curl "${args[@]}" "$URL$path"
}
expect() {  # expect CODE METHOD TOKEN PATH [BODY] [CT]
    local want=$1; shift
    local got
    got=$(call "$@")
    [ "$got" = "$want" ] || fail "$2 $4 ${5:-}: $got, want $want: $(head -c 400 "$T/out")"
}
jq_() { $PY -c 'import json,sys; d=json.load(open(sys.argv[1])); print(eval(sys.argv[2]))' "$T/out" "$1"; }

I=/api/v1/incidents/$INC/actions
C=/api/v1/campaigns/$CAMP/actions

# --- refusals, nothing written ---------------------------------------------------
expect 401 POST "" $I '{"action":"ack"}'
expect 401 POST "wrong-token-0123456789" $I '{"action":"ack"}'
expect 403 POST "$READ" $I '{"action":"ack"}'
grep -q '"message":"this token may only read"' "$T/out" || fail "403 body: $(cat "$T/out")"
expect 415 POST "$BUDI" $I '{"action":"ack"}' text/plain
expect 405 GET "$BUDI" $I
expect 400 POST "$BUDI" $I '{"action":'
expect 400 POST "$BUDI" $I '{"action":"dance"}'
expect 400 POST "$BUDI" $I '{"action":"close"}'
expect 400 POST "$BUDI" $I '{"action":"close","reason":"bored"}'
expect 400 POST "$BUDI" $I '{"action":"assign","assignee":"a\u001bb"}'
expect 400 POST "$BUDI" $I '{"action":"ack","evil":"x"}'
expect 400 POST "$BUDI" $I "{\"action\":\"note\",\"note\":\"$(head -c 4097 /dev/zero | tr '\0' x)\"}"
expect 400 POST "$BUDI" $I '{"action":"close","reason":"false_positive","suppress":"30d"}'
expect 400 POST "$BUDI" $C '{"action":"close","reason":"false_positive","suppress":"400d"}'
expect 400 POST "$BUDI" /api/v1/incidents/nothex/actions '{"action":"ack"}'
expect 404 POST "$BUDI" /api/v1/incidents/0123456789abcdef0123456789abcdef/actions '{"action":"ack"}'
expect 404 POST "$BUDI" /api/v1/campaigns/no-such-campaign/actions '{"action":"ack"}'
expect 409 POST "$BUDI" $I '{"action":"reopen"}'
[ "$(q 'SELECT count(*) FROM audit')" = 0 ] || fail "a refused write left an audit row"
[ "$(q 'SELECT count(*) FROM triage')" = 0 ] || fail "a refused write left a triage row"
echo "triage: refused 401 (none, wrong), 403 (read-only), 415, 405, 400 (bad bodies), 404, 409; nothing written"

# --- the writes ------------------------------------------------------------------
expect 200 POST "$BUDI" $I '{"action":"ack"}'
[ "$(jq_ 'd["ok"], d["triage"]["state"], d["triage"]["updated_by"]')" = "(True, 'acknowledged', 'budi')" ] ||
    fail "ack reply: $(cat "$T/out")"
expect 409 POST "$BUDI" $I '{"action":"ack"}'
expect 200 POST "$BUDI" $I '{"action":"assign","assignee":"siti"}'
expect 200 POST "$SITI" $I '{"action":"note","note":"saw \u001b[2J in the \"logs\"\nline two"}'
grep -q '"text":"saw \\u001b\[2J in the \\"logs\\"\\nline two"' "$T/out" ||
    fail "the note's ESC is not escaped in the reply: $(cat "$T/out")"
expect 200 POST "$SITI" $I '{"action":"close","reason":"resolved","note":"blocked at the firewall"}'
expect 409 POST "$SITI" $I '{"action":"close","reason":"resolved"}'
expect 200 POST "$BUDI" $I '{"action":"reopen"}'
expect 200 POST "$BUDI" $C '{"action":"close","reason":"false_positive","suppress":"30d","note":"our pentest"}'
[ "$(jq_ '[(s["type"], s["value"]) for s in d["suppressions"]]')" = \
    "[('ip', '$IP'), ('net', '${IP%.*}.0/24')]" ] ||
    fail "suppressions made: $(cat "$T/out")"
echo "triage: ack, assign, note, close, reopen of an incident; campaign closed as a false positive, 30d suppression"

# --- the audit, exactly ----------------------------------------------------------
cat >"$T/audit.want" <<EOF
budi|incident|$INC|ack|{"state":"new","assignee":null,"reason":null}|{"state":"acknowledged","assignee":null,"reason":null}|NULL
budi|incident|$INC|assign|{"state":"acknowledged","assignee":null,"reason":null}|{"state":"assigned","assignee":"siti","reason":null}|NULL
Siti Nurhaliza|incident|$INC|note|{"state":"assigned","assignee":"siti","reason":null}|{"state":"assigned","assignee":"siti","reason":null}|saw 1b5b324a in the "logs"0aline two
Siti Nurhaliza|incident|$INC|close|{"state":"assigned","assignee":"siti","reason":null}|{"state":"closed","assignee":"siti","reason":"resolved"}|blocked at the firewall
budi|incident|$INC|reopen|{"state":"closed","assignee":"siti","reason":"resolved"}|{"state":"acknowledged","assignee":"siti","reason":null}|NULL
budi|campaign|$CAMP|close|{"state":"new","assignee":null,"reason":null}|{"state":"closed","assignee":null,"reason":"false_positive"}|our pentest
EOF
# Control bytes of the note shown as hex, so the file compares as text.
q "SELECT who, object, object_id, action, before, after, COALESCE(replace(replace(note,
     char(27) || '[2J', '1b5b324a'), char(10), '0a'), 'NULL') FROM audit ORDER BY id" >"$T/audit.got"
diff "$T/audit.want" "$T/audit.got" >&2 || fail "audit rows differ"
now=$(date +%s%3N)
at=$(q "SELECT min(at) >= $now - 600000 AND max(at) <= $now FROM audit")
[ "$at" = 1 ] || fail "audit times are not the wall clock"
[ "$(q "SELECT group_concat(type || '|' || value || '|' || (until - created_at) || '|' ||
       campaign_id || '|' || created_by, ' ') FROM suppressions")" = \
    "ip|$IP|2592000000|$CAMP|budi net|${IP%.*}.0/24|2592000000|$CAMP|budi" ] || fail "suppression row: $(q 'SELECT * FROM suppressions')"
[ "$(q "SELECT status FROM incidents WHERE id = '$INC'")" != "" ] || fail "incident gone"
echo "triage: the audit holds 6 rows exactly as done (who, object, action, before/after, note)"

# --- the reads -------------------------------------------------------------------
expect 200 GET "$READ" /api/v1/incidents/$INC
[ "$(jq_ 'd["triage"]["state"], d["triage"]["assignee"], d["triage"]["reason"], len(d["triage"]["notes"]), d["triage"]["notes"][0]["by"]')" = \
    "('acknowledged', 'siti', None, 2, 'Siti Nurhaliza')" ] || fail "GET incident triage: $(jq_ 'd["triage"]')"
expect 200 GET "$READ" "/api/v1/incidents?triage=acknowledged"
[ "$(jq_ '[i["id"] for i in d["incidents"]], d["incidents"][0]["triage"]')" = \
    "(['$INC'], {'state': 'acknowledged', 'assignee': 'siti', 'reason': None})" ] ||
    fail "triage= filter: $(head -c 300 "$T/out")"
expect 200 GET "$READ" "/api/v1/incidents?triage=new&limit=1000"
[ "$(jq_ 'd["total"]')" = "$(( $(q 'SELECT count(*) FROM incidents') - 1 ))" ] || fail "triage=new count"
expect 400 GET "$READ" "/api/v1/incidents?triage=maybe"
expect 200 GET "$BUDI" "/api/v1/campaigns?triage=closed"
[ "$(jq_ '[c["id"] for c in d["campaigns"]], d["campaigns"][0]["triage"]["reason"], d["campaigns"][0]["status"]')" = \
    "(['$CAMP'], 'false_positive', 'active')" ] || fail "campaigns triage=closed: $(head -c 300 "$T/out")"
expect 200 GET "$READ" "/api/v1/audit?object_id=$INC&limit=2"
[ "$(jq_ '[(a["action"], a["who"]) for a in d["audit"]], d["audit"][0]["before"]["state"]')" = \
    "([('reopen', 'budi'), ('close', 'Siti Nurhaliza')], 'closed')" ] || fail "audit: $(cat "$T/out")"
expect 200 GET "$READ" /api/v1/suppressions
[ "$(jq_ 'sorted((s["type"], s["value"], s["campaign_id"], s["created_by"], s["active"]) for s in d["suppressions"])')" = \
    "[('ip', '$IP', '$CAMP', 'budi', True), ('net', '${IP%.*}.0/24', '$CAMP', 'budi', True)]" ] || fail "suppressions: $(cat "$T/out")"
expect 400 GET "$READ" "/api/v1/suppressions?all=2"
expect 405 POST "$BUDI" /api/v1/incidents '{"action":"ack"}'
# The schemas describe what the API now says.
for p in "/api/v1/incidents/$INC:incident:one" "/api/v1/incidents?limit=5:incident:incidents" \
    "/api/v1/campaigns/$CAMP:campaign:one" "/api/v1/campaigns:campaign:campaigns"; do
    expect 200 GET "$READ" "${p%%:*}"
    r=${p#*:}
    $PY - "$RONDA_SRC/schemas/${r%%:*}.schema.json" "$T/out" "${r#*:}" <<'PY' || fail "schema: $p"
import json, sys, jsonschema
schema = json.load(open(sys.argv[1])); d = json.load(open(sys.argv[2]))
v = jsonschema.Draft202012Validator(schema, format_checker=jsonschema.FormatChecker())
for o in ([d] if sys.argv[3] == "one" else d[sys.argv[3]]):
    v.validate(o)
PY
done
echo "triage: GETs show it (incident, lists, triage= filter, audit, suppressions), schemas hold"

# --- suppressions in detection ------------------------------------------------------
# The engine reads the suppressions at most every 5 s of its clock: the next
# batch after that judges the IP allowlisted, so a fourth site's brute force
# from it links nothing.
sleep 6
produce d.go.id $((T0 + 600000))
wait_for has_rows "SELECT count(*) FROM incidents WHERE site = 'd.go.id' AND kind = 'compromise'" \
    --timeout 30 || fail "no incident on d.go.id"
[ "$(q "SELECT count(*) FROM campaign_incidents ci JOIN incidents i ON i.id = ci.incident_id
       WHERE i.site = 'd.go.id'")" = 0 ] || fail "the suppressed IP linked d.go.id into a campaign"
[ "$(q "SELECT count(*) || ' ' || max(site_count) FROM campaigns")" = "1 3" ] ||
    fail "campaigns after the suppressed IP: $(q 'SELECT id, site_count FROM campaigns')"
echo "triage: while suppressed, $IP on a fourth site links nothing"

# A reopen says it was no false positive: the suppression ends, the IP links again.
expect 200 POST "$SITI" $C '{"action":"reopen"}'
[ "$(jq_ 'd["suppressions_lifted"], d["triage"]["state"]')" = "(2, 'acknowledged')" ] ||
    fail "reopen reply: $(cat "$T/out")"
expect 200 GET "$READ" "/api/v1/suppressions?all=1"
[ "$(jq_ '[s["active"] for s in d["suppressions"]]')" = "[False, False]" ] || fail "lifted: $(cat "$T/out")"
sleep 6
produce e.go.id $((T0 + 1200000))
wait_for has_rows "SELECT count(*) FROM campaign_incidents ci JOIN incidents i ON i.id = ci.incident_id
    WHERE i.site = 'e.go.id' AND ci.campaign_id = '$CAMP'" --timeout 30 ||
    fail "after the reopen, e.go.id did not join $CAMP: $(q 'SELECT campaign_id, site FROM campaign_incidents')"
echo "triage: after the reopen lifted it, a fifth site joins $CAMP"

# --- the CLI writes through the API, never the store ----------------------------------
RONDA=("$RONDA_BIN/ronda" -d "$T/ronda.db" --api "$URL")
printf '%s\n' "$SITI" >"$T/siti.token"
chmod 600 "$T/siti.token"
before=$(q "SELECT count(*) FROM audit")
out=$(RONDA_TOKEN= RONDA_TOKEN_FILE= "${RONDA[@]}" note "${INC:0:10}" "x" 2>&1) && fail "a note without a token"
grep -q "no API token" <<<"$out" || fail "no token said: $out"
rc=0; out=$(RONDA_TOKEN=$READ "${RONDA[@]}" note "${INC:0:10}" "read-only" 2>&1) || rc=$?
[ $rc = 5 ] && grep -q "this token may only read" <<<"$out" || fail "read-only token: exit $rc: $out"
out=$(RONDA_TOKEN_FILE=$T/siti.token "${RONDA[@]}" assign "${INC:0:10}" rahmat) ||
    fail "ronda assign: $out"
grep -q "^incident ${INC:0:10}: assigned, assigned to rahmat (Siti Nurhaliza, " <<<"$out" ||
    fail "ronda assign said: $out"
out=$(RONDA_TOKEN_FILE=$T/siti.token "${RONDA[@]}" note "${INC:0:10}" $'dari CLI \e[2J') ||
    fail "ronda note: $out"
rc=0; out=$("${RONDA[@]}" --token-file "$T/siti.token" close "${INC:0:10}" 2>&1) || rc=$?
[ $rc = 2 ] && grep -q "needs --reason" <<<"$out" || fail "close without a reason: exit $rc: $out"
rc=0; out=$("${RONDA[@]}" --token-file "$T/siti.token" note ffffffffff "x" 2>&1) || rc=$?
[ $rc = 4 ] || fail "an unknown id: exit $rc: $out"
[ "$(q "SELECT count(*) FROM audit")" = $((before + 2)) ] || fail "the CLI's actions are not 2 audit rows"
[ "$(q "SELECT who || '|' || action || '|' || coalesce(note, '') FROM audit ORDER BY id DESC LIMIT 1")" = \
    "Siti Nurhaliza|note|dari CLI $(printf '\e')[2J" ] || fail "the CLI's note in the audit: $(q 'SELECT * FROM audit ORDER BY id DESC LIMIT 1')"
out=$(RONDA_TOKEN=$SITI "${RONDA[@]}" audit "${INC:0:10}" --limit 3) || fail "ronda audit: $out"
grep -q "Siti Nurhaliza .*assign" <<<"$out" || fail "ronda audit said: $out"
grep -q $'\e' <<<"$out" && fail "ronda audit printed a raw ESC"
rc=0; out=$(RONDA_TOKEN=$SITI "$RONDA_BIN/ronda" -d "$T/ronda.db" --api http://127.0.0.1:1 ack "${INC:0:10}" 2>&1) || rc=$?
[ $rc = 5 ] && grep -q "cannot reach the API" <<<"$out" || fail "no API: exit $rc: $out"
echo "triage: the CLI assigns, notes and reads the audit through the API (token refused, no token, no API)"

# --- SIGHUP adds an analyst ------------------------------------------------------------
expect 401 POST "$RINA" $I '{"action":"note","note":"x"}'
conf "    - {name: rina, token: \"$RINA\"}" >"$T/c.yaml"
kill -HUP "$CPID"
wait_for grep -q "configuration reloaded" "$T/correlator.log" --timeout 20 || fail "no reload"
expect 200 POST "$RINA" $I '{"action":"note","note":"picked up after the reload"}'
[ "$(q "SELECT who FROM audit ORDER BY id DESC LIMIT 1")" = rina ] || fail "rina's note"
echo "triage: a SIGHUP adds an analyst"

rc=0; stop "$CPID" --timeout 20 || rc=$?
[ $rc = 0 ] || fail "the correlator exited with $rc"
! grep -q "ERROR: AddressSanitizer\|LeakSanitizer\|runtime error" "$T/correlator.log" ||
    fail "sanitizer report in the correlator log"
echo ok
