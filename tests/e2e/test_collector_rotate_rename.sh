#!/bin/bash
# 200,000 lines with a rename rotation (logrotate's default) every 10,000
# lines while the collector runs: every line arrives.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/collector_lib.sh"
require_cmd kcat
N=$(lines 200000)

start_broker --partitions 6
consume_to "$T/events.jsonl" ronda.events
collector_config "$T/collector.yaml"
start_collector collector
wait_started collector

write_log --lines $N --rate "$(rate 30000)" --rotate rename --every 10000
wait_complete $N 120
stop "$COLLECTOR_PID" --timeout 15 || fail "collector exited with $? on SIGTERM"
rot=$(grep -c "was rotated or removed" "$T/collector.log" || true)
[ "$rot" -ge $(( N / 10000 * 3 / 4 )) ] || fail "expected $(( N / 10000 - 1 )) rotations to be seen, saw $rot"
sleep 1
verify_events $N
