#!/bin/bash
# Hostile load through the real pipeline (collectors -> devbroker -> correlator):
#   - three 10 MB lines: each is cut at max_line (64 KiB) into one event
#     marked ronda.truncated whose event.original is exactly the line's first
#     64 KiB; the collector counts "cut 3"; the lines around them are intact;
#   - a flood of invalid UTF-8 (half structurally valid access lines with
#     garbage in them, half pure garbage; overlong forms, surrogates, bytes
#     past U+10FFFF, stray continuation bytes, NUL, ESC): every line arrives
#     as one event that is strict UTF-8, valid JSON, valid against the event
#     schema, and whose event.original maps back to the exact bytes
#     (an invalid byte is the text \xHH: nothing dropped, nothing added);
#   - a second collector claiming a site the correlator does not know: its
#     events are accepted and counted as unknown_site_events (exactly its
#     messages), its incidents stored with site_known = 0, the known
#     site's with site_known = 1; the correlator rejects nothing.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/collector_lib.sh"
require_cmd kcat sqlite3
FLOOD=$(lines 10000)
mkdir -p "$T/palsu"

start_broker --partitions 6 --topics ronda.events,ronda.events.dlq,ronda.alerts
consume_to "$T/events.jsonl" ronda.events

cat >"$T/correlator.yaml" <<YAML
kafka:
  brokers: $BROKER
  topic: ronda.events
  group: ronda-correlator
  properties: {session.timeout.ms: "6000"}
store: $T/ronda.db
sites:
  - id: bontangkota.go.id
    agency: Diskominfo Bontang
    region: Kalimantan Timur
    timezone: Asia/Makassar
YAML
spawn correlator "$RONDA_BIN/ronda-correlator" -c "$T/correlator.yaml"
CORR_PID=$SPAWNED_PID

collector_config "$T/collector.yaml"
start_collector collector
A_PID=$COLLECTOR_PID
# The impostor: a site the SOC never registered.
sed -e "s#^site: .*#site: palsu.go.id#" -e "s#^state_db: .*#state_db: $T/palsu.db#" \
    -e "s#path: $T/logs/\*.log#path: $T/palsu/*.log#" "$T/collector.yaml" >"$T/palsu.yaml"
spawn palsu "$RONDA_BIN/ronda-collector" -c "$T/palsu.yaml"
B_PID=$SPAWNED_PID
wait_started collector
wait_started palsu

