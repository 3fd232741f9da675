#!/bin/bash
# ronda-test: exclusive (live runs paced on the wall clock; 18-22 collectors on two cores)
# Issue 12, "One clock": detection is a function of the logs. The same logs
# (ronda-sim, same scenario and seed) must give the same incidents and
# campaigns whether they stream live at the scenario's own date, are
# imported later with `ronda-collector --once` one site after another (in
# any order), or are replayed at another date:
#
#   0. ronda-sim at three dates writes the same lines but for the dates, and
#      each log's mtime is its last line's time (the collector takes the
#      year of an RFC 3164 line from it).
#   1. kaltim-wave live (720x) at its own date: the reference. Then the same
#      logs at 2025-04-01 and 2028-06-05 (--fast), imported site after site
#      (PIPE_JOBS=1; the second in reverse order); and a half/half run: every
#      other site live, the rest imported (shuffled) after the live run ended.
#   2. slow-wave (48 h) live in ~30 s, then at the two far dates, imported
#      site after site (the second in reverse order).
#   Each compared with its reference: every incident (site, kind, key,
#   event_count, first_seen and last_seen relative to the scenario start,
#   i.e. shifted by the runs' date offset) and every campaign not merged
#   (kind, severity, its sorted sites), exactly. silent_site is left out: it
#   is about processing time by definition. The reference itself must find
#   every planted campaign and incident (else equality would prove nothing).
#   3. The garbage line: ten sshd failures of one attacker through a
#      collector make an ssh_bruteforce incident; the same ten with a line
#      without any time in the middle too (event_count 10), and that line is
#      counted (shipped with a time between the failures', or counted as
#      untimed by the collector), not late, not clamped (the correlator's
#      late and clamped_future counters stay 0).
#   4. make demo's pipeline (tools/demo.sh, at 720x) at both far dates finds
#      every planted campaign (ronda-sim score --min-recall 0.95 --max-noise 0).
#
# Every part runs before the test fails; a mismatch prints the first 20
# lines of the diff (- reference, + this run). Plain build: about 5 minutes
# on two cores. Under ASan (RONDA_SAN=1) only ronda-sim's dates and the
# garbage line (seconds): the pipelines of 18-22 collectors take minutes
# there and measure ASan, and make check must stay under 45 minutes on two
# cores; the engine's clocks run under ASan in test_scenarios, test_cli and
# the fault tests.
#
# Knobs: CLOCK_LATENESS (the correlator's allowed_lateness in every run, 10m:
# the correlator's default; one value for all, so that the runs differ only
# in how and when the logs arrive), CLOCK_SEED (1), CLOCK_DEMO_SPEED (1440:
# the demo's six hours in 15 s; its own pace, 360x, runs in test_demo),
# CLOCK_PARTS (parts to run, default "sim kaltim slow garbage demo").
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/pipeline_lib.sh"
require_cmd kcat sqlite3

SEED=${CLOCK_SEED:-1}
FAR_PAST=2025-04-01T00:00:00Z
FAR_FUTURE=2028-06-05T00:00:00Z
PIPE_LATENESS=${CLOCK_LATENESS:-10m}
DEMO_SPEED=${CLOCK_DEMO_SPEED:-1440}
PARTS=${CLOCK_PARTS:-sim kaltim slow garbage demo}
KALTIM_SPEED=720        # six hours in 30 s
SLOW_SECONDS=30         # slow-wave's two days in 30 s
if [ "$RONDA_SAN" = 1 ]; then
    KALTIM_SPEED=360
    PARTS=${CLOCK_PARTS:-sim garbage}
fi
t_start=$(_now_ms)

failed=()
report=()
timing=()

want_part() { case " $PARTS " in *" $1 "*) return 0 ;; esac; return 1; }
elapsed() { echo $(( ($(_now_ms) - $1) / 1000 )); }

