#!/usr/bin/python3
"""A small SMTP server for the alert tests, on 127.0.0.1 (stdlib only).

Speaks EHLO/HELO, STARTTLS (with --cert/--key), AUTH PLAIN and LOGIN (with
--auth USER:PASS), MAIL, RCPT, DATA (dot-unstuffed), RSET, NOOP, QUIT.
Every message it accepts is one JSON line in --log, written before the 250:
{"n", "mail_from", "rcpt", "tls", "auth", "data" (the message as sent, CRLF
and all)}.

  --require-tls       refuse MAIL before STARTTLS (530)
  --fail-first N      answer 451 to the end of DATA of the first N messages
                      (not logged: the client must try again)

  smtp_server.py --port 2525 --log mail.jsonl --cert c.pem --key k.pem \
      --require-tls --auth ronda:s3cret
"""
import argparse
import base64
import json
import socketserver
import ssl
import sys
import threading

lock = threading.Lock()
count = 0


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--log", required=True)
    ap.add_argument("--cert")
    ap.add_argument("--key")
    ap.add_argument("--require-tls", action="store_true")
    ap.add_argument("--auth")
    ap.add_argument("--fail-first", type=int, default=0)
    ap.add_argument("--max-size", type=int, default=1 << 20)
    args = ap.parse_args()
    logf = open(args.log, "a", encoding="utf-8")
    ctx = None
    if args.cert:
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(args.cert, args.key)

    class Handler(socketserver.StreamRequestHandler):
        timeout = 20

        def send(self, line):
            self.wfile.write((line + "\r\n").encode())
            self.wfile.flush()

        def readline(self):
            line = self.rfile.readline(4096)
            if not line:
                raise EOFError
            return line.decode("utf-8", "replace").rstrip("\r\n")

        def ehlo_lines(self):
            ext = ["SIZE %d" % args.max_size, "8BITMIME"]
            if ctx is not None and not self.tls:
                ext.append("STARTTLS")
            if args.auth and (self.tls or not args.require_tls):
                ext.append("AUTH PLAIN LOGIN")
            return ext

        def handle(self):
            global count
            self.tls = False
            self.authed = None
            mail_from, rcpt = None, []
            self.send("220 127.0.0.1 ronda-test ESMTP")
            try:
                while True:
                    line = self.readline()
                    verb = line[:4].upper()
                    arg = line[5:] if len(line) > 5 else ""
                    if verb in ("EHLO", "HELO"):
                        ext = self.ehlo_lines() if verb == "EHLO" else []
                        lines = ["127.0.0.1 hello"] + ext
                        for i, l in enumerate(lines):
                            self.send(("250 " if i == len(lines) - 1 else "250-") + l)
                    elif line.upper() == "STARTTLS" and ctx is not None and not self.tls:
                        self.send("220 go ahead")
                        try:
                            self.request = ctx.wrap_socket(self.request, server_side=True)
                        except (ssl.SSLError, OSError):
                            return      # the client refused our certificate
                        self.rfile = self.request.makefile("rb")
                        self.wfile = self.request.makefile("wb")
                        self.tls = True
                        mail_from, rcpt = None, []
                    elif verb == "AUTH":
                        self.auth(arg)
                    elif verb == "MAIL":
                        if args.require_tls and not self.tls:
                            self.send("530 5.7.0 Must issue a STARTTLS command first")
                        elif args.auth and self.authed is None:
                            self.send("530 5.7.0 Authentication required")
                        else:
                            mail_from, rcpt = arg.split(":", 1)[1].strip(), []
                            self.send("250 ok")
                    elif verb == "RCPT":
                        if mail_from is None:
                            self.send("503 need MAIL")
                        else:
                            rcpt.append(arg.split(":", 1)[1].strip())
                            self.send("250 ok")
                    elif verb == "DATA":
                        if not rcpt:
                            self.send("503 need RCPT")
                            continue
                        self.send("354 end with .")
                        data = []
                        while True:
                            raw = self.rfile.readline(1 << 20)
                            if not raw:
                                return
                            if raw == b".\r\n":
                                break
                            if raw.startswith(b".."):
                                raw = raw[1:]
                            data.append(raw)
                        body = b"".join(data)
                        with lock:
                            count += 1
                            k = count
                            if k > args.fail_first:
                                logf.write(json.dumps({
                                    "n": k, "mail_from": mail_from, "rcpt": rcpt,
                                    "tls": self.tls, "auth": self.authed,
                                    "data": body.decode("utf-8", "replace")}) + "\n")
                                logf.flush()
                        if k <= args.fail_first:
                            self.send("451 4.3.0 try again later")
                        else:
                            self.send("250 queued as %d" % k)
                        mail_from, rcpt = None, []
                    elif verb == "RSET":
                        mail_from, rcpt = None, []
                        self.send("250 ok")
                    elif verb == "NOOP":
                        self.send("250 ok")
                    elif verb == "QUIT":
                        self.send("221 bye")
                        return
                    else:
                        self.send("502 not implemented")
            except (EOFError, OSError, ssl.SSLError):
                return

        def auth(self, arg):
            parts = arg.split()
            if not args.auth or not parts:
                self.send("504 no")
                return
            user, pw = None, None
            if parts[0].upper() == "PLAIN":
                if len(parts) > 1:
                    resp = parts[1]
                else:
                    self.send("334 ")
                    resp = self.readline()
                try:
                    _, user, pw = base64.b64decode(resp).decode().split("\0")
                except ValueError:
                    pass
            elif parts[0].upper() == "LOGIN":
                if len(parts) > 1:
                    user = base64.b64decode(parts[1]).decode()
                else:
                    self.send("334 VXNlcm5hbWU6")
                    user = base64.b64decode(self.readline()).decode()
                self.send("334 UGFzc3dvcmQ6")
                pw = base64.b64decode(self.readline()).decode()
            if user is not None and "%s:%s" % (user, pw) == args.auth:
                self.authed = user
                self.send("235 2.7.0 ok")
            else:
                self.send("535 5.7.8 bad credentials")

    class Server(socketserver.ThreadingMixIn, socketserver.TCPServer):
        daemon_threads = True
        allow_reuse_address = True

        def handle_error(self, request, client_address):
            pass

    srv = Server(("127.0.0.1", args.port), Handler)
    print("listening on 127.0.0.1:%d" % args.port, flush=True)
    try:
        srv.serve_forever()
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
