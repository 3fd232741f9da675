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
# the minutes of their simulated days; except those longer than a day
# (slow-wave: two), which run live, compressed into LIVE_SECONDS, so that
# the first alert's latency is measured on a slow campaign too (lateness is
# per stream, so they could be imported: test_clock_replay.sh does, and
# compares). A scenario file added later runs the same way with the same
# thresholds.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/pipeline_lib.sh"
require_cmd kcat sqlite3

# kaltim-wave's six hours in 30 s (60 s under ASan, where 18 collectors and
# the correlator share two cores at several times the CPU per line).
LIVE_SCENARIO=kaltim-wave
LIVE_SPEED=720
LIVE_SECONDS=30
if [ "$RONDA_SAN" = 1 ]; then LIVE_SPEED=360; LIVE_SECONDS=60; fi
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
    args=(--min-recall 0.95 --max-noise 0 --min-incident-recall 1)
    run=()
    if [ "$sc" = "$LIVE_SCENARIO" ]; then
        run=(--speed "$LIVE_SPEED")
    elif [ "$(duration_s "$yaml")" -gt 86400 ]; then
        run=(--speed $(( $(duration_s "$yaml") / LIVE_SECONDS )))
    fi
    [ ${#run[@]} -gt 0 ] && args+=(--max-latency "$MAX_LATENCY")
    [ "$sc" = quiet-day ] && args+=(--noise-below medium)
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
