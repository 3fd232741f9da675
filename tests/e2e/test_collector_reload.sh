#!/bin/bash
# SIGHUP re-reads the configuration: a broken file is refused (errors logged,
# the running configuration stays, lines keep flowing); a valid one is
# swapped in (here: a second input appears) without losing a line.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/collector_lib.sh"
require_cmd kcat

start_broker --partitions 3
consume_to "$T/events.jsonl" ronda.events
collector_config "$T/collector.yaml"
start_collector collector
wait_started collector

write_log --lines 1000
wait_complete 1000 60

# A broken configuration: refused, the collector keeps running.
cp "$T/collector.yaml" "$T/good.yaml"
printf 'colour: blue\n' >>"$T/collector.yaml"
kill -HUP "$COLLECTOR_PID"
wait_for grep -q "reload: .* has errors; keeping the running configuration" \
    "$T/collector.log" --timeout 30 || fail "a broken config was not refused"
grep -q "collector.yaml:[0-9]*: colour: unknown key" "$T/collector.log" ||
    fail "the reload error does not name file, line and key"
kill -0 "$COLLECTOR_PID" || fail "the collector died on a bad reload"
write_log --lines 1000 --start 1000
wait_complete 2000 60

# A valid configuration with a second input, for another site.
mkdir -p "$T/other"
cp "$T/good.yaml" "$T/collector.yaml"
cat >>"$T/collector.yaml" <<YAML
  - path: $T/other/*.log
    type: web
    site: samarindakota.go.id
    timezone: Asia/Makassar
YAML
kill -HUP "$COLLECTOR_PID"
wait_for grep -q "configuration reloaded" "$T/collector.log" --timeout 60 ||
    fail "a valid config was not reloaded"
/usr/bin/python3 "$RONDA_SRC/tests/e2e/logwriter.py" --path "$T/other/access.log" \
    --lines 500 --start 2000 --truth "$T/truth"
write_log --lines 500 --start 2500
wait_complete 3000 60
grep -q '"organization":{"id":"samarindakota.go.id"' "$T/events.jsonl" ||
    fail "no event from the input added by the reload"
stop "$COLLECTOR_PID" --timeout 15 || fail "collector exited with $?"
sleep 1
verify_events 3000
