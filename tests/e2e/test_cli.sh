#!/bin/bash
# ronda (the analysts' CLI) against a store filled by a real pipeline run:
# kaltim-wave through ronda-devbroker, ronda-correlator and one collector per
# site, plus attacker lines carrying a screen clear (ESC [2J), a cursor home
# and a fake shell prompt. Checks every command in text and --json (validated
# against schemas/*.schema.json), the markdown summary, that no raw escape
# byte reaches any output (attacker text shown as \x1b..., also on a tty,
# where colour is on), errors with their exit codes, terminal widths and
# zones, and reads while the correlator writes.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/pipeline_lib.sh"
require_cmd kcat sqlite3 script

PY=/usr/bin/python3
RONDA=$RONDA_BIN/ronda
[ -x "$RONDA" ] || fail "no $RONDA"
DB=$PIPE/ronda.db
ESC=$'\x1b'
HOSTILE_SITE=bontangkota.go.id

# --- the pipeline, with attacker lines planted in one site's logs ----------
PIPE_LATENESS=24h
pipeline_broker
pipeline_sim kaltim-wave
# A SQL injection whose user agent clears the screen and draws a prompt, and
# twelve failed su attempts to an "account" that does the same (su_bruteforce
# is keyed by that account name, so it reaches the summary's tables too).
printf '6.6.6.6 - - [16/Nov/2026:13:50:00 +0800] "GET /index.php?id=1%%27%%20UNION%%20SELECT%%20password%%20FROM%%20users-- HTTP/1.1" 200 512 "-" "Mozilla/5.0 \x1b[2J\x1b[H\rroot@soc:~# rm -rf / | `id`"\n' \
    >>"$PIPE/sites/$HOSTILE_SITE/access.log"
for s in $(seq 10 21); do
    printf 'Nov 16 13:51:%02d web01 su[4242]: FAILED SU (to \x1b[2J\x1b[H\rroot@soc:~#|`id`) budi on pts/0\n' "$s"
done >>"$PIPE/sites/$HOSTILE_SITE/auth.log"
pipeline_configure
pipeline_correlator

# Readers while the correlator consumes: each must succeed (the store is
# read-only and WAL; a reader never waits for a batch).
cat >"$T/readers.sh" <<EOF
#!/bin/bash
n=0
while [ ! -e "$T/readers.stop" ]; do
    for c in "sites --json" "summary --json --now latest" "incidents --json --limit 200"; do
        if ! timeout 20 "$RONDA" -d "$DB" \$c >"$T/reader.out" 2>"$T/reader.err"; then
            echo "FAILED: ronda \$c: \$(cat "$T/reader.err")"; exit 1
        fi
        $PY -c 'import json,sys; json.load(open(sys.argv[1]))' "$T/reader.out" ||
            { echo "FAILED: ronda \$c: not JSON"; exit 1; }
        n=\$((n + 1))
    done
    echo "\$n" >"$T/readers.count"
done
echo "readers: \$n runs"
EOF
spawn readers bash "$T/readers.sh"
READERS=$SPAWNED_PID
pipeline_collectors_once
pipeline_wait_consumed
touch "$T/readers.stop"
wait_for test ! -d "/proc/$READERS" --timeout 30 || fail "the readers did not stop"
rc=0; wait "$READERS" || rc=$?
[ $rc = 0 ] || fail "a reader failed while the correlator wrote: $(cat "$T/readers.log")"
runs=$(cat "$T/readers.count" 2>/dev/null || echo 0)
[ "$runs" -ge 3 ] || fail "only $runs reads while the correlator wrote"
echo "cli: $runs reads while the correlator consumed, all answered"
pipeline_stop

