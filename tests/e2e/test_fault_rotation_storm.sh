#!/bin/bash
# Collector SIGKILL at random moments during a rotation storm (issue 8).
# 120,000 lines (a quarter under ASan) are written while the file is
# rotated every 3,000 lines (750 under ASan), alternately by rename+create
# and by copytruncate (logrotate's two ways), 39 rotations in all. The
# collector is killed with SIGKILL six times, each time 0.3 .. 1.5 s after
# it came up, and restarted at once. After a final restart every line has
# arrived at least once, every event validates, and a line sent twice
# carries the same event.id both times (check_events: missing=0,
# id_conflicts=0). Both kinds of rotation must have been seen.
#
# The writer keeps five rotated generations, as logrotate's `rotate 5`: a
# collector down for more than five rotations could lose a generation for
# good, so the rate keeps a rotation at least 0.6 s (plain) apart and the
# downtime (kill to restart) is measured and must stay under that margin
# for the test to mean anything. 48 partitions: the stream (with the
# 10-25k events the kills make the collector send again) is about 140 MB;
# over 12 partitions that is 11 MB each, more than the mock broker keeps
# (~5 MB) should kcat fall behind on a busy machine (a first run at 12
# missed a scattered few hundred events, as such a gap would).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/collector_lib.sh"
require_cmd kcat
N=$(lines 120000)
EVERY=$(( N / 40 ))
KILLS=6
KEEP=5

start_broker --partitions 48
consume_to "$T/events.jsonl" ronda.events
collector_config "$T/collector.yaml"

start_collector collector-0
wait_started collector-0
rate=$(rate 5000)
write_log --lines "$N" --rate "$rate" --rotate alternate --every "$EVERY" &
WRITER=$!
margin_ms=$(awk -v e="$EVERY" -v r="$rate" -v k="$KEEP" 'BEGIN { printf "%d", (k - 1) * e / r * 1000 }')
worst=0
for i in $(seq 1 "$KILLS"); do
    sleep "$(awk -v r=$RANDOM 'BEGIN { printf "%.2f", 0.3 + (r % 1200) / 1000 }')"
    _alive "$WRITER" || fail "the writer finished before kill $i: the storm is too short"
    kill -KILL "$COLLECTOR_PID"
    wait "$COLLECTOR_PID" 2>/dev/null || true
    t0=$(_now_ms)
    start_collector "collector-$i"
    wait_started "collector-$i"
    down=$(( $(_now_ms) - t0 ))
    [ "$down" -gt "$worst" ] && worst=$down
    echo "kill $i: $(distinct_seen) distinct lines seen; restarted in ${down} ms"
done
wait "$WRITER" || fail "the writer failed"
if [ "$worst" -ge "$margin_ms" ]; then
    fail "a restart took ${worst} ms, more than the ${margin_ms} ms the writer's $KEEP" \
        "generations cover at this rate: lines could be lost for good (machine too slow)"
fi
wait_complete "$N" 120
stop "$COLLECTOR_PID" --timeout 15 || fail "the final collector exited with $? on SIGTERM"
grep -q "every line read was confirmed by Kafka" "$T/collector-$KILLS.log" ||
    fail "unconfirmed lines at exit"

renames=$(cat "$T"/collector-*.log | grep -c "was rotated or removed" || true)
truncs=$(cat "$T"/collector-*.log | grep -c "was truncated" || true)
lostcopy=$(cat "$T"/collector-*.log | grep -c "no copy was found" || true)
echo "rotations seen by the collectors: $renames renames, $truncs truncations" \
    "($lostcopy without their copy); worst restart ${worst} ms (margin ${margin_ms} ms)"
[ "$renames" -gt 0 ] || fail "no rename rotation was seen"
[ "$truncs" -gt 0 ] || fail "no copytruncate rotation was seen"
sleep 1
verify_events "$N"
dups=$(check_events "$T/all-events.json" --quiet 2>/dev/null | grep -oE 'duplicates=[0-9]+' | cut -d= -f2)
echo "$KILLS kills in $(( N / EVERY - 1 )) rotations: every line arrived, $dups sent twice with the same id"
