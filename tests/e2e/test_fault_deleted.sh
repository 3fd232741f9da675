#!/bin/bash
# A log file deleted while it is tailed. The collector holds the file open,
# so what was written before the deletion is still readable: every line
# arrives, also when the collector was frozen (SIGSTOP) while 3,000 lines
# were written, the file deleted and a new file created under the same
# name; the new file is followed from its start. Counted line by line.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/collector_lib.sh"
require_cmd kcat

writer() {   # START N: numbered lines appended to access.log, truth in $T/truth
    /usr/bin/python3 "$RONDA_SRC/tests/e2e/logwriter.py" --path "$T/logs/access.log" \
        --truth "$T/truth" --start "$1" --lines "$2"
}

start_broker --partitions 3
consume_to "$T/events.jsonl" ronda.events
collector_config "$T/collector.yaml"
start_collector collector
wait_started collector

writer 0 2000
wait_complete 2000 30

# Frozen: it cannot have read these before the file is gone.
kill -STOP "$COLLECTOR_PID"
writer 2000 3000
rm "$T/logs/access.log"
writer 5000 1000
kill -CONT "$COLLECTOR_PID"
wait_complete 6000 30
grep -q "access.log was rotated or removed" "$T/collector.log" ||
    fail "the deletion was not noticed"

# Deleted while idle, then recreated.
rm "$T/logs/access.log"
sleep 0.5
writer 6000 1000
wait_complete 7000 30

# Both deleted files are read to their end and closed (rotate_wait 1s): an
# fd kept on a deleted log would keep its disk space taken for ever.
deleted_fds() { find "/proc/$COLLECTOR_PID/fd" -lname '*(deleted)' 2>/dev/null | wc -l; }
_none_deleted() { [ "$(deleted_fds)" = 0 ]; }
wait_for _none_deleted --timeout 15 || fail "$(deleted_fds) deleted files still held open"
n=$(grep -c "done with rotated file" "$T/collector.log" || true)
[ "$n" = 2 ] || fail "expected the 2 deleted files read to their end and closed, saw $n"
stop "$COLLECTOR_PID" --timeout 15 || fail "collector exited with $? on SIGTERM"
grep -q "every line read was confirmed by Kafka" "$T/collector.log" ||
    fail "unconfirmed lines at exit"
sleep 1
verify_events 7000
echo "deleted while tailed: 7000 of 7000 lines arrived"
