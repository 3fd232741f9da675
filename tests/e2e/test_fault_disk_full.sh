#!/bin/bash
# The collector's state DB on a full disk: a 1 MiB tmpfs holds it, and a
# filler file takes every free byte while lines keep coming.
#   - the failed checkpoint writes are reported in one clear line and the
#     lines keep flowing to Kafka (they are the data; the DB only records
#     how far Kafka confirmed them);
#   - the DB stays consistent (integrity_check ok, its offsets never ahead
#     of what Kafka confirmed), also after kill -9 while the disk is full
#     and a restart on the still-full disk;
#   - when space returns the checkpoints catch up to the end of the file,
#     and no line is lost (every line arrives; a line resent after the
#     kill carries the same event.id).
# Needs root to mount the tmpfs; skipped otherwise.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/collector_lib.sh"
require_cmd kcat sqlite3
[ "$(id -u)" = 0 ] || skip "needs root to mount a small tmpfs for the state DB"
S=$T/state
mkdir -p "$S"
mount -t tmpfs -o size=1m,mode=0700 ronda-test-full "$S" 2>/dev/null ||
    skip "cannot mount a tmpfs here"
trap 'rc=$?; _lib_cleanup; umount -l "$S" 2>/dev/null; exit $rc' EXIT

writer() {   # START N
    /usr/bin/python3 "$RONDA_SRC/tests/e2e/logwriter.py" --path "$T/logs/access.log" \
        --truth "$T/truth" --start "$1" --lines "$2"
}
q() { sqlite3 "file:$S/state.db?mode=ro" "$1" 2>&1; }
ckpt_offset() { q "SELECT coalesce(max(offset), 0) FROM files WHERE path LIKE '%/access.log'"; }
size() { stat -c %s "$T/logs/access.log"; }
_ckpt_at_end() { [ "$(ckpt_offset)" = "$(size)" ]; }
integrity() {
    local r
    r=$(q "PRAGMA integrity_check")
    [ "$r" = ok ] || fail "state DB integrity ($1): $r"
}

start_broker --partitions 3
consume_to "$T/events.jsonl" ronda.events
collector_config "$T/collector.yaml"
sed -i "s#^state_db: .*#state_db: $S/state.db#" "$T/collector.yaml"
start_collector collector
wait_started collector

writer 0 2000
wait_complete 2000 30
wait_for _ckpt_at_end --timeout 10 || fail "checkpoint $(ckpt_offset) never reached $(size)"
before=$(ckpt_offset)

# Disk full: every free byte taken.
dd if=/dev/zero of="$S/filler" bs=4k 2>/dev/null || true
[ "$(df --output=avail "$S" | tail -n 1 | tr -d ' ')" -le 4 ] || fail "the tmpfs is not full"
writer 2000 4000
wait_complete 6000 60
wait_for grep -qF "checkpoint: $S/state.db: commit: database or disk is full" \
    "$T/collector.log" --timeout 20 || fail "no clear checkpoint error on the full disk"
grep "checkpoint: " "$T/collector.log" | head -n 1
sleep 3   # retried every second, reported once a minute
n=$(grep -c "checkpoint: $S/state.db" "$T/collector.log" || true)
[ "$n" = 1 ] || fail "the checkpoint error was logged $n times in a few seconds, not once"
_alive "$COLLECTOR_PID" || fail "the collector died on a full disk"
now=$(ckpt_offset)
[ "$now" -le "$(size)" ] || fail "checkpoint $now is past the end of the file"
integrity "while full"

# The worst moment to die: kill -9 with the disk still full.
kill -KILL "$COLLECTOR_PID"
wait "$COLLECTOR_PID" 2>/dev/null || true
integrity "after kill -9 on the full disk"
start_collector collector-2
# It may start and resend, or stop with a clear error; both keep the data.
if wait_for grep -q "ronda-collector info: started" "$T/collector-2.log" --timeout 30; then
    echo "restarted on the full disk"
    sleep 2
else
    grep -E "full|state" "$T/collector-2.log" | head -n 3
    _alive "$COLLECTOR_PID" && fail "collector-2 neither started nor exited"
fi

# Space returns: the checkpoints catch up, nothing is lost.
rm -f "$S/filler"
if ! _alive "$COLLECTOR_PID"; then
    start_collector collector-3
    wait_started collector-3
fi
writer 6000 1000
wait_complete 7000 60
wait_for _ckpt_at_end --timeout 20 || fail "checkpoint $(ckpt_offset) did not catch up with $(size)"
if grep -q "ronda-collector info: started" "$T/collector-2.log"; then
    grep -q "checkpoint: $S/state.db written again after" "$T/collector-2.log" ||
        fail "the recovery was not reported"
fi
stop "$COLLECTOR_PID" --timeout 15 || fail "collector exited with $? on SIGTERM"
integrity "after recovery"
echo "checkpoint offsets: $before before the disk filled, $now while full, $(ckpt_offset) after"
sleep 1
verify_events 7000
