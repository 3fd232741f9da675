#!/bin/bash
# A line within max_line whose event is larger than Kafka takes (a request
# of 64,000 control bytes: each is six bytes of JSON, and the URL, path and
# query repeat it, 1.15 MB in all; librdkafka refuses messages over
# message.max.bytes, 1 MB, for good). It used to stop the collector for good:
# the refused event was offered again forever and nothing after it was read.
# Now it goes out cut to fit, flagged truncated, and the lines after it
# follow. A second line of 200,000 control bytes (max_line raised to 256k)
# is too large even as event.original alone: that is cut too.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/collector_lib.sh"
require_cmd kcat
start_broker --partitions 2
consume_to "$T/events.jsonl" ronda.events
/usr/bin/python3 - "$T/logs/access.log" <<'PY'
import sys
ts = '[20/Nov/2026:23:04:05 +0800]'
def line(n, req):
    return (b'203.0.113.9 - - ' + ts.encode() + b' "GET ' + req + b' HTTP/1.1" 200 5 "-" "curl/8.0"\n')
with open(sys.argv[1], 'wb') as f:
    f.write(line(0, b'/0-halaman'))
    f.write(line(1, b'/1-halaman/' + b'\x01' * 32000 + b'?q=' + b'\x02' * 32000))
    f.write(b'203.0.113.9 - - ' + ts.encode() + b' "GET /2-halaman HTTP/1.1" 200 5 "-" "' +
            b'\x03' * 200000 + b'"\n')
    for n in range(3, 50):
        f.write(line(n, b'/%d-halaman' % n))
PY
collector_config "$T/collector.yaml" "max_line: 256k"
rc=0
timeout "$(scaled 60)" "$RONDA_BIN/ronda-collector" -c "$T/collector.yaml" --once \
    2>"$T/collector.log" || rc=$?
[ "$rc" = 0 ] || fail "collector --once exited with $rc (124: stuck on the large event)"
wait_complete 50 30
sleep 1
cat "$T"/events*.jsonl >"$T/all-events-hb.json"
# Heartbeats (processing time, one per wall-clock minute) are counted apart.
grep -c '"dataset":"ronda.heartbeat"' "$T/all-events-hb.json" >/dev/null ||
    fail "no heartbeat from the collector"
grep -v '"dataset":"ronda.heartbeat"' "$T/all-events-hb.json" >"$T/all-events.json" || true
# Every event valid (the full validator), 51 distinct: 50 lines, 1 aggregate.
check_events "$T/all-events.json" --full --expect-count 51 >/dev/null ||
    fail "check_events: $(check_events "$T/all-events.json" --full --expect-count 51 2>&1 | tail -3)"
/usr/bin/python3 - "$T/all-events.json" <<'PY' || fail "the large line's event is wrong"
import json, sys
raws = [l for l in open(sys.argv[1], 'rb') if l.strip()]
evs = [json.loads(l) for l in raws]
assert max(len(l) for l in raws) < 1000000, "a message of %d bytes" % max(len(l) for l in raws)
offsets = {e['log']['offset'] for e in evs if e['event']['kind'] != 'metric'}
assert len(offsets) == 50, "%d distinct lines arrived, not 50" % len(offsets)
big = [e for e in evs if e['event']['kind'] != 'metric' and
       ('/1-halaman/' in e['event']['original'] or '/2-halaman ' in e['event']['original'])]
assert len({e['log']['offset'] for e in big}) == 2, "not both large lines arrived"
for e in big:
    assert e['ronda'].get('truncated') is True, "not flagged truncated"
    assert e['event']['original'].startswith('203.0.113.9 - - [20/Nov/2026'), "original lost"
    assert e['log']['offset'] > 0
cut = [e for e in big if '/2-halaman ' in e['event']['original']]
assert len(cut[0]['event']['original']) < 200000, "the 200 kB line was not cut"
print("large lines: shipped flagged truncated, %s characters kept"
      % [len(e['event']['original']) for e in big])
PY
