#!/usr/bin/python3
"""Live view for `make demo`: polls the correlator's SQLite store (read-only)
and prints each incident as it opens, in the site's own time zone (WIB, WITA,
WIT); with --summary, the per-site table and how the planted attacks of
truth.json were seen.

  demo_watch.py --store ronda.db --sites DIR [--truth truth.json] [--summary]
                [--until-file F] [--interval 1]
"""
import argparse
import json
import os
import sqlite3
import sys
import time
from datetime import datetime, timezone
from zoneinfo import ZoneInfo

# Planted attack kinds (ronda-sim's truth) -> incident kinds that show them.
KIND_MAP = {
    "gambling-spam": {"gambling"},
    "brute-force": {"ssh_bruteforce", "ftp_bruteforce", "password_spray", "compromise",
                    "sudo_bruteforce", "su_bruteforce"},
    "webshell": {"webshell"},
    "sqli": {"sqli"},
    "cms-login": {"cms_bruteforce"},
    "scanner": {"scan"},
    "defacement": {"defacement", "webshell"},
    "dos": {"flood", "http_5xx", "5xx_surge"},
    "lfi": {"lfi"},
    "rce": {"rce"},
}
SEV_COLOR = {"critical": "\033[1;31m", "high": "\033[31m", "medium": "\033[33m", "low": "\033[36m"}


def clean(s, n=60):
    """Attacker-chosen text for a terminal: control characters escaped."""
    out = []
    for ch in str(s)[:n]:
        o = ord(ch)
        out.append(ch if 0x20 <= o < 0x7f or o > 0x9f else "\\x%02x" % o)
    return "".join(out)


def site_zones(sites_dir):
    zones = {}
    for site in sorted(os.listdir(sites_dir)):
        cfg = os.path.join(sites_dir, site, "collector.yaml")
        if not os.path.isfile(cfg):
            continue
        tz = "UTC"
        with open(cfg, encoding="utf-8") as f:
            for line in f:
                if line.startswith("timezone:"):
                    tz = line.split(":", 1)[1].strip().strip('"')
        zones[site] = ZoneInfo(tz)
    return zones


def local(ms, zone):
    t = datetime.fromtimestamp(ms / 1000, timezone.utc).astimezone(zone)
    return t.strftime("%d %b %H:%M:%S ") + (t.tzname() or "")


def connect(path):
    return sqlite3.connect("file:%s?mode=ro" % path, uri=True, timeout=5)


def incidents(db):
    try:
        return db.execute("SELECT id, site, kind, key, severity, status, first_seen, "
                          "last_seen, event_count FROM incidents ORDER BY first_seen").fetchall()
    except sqlite3.Error:
        return []


def watch(a, zones):
    seen = set()
    color = sys.stdout.isatty()
    while not os.path.exists(a.until_file):
        if os.path.exists(a.store):
            try:
                db = connect(a.store)
                for row in incidents(db):
                    iid, site, kind, key, sev, status, first, last, n = row
                    if iid in seen:
                        continue
                    seen.add(iid)
                    z = zones.get(site, ZoneInfo("UTC"))
                    c0, c1 = (SEV_COLOR.get(sev, ""), "\033[0m") if color else ("", "")
                    print("  %s  %s%-8s%s %-30s %-16s %s" % (local(first, z), c0, sev, c1,
                          clean(site, 30), clean(kind, 16), clean(key, 40)), flush=True)
                db.close()
            except sqlite3.Error:
                pass
        time.sleep(a.interval)


def summary(a, zones):
    db = connect(a.store)
    rows = incidents(db)
    by_site = {}
    for iid, site, kind, key, sev, status, first, last, n in rows:
        by_site.setdefault(site, []).append((kind, sev, n))
    print("\nIncidents per site (%d in all)" % len(rows))
    print("  %-32s %5s  %s" % ("site", "count", "kinds (events)"))
    for site in sorted(by_site):
        kinds = {}
        for kind, sev, n in by_site[site]:
            kinds[kind] = kinds.get(kind, 0) + n
        print("  %-32s %5d  %s" % (clean(site, 32), len(by_site[site]),
              ", ".join("%s (%d)" % (clean(k, 20), v) for k, v in sorted(kinds.items()))))
    if not a.truth:
        return 0
    with open(a.truth, encoding="utf-8") as f:
        truth = json.load(f)
    kinds_at = {}
    for iid, site, kind, key, sev, status, first, last, n in rows:
        kinds_at.setdefault(site, set()).add(kind)
    print("\nPlanted attacks (truth.json) and the sites where the correlator opened a matching incident")
    print("(campaign linking across sites is not built yet: these are per-site incidents)")
    total = found = 0
    for c in truth.get("campaigns", []) + [dict(x, sites=[x["site"]]) for x in truth.get("incidents", [])]:
        want = KIND_MAP.get(c["kind"], {c["kind"]})
        hit = [s for s in c["sites"] if kinds_at.get(s, set()) & want]
        total += len(c["sites"])
        found += len(hit)
        print("  %-24s %-14s %2d/%-2d sites" % (clean(c.get("name", "?"), 24), c["kind"],
              len(hit), len(c["sites"])))
    print("  site recall over planted attacks: %d/%d" % (found, total))
    return 0


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--store", required=True)
    ap.add_argument("--sites", required=True)
    ap.add_argument("--truth")
    ap.add_argument("--summary", action="store_true")
    ap.add_argument("--until-file", default="/nonexistent/stop")
    ap.add_argument("--interval", type=float, default=1.0)
    a = ap.parse_args()
    zones = site_zones(a.sites)
    if a.summary:
        return summary(a, zones)
    watch(a, zones)
    return 0


if __name__ == "__main__":
    sys.exit(main())
