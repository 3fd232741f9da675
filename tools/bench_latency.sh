#!/bin/bash
# Latency through the whole pipeline (called by tools/bench.sh, or alone):
#
#   1. line written -> event stored: a writer appends BENCH_LAT_RATE attack
#      lines/s (each matches a rule, so `forward: events` ships it) for
#      BENCH_LAT_SECONDS to a log a live ronda-collector tails; the event is
#      "stored" when the correlator has committed its Kafka offset (the
#      batch that holds its incident changes: the store's offsets table,
#      polled every 10 ms; batch.interval is the default 1 s).
#      Baseline, same run, same lines: the moment a `kcat -C` reader of the
#      topic gets the event (line written -> readable in Kafka: the
#      collector and the broker; the rest is the correlator's). A `tail -F |
#      kcat -P` pipe cannot serve: kcat 1.7.1 holds lines read from a pipe
#      or FIFO until EOF (measured: 6 lines over 3 s all arrived at EOF;
#      edenhill/kcat#322).
#      The consumers (kcat -C and the correlator) fetch with
#      fetch.wait.max.ms=10: librdkafka's mock broker answers a fetch only at
#      that deadline (default 500 ms) even when data is there, where a real
#      broker answers as soon as data arrives (fetch.min.bytes 1).
#   2. campaign-deciding line -> alert: kaltim-wave live at BENCH_LAT_SPEED
#      (tests/e2e/pipeline_lib.sh, seeds BENCH_LAT_SEEDS): for each planted
#      campaign, its first alert (outbox `created`) minus the wall time its
#      deciding line was due (ronda-sim score and clock.json). Also the peak
#      RSS of the collectors (largest) and the correlator of that run.
#
# Rows go to $BENCH_ROWS (tab-separated, printed by bench.sh) and stdout.
#
#   BENCH_LAT_RATE=500 BENCH_LAT_SECONDS=20 BENCH_LAT_SEEDS="1 2 3" tools/bench_latency.sh
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
OUT=${BENCH_OUT:-$ROOT/build/bench}/latency
RATE=${BENCH_LAT_RATE:-500}
SECS=${BENCH_LAT_SECONDS:-20}
SEEDS=${BENCH_LAT_SEEDS:-1 2 3}
SPEED=${BENCH_LAT_SPEED:-720}
ROWS=${BENCH_ROWS:-/dev/null}
rm -rf "$OUT"
mkdir -p "$OUT/logs"
export RONDA_BIN=${RONDA_BIN:-$ROOT/build/bin} RONDA_TMP=$OUT/logs RONDA_SRC=$ROOT RONDA_SAN=0
. tests/e2e/lib.sh
PY=/usr/bin/python3

# ---- 1. line written -> event stored --------------------------------------------
cat >"$OUT/lat.py" <<'PY'
"""Write paced attack lines to LOG; stamp when each is readable in Kafka (a
kcat -C reader of TOPIC) and when it is stored (the correlator's committed
offsets in STORE, polled every 10 ms).

  lat.py LOG N RATE BROKER TOPIC STORE
Prints "kafka_p50 kafka_p99 stored_p50 stored_p99 n" in milliseconds.
"""
import os, re, sqlite3, subprocess, sys, threading, time

log, n, rate, broker, topic, store = sys.argv[1:7]
n, rate = int(n), float(rate)
written, in_kafka, stored = [None] * n, [None] * n, [None] * n
ID = re.compile(r"/lat/(\d+)-")

def now_ms():
    return time.time() * 1000.0

def line(i):
    ip = "203.0.113.%d" % (1 + i % 250) if i % 2 else "198.51.100.%d" % (1 + i % 250)
    ts = time.strftime("%d/%b/%Y:%H:%M:%S +0000", time.gmtime())
    return ('%s - - [%s] "GET /lat/%d-berita/index.php?id=1%%27%%20UNION%%20SELECT%%20'
            'username,password%%20FROM%%20users-- HTTP/1.1" 403 512 "-" "sqlmap/1.7.2#stable '
            '(https://sqlmap.org)"\n' % (ip, ts, i))

