#!/bin/bash
# ronda-sim's web roots: every site gets a benign application tree
# (OUT/<site>/www, dated before the start) and the file attacks plant into it
# at their simulated time, with truth. Read from ronda-sim's output alone
# (no collector, no correlator):
#   - the same seed writes the same bytes and the same dates, web roots
#     included; another --start the same plants at the same offsets and the
#     same lines (dates aside);
#   - the base trees hold no attack tell; every plant holds its own, where,
#     when (file and folder mtimes) and with the hash truth.json says;
#   - a core update rewrites most of wp-admin and wp-includes within seconds,
#     right after the admin's upgrade request (defaced's one site, and every
#     CMS of busy-day);
#   - a cloaked site answers the engines' crawlers (from bots.txt's ranges)
#     and a fake Googlebot with the gambling page or a redirect, browsers
#     with the ordinary page, google.co.id referrals with a 302;
#   - --hold writes every base tree before the clock starts and no plant
#     before its time; --speed ends with the trees --fast writes;
#   - the kinds' keys are checked (file:line);
#   - `ronda-sim score` finds plants, holds them with --require-files, and
#     fails a core update that raised more than a low incident.
. "$(dirname "$0")/lib.sh"
require_cmd python3 sqlite3 sha256sum

SIM=$RONDA_BIN/ronda-sim
COL=$RONDA_BIN/ronda-collector
[ -x "$SIM" ] || fail "$SIM is not built"

gen() {  # gen SCENARIO DIR [args...]: ronda-sim --fast, bounded
    local sc=$1 dir=$2; shift 2
    timeout "$(scaled 60)" "$SIM" --scenario "$sc" --out "$dir" --fast "$@" \
        2>"$dir.log" || { cat "$dir.log" >&2; fail "ronda-sim --scenario $sc failed"; }
}

