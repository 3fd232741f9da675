#!/usr/bin/python3
"""Drive the correlator's dashboard in headless Chromium (Selenium) and check
what it shows against the API it reads. Used by tests/e2e/test_dashboard.sh.

    check_dashboard.py --url http://127.0.0.1:PORT --token READ_TOKEN
        [--analyst-token TOKEN] [--hostile-site SITE] [--hostile-marker TEXT]
        [--screenshot PATH] [--out RESULT.json] [--factor 1]

Checks, in order (each prints one line; the first failure exits 1):
  headers     the page and its files carry CSP (no inline script, no eval,
              Trusted Types), nosniff, no-referrer, DENY, Cache-Control; the
              page needs no token and holds no data; other paths 404
  login       a wrong token is refused on the page; the read token signs in
  campaigns   the campaigns now: active and quiet ones, the number and the
              titles the API lists, in status then recency order
  timeline    a campaign page's SVG: one row per site in the API's hit order,
              each label with the site's zone (WIB/WITA/WIT), one mark per
              member incident with its kind, a legend of exactly those kinds
  hostile     the planted User-Agent's <script> and <img onerror> show as
              text in the incident's evidence; no script ran, no alert, no
              element was made from them
  filters     incidents filtered by severity: the count the API gives
  sites       one row per site of /api/v1/sites, coverage shown
  summary     the totals of /api/v1/summary
  language    Indonesian by default, English after the switch, kept on reload
  readonly    a read token sees no triage controls
  triage      (analyst token, when /api/v1/whoami says it may write)
              acknowledge and close a campaign, acknowledge an incident from
              the page; their ids go to --out for the audit check in SQL
  console     no script error and no CSP or Trusted Types violation logged
"""
import argparse
import json
import os
import re
import sys
import tempfile
import time
import urllib.error
import urllib.request

from selenium import webdriver
from selenium.common.exceptions import NoAlertPresentException, TimeoutException
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select, WebDriverWait

ZONES = {"Asia/Jakarta": "WIB", "Asia/Pontianak": "WIB", "Asia/Makassar": "WITA",
         "Asia/Jayapura": "WIT"}


class Failed(Exception):
    pass


def check(cond, msg):
    if not cond:
        raise Failed(msg)


class Api:
    def __init__(self, url, token):
        self.url, self.token = url, token

    def get(self, path):
        req = urllib.request.Request(self.url + path,
                                     headers={"Authorization": "Bearer " + self.token})
        with urllib.request.urlopen(req, timeout=30) as r:
            return json.load(r)


def raw(url, headers=None):
    req = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.urlopen(req, timeout=30) as r:
            return r.status, dict(r.headers), r.read()
    except urllib.error.HTTPError as e:
        return e.code, dict(e.headers), e.read()


def check_headers(url):
    for path, ctype in (("/", "text/html"), ("/dashboard/app.js", "text/javascript"),
                        ("/dashboard/i18n.js", "text/javascript"),
                        ("/dashboard/app.css", "text/css")):
        code, h, body = raw(url + path)
        check(code == 200, "%s: HTTP %d without a token" % (path, code))
        check(h.get("Content-Type", "").startswith(ctype), "%s: Content-Type %s" % (path, h.get("Content-Type")))
        csp = h.get("Content-Security-Policy", "")
        for want in ("default-src 'self'", "script-src 'self'", "object-src 'none'",
                     "frame-ancestors 'none'", "require-trusted-types-for 'script'"):
            check(want in csp, "%s: CSP lacks %s: %s" % (path, want, csp))
        check("unsafe-inline" not in csp and "unsafe-eval" not in csp, "%s: CSP allows inline/eval" % path)
        check(h.get("X-Content-Type-Options") == "nosniff", "%s: no nosniff" % path)
        check(h.get("Referrer-Policy") == "no-referrer", "%s: Referrer-Policy" % path)
        check(h.get("X-Frame-Options") == "DENY", "%s: X-Frame-Options" % path)
        check(h.get("Cache-Control"), "%s: no Cache-Control" % path)
        if path == "/":
            text = body.decode()
            check("<script>" not in text and not re.search(r"\son[a-z]+\s*=", text) and
                  "javascript:" not in text, "the page has inline script or handlers")
            check("<script src=\"dashboard/app.js\"" in text, "the page does not load dashboard/app.js")
            etag = h.get("ETag")
            code2, _, _ = raw(url + path, {"If-None-Match": etag})
            check(code2 == 304, "If-None-Match %s: HTTP %d, want 304" % (etag, code2))
    code, h, _ = raw(url + "/dashboard/nothing.js")
    check(code == 404 and "Content-Security-Policy" in h, "/dashboard/nothing.js: HTTP %d" % code)
    code, _, _ = raw(url + "/dashboard/../api/v1/sites")
    check(code in (400, 401, 404), "/dashboard/../api: HTTP %d" % code)
    code, _, _ = raw(url + "/api/v1/sites")
    check(code == 401, "/api/v1/sites without a token: HTTP %d" % code)
    print("dashboard: headers: CSP (self, no inline, no eval, Trusted Types), nosniff, "
          "no-referrer, DENY, Cache-Control + ETag/304 on the page and its files")