def writer():
    t0 = time.monotonic()
    with open(log, "a", buffering=1) as f:
        for i in range(n):
            d = t0 + i / rate - time.monotonic()
            if d > 0:
                time.sleep(d)
            written[i] = now_ms()
            f.write(line(i))
            f.flush()

# The topic holds only these lines: read it from the beginning; each
# message's partition, offset and line id.
reader = subprocess.Popen(["kcat", "-C", "-b", broker, "-t", topic, "-o", "beginning", "-u",
                           "-q", "-X", "fetch.wait.max.ms=10", "-f", "%p %o %s\n"],
                          stdout=subprocess.PIPE, text=True, errors="replace")
where = {}            # (part, offset) -> id, not yet stored
lock = threading.Lock()

def read():
    for l in reader.stdout:
        p, o, rest = l.split(" ", 2)
        m = ID.search(rest)
        if m:
            i = int(m.group(1))
            if in_kafka[i] is None:
                in_kafka[i] = now_ms()
            with lock:
                where[(int(p), int(o))] = i

threading.Thread(target=read, daemon=True).start()
time.sleep(2.0)       # the reader has its partitions
wt = threading.Thread(target=writer)
wt.start()
db = None
deadline = time.monotonic() + n / rate + 60
while time.monotonic() < deadline:
    if db is None and os.path.exists(store):
        db = sqlite3.connect("file:%s?mode=ro" % store, uri=True, timeout=1)
    if db is not None:
        try:
            nxt = dict(db.execute("SELECT part, next_offset FROM offsets WHERE topic = ?",
                                  (topic,)).fetchall())
        except sqlite3.Error:
            nxt = {}
        t = now_ms()
        with lock:
            for (p, o), i in list(where.items()):
                if nxt.get(p, 0) > o:
                    if stored[i] is None:
                        stored[i] = t
                    del where[(p, o)]
    if not wt.is_alive() and all(s is not None for s in stored):
        break
    time.sleep(0.01)
wt.join()
reader.terminate()

def pct(done):
    lat = sorted(d - w for d, w in zip(done, written) if d is not None and w is not None)
    if not lat:
        return float("nan"), float("nan"), 0
    q = lambda p: lat[min(len(lat) - 1, int(p * len(lat)))]
    return q(0.50), q(0.99), len(lat)

k50, k99, kn = pct(in_kafka)
s50, s99, sn = pct(stored)
print("%.1f %.1f %.1f %.1f %d" % (k50, k99, s50, s99, sn))
if sn < n or kn < n:
    print("lat.py: of %d lines, %d never read from Kafka, %d never stored" % (n, n - kn, n - sn),
          file=sys.stderr)
PY

N=$(( RATE * SECS ))
start_broker --partitions 12 --topics ronda.events,ronda.alerts
echo "bench: latency, $N lines at $RATE/s through a live collector and the correlator" >&2
cat >"$OUT/collector.yaml" <<YAML
site: bench.go.id
agency: Bench
timezone: Asia/Makassar
state_db: $OUT/collector.db
rules_cache: $ROOT/build/rules-cache
kafka:
  brokers: $BROKER
  topic: ronda.events
inputs:
  - path: $OUT/ronda.log
    type: web
    format: combined
    start_at: beginning
YAML
cat >"$OUT/correlator.yaml" <<YAML
kafka: {brokers: $BROKER, topic: ronda.events, group: bench-lat,
        properties: {session.timeout.ms: "6000", fetch.wait.max.ms: "10"}}
store: $OUT/ronda.db
sites: [{id: bench.go.id, agency: Bench, region: Kalimantan Timur, timezone: Asia/Makassar}]
YAML
"$RONDA_BIN/ronda-collector" -c "$OUT/collector.yaml" --check-config >/dev/null
: >"$OUT/ronda.log"
spawn correlator "$RONDA_BIN/ronda-correlator" -c "$OUT/correlator.yaml"
wait_for grep -q "assigned ronda.events" "$T/correlator.log" --timeout 30 || fail "correlator: no partitions"
spawn collector "$RONDA_BIN/ronda-collector" -c "$OUT/collector.yaml"
wait_for grep -q "info: started" "$T/collector.log" --timeout 30 || fail "collector did not start"
read -r K50 K99 R50 R99 RN < <($PY "$OUT/lat.py" "$OUT/ronda.log" "$N" "$RATE" "$BROKER" \
    ronda.events "$OUT/ronda.db")