# Site A: numbered lines, three 10 MB lines between them, SQL injection, the flood.
/usr/bin/python3 - "$T/logs/access.log" "$T/truth" "$T/big" "$FLOOD" <<'PY'
import random, sys
path, truth_path, big_path, flood = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
rnd = random.Random(8)
ts = "21/Nov/2026:10:%02d:%02d +0700"
def line(n, ip="10.8.0.1", path=None, ua="Mozilla/5.0"):
    p = path if path is not None else "/berita/%d-halaman" % n
    return ('%s - - [%s] "GET %s HTTP/1.1" 200 %d "-" "%s"' %
            (ip, ts % ((n // 60) % 60, n % 60), p, 100 + n, ua)).encode()
# Bytes that are not UTF-8, or are but hostile; never \n, \r or a backslash.
BAD = [b"\x80", b"\xbf", b"\xc0\x80", b"\xc1\xbf", b"\xe0\x80\xaf", b"\xed\xa0\x80",
       b"\xed\xbf\xbf", b"\xf4\x90\x80\x80", b"\xf5\x80\x80\x80", b"\xff", b"\xfe",
       b"\xe2\x82", b"\xf0\x9f\x98", b"\x00", b"\x1b[31m", b"\x07", b"\x7f",
       "é".encode(), "日本".encode(), "\U0001F600".encode()]
def garbage(k):
    return b"".join(rnd.choice(BAD) + bytes([rnd.randrange(0x21, 0x7f) & ~0x20 | 0x40])
                    for _ in range(k)).replace(b"\\", b"/")
out = open(path, "ab")
truth = open(truth_path, "wb")
big = open(big_path, "wb")
n = 0
def put(b, checked=True):
    out.write(b + b"\n")
    if checked:
        truth.write(b + b"\n")
for _ in range(300):
    put(line(n)); n += 1
for k in range(3):
    huge = line(n, path="/" + "A" * (10 << 20) + "?k=%d" % k)
    put(huge, checked=False)
    big.write(huge[:65536] + b"\n")
    for _ in range(100):
        put(line(n)); n += 1
    out.flush()
for i in range(20):   # SQL injection on a known site: one incident
    put(line(n, ip="198.51.100.7", path="/berita.php?id=%d%%27%%20UNION%%20SELECT%%20password%%20FROM%%20users--" % i))
    n += 1
for i in range(flood):
    if i % 2 == 0:
        b = line(n, ip="10.9.%d.%d" % (i // 250 % 250, i % 250 + 1),
                 path=b"/x/".decode() + "%d-halaman" % n)
        b = b.replace(b"/x/", b"/" + garbage(3) + b"/", 1)
        b = b.replace(b'"Mozilla/5.0"', b'"' + garbage(6) + b'"')
    else:
        b = garbage(rnd.randrange(1, 40))
    put(b); n += 1
    if i % 1000 == 0:
        out.flush()
out.close(); truth.close(); big.close()
print("site A: %d checked lines, 3 lines of 10 MB" % n)
PY
# Site B (unknown to the correlator): SQL injection and a few ordinary lines.
/usr/bin/python3 - "$T/palsu/access.log" <<'PY'
import sys
with open(sys.argv[1], "w") as f:
    for i in range(40):
        q = "?id=%d%%27%%20UNION%%20SELECT%%20password%%20FROM%%20users--" % i if i % 2 else ""
        f.write('203.0.113.66 - - [21/Nov/2026:10:01:%02d +0700] "GET /layanan.php%s HTTP/1.1" 200 77 "-" "sqlmap/1.7"\n' % (i, q))
PY
NA=$(( $(count_lines "$T/truth") ))

_a_done() { [ "$(grep -c '"organization":{"id":"bontangkota.go.id"' "$T/events.jsonl")" -ge $((NA + 3)) ]; }
_b_done() { [ "$(grep -c '"organization":{"id":"palsu.go.id"' "$T/events.jsonl")" -ge 40 ]; }
wait_for _a_done --timeout 90 || fail "site A: not every line arrived"
wait_for _b_done --timeout 30 || fail "site B: not every line arrived"
stop "$A_PID" --timeout 15 || fail "collector A exited with $?"
stop "$B_PID" --timeout 15 || fail "collector B exited with $?"
grep -q "stats: .* cut 3," "$T/collector.log" || fail "collector A did not count 3 cut lines"
grep -q "every line read was confirmed by Kafka" "$T/collector.log" || fail "A: unconfirmed lines"
sleep 1

# Every line of site A (but the three cut ones) exactly once, schema-valid.
grep '"organization":{"id":"bontangkota.go.id"' "$T/events.jsonl" >"$T/a-events.jsonl" || true
out=$(check_events "$T/a-events.jsonl" --expect-lines "$T/truth" --quiet 2>&1) ||
    fail "site A events: $out"
echo "site A: $out"
# Strict UTF-8 (Python's json also takes lone surrogates: refuse them here) and
# the cut lines exactly as cut.
/usr/bin/python3 - "$T/events.jsonl" "$T/big" <<'PY' || fail "hostile events check"
import json, sys
cut = []
n = 0
with open(sys.argv[1], "rb") as f:
    for raw in f:
        n += 1
        text = raw.decode("utf-8")          # strict: raises on anything invalid
        ev = json.loads(text)
        orig = ev.get("event", {}).get("original", "")
        if any(0xD800 <= ord(c) <= 0xDFFF for c in orig):
            sys.exit("event %d: a surrogate code point in event.original" % n)
        if ev.get("ronda", {}).get("truncated"):
            cut.append(orig)
big = [l.decode() for l in open(sys.argv[2], "rb").read().split(b"\n") if l]
if sorted(cut) != sorted(big):
    sys.exit("cut events: %d, expected %d, lengths %s" % (len(cut), len(big), [len(c) for c in cut]))
print("%d events strict UTF-8; 3 cut events of %s bytes, each the line's first 64 KiB" %
      (n, sorted(set(len(c) for c in cut))))
PY

# The correlator took everything; the impostor is flagged, not dropped.
total=$(count_lines "$T/events.jsonl")
nb=$(grep -c '"organization":{"id":"palsu.go.id"' "$T/events.jsonl")
q() { sqlite3 "$T/ronda.db" "$1" 2>/dev/null; }
cnt() { local v; v=$(q "SELECT value FROM counters WHERE name='$1'"); echo "${v:-0}"; }
_applied() { [ $(( $(cnt events) + $(cnt duplicates) )) -ge "$total" ]; }
wait_for _applied --timeout 60 ||
    fail "correlator applied $(cnt events) + $(cnt duplicates) duplicates of $total messages"
stop "$CORR_PID" --timeout 15 || fail "correlator exited with $?"
echo "correlator: events $(cnt events), duplicates $(cnt duplicates), unknown_site_events $(cnt unknown_site_events) (palsu.go.id sent $nb), rejected $(cnt rejected_not_json)/$(cnt rejected_schema)/$(cnt rejected_too_large)"
[ "$(cnt events)" = "$total" ] || fail "events $(cnt events) != messages $total"
[ "$(cnt unknown_site_events)" = "$nb" ] || fail "unknown_site_events $(cnt unknown_site_events) != $nb"
[ $(( $(cnt rejected_not_json) + $(cnt rejected_schema) + $(cnt rejected_too_large) )) = 0 ] ||
    fail "the correlator rejected events"
[ "$(q "SELECT count(*) FROM incidents WHERE site='palsu.go.id' AND site_known=0")" -ge 1 ] ||
    fail "no incident flagged site_known=0 for palsu.go.id"
[ "$(q "SELECT count(*) FROM incidents WHERE site='palsu.go.id' AND site_known<>0")" = 0 ] ||
    fail "an incident of palsu.go.id is marked as a known site"
[ "$(q "SELECT count(*) FROM incidents WHERE site='bontangkota.go.id' AND site_known=1")" -ge 1 ] ||
    fail "no incident with site_known=1 for the known site"
[ "$(q "SELECT known FROM sites WHERE id='palsu.go.id'")" = 0 ] || fail "sites: palsu.go.id not known=0"
echo "incidents: $(q "SELECT site||' '||kind||' known='||site_known FROM incidents ORDER BY site, kind" | tr '\n' ';')"
