#!/bin/bash
# ronda-test: exclusive (time to first alert on the wall clock)
# Every scenario of tests/scenarios/ through the real pipeline (ronda-sim,
# one ronda-collector per site, ronda-devbroker, ronda-correlator), scored
# with `ronda-sim score` against its truth.json. Issue 6's thresholds:
#   - every planted campaign found with >= 95% of its sites, in one campaign;
#   - no campaign made of background noise;
#   - the first alert within 60 s (wall clock) of the line that put the
#     campaign over min_sites (kaltim-wave runs live, --speed: the line's
#     due time comes from clock.json; it reaches Kafka after that, so the
#     measure errs long);
#   - quiet-day (50 sites, a simulated day, nothing planted): no campaign of
#     severity medium or above;
# and every planted single-site incident found. Precision and recall are
# printed per scenario; every scenario runs before the test fails.
#
# The others run --fast (logs first, then collectors --once): seconds, not
# the minutes of their simulated days; except slow-wave (two days), which
# runs live, compressed into LIVE_SECONDS, so that the first alert's latency
# is measured on a slow campaign too (lateness is per stream, so they could
# be imported: test_clock_replay.sh does, and compares). A scenario file
# added later runs --fast with the same thresholds. The --fast ones run at a
# far date: 2025-04-01 in the plain build, 2028-06-05 under ASan (the live
# ones at those dates are test_clock_replay's), so that every scenario is
# checked far from any date it was written at.
#
# Issue 15's, on every scenario that plants files in web roots (defaced,
# kaltim-wave's gambling kit): every plant found as its incident kind on
# its site, the file-linked campaigns found like the others, and a CMS core
# update raising nothing above low (ronda-sim score --require-files).
#
# Issue 13's thresholds, on every scenario: at most one absorbed site per
# planted campaign (ronda-sim score --max-absorbed 1); kaltim-wave at most
# 150 incidents in the store (--max-incidents); a planted success after
# guessing (success_site) is a critical incident on that site, and its
# campaign is critical; every planted campaign is reported (event time)
# before its attack ends (low-slow: before the two days are over).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/pipeline_lib.sh"
require_cmd kcat sqlite3

# kaltim-wave's six hours in 30 s (60 s under ASan, where 18 collectors and
# the correlator share two cores at several times the CPU per line).
LIVE_SCENARIO=kaltim-wave
SLOW_LIVE=slow-wave
LIVE_SPEED=720
LIVE_SECONDS=30
# Under ASan every scenario runs --fast (at 2028-06-05): the latencies are
# measured in the plain run, and the live path runs under ASan in
# test_fault_kafka_wave and test_collector_*; make check must stay under 45
# minutes on two cores (kaltim-wave live under ASan took 82 s of it).
if [ "$RONDA_SAN" = 1 ]; then LIVE_SCENARIO=; SLOW_LIVE=; fi
MAX_LATENCY=60

duration_s() {  # the scenario's `duration:` (default 6h) in seconds
    awk '/^duration:/ { v = $2 }
         END { if (v == "") v = "6h"; u = substr(v, length(v)); m = 1
               if (u == "d") m = 86400; if (u == "h") m = 3600; if (u == "m") m = 60
               print int(v * m) }' "$1"
}

