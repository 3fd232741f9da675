#!/usr/bin/python3
"""Journal entries for test_collector_journal.sh, and the check of what arrived.

  journal_export.py write --start S --count N --truth FILE [--specials]
      Write entries S .. S+N-1 in systemd's Journal Export Format to stdout
      (feed it to `systemd-journal-remote --output=DIR/NAME.journal -`) and
      append one JSON line per entry to FILE: what the collector must make of
      it. Entry i carries the token e<i>x in its message (and as the user of
      an sshd failure), so an event says which entry it came from.

  journal_export.py check --truth FILE --max-line N EVENTS...
      Check the consumed events (JSON lines) against the truth: every entry
      the input's match selects arrived at least once; none it does not
      select arrived; an entry sent twice carries the same event.id both
      times and no two entries share one; every sshd "Failed password" has
      its @timestamp (from __REALTIME_TIMESTAMP, exact), user.name and
      source.ip. Prints "entries=N events=N duplicates=N" and exits 1 on a
      problem.

Entry i: __REALTIME_TIMESTAMP = BASE + i * 1000003 us (sub-millisecond digits
that must be cut, not rounded), __MONOTONIC_TIMESTAMP grows with i, one boot
id: entries of separate files interleave by time as journald's would. By
i % 10: 0-5 sshd failures (facility auth, unit ssh.service), 6 an sshd
success, 7 cron (facility cron, unit cron.service: not selected by the
default match), 8 pam_unix through sshd (authpriv), 9 sudo (authpriv).
--specials makes the first four entries hostile: a binary MESSAGE (NUL, a
newline, invalid UTF-8), a 100 KB MESSAGE (cut at max_line), an entry with
no SYSLOG_IDENTIFIER (program from _COMM), and a 300-byte identifier.
"""
import argparse
import json
import re
import struct
import sys

BASE_USEC = 1795000000000000       # 2026-11-18T06:13:20Z
BOOT_ID = "5f3c1a0e9d8b4c7a8e6f2d1c0b9a8f7e"
TOKEN = re.compile(r"\be(\d+)x\b")


def ip_of(i):
    return "10.%d.%d.%d" % ((i >> 16) & 255, (i >> 8) & 255, i & 255)


