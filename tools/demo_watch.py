#!/usr/bin/python3
"""Live view for `make demo`.

Follows the correlator's alert file sink (one JSON alert per line, as
schemas/alert.schema.json describes) and prints each alert as it is raised;
every few seconds a status line: the simulated time (from ronda-sim's
clock.json) and what the store holds so far (read-only). With --summary, the
incidents per site (the fallback when the `ronda` CLI is not built).

  demo_watch.py --alerts alerts.jsonl --store ronda.db [--clock clock.json]
                [--zone Asia/Makassar] [--until-file F] [--interval 0.5] [--status 10]
  demo_watch.py --summary --store ronda.db

Every string that may come from a log line (titles, indicators, site names)
is escaped for the terminal.
"""
import argparse
import json
import os
import sqlite3
import sys
import time
from datetime import datetime, timezone
from zoneinfo import ZoneInfo

SEV_COLOR = {"critical": "\033[1;31m", "high": "\033[31m", "medium": "\033[33m",
             "low": "\033[36m"}
TYPE_LABEL = {"campaign_new": "NEW CAMPAIGN", "campaign_grew": "campaign grew",
              "campaign_severity": "severity up", "incident_critical": "critical incident"}


def clean(s, n=80):
    """Attacker-chosen text for a terminal: control characters escaped."""
    out = []
    s = str(s)
    for ch in s[:n]:
        o = ord(ch)
        if ch == "\\" or 0x20 <= o < 0x7f or (o > 0x9f and not 0x202a <= o <= 0x202e
                                               and not 0x2066 <= o <= 0x2069):
            out.append(ch)
        else:
            out.append("\\x%02x" % o if o < 0x100 else "\\u{%04x}" % o)
    return "".join(out) + ("..." if len(s) > n else "")


def connect(path):
    return sqlite3.connect("file:%s?mode=ro" % path, uri=True, timeout=5)


def counts(store):
    """(incidents, reported campaigns, alerts in the outbox), None when unreadable."""
    if not os.path.exists(store):
        return None
    try:
        db = connect(store)
        try:
            inc = db.execute("SELECT count(*) FROM incidents").fetchone()[0]
            try:
                camp = db.execute("SELECT count(*) FROM campaigns WHERE reported > 0 "
                                  "AND status != 'merged'").fetchone()[0]
                alerts = db.execute("SELECT count(*) FROM alerts").fetchone()[0]
            except sqlite3.Error:
                camp = alerts = 0
            return inc, camp, alerts
        finally:
            db.close()
    except sqlite3.Error:
        return None


def show_alert(a, color):
    sev = a.get("severity", "?")
    c0, c1 = (SEV_COLOR.get(sev, ""), "\033[0m") if color else ("", "")
    label = TYPE_LABEL.get(a.get("type"), clean(a.get("type", "?"), 20))
    created = clean(a.get("created", "")[11:19], 8)
    print("  %s  %s%-8s %-17s%s %s" % (created, c0, clean(sev, 8), label, c1,
                                       clean(a.get("title", ""), 90)), flush=True)
    sites = a.get("sites") or []
    new = set(a.get("new_sites") or [])
    shown = [s for s in sites if not new or s.get("id") in new][:6]
    if shown:
        parts = ["%s (%s)" % (clean(s.get("id", "?"), 40), clean(s.get("first_seen_local", ""), 24))
                 for s in shown]
        more = len(new or sites) - len(shown)
        print("            %s: %s%s" % ("new sites" if new and a.get("type") == "campaign_grew"
                                        else "sites", ", ".join(parts),
                                        (" and %d more" % more) if more > 0 else ""), flush=True)
    ind = a.get("indicators") or []
    if ind:
        print("            indicators: %s" % ", ".join(
            "%s %s" % (clean(i.get("type", "?"), 12), clean(i.get("value", ""), 48))
            for i in ind[:3]), flush=True)


def sim_now(clock):
    """The simulated time the writer has reached, from clock.json."""
    try:
        with open(clock, encoding="utf-8") as f:
            c = json.load(f)
    except (OSError, ValueError):
        return None
    ms = c["sim_start"] + (time.time() * 1000 - c["wall_start"]) * c["speed"]
    return datetime.fromtimestamp(ms / 1000, timezone.utc)


def watch(a):
    color = sys.stdout.isatty()
    zone = ZoneInfo(a.zone)
    pos = 0
    partial = b""
    last_status = time.monotonic()
    nalerts = 0
    while True:
        stopping = os.path.exists(a.until_file)
        if os.path.exists(a.alerts):
            with open(a.alerts, "rb") as f:
                f.seek(pos)
                data = f.read()
            pos += len(data)
            partial += data
            *lines, partial = partial.split(b"\n")
            for line in lines:
                if not line.strip():
                    continue
                try:
                    show_alert(json.loads(line), color)
                    nalerts += 1
                except (ValueError, AttributeError):
                    print("  (an alert line that is not JSON: %s)" % clean(line, 60), flush=True)
        if stopping:
            break
        if time.monotonic() - last_status >= a.status:
            last_status = time.monotonic()
            t = sim_now(a.clock) if a.clock else None
            n = counts(a.store)
            when = t.astimezone(zone).strftime("%H:%M %Z") if t else "--:--"
            if n is not None:
                print("  .. simulated %s: %d incidents, %d campaigns, %d alerts so far"
                      % (when, n[0], n[1], n[2]), flush=True)
        time.sleep(a.interval)
    return nalerts


def summary(a):
    db = connect(a.store)
    rows = db.execute("SELECT site, kind, severity, event_count FROM incidents").fetchall()
    by_site = {}
    for site, kind, sev, n in rows:
        by_site.setdefault(site, {}).setdefault(kind, 0)
        by_site[site][kind] += n
    print("Incidents per site (%d in all)" % len(rows))
    print("  %-32s %5s  %s" % ("site", "count", "kinds (events)"))
    for site in sorted(by_site):
        kinds = by_site[site]
        print("  %-32s %5d  %s" % (clean(site, 32), sum(1 for r in rows if r[0] == site),
              ", ".join("%s (%d)" % (clean(k, 20), v) for k, v in sorted(kinds.items()))))
    return 0


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--store", required=True)
    ap.add_argument("--alerts")
    ap.add_argument("--clock")
    ap.add_argument("--zone", default="Asia/Makassar", help="zone of the status line")
    ap.add_argument("--summary", action="store_true")
    ap.add_argument("--until-file", default="/nonexistent/stop")
    ap.add_argument("--interval", type=float, default=0.5)
    ap.add_argument("--status", type=float, default=10.0)
    a = ap.parse_args()
    if a.summary:
        return summary(a)
    if not a.alerts:
        ap.error("--alerts is needed without --summary")
    watch(a)
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt:     # Ctrl-C reaches the whole process group
        sys.exit(130)
