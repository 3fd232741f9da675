#!/bin/bash
# A supervisor that sends SIGTERM again and again while the collector shuts
# down (systemd, an impatient admin, a test harness) still gets the clean exit:
# status 0, every line confirmed and checkpointed, no default-action kill
# (143) after the collector has released its signal handlers.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/collector_lib.sh"
require_cmd kcat

start_broker --partitions 3
consume_to "$T/events.jsonl" ronda.events
collector_config "$T/collector.yaml"
for round in 1 2 3 4 5; do
    start_collector "collector-$round"
    wait_started "collector-$round"
    write_log --lines 500 --start $(( (round - 1) * 500 ))
    wait_complete $(( round * 500 )) 60
    # TERM every 2 ms until it is gone (bounded: 15 s).
    deadline=$(( $(date +%s) + 15 ))
    while kill -TERM "$COLLECTOR_PID" 2>/dev/null; do
        [ "$(date +%s)" -lt "$deadline" ] || fail "round $round: still running after 15 s of TERMs"
        sleep 0.002
    done
    wait "$COLLECTOR_PID"
    rc=$?
    [ "$rc" = 0 ] || fail "round $round: exit status $rc under repeated TERMs (want 0)"
    grep -q "stopped; every line read was confirmed by Kafka" "$T/collector-$round.log" ||
        fail "round $round: no clean stop in the log"
done
verify_events 2500
echo "5 rounds of TERM storms: exit 0 each time, 2,500 lines confirmed"
