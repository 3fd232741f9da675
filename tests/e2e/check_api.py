#!/usr/bin/python3
"""check_api.py — the correlator's HTTP API against its store (tests/e2e/test_api.sh).

    check_api.py --url http://127.0.0.1:PORT --token TOKEN --db ronda.db \
        --schemas DIR --hostile-site SITE [--sinks kafka,file]

Every endpoint, with and without the token, with malformed queries; replies
validated against schemas/*.schema.json; pages followed to the end; numbers
compared with the store (read-only); /metrics parsed as Prometheus text and
its counters compared with the store's. Prints one line per group of
checks (FAIL: and the reason for a group that failed); exits 1 if any failed.
"""
import argparse
import http.client
import json
import math
import re
import sqlite3
import sys
import time
import urllib.parse
from datetime import datetime

import jsonschema

ESC = b"\x1b"


class Failed(Exception):
    pass


def check(cond, msg):
    if not cond:
        raise Failed(msg)


class Api:
    def __init__(self, url, token):
        u = urllib.parse.urlsplit(url)
        self.host, self.port = u.hostname, u.port
        self.token = token

    def raw(self, method, path, headers=None, body=None):
        """(status, headers dict lower-cased, body bytes) over a fresh connection."""
        c = http.client.HTTPConnection(self.host, self.port, timeout=30)
        try:
            c.request(method, path, body=body, headers=headers or {})
            r = c.getresponse()
            data = r.read()
            return r.status, {k.lower(): v for k, v in r.getheaders()}, data
        finally:
            c.close()

    def get(self, path, token=True, want=200):
        h = {"Authorization": "Bearer " + self.token} if token else {}
        st, hd, data = self.raw("GET", path, h)
        check(st == want, "GET %s: %d, want %d: %r" % (path, st, want, data[:300]))
        check(ESC not in data, "GET %s: a raw ESC byte in the reply" % path)
        data.decode("utf-8")    # strict: every reply is valid UTF-8
        if hd.get("content-type", "").startswith("application/json"):
            return hd, json.loads(data)
        return hd, data


def validator(schemas, name):
    fc = jsonschema.FormatChecker()

    @fc.checks("date-time", raises=ValueError)
    def date_time(s):
        if not isinstance(s, str):
            return True
        if not re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)", s):
            raise ValueError("not RFC 3339: %r" % s)
        datetime.fromisoformat(s.replace("Z", "+00:00"))
        return True
    schema = json.load(open("%s/%s" % (schemas, name)))
    v = jsonschema.Draft202012Validator(schema, format_checker=fc)

    def validate(obj, where):
        errs = ["%s at %s" % (e.message[:200], list(e.absolute_path)) for e in v.iter_errors(obj)]
        check(not errs, "%s does not validate against %s: %s" % (where, name, errs[:3]))
    return validate


def q1(db, sql, *args):
    return db.execute(sql, args).fetchone()[0]


def ms(ts):
    return int(datetime.fromisoformat(ts.replace("Z", "+00:00")).timestamp() * 1000)


# --- groups of checks ---------------------------------------------------------

def check_health(api):
    hd, h = api.get("/healthz", token=False)
    check(hd["content-type"].startswith("application/json"), "healthz content type")
    check(h["status"] == "ok" and h["consuming"] is True and h["store"] is True,
          "healthz: %r" % h)
    check(h["partitions"] > 0 and h["events"] > 0 and h["last_commit"], "healthz: %r" % h)
    return "healthz: 200 %s, %d partitions, lag %s" % (h["status"], h["partitions"], h["lag"])


