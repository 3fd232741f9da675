#!/bin/bash
# The web dashboard (docs/dashboard.md) in headless Chromium, against a store
# filled by a real pipeline run: kaltim-wave through ronda-devbroker,
# ronda-correlator (api.listen with a read token and an analyst) and one
# collector per site, plus an attacker line whose User-Agent carries
# <script> and <img onerror>. check_dashboard.py (Selenium) checks the
# headers (CSP, nosniff, ...), signs in, lists the campaigns the API lists,
# reads a campaign's timeline SVG from the DOM (rows in hit order with their
# zones, one mark per incident, the legend), finds the hostile line shown as
# text with nothing run, filters incidents, reads sites and the summary,
# switches the language, and triages from the page as the analyst; the
# audit rows that triage wrote are then read from the store with sqlite3.
#
# RONDA_SCREENSHOT=docs/dashboard.png keeps a screenshot of the campaign page.
# Skipped (77) when chromium, chromium-driver or python3-selenium is missing,
# and in the ASan pass: the browser adds nothing the sanitizers see that
# test_api and test_api_triage do not (they serve the page and every API
# route it calls under ASan), and the kaltim-wave run costs 2.5 minutes there.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/pipeline_lib.sh"
require_cmd kcat sqlite3
[ -x /usr/bin/chromium ] || skip "chromium is not installed (Debian package chromium)"
[ -x /usr/bin/chromedriver ] || skip "chromedriver is not installed (Debian package chromium-driver)"
/usr/bin/python3 -c 'import selenium' 2>/dev/null || skip "python3-selenium is not installed"
[ "${RONDA_SAN:-0}" = 1 ] && skip "the browser runs in the plain pass; under ASan test_api and test_api_triage serve the page and the routes it calls"

PY=/usr/bin/python3
TOKEN=read-$(od -An -tx1 -N12 /dev/urandom | tr -d ' \n')
ATOKEN=budi-$(od -An -tx1 -N12 /dev/urandom | tr -d ' \n')
HOSTILE_SITE=bontangkota.go.id
t_start=$(date +%s)

PIPE_LATENESS=24h
PIPE_CORRELATOR_EXTRA="api: {listen: \"127.0.0.1:0\", tokens: [\"$TOKEN\"], analysts: [{name: budi, token: \"$ATOKEN\"}], timeout: 20s}"
pipeline_broker
pipeline_sim kaltim-wave
# A SQL injection whose User-Agent is markup: if the page ever parsed it,
# window.__pwned would be set, an alert would open, an <img> would appear.
printf '%s\n' '6.6.6.6 - - [16/Nov/2026:13:50:00 +0800] "GET /index.php?id=1%27%20UNION%20SELECT%20password%20FROM%20users-- HTTP/1.1" 200 512 "-" "<script>window.__pwned=1;alert(1)</script><img src=x onerror=\"window.__pwned=2;alert(2)\">"' \
    >>"$PIPE/sites/$HOSTILE_SITE/access.log"
pipeline_configure
pipeline_correlator
wait_for grep -q "api: listening on" "$T/correlator.log" --timeout 10 || fail "the API did not start"
ADDR=$(sed -n 's/.*api: listening on \([0-9.:]*\) .*/\1/p' "$T/correlator.log" | head -n 1)
case "$ADDR" in 127.0.0.1:*) ;; *) fail "the API listens on '$ADDR'" ;; esac
pipeline_collectors_once
pipeline_wait_consumed
echo "dashboard: kaltim-wave in the store ($(pipeline_store_offsets) messages), API on $ADDR"

# The browser run: spawned, so that the cleanup stops chromedriver and
# Chromium with it whatever happens.
shot=()
[ -n "${RONDA_SCREENSHOT:-}" ] && shot=(--screenshot "$RONDA_SCREENSHOT")
t_browser=$(date +%s)
spawn browser "$PY" "$RONDA_SRC/tests/e2e/check_dashboard.py" --url "http://$ADDR" \
    --token "$TOKEN" --analyst-token "$ATOKEN" --hostile-site "$HOSTILE_SITE" \
    --out "$T/dashboard.json" --factor "$RONDA_TIME_FACTOR" "${shot[@]}"
BROWSER=$SPAWNED_PID
wait_for test ! -d "/proc/$BROWSER" --timeout 240 || fail "the browser run did not end"
rc=0; wait "$BROWSER" || rc=$?
cat "$T/browser.log"
[ $rc = 0 ] || fail "check_dashboard.py (rc $rc)"
t_browser=$(( $(date +%s) - t_browser ))

# Triage from the page: exactly the audit rows of the three clicks.
if [ "$($PY -c 'import json,sys; print(json.load(open(sys.argv[1]))["triage"])' "$T/dashboard.json")" = True ]; then
    read -r CAMPAIGN INCIDENT < <($PY -c 'import json,sys; d = json.load(open(sys.argv[1]))
print(d["campaign"], d["incident"])' "$T/dashboard.json")
    rows=$(sqlite3 -cmd '.timeout 5000' -separator '|' "$PIPE/ronda.db" \
        "SELECT who, object, object_id, action, json_extract(before, '$.state'),
                json_extract(after, '$.state'), coalesce(json_extract(after, '$.reason'), ''),
                coalesce(note, '') FROM audit ORDER BY id")
    want="budi|campaign|$CAMPAIGN|ack|new|acknowledged||
budi|campaign|$CAMPAIGN|close|acknowledged|closed|resolved|ditutup dari dasbor <b>uji</b>
budi|incident|$INCIDENT|ack|new|acknowledged||"
    [ "$rows" = "$want" ] || fail "audit rows:
$rows
want:
$want"
    echo "dashboard: audit: the page's ack, close (resolved, with its note) and incident ack are the store's 3 audit rows, by budi"
else
    echo "dashboard: triage: not served by this correlator (no /api/v1/whoami): audit not checked"
fi

pipeline_stop
! grep -q "ERROR: AddressSanitizer\|LeakSanitizer\|runtime error" "$T/correlator.log" ||
    fail "sanitizer report in the correlator log"
echo "dashboard: browser part ${t_browser}s, whole test $(( $(date +%s) - t_start ))s"
echo ok
