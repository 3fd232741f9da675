#!/bin/bash
# Kafka goes away for 10 seconds during ingest (SIGUSR1 to ronda-devbroker
# takes every broker down, SIGUSR2 brings them back): the collector holds,
# its memory stays bounded, and afterwards nothing is lost.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/collector_lib.sh"
require_cmd kcat
N=$(lines 200000)

start_broker --partitions 12
consume_to "$T/events.jsonl" ronda.events
collector_config "$T/collector.yaml"
start_collector collector
wait_started collector

write_log --lines $N --rate "$(rate 15000)" &
WRITER=$!
sleep 2
broker_down
sleep 5
before=$(distinct_seen)
rss_kb=$(awk '/VmRSS/ { print $2 }' "/proc/$COLLECTOR_PID/status")
sleep 5
after=$(distinct_seen)
rss2_kb=$(awk '/VmRSS/ { print $2 }' "/proc/$COLLECTOR_PID/status")
[ "$rss2_kb" -gt "$rss_kb" ] && rss_kb=$rss2_kb
broker_up
# kcat gives up when every broker is gone: read again from the beginning.
consume_to "$T/events-after.jsonl" ronda.events --name kcat-after
echo "during the outage: $before -> $after lines seen; collector RSS ${rss_kb} KiB"
[ "$after" -le $((before + 1000)) ] || fail "events kept arriving while Kafka was down ($before -> $after)"
if [ "$RONDA_SAN" = 0 ] && [ "$rss_kb" -gt 262144 ]; then
    fail "collector RSS ${rss_kb} KiB during the outage: memory must stay bounded"
fi
wait "$WRITER"
wait_complete $N 180
stop "$COLLECTOR_PID" --timeout 15 || fail "collector exited with $? on SIGTERM"
sleep 1
verify_events $N
