#!/usr/bin/python3
"""api_load.py — waves of concurrent requests to the correlator's API.

    api_load.py --url http://127.0.0.1:PORT --token T [--concurrency 1000]
                [--stop-file F] [--max-seconds S] --out stats.json

Each wave opens CONCURRENCY connections at once (asyncio, one GET each,
Connection: close) and waits for every answer. Waves repeat until
--stop-file exists (checked between waves; at least one wave) or
--max-seconds passed. The URLs vary (limits, offsets, since) so most
requests miss the API's reply cache and read the store. Writes JSON:
waves, requests, status counts (0 = no HTTP answer), latency p50/p99/max,
wall seconds, and the wall clock of the first and last wave.
"""
import argparse
import asyncio
import json
import os
import time
import urllib.parse


def paths(i):
    k = i % 9
    if k == 0:
        return "/api/v1/incidents?limit=%d" % (1 + i % 200)
    if k == 1:
        return "/api/v1/incidents?limit=20&offset=%d" % (i % 500)
    if k == 2:
        return "/api/v1/sites"
    if k == 3:
        return "/api/v1/summary?since=%dh" % (1 + i % 72)
    if k == 4:
        return "/api/v1/campaigns?limit=%d" % (1 + i % 50)
    if k == 5:
        return "/metrics"
    if k == 6:
        return "/healthz"
    if k == 7:
        return "/api/v1/incidents?severity=high&limit=%d" % (1 + i % 100)
    return "/api/v1/incidents?since=%dh&limit=10" % (1 + i % 48)


async def one(host, port, path, token, res):
    t0 = time.monotonic()
    code = 0
    try:
        r, w = await asyncio.wait_for(asyncio.open_connection(host, port), 60)
        w.write(("GET %s HTTP/1.1\r\nHost: %s\r\nAuthorization: Bearer %s\r\n"
                 "Connection: close\r\n\r\n" % (path, host, token)).encode())
        await w.drain()
        data = await asyncio.wait_for(r.read(), 60)
        w.close()
        if data.startswith(b"HTTP/1.1 "):
            code = int(data.split(b" ", 2)[1])
    except (OSError, asyncio.TimeoutError, ValueError):
        code = 0
    res.append((code, time.monotonic() - t0, path))


async def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--url", required=True)
    ap.add_argument("--token", required=True)
    ap.add_argument("--concurrency", type=int, default=1000)
    ap.add_argument("--stop-file")
    ap.add_argument("--max-seconds", type=float, default=60)
    ap.add_argument("--out", required=True)
    a = ap.parse_args()
    u = urllib.parse.urlsplit(a.url)
    res, waves, seq = [], 0, 0
    t0 = time.monotonic()
    first = time.time()
    while True:
        await asyncio.gather(*(one(u.hostname, u.port, paths(seq + i), a.token, res)
                               for i in range(a.concurrency)))
        seq += a.concurrency
        waves += 1
        if (a.stop_file and os.path.exists(a.stop_file)) or not a.stop_file or \
                time.monotonic() - t0 > a.max_seconds:
            break
    codes = {}
    for c, _, _ in res:
        codes[str(c)] = codes.get(str(c), 0) + 1
    lat = sorted(t for _, t, _ in res)
    bad = [(c, p) for c, _, p in res if c != 200][:10]
    out = {"waves": waves, "requests": len(res), "codes": codes,
           "p50": lat[len(lat) // 2], "p99": lat[int(len(lat) * 0.99)], "max": lat[-1],
           "wall": time.monotonic() - t0, "first": first, "last": time.time(), "bad": bad}
    with open(a.out, "w") as f:
        json.dump(out, f)
    print("load: %d waves of %d: %d requests %s, p50 %.3f s, p99 %.3f s, max %.3f s, %.1f s" % (
        waves, a.concurrency, len(res), codes, out["p50"], out["p99"], out["max"], out["wall"]))


asyncio.run(main())
