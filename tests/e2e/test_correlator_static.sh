#!/bin/bash
# Static group membership (kafka.instance_id -> librdkafka's group.instance.id).
#  - A correlator with an instance id consumes, is killed with -9 and is
#    restarted with the same config: it resumes where its store left off
#    (nothing applied twice) and, being a static member, does not send
#    LeaveGroup when stopped with TERM (its partitions wait for it for
#    session.timeout.ms; a member without an id leaves at once; both are read
#    from librdkafka's cgrp debug lines).
#  - The point of it: the restarted static member must get its partitions
#    back at once (a real broker keeps a static member's assignment across
#    its restart: no rebalance), here within 3 s of its start (4 s under
#    ASan), where a dynamic member waits for the dead one's session to
#    expire (about session.timeout.ms, 6 s here to keep the test short, 10 s
#    by default; measured and printed for contrast).
# librdkafka's mock cluster (ronda-devbroker; 2.0.2 and later alike) reads a
# JoinGroup's group.instance.id but never matches a returning member by it:
# every restart is a new member that waits for the dead one's session. On
# such a broker the last check cannot hold, and the test says so and skips
# (77) after the others passed, instead of passing without having checked it.
# Plain build only: on the mock it ends in that skip either way, and
# make check's 45 minutes are nearly spent.
. "$(dirname "$0")/lib.sh"
require_cmd kcat sqlite3
[ "${RONDA_SAN:-0}" = 1 ] && skip "plain build only (the mock ignores group.instance.id: see the plain run)"

start_broker --topics ronda.events,ronda.events.dlq --partitions 3
"$RONDA_BIN/ronda-eventgen" --events 300 --sites 5 --ips 50 --rate 50 --seed 3 >"$T/ev.tsv"
N=$(count_lines "$T/ev.tsv")
timeout "$(scaled 30)" kcat -b "$BROKER" -P -t ronda.events -K $'\t' <"$T/ev.tsv" \
    || fail "produce"

conf() {  # name group instance_id
    cat >"$T/$1.yaml" <<YAML
kafka:
  brokers: $BROKER
  group: $2
  instance_id: "$3"
  properties: {debug: "cgrp", session.timeout.ms: "6000"}
store: $T/$1.db
batch:
  interval: 100ms
YAML
}
applied() {  # db: messages the store accounts for
    sqlite3 "$1" "SELECT coalesce(sum(value),0) FROM counters WHERE name IN ('events',
        'duplicates','rejected_not_json','rejected_schema','rejected_too_large')" \
        2>/dev/null || echo 0
}
applied_is() { [ "$(applied "$1")" = "$2" ]; }
assigned() { grep -q 'info: assigned ronda.events\[' "$1"; }
# What librdkafka logged after the TERM: a dynamic member leaves the group there.
left_group() { sed -n '/signal 15: stopping/,$p' "$1" | grep -q 'leave (in state'; }

# run NAME GROUP INSTANCE_ID: consume everything, kill -9, restart; sets
# RESTART_MS (restart to its first assignment) and leaves RUN_PID running.
run() {
    conf "$1" "$2" "$3"
    spawn "$1-1" "$RONDA_BIN/ronda-correlator" -c "$T/$1.yaml"
    local p=$SPAWNED_PID t0
    wait_for applied_is "$T/$1.db" "$N" --timeout 30 || fail "$1: $(applied "$T/$1.db") of $N applied"
    kill -KILL "$p"
    wait "$p" 2>/dev/null || true
    t0=$(_now_ms)
    spawn "$1-2" "$RONDA_BIN/ronda-correlator" -c "$T/$1.yaml"
    RUN_PID=$SPAWNED_PID
    wait_for assigned "$T/$1-2.log" --timeout 40 || fail "$1: no assignment after the restart"
    RESTART_MS=$(( $(_now_ms) - t0 ))
}
# finish NAME: the restarted member stops cleanly, nothing was applied twice.
finish() {
    local rc=0
    sleep 0.5   # a batch interval or so: anything read again would be counted by now
    stop "$RUN_PID" --timeout 15 || rc=$?
    [ "$rc" = 0 ] || fail "$1: exit status $rc after TERM"
    grep -q 'info: stopped:' "$T/$1-2.log" || fail "$1: no 'stopped' line"
    applied_is "$T/$1.db" "$N" || fail "$1: $(applied "$T/$1.db") messages accounted for, not $N"
}

run static g-static corr-1
static_ms=$RESTART_MS
finish static
left_group "$T/static-2.log" && fail "static member sent LeaveGroup on TERM: instance_id not in effect"
echo "static member: restart after kill -9 assigned in $static_ms ms; no LeaveGroup on TERM"

run dynamic g-dynamic ""
dynamic_ms=$RESTART_MS
finish dynamic
left_group "$T/dynamic-2.log" || fail "dynamic member did not leave on TERM (the check above proves nothing)"
echo "dynamic member: restart after kill -9 assigned in $dynamic_ms ms; LeaveGroup on TERM"

# Not scaled like the other waits: the broker's rebalance timers (5 s and
# more here) do not slow down under ASan, only the correlator's start does.
bound=3000
[ "$RONDA_SAN" = 1 ] && bound=4000
if [ "$static_ms" -le "$bound" ] && [ "$dynamic_ms" -gt "$bound" ]; then
    echo "ok: static restart ${static_ms} ms (bound ${bound}), dynamic ${dynamic_ms} ms"
    exit 0
fi
[ "$static_ms" -le "$bound" ] && skip "inconclusive: the dynamic restart (${dynamic_ms} ms)" \
    "was as fast as the static one (${static_ms} ms)"
skip "ronda-devbroker (librdkafka $(pkg-config --modversion rdkafka 2>/dev/null || echo '?') mock)" \
    "ignores group.instance.id on rejoin: static restart ${static_ms} ms, dynamic ${dynamic_ms} ms" \
    "(a real broker: at once); id in effect (no LeaveGroup)"