# --- helpers ---------------------------------------------------------------
# r ARGS...: ronda on the store, stdout to $T/out, stderr to $T/err; sets RC.
r() {
    RC=0
    timeout 30 "$RONDA" -d "$DB" "$@" >"$T/out" 2>"$T/err" || RC=$?
}
# ok ARGS...: r, and it must exit 0 with no raw ESC byte in what it printed.
ok() {
    r "$@"
    [ $RC = 0 ] || fail "ronda $* exited $RC: $(cat "$T/err")"
    no_raw_esc "$T/out" "ronda $*"
}
no_raw_esc() {
    if grep -q "$ESC" "$1"; then
        grep -n "$ESC" "$1" | head -3 | cat -v >&2
        fail "$2: a raw ESC byte in the output"
    fi
}
# validate SCHEMA FILE one|array: FILE holds one object or an array of them.
cat >"$T/validate.py" <<'PY'
import json, re, sys
from datetime import datetime
import jsonschema
schema = json.load(open(sys.argv[1]))
data = json.load(open(sys.argv[2]))
fc = jsonschema.FormatChecker()
@fc.checks("date-time", raises=ValueError)
def date_time(s):
    if not isinstance(s, str):
        return True
    if not re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)", s):
        raise ValueError("not RFC 3339: %r" % s)
    datetime.fromisoformat(s.replace("Z", "+00:00"))
    return True
v = jsonschema.Draft202012Validator(schema, format_checker=fc)
items = data if sys.argv[3] == "array" else [data]
if sys.argv[3] == "array" and not isinstance(data, list):
    sys.exit("not an array")
bad = 0
for it in items:
    for e in v.iter_errors(it):
        print("%s: %s at %s" % (sys.argv[2], e.message[:300], list(e.absolute_path)))
        bad += 1
sys.exit(1 if bad else 0)
PY
validate() {
    $PY "$T/validate.py" "$RONDA_SRC/schemas/$1" "$2" "$3" >&2 ||
        fail "$2 does not validate against schemas/$1"
}
widest() {  # widest FILE COLUMNS: no line wider (in characters) than COLUMNS
    $PY -c 'import sys; sys.exit(max(len(l.rstrip("\n")) for l in open(sys.argv[1], encoding="utf-8")) > int(sys.argv[2]))' "$1" "$2"
}
jq_py() {  # jq_py FILE EXPR: a Python expression over d (the JSON) printed
    $PY -c "import json,sys; d=json.load(open(sys.argv[1])); print($2)" "$1"
}

n_inc=$(sqlite3 "$DB" "SELECT count(*) FROM incidents")
n_camp=$(sqlite3 "$DB" "SELECT count(*) FROM campaigns WHERE status <> 'merged'")
echo "cli: the store has $n_inc incidents, $n_camp campaigns"
[ "$n_inc" -gt 100 ] || fail "only $n_inc incidents from kaltim-wave"

# --- errors and exit codes -------------------------------------------------
RC=0; "$RONDA" -d "$T/nothing.db" sites >"$T/out" 2>"$T/err" || RC=$?
[ $RC = 3 ] || fail "missing store: exit $RC, want 3"
grep -qx "ronda: $T/nothing.db: no such store" "$T/err" || fail "missing store said: $(cat "$T/err")"
echo "not a database" >"$T/text.db"
RC=0; "$RONDA" -d "$T/text.db" sites >"$T/out" 2>"$T/err" || RC=$?
[ $RC = 3 ] && grep -q "not a Ronda store" "$T/err" || fail "a text file as store: exit $RC, $(cat "$T/err")"
RC=0; RONDA_DB=$T/nothing.db "$RONDA" incidents >"$T/out" 2>"$T/err" || RC=$?
[ $RC = 3 ] && grep -q "nothing.db: no such store" "$T/err" || fail "RONDA_DB not used: $(cat "$T/err")"
r incident ffffffffffffffffffffffffffffffff
[ $RC = 4 ] && grep -q "no such incident" "$T/err" || fail "wrong incident id: exit $RC, $(cat "$T/err")"
r campaign no-such-campaign
[ $RC = 4 ] || fail "wrong campaign id: exit $RC"
r incident 'zz'$'\x1b''[2J'
[ $RC = 4 ] || fail "malformed id: exit $RC"
no_raw_esc "$T/err" "malformed id message"
r incidents --since 3x
[ $RC = 2 ] && grep -q "^ronda: --since: bad time '3x'" "$T/err" || fail "bad --since: exit $RC, $(cat "$T/err")"
r incidents --since $'\x1b[2J'
[ $RC = 2 ] || fail "escape sequence as --since: exit $RC"
no_raw_esc "$T/err" "bad --since message"
r incidents --severity urgent
[ $RC = 2 ] && grep -q "severity" "$T/err" || fail "bad --severity: exit $RC"
r sites --kind scan
[ $RC = 2 ] || fail "an option of another command: exit $RC"
r frobnicate
[ $RC = 2 ] || fail "unknown command: exit $RC"
r summary --format html
[ $RC = 2 ] || fail "bad --format: exit $RC"
for f in "$T/err"; do [ "$(wc -l <"$f")" = 1 ] || fail "error not one line: $(cat "$f")"; done
ok --help
grep -q "^usage: ronda" "$T/out" || fail "--help"

