#!/bin/bash
# A correlator stopped (TERM) while the brokers are gone exits 0, soon, after
# its last commit ("stopped: ..." in its log):
#  A. consuming, then every broker refuses connections (broker_down);
#  B. a member whose JoinGroup was answered but which never received an
#     assignment (its SyncGroup waits for a leader that froze, then the
#     brokers go): librdkafka 2.0.2 aborted in rd_kafka_destroy() there
#     (sticky assignor, `assignor_state' assertion, librdkafka#4381), exit
#     134, which systemd reports as a failure;
#  C. consuming, then the broker stops answering without closing anything
#     (SIGSTOP: a network partition, a hung host): the close waits for its
#     LeaveGroup at most 5 s (librdkafka's timeout for it).
. "$(dirname "$0")/lib.sh"
require_cmd kcat

start_broker --topics ronda.events,ronda.events.dlq --partitions 3

conf() {  # name group [session.timeout.ms]
    cat >"$T/$1.yaml" <<YAML
kafka:
  brokers: $BROKER
  group: $2
  properties: {debug: "cgrp", session.timeout.ms: "${3:-6000}"}
store: $T/$1.db
YAML
}
assigned() { grep -q 'info: assigned ronda.events\[' "$1"; }
# stop_within NAME PID MAX_S: TERM; exit 0 within MAX_S (scaled) with the stopped line.
stop_within() {
    local t0 rc=0 ms max
    t0=$(_now_ms)
    stop "$2" --timeout 30 || rc=$?
    ms=$(( $(_now_ms) - t0 ))
    max=$(_ms_of "$(scaled "$3")")
    echo "$1: exit status $rc after $ms ms"
    [ "$rc" = 0 ] || fail "$1: exit status $rc (134: librdkafka aborted)"
    [ "$ms" -le "$max" ] || fail "$1: took $ms ms to stop (at most $max)"
    grep -q 'info: stopped:' "$T/$1.log" || fail "$1: no 'stopped' line in its log"
}

# A. Consuming when the brokers go.
conf a g-a
spawn a "$RONDA_BIN/ronda-correlator" -c "$T/a.yaml"
pa=$SPAWNED_PID
wait_for assigned "$T/a.log" --timeout 20 || fail "a: never assigned"
broker_down
wait_for grep -q 'Connection refused' "$T/a.log" --timeout 10 || fail "a: did not see the brokers go"
stop_within a "$pa" 3
broker_up

# B. Joined, never assigned. The group's first member (its leader) freezes;
# the second joins: the mock waits for the first to rejoin (5 s), answers
# the JoinGroup naming the frozen one leader, and holds the SyncGroup until
# the group's session (the newcomer's 30 s) is over. Then the brokers go.
conf leader g-b
spawn leader "$RONDA_BIN/ronda-correlator" -c "$T/leader.yaml"
pl=$SPAWNED_PID
wait_for assigned "$T/leader.log" --timeout 20 || fail "leader: never assigned"
kill -STOP "$pl"
conf b g-b 30000
spawn b "$RONDA_BIN/ronda-correlator" -c "$T/b.yaml"
pb=$SPAWNED_PID
# librdkafka's cgrp debug line for a JoinGroup answered without error (the sticky assignor chosen).
wait_for grep -q 'JoinGroup response: GenerationId .*Protocol cooperative-sticky.*(no error)' \
    "$T/b.log" --timeout 20 || fail "b: its JoinGroup was never answered"
broker_down
sleep 0.5   # let it notice
assigned "$T/b.log" && fail "b: got an assignment (the case is not set up)"
stop_within b "$pb" 3
grep -q 'no partition was ever assigned' "$T/b.log" || fail "b: the abort was not avoided the expected way"
kill -KILL "$pl"
wait "$pl" 2>/dev/null || true
broker_up

# C. The broker hangs: connections stay open, nothing answers.
conf c g-c
spawn c "$RONDA_BIN/ronda-correlator" -c "$T/c.yaml"
pc=$SPAWNED_PID
wait_for assigned "$T/c.log" --timeout 20 || fail "c: never assigned"
kill -STOP "$BROKER_PID"
sleep 1
stop_within c "$pc" 8
kill -CONT "$BROKER_PID"
echo ok