def check_auth(api):
    paths = ["/api/v1/incidents", "/api/v1/campaigns", "/api/v1/sites", "/api/v1/summary",
             "/api/v1/incidents/00000000000000000000000000000000", "/api/v1/nothing",
             "/api/v1/incidents?since=bad"]
    wrong = [None, "Bearer wrong-token-0123456789", "Bearer " + api.token[:-1],
             "Bearer " + api.token + "x", "Basic " + api.token, "bearer", "Bearer ",
             "Token " + api.token]
    n = 0
    for p in paths:
        for w in wrong:
            st, hd, data = api.raw("GET", p, {} if w is None else {"Authorization": w})
            check(st == 401, "GET %s with %r: %d, want 401" % (p, w, st))
            check(hd.get("www-authenticate", "").startswith('Bearer realm="ronda"'),
                  "GET %s: 401 without WWW-Authenticate: %r" % (p, hd))
            if w is not None and w.startswith("Bearer ") and len(w) > 7:
                check('error="invalid_token"' in hd["www-authenticate"],
                      "a wrong token: WWW-Authenticate %r" % hd["www-authenticate"])
            j = json.loads(data)
            check(j["status"] == 401 and j["error"] == "unauthorized" and j["message"],
                  "401 body: %r" % j)
            n += 1
    # The scheme is case-insensitive (RFC 7235); the token is not.
    st, _, _ = api.raw("GET", "/api/v1/sites", {"Authorization": "bearer " + api.token})
    check(st == 200, "'bearer' scheme in lower case: %d" % st)
    st, _, _ = api.raw("GET", "/api/v1/sites", {"Authorization": "Bearer " + api.token.upper()})
    check(st == 401, "token compared case-insensitively")
    # /healthz and /metrics need no token.
    for p in ("/healthz", "/metrics"):
        st, _, _ = api.raw("GET", p)
        check(st == 200, "%s without a token: %d" % (p, st))
    return "auth: %d requests without or with a wrong token got 401 + WWW-Authenticate" % n


def check_errors(api):
    tok = {"Authorization": "Bearer " + api.token}
    bad = [
        "/api/v1/incidents?since=bad", "/api/v1/incidents?since=3x",
        "/api/v1/incidents?until=yesterday", "/api/v1/incidents?now=soon",
        "/api/v1/incidents?limit=0", "/api/v1/incidents?limit=abc",
        "/api/v1/incidents?limit=1001", "/api/v1/incidents?limit=-5",
        "/api/v1/incidents?limit=99999999999999999999", "/api/v1/incidents?offset=x",
        "/api/v1/incidents?foo=1", "/api/v1/incidents?site=%zz", "/api/v1/incidents?site=%4",
        "/api/v1/incidents?site=%", "/api/v1/incidents?site=a%00b", "/api/v1/incidents?site=%1b%5b2J",
        "/api/v1/incidents?site=%ff%fe", "/api/v1/incidents?limit=5&limit=6",
        "/api/v1/incidents?limit", "/api/v1/incidents?severity=urgent",
        "/api/v1/incidents?kind=nothing", "/api/v1/incidents?status=sleeping",
        "/api/v1/incidents?cursor=not-a-cursor", "/api/v1/incidents?cursor=x&offset=1",
        "/api/v1/incidents?" + "&".join("p%d=1" % i for i in range(20)),
        "/api/v1/incidents?site=" + "a" * 300, "/api/v1/incidents?SINCE=24h",
        "/api/v1/campaigns?since=bad", "/api/v1/campaigns?status=sleeping",
        "/api/v1/sites?since=24h", "/api/v1/summary?limit=5", "/api/v1/summary?since=%",
        "/api/v1/incidents/00000000000000000000000000000000?x=1",
        "/api/v1/incidents/%1b%5b2J", "/api/v1/incidents/xyz",
    ]
    for p in bad:
        st, hd, data = api.raw("GET", p, tok)
        check(st == 400, "GET %s: %d, want 400: %r" % (p, st, data[:200]))
        check(ESC not in data, "GET %s: raw ESC in the error" % p)
        j = json.loads(data)
        check(j["error"] == "bad_request" and j["status"] == 400 and len(j["message"]) > 5,
              "GET %s: 400 body %r" % (p, j))
    notfound = ["/api/v1/nothing", "/api/v2/incidents", "/api/v1/incidents/", "/api/v1/",
                "/api/v1/incidents/ffffffffffffffffffffffffffffffff",
                "/api/v1/incidents/ffffffffffffffffffffffffffffffff/evidence",
                "/nothing", "/metrics/x",
                "/api/v1/campaigns/no-such-campaign"]
    # "/" is the dashboard's page (docs/dashboard.md): HTML, no data, no token needed.
    st, hd, data = api.raw("GET", "/", None)
    check(st == 200 and hd.get("content-type", "").startswith("text/html"),
          "GET /: %d %r, want the dashboard page" % (st, hd.get("content-type")))
    for p in notfound:
        st, hd, data = api.raw("GET", p, tok)
        check(st == 404, "GET %s: %d, want 404: %r" % (p, st, data[:200]))
        check(json.loads(data)["error"] == "not_found", "GET %s: 404 body" % p)
    for m in ("POST", "PUT", "DELETE", "PATCH", "OPTIONS", "HEAD"):
        for p in ("/api/v1/incidents", "/metrics", "/healthz"):
            st, hd, data = api.raw(m, p, tok, body=b"{}" if m in ("POST", "PUT") else None)
            check(st == 405, "%s %s: %d, want 405" % (m, p, st))
            check(hd.get("allow") == "GET", "%s %s: Allow %r" % (m, p, hd.get("allow")))
    return "errors: %d malformed queries 400, %d unknown paths 404, 18 other methods 405 (JSON)" % (
        len(bad), len(notfound))


