#!/bin/bash
# ronda-devbroker: --help says it keeps nothing; it starts on 127.0.0.1 and
# prints its address first; 1000 messages go through kcat and back; a topic
# nobody created is refused to a client that asks (allow.auto.create.topics
# =false, as Ronda's own clients do); SIGUSR1 cuts Kafka off (a produce
# fails within a bound), SIGUSR2 restores it (the messages go through and
# the ones stored before the outage are still there); SIGTERM stops it
# cleanly and removes the bootstrap file.
. "$(dirname "$0")/lib.sh"
require_cmd kcat

help=$("$RONDA_BIN/ronda-devbroker" --help)
grep -q "KEEPS NOTHING" <<<"$help" || fail "--help does not say it keeps nothing"
grep -q "in memory only" <<<"$help" || fail "--help does not say 'in memory only'"
grep -q "5 MB" <<<"$help" || fail "--help does not state the mock's 5 MB per partition limit"
if "$RONDA_BIN/ronda-devbroker" --partitions 0 >/dev/null 2>&1; then
    fail "--partitions 0 accepted"
fi
if "$RONDA_BIN/ronda-devbroker" --topics 'bad topic!' >/dev/null 2>&1; then
    fail "an invalid topic name was accepted"
fi

start_broker --partitions 4 --topics ronda.events,ronda.alerts,ronda.test
echo "broker at $BROKER (pid $BROKER_PID)"
[ "$(head -n 1 "$T/devbroker.log")" = "$BROKER" ] || fail "stdout does not start with the address"
if command -v ss >/dev/null; then
    port=${BROKER##*:}
    listen=$(ss -Hltn "sport = :$port" | awk '{print $4}')
    [ "$listen" = "127.0.0.1:$port" ] || fail "listens on '$listen', want 127.0.0.1:$port only"
fi

meta=$(timeout "$(scaled 20)" kcat -b "$BROKER" -L -t ronda.test)
grep -q 'topic "ronda.test" with 4 partitions' <<<"$meta" || fail "ronda.test metadata: $meta"

# 1000 messages through and back, keyed like events (by source IP).
consume_to "$T/test.out" ronda.test --keys
seq 1 1000 | awk '{ printf "198.51.100.%d\tmsg-%d\n", $1 % 250, $1 }' >"$T/test.in"
timeout "$(scaled 30)" kcat -b "$BROKER" -P -t ronda.test -K $'\t' \
    -X enable.idempotence=true -X acks=all -X compression.type=lz4 <"$T/test.in" \
    || fail "kcat produce of 1000 messages"
wait_lines "$T/test.out" 1000 --timeout 30 || fail "consumed $(count_lines "$T/test.out") of 1000"
sort "$T/test.in" >"$T/want"; sort "$T/test.out" >"$T/got"
cmp -s "$T/want" "$T/got" || fail "consumed messages differ: $(diff "$T/want" "$T/got" | head -5)"
# The same key always lands in the same partition (per-attacker order).
keys_parts=$(timeout "$(scaled 20)" kcat -C -b "$BROKER" -t ronda.test -o beginning -e -q \
    -f '%k %p\n' | sort -u | awk '{print $1}' | uniq -d | wc -l)
[ "$keys_parts" = 0 ] || fail "$keys_parts keys spread over several partitions"

# A topic nobody created: refused to a client that does not ask for creation.
if echo x | timeout "$(scaled 30)" kcat -b "$BROKER" -P -t ronda.evnets \
    -X allow.auto.create.topics=false -X topic.metadata.propagation.max.ms=1000 \
    2>"$T/unknown.err"; then
    fail "produce to an unknown topic succeeded"
fi
grep -qi "unknown topic" "$T/unknown.err" || fail "unknown topic: $(cat "$T/unknown.err")"

# Outage: SIGUSR1 takes the brokers down; a produce fails within a bound.
broker_down
wait_for grep -q "brokers DOWN" "$T/devbroker.log" --timeout 10 || fail "no DOWN report"
t0=$(_now_ms)
set +e
seq 1 50 | sed 's/^/during-/' | timeout "$(scaled 15)" kcat -b "$BROKER" -P -t ronda.test \
    -X message.timeout.ms=5000 2>"$T/down.err"
rc=$?
set -e
[ $rc != 0 ] || fail "produce succeeded with the brokers down"
echo "produce while down: rc $rc after $(( $(_now_ms) - t0 )) ms"

# SIGUSR2: back up; the messages from before the outage are still there and
# new ones go through.
broker_up
wait_for grep -q "brokers UP" "$T/devbroker.log" --timeout 10 || fail "no UP report"
seq 1 100 | sed 's/^/after-/' >"$T/after.in"
wait_for timeout "$(scaled 10)" kcat -b "$BROKER" -L -t ronda.test --timeout 30 \
    || fail "broker unreachable after SIGUSR2"
timeout "$(scaled 30)" kcat -b "$BROKER" -P -t ronda.test -X enable.idempotence=true \
    <"$T/after.in" || fail "produce after SIGUSR2"
consume_to "$T/all.out" ronda.test --name kcat-after
wait_lines "$T/all.out" 1100 --timeout 30 || fail "after the outage: $(count_lines "$T/all.out") of 1100"
[ "$(grep -c '^after-' "$T/all.out")" = 100 ] || fail "after-* messages: $(grep -c '^after-' "$T/all.out")"
[ "$(grep -c '^msg-' "$T/all.out")" = 1000 ] || fail "messages from before the outage lost"
if grep -q '^during-' "$T/all.out"; then
    echo "note: some messages produced during the outage were stored"
fi

# SIGTERM: a clean exit (status 0) that removes the bootstrap file.
rc=0
stop "$BROKER_PID" --timeout 10 || rc=$?
[ $rc = 0 ] || fail "ronda-devbroker exit status $rc after SIGTERM"
[ ! -e "$T/broker.addr" ] || fail "bootstrap file left behind"
grep -q "stopping" "$T/devbroker.log" || fail "no stop message"
if timeout "$(scaled 5)" kcat -b "$BROKER" -L -m 2 >/dev/null 2>&1; then
    fail "broker still answers after SIGTERM"
fi
echo ok
