#!/bin/bash
# An input whose folder does not exist yet: the collector starts anyway,
# and when the folder and a file appear later the file is read from its
# first line, even with start_at: end (that applies only to files present
# at the very first start). The folder removed and created again is
# followed again. Counted line by line.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/collector_lib.sh"
require_cmd kcat

writer() {   # PATH START N
    /usr/bin/python3 "$RONDA_SRC/tests/e2e/logwriter.py" --path "$1" \
        --truth "$T/truth" --start "$2" --lines "$3"
}

start_broker --partitions 3
consume_to "$T/events.jsonl" ronda.events
collector_config "$T/collector.yaml"
sed -i "s#path: $T/logs/\*.log#path: $T/later/app/*.log#; s#start_at: beginning#start_at: end#" \
    "$T/collector.yaml"
grep -q "path: $T/later/app/\*.log" "$T/collector.yaml" || fail "config not rewritten"
[ ! -e "$T/later" ] || fail "the folder exists already"

start_collector collector
wait_started collector
sleep 1
_alive "$COLLECTOR_PID" || fail "the collector exited without its log folder"

# The folder appears with a file already holding 1,500 lines.
mkdir -p "$T/later/app"
writer "$T/later/app/access.log" 0 1500
wait_complete 1500 30
writer "$T/later/app/access.log" 1500 500
wait_complete 2000 30

# Removed (as a cleanup script might) and created again.
rm -rf "$T/later"
sleep 1
mkdir -p "$T/later/app"
writer "$T/later/app/other.log" 2000 1000
wait_complete 3000 30

stop "$COLLECTOR_PID" --timeout 15 || fail "collector exited with $? on SIGTERM"
grep -q "every line read was confirmed by Kafka" "$T/collector.log" ||
    fail "unconfirmed lines at exit"
sleep 1
verify_events 3000
echo "folder created later: 3000 of 3000 lines arrived"
