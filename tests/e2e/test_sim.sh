#!/bin/bash
# ronda-sim: every shipped scenario generates, deterministically, logs the
# collector parses without a single error, collector configs that pass
# --check-config, and planted attacks the shipped rules flag where and when
# truth.json says; quiet-day's background raises no high or critical rule.
#
# `ronda-collector --explain` compiles every rule at start (seconds), so the
# logs are explained in batches: all access logs in one call (web lines carry
# their UTC offset), the auth logs in one call per time zone (syslog lines
# carry none: the zone comes from a config of that zone).
. "$(dirname "$0")/lib.sh"
require_cmd python3 cmp

SIM=$RONDA_BIN/ronda-sim
COL=$RONDA_BIN/ronda-collector
[ -x "$SIM" ] || fail "$SIM is not built"

gen() {  # gen SCENARIO DIR [args...]: run ronda-sim --fast, bounded
    local sc=$1 dir=$2; shift 2
    timeout "$(scaled 60)" "$SIM" --scenario "$sc" --out "$dir" --fast "$@" \
        2>"$dir.log" || { cat "$dir.log" >&2; fail "ronda-sim --scenario $sc failed"; }
}

# ---- determinism ----------------------------------------------------------
gen kaltim-wave "$T/det" --seed 7
mv "$T/det" "$T/det.first"
gen kaltim-wave "$T/det" --seed 7
diff -r "$T/det.first" "$T/det" >/dev/null || fail "same seed, different output"
gen kaltim-wave "$T/det8" --seed 8
same=0
for f in "$T"/det/*/access.log "$T"/det/*/auth.log; do
    rel=${f#"$T/det/"}
    cmp -s "$f" "$T/det8/$rel" && same=$((same + 1))
done
[ "$same" = 0 ] || fail "seed 7 and seed 8 wrote $same identical log files"
cmp -s "$T/det/truth.json" "$T/det8/truth.json" && fail "seeds 7 and 8: same truth.json"
rm -rf "$T/det.first" "$T/det8"
echo "determinism: same seed identical, other seed differs"

# ---- per scenario -----------------------------------------------------------
cat >"$T/check.py" <<'PY'
"""Explain a scenario's logs with the collector and compare with truth.json."""
import json, os, subprocess, sys
from datetime import datetime, timezone

col, outs = sys.argv[1], sys.argv[2:]

def ts(s):
    return datetime.strptime(s[:19], "%Y-%m-%dT%H:%M:%S").replace(tzinfo=timezone.utc).timestamp()

def conf(out, site):
    return os.path.join(out, site, "collector.yaml")

def zone(out, site):
    for line in open(conf(out, site)):
        if line.startswith("timezone:"):
            return line.split(":", 1)[1].strip().strip('"')
    return "UTC"

from zoneinfo import ZoneInfo
def offset(z, year):
    return datetime(year, 6, 1, tzinfo=ZoneInfo(z)).utcoffset().total_seconds()

truths, sites_of, where = {}, {}, {}
for out in outs:
    truths[out] = json.load(open(os.path.join(out, "truth.json")))
    sites_of[out] = sorted(d for d in os.listdir(out) if os.path.isdir(os.path.join(out, d)))
    for s in sites_of[out]:
        for n in ("access.log", "auth.log"):
            where[os.path.join(out, s, n)] = (out, s)

# One call for every access log, one for every auth log, of every scenario:
# each call compiles the rules first (seconds). Auth lines are read in the
# zone of the first config and moved to their own site's zone below
# (Indonesian zones have no DST).
first = (outs[0], sites_of[outs[0]][0])
web_files = [os.path.join(o, s, "access.log") for o in outs for s in sites_of[o]]
auth_files = [os.path.join(o, s, "auth.log") for o in outs for s in sites_of[o]]
batches = [("web", web_files), ("auth", auth_files)]
zone_fix = {}
for o in outs:
    y = int(truths[o]["start"][:4])
    for s in sites_of[o]:
        zone_fix[(o, s)] = offset(zone(*first), y) - offset(zone(o, s), y)

lines_in = {o: 0 for o in outs}
for f, (o, s) in where.items():
    lines_in[o] += sum(1 for _ in open(f, "rb"))
explained = {o: 0 for o in outs}
parse_errors = {o: [] for o in outs}
hits = {(o, s): [] for o in outs for s in sites_of[o]}   # (t, ip, cats, ids, sev, action, status)
problems = []
for typ, files in batches:
    p = subprocess.Popen([col, "--explain", "-c", conf(*first), "--type", typ] + files,
                         stdout=subprocess.PIPE, text=True, bufsize=1 << 20)
    for line in p.stdout:
        if '"rule"' not in line and '"action"' not in line and 'parse_error' not in line \
                and '"status_code":5' not in line:
            i = line.find('"log":{"file":{"path":"')
            if i < 0:
                problems.append("an explained line without a file: %r" % line[:200])
                continue
            o = line[i + 23:]
            explained[where[o[:o.find('"')]][0]] += 1
            continue
        e = json.loads(line)
        r = e.get("ronda", {})
        o, s = where[e["log"]["file"]["path"]]
        explained[o] += 1
        if r.get("parse_error"):
            parse_errors[o].append(e["event"].get("original", "")[:200])
            continue
        t = ts(e["@timestamp"])
        year = int(truths[o]["start"][:4])
        if typ == "auth":
            # RFC 3164 has no year: the collector takes it from the file
            # (ronda-sim stamps each log with its last line's time), never
            # from today, so it is the scenario's whatever the date.
            if int(e["@timestamp"][:4]) != year:
                sys.exit("%s: auth line dated %s, the scenario is of %d"
                         % (o, e["@timestamp"], year))
            t += zone_fix[(o, s)]
        rule = e.get("rule", {})
        hits[(o, s)].append((t, e.get("source", {}).get("ip", ""),
            rule.get("category", []), rule.get("id", []), r.get("severity", ""),
            e.get("event", {}).get("action", ""),
            e.get("http", {}).get("response", {}).get("status_code", 0)))
    if p.wait() != 0:
        problems.append("ronda-collector --explain exited %d" % p.returncode)

# What each kind of attack must raise at each site it hit.
EXPECT = {
    "gambling-spam": ("cat", "gambling-spam", 5),
    "webshell": ("cat", "webshell", 3),
    "sqli": ("cat", "sqli", 10),
    "defacement": ("cat", "defacement", 3),
    "cms-login": ("cat", "cms-login", 10),
    "scanner": ("cat", "scanner", 5),
    "brute-force": ("act", ("ssh_login_failed", "ssh_invalid_user"), 10),
    "dos": ("5xx", None, 50),
}

def check(out):
    truth, sites = truths[out], sites_of[out]
    scenario = truth["scenario"]
    problems = []
    H = {s: hits[(out, s)] for s in sites}
    if explained[out] != lines_in[out]:
        problems.append("explained %d events for %d lines" % (explained[out], lines_in[out]))
    if parse_errors[out]:
        problems.append("%d parse errors, e.g. %r" % (len(parse_errors[out]), parse_errors[out][:3]))
    windows = {s: [] for s in sites}       # every attack window per site
    attack_ips = set()
    planted = []
    for c in truth["campaigns"]:
        attack_ips.update(c["attacker_ips"])
        for s in c["sites"]:
            w = c["windows"][s]
            planted.append((c["name"], c["kind"], s, ts(w[0]), ts(w[1]), set(c["attacker_ips"]),
                            c.get("success_site") == s))
    for i in truth["incidents"]:
        attack_ips.update(i["attacker_ips"])
        planted.append((i["name"], i["kind"], i["site"], ts(i["start"]), ts(i["end"]),
                        set(i["attacker_ips"]), i["kind"] in ("cms-login", "brute-force")))
    for name, kind, s, a, b, ips, _ in planted:
        windows[s].append((a, b + 600))    # consequences (5xx, crawlers) trail a little

    summary = {}
    for name, kind, s, a, b, ips, success in planted:
        how, what, least = EXPECT[kind]
        inwin = [h for h in H[s] if a <= h[0] <= b]
        if how == "cat":
            n = sum(1 for h in inwin if what in h[2] and (h[1] in ips or kind == "gambling-spam"))
        elif how == "act":
            n = sum(1 for h in inwin if h[5] in what and h[1] in ips)
        else:
            n = sum(1 for h in inwin if 500 <= h[6] <= 599)
        summary.setdefault(name, []).append(n)
        if n < least:
            problems.append("%s (%s) at %s: %d flagged lines in its window, expected >= %d"
                            % (name, kind, s, n, least))
        if success and kind == "brute-force" and not any(
                h[5] == "ssh_login_succeeded" and h[1] in ips for h in inwin):
            problems.append("%s: no attacker login succeeded at %s" % (name, s))
        if kind == "sqli" and not any("web.sqli.destructive" in h[3] for h in inwin):
            problems.append("%s: no destructive SQL flagged at %s" % (name, s))
    for name, ns in summary.items():
        print("  %-24s %3d sites, flagged lines per site min %d max %d" % (name, len(ns), min(ns), max(ns)))

    benign = {ip for b in truth.get("benign", []) for ip in b["ips"]}
    for s in sites:
        # Its probes are attack strings: some rule must see them (its user agent,
        # Greenbone OS, is in no rule's list of scanners).
        if benign and not any(h[1] in benign and h[3] for h in H[s]):
            problems.append("the SOC scanner's sweep is not flagged at %s" % s)

    # Background: what the rules raise on lines no attack planted.
    bg = {}
    for s in sites:
        for h in H[s]:
            if h[1] in attack_ips or h[1] in benign or not h[3]:
                continue
            if any(a <= h[0] <= b for a, b in windows[s]):
                continue
            for rid in h[3]:
                k = (h[4], rid)
                bg[k] = bg.get(k, 0) + 1
                if h[4] in ("high", "critical") and len(problems) < 40:
                    problems.append("background line at %s raised %s (%s)" % (s, rid, h[4]))
    for (sev, rid), n in sorted(bg.items(), key=lambda x: -x[1]):
        print("  background: %-8s %-32s %d" % (sev, rid, n))
    # Ordinary traffic may raise low rules (an admin's wp-login POST, an SSH
    # login, stray Internet probes) and, rarely, medium ones; never high.
    nlow = sum(n for (sev, _), n in bg.items() if sev == "low")
    nmed = sum(n for (sev, _), n in bg.items() if sev == "medium")
    if nmed > lines_in[out] // 1000 or nlow > lines_in[out] // 50:
        problems.append("background raised %d medium and %d low rule hits in %d lines "
                        "(budget: 0.1%% medium, 2%% low)" % (nmed, nlow, lines_in[out]))
    print("%s: %d lines explained, %d parse errors, %d campaigns, %d incidents"
          % (scenario, explained[out], len(parse_errors[out]), len(truth["campaigns"]),
             len(truth["incidents"])))
    return problems

for out in outs:
    problems += ["%s: %s" % (truths[out]["scenario"], p) for p in check(out)]
for p in problems:
    print("PROBLEM: " + p)
sys.exit(1 if problems else 0)
PY

# Every config is checked with its keys as written; the shipped rules (a few
# seconds to compile, much longer under ASan) are loaded for one config per
# scenario, the others get a folder with one small rule file appended to a
# copy (a folder without rule files is an error).
mkdir -p "$T/norules"
cat >"$T/norules/one.yaml" <<'YAML'
rules:
  - id: test.one
    name: One rule, so the folder is not empty
    category: recon
    severity: low
    applies_to: web
    fields: [path]
    patterns: ['/ronda-test-probe$']
    tests:
      match:
        - '203.0.113.9 - - [20/Nov/2026:23:04:05 +0800] "GET /ronda-test-probe HTTP/1.1" 404 150 "-" "curl/8.0"'
      nomatch:
        - '203.0.113.9 - - [20/Nov/2026:23:04:05 +0800] "GET / HTTP/1.1" 200 150 "-" "curl/8.0"'
YAML
chmod 644 "$T/norules/one.yaml"
explain_dirs=()
for sc in kaltim-wave quiet-day slow-wave single-site; do
    dir=$T/$sc
    start=$(date +%s%N)
    gen "$sc" "$dir" --seed 1 --kafka 127.0.0.1:19092
    ms=$(( ($(date +%s%N) - start) / 1000000 ))
    lines=$(cat "$dir"/*/access.log "$dir"/*/auth.log | wc -l)
    echo "$sc: generated $lines lines in ${ms} ms"
    [ "$RONDA_SAN" = 1 ] || [ "$ms" -lt 10000 ] || fail "$sc took ${ms} ms (more than 10 s)"
    python3 -c 'import json,sys; json.load(open(sys.argv[1]))' "$dir/truth.json" ||
        fail "$sc: truth.json is not JSON"
    full=1
    for c in "$dir"/*/collector.yaml; do
        grep -q '^  brokers: "127.0.0.1:19092"$' "$c" || fail "$c: --kafka not used"
        if [ $full = 1 ]; then
            out=$(timeout "$(scaled 120)" "$COL" -c "$c" --check-config 2>&1) || fail "$c: $out"
            full=0
        fi
        { cat "$c"; echo "rules: [\"$T/norules\"]"; } >"$T/cc.yaml"
        out=$("$COL" -c "$T/cc.yaml" --check-config 2>&1) || fail "$c: $out"
    done
    # Under ASan the collector is several times slower: its explain pass
    # covers the smallest scenario only (the logs are the same bytes).
    if [ "$RONDA_SAN" != 1 ] || [ "$sc" = single-site ]; then
        explain_dirs+=("$dir")
    fi
done
timeout "$(scaled 450)" python3 "$T/check.py" "$COL" "${explain_dirs[@]}" ||
    fail "the collector's view of the logs does not match truth.json"
rm -rf "${explain_dirs[@]}"

# ---- the scenarios' own promises ------------------------------------------------
gen quiet-day "$T/q"
python3 - "$T/q/truth.json" <<'PY' || fail "quiet-day must plant nothing"
import json, sys
t = json.load(open(sys.argv[1]))
assert t["campaigns"] == [] and t["incidents"] == [], t
PY
gen single-site "$T/s"
python3 - "$T/s/truth.json" <<'PY' || fail "single-site: incidents on one site, no campaign"
import json, sys
t = json.load(open(sys.argv[1]))
assert t["campaigns"] == [] and len(t["incidents"]) >= 3, t
assert len({i["site"] for i in t["incidents"]}) == 1, t
PY
gen slow-wave "$T/w"
python3 - "$T/w/truth.json" <<'PY' || fail "slow-wave: one campaign, no shared attacker, two days"
import json, sys
from datetime import datetime
t = json.load(open(sys.argv[1]))
c = [c for c in t["campaigns"] if not c["shared_attacker"]]
assert len(c) == 1 and len(c[0]["sites"]) >= 10, t["campaigns"]
span = datetime.fromisoformat(c[0]["end"][:19]) - datetime.fromisoformat(c[0]["start"][:19])
assert span.total_seconds() > 36 * 3600, span
PY
gen kaltim-wave "$T/k"
python3 - "$T/k/truth.json" <<'PY' || fail "kaltim-wave: the three campaigns"
import json, sys
t = json.load(open(sys.argv[1]))
kinds = {c["kind"] for c in t["campaigns"]}
assert {"gambling-spam", "brute-force", "webshell"} <= kinds, kinds
need = {"samarindakota.go.id", "balikpapan.go.id", "bontangkota.go.id", "kutaitimurkab.go.id",
        "kukarkab.go.id", "kutaibaratkab.go.id", "beraukab.go.id", "paserkab.go.id",
        "penajamkab.go.id", "mahakamulukab.go.id"}
hit = {s for c in t["campaigns"] for s in c["sites"]}
assert need <= hit, need - hit
PY
# --speed: the same bytes as --fast, written as time passes. single-site's
# 8 simulated hours at 14400x take 2 s; half way, only part of it is there.
# --hold: truth.json and the configs first, no line until the file exists;
# clock.json (where simulated time meets the wall clock) when the clock starts.
spawn sim-speed "$SIM" --scenario single-site --out "$T/live" --speed 14400 --hold "$T/go"
SPEED_PID=$SPAWNED_PID
wait_for test -s "$T/live/truth.json" --timeout 10 || fail "--hold: no truth.json"
sleep 0.5
[ ! -s "$T/live/beraukab.go.id/access.log" ] && [ ! -e "$T/live/clock.json" ] ||
    fail "--hold: lines written before the hold file appeared"
held_ms=$(( ${EPOCHREALTIME/./} / 1000 ))
touch "$T/go"
wait_for test -s "$T/live/beraukab.go.id/access.log" --timeout 10 ||
    fail "--speed wrote nothing"
python3 - "$T/live/clock.json" "$held_ms" <<'PY' || fail "clock.json: $(cat "$T/live/clock.json")"
import json, sys
c = json.load(open(sys.argv[1]))
assert c["speed"] == 14400 and c["sim_start"] == 1794787200000, c
assert 0 <= c["wall_start"] - int(sys.argv[2]) < 5000, c
PY
sleep 0.8
mid=$(wc -l <"$T/live/beraukab.go.id/access.log")
wait "$SPEED_PID" || fail "ronda-sim --speed failed"
total=$(wc -l <"$T/live/beraukab.go.id/access.log")
[ "$mid" -lt "$total" ] || fail "--speed wrote everything at once ($mid of $total lines)"
for f in "$T"/s/*/*.log "$T/s/truth.json"; do
    cmp -s "$f" "$T/live/${f#"$T/s/"}" || fail "--speed and --fast differ: ${f#"$T/s/"}"
done
[ ! -e "$T/s/clock.json" ] || fail "--fast wrote a clock.json"
echo "--speed: $mid of $total lines after ~1 s, same bytes as --fast"

# ---- score -----------------------------------------------------------------------
# `ronda-sim score` against a store crafted from kaltim-wave's truth, whose
# every figure is known: judol found whole (alert 3 s after its deciding
# event), botnet in one campaign with 17 of 18 sites plus a piece merged into
# it whose alert came first (7 s), the webshell campaign missed (a candidate
# below min_sites and a campaign a day late do not count), one scanner
# campaign of noise; one planted incident of four found.
require_cmd sqlite3
cat >"$T/craft.py" <<'PY'
"""A store crafted from truth.json, to check `ronda-sim score` by hand."""
import json, sqlite3, sys
from datetime import datetime, timezone

truth_path, schema, db_path, clock_path = sys.argv[1:5]
t = json.load(open(truth_path))
def ms(s):
    return int(datetime.strptime(s[:19], "%Y-%m-%dT%H:%M:%S").replace(tzinfo=timezone.utc).timestamp() * 1000)
sim0 = ms(t["start"]); wall0 = 1_800_000_000_000; speed = 360.0
json.dump({"sim_start": sim0, "wall_start": wall0, "speed": speed}, open(clock_path, "w"))
def wall(ev):
    return int(wall0 + (ev - sim0) / speed)
db = sqlite3.connect(db_path)
db.executescript(open(schema).read())
C = {c["name"]: c for c in t["campaigns"]}
def campaign(cid, kind, sites, status="active", reported=None, sev="high", merged_into="",
             title="t"):
    first = min(a for _, a, _ in sites); last = max(b for _, _, b in sites)
    db.execute("INSERT INTO campaigns VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)",
               (cid, kind, "indicator", title, sev, status, merged_into, first, last,
                reported if reported is not None else sorted(a for _, a, _ in sites)[2],
                len(sites), len(sites), "[]"))
    for s, a, b in sites:
        db.execute("INSERT INTO campaign_sites VALUES (?,?,?,?,1)", (cid, s, a, b))
def alert(seq, cid, created):
    db.execute("INSERT INTO alerts VALUES (?,?,?,?,?,?,?,?)",
               (seq, "a%d" % seq, created, "campaign_new", cid, "", "high", "{}"))
def win(name, n=None, shift=0):
    c = C[name]
    return [(s, ms(c["windows"][s][0]) + shift, ms(c["windows"][s][1]) + shift)
            for s in c["sites"][:n]]
# judol: every site, alert 3 s after its deciding event; filed under the
# webshell family (its highest-ranked member), one member a gambling incident.
j = win("judol-kaltim")
campaign("c-judol", "webshell", j, title="Gambling \x1b[31mspam\n wave")
db.execute("INSERT INTO incidents VALUES ('i0',?,'gambling','k','high','open',?,?,5,0,0,1,"
           "'[]','[]','[]')", (j[0][0], j[0][1], j[0][2]))
db.execute("INSERT INTO campaign_incidents VALUES ('c-judol','i0',?,?)", (j[0][0], j[0][1]))
rep = sorted(a for _, a, _ in j)[2]
alert(1, "c-judol", wall(rep) + 3000)
# botnet: 17 of its 18 sites in one campaign; a piece reported earlier was
# merged into it, and its alert (7 s after its own report) is the first.
b = win("botnet-ssh", 17)
campaign("c-botnet", "ssh_bruteforce", b)
early = sorted(a for _, a, _ in b)[2] - 60000
campaign("c-botnet-piece", "ssh_bruteforce", b[:3], status="merged", merged_into="c-botnet",
         reported=early)
alert(2, "c-botnet-piece", wall(early) + 7000)
alert(3, "c-botnet", wall(early) + 20000)
# The webshell campaign: not found. Noise: scanners on three sites, medium.
day = sim0 + 3600000
campaign("c-noise", "scan", [("kaltimprov.go.id", day, day + 60000),
         ("lapor.kaltimprov.go.id", day, day + 60000), ("mail.kaltimprov.go.id", day, day + 60000)],
         sev="medium")
# A candidate that never reached min_sites, and a webshell campaign on the
# right sites but a day later: neither is a found campaign of the planted one.
campaign("c-cand", "webshell", win("wpfm-webshell", 2), reported=0)
campaign("c-late", "webshell", win("wpfm-webshell", shift=86400000), sev="low")
# One planted incident found (SQLi at its site, in its window), one on the
# wrong site.
for i in t["incidents"]:
    if i["kind"] == "sqli":
        db.execute("INSERT INTO incidents VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                   ("i1", i["site"], "sqli", "k", "critical", "open", ms(i["start"]) + 60000,
                    ms(i["start"]) + 120000, 5, 0, 0, 1, "[]", "[]", "[]"))
    if i["kind"] == "scanner":
        db.execute("INSERT INTO incidents VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                   ("i2", "mail.kaltimprov.go.id", "scan", "k", "low", "open",
                    ms(i["start"]), ms(i["end"]), 5, 0, 0, 1, "[]", "[]", "[]"))
