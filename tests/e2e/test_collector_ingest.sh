#!/bin/bash
# 200,000 lines appended while the collector runs all arrive in Kafka, and
# every event validates against schemas/event.schema.json.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/collector_lib.sh"
require_cmd kcat
N=$(lines 200000)

start_broker --partitions 6
consume_to "$T/events.jsonl" ronda.events
collector_config "$T/collector.yaml"
start_collector collector
wait_started collector

write_log --lines $N --rate "$(rate 30000)"
wait_complete $N 120
stop "$COLLECTOR_PID" --timeout 15 || fail "collector exited with $? on SIGTERM"
grep -q "every line read was confirmed by Kafka" "$T/collector.log" || fail "unconfirmed lines at exit"
sleep 1
verify_events $N
