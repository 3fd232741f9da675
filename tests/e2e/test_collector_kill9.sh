#!/bin/bash
# The collector is killed with SIGKILL five times during ingest of 200,000
# lines (with rotations). After a final restart every line has arrived at
# least once, and a line sent twice carries the same event.id both times.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/collector_lib.sh"
require_cmd kcat
N=$(lines 200000)

start_broker --partitions 12
consume_to "$T/events.jsonl" ronda.events
collector_config "$T/collector.yaml"

start_collector collector-0
wait_started collector-0
write_log --lines $N --rate "$(rate 8000)" --rotate rename --every $(( N / 4 )) &
WRITER=$!
for i in 1 2 3 4 5; do
    [ "$i" = 1 ] || { start_collector "collector-$i"; wait_started "collector-$i"; }
    # Kill at a random moment 0.5 .. 2.5 s after it started reading.
    sleep "$(awk -v r=$RANDOM 'BEGIN { printf "%.2f", 0.5 + (r % 2000) / 1000 }')"
    kill -KILL "$COLLECTOR_PID"
    wait "$COLLECTOR_PID" 2>/dev/null || true
done
wait "$WRITER"
start_collector collector-final
wait_complete $N 120
stop "$COLLECTOR_PID" --timeout 15 || fail "final collector exited with $?"
sleep 1
verify_events $N
dups=$(check_events "$T/all-events.json" --quiet 2>/dev/null | grep -oE 'duplicates=[0-9]+' | cut -d= -f2)
echo "duplicates after 5 kills: $dups"