db.commit()
PY
python3 "$T/craft.py" "$T/k/truth.json" "$RONDA_SRC/schemas/store.sql" "$T/crafted.db" \
    "$T/clock.json" || fail "could not craft a store"
"$SIM" score --truth "$T/k/truth.json" --store "$T/crafted.db" --clock "$T/clock.json" \
    >"$T/score.txt" || fail "score without thresholds exited $?: $(cat "$T/score.txt")"
cat "$T/score.txt"
grep -q 'Gambling \\x1b\[31mspam\\n wave' "$T/score.txt" || fail "a title reached the terminal unescaped"
rc=0
"$SIM" score --truth "$T/k/truth.json" --store "$T/crafted.db" --clock "$T/clock.json" --json \
    --min-recall 0.95 --max-noise 0 --max-latency 60 --noise-below high \
    >"$T/score.json" || rc=$?
[ $rc = 1 ] || fail "missed thresholds: exit $rc, not 1"
python3 - "$T/score.json" <<'PY' || fail "score: wrong figures: $(cat "$T/score.json")"
import json, sys
s = json.load(open(sys.argv[1]))
c, cs = s["campaigns"], s["campaign_sites"]
assert (c["planted"], c["found"], c["matched"], c["noise"]) == (3, 4, 2, 2), c
assert abs(c["precision"] - 0.5) < 1e-3 and abs(c["recall"] - 2 / 3) < 1e-3, c
assert (cs["planted"], cs["planted_found"], cs["found"], cs["found_planted"]) == (31, 25, 33, 25), cs
p = {x["name"]: x for x in s["planted"]}
assert p["judol-kaltim"]["found_sites"] == 8 and abs(p["judol-kaltim"]["latency_s"] - 3) < 0.01, p
assert p["botnet-ssh"]["found_sites"] == 17 and p["botnet-ssh"]["campaign"] == "c-botnet", p
assert p["botnet-ssh"]["missing"] == ["ssh.diskominfo.kaltimprov.go.id"], p
assert abs(p["botnet-ssh"]["latency_s"] - 7) < 0.01, p
assert p["wpfm-webshell"]["found_sites"] == 0 and p["wpfm-webshell"]["latency_s"] is None, p
assert sorted(n["id"] for n in s["noise"]) == ["c-late", "c-noise"], s["noise"]
assert s["incidents"]["found"] == 1 and s["incidents"]["planted"] == 4, s["incidents"]
f = " ".join(s["failures"])
assert not s["ok"] and len(s["failures"]) == 3, s["failures"]
assert "botnet-ssh: 17 of 18" in f and "wpfm-webshell: 0 of 5" in f and "2 campaigns made of noise" in f, f
PY
# Thresholds that hold exit 0; a latency limit below 7 s does not.
"$SIM" score --truth "$T/k/truth.json" --store "$T/crafted.db" --clock "$T/clock.json" \
    --min-recall 0 --max-noise 2 --max-latency 8 --noise-below high >/dev/null ||
    fail "thresholds that hold: exit $?"