def new_driver(tmp, width=1400, height=1000):
    opts = webdriver.ChromeOptions()
    opts.binary_location = "/usr/bin/chromium"
    for a in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
              "--window-size=%d,%d" % (width, height), "--user-data-dir=" + tmp + "/profile",
              "--no-first-run", "--disable-extensions", "--disable-background-networking",
              "--disable-component-update", "--disable-sync", "--disable-default-apps",
              "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
              "--lang=en-US"):
        opts.add_argument(a)
    opts.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    svc = Service("/usr/bin/chromedriver", log_path=os.path.join(tmp, "chromedriver.log"))
    return webdriver.Chrome(service=svc, options=opts)


class Page:
    def __init__(self, drv, url, factor):
        self.d, self.url, self.factor = drv, url, factor
        self.console = []

    def wait(self, fn, what, seconds=20):
        try:
            return WebDriverWait(self.d, seconds * self.factor, poll_frequency=0.1).until(lambda d: fn())
        except TimeoutException:
            raise Failed("timed out waiting for " + what)

    def js(self, script, *args):
        return self.d.execute_script(script, *args)

    def go(self, hash_):
        self.js("location.hash = arguments[0]", hash_)

    def view_ready(self, view):
        return self.wait(lambda: self.js(
            "const m = document.getElementById('main');"
            "return m.dataset.view === arguments[0] && !m.querySelector('p.muted:only-child') &&"
            " m.children.length > 0", view), "the %s view" % view)

    def no_alert(self):
        try:
            a = self.d.switch_to.alert
            text = a.text
            a.dismiss()
            raise Failed("an alert dialog opened: %r" % text)
        except NoAlertPresentException:
            pass

    def drain_console(self):
        try:
            self.console.extend(self.d.get_log("browser"))
        except Exception:  # noqa: BLE001 - a driver without logs
            pass

    def login(self, token):
        self.wait(lambda: self.js("return !document.getElementById('login').hidden"), "the login form")
        box = self.d.find_element(By.ID, "token")
        box.clear()
        box.send_keys(token)
        self.d.find_element(By.CSS_SELECTOR, "#login-form button[type=submit]").click()

    def logout(self):
        self.d.find_element(By.ID, "logout").click()
        self.wait(lambda: self.js("return !document.getElementById('login').hidden"), "signed out")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--url", required=True)
    ap.add_argument("--token", required=True)
    ap.add_argument("--analyst-token")
    ap.add_argument("--hostile-site")
    ap.add_argument("--hostile-marker", default="window.__pwned")
    ap.add_argument("--screenshot")
    ap.add_argument("--out")
    ap.add_argument("--factor", type=float, default=1.0)
    a = ap.parse_args()
    api = Api(a.url, a.token)
    result = {"triage": False}

    check_headers(a.url)

    tmp = tempfile.mkdtemp(prefix="ronda-chromium-", dir=os.environ.get("RONDA_TMP"))
    drv = new_driver(tmp)
    drv.set_page_load_timeout(30 * a.factor)
    drv.set_script_timeout(30 * a.factor)
    p = Page(drv, a.url, a.factor)
    try:
        t0 = time.monotonic()
        drv.get(a.url + "/")
        check(p.js("return document.documentElement.lang") == "id", "the page is not Indonesian by default")
        check(p.d.find_element(By.CSS_SELECTOR, "#login h1").text == "Masuk ke Ronda", "login title not Indonesian")
        p.login("wrong-token-0123456789abcdef")
        p.wait(lambda: p.d.find_element(By.ID, "login-error").text != "", "the refusal of a wrong token")
        check(p.js("return sessionStorage.getItem('ronda.token')") is None, "a wrong token was kept")
        p.drain_console()
        p.console = []      # the refused token's 401, logged by Chromium as a failed load
        p.login(a.token)
        p.wait(lambda: p.js("return document.getElementById('login').hidden"), "sign-in")
        check(p.js("return sessionStorage.getItem('ronda.token')") == a.token, "the token is not in sessionStorage")
        check(p.js("return localStorage.getItem('ronda.token')") is None, "the token leaked to localStorage")
        print("dashboard: login: a wrong token refused on the page, the read token signs in (sessionStorage)")

        # --- campaigns now ---------------------------------------------------------
        camps = api.get("/api/v1/campaigns?limit=200")["campaigns"]
        now = [c for c in camps if c["status"] in ("active", "quiet")]
        order = {"active": 0, "quiet": 1}
        now.sort(key=lambda c: (order[c["status"]], -time.mktime(time.strptime(c["last_seen"][:19], "%Y-%m-%dT%H:%M:%S"))))
        check(len(now) > 0, "the API lists no active campaign")
        p.view_ready("campaigns")
        p.wait(lambda: len(drv.find_elements(By.CSS_SELECTOR, "#campaign-list article.campaign")) == len(now),
               "%d campaign cards" % len(now))
        cards = drv.find_elements(By.CSS_SELECTOR, "#campaign-list article.campaign")
        titles = [c.find_element(By.CSS_SELECTOR, "h3 a").text for c in cards]
        check(titles == [c["title"] for c in now], "campaign titles %r, API %r" % (titles, [c["title"] for c in now]))
        ids = [c.get_attribute("data-id") for c in cards]
        check(ids == [c["id"] for c in now], "campaign order %r, API %r" % (ids, [c["id"] for c in now]))
        n_svg = len(drv.find_elements(By.CSS_SELECTOR, "#campaign-list svg.timeline"))
        check(n_svg == min(len(now), 12), "%d timelines on the campaigns page, want %d" % (n_svg, min(len(now), 12)))
        print("dashboard: campaigns: %d active/quiet, titles and order as the API: %s" %
              (len(now), "; ".join(titles)))
        result["campaigns"] = [c["title"] for c in now]

        # --- one campaign and its timeline ------------------------------------------
        target = max(now, key=lambda c: (c["site_count"] <= 10, c["site_count"]))
        detail = api.get("/api/v1/campaigns/" + target["id"])
        drv.find_element(By.CSS_SELECTOR, "#campaign-list article[data-id='%s'] h3 a" % target["id"]).click()
        p.view_ready("campaign")
        p.wait(lambda: drv.find_elements(By.CSS_SELECTOR, ".campaign-page svg.timeline g.row"), "the timeline")
        check(drv.find_element(By.ID, "campaign-title").text == detail["title"], "campaign page title")
        tl = p.js("""
            const svg = document.querySelector('.campaign-page svg.timeline');
            return {rows: [...svg.querySelectorAll('g.row')].map(g => ({site: g.dataset.site,
                      zone: g.dataset.zone, label: g.querySelector('text.label').textContent})),
                    marks: [...svg.querySelectorAll('g.mark')].map(g => ({kind: g.dataset.kind,
                      incident: g.dataset.incident, site: g.dataset.site,
                      title: g.querySelector('title').textContent})),
                    legend: [...document.querySelectorAll('.campaign-page .legend-item')].map(e => e.dataset.kind),
                    campaign: svg.dataset.campaign};""")
        sites = [s["site"] if isinstance(s, dict) else s for s in detail["sites"]]
        check([r["site"] for r in tl["rows"]] == sites,
              "timeline rows %r, API hit order %r" % ([r["site"] for r in tl["rows"]], sites))
        for r, s in zip(tl["rows"], detail["sites"]):
            zone = ZONES.get(s.get("timezone") if isinstance(s, dict) else None, "UTC")
            check(r["zone"] == zone and zone in r["label"] and r["site"] in r["label"],
                  "row %s: label %r, want zone %s" % (r["site"], r["label"], zone))
        incs = detail.get("incidents", [])
        check(len(tl["marks"]) == len(incs) and len(incs) > 0,
              "%d marks, %d member incidents" % (len(tl["marks"]), len(incs)))
        check(sorted(m["incident"] for m in tl["marks"]) == sorted(i["id"] for i in incs), "marks are not the incidents")
        by_id = {i["id"]: i for i in incs}
        for m in tl["marks"]:
            check(m["kind"] == by_id[m["incident"]]["kind"] and m["site"] == by_id[m["incident"]]["site"],
                  "mark %s: kind %s on %s" % (m["incident"], m["kind"], m["site"]))
            check("UTC:" in m["title"], "mark %s has no UTC time in its title" % m["incident"])
        check(sorted(tl["legend"]) == sorted({i["kind"] for i in incs}),
              "legend %r, kinds %r" % (tl["legend"], sorted({i["kind"] for i in incs})))
        zones = sorted({r["zone"] for r in tl["rows"]})
        rows_n = len(drv.find_elements(By.CSS_SELECTOR, ".sites-table tbody tr"))
        check(rows_n == len(sites), "sites table: %d rows, %d sites" % (rows_n, len(sites)))
        ev_n = len(drv.find_elements(By.CSS_SELECTOR, ".campaign-page table.evidence tbody tr"))
        check(ev_n == len(detail.get("evidence", [])), "evidence rows %d, API %d" % (ev_n, len(detail.get("evidence", []))))
        print("dashboard: timeline of '%s': %d rows in hit order (zones %s), %d marks of %d kinds, legend matches; "
              "%d sites and %d evidence lines listed" % (detail["title"], len(tl["rows"]), ",".join(zones),
                                                          len(tl["marks"]), len(tl["legend"]), rows_n, ev_n))
        result["campaign"] = target["id"]
        if a.screenshot:
            h = p.js("return Math.min(document.documentElement.scrollHeight, 1800)")
            drv.set_window_size(1400, max(1000, h))
            time.sleep(0.3)
            drv.save_screenshot(a.screenshot)
            drv.set_window_size(1400, 1000)
            print("dashboard: screenshot of the campaign page: %s" % a.screenshot)

        # --- the hostile User-Agent -------------------------------------------------
        if a.hostile_site:
            hostile = None
            for inc in api.get("/api/v1/incidents?limit=1000&site=" + a.hostile_site)["incidents"]:
                for e in inc.get("evidence", []):
                    if a.hostile_marker in e.get("line", ""):
                        hostile = (inc["id"], e["line"])
                        break
                if hostile:
                    break
            check(hostile is not None, "no incident of %s carries the planted line" % a.hostile_site)
            p.go("#/incident/" + hostile[0])
            p.view_ready("incident")
            texts = p.js("return [...document.querySelectorAll('.incident-page code.logline')].map(e => e.textContent)")
            check(hostile[1] in texts, "the hostile line is not shown as text: %r" % texts[:3])
            check("<script>" in hostile[1] and "onerror" in hostile[1], "the planted line lost its markup")
            stats = p.js("""return {pwned: typeof window.__pwned, scripts: document.scripts.length,
                imgs: [...document.images].map(i => i.getAttribute('src')),
                inLog: document.querySelectorAll('.logline *').length}""")
            check(stats["pwned"] == "undefined", "the payload ran: window.__pwned is %s" % stats["pwned"])
            check(stats["scripts"] == 2, "%d script elements (the page has 2)" % stats["scripts"])
            check("x" not in stats["imgs"], "an <img src=x> was made from the log line")
            check(stats["inLog"] == 0, "elements inside a log line")
            p.no_alert()
            print("dashboard: hostile User-Agent shown as text in incident %s; no script ran, no alert, "
                  "no element made from it" % hostile[0])

        # --- incidents with filters -----------------------------------------------
        p.go("#/incidents")
        p.view_ready("incidents")
        Select(drv.find_element(By.CSS_SELECTOR, "#incident-filters select[name=severity]")).select_by_value("critical")
        drv.find_element(By.CSS_SELECTOR, "#incident-filters button[type=submit]").click()
        want = api.get("/api/v1/incidents?severity=critical&limit=100")
        p.wait(lambda: "severity=critical" in p.js("return location.hash") and
               p.js("return document.getElementById('main').dataset.view") == "incidents" and
               len(drv.find_elements(By.CSS_SELECTOR, "#incident-table tbody tr")) == want["count"],
               "%d critical incidents" % want["count"])
        sevs = set(p.js("return [...document.querySelectorAll('#incident-table tbody tr .badge[class*=sev-]')]"
                        ".map(e => e.className)"))
        check(sevs == {"badge sev-critical"}, "filtered rows show %r" % sevs)
        print("dashboard: incidents: severity=critical gives %d rows (API total %d)" % (want["count"], want["total"]))

        # --- sites and the summary ---------------------------------------------------
        p.go("#/sites")
        p.view_ready("sites")
        site_list = api.get("/api/v1/sites")["sites"]
        shown = p.js("return [...document.querySelectorAll('#main tbody tr')].map(r => [r.dataset.site, r.dataset.coverage])")
        check([s[0] for s in shown] == [s["id"] for s in site_list], "sites rows differ from the API")
        print("dashboard: sites: %d rows with coverage (%s)" % (len(shown), ", ".join(sorted({s[1] for s in shown}))))
        p.go("#/summary")
        p.view_ready("summary")
        sm = api.get("/api/v1/summary?now=latest")
        big = p.js("return document.querySelector('.tiles .tile .big').textContent")
        check(big == str(sm["totals"]["incidents"]), "summary incidents %s, API %s" % (big, sm["totals"]["incidents"]))
        print("dashboard: summary: %s incidents, as /api/v1/summary" % big)

        # --- language ----------------------------------------------------------------
        nav = lambda: p.js("return document.querySelector('#nav a[data-view=campaigns]').textContent")  # noqa: E731
        check(nav() == "Kampanye", "nav reads %r in Indonesian" % nav())
        drv.find_element(By.ID, "lang").click()
        p.wait(lambda: nav() == "Campaigns" and p.js("return document.documentElement.lang") == "en", "English")
        p.view_ready("summary")
        head = p.js("return document.querySelector('#main h1').textContent")
        check(head == "Daily summary", "summary heading in English: %r" % head)
        drv.refresh()
        p.wait(lambda: p.js("return document.getElementById('main').dataset.view") == "summary", "reload")
        check(nav() == "Campaigns", "English not kept on reload")
        drv.find_element(By.ID, "lang").click()
        p.wait(lambda: nav() == "Kampanye", "back to Indonesian")
        print("dashboard: language: Indonesian by default, English on the switch and after a reload")

        # --- read-only: no triage controls --------------------------------------------
        p.go("#/campaign/" + target["id"])
        p.view_ready("campaign")
        check(not drv.find_elements(By.CSS_SELECTOR, ".triage-controls button"), "triage controls for a read token")
        print("dashboard: readonly: no triage controls for a read token")

        # --- triage from the page ---------------------------------------------------------
        if a.analyst_token:
            whoami = Api(a.url, a.analyst_token)
            try:
                me = whoami.get("/api/v1/whoami")
            except urllib.error.HTTPError as e:
                me = None
                print("dashboard: triage: /api/v1/whoami answers %d: triage not served, skipped" % e.code)
            if me and me.get("can_write"):
                p.logout()
                p.login(a.analyst_token)
                p.wait(lambda: p.js("return document.getElementById('login').hidden"), "analyst sign-in")
                p.wait(lambda: p.js("return document.getElementById('whoami').dataset.canWrite") == "1", "whoami")
                p.go("#/campaign/" + target["id"])
                p.view_ready("campaign")
                panel = lambda: p.js("return document.getElementById('triage').dataset.state")  # noqa: E731
                p.wait(lambda: drv.find_elements(By.CSS_SELECTOR, "#triage button[data-action=ack]"), "triage controls")
                drv.find_element(By.CSS_SELECTOR, "#triage button[data-action=ack]").click()
                p.wait(lambda: panel() == "acknowledged", "the campaign acknowledged")
                Select(drv.find_element(By.CSS_SELECTOR, "#triage select[name=reason]")).select_by_value("resolved")
                note = drv.find_element(By.CSS_SELECTOR, "#triage input[name=close_note]")
                note.send_keys("ditutup dari dasbor <b>uji</b>")
                drv.find_element(By.CSS_SELECTOR, "#triage button[data-action=close]").click()
                p.wait(lambda: panel() == "closed", "the campaign closed")
                check(not drv.find_elements(By.CSS_SELECTOR, "#triage b"), "a note became markup")
                inc_id = detail["incidents"][0]["id"]
                p.go("#/incident/" + inc_id)
                p.view_ready("incident")
                p.wait(lambda: drv.find_elements(By.CSS_SELECTOR, "#triage button[data-action=ack]"), "incident triage")
                drv.find_element(By.CSS_SELECTOR, "#triage button[data-action=ack]").click()
                p.wait(lambda: panel() == "acknowledged", "the incident acknowledged")
                p.no_alert()
                result.update(triage=True, who=me.get("name"), incident=inc_id)
                print("dashboard: triage: campaign %s acknowledged then closed (resolved, with a note), "
                      "incident %s acknowledged, as %s" % (target["id"], inc_id, me.get("name")))

        # --- the console ---------------------------------------------------------------------
        p.drain_console()
        bad = [e for e in p.console if (e.get("level") == "SEVERE" and
                                        "/api/v1/whoami - Failed to load resource" not in e.get("message", "")) or
               "Content Security Policy" in e.get("message", "") or "TrustedHTML" in e.get("message", "")]
        check(not bad, "console errors: %s" % json.dumps(bad)[:2000])
        print("dashboard: console: no script error, no CSP or Trusted Types violation (%d entries)" % len(p.console))
        result["seconds"] = round(time.monotonic() - t0, 1)
    finally:
        try:
            drv.quit()
        except Exception:  # noqa: BLE001
            pass
    if a.out:
        with open(a.out, "w") as f:
            json.dump(result, f)
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except Failed as e:
        print("FAILED: %s" % e)
        sys.exit(1)