# snapshot DIR OUT: the store's incidents and campaigns, times relative to
# the scenario start (truth.json), one sorted line each.
snapshot() {
    /usr/bin/python3 - "$1/ronda.db" "$1/sites/truth.json" >"$2" <<'PY' ||
import json, sqlite3, sys
from datetime import datetime, timezone
db = sqlite3.connect("file:%s?mode=ro" % sys.argv[1], uri=True)
start = json.load(open(sys.argv[2], encoding="utf-8"))["start"]
t0 = int(datetime.strptime(start, "%Y-%m-%dT%H:%M:%SZ")
         .replace(tzinfo=timezone.utc).timestamp() * 1000)
def rel(ms):
    d = ms - t0
    s = "-" if d < 0 else "+"
    d = abs(d)
    return "%s%02d:%02d:%02d.%03d" % (s, d // 3600000, d // 60000 % 60, d // 1000 % 60, d % 1000)
out = []
for site, kind, key, n, first, last in db.execute(
        "SELECT site, kind, key, event_count, first_seen, last_seen FROM incidents"
        " WHERE kind <> 'silent_site'"):
    out.append("incident %s %s %s events=%d first=%s last=%s"
               % (site, kind, key, n, rel(first), rel(last)))
sites = {}
for cid, site in db.execute("SELECT campaign_id, site FROM campaign_sites"):
    sites.setdefault(cid, []).append(site)
for cid, kind, sev in db.execute(
        "SELECT id, kind, severity FROM campaigns WHERE status <> 'merged'"):
    out.append("campaign %s %s sites=%s" % (kind, sev, ",".join(sorted(sites.get(cid, [])))))
print("\n".join(sorted(out)))
PY
        fail "could not read the store of $1"
}

# clock_note DIR: the correlator's late and clamped_future counters, and the
# incidents dated outside the scenario (an RFC 3164 line given another year
# shows up there).
clock_note() {
    /usr/bin/python3 - "$1/ronda.db" "$1/sites/truth.json" <<'PY' || echo "(no store)"
import json, sqlite3, sys
from datetime import datetime, timezone
db = sqlite3.connect("file:%s?mode=ro" % sys.argv[1], uri=True)
t = json.load(open(sys.argv[2], encoding="utf-8"))
ms = lambda s: int(datetime.strptime(s, "%Y-%m-%dT%H:%M:%SZ")
                   .replace(tzinfo=timezone.utc).timestamp() * 1000)
c = dict(db.execute("SELECT name, value FROM counters"))
out = db.execute("SELECT count(*) FROM incidents WHERE kind <> 'silent_site' AND"
                 " (first_seen < ? OR last_seen > ?)",
                 (ms(t["start"]), ms(t["end"]) + 3 * 3600000)).fetchone()[0]
print("late %d, clamped_future %d, incidents dated outside the scenario %d%s"
      % (c.get("late", 0), c.get("clamped_future", 0), out,
         " (lines given another year or time: an RFC 3164 year taken from a wall-clock"
         " mtime?)" if out else ""))
PY
}

counter() {  # DIR NAME: a correlator counter of DIR's store
    sqlite3 "file:$1/ronda.db?mode=ro" \
        "SELECT coalesce(sum(value), 0) FROM counters WHERE name = '$2'" 2>/dev/null || echo "?"
}

# compare LABEL REF RUN: the snapshots must be equal.
compare() {
    local label=$1 ref=$2 run=$3 ni nc li lc
    ni=$(grep -c '^incident' "$run" || true); nc=$(grep -c '^campaign' "$run" || true)
    li=$(grep -c '^incident' "$ref" || true); lc=$(grep -c '^campaign' "$ref" || true)
    if cmp -s "$ref" "$run"; then
        report+=("$(printf '%-42s same: %d incidents, %d campaigns' "$label" "$ni" "$nc")")
        return 0
    fi
    local oi or ci cr
    oi=$(diff "$ref" "$run" | grep -c '^< incident' || true)
    or=$(diff "$ref" "$run" | grep -c '^> incident' || true)
    ci=$(diff "$ref" "$run" | grep -c '^< campaign' || true)
    cr=$(diff "$ref" "$run" | grep -c '^> campaign' || true)
    report+=("$(printf '%-42s DIFFERENT: incidents %d (reference %d): %d of the reference missing or changed, %d not in it; campaigns %d (reference %d): %d missing or changed, %d not in it' \
        "$label" "$ni" "$li" "$oi" "$or" "$nc" "$lc" "$ci" "$cr")")
    echo "---- $label: differs from the reference (- reference, + this run; first 20 lines)"
    diff -U0 "$ref" "$run" | grep -v '^@@' | sed -n 3,22p || true
    failed+=("$label")
}

# run_case NAME LABEL REF [pipeline_run args]: one pipeline run into $T/NAME,
# its snapshot, its score (printed), compared with REF (none: it is one).
run_case() {
    local name=$1 label=$2 ref=$3 t0; shift 3
    t0=$(_now_ms)
    PIPE=$T/$name
    PIPE_TAG=$name-
    echo "==== $label"
    pipeline_run "$@"
    snapshot "$PIPE" "$T/$name.snap"
    clock_note "$PIPE"
    if [ -z "$ref" ]; then
        # The reference must be worth comparing with.
        if ! pipeline_score --min-recall 0.95 --max-noise 0 --min-incident-recall 1 \
            >"$T/$name.score"; then
            cat "$T/$name.score"
            failed+=("$label: the reference misses what was planted")
            report+=("$(printf '%-42s REFERENCE UNSOUND (see its score above)' "$label")")
        else
            report+=("$(printf '%-42s reference: %d incidents, %d campaigns, late %s' "$label" \
                "$(grep -c '^incident' "$T/$name.snap" || true)" \
                "$(grep -c '^campaign' "$T/$name.snap" || true)" "$(counter "$PIPE" late)")")
        fi
    else
        pipeline_score >"$T/$name.score" || true
        grep -E '^(campaigns|campaign sites|incidents)' "$T/$name.score" || true
        compare "$label" "$T/$ref.snap" "$T/$name.snap"
    fi
    pipeline_teardown
    rm -f "$PIPE"/sites/*/access.log "$PIPE"/sites/*/auth.log
    timing+=("$(printf '%-42s %4ss' "$label" "$(elapsed "$t0")")")
}

# ---- 0. ronda-sim at another date -------------------------------------------
# The same seed at another start writes the same lines with other dates, and
# each log's mtime is its last line's time (the collector takes the year of
# an RFC 3164 line from it). single-site, --fast: a few seconds.
sim_case() {
    local t0 st out problems label="ronda-sim: dates and mtimes"
    t0=$(_now_ms)
    echo "==== $label"
    for st in 2026-11-16T00:00:00Z "$FAR_PAST" "$FAR_FUTURE"; do
        out=$T/sim-${st%%T*}
        timeout "$(scaled 60)" "$RONDA_BIN/ronda-sim" --scenario single-site --fast \
            --seed "$SEED" --start "$st" --out "$out" 2>"$out.log" ||
            fail "ronda-sim --start $st: $(cat "$out.log")"
    done
    problems=$(/usr/bin/python3 - "$T" 2026-11-16 "${FAR_PAST%%T*}" "${FAR_FUTURE%%T*}" <<'PY'
import glob, hashlib, json, os, re, sys
from datetime import datetime, timezone
from zoneinfo import ZoneInfo
tdir, days = sys.argv[1], sys.argv[2:]
web = re.compile(r'\[(\d\d/\w\w\w/\d{4}:\d\d:\d\d:\d\d [+-]\d{4})\]')
out, digests = [], {}
for day in days:
    d = "%s/sim-%s" % (tdir, day)
    start = datetime.fromisoformat(day + "T00:00:00+00:00")
    for cfg in sorted(glob.glob(d + "/*/collector.yaml")):
        site = os.path.basename(os.path.dirname(cfg))
        tz = ZoneInfo(json.loads(re.search(r'^timezone: (.*)$', open(cfg).read(), re.M).group(1)))
        for name in ("access.log", "auth.log"):
            p = os.path.join(os.path.dirname(cfg), name)
            h, last = hashlib.md5(), None
            for line in open(p, encoding="utf-8"):
                m = web.search(line)
                if m:   # web: the offset from the start replaces the date
                    last = datetime.strptime(m.group(1), "%d/%b/%Y:%H:%M:%S %z")
                    line = line[:m.start()] + "[+%d]" % (last - start).total_seconds() + line[m.end():]
                else:   # syslog "Nov 16 08:00:01": the year is the start's (one-day scenario)
                    local = datetime.strptime("%d %s" % (start.year, line[:15]), "%Y %b %d %H:%M:%S")
                    last = local.replace(tzinfo=tz)
                    line = "[+%d]" % (last - start).total_seconds() + line[15:]
                line = re.sub(r'uploads/\d{4}/\d\d|ADU-\d{4}', 'DATE', line)
                h.update(line.encode())
            digests.setdefault("%s/%s" % (site, name), set()).add(h.hexdigest())
            mtime = int(os.stat(p).st_mtime)
            want = int(last.timestamp()) if last else int(start.timestamp())
            if mtime != want:
                out.append("%s/%s/%s: mtime %s, its last line %s" % (
                    day, site, name, datetime.fromtimestamp(mtime, timezone.utc).isoformat(),
                    datetime.fromtimestamp(want, timezone.utc).isoformat()))
for f, ds in sorted(digests.items()):
    if len(ds) != 1:
        out.append("%s: other lines (beyond the dates) at another --start" % f)
print("\n".join(out))
PY
) || problems="could not read ronda-sim's output"
    if [ -n "$problems" ]; then
        echo "$problems" | head -n 20 | sed 's/^/PROBLEM: /'
        failed+=("$label")
        report+=("$(printf '%-42s FAILED: %s' "$label" "$(echo "$problems" | head -n 1)")")
    else
        report+=("$(printf '%-42s same lines at 3 dates, mtime = last line' "$label")")
    fi
    rm -rf "$T"/sim-*
    timing+=("$(printf '%-42s %4ss' "$label" "$(elapsed "$t0")")")
}
if want_part sim; then
    sim_case
fi

# ---- 1. kaltim-wave -------------------------------------------------------
if want_part kaltim; then
    run_case kw-live "kaltim-wave live ${KALTIM_SPEED}x, own date" "" \
        kaltim-wave --speed "$KALTIM_SPEED" --seed "$SEED"
    PIPE_JOBS=1 PIPE_ORDER=sorted run_case kw-past "kaltim-wave ${FAR_PAST%%T*}, site after site" \
        kw-live kaltim-wave --seed "$SEED" -- --start "$FAR_PAST"
    PIPE_JOBS=1 PIPE_ORDER=reverse run_case kw-future "kaltim-wave ${FAR_FUTURE%%T*}, reverse order" \
        kw-live kaltim-wave --seed "$SEED" -- --start "$FAR_FUTURE"
    if [ "$RONDA_SAN" != 1 ]; then
        # Every other site (by id) live; the others imported once it ended.
        half=$(cd "$T/kw-live/sites" && ls -d -- */ | tr -d / | awk 'NR % 2')
        PIPE_LIVE_SITES="$(echo $half)" PIPE_JOBS=1 PIPE_ORDER=shuffle:12 \
            run_case kw-half "kaltim-wave half live, half imported" kw-live \
            kaltim-wave --speed "$KALTIM_SPEED" --seed "$SEED"
    fi
fi

# ---- 2. slow-wave ----------------------------------------------------------
if want_part slow; then
    slow_speed=$(( 48 * 3600 / SLOW_SECONDS ))
    run_case sw-live "slow-wave live ${slow_speed}x, own date" "" \
        slow-wave --speed "$slow_speed" --seed "$SEED"
    PIPE_JOBS=1 PIPE_ORDER=sorted run_case sw-past "slow-wave ${FAR_PAST%%T*}, site after site" \
        sw-live slow-wave --seed "$SEED" -- --start "$FAR_PAST"
    PIPE_JOBS=1 PIPE_ORDER=reverse run_case sw-future "slow-wave ${FAR_FUTURE%%T*}, reverse order" \
        sw-live slow-wave --seed "$SEED" -- --start "$FAR_FUTURE"
fi

# ---- 3. a line without a time ------------------------------------------------
# Ten sshd failures one second apart, 2026-11-16 08:00:01-10 WITA, in a file
# last written at 08:00:10 (its mtime: the reference of RFC 3164's missing
# year); with garbage: a line without any time after the fifth. One
# partition, as in the issue (ronda-correlator --input): the garbage line's
# event (keyed by the site, not an IP) shares it with the failures.
GB_SITE=bontangkota.go.id
GB_T0=$(date -u -d 2026-11-16T00:00:01Z +%s)
garbage_case() {  # NAME WITH_GARBAGE(0|1)
    local name=$1 with=$2 t0 i d=$T/$1/sites/$GB_SITE PIPE_PARTITIONS=1
    t0=$(_now_ms)
    PIPE=$T/$name
    PIPE_TAG=$name-
    echo "==== ten ssh failures$([ "$with" = 0 ] || echo ", a garbage line in the middle")"
    mkdir -p "$d" "$PIPE/state" "$PIPE/logs"
    : >"$d/access.log"
    for i in $(seq 1 10); do
        printf 'Nov 16 08:00:%02d web01 sshd[4242]: Failed password for root from 203.0.113.7 port 4242 ssh2\n' "$i"
        if [ "$with" = 1 ] && [ "$i" = 5 ]; then echo "garbage without any time: ### ### ###"; fi
    done >"$d/auth.log"
    touch -d "@$((GB_T0 + 9))" "$d/auth.log" "$d/access.log"
    echo '{"scenario": "garbage-line", "benign": []}' >"$PIPE/sites/truth.json"
    pipeline_broker
    # As ronda-sim writes it: pipeline_configure reads the JSON-quoted keys.
    cat >"$d/collector.yaml" <<YAML
site: "$GB_SITE"
agency: "Diskominfo Kota Bontang"
region: "Kalimantan Timur"
timezone: "Asia/Makassar"
host_name: "web01"
state_db: "$PIPE/state/$GB_SITE.db"
kafka:
  brokers: "$BROKER"
forward: events
inputs:
  - path: "$d/access.log"
    type: web
    format: combined
    start_at: beginning
  - path: "$d/auth.log"
    type: auth
    format: syslog
    start_at: beginning
YAML
    pipeline_configure
    consume_to "$PIPE/events.jsonl" "$PIPE_TOPIC" --name "${name}-kcat"
    pipeline_correlator
    pipeline_collectors_once
    pipeline_wait_consumed
    pipeline_stop
    local problems
    problems=$(/usr/bin/python3 - "$PIPE/ronda.db" "$PIPE/events.jsonl" "$with" \
        "$T/${name}-once-$GB_SITE.log" "$GB_T0" <<'PY'
import json, re, sqlite3, sys
dbp, evp, with_garbage, once_log, t0 = sys.argv[1:6]
t0 = int(t0) * 1000
db = sqlite3.connect("file:%s?mode=ro" % dbp, uri=True)
c = dict(db.execute("SELECT name, value FROM counters"))
out = []
# The site's pool case, with the one attacker among its addresses.
rows = db.execute("SELECT event_count, first_seen, last_seen FROM incidents i"
                  " WHERE kind = 'ssh_bruteforce' AND key = 'pool' AND EXISTS (SELECT 1"
                  " FROM indicators x WHERE x.incident_id = i.id AND x.type = 'ip'"
                  " AND x.value = '203.0.113.7')").fetchall()
if not rows:
    out.append("no ssh_bruteforce incident for 203.0.113.7 (incidents: %s)"
               % (db.execute("SELECT group_concat(kind || ' ' || key, ', ') FROM incidents")
                  .fetchone()[0] or "none"))
elif rows[0][0] != 10:
    out.append("ssh_bruteforce counts %d events, not the 10 failures" % rows[0][0])
elif not (t0 <= rows[0][1] <= rows[0][2] <= t0 + 9000):
    out.append("ssh_bruteforce seen from %d to %d (ms), the failures are at %d..%d"
               % (rows[0][1], rows[0][2], t0, t0 + 9000))
for k in ("late", "clamped_future"):
    if c.get(k, 0) != 0:
        out.append("correlator counter %s = %d" % (k, c[k]))
if with_garbage == "1":
    # The garbage line: shipped with a time among the failures' (the line
    # before it), or set aside and counted by the collector as untimed.
    shipped = []
    for line in open(evp, encoding="utf-8", errors="replace"):
        try:
            e = json.loads(line)
        except ValueError:
            continue
        if "garbage without any time" in json.dumps(e):
            shipped.append(e.get("@timestamp"))
    m = re.findall(r"untimed (\d+)", open(once_log, encoding="utf-8", errors="replace").read())
    untimed = int(m[-1]) if m else 0
    if shipped:
        from datetime import datetime, timezone
        ts = shipped[0]
        ms = int(datetime.strptime(ts, "%Y-%m-%dT%H:%M:%S.%fZ")
                 .replace(tzinfo=timezone.utc).timestamp() * 1000)
        if not t0 <= ms <= t0 + 9000:
            out.append("the garbage line was shipped at %s, not among the failures'" % ts)
    elif untimed != 1:
        out.append("the garbage line was neither shipped nor counted as untimed")
print("\n".join(out))
PY
) || problems="could not check the store of $name"
    local label="ssh failures"
    [ "$with" = 0 ] || label+=" + a garbage line"
    if [ -n "$problems" ]; then
        echo "$problems" | sed 's/^/PROBLEM: /'
        failed+=("$label")
        report+=("$(printf '%-42s FAILED: %s' "$label" "$(echo "$problems" | paste -sd ';' -)")")
    else
        report+=("$(printf '%-42s ssh_bruteforce of 10 events, late 0, clamped 0' "$label")")
    fi
    pipeline_teardown
    timing+=("$(printf '%-42s %4ss' "$label" "$(elapsed "$t0")")")
}
if want_part garbage; then
    garbage_case gb-clean 0
    garbage_case gb-garbage 1
fi

# ---- 4. make demo at two far dates ------------------------------------------
demo_case() {  # START
    local start=$1 out=$T/demo-${1%%T*} t0 rc=0 label="make demo from ${1%%T*}"
    t0=$(_now_ms)
    echo "==== $label (${DEMO_SPEED}x)"
    DEMO_OUT=$out DEMO_BIN=$RONDA_BIN DEMO_START=$start DEMO_SPEED=$DEMO_SPEED \
        timeout -k 5 200 bash "$RONDA_SRC/tools/demo.sh" >"$T/demo-${1%%T*}.out" 2>&1 || rc=$?
    if [ $rc != 0 ]; then
        tail -n 30 "$T/demo-${1%%T*}.out"
        failed+=("$label")
        report+=("$(printf '%-42s FAILED: the demo exited with %s' "$label" "$rc")")
    else
        rc=0
        clock_note "$out"
        "$RONDA_BIN/ronda-sim" score --truth "$out/sites/truth.json" --store "$out/ronda.db" \
            --min-recall 0.95 --max-noise 0 >"$T/demo-${1%%T*}.score" || rc=$?
        if [ $rc = 0 ]; then
            grep -E '^(campaigns|campaign sites|result)' "$T/demo-${1%%T*}.score" || true
            report+=("$(printf '%-42s every planted campaign found' "$label")")
        else
            cat "$T/demo-${1%%T*}.score"
            failed+=("$label")
            report+=("$(printf '%-42s FAILED: %s' "$label" \
                "$(grep -m1 '^campaigns:' "$T/demo-${1%%T*}.score" | tr -s ' ')")")
        fi
    fi
    rm -f "$out"/sites/*/access.log "$out"/sites/*/auth.log
    timing+=("$(printf '%-42s %4ss' "$label" "$(elapsed "$t0")")")
}
if want_part demo && [ "$RONDA_SAN" != 1 ]; then
    demo_case "$FAR_PAST"
    demo_case "$FAR_FUTURE"
fi

echo
echo "==== results"
printf '%s\n' "${report[@]}"
echo
echo "==== time"
printf '%s\n' "${timing[@]}"
echo "total: $(elapsed "$t_start")s"
if [ ${#failed[@]} -gt 0 ]; then
    echo "FAIL: ${#failed[@]} part(s) differ or miss:" >&2
    printf '  %s\n' "${failed[@]}" >&2
    exit 1
fi
echo ok