rc=0
"$SIM" score --truth "$T/k/truth.json" --store "$T/crafted.db" --clock "$T/clock.json" \
    --max-latency 6.5 >"$T/lat.txt" || rc=$?
[ $rc = 1 ] && grep -q "botnet-ssh: first alert 7.0 s" "$T/lat.txt" || fail "latency limit: exit $rc"
rc=0
"$SIM" score --truth "$T/k/truth.json" --store "$T/crafted.db" --noise-below medium \
    >"$T/sev.txt" || rc=$?
[ $rc = 1 ] && grep -q "severity medium" "$T/sev.txt" || fail "noise severity limit: exit $rc"
rc=0
"$SIM" score --truth "$T/k/truth.json" --store "$T/nonexistent.db" 2>"$T/err.txt" || rc=$?
[ $rc = 2 ] && [ ! -e "$T/nonexistent.db" ] || fail "a missing store: exit $rc, or created"
echo "score: figures of a crafted store as expected"

# Unknown keys and bad values are refused like any Ronda config: file:line.
printf 'name: x\nsites:\n  - { id: a.go.id, kind: blog }\nattack: []\n' >"$T/bad.yaml"
if "$SIM" --scenario "$T/bad.yaml" --out "$T/bad" --fast 2>"$T/bad.err"; then
    fail "a bad scenario was accepted"
fi
grep -q 'bad.yaml:3: sites\[0\].kind' "$T/bad.err" || fail "no file:line error: $(cat "$T/bad.err")"
grep -q 'bad.yaml:4: attack' "$T/bad.err" || fail "unknown key not reported: $(cat "$T/bad.err")"
echo "ok"