def iso_ms(usec):
    import datetime
    ms = usec // 1000
    t = datetime.datetime.fromtimestamp(ms // 1000, tz=datetime.timezone.utc)
    return t.strftime("%Y-%m-%dT%H:%M:%S") + ".%03dZ" % (ms % 1000)


def entry(i, specials):
    """(fields as a list of (name, bytes)), truth dict)."""
    rt = BASE_USEC + i * 1000003
    common = [("__REALTIME_TIMESTAMP", str(rt).encode()),
              ("__MONOTONIC_TIMESTAMP", str(5000000 + i * 1000).encode()),
              ("_BOOT_ID", BOOT_ID.encode()),
              ("_HOSTNAME", b"web01"),
              ("_PID", str(1000 + i % 30000).encode()),
              ("PRIORITY", b"6")]
    tok = "e%dx" % i
    ip = ip_of(i)
    port = 1024 + i % 60000
    truth = {"i": i, "kind": "other", "ts": iso_ms(rt)}
    k = i % 10
    sshd = [("SYSLOG_FACILITY", b"4"), ("SYSLOG_IDENTIFIER", b"sshd"),
            ("_COMM", b"sshd"), ("_SYSTEMD_UNIT", b"ssh.service")]
    if k <= 5:
        who = ("invalid user " + tok) if k % 2 == 0 else tok
        msg = "Failed password for %s from %s port %d ssh2" % (who, ip, port)
        fields = sshd
        truth.update(kind="failed", user=tok, ip=ip)
    elif k == 6:
        msg = ("Accepted publickey for deploy from %s port %d ssh2: ED25519 "
               "SHA256:%s" % (ip, port, tok))
        fields = sshd
    elif k == 7:
        msg = "(root) CMD (%s run-parts /etc/cron.hourly)" % tok
        fields = [("SYSLOG_FACILITY", b"9"), ("SYSLOG_IDENTIFIER", b"CRON"),
                  ("_COMM", b"cron"), ("_SYSTEMD_UNIT", b"cron.service")]
        truth["kind"] = "filtered"
    elif k == 8:
        msg = ("pam_unix(sshd:auth): authentication failure; logname= uid=0 "
               "euid=0 tty=ssh ruser= rhost=%s  user=%s" % (ip, tok))
        fields = [("SYSLOG_FACILITY", b"10")] + sshd[1:]
    else:
        msg = "%s : TTY=pts/0 ; PWD=/home/%s ; USER=root ; COMMAND=/usr/bin/id" % (
            tok, tok)
        fields = [("SYSLOG_FACILITY", b"10"), ("SYSLOG_IDENTIFIER", b"sudo"),
                  ("_COMM", b"sudo")]
    body = msg.encode()
    if specials and i < 4:
        if i == 0:      # binary: NUL, newline, a byte that is not UTF-8
            body = ("Failed password for %s\x00 from %s" % (tok, ip)).encode() + \
                b"\xff\nsecond line"
            truth = {"i": i, "kind": "binary", "ts": truth["ts"]}
        elif i == 1:    # longer than any max_line
            body = (tok + " ").encode() + b"A" * 100000
            truth = {"i": i, "kind": "long", "ts": truth["ts"]}
        elif i == 2:    # no SYSLOG_IDENTIFIER: the program is _COMM
            fields = [f for f in fields if f[0] != "SYSLOG_IDENTIFIER"]
            truth["program"] = "sshd"
        elif i == 3:    # a hostile identifier (any local user can pick one)
            fields = [("SYSLOG_FACILITY", b"4"), ("SYSLOG_IDENTIFIER", b"x" * 300)]
            body = ("%s hello" % tok).encode()
            truth = {"i": i, "kind": "ident", "ts": truth["ts"]}
    return common + fields + [("MESSAGE", body)], truth


def write(args):
    out = sys.stdout.buffer
    with open(args.truth, "a", encoding="utf-8") as tf:
        for i in range(args.start, args.start + args.count):
            fields, truth = entry(i, args.specials)
            for name, val in fields:
                if b"\n" in val or b"\x00" in val or any(c >= 0x80 for c in val):
                    # Binary form: name, newline, little-endian 64-bit size, data.
                    out.write(name.encode() + b"\n" + struct.pack("<Q", len(val)) +
                              val + b"\n")
                else:
                    out.write(name.encode() + b"=" + val + b"\n")
            out.write(b"\n")
            tf.write(json.dumps(truth) + "\n")


def get(ev, path):
    for k in path.split("."):
        if not isinstance(ev, dict) or k not in ev:
            return None
        ev = ev[k]
    return ev


def check(args):
    truth = {}
    with open(args.truth, encoding="utf-8") as f:
        for line in f:
            t = json.loads(line)
            truth[t["i"]] = t
    ids = {}        # entry -> event ids seen
    owner = {}      # event id -> entry
    events = 0
    problems = []
    for path in args.events:
        with open(path, encoding="utf-8") as f:
            for line in f:
                line = line.strip()
                if not line:
                    continue
                ev = json.loads(line)
                if get(ev, "event.dataset") != "auth.journal":
                    continue
                events += 1
                m = TOKEN.search(get(ev, "event.original") or "")
                if m is None:
                    problems.append("an event names no entry: %s" % line[:200])
                    continue
                i = int(m.group(1))
                t = truth.get(i)
                eid = get(ev, "event.id")
                ids.setdefault(i, set()).add(eid)
                if owner.setdefault(eid, i) != i:
                    problems.append("entries %d and %d share event.id %s" %
                                    (owner[eid], i, eid))
                if t is None:
                    problems.append("entry %d was never written" % i)
                    continue
                if len(ids[i]) > 1:
                    continue        # reported below
                orig = get(ev, "event.original")
                if len(orig.encode("utf-8")) > args.max_line * 4:
                    problems.append("entry %d: event.original is %d bytes" %
                                    (i, len(orig)))
                if get(ev, "@timestamp") != t["ts"]:
                    problems.append("entry %d: @timestamp %s, expected %s" %
                                    (i, get(ev, "@timestamp"), t["ts"]))
                if not orig.startswith(t["ts"][:19]):
                    problems.append("entry %d: event.original does not start with "
                                    "its time: %r" % (i, orig[:60]))
                if t["kind"] == "failed":
                    for key, want in (("user.name", t["user"]), ("source.ip", t["ip"]),
                                      ("event.outcome", "failure"),
                                      ("process.name", t.get("program", "sshd"))):
                        if get(ev, key) != want:
                            problems.append("entry %d: %s is %r, expected %r" %
                                            (i, key, get(ev, key), want))
                    if not get(ev, "event.action"):
                        problems.append("entry %d: no event.action" % i)
                elif t["kind"] == "long":
                    if get(ev, "ronda.truncated") is not True:
                        problems.append("entry %d: 100 KB message not flagged "
                                        "truncated" % i)
                    if len(orig.encode("utf-8")) > args.max_line:
                        problems.append("entry %d: cut to %d bytes, max_line %d" %
                                        (i, len(orig.encode("utf-8")), args.max_line))
                elif t["kind"] == "ident":
                    if len(get(ev, "process.name") or "") != 64:
                        problems.append("entry %d: a 300-byte identifier became %r" %
                                        (i, get(ev, "process.name")))
                elif t["kind"] == "binary":
                    if "second line" not in (get(ev, "message") or ""):
                        problems.append("entry %d: binary message lost its tail: %r" %
                                        (i, get(ev, "message")))
    dups = 0
    for i, t in sorted(truth.items()):
        seen = ids.get(i)
        if t["kind"] == "filtered":
            if seen:
                problems.append("entry %d (cron, not selected by match) arrived" % i)
        elif not seen:
            problems.append("entry %d (%s) never arrived" % (i, t["kind"]))
        elif len(seen) > 1:
            problems.append("entry %d arrived under %d event ids" % (i, len(seen)))
    dups = events - sum(1 for i in ids)
    print("entries=%d events=%d duplicates=%d" % (len(truth), events, dups))
    for p in problems[:20]:
        print("  " + p, file=sys.stderr)
    if len(problems) > 20:
        print("  ... and %d more" % (len(problems) - 20), file=sys.stderr)
    return 1 if problems else 0


def main():
    ap = argparse.ArgumentParser()
    sub = ap.add_subparsers(dest="cmd", required=True)
    w = sub.add_parser("write")
    w.add_argument("--start", type=int, required=True)
    w.add_argument("--count", type=int, required=True)
    w.add_argument("--truth", required=True)
    w.add_argument("--specials", action="store_true")
    c = sub.add_parser("check")
    c.add_argument("--truth", required=True)
    c.add_argument("--max-line", type=int, required=True)
    c.add_argument("events", nargs="+")
    args = ap.parse_args()
    if args.cmd == "write":
        write(args)
        return 0
    return check(args)


if __name__ == "__main__":
    sys.exit(main())