# --- incidents ---------------------------------------------------------------
ok incidents --limit 5
[ "$(grep -c 'WITA' "$T/out")" = 5 ] || { cat "$T/out"; fail "5 incidents in WITA"; }
grep -q "^5 of $n_inc incidents" "$T/out" || fail "no 'of N' footer: $(tail -1 "$T/out")"
widest "$T/out" 80 ||
    fail "a line wider than 80 columns without a terminal"
COLUMNS=200 ok incidents --limit 5
head -1 "$T/out" | grep -q "STATUS.*EVENTS.*KEY" || fail "wide terminal: all columns: $(head -1 "$T/out")"
COLUMNS=60 ok incidents --limit 5
widest "$T/out" 60 || { cat "$T/out"; fail "wider than COLUMNS=60"; }
ok incidents --utc --limit 3
[ "$(grep -c ' UTC ' "$T/out")" = 3 ] && ! grep -q WITA "$T/out" || fail "--utc"

ok incidents --json --limit 1000
validate incident.schema.json "$T/out" array
cp "$T/out" "$T/incidents.json"
ok incidents --json --severity critical --site "$HOSTILE_SITE" --limit 1000
[ "$(jq_py "$T/out" 'all(i["severity"] == "critical" and i["site"] == "'$HOSTILE_SITE'" for i in d) and len(d) > 0')" = True ] ||
    fail "--severity critical --site: $(jq_py "$T/out" 'sorted({(i["site"], i["severity"]) for i in d})')"
ok incidents --json --kind webshell --since 2026-11-16T08:00+08:00 --until 2026-11-16T14:00+08:00
[ "$(jq_py "$T/out" 'len(d) > 0 and all(i["kind"] == "webshell" for i in d)')" = True ] || fail "--kind webshell"
ok incidents --json --since 24h
[ "$(jq_py "$T/out" 'len(d)')" = 0 ] || fail "--since 24h of the wall clock matched data from the past"
ok incidents --since 2h --now latest --limit 1000 --json
recent=$(jq_py "$T/out" 'len(d)')
[ "$recent" -gt 0 ] && [ "$recent" -lt "$n_inc" ] || fail "--now latest --since 2h: $recent of $n_inc"

