#!/bin/bash
# One million distinct source IPs in one minute of event time (issue 8):
# ronda-eventgen --scenario distinct-ips (every event from a new IP, ssh
# failures and 404 probes alternating over 300 sites, the worst case for
# window memory) through `ronda-correlator --input` (the engine, detectors,
# store and batch commits of the Kafka path, without a broker). The caps:
# windows.max_entries 500,000 (max_bytes 128M, not reached first) and
# dedupe.max_ids 100,000, a fifth of each under ASan with a fifth of the
# events. Then:
#   - it ends normally, every event applied;
#   - window_evicted in the counters table is exactly the window keys the
#     stream makes minus max_entries: nothing expires within a minute (the
#     shortest window plus lateness is longer), so every key past the cap
#     was evicted once and counted once. The keys are counted here from the
#     stream as the detectors make them: per failing IP on a site its
#     failure, any-failure and spray series, per site and /24 its network
#     series, per probing IP on a site its scan series;
#   - dedupe_evicted is exactly the events minus max_ids (every id is new);
#   - peak RSS (plain build) stays under windows.max_bytes plus a fixed
#     overhead of 192 MiB (SQLite's 64 MiB page cache, the dedupe set, the
#     batch, the program), where the uncapped run needs about 454 MiB
#     (docs/correlator.md).
. "$(dirname "$0")/lib.sh"

N=1000000
MAX_ENTRIES=500000
MAX_IDS=100000
if [ "$RONDA_SAN" = 1 ]; then
    N=200000 MAX_ENTRIES=100000 MAX_IDS=20000
fi
MAX_BYTES_MB=128
OVERHEAD_MB=192
RATE=$(( N / 60 ))

cat >"$T/c.yaml" <<YAML
store: $T/ronda.db
sites:
  - id: bontangkota0.go.id
windows: {max_entries: $MAX_ENTRIES, max_bytes: ${MAX_BYTES_MB}M}
dedupe: {max_ids: $MAX_IDS}
YAML
out=$("$RONDA_BIN/ronda-correlator" -c "$T/c.yaml" --check-config 2>&1) || fail "config: $out"

# The window keys of the stream, counted beside the correlator from the
# same bytes (tee), and the events.
cat >"$T/keys.py" <<'PY'
import json, sys
keys, events = set(), 0
for line in sys.stdin:
    ev = json.loads(line.split("\t", 1)[1])
    events += 1
    site, ip = ev["organization"]["id"], ev.get("source", {}).get("ip")
    if not ip:
        continue
    if ev["event"].get("action", "").endswith("_failed"):
        keys.update([("fail", site, ip), ("any", site, ip), ("spray", site, ip),
                     ("net", site, ip.rsplit(".", 1)[0])])
    elif ev.get("http", {}).get("response", {}).get("status_code") == 404:
        keys.add(("scan", site, ip))
print(len(keys), events)
PY
t0=$(_now_ms)
set +e
"$RONDA_BIN/ronda-eventgen" --scenario distinct-ips --events "$N" --sites 300 --rate "$RATE" |
    tee >(/usr/bin/python3 "$T/keys.py" >"$T/keys") |
    timeout "$(scaled 300)" /usr/bin/time -o "$T/rss" -f '%M' \
        "$RONDA_BIN/ronda-correlator" -c "$T/c.yaml" --input - >"$T/correlator.log" 2>&1
rc=$?
set -e
secs=$(( ($(_now_ms) - t0) / 1000 ))
[ $rc = 0 ] || { tail -n 5 "$T/correlator.log" >&2; fail "ronda-correlator --input exited with $rc"; }
wait_for test -s "$T/keys" --timeout 120 || fail "the key count did not finish"
read -r keys events <"$T/keys"
rss_kb=$(tail -n 1 "$T/rss")
grep '^input:' "$T/correlator.log"

q() { sqlite3 "$T/ronda.db" "SELECT coalesce(max(value), 0) FROM counters WHERE name = '$1'"; }
applied=$(q events)
wevict=$(q window_evicted)
devict=$(q dedupe_evicted)
incidents=$(sqlite3 "$T/ronda.db" "SELECT count(*) FROM incidents")
echo "$events events, $keys window keys: applied $applied, window_evicted $wevict," \
    "dedupe_evicted $devict, $incidents incidents; peak RSS $((rss_kb / 1024)) MiB in ${secs}s"
[ "$events" = "$N" ] || fail "ronda-eventgen wrote $events events, not $N"
[ "$applied" = "$events" ] || fail "applied $applied of $events events"
[ "$keys" -gt "$MAX_ENTRIES" ] || fail "only $keys window keys: the cap is never reached"
[ "$wevict" = $(( keys - MAX_ENTRIES )) ] ||
    fail "window_evicted $wevict, but $keys keys over a cap of $MAX_ENTRIES evict $(( keys - MAX_ENTRIES ))"
[ "$devict" = $(( events - MAX_IDS )) ] ||
    fail "dedupe_evicted $devict, but $events new ids over a cap of $MAX_IDS evict $(( events - MAX_IDS ))"
if [ "$RONDA_SAN" = 0 ]; then
    limit_kb=$(( (MAX_BYTES_MB + OVERHEAD_MB) * 1024 ))
    [ "$rss_kb" -le "$limit_kb" ] ||
        fail "peak RSS $((rss_kb / 1024)) MiB over windows.max_bytes + ${OVERHEAD_MB} MiB" \
            "($((limit_kb / 1024)) MiB)"
fi
echo ok
