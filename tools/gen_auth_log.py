#!/usr/bin/env python3
"""Generate a deterministic auth log (RFC 3164 syslog) for `make bench`.

A busy server's mix: cron and systemd noise, sshd brute force (failed
passwords, invalid users, preauth disconnects, PAM failures), normal logins,
sudo, postfix SASL and dovecot failures, and a share of hostile user names
(long, or made of the daemon's own words) that the decoders must take
apart from the right.

    tools/gen_auth_log.py --lines 250000 > auth.log
"""
import argparse
import random
import sys

MONTHS = "Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec".split()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--lines", type=int, default=250000)
    ap.add_argument("--seed", type=int, default=14)
    a = ap.parse_args()
    r = random.Random(a.seed)
    users = ["root", "admin", "oracle", "ubuntu", "test", "budi", "siti", "deploy", "git",
             "postgres", "www-data", "operator"]

    def ip():
        return "%d.%d.%d.%d" % (r.randint(1, 223), r.randint(0, 255), r.randint(0, 255),
                                r.randint(1, 254))

    def user():
        x = r.random()
        if x < 0.05:
            return "x from %s port 1" % ip()
        if x < 0.07:
            return "A" * r.randint(200, 2000)
        return r.choice(users)

    out = sys.stdout
    t = 0
    for i in range(a.lines):
        t += r.randint(0, 3)
        day, rem = divmod(t, 86400)
        ts = "%s %2d %02d:%02d:%02d" % (MONTHS[10], 1 + day % 28, rem // 3600, rem // 60 % 60, rem % 60)
        pid = 1000 + i % 30000
        k = r.random()
        if k < 0.25:
            line = "CRON[%d]: pam_unix(cron:session): session opened for user root(uid=0) by (uid=0)" % pid
        elif k < 0.35:
            line = "systemd[1]: Started Session %d of User budi." % (i % 5000)
        elif k < 0.55:
            line = "sshd[%d]: Failed password for %s%s from %s port %d ssh2" % (
                pid, "invalid user " if r.random() < 0.5 else "", user(), ip(), r.randint(1024, 65535))
        elif k < 0.63:
            line = "sshd[%d]: Invalid user %s from %s port %d" % (pid, user(), ip(), r.randint(1024, 65535))
        elif k < 0.71:
            line = "sshd[%d]: Received disconnect from %s port %d:11: Bye Bye [preauth]" % (
                pid, ip(), r.randint(1024, 65535))
        elif k < 0.77:
            line = ("sshd[%d]: pam_unix(sshd:auth): authentication failure; logname= uid=0 euid=0 "
                    "tty=ssh ruser= rhost=%s  user=%s" % (pid, ip(), r.choice(users)))
        elif k < 0.80:
            line = "sshd[%d]: Accepted publickey for deploy from 10.1.%d.%d port %d ssh2: ED25519 SHA256:Zm9vYmFy" % (
                pid, r.randint(0, 255), r.randint(1, 254), r.randint(1024, 65535))
        elif k < 0.84:
            line = "sudo[%d]:     budi : TTY=pts/0 ; PWD=/home/budi ; USER=root ; COMMAND=/usr/bin/apt update" % pid
        elif k < 0.90:
            line = ("postfix/smtpd[%d]: warning: unknown[%s]: SASL LOGIN authentication failed: "
                    "UGFzc3dvcmQ6" % (pid, ip()))
        elif k < 0.95:
            line = ("dovecot[%d]: imap-login: Disconnected (auth failed, 1 attempts in 2 secs): "
                    "user=<%s>, method=PLAIN, rip=%s, lip=10.0.0.5, TLS, session=<abc%d>" % (
                        pid, r.choice(users), ip(), i))
        else:
            line = "kernel: [%d.%06d] audit: type=1400 apparmor=\"ALLOWED\" operation=\"open\"" % (
                t, r.randint(0, 999999))
        out.write("%s web01 %s\n" % (ts, line))


if __name__ == "__main__":
    main()
