#!/bin/bash
# The journald input, without a running journald: journal files written by
# systemd-journal-remote from Journal Export Format, read by a `type: journal`
# input (directory:) and shipped to ronda-devbroker.
#  1. live: entries already there, entries appended to the file, entries in a
#     new file of the folder all arrive; sshd failures with their exact
#     @timestamp, user.name and source.ip; cron (not selected by the default
#     match) never; hostile entries (binary, 100 KB, odd identifiers) cut and
#     flagged, never dropped.
#  2. kill -9 three times while thousands of entries are appended: after a
#     restart every entry arrived at least once, and an entry sent twice
#     carries the same event.id (as test_collector_kill9.sh asserts for files).
#  3. vacuum: with the collector stopped, the oldest file is removed (the
#     cursor is elsewhere: nothing lost, nothing counted), then the file that
#     holds the checkpointed entry is removed: the restart counts the lost
#     cursor and reads on from the oldest entry after it.
#  4. --once with start_at: end and a new state DB: the first run sends
#     nothing (like a file seen at the very first start) and exits; a second
#     run sends what was written since, waits for Kafka and exits 0.
# A small max_inflight keeps the in-flight ring full most of the time, so
# reading pauses and resumes on held entries throughout.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/collector_lib.sh"
require_cmd kcat
JR=/lib/systemd/systemd-journal-remote
[ -x "$JR" ] || JR=/usr/lib/systemd/systemd-journal-remote
[ -x "$JR" ] || skip "systemd-journal-remote is not installed (Debian: systemd-journal-remote)"

J=$T/journal
mkdir -p "$J"
MAXLINE=4096
NEXT=0          # the next entry number to write

# write_entries FILE N [--specials]: append entries NEXT .. NEXT+N-1 to FILE
# (journal-remote appends to an existing journal file).
write_entries() {
    local file=$1 n=$2; shift 2
    /usr/bin/python3 "$RONDA_SRC/tests/e2e/journal_export.py" write --start "$NEXT" \
        --count "$n" --truth "$T/truth" "$@" |
        timeout "$(scaled 60)" "$JR" --output="$file" --split-mode=none - \
            >>"$T/journal-remote.log" 2>&1 ||
        fail "systemd-journal-remote failed: $(tail -n 3 "$T/journal-remote.log")"
    NEXT=$(( NEXT + n ))
}

# Entries selected by the match so far (every i % 10 but 7), and how many arrived.
selected() { echo $(( NEXT - (NEXT + 2) / 10 )); }
arrived() {
    cat "$T"/events*.jsonl 2>/dev/null | grep -F '"auth.journal"' |
        grep -oE '"original":"[^"]*' | grep -oE '\be[0-9]+x\b' | sort -u | wc -l | tr -d ' '
}
_all_arrived() { [ "$(arrived)" -ge "$(selected)" ]; }
wait_arrived() {
    wait_for _all_arrived --timeout "$1" ||
        fail "only $(arrived) of $(selected) journal entries arrived within ${1}s (x$RONDA_TIME_FACTOR)"
}

check_journal() {
    local out
    cat "$T"/events*.jsonl >"$T/all-events.json"
    out=$(/usr/bin/python3 "$RONDA_SRC/tests/e2e/journal_export.py" check \
        --truth "$T/truth" --max-line "$MAXLINE" "$T/all-events.json" 2>&1) ||
        fail "journal events: $out"
    echo "$out"
    out=$(check_events "$T/all-events.json" --quiet 2>&1) || fail "check_events: $out"
}

cat >"$T/collector.yaml" <<YAML
site: bontangkota.go.id
agency: Diskominfo Bontang
region: Kalimantan Timur
timezone: Asia/Makassar
state_db: $T/state.db
forward: all
scan_interval: 200ms
stats_interval: 1s
max_line: $MAXLINE
max_inflight: 256
rules_cache: $RONDA_SRC/build/rules-cache
kafka:
  brokers: @BROKER@
  topic: ronda.events
inputs:
  - type: journal
    directory: $J
    start_at: beginning
YAML

# A bad journal input is refused with file:line: key.
cat >"$T/bad.yaml" <<YAML
site: x
inputs:
  - type: journal
    path: /var/log/auth.log
    match: ["_COMM=sshd", "not a term"]
  - type: journal
    directory: relative/journal
YAML
out=$("$RONDA_BIN/ronda-collector" -c "$T/bad.yaml" --check-config 2>&1) && fail "bad.yaml accepted"
for want in "bad.yaml:3: inputs[0].path: a journal input has no path" \
    "bad.yaml:3: inputs[0].match[1]: \"not a term\" is not FIELD=value" \
    "bad.yaml:6: inputs[1].directory: must be an absolute path"; do
    grep -qF "$want" <<<"$out" || fail "expected '$want' in: $out"