failed=()
summary=()
for yaml in "$RONDA_SRC"/tests/scenarios/*.yaml; do
    sc=$(basename "$yaml" .yaml)
    PIPE=$T/$sc
    PIPE_TAG=$sc-
    args=(--min-recall 0.95 --max-noise 0 --min-incident-recall 1 --max-absorbed 1 --require-files)
    [ "$sc" = kaltim-wave ] && args+=(--max-incidents 150)
    run=()
    if [ "$sc" = "$LIVE_SCENARIO" ]; then
        run=(--speed "$LIVE_SPEED")
    elif [ "$sc" = "$SLOW_LIVE" ]; then
        run=(--speed $(( $(duration_s "$yaml") / LIVE_SECONDS )))
    fi
    [ ${#run[@]} -gt 0 ] && args+=(--max-latency "$MAX_LATENCY")
    [ "$sc" = quiet-day ] && args+=(--noise-below medium)
    if [ ${#run[@]} = 0 ]; then
        if [ "$RONDA_SAN" = 1 ]; then run=(-- --start 2028-06-05T00:00:00Z)
        else run=(-- --start 2025-04-01T00:00:00Z); fi
    fi
    echo "==== $sc ${run[*]}"
    pipeline_run "$sc" "${run[@]}"
    rc=0
    pipeline_score "${args[@]}" >"$T/$sc.score" || rc=$?
    cat "$T/$sc.score"
    [ $rc = 2 ] && fail "$sc: ronda-sim score could not read the truth or the store"
    # The SOC's scanner (truth.json "benign", on the correlator's allowlist)
    # is counted apart in the summary and ranked nowhere.
    "$RONDA_BIN/ronda" -d "$PIPE/ronda.db" --json --now latest summary --since 30d \
        >"$T/$sc.summary.json" ||
        fail "$sc: ronda summary failed"
    /usr/bin/python3 - "$PIPE/sites/truth.json" "$T/$sc.summary.json" "$PIPE/ronda.db" <<'PY' ||
import json, sqlite3, sys
truth, s = (json.load(open(p, encoding="utf-8")) for p in sys.argv[1:3])
benign = {ip for b in truth.get("benign", []) for ip in b.get("ips", [])}
db = sqlite3.connect("file:%s?mode=ro" % sys.argv[3], uri=True)
want = sum(1 for (a,) in db.execute("SELECT attacker_ips FROM incidents")
           if benign & set(json.loads(a)))
if s["totals"]["allowlisted_incidents"] != want:
    sys.exit("allowlisted_incidents %d, the store has %d incidents from the scanner"
             % (s["totals"]["allowlisted_incidents"], want))
ranked = {x["ip"] for x in s["top_ips"]}
ranked |= {x["ip"] for a in s["agencies"] for x in a.get("top_ips", [])}
bad = benign & ranked
if bad:
    sys.exit("ranked although allowlisted: %s" % sorted(bad))
print("summary: %d allowlisted IPs in %d incidents, not ranked"
      % (s["totals"]["allowlisted_ips"], s["totals"]["allowlisted_incidents"]))
PY
        fail "$sc: the allowlisted scanner in the summary's rankings or counts"
    pipeline_score --json >"$T/$sc.json" || true
    /usr/bin/python3 - "$PIPE/sites/truth.json" "$T/$sc.json" "$PIPE/ronda.db" <<'PY' ||
import json, sqlite3, sys
from datetime import datetime, timezone
truth, score = (json.load(open(p, encoding="utf-8")) for p in sys.argv[1:3])
db = sqlite3.connect("file:%s?mode=ro" % sys.argv[3], uri=True)
ms = lambda s: int(datetime.strptime(s[:19], "%Y-%m-%dT%H:%M:%S")
                   .replace(tzinfo=timezone.utc).timestamp() * 1000)
found = {p["name"]: p for p in score.get("planted", [])}
bad = []
for c in truth.get("campaigns", []):
    p = found.get(c["name"], {})
    end = c.get("end")
    if p.get("campaign") and end:
        (rep,) = db.execute("SELECT reported FROM campaigns WHERE id = ?",
                            (p["campaign"],)).fetchone() or (0,)
        if not rep or rep > ms(end):
            bad.append("%s: reported %s, after its end %s" % (c["name"], rep, end))
for a in truth.get("campaigns", []) + truth.get("incidents", []):
    site = a.get("success_site")
    if not site:
        continue
    n = db.execute("SELECT count(*) FROM incidents WHERE site = ? AND severity = 'critical'"
                   " AND kind = 'compromise'", (site,)).fetchone()[0]
    if n == 0:
        bad.append("%s: the login that worked on %s is no critical incident" % (a["name"], site))
    p = found.get(a["name"], {})
    if p.get("campaign"):
        (sev,) = db.execute("SELECT severity FROM campaigns WHERE id = ?",
                            (p["campaign"],)).fetchone()
        if sev != "critical":
            bad.append("%s: its campaign is %s after the login worked" % (a["name"], sev))
if bad:
    sys.exit("\n".join(bad))
print("successes critical, campaigns reported before their attacks ended")
PY
        { rc=1; echo "$sc: issue 13 checks failed"; }
    summary+=("$(/usr/bin/python3 - "$T/$sc.json" "$PIPE_SECONDS" <<'PY'
import json, sys
s = json.load(open(sys.argv[1]))
f = lambda v: "  -  " if v is None else "%.2f" % v
c, cs, i = s["campaigns"], s["campaign_sites"], s["incidents"]
lat = [p["latency_s"] for p in s["planted"] if p["latency_s"] is not None]
print("%-12s %4ss  campaigns P %s R %s  sites P %s R %s  noise %d  incidents R %s  alert %s"
      % (s["scenario"], sys.argv[2], f(c["precision"]), f(c["recall"]), f(cs["precision"]),
         f(cs["recall"]), c["noise"], f(i["recall"]),
         ("max %.1f s" % max(lat)) if lat else "-"))
PY
)")
    if [ $rc != 0 ]; then
        failed+=("$sc")
        echo "---- $sc: correlator log (tail)"
        tail -n 15 "$T/${PIPE_TAG}correlator.log"
    fi
    pipeline_teardown
    rm -rf "$PIPE/sites"/*/access.log "$PIPE/sites"/*/auth.log
done

echo
echo "scenario     time   precision and recall (P, R) of campaigns and campaign sites"
printf '%s\n' "${summary[@]}"
[ ${#failed[@]} = 0 ] || { echo "FAIL: thresholds missed in: ${failed[*]}" >&2; exit 1; }
echo ok
