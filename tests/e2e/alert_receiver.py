#!/usr/bin/python3
"""A webhook receiver for the alert tests, on 127.0.0.1.

Records every request it reads in full as one JSON line in --log (before it
answers): {"n", "key" (Idempotency-Key), "path", "headers", "body", "answer"}.
Then answers according to the options, counted over requests:

  --drop-first N      close the first N connections without an answer (the
                      alert arrived, its confirmation was lost)
  --status-first N --status CODE [--retry-after S]
                      answer CODE to the next N requests
  --hold-first N --hold S
                      keep the next N requests waiting S seconds before 200
                      (a sender killed meanwhile never sees the confirmation)
  everything else:    200 {"ok":true}
  --cert FILE --key FILE
                      serve HTTPS with this certificate (a client that does
                      not trust it fails the handshake: nothing is logged)

  alert_receiver.py --port 8080 --log recv.jsonl [options]
"""
import argparse
import http.server
import json
import socket
import socketserver
import ssl
import sys
import threading
import time

lock = threading.Lock()
count = 0


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--log", required=True)
    ap.add_argument("--drop-first", type=int, default=0)
    ap.add_argument("--status-first", type=int, default=0)
    ap.add_argument("--status", type=int, default=503)
    ap.add_argument("--retry-after", type=int, default=-1)
    ap.add_argument("--hold-first", type=int, default=0)
    ap.add_argument("--hold", type=float, default=0)
    ap.add_argument("--max-body", type=int, default=1 << 20)
    ap.add_argument("--cert")
    ap.add_argument("--key")
    args = ap.parse_args()
    logf = open(args.log, "a", encoding="utf-8")

    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def setup(self):
            if args.cert:
                self.request.settimeout(10)
                self.request.do_handshake()
            super().setup()
            # Headers and body go out in two writes: without this, Nagle and
            # the client's delayed ACK add 40 ms to every answer.
            self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

        def log_message(self, fmt, *a):
            pass

        def do_POST(self):
            global count
            n = int(self.headers.get("Content-Length", "0"))
            if n < 0 or n > args.max_body:
                self.send_error(413)
                return
            body = self.rfile.read(n)
            with lock:
                count += 1
                k = count
                d, s, h = args.drop_first, args.status_first, args.hold_first
                if k <= d:
                    answer = "drop"
                elif k <= d + s:
                    answer = str(args.status)
                elif k <= d + s + h:
                    answer = "hold"
                else:
                    answer = "200"
                rec = {"n": k, "key": self.headers.get("Idempotency-Key"),
                       "path": self.path, "headers": dict(self.headers.items()),
                       "body": body.decode("utf-8", "replace"), "answer": answer,
                       "t": time.time()}
                logf.write(json.dumps(rec) + "\n")
                logf.flush()
            if answer == "drop":
                self.close_connection = True
                return
            if answer == "hold":
                time.sleep(args.hold)
                answer = "200"
            code = int(answer)
            out = b'{"ok":true}' if code == 200 else b'{"ok":false}'
            try:
                self.send_response(code)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(out)))
                if code != 200 and args.retry_after >= 0:
                    self.send_header("Retry-After", str(args.retry_after))
                self.end_headers()
                self.wfile.write(out)
            except OSError:
                pass

    class Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
        daemon_threads = True
        allow_reuse_address = True

        def handle_error(self, request, client_address):
            pass    # a refused TLS handshake, a client gone: not news here

    srv = Server(("127.0.0.1", args.port), Handler)
    if args.cert:
        # The handshake runs in the handler's thread (not in accept), so a
        # client that refuses the certificate does not stall the others.
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(args.cert, args.key)
        srv.socket = ctx.wrap_socket(srv.socket, server_side=True,
                                     do_handshake_on_connect=False)
    print("listening on 127.0.0.1:%d%s" % (args.port, " (TLS)" if args.cert else ""),
          flush=True)
    try:
        srv.serve_forever()
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
