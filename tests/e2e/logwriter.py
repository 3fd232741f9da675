#!/usr/bin/python3
"""Write numbered, realistic access-log lines the way a busy web server does,
optionally rotating the file like logrotate, and keep a copy of every line
written (the truth the end-to-end tests compare against).

  logwriter.py --path DIR/access.log --lines 200000 --rate 20000 \
               --rotate rename|copytruncate|none --every 10000 --truth FILE

Every line is unique: its request path carries the line number. With
--rotate rename the live file is renamed to .1 (older copies shift) and a new
file is created, as logrotate's default does; with copytruncate the file is
copied to .1 and truncated in place; --rotate alternate does one, then the
other (a rotation storm). Rotations happen between lines, as a real writer
would see them.
"""
import argparse
import os
import random
import shutil
import sys
import time

UAS = [
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Safari/537.36",
    "Mozilla/5.0 (Linux; Android 13; SM-A145F) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/125.0 Mobile Safari/537.36",
    "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1",
]
PATHS = ["/berita/", "/pengumuman/", "/layanan/", "/assets/img/", "/profil/", "/index.php/artikel/"]


def shift(path, keep=5):
    for i in range(keep, 0, -1):
        src = path + ("" if i == 1 else ".%d" % (i - 1))
        dst = path + ".%d" % i
        if i == 1:
            continue
        if os.path.exists(src):
            os.replace(src, dst)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--path", required=True)
    ap.add_argument("--lines", type=int, default=1000)
    ap.add_argument("--start", type=int, default=0)
    ap.add_argument("--rate", type=float, default=0, help="lines/s, 0 = as fast as possible")
    ap.add_argument("--rotate", choices=["none", "rename", "copytruncate", "alternate"],
                    default="none", help="alternate: rename, then copytruncate, and so on")
    ap.add_argument("--every", type=int, default=10000)
    ap.add_argument("--truth", help="append every line written here too")
    ap.add_argument("--seed", type=int, default=1)
    a = ap.parse_args()

    rnd = random.Random(a.seed)
    out = open(a.path, "a", buffering=1 << 16)
    truth = open(a.truth, "a", buffering=1 << 16) if a.truth else None
    t0 = time.monotonic()
    base = 1763650000
    for n in range(a.start, a.start + a.lines):
        ip = "10.%d.%d.%d" % (rnd.randrange(256), rnd.randrange(256), rnd.randrange(1, 255))
        ts = time.strftime("%d/%b/%Y:%H:%M:%S +0700", time.gmtime(base + n // 50 + 7 * 3600))
        path = "%s%d-halaman-%d" % (rnd.choice(PATHS), n, rnd.randrange(1000))
        status = rnd.choice([200, 200, 200, 200, 304, 404])
        line = '%s - - [%s] "GET %s HTTP/1.1" %d %d "-" "%s"' % (
            ip, ts, path, status, rnd.randrange(100, 50000), rnd.choice(UAS))
        out.write(line + "\n")
        if truth:
            truth.write(line + "\n")
        done = n - a.start + 1
        if a.rotate != "none" and done % a.every == 0 and done < a.lines:
            out.flush()
            how = a.rotate
            if how == "alternate":
                how = "rename" if (done // a.every) % 2 == 1 else "copytruncate"
            if how == "rename":
                out.close()
                shift(a.path)
                os.replace(a.path, a.path + ".1")
                out = open(a.path, "a", buffering=1 << 16)
            else:
                out.flush()
                shift(a.path)
                shutil.copyfile(a.path, a.path + ".1")
                os.truncate(a.path, 0)
        if a.rate > 0 and done % 500 == 0:
            out.flush()
            ahead = done / a.rate - (time.monotonic() - t0)
            if ahead > 0:
                time.sleep(ahead)
    out.close()
    if truth:
        truth.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