_stop_pids 10 "${_lib_pids[@]}"
_lib_pids=(); _lib_names=(); _lib_logs=()

ms() { awk -v v="$1" 'BEGIN { printf (v >= 1000 ? "%.2f s" : "%.0f ms"), (v >= 1000 ? v / 1000 : v) }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1fx", (b > 0 ? a / b : 0) }'; }
printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\n' \
    "line written -> event stored, p50 (n=$RN)" "$(ms "$R50")" \
    "line written -> readable in Kafka, p50" "$(ms "$K50")" "$(ratio "$R50" "$K50")" "" "" \
    "line written -> event stored, p99" "$(ms "$R99")" \
    "line written -> readable in Kafka, p99" "$(ms "$K99")" "$(ratio "$R99" "$K99")" "" "" |
    tee -a "$ROWS"

# ---- 2. campaign-deciding line -> alert ---------------------------------------------
. tests/e2e/pipeline_lib.sh
: >"$OUT/alert-latency"
COL_RSS=0 COR_RSS=0
for seed in $SEEDS; do
    echo "bench: kaltim-wave seed $seed live at ${SPEED}x" >&2
    PIPE=$OUT/pipe-$seed PIPE_TAG=s$seed- PIPE_KAFKA_PROPERTIES='fetch.wait.max.ms: "10"'
    pipeline_run kaltim-wave --speed "$SPEED" --seed "$seed" --keep >&2
    hwm=$(awk '/^VmHWM/ { print $2 }' "/proc/$CORRELATOR_PID/status")
    [ "${hwm:-0}" -gt "$COR_RSS" ] && COR_RSS=$hwm
    for l in "$T"/s$seed-collector-*.log "$T"/s$seed-once-*.log; do
        r=$(grep -o 'max rss [0-9]*' "$l" | awk '{ print $3 }' | sort -n | tail -1)
        [ "${r:-0}" -gt "$COL_RSS" ] && COL_RSS=$r
    done
    pipeline_teardown
    pipeline_score --json >"$OUT/score-$seed.json" || true
    $PY -c 'import json, sys
for p in json.load(open(sys.argv[1]))["planted"]:
    print(p["latency_s"] if p["latency_s"] is not None else "missed")' "$OUT/score-$seed.json" \
        >>"$OUT/alert-latency"
    rm -f "$PIPE"/sites/*/*.log
done
read -r A50 A99 AN AMISS < <($PY -c 'import sys
v = [l.strip() for l in open(sys.argv[1]) if l.strip()]
x = sorted(float(s) * 1000 for s in v if s != "missed")
q = lambda p: x[min(len(x) - 1, int(p * len(x)))] if x else float("nan")
print("%.1f %.1f %d %d" % (q(0.5), q(0.99), len(x), len(v) - len(x)))' "$OUT/alert-latency")
printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\n' \
    "deciding line -> first alert, p50 (n=$AN)" "$(ms "$A50")" \
    "line written -> readable in Kafka, p50" "$(ms "$K50")" "$(ratio "$A50" "$K50")" "" "" \
    "deciding line -> first alert, p99" "$(ms "$A99")" \
    "line written -> readable in Kafka, p99" "$(ms "$K99")" "$(ratio "$A99" "$K99")" "" "" \
    "collector, live (largest of kaltim-wave's 18)" "" "" "" "" "$(( COL_RSS / 1024 )) MiB" "" \
    "correlator, live (kaltim-wave, campaigns, alerts)" "" "" "" "" "$(( COR_RSS / 1024 )) MiB" "" |
    tee -a "$ROWS"
{
    echo "latency: $RATE attack lines/s for ${SECS}s into one live collector, correlator defaults"
    echo "  (batch.interval 1s); stored = its offset committed; consumers fetch.wait.max.ms=10 (the mock"
    echo "  broker answers fetches only at that deadline); alerts: kaltim-wave at ${SPEED}x, seeds $SEEDS,"
    echo "  $AN planted campaigns alerted, $AMISS missed; due time of the deciding line from clock.json"
} >>"${BENCH_NOTES:-/dev/null}"