# --- the hostile lines, in every output ---------------------------------------
ok incidents --json --kind su_bruteforce --site "$HOSTILE_SITE"
[ "$(jq_py "$T/out" 'len(d)')" = 1 ] || fail "no su_bruteforce incident for the hostile user"
[ "$(jq_py "$T/out" 'd[0]["key"] == "\x1b[2J\x1b[H\rroot@soc:~#|`id`"')" = True ] ||
    fail "the hostile user name did not arrive intact: $(jq_py "$T/out" 'repr(d[0]["key"])')"
grep -qF '\u001b[2J\u001b[H\rroot@soc:~#|`id`' "$T/out" || fail "JSON: ESC not as \\u001b"
su_id=$(jq_py "$T/out" 'd[0]["id"]')
COLUMNS=200 ok incidents --kind su_bruteforce --site "$HOSTILE_SITE"
grep -qF '\x1b[2J\x1b[H\rroot@soc:~#|`id`' "$T/out" || { cat "$T/out"; fail "table: hostile key not shown escaped"; }
ok incident "${su_id:0:10}"
grep -qF 'FAILED SU (to \x1b[2J\x1b[H\rroot@soc:~#|`id`) budi on pts/0' "$T/out" ||
    { cat "$T/out"; fail "incident: evidence not shown escaped"; }
sqli_id=$(jq_py "$T/incidents.json" '[i["id"] for i in d if i["kind"] == "sqli" and i["site"] == "'"$HOSTILE_SITE"'"][0]')
ok incident "$sqli_id"
grep -qF '"Mozilla/5.0 \x1b[2J\x1b[H\rroot@soc:~# rm -rf / | `id`"' "$T/out" ||
    { cat "$T/out"; fail "incident: the sqli evidence line not shown escaped"; }
grep -q "Evidence" "$T/out" && grep -q "Indicators" "$T/out" || fail "incident: sections"
ok incident "$sqli_id" --json
validate incident.schema.json "$T/out" one
grep -qF '\u001b[2J' "$T/out" || fail "incident --json: ESC not as \\u001b"
ok summary --format markdown --now latest --kind su_bruteforce
# Rendered, \\x1b reads \x1b, \[ reads [ and \| stays inside its table cell.
grep -qF '| \\x1b\[2J\\x1b\[H\\rroot@soc:\~\#\|\`id\` |' "$T/out" ||
    { cat "$T/out"; fail "markdown: hostile key not escaped for markdown"; }
ok summary --now latest --kind su_bruteforce
grep -qF 'su guessing 1' "$T/out" || { cat "$T/out"; fail "text summary: kinds"; }
# On a terminal: colour on, attacker bytes still escaped; NO_COLOR turns it off.
script -qec "COLUMNS=200 '$RONDA' -d '$DB' incidents --kind su_bruteforce" /dev/null >"$T/tty.out" </dev/null
grep -qF '\x1b[2J' "$T/tty.out" || fail "tty: hostile key not shown escaped"
grep -q "$ESC\[1m" "$T/tty.out" || fail "tty: no colour on a terminal"
! grep -q "$ESC\[2J\|$ESC\[H" "$T/tty.out" || fail "tty: the attacker's escape sequence reached the terminal"
NO_COLOR=1 script -qec "'$RONDA' -d '$DB' incidents --kind su_bruteforce" /dev/null >"$T/tty.out" </dev/null
! grep -q "$ESC" "$T/tty.out" || fail "tty with NO_COLOR: escape bytes"

# A copy of the store in a folder the analyst cannot write (an archived
# store, no correlator): read without the WAL's -shm file.
if [ "$(id -u)" = 0 ] && command -v setpriv >/dev/null; then
    chmod 711 "$T"      # mktemp made it 0700: the other user may pass through
    mkdir -p "$T/ro"
    sqlite3 "$DB" ".backup '$T/ro/ronda.db'"
    [ "$(sqlite3 "$T/ro/ronda.db" 'PRAGMA journal_mode')" = wal ] || fail "the copy is not in WAL mode"
    chmod 755 "$T/ro"; chmod 644 "$T/ro/ronda.db"
    RC=0
    setpriv --reuid=65534 --regid=65534 --clear-groups "$RONDA" -d "$T/ro/ronda.db" incidents \
        --json --limit 1000 >"$T/out" 2>"$T/err" || RC=$?
    [ $RC = 0 ] && [ "$(jq_py "$T/out" 'len(d)')" = "$(jq_py "$T/incidents.json" 'len(d)')" ] ||
        fail "reading a store in a read-only folder as another user: exit $RC, $(cat "$T/err")"
    [ ! -e "$T/ro/ronda.db-shm" ] || fail "a -shm file appeared in the read-only folder"
fi

# --- sites -------------------------------------------------------------------
ok sites
n_sites=$(ls -d "$PIPE"/sites/*/ | wc -l)
[ "$(grep -c ' WITA  ' "$T/out")" = "$n_sites" ] || { cat "$T/out"; fail "sites: $n_sites in WITA"; }
ok sites --json
validate site.schema.json "$T/out" array
[ "$(jq_py "$T/out" 'len(d)')" = "$n_sites" ] || fail "sites --json: not $n_sites"
[ "$(jq_py "$T/out" 'all(s["known"] and s["timezone"] == "Asia/Makassar" and s["last_heard"] for s in d)')" = True ] ||
    fail "sites: configuration or heartbeats missing"
# Two clocks apart: the newest event is the scenario's day (event time), the
# collector was heard today (processing time); just heard, so none is silent.
[ "$(jq_py "$T/out" 'all(s["last_event"][:10] in ("2026-11-15", "2026-11-16") and s["last_heard"] > s["last_event"] and s["last_heartbeat"] == s["last_heard"] and not s["silent"] for s in d)')" = True ] ||
    fail "sites: last event and last heard not apart: $(jq_py "$T/out" '[(s["id"], s["last_event"], s["last_heard"], s["silent"]) for s in d]')"
ok sites --site "$HOSTILE_SITE" --json
[ "$(jq_py "$T/out" 'd[0]["incidents"] > 0')" = True ] || fail "sites --site"
r sites --site nowhere.go.id
[ $RC = 4 ] || fail "unknown site: exit $RC"

# --- campaigns ---------------------------------------------------------------
ok campaigns --json --limit 1000
if [ -f "$RONDA_SRC/schemas/campaign.schema.json" ]; then
    validate campaign.schema.json "$T/out" array
fi
[ "$(jq_py "$T/out" 'len(d)')" = "$n_camp" ] || fail "campaigns --json: not $n_camp"
ok campaigns
if [ "$n_camp" -gt 0 ]; then
    cid=$(sqlite3 "$DB" "SELECT id FROM campaigns WHERE status <> 'merged' ORDER BY site_count DESC LIMIT 1")
    ok campaign "$cid"
    grep -q "Timeline" "$T/out" || fail "campaign: no timeline"
    ok campaign "$cid" --json
    [ -f "$RONDA_SRC/schemas/campaign.schema.json" ] && validate campaign.schema.json "$T/out" one
    [ "$(jq_py "$T/out" 'len(d["sites"]) >= 2 and len(d["incidents"]) >= 2')" = True ] ||
        fail "campaign $cid: fewer than 2 sites or incidents"
    # From one of its incidents back to the campaign.
    member=$(jq_py "$T/out" 'd["incident_ids"][0]')
    ok incident "$member"
    grep -q "^  campaign     ${cid:0:10}  " "$T/out" || { cat "$T/out"; fail "incident $member: no link to campaign $cid"; }
    ok campaigns --status active --now latest --since 24h
else
    grep -q "no campaigns match" "$T/out" || fail "campaigns with none"
    echo "cli: no campaigns in the store (the campaign engine has not landed): campaign commands checked empty"
fi

# --- summary -----------------------------------------------------------------
ok summary --json --now latest
validate summary.schema.json "$T/out" one
[ "$(jq_py "$T/out" 'd["totals"]["incidents"] > 0 and len(d["agencies"]) > 3 and len(d["top_ips"]) > 0')" = True ] ||
    fail "summary: empty"
ok summary --json --since 2026-11-16 --until 2026-11-17 --utc
validate summary.schema.json "$T/out" one
[ "$(jq_py "$T/out" 'd["totals"]["incidents"]')" = "$n_inc" ] || fail "summary over the whole day: not $n_inc incidents"
ok summary --format markdown --now latest
head -1 "$T/out" | grep -q "^# Ronda security summary: Kalimantan Timur" || fail "markdown title: $(head -1 "$T/out")"
grep -q "^## By agency" "$T/out" && grep -q "^### Diskominfo Kota Bontang" "$T/out" || fail "markdown: agencies"
grep -q "^## Other serious incidents" "$T/out" && grep -q "^| First seen | Kind | Severity | Attacker or account |" "$T/out" ||
    fail "markdown: serious incidents table"
if [ "$n_camp" -gt 0 ]; then
    grep -q "^- Sites in the order they were hit: " "$T/out" || fail "markdown: campaign sites"
fi
cp "$T/out" "$T/summary.md"
ok summary --now latest
grep -q "^Summary 2026-11-15 .* WITA to 2026-11-16" "$T/out" || fail "text summary period: $(head -1 "$T/out")"
ok summary
grep -q "add --now latest" "$T/err" || fail "no hint when --since counts back from a wall clock past the data"

echo "cli: every command, --json against the schemas, escapes in text, markdown, JSON and on a tty"