done

# ---- 1. live --------------------------------------------------------------
N1=$(lines 2000)
write_entries "$J/remote.journal" "$N1" --specials
start_broker --partitions 6
sed -i "s/@BROKER@/$BROKER/" "$T/collector.yaml"
consume_to "$T/events.jsonl" ronda.events
start_collector collector-1
wait_started collector-1
wait_arrived 60
echo "live: $(arrived) entries already in the journal arrived"

write_entries "$J/remote.journal" "$(lines 1000)"
wait_arrived 30
echo "live: appended entries arrived ($(arrived))"

write_entries "$J/remote2.journal" "$(lines 1000)"
wait_arrived 30
echo "live: entries of a new file arrived ($(arrived))"
check_journal

# ---- 2. kill -9 -----------------------------------------------------------
CHUNK=$(lines 2000)
(
    for k in 1 2 3 4 5 6 7 8 9 10; do
        write_entries "$J/remote2.journal" "$CHUNK"
        sleep 0.3
    done
) &
WRITER=$!
for i in 1 2 3; do
    [ "$i" = 1 ] || { start_collector "collector-kill-$i"; wait_started "collector-kill-$i"; }
    sleep "$(awk -v r=$RANDOM 'BEGIN { printf "%.2f", 0.5 + (r % 1500) / 1000 }')"
    kill -KILL "$COLLECTOR_PID"
    wait "$COLLECTOR_PID" 2>/dev/null || true
done
wait "$WRITER" || fail "the writer failed"
NEXT=$(( NEXT + 10 * CHUNK ))   # written by the subshell
start_collector collector-2
wait_started collector-2
wait_arrived 120
stop "$COLLECTOR_PID" --timeout 15 || fail "collector exited with $? on SIGTERM"
grep -q "every line read was confirmed by Kafka" "$T/collector-2.log" ||
    fail "unconfirmed entries at exit"
sleep 1
echo "kill -9: $(check_journal)"

# ---- 3. vacuum ------------------------------------------------------------
# The oldest file goes; the checkpointed entry is in remote2.journal.
rm -f "$J/remote.journal"
write_entries "$J/remote2.journal" "$(lines 500)"
start_collector collector-3
wait_started collector-3
wait_arrived 30
stop "$COLLECTOR_PID" --timeout 15 || fail "collector exited with $? on SIGTERM"
grep -q "cursor lost 0" "$T/collector-3.log" || fail "a cursor was lost with only the oldest file gone"
grep -q "checkpointed entry is gone" "$T/collector-3.log" && fail "collector-3 lost its cursor"

# The checkpointed entry's file goes too (vacuumed while we were stopped).
write_entries "$J/remote3.journal" "$(lines 500)"
rm -f "$J/remote2.journal"
FIRST_NEW=$(( NEXT - $(lines 500) ))
start_collector collector-4
wait_started collector-4
wait_for grep -q "checkpointed entry is gone" "$T/collector-4.log" --timeout 20 ||
    fail "the lost cursor was not reported"
wait_arrived 30
stop "$COLLECTOR_PID" --timeout 15 || fail "collector exited with $? on SIGTERM"
grep -q "cursor lost 1" "$T/collector-4.log" || fail "the lost cursor was not counted"
grep -q "every line read was confirmed by Kafka" "$T/collector-4.log" ||
    fail "unconfirmed entries at exit"
echo "vacuum: entries $FIRST_NEW.. of the newest file arrived after the lost cursor"
sleep 1
echo "final: $(check_journal)"

# ---- 4. --once, first start at the end -------------------------------------
sed -e "s|^state_db: .*|state_db: $T/once.db|" -e "s|start_at: beginning|start_at: end|" \
    "$T/collector.yaml" >"$T/once.yaml"
timeout "$(scaled 60)" "$RONDA_BIN/ronda-collector" -c "$T/once.yaml" --once \
    >"$T/once-1.log" 2>&1 || fail "--once exited with $?: $(tail -n 5 "$T/once-1.log")"
grep -q "first start: following new entries" "$T/once-1.log" || fail "once-1 did not start at the end"
grep -q "journal: entries 0," "$T/once-1.log" || fail "once-1 sent old entries"
write_entries "$J/remote3.journal" 100
timeout "$(scaled 60)" "$RONDA_BIN/ronda-collector" -c "$T/once.yaml" --once \
    >"$T/once-2.log" 2>&1 || fail "--once exited with $?: $(tail -n 5 "$T/once-2.log")"
grep -q "journal: entries 90," "$T/once-2.log" || fail "once-2: $(grep 'journal: entries' "$T/once-2.log")"
grep -q "every line read was confirmed by Kafka" "$T/once-2.log" || fail "once-2: unconfirmed entries"
wait_arrived 30
sleep 1
echo "once: $(check_journal)"
