#!/bin/bash
# make demo — a province attacked, and Ronda seeing it, on one machine.
#
# Starts ronda-devbroker (the embedded Kafka), ronda-correlator, one
# ronda-collector per site, and ronda-sim writing the kaltim-wave scenario's
# logs live, six simulated hours in about a minute. Alerts are shown as the
# correlator raises them (read from its alert file sink); at the end the
# analysts' summary (`ronda summary`) and the score against the scenario's
# truth (`ronda-sim score`). Every process it started is stopped, also on
# Ctrl-C; the files stay in one folder.
#
#   DEMO_OUT=DIR DEMO_SCENARIO=kaltim-wave DEMO_SPEED=360 tools/demo.sh
#   DEMO_START=2028-06-05T00:00:00Z tools/demo.sh   # the same attack on another day
#
# DEMO_START (RFC 3339, default the scenario's own day, 2026-11-16T00:00:00Z)
# is the simulated start (ronda-sim --start): detection follows the logs'
# own time, so the demo finds the same campaigns whatever the day.
#
# The pipeline is the one the end-to-end tests run (tests/e2e/pipeline_lib.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
OUT=${DEMO_OUT:-$ROOT/demo-out}
SCENARIO=${DEMO_SCENARIO:-kaltim-wave}
SPEED=${DEMO_SPEED:-360}
START=${DEMO_START:-}
PY=/usr/bin/python3

rm -rf "$OUT"
mkdir -p "$OUT/logs"
export RONDA_BIN=${DEMO_BIN:-$ROOT/build/bin} RONDA_TMP=$OUT/logs RONDA_SRC=$ROOT RONDA_SAN=0
. tests/e2e/lib.sh
PIPE=$OUT
. tests/e2e/pipeline_lib.sh

demo_exit() {
    local rc=$?
    trap - EXIT
    touch "$OUT/.stop" 2>/dev/null || true
    _lib_cleanup
    echo "demo: stopped every process it started; files are in $OUT"
    exit $rc
}
trap demo_exit EXIT
trap 'echo; echo "demo: interrupted"; exit 130' INT TERM

for tool in kcat sqlite3; do
    command -v $tool >/dev/null || { echo "demo: $tool is missing (make deps)"; exit 1; }
done
hours=$(awk '/^duration:/ { print $2 }' "tests/scenarios/$SCENARIO.yaml" 2>/dev/null || true)
echo "demo: scenario $SCENARIO (${hours:-?} simulated$([ -n "$START" ] && echo " from $START"))" \
    "at ${SPEED}x; everything goes to $OUT"

pipeline_broker
echo "demo: embedded Kafka (ronda-devbroker, keeps nothing) at $BROKER"
if [ -n "$START" ]; then
    pipeline_sim "$SCENARIO" --speed "$SPEED" --start "$START"
else
    pipeline_sim "$SCENARIO" --speed "$SPEED"
fi
pipeline_configure
pipeline_correlator
pipeline_collectors_live
echo "demo: the correlator and $(_pipe_sites | wc -l) collectors (one per site) are running;" \
    "alerts as they are raised (times: wall clock, UTC):"
echo

# The watcher writes to the terminal, so it is not spawn()ed (which logs to
# a file); it is tracked the same way, and stops on $OUT/.stop.
$PY tools/demo_watch.py --alerts "$OUT/alerts.jsonl" --store "$OUT/ronda.db" \
    --clock "$OUT/sites/clock.json" --until-file "$OUT/.stop" &
_lib_pids+=("$!"); _lib_names+=(demo_watch); _lib_logs+=(/dev/null)
WATCH_PID=$!
touch "$OUT/go"

# Six hours at 360x: 60 s, and a bounded wait for a slow machine.
limit=$(( $(_now_ms) + 150000 ))
while _alive "$SIM_PID"; do
    [ "$(_now_ms)" -lt "$limit" ] || fail "ronda-sim still writing after 150 s"
    sleep 0.2
done
wait "$SIM_PID" || fail "ronda-sim exited with $?"
# The last lines: live collectors stop (their checkpoints say what Kafka
# confirmed), --once ones ship what is left; the correlator applies it all
# and the alert sink catches up.
pipeline_stop_live
pipeline_collectors_once
pipeline_wait_consumed 60
wait_for _pipe_alerts_delivered --timeout 30 || echo "demo: the alert file sink is behind the outbox"
touch "$OUT/.stop"
wait "$WATCH_PID" 2>/dev/null || true
pipeline_stop

echo
if [ -x "$RONDA_BIN/ronda" ]; then
    echo "demo: ronda --now latest summary (the simulated day, each site in its own zone)"
    echo
    "$RONDA_BIN/ronda" -d "$OUT/ronda.db" --now latest summary --since 24h || true
else
    $PY tools/demo_watch.py --summary --store "$OUT/ronda.db"
fi
echo
echo "demo: ronda-sim score — what the correlator found against what was planted"
rc=0
pipeline_score --min-recall 0.95 --max-noise 0 --max-latency 60 || rc=$?
pipeline_score --json >"$OUT/score.json" || true
[ $rc = 2 ] && fail "ronda-sim score could not read the store"
exit 0
