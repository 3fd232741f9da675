#!/bin/bash
# ronda-test: exclusive (a 3-minute limit on the wall clock)
# make demo's script runs to its end in under 3 minutes, raises an alert for
# every campaign planted in kaltim-wave (found with >= 95% of its sites, the
# first alert within 60 s of the deciding line), shows them live, delivers
# every alert of the outbox to its alert file as valid alert JSON, and
# leaves no process behind.
# (Plain build only: 18 collectors under ASan would measure ASan.)
. "$(dirname "$0")/lib.sh"
[ "$RONDA_SAN" = 1 ] && skip "the demo runs in the plain build only"
require_cmd sqlite3 kcat

start=$(date +%s)
rc=0
DEMO_OUT="$T/demo" DEMO_BIN="$RONDA_BIN" timeout -k 5 200 \
    bash "$RONDA_SRC/tools/demo.sh" >"$T/demo.out" 2>&1 || rc=$?
secs=$(( $(date +%s) - start ))
cat "$T/demo.out"
[ $rc = 0 ] || fail "demo exited with $rc"
[ $secs -lt 180 ] || fail "demo took ${secs}s (limit 180)"
sleep 1
if pgrep -f "$T/demo" >/dev/null; then
    pgrep -fa "$T/demo" >&2
    fail "processes of the demo are still running"
fi
grep -q "demo: stopped every process it started" "$T/demo.out" || fail "no closing line"

[ -s "$T/demo/score.json" ] || fail "the demo wrote no score"
/usr/bin/python3 - "$T/demo" "$RONDA_SRC/schemas/alert.schema.json" "$T/demo.out" <<'PY' ||
import json, sqlite3, sys
import jsonschema
d, schema_path, out_path = sys.argv[1:4]
s = json.load(open(d + "/score.json"))
problems = []
if not s["planted"]:
    problems.append("no planted campaign in the score")
for p in s["planted"]:
    if p["share"] is None or p["share"] < 0.95:
        problems.append("%s: %s of %s sites found" % (p["name"], p["found_sites"], p["sites"]))
    if p["first_alert_ms"] is None:
        problems.append("%s: no alert raised" % p["name"])
    elif p["latency_s"] is None or p["latency_s"] > 60:
        problems.append("%s: first alert %s s after the deciding line" % (p["name"], p["latency_s"]))
db = sqlite3.connect("file:%s/ronda.db?mode=ro" % d, uri=True)
outbox = db.execute("SELECT count(*) FROM alerts").fetchone()[0]
lines = [l for l in open(d + "/alerts.jsonl", encoding="utf-8") if l.strip()]
if len(lines) != outbox:
    problems.append("alert file: %d alerts, outbox %d" % (len(lines), outbox))
validator = jsonschema.Draft202012Validator(json.load(open(schema_path)))
new = 0
for i, l in enumerate(lines):
    a = json.loads(l)
    for e in validator.iter_errors(a):
        problems.append("alert file line %d: %s" % (i + 1, e.message))
        break
    new += a["type"] == "campaign_new"
shown = open(out_path, encoding="utf-8", errors="replace").read().count("NEW CAMPAIGN")
if new < len(s["planted"]) or shown < len(s["planted"]):
    problems.append("%d campaign_new alerts in the file, %d shown, %d campaigns planted"
                    % (new, shown, len(s["planted"])))
for p in problems:
    print("PROBLEM: " + p)
print("demo: %d planted campaigns alerted, %d alerts delivered to the file" % (len(s["planted"]), len(lines)))
sys.exit(1 if problems else 0)
PY
    fail "the demo's alerts"
echo "demo: ${secs}s"