def follow(api, path, key, validate=None):
    """Every item of a paginated list, following `next`; checks the envelope."""
    items, seen_pages, total = [], 0, None
    while path is not None:
        _, d = api.get(path)
        check(set(d) >= {key, "count", "total", "limit", "next", "next_cursor"},
              "%s: envelope %r" % (path, sorted(d)))
        check(d["count"] == len(d[key]), "%s: count %d of %d items" % (path, d["count"], len(d[key])))
        check(total is None or d["total"] == total, "%s: total changed between pages" % path)
        total = d["total"]
        if validate:
            for it in d[key]:
                validate(it, path)
        items += d[key]
        seen_pages += 1
        check(seen_pages < 1000, "%s: more than 1000 pages" % path)
        if d["next"] is not None:
            check(d["count"] == d["limit"], "%s: a short page with a next link" % path)
            check(d["next"].startswith(urllib.parse.urlsplit(path).path + "?"),
                  "next link %r" % d["next"])
        path = d["next"]
    return items, total, seen_pages


def check_incidents(api, db, schemas, hostile_site):
    validate = validator(schemas, "incident.schema.json")
    n = q1(db, "SELECT count(*) FROM incidents")
    check(n > 50, "only %d incidents in the store" % n)
    items, total, pages = follow(api, "/api/v1/incidents?limit=37", "incidents", validate)
    ids = [i["id"] for i in items]
    check(total == n and len(ids) == n, "incidents: %d listed, total %d, store %d" % (len(ids), total, n))
    check(len(set(ids)) == n, "incidents: duplicates across pages")
    keys = [(ms(i["last_seen"]), i["id"]) for i in items]
    check(all(keys[k][0] >= keys[k + 1][0] for k in range(len(keys) - 1)),
          "incidents: not newest last_seen first")
    # The default page and the largest one.
    _, d = api.get("/api/v1/incidents")
    check(d["limit"] == 50 and d["count"] == min(50, n), "default page: %r" % {k: d[k] for k in ("limit", "count")})
    _, d = api.get("/api/v1/incidents?limit=1000")
    check(d["count"] == min(1000, n), "limit=1000: %d" % d["count"])
    # offset paging gives the same order.
    _, d = api.get("/api/v1/incidents?limit=10&offset=10")
    check([i["id"] for i in d["incidents"]] == ids[10:20], "offset=10 is not the second page")
    # Filters, against the store.
    sev = {"low": 1, "medium": 2, "high": 3, "critical": 4}
    _, d = api.get("/api/v1/incidents?site=%s&severity=high&limit=1000" % hostile_site)
    want = q1(db, "SELECT count(*) FROM incidents WHERE site = ? AND severity IN ('high', 'critical')",
              hostile_site)
    check(d["total"] == want and all(i["site"] == hostile_site and sev[i["severity"]] >= 3
                                     for i in d["incidents"]),
          "site + severity filter: %d, store %d" % (d["total"], want))
    kind = q1(db, "SELECT kind FROM incidents GROUP BY kind ORDER BY count(*) DESC LIMIT 1")
    _, d = api.get("/api/v1/incidents?kind=%s&status=open&limit=5" % kind)
    want = q1(db, "SELECT count(*) FROM incidents WHERE kind = ? AND status = 'open'", kind)
    check(d["total"] == want and all(i["kind"] == kind and i["status"] == "open" for i in d["incidents"]),
          "kind + status filter: %d, store %d" % (d["total"], want))
    # since/until as RFC 3339, and relative to now=latest; the next link keeps them absolute.
    mid = q1(db, "SELECT last_seen FROM incidents ORDER BY last_seen LIMIT 1 OFFSET ?", n // 2)
    since = datetime.utcfromtimestamp(mid / 1000).strftime("%Y-%m-%dT%H:%M:%S.") + "%03dZ" % (mid % 1000)
    _, d = api.get("/api/v1/incidents?limit=5&since=" + urllib.parse.quote(since))
    want = q1(db, "SELECT count(*) FROM incidents WHERE last_seen >= ?", mid)
    check(d["total"] == want, "since=%s: %d, store %d" % (since, d["total"], want))
    check(d["next"] is None or "since=" + urllib.parse.quote(since, safe="") in d["next"] or
          "since=" in d["next"], "next link lost since: %r" % d["next"])
    _, d = api.get("/api/v1/incidents?since=24h")
    check(d["total"] == 0, "since=24h of the wall clock matched replayed data: %d" % d["total"])
    _, d = api.get("/api/v1/incidents?since=2h&now=latest&limit=1")
    check(0 < d["total"] < n, "since=2h&now=latest: %d of %d" % (d["total"], n))
    # Percent-encoded and '+' values decode.
    _, d = api.get("/api/v1/incidents?site=%s&limit=1" % urllib.parse.quote(hostile_site, safe=""))
    check(d["total"] > 0, "percent-encoded site matched nothing")
    # One incident, and the attacker's escape sequence kept intact but escaped.
    hid = q1(db, "SELECT e.incident_id FROM evidence e JOIN incidents i ON i.id = e.incident_id "
                 "WHERE i.site = ? AND e.line LIKE '%' || char(27) || '[2J%' LIMIT 1", hostile_site)
    check(hid is not None, "no evidence line with ESC [2J in the store")
    st, hd, raw = api.raw("GET", "/api/v1/incidents/" + hid, {"Authorization": "Bearer " + api.token})
    check(st == 200 and ESC not in raw, "incident %s: %d, raw ESC %s" % (hid, st, ESC in raw))
    check(b"\\u001b[2J" in raw, "incident %s: ESC [2J not written as \\u001b[2J" % hid)
    inc = json.loads(raw)
    validate(inc, "/api/v1/incidents/" + hid)
    check(inc["id"] == hid and any("\x1b[2J" in e["line"] for e in inc["evidence"]),
          "incident %s: the evidence line did not round-trip" % hid)
    _, d = api.get("/api/v1/incidents?kind=su_bruteforce&site=" + hostile_site)
    check(d["total"] == 1 and d["incidents"][0]["key"].startswith("\x1b[2J"),
          "the hostile su account as an incident key: %r" % [i["key"] for i in d["incidents"]])
    for i in items[:5]:
        _, one = api.get("/api/v1/incidents/" + i["id"])
        validate(one, "incident " + i["id"])
        check(one["id"] == i["id"], "incident by id")
    return "incidents: %d in %d pages of 37 match the store and the schema; filters, since, " \
           "now=latest, offset; ESC [2J escaped as \\u001b[2J" % (n, pages)


def check_campaigns(api, db, schemas):
    import os
    have = os.path.exists("%s/campaign.schema.json" % schemas)
    validate = validator(schemas, "campaign.schema.json") if have else None
    n = q1(db, "SELECT count(*) FROM campaigns WHERE status <> 'merged'")
    items, total, pages = follow(api, "/api/v1/campaigns?limit=3", "campaigns", validate)
    check(total == n and len(items) == n, "campaigns: %d listed, total %d, store %d" % (len(items), total, n))
    for c in items[:3]:
        _, one = api.get("/api/v1/campaigns/" + urllib.parse.quote(c["id"], safe=""))
        if validate:
            validate(one, "campaign " + c["id"])
        check(one["id"] == c["id"], "campaign by id")
    _, d = api.get("/api/v1/campaigns?status=active&limit=1000")
    want = q1(db, "SELECT count(*) FROM campaigns WHERE status = 'active'")
    check(d["total"] == want, "campaigns status=active: %d, store %d" % (d["total"], want))
    return "campaigns: %d in %d pages%s" % (n, pages, " validated" if have else
                                             " (no campaign.schema.json yet: not validated)")


def check_sites(api, db, schemas):
    validate = validator(schemas, "site.schema.json")
    _, d = api.get("/api/v1/sites")
    check(d["count"] == len(d["sites"]) and d["count"] > 0, "sites: %r" % d.get("count"))
    for s in d["sites"]:
        validate(s, "/api/v1/sites")
    configured = q1(db, "SELECT count(*) FROM site_info")
    check(d["count"] >= configured, "sites: %d, %d configured" % (d["count"], configured))
    sid = d["sites"][0]["id"]
    _, one = api.get("/api/v1/sites?site=" + urllib.parse.quote(sid, safe=""))
    check(one["count"] == 1 and one["sites"][0]["id"] == sid, "sites?site=")
    # The two clocks as the store keeps them: event time (last_event, late) and
    # processing time (last_heard = last_heartbeat, events_heard), never mixed.
    row = db.execute("SELECT value FROM settings WHERE name = 'silent_after_ms'").fetchone()
    after = row[0] if row else 15 * 60 * 1000
    stored = {r[0]: r[1:] for r in db.execute(
        "SELECT id, last_event, last_heartbeat, late, events_heard FROM sites").fetchall()}
    for s in d["sites"]:
        check(s["silent_after_ms"] == after, "site %s: silent_after_ms %r, store %r" %
              (s["id"], s["silent_after_ms"], after))
        check(s["last_heartbeat"] == s["last_heard"], "site %s: last_heartbeat is not last_heard" % s["id"])
        if s["id"] not in stored:
            continue
        le, hb, late, eh = stored[s["id"]]
        got = [round(datetime.fromisoformat(s[k].replace("Z", "+00:00")).timestamp() * 1000)
               if s[k] else 0 for k in ("last_event", "last_heard", "events_heard")]
        check(got == [le, hb, eh] and s["late"] == late,
              "site %s: %r late %r, store %r late %r" % (s["id"], got, s["late"], [le, hb, eh], late))
    return "sites: %d, schema-valid, clocks as stored" % d["count"]


def check_summary(api, db, schemas):
    validate = validator(schemas, "summary.schema.json")
    _, d = api.get("/api/v1/summary?now=latest")
    validate(d, "/api/v1/summary?now=latest")
    check(d["totals"]["incidents"] > 0, "summary of the last 24 h before the newest event is empty")
    first = q1(db, "SELECT min(first_seen) FROM incidents")
    since = datetime.utcfromtimestamp(first / 1000 - 86400).strftime("%Y-%m-%d")
    _, d = api.get("/api/v1/summary?since=" + since)
    validate(d, "/api/v1/summary?since=" + since)
    n = q1(db, "SELECT count(*) FROM incidents")
    check(d["totals"]["incidents"] == n, "summary since %s: %d, store %d" % (since, d["totals"]["incidents"], n))
    _, d = api.get("/api/v1/summary")
    check(d["totals"]["incidents"] == 0, "summary defaults to the last 24 h of the wall clock")
    return "summary: schema-valid, whole store = %d incidents, default last 24 h" % n


SAMPLE = re.compile(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{([a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\n]|\\[\\"n])*"'
                    r'(?:,[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\n]|\\[\\"n])*")*)?\})? (\S+)$')


def parse_prometheus(text):
    """{(name, labels tuple): value}; raises Failed on anything not text format 0.0.4."""
    types, helps, out = {}, {}, {}
    for ln, line in enumerate(text.split("\n"), 1):
        if line == "":
            continue
        if line.startswith("# HELP "):
            name = line.split(" ", 3)[2]
            check(name not in helps, "line %d: HELP of %s twice" % (ln, name))
            helps[name] = True
            continue
        if line.startswith("# TYPE "):
            parts = line.split(" ")
            check(len(parts) == 4 and parts[3] in ("counter", "gauge", "histogram", "summary", "untyped"),
                  "line %d: %r" % (ln, line))
            check(parts[2] not in types, "line %d: TYPE of %s twice" % (ln, parts[2]))
            types[parts[2]] = parts[3]
            continue
        check(not line.startswith("#"), "line %d: comment %r" % (ln, line))
        m = SAMPLE.match(line)
        check(m is not None, "line %d: not a sample: %r" % (ln, line))
        name, labels, value = m.group(1), m.group(3) or "", m.group(4)
        check(name in types, "line %d: %s has no TYPE before it" % (ln, name))
        if types[name] == "counter":
            check(name.endswith("_total"), "counter %s without _total" % name)
        v = float(value)
        check(not math.isnan(v), "line %d: NaN" % ln)
        lab = tuple(sorted(re.findall(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"', labels)))
        check((name, lab) not in out, "line %d: %s%s twice" % (ln, name, lab))
        out[(name, lab)] = v
    return out


def check_metrics(api, db, sinks):
    """The alert sinks deliver on their own clock: compare again for a few seconds."""
    for attempt in range(20):
        try:
            return check_metrics_once(api, db, sinks)
        except Failed:
            if attempt == 19:
                raise
            time.sleep(0.5)


def check_metrics_once(api, db, sinks):
    hd, body = api.get("/metrics", token=False)
    check(hd["content-type"].startswith("text/plain; version=0.0.4"), "metrics content type %r" % hd["content-type"])
    m = parse_prometheus(body.decode())

    def val(name, **labels):
        key = (name, tuple(sorted(labels.items())))
        check(key in m, "/metrics has no %s%s" % (name, labels or ""))
        return m[key]
    counters = dict(db.execute("SELECT name, value FROM counters").fetchall())
    pairs = [("ronda_events_consumed_total", "events"), ("ronda_duplicates_dropped_total", "duplicates"),
             ("ronda_dlq_messages_total", "dlq"), ("ronda_late_events_total", "late"),
             ("ronda_batches_total", "batches"), ("ronda_window_evictions_total", "window_evicted"),
             ("ronda_dedupe_evictions_total", "dedupe_evicted"), ("ronda_offset_gaps_total", "offset_gaps"),
             ("ronda_metric_events_total", "metric_events")]
    for metric, counter in pairs:
        check(val(metric) == counters.get(counter, 0),
              "%s %s, store counter %s = %s" % (metric, val(metric), counter, counters.get(counter)))
    check(val("ronda_events_consumed_total") > 0, "no events consumed")
    check(val("ronda_events_rejected_total", reason="schema") == counters.get("rejected_schema", 0),
          "rejected schema")
    check(val("ronda_incidents_open") == q1(db, "SELECT count(*) FROM incidents WHERE status <> 'closed'"),
          "ronda_incidents_open %s" % val("ronda_incidents_open"))
    check(val("ronda_campaigns_active") == q1(db, "SELECT count(*) FROM campaigns WHERE status = 'active'"),
          "ronda_campaigns_active")
    for sid, late, heard in db.execute("SELECT id, late, last_heartbeat FROM sites ORDER BY known DESC,"
                                       " late DESC, id LIMIT 1000").fetchall():
        check(val("ronda_site_late_events_total", site=sid) == late,
              "late events of %s: %s, store %d" % (sid, val("ronda_site_late_events_total", site=sid), late))
        if heard > 0:
            check(val("ronda_site_heard_age_seconds", site=sid) >= 0, "heard age of %s" % sid)
    for sink in sinks:
        # Sinks deliver in outbox order: pending is what lies above the last confirmed.
        want = q1(db, "SELECT count(*) FROM alerts WHERE seq > coalesce((SELECT alert_seq FROM "
                      "alert_deliveries WHERE sink = ? AND delivered <> 0 ORDER BY alert_seq DESC "
                      "LIMIT 1), 0)", sink)
        check(val("ronda_alerts_pending", sink=sink) == want,
              "alerts pending for %s: %s, store %d" % (sink, val("ronda_alerts_pending", sink=sink), want))
    check(val("ronda_consumer_lag_messages") == 0, "lag %s after everything was consumed" %
          val("ronda_consumer_lag_messages"))
    check(val("ronda_consumer_up") == 1 and val("ronda_consumer_partitions") > 0, "consumer up")
    check(val("ronda_window_entries") >= 0 and val("ronda_store_errors_total", op="commit") == 0,
          "window / store errors")
    check(val("ronda_api_requests_total", code="401") > 0 and val("ronda_api_requests_total", code="400") > 0,
          "request counters")
    return "metrics: %d samples parse as Prometheus text; events %d, open incidents %d, " \
           "pending alerts %s match the store" % (len(m), val("ronda_events_consumed_total"),
                                                  val("ronda_incidents_open"),
                                                  {s: val("ronda_alerts_pending", sink=s) for s in sinks})


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--url", required=True)
    ap.add_argument("--token", required=True)
    ap.add_argument("--db", required=True)
    ap.add_argument("--schemas", required=True)
    ap.add_argument("--hostile-site", required=True)
    ap.add_argument("--sinks", default="")
    a = ap.parse_args()
    api = Api(a.url, a.token)
    db = sqlite3.connect("file:%s?mode=ro" % a.db, uri=True, timeout=10)
    sinks = [s for s in a.sinks.split(",") if s]
    groups = [lambda: check_health(api), lambda: check_auth(api), lambda: check_errors(api),
              lambda: check_incidents(api, db, a.schemas, a.hostile_site),
              lambda: check_campaigns(api, db, a.schemas), lambda: check_sites(api, db, a.schemas),
              lambda: check_summary(api, db, a.schemas), lambda: check_metrics(api, db, sinks)]
    failed = 0
    for g in groups:
        try:
            print("api: " + g(), flush=True)
        except Failed as e:
            print("FAIL: %s" % e, file=sys.stderr, flush=True)
            failed += 1
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