roots() {  # every web-root entry of DIR: path, type, size, mtime (ns), mode
    (cd "$1" && find ./*/www -printf '%p %y %s %T@ %m\n' | LC_ALL=C sort)
}

# ---- determinism ----------------------------------------------------------------
gen defaced "$T/a" --seed 3
mv "$T/a" "$T/b"
gen defaced "$T/a" --seed 3
diff -r "$T/a" "$T/b" >/dev/null || fail "same seed, different bytes"
cmp -s <(roots "$T/a") <(roots "$T/b") || fail "same seed, different web-root dates or modes"
rm -rf "$T/b"
gen defaced "$T/c" --seed 4
diff -rq "$T/a/bontangkota.go.id/www" "$T/c/bontangkota.go.id/www" >/dev/null &&
    fail "seeds 3 and 4 wrote the same web root"
echo "determinism: same seed identical (bytes and dates), other seed differs"

# ---- another start: the same plants at the same offsets, the same lines -----------
gen defaced "$T/d25" --seed 3 --start 2025-04-01T00:00:00Z
gen defaced "$T/d28" --seed 3 --start 2028-06-05T00:00:00Z
python3 - "$T/d25" "$T/d28" <<'PY' || fail "another --start changed what was planted"
import json, os, re, sys
from datetime import datetime, timezone

def ms(s):
    return int(datetime.strptime(s[:19], "%Y-%m-%dT%H:%M:%S").replace(tzinfo=timezone.utc).timestamp() * 1000)

def norm(d):
    t = json.load(open(os.path.join(d, "truth.json")))
    t0 = ms(t["start"])
    # Uploads are dated as offsets from the start; their month folders differ.
    def path(p):
        return re.sub(r"/\d{4}/\d\d/", "/", p)
    plants = []
    for f in t["files"]:
        plants.append((f["name"], f["kind"], f["site"], ms(f["at"]) - t0, ms(f["end"]) - t0,
                       [(path(x["path"]), x["change"], ms(x["mtime"]) - t0, x.get("size"))
                        for x in f.get("files", [])], f.get("domains"), f.get("variants"),
                       f.get("family"), f.get("obfuscated"), f.get("urls"), f.get("bot_answer")))
    tree = []
    for s in sorted(x["site"] for x in t["webroots"]):
        top = os.path.join(d, s, "www")
        for root, dirs, files in os.walk(top):
            for n in files + dirs:
                p = os.path.join(root, n)
                st = os.lstat(p)
                if n in dirs and "uploads" in p:
                    continue
                rel = path("/" + os.path.relpath(p, top) + ("/" if n in dirs else ""))
                dated = n in ("sitemap.xml",)     # "generated-on" names the month
                tree.append((s, rel, None if dated or n in dirs else st.st_size,
                             st.st_mtime_ns // 1000000 - t0))
    lines = {}
    for s in sorted(x["site"] for x in t["webroots"]):
        with open(os.path.join(d, s, "access.log")) as f:
            lines[s] = [re.sub(r"\[\d\d/\w{3}/\d{4}:", "[", l) for l in f]
    return plants, sorted(tree), lines

a, b = norm(sys.argv[1]), norm(sys.argv[2])
assert a[0] == b[0], "plants differ:\n%s\n%s" % (a[0][:2], b[0][:2])
assert len(a[0]) == 11, len(a[0])
assert a[1] == b[1], "web roots differ: %s" % [x for x in zip(a[1], b[1]) if x[0] != x[1]][:3]
assert a[2] == b[2], "access logs differ beyond their dates"
print("another start: %d plants, %d web-root entries, logs the same (dates aside)"
      % (len(a[0]), len(a[1])))
PY

# ---- the trees, the plants, the update, the cloaks ---------------------------------
cat >"$T/files.yaml" <<'YAML'
name: files
duration: 2h
background: { web_rate: 60, ssh_noise: 0, admin_logins: 0, ssh_logins: 0 }
sites:
  - { id: a.go.id, kind: cms }
  - { id: lapor.b.go.id, kind: complaint }
  - { id: mail.c.go.id, kind: mail }
  - { id: ekinerja.d.go.id, kind: ekinerja }
  - { id: ssh.e.go.id, kind: ssh }
attacks:
  - { name: plain-shell, kind: webshell-file, sites: [a.go.id, lapor.b.go.id], start: 20m,
      obfuscation: plain, family: alfa, shell: wp-conflg.php, networks: [192.0.2.0/24] }
  - { name: obf-shell, kind: webshell-file, sites: [ekinerja.d.go.id], start: 25m,
      obfuscation: obfuscated, family: b374k, networks: [192.0.2.0/24] }
  - { name: deface, kind: defacement-file, sites: [mail.c.go.id], start: 30m,
      networks: [103.152.118.0/24] }
  - { name: inject-all, kind: gambling-injection, sites: [lapor.b.go.id, mail.c.go.id, ekinerja.d.go.id],
      start: 40m, duration: 1h, inject: [cloaker, links, htaccess, sitemap], rate: 2,
      networks: [45.126.186.0/24] }
YAML
gen "$T/files.yaml" "$T/f" --seed 5
cat >"$T/check.py" <<'PY'
"""Web roots and plants of ronda-sim's output, against truth.json."""
import hashlib, ipaddress, json, os, re, sys
from datetime import datetime, timezone

out = sys.argv[1]
t = json.load(open(os.path.join(out, "truth.json")))
problems = []

def ms(s):
    return int(datetime.strptime(s[:19], "%Y-%m-%dT%H:%M:%S").replace(tzinfo=timezone.utc).timestamp() * 1000)

T0, T1 = ms(t["start"]), ms(t["end"])
root = {w["site"]: os.path.join(out, w["root"]) for w in t["webroots"]}
planted = {(f["site"], x["path"]) for f in t["files"] for x in f.get("files", [])}
updated = {u["site"] for u in t["benign"] if u.get("kind") == "cms-update"}

# Collector configs: each watches its site's web root (an absolute path).
for s, r in root.items():
    cfg = open(os.path.join(out, s, "collector.yaml")).read()
    m = re.search(r'^webroots:\n  - path: "([^"]+)"$', cfg, re.M)
    if not m or m.group(1) != os.path.realpath(r):
        problems.append("%s: collector.yaml does not watch %s" % (s, r))

# No base file holds a tell; none is dated at or after the start (the update's aside).
TELLS = [r"eval\s*\(", r"base64_decode", r"(?i)googlebot|bingbot|slurp", r"HTTP_REFERER",
         r"(?i)gacor|togel|maxwin|judi|casino|poker|\bslot", r"(?i)hacked\s+by", r"FilesMan",
         r"shell_exec|passthru|move_uploaded_file", r"(?i)RewriteCond\s+%\{HTTP_(USER_AGENT|REFERER)",
         r"google\.co\.id"]
BINARY = (".jpg", ".png", ".ico", ".mo", ".pdf")
nfiles = 0
for s, r in root.items():
    app = next(w["app"] for w in t["webroots"] if w["site"] == s)
    n = 0
    for d, dirs, files in os.walk(r):
        for name in files:
            p = os.path.join(d, name)
            rel = os.path.relpath(p, r)
            if (s, rel) in planted:
                continue
            n += 1
            data = open(p, "rb").read()
            if os.lstat(p).st_mtime_ns // 1000000 >= T0 and s not in updated:
                problems.append("%s/%s: a base file dated after the start" % (s, rel))
            if name.endswith(BINARY):
                if b"<?" in data:
                    problems.append("%s/%s: a script opener in a binary file" % (s, rel))
                continue
            text = data.decode("utf-8")
            for x in TELLS:
                if re.search(x, text):
                    problems.append("%s/%s: benign file holds %r" % (s, rel, x))
            if name.endswith((".php", ".html")) and re.search(r"display\s*:\s*none", text):
                problems.append("%s/%s: a hidden block in a template" % (s, rel))
    nfiles += n
    if app == "wordpress" and not 150 <= n <= 300:
        problems.append("%s: %d files in its WordPress" % (s, n))

# Every plant where, when and as truth.json says.
for f in t["files"]:
    s, r, at = f["site"], root[f["site"]], ms(f["at"])
    if not T0 <= at < T1:
        problems.append("%s %s: planted at %s, outside the run" % (f["name"], s, f["at"]))
    for x in f.get("files", []):
        p = os.path.join(r, x["path"])
        if not os.path.isfile(p):
            problems.append("%s: %s missing" % (f["name"], p))
            continue
        data = open(p, "rb").read()
        mt = os.lstat(p).st_mtime_ns // 1000000
        if mt != ms(x["mtime"]):
            problems.append("%s: %s dated %d, truth says %s" % (f["name"], x["path"], mt, x["mtime"]))
        if x["change"] == "created":
            if hashlib.sha256(data).hexdigest() != x["sha256"] or len(data) != x["size"]:
                problems.append("%s: %s: hash or size not truth's" % (f["name"], x["path"]))
            # A new entry dates its folder (unless something came after it there).
            dmt = os.lstat(os.path.dirname(p)).st_mtime_ns // 1000000
            if dmt < mt:
                problems.append("%s: %s: folder older than the new file" % (f["name"], x["path"]))
        text = data.decode("utf-8", "replace")
        name = os.path.basename(x["path"])
        if f["kind"] == "webshell_file":
            if x["sha256"] != f["sha256"] or "eval(" not in text.replace("@eval(", "eval("):
                problems.append("%s: %s is not the shell" % (f["name"], p))
            if f["obfuscated"] and ("base64_decode" in text or "FilesMan" in text):
                problems.append("%s: the obfuscated shell shows its body" % f["name"])
            if not f["obfuscated"] and ("base64_decode($_POST" not in text or
                                        {"wso": "WSO", "alfa": "ALFA", "b374k": "b374k"}[f["family"]] not in text):
                problems.append("%s: the plain shell lacks eval of input or its header" % f["name"])
            if "upload" not in x["path"] and not x["path"].startswith("temp/"):
                problems.append("%s: shell outside an upload folder: %s" % (f["name"], x["path"]))
        elif f["kind"] == "gambling_injection":
            host = f["domains"][0]
            if name == "index.php" and not (text.startswith("<?php\nerror_reporting(0);") and
                                            "googlebot" in text and "google.co.id" in text and
                                            f["landing"] in text):
                problems.append("%s: %s: no cloaker prepended" % (f["name"], p))
            if "links" in f["variants"] and name in ("footer.php", "footer.html"):
                m = re.search(r'<div style="display:none">\n((?:<a [^\n]*\n)+)</div>', text)
                links = m.group(1).count("<a ") if m else 0
                shared = m.group(1).count("https://%s/" % host) if m else 0
                if not 10 <= links <= 30 or shared < links // 2:
                    problems.append("%s: %s: %d hidden links, %d to %s" % (f["name"], p, links, shared, host))
                got = set(re.findall(r'href="https://([^/"]+)/', m.group(1))) if m else set()
                if not got or not got <= set(f["domains"]):
                    problems.append("%s: links to %s, truth says %s" % (f["name"], got, f["domains"]))
            if name == ".htaccess" and not re.match(r"<IfModule mod_rewrite.c>\nRewriteEngine On\n"
                                                     r"RewriteCond %\{HTTP_USER_AGENT\} \(googlebot", text):
                problems.append("%s: %s: no bot rewrite on top" % (f["name"], p))
            if name == "sitemap-judi.xml" and not re.search(r"slot-gacor|togel|situs-slot", text):
                problems.append("%s: %s: not a gambling sitemap" % (f["name"], p))
            if name == "robots.txt" and "sitemap-judi.xml" not in text:
                problems.append("%s: robots.txt does not name the sitemap" % f["name"])
        elif f["kind"] == "defacement" and "Hacked By" not in text:
            problems.append("%s: %s is no defacement" % (f["name"], p))

# The core update: most of wp-admin and wp-includes rewritten within seconds of it.
for u in t["benign"]:
    if u.get("kind") != "cms-update":
        continue
    # The update comes within its window (the hour of cms_update_at, or its start).
    r = root[u["site"]]
    core = [os.path.join(d, n) for top in ("wp-admin", "wp-includes")
            for d, _, fs in os.walk(os.path.join(r, top)) for n in fs]
    a = min([os.lstat(p).st_mtime_ns // 1000000 for p in core +
             [os.path.join(r, n) for n in os.listdir(r)]
             if os.lstat(p).st_mtime_ns // 1000000 >= ms(u["start"])] or [0])
    if not ms(u["start"]) <= a <= ms(u["end"]):
        problems.append("%s: the update at %d, outside its window %s" % (u["site"], a, u))
    new = [p for p in core if a <= os.lstat(p).st_mtime_ns // 1000000 < a + 30000]
    roots_ = [n for n in os.listdir(r) if os.path.isfile(os.path.join(r, n)) and
              a <= os.lstat(os.path.join(r, n)).st_mtime_ns // 1000000 < a + 30000]
    ver = open(os.path.join(r, "wp-includes/version.php")).read()
    gone = [p for p in ("wp-includes/registration-functions.php", "wp-admin/includes/ms-deprecated.php")
            if os.path.exists(os.path.join(r, p))]
    if len(new) < 0.8 * len(core) or "$wp_version = '%s';" % u["version"]["to"] not in ver or gone:
        problems.append("%s: update rewrote %d of %d core files, removed files left: %s"
                        % (u["site"], len(new), len(core), gone))
    if len(new) + len(roots_) + 2 != u["files"]:
        problems.append("%s: update changed %d files, truth says %d"
                        % (u["site"], len(new) + len(roots_) + 2, u["files"]))
    # The admin's upgrade request comes just before (unless the site is not logging).
    log = open(os.path.join(out, u["site"], "access.log")).read()
    if "do-core-upgrade" not in log and not any(b["site"] == u["site"] for b in t["blank"]):
        problems.append("%s: no upgrade request in the access log" % u["site"])

# Cloaking in the access logs, crawler ranges from bots.txt.
ranges = {}
for line in open(os.path.join(out, "bots.txt")):
    line = line.split("#")[0].split()
    if line:
        ranges.setdefault(line[0], []).append(ipaddress.ip_network(line[1]))
def in_ranges(ip):
    a = ipaddress.ip_address(ip)
    return any(a in n for ns in ranges.values() for n in ns)
WEB = re.compile(r'^(\S+) \S+ \S+ \[([^\]]+)\] "(\S+) (\S+) [^"]*" (\d+) (\d+) "([^"]*)" "([^"]*)"$')
_minutes = {}
def web_ms(s):
    """"16/Nov/2026:08:00:01 +0800" in ms (strptime once a minute)."""
    k = s[:17] + s[20:]
    if k not in _minutes:
        _minutes[k] = int(datetime.strptime(s[:17] + ":00" + s[20:], "%d/%b/%Y:%H:%M:%S %z")
                          .timestamp() * 1000)
    return _minutes[k] + int(s[18:20]) * 1000
cloaks = [f for f in t["files"] if f["kind"] == "cloaking"]
seen = {"bot": 0, "fake": 0, "browser": 0, "referred": 0}
for s in root:
    mine = [f for f in cloaks if f["site"] == s]
    for line in open(os.path.join(out, s, "access.log")):
        if not mine and "Googlebot" not in line and "bingbot" not in line:
            continue
        m = WEB.match(line.rstrip("\n"))
        if not m:
            problems.append("%s: not a combined line: %r" % (s, line[:100]))
            continue
        ip, when, url, st, size, ref, ua = m.group(1), web_ms(m.group(2)), m.group(4), \
            int(m.group(5)), int(m.group(6)), m.group(7), m.group(8)
        bot = "Googlebot" in ua or "bingbot" in ua
        f = next((f for f in mine if ms(f["at"]) <= when), None)
        if bot and not in_ranges(ip) and not (f and ip in f["fake_bot_ips"]):
            problems.append("%s: a search bot's agent from %s, no fake of a cloak" % (s, ip))
        if f is None:
            if bot and size > 100000:
                problems.append("%s: a gambling-sized answer before any cloak" % s)
            continue
        inwin = when < ms(f["end"])
        static = re.search(r"\.(txt|xml|css|js|png|jpg|ico|html|pdf)(\?|$)", url)
        want = (f["bot_answer"]["status"], f["bot_answer"]["bytes"])
        if bot and (not static or want[0] == 302) and (st, size) != want:
            problems.append("%s: %s %s answered %d %d, the cloak gives %s" % (s, ua[:30], url, st, size, want))
        if bot:
            seen["fake" if not in_ranges(ip) else "bot"] += 1
        elif ref.startswith("https://www.google.co.id/") and inwin:
            seen["referred"] += 1
            if st != 302:
                problems.append("%s: a google.co.id referral answered %d" % (s, st))
        elif url in f["urls"] and inwin and st == 200:
            seen["browser"] += 1
            if size == want[1]:
                problems.append("%s: a browser got the crawlers' page" % s)
if cloaks and min(seen.values()) < 3:
    problems.append("cloaking traffic too thin: %s" % seen)
for p in problems[:30]:
    print("PROBLEM: " + p)
print("%s: %d base files, %d plants, %d core updates, cloak traffic %s"
      % (t["scenario"], nfiles, len(t["files"]), len(updated), seen))
sys.exit(1 if problems else 0)
PY
python3 "$T/check.py" "$T/a" || fail "defaced: web roots or plants not as truth.json says"
python3 "$T/check.py" "$T/f" || fail "files: web roots or plants not as truth.json says"
# kaltim-wave: its gambling campaign's kit in five web roots; busy-day: a core
# update on every CMS within the hour of cms_update_at (at its upgrade request).
# Under ASan the simulator writes the same bytes, slower: the plain run checks.
big=(kaltim-wave busy-day)
[ "$RONDA_SAN" = 1 ] && big=()
for sc in "${big[@]}"; do
    gen "$sc" "$T/$sc"
    python3 "$T/check.py" "$T/$sc" || fail "$sc: web roots or plants not as truth.json says"
    rm -rf "${T:?}/$sc"
done
python3 - "$T/f/truth.json" <<'PY' || fail "files: the plants are not the ones asked for"
import json, sys
t = json.load(open(sys.argv[1]))
apps = {w["site"]: w["app"] for w in t["webroots"]}
assert apps == {"a.go.id": "wordpress", "lapor.b.go.id": "codeigniter", "mail.c.go.id": "roundcube",
                "ekinerja.d.go.id": "codeigniter", "ssh.e.go.id": "static"}, apps
k = {(f["name"], f["site"], f["kind"]) for f in t["files"]}
assert len(k) == 10 and ("deface", "mail.c.go.id", "defacement") in k, k
sh = {f["name"]: f for f in t["files"] if f["kind"] == "webshell_file"}
assert sh["plain-shell"]["family"] == "alfa" and not sh["plain-shell"]["obfuscated"]
assert sh["obf-shell"]["family"] == "b374k" and sh["obf-shell"]["obfuscated"]
c = {c["name"]: c for c in t["campaigns"]}
assert c["plain-shell"]["files"] is True and c["plain-shell"]["link"]["sha256"] == sh["plain-shell"]["sha256"]
assert c["inject-all"]["link"] == {"domain": t["files"][-1]["domains"][0]}, c["inject-all"]
assert [i["name"] for i in t["incidents"]] == ["obf-shell", "deface"] and all(i["files"] for i in t["incidents"])
assert t["attacks"] == [], "web-root attacks listed among the log attacks"
PY
# The collector takes the configs (its rules compile for seconds; under ASan
# test_sim.sh checks the configs).
if [ "$RONDA_SAN" != 1 ]; then
    timeout "$(scaled 120)" "$COL" -c "$T/f/a.go.id/collector.yaml" --check-config \
        >"$T/cc.out" 2>&1 || fail "collector config with a web root: $(cat "$T/cc.out")"
fi
echo "trees: benign, every plant as truth.json says, the update, the cloaks; configs valid"

# ---- --hold and --speed: base trees first, plants when their time comes -------------
spawn sim-live "$SIM" --scenario defaced --seed 3 --out "$T/live" --speed 14400 --hold "$T/go"
LIVE_PID=$SPAWNED_PID
wait_for test -s "$T/live/truth.json" --timeout 20 || fail "--hold: no truth.json"
python3 - "$T/live" <<'PY' || fail "--hold: the web roots are not the base trees"
import json, os, sys
t = json.load(open(os.path.join(sys.argv[1], "truth.json")))
for w in t["webroots"]:
    n = sum(len(fs) for _, _, fs in os.walk(os.path.join(sys.argv[1], w["root"])))
    assert n == w["files"], (w, n)
for f in t["files"]:
    for x in f.get("files", []):
        p = os.path.join(sys.argv[1], f["site"], "www", x["path"])
        if x["change"] == "created":
            assert not os.path.exists(p), p
        elif x["path"] == "index.php":
            assert "googlebot" not in open(p).read(), p
PY
touch "$T/go"
wait_for test ! -e "/proc/$LIVE_PID" --timeout 30 || fail "ronda-sim --speed did not end"
wait "$LIVE_PID" || fail "ronda-sim --speed failed"
diff -r -x clock.json -x collector.yaml "$T/a" "$T/live" >/dev/null ||
    fail "--speed and --fast wrote other bytes"
cmp -s <(roots "$T/a") <(roots "$T/live") || fail "--speed and --fast dated the web roots otherwise"
echo "--hold/--speed: base trees before the clock, plants in their time, the same trees as --fast"

# ---- the kinds' keys --------------------------------------------------------------
cat >"$T/bad.yaml" <<'YAML'
name: bad
sites:
  - { id: a.go.id, kind: cms }
  - { id: s.go.id, kind: ssh }
  - { id: l.go.id, kind: complaint }
attacks:
  - { name: x, kind: gambling-injection, sites: [a.go.id], inject: [cloaker, popup], networks: [192.0.2.0/24] }
  - { name: y, kind: webshell, sites: [a.go.id], obfuscation: plain, networks: [192.0.2.0/24] }
  - { name: z, kind: webshell-file, sites: [a.go.id], family: c99, networks: [192.0.2.0/24] }
  - { name: w, kind: webshell-file, sites: [a.go.id] }
YAML
if "$SIM" --scenario "$T/bad.yaml" --out "$T/bad" --fast 2>"$T/bad.err"; then
    fail "a bad scenario was accepted"
fi
for e in 'bad.yaml:7: attacks\[0\].inject: "popup"' 'bad.yaml:8: attacks\[1\].obfuscation: only for' \
        'bad.yaml:9: attacks\[2\].family: wso, alfa or b374k' 'bad.yaml:10: attacks\[3\].networks: required'; do
    grep -q "$e" "$T/bad.err" || fail "not reported: $e: $(cat "$T/bad.err")"
done
for a in '{ name: v, kind: webshell-file, sites: [s.go.id], networks: [192.0.2.0/24] }' \
         '{ name: u, kind: cms-update, sites: [l.go.id] }'; do
    printf 'name: bad2\nsites:\n  - { id: s.go.id, kind: ssh }\n  - { id: l.go.id, kind: complaint }\nattacks:\n  - %s\n' \
        "$a" >"$T/bad2.yaml"
    if "$SIM" --scenario "$T/bad2.yaml" --out "$T/bad" --fast 2>"$T/bad.err"; then
        fail "accepted: $a"
    fi
    grep -q 'bad2.yaml:6: attacks\[0\].sites: .* is a \(ssh\|complaint\) site' "$T/bad.err" ||
        fail "not reported: $(cat "$T/bad.err")"
done
echo "bad keys: file:line errors"

# ---- score: plants found, --require-files, a noisy core update ----------------------
cat >"$T/craft.py" <<'PY'
"""A store crafted from defaced's truth.json: every plant found but one
cloaking, the gambling campaign found whole, the shells not linked; a low
bulk_change on the updated site, and (mode noisy) a high webshell_file there."""
import json, sqlite3, sys
from datetime import datetime, timezone

mode, truth, schema, db_path = sys.argv[1:5]
t = json.load(open(truth))
def ms(s):
    return int(datetime.strptime(s[:19], "%Y-%m-%dT%H:%M:%S").replace(tzinfo=timezone.utc).timestamp() * 1000)
db = sqlite3.connect(db_path)
db.executescript(open(schema).read())
def ins(table, **cols):
    db.execute("INSERT INTO %s (%s) VALUES (%s)" % (table, ",".join(cols), ",".join("?" * len(cols))),
               tuple(cols.values()))
def incident(iid, site, kind, first, last, sev="high"):
    ins("incidents", id=iid, site=site, kind=kind, key=site, severity=sev, status="open",
        first_seen=first, last_seen=last, event_count=1, reopen_count=0, part=0, site_known=1,
        attacker_ips="[]", users="[]", rule_ids="[]")
missed = next(f for f in t["files"] if f["kind"] == "cloaking" and f["site"] == "kaurkab.go.id")
for n, f in enumerate(t["files"]):
    if f is not missed:
        incident("p%d" % n, f["site"], f["kind"], ms(f["at"]) + 1000, ms(f["at"]) + 60000,
                 "critical" if f["kind"] == "webshell_file" else "high")
c = next(c for c in t["campaigns"] if c["name"] == "judol-defaced")
first = min(ms(w[0]) for w in c["windows"].values())
ins("campaigns", id="c1", kind="gambling_injection", link="indicator", title="judol", severity="high",
    status="active", merged_into="", first_seen=first, last_seen=first + 7200000, reported=first + 600000,
    site_count=len(c["sites"]), incident_count=len(c["sites"]), attacker_ips="[]")
for s in c["sites"]:
    a = ms(c["windows"][s][0])
    ins("campaign_sites", campaign_id="c1", site=s, first_seen=a + 1000, last_seen=a + 60000, incidents=1)
u = next(b for b in t["benign"] if b.get("kind") == "cms-update")
incident("u1", u["site"], "bulk_change", ms(u["start"]), ms(u["start"]) + 20000, "low")
if mode == "noisy":
    incident("u2", u["site"], "webshell_file", ms(u["start"]) + 5000, ms(u["start"]) + 5000, "high")
db.commit()
PY
python3 "$T/craft.py" quiet "$T/a/truth.json" "$RONDA_SRC/schemas/store.sql" "$T/quiet.db" ||
    fail "could not craft a store"
"$SIM" score --truth "$T/a/truth.json" --store "$T/quiet.db" --min-recall 0.95 --max-noise 0 \
    >"$T/s1.txt" || fail "plants not required: exit $?: $(cat "$T/s1.txt")"
cat "$T/s1.txt"
grep -q "^web-root plants: planted 11, found 10" "$T/s1.txt" &&
    grep -q "core-update-bontang .* 1 incident, worst low bulk_change$" "$T/s1.txt" ||
    fail "score: the plants or the update not reported as expected"
rc=0
"$SIM" score --truth "$T/a/truth.json" --store "$T/quiet.db" --min-recall 0.95 --max-noise 0 \
    --require-files --json >"$T/s2.json" || rc=$?
[ $rc = 1 ] || fail "--require-files with a plant missed: exit $rc, not 1"
python3 - "$T/s2.json" <<'PY' || fail "score --require-files: wrong figures: $(cat "$T/s2.json")"
import json, sys
s = json.load(open(sys.argv[1]))
f = s["files"]
assert (f["planted"], f["found"]) == (11, 10), f
miss = [p for p in f["plants"] if not p["found"]]
assert [(p["kind"], p["site"]) for p in miss] == [("cloaking", "kaurkab.go.id")], miss
assert s["campaigns"]["noise"] == 0 and s["campaigns"]["matched"] == 1, s["campaigns"]
assert s["updates"] == [{"name": "core-update-bontang", "site": "bontangkota.go.id", "incidents": 1,
                         "above_low": 0, "worst": "low", "worst_kind": "bulk_change"}], s["updates"]
i = s["store_incidents"]
assert (i["total"], i["files"], i["updates"], i["other"]) == (11, 10, 1, 0), i
fails = s["failures"]
assert len(fails) == 2, fails
assert "web-root plant judol-htaccess: no cloaking incident on kaurkab.go.id" in fails, fails
assert any(x.startswith("planted campaign shell-drop: 0 of 3 sites") for x in fails), fails
PY
python3 "$T/craft.py" noisy "$T/a/truth.json" "$RONDA_SRC/schemas/store.sql" "$T/noisy.db" ||
    fail "could not craft a store"
rc=0
"$SIM" score --truth "$T/a/truth.json" --store "$T/noisy.db" >"$T/s3.txt" || rc=$?
[ $rc = 1 ] && grep -q "core update core-update-bontang on bontangkota.go.id: 1 incident above low (worst high webshell_file)" "$T/s3.txt" ||
    fail "a core update's high incident: exit $rc: $(cat "$T/s3.txt")"
echo "score: plants found and required, a core update held to low"
echo "ok"
