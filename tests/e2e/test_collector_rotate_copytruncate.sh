#!/bin/bash
# 200,000 lines with a copytruncate rotation every 10,000 lines while the
# collector runs: every line arrives (lines not yet read at truncation time
# are read from the copy).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/collector_lib.sh"
require_cmd kcat
N=$(lines 200000)

start_broker --partitions 6
consume_to "$T/events.jsonl" ronda.events
collector_config "$T/collector.yaml"
start_collector collector
wait_started collector

write_log --lines $N --rate "$(rate 30000)" --rotate copytruncate --every 10000
wait_complete $N 120
stop "$COLLECTOR_PID" --timeout 15 || fail "collector exited with $? on SIGTERM"
tr=$(grep -c "was truncated" "$T/collector.log" || true)
[ "$tr" -ge $(( N / 10000 * 3 / 4 )) ] || fail "expected $(( N / 10000 - 1 )) truncations to be seen, saw $tr"
sleep 1
verify_events $N
