#!/bin/bash
# make demo — a province attacked, and Ronda seeing it, on one machine.
#
# Starts ronda-devbroker (the embedded Kafka), ronda-correlator, one
# ronda-collector per site, and ronda-sim writing the kaltim-wave scenario's
# logs live, compressed from six hours into about a minute. Incidents are
# shown as the correlator opens them (in each site's local time); at the end
# a summary per site and against the scenario's truth. Every process it
# started is stopped, also on Ctrl-C; the files stay in one folder.
#
#   DEMO_OUT=DIR DEMO_SCENARIO=kaltim-wave DEMO_SPEED=360 tools/demo.sh
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
BIN=${DEMO_BIN:-$ROOT/build/bin}
OUT=${DEMO_OUT:-$ROOT/demo-out}
SCENARIO=${DEMO_SCENARIO:-kaltim-wave}
SPEED=${DEMO_SPEED:-360}
PY=/usr/bin/python3
# A local sandbox: the correlator may run as root here (docs/security.md).
export RONDA_ALLOW_ROOT=${RONDA_ALLOW_ROOT:-1}

PIDS=()
cleanup() {
    local rc=$?
    trap - EXIT INT TERM
    touch "$OUT/.stop" 2>/dev/null || true
    if [ ${#PIDS[@]} -gt 0 ]; then
        kill -TERM "${PIDS[@]}" 2>/dev/null || true
        for _ in $(seq 100); do
            local alive=0
            for p in "${PIDS[@]}"; do kill -0 "$p" 2>/dev/null && alive=1; done
            [ $alive = 0 ] && break
            sleep 0.1
        done
        kill -KILL "${PIDS[@]}" 2>/dev/null || true
        wait 2>/dev/null || true
    fi
    echo "demo: stopped every process it started; files are in $OUT"
    exit $rc
}
trap cleanup EXIT
trap 'echo; echo "demo: interrupted"; exit 130' INT TERM

rm -rf "$OUT"
mkdir -p "$OUT/logs"
echo "demo: scenario $SCENARIO, six simulated hours at ${SPEED}x; everything goes to $OUT"

"$BIN/ronda-devbroker" --partitions 6 --topics ronda.events,ronda.alerts,ronda.events.dlq \
    --bootstrap-file "$OUT/broker.addr" >"$OUT/logs/devbroker.log" 2>&1 &
PIDS+=($!)
for _ in $(seq 100); do [ -s "$OUT/broker.addr" ] && break; sleep 0.1; done
BROKER=$(head -n 1 "$OUT/broker.addr")
echo "demo: embedded Kafka (ronda-devbroker, keeps nothing) at $BROKER"

# The simulator writes the collector configs and truth.json first, then the
# logs as their time comes.
"$BIN/ronda-sim" --scenario "$SCENARIO" --out "$OUT/sites" --speed "$SPEED" \
    --kafka "$BROKER" >"$OUT/logs/sim.log" 2>&1 &
SIM=$!
PIDS+=($SIM)
for _ in $(seq 100); do [ -s "$OUT/sites/truth.json" ] && break; sleep 0.1; done
[ -s "$OUT/sites/truth.json" ] || { echo "demo: ronda-sim did not start"; cat "$OUT/logs/sim.log"; exit 1; }

# The correlator knows every site (agency, region, zone) from the configs.
{
    echo "kafka:"
    echo "  brokers: $BROKER"
    echo "  topic: ronda.events"
    echo "  group: ronda-demo"
    echo "  properties: {session.timeout.ms: \"6000\"}"
    echo "store: $OUT/ronda.db"
    echo "sites:"
    for cfg in "$OUT"/sites/*/collector.yaml; do
        awk '/^(site|agency|region|timezone):/ { k=$1; sub(/:$/, "", k); $1=""; sub(/^ /, ""); v[k]=$0 }
             END { printf "  - id: %s\n    agency: %s\n    region: %s\n    timezone: %s\n",
                   v["site"], v["agency"], v["region"], v["timezone"] }' "$cfg"
    done
} >"$OUT/correlator.yaml"
"$BIN/ronda-correlator" -c "$OUT/correlator.yaml" >"$OUT/logs/correlator.log" 2>&1 &
PIDS+=($!)

# One compiled rule cache for all collectors (content-addressed: safe to
# share), filled once before they start.
for cfg in "$OUT"/sites/*/collector.yaml; do
    printf 'rules_cache: %s\n' "$ROOT/build/rules-cache" >>"$cfg"
done
"$BIN/ronda-collector" -c "$(ls "$OUT"/sites/*/collector.yaml | head -n 1)" --check-config >/dev/null

n=0
for cfg in "$OUT"/sites/*/collector.yaml; do
    site=$(basename "$(dirname "$cfg")")
    "$BIN/ronda-collector" -c "$cfg" >"$OUT/logs/collector-$site.log" 2>&1 &
    PIDS+=($!)
    n=$((n + 1))
done
echo "demo: $n collectors (one per site) and the correlator are running; incidents as they open:"
echo
$PY tools/demo_watch.py --store "$OUT/ronda.db" --sites "$OUT/sites" --until-file "$OUT/.stop" &
PIDS+=($!)

wait "$SIM" || true
# Let collectors and the correlator catch up with the last lines.
for _ in $(seq 20); do
    sleep 1
    behind=0
    for log in "$OUT"/logs/collector-*.log; do
        grep -q "started" "$log" || behind=1
    done
    [ $behind = 0 ] && break
done
sleep 8
touch "$OUT/.stop"
sleep 1.5
$PY tools/demo_watch.py --store "$OUT/ronda.db" --sites "$OUT/sites" \
    --truth "$OUT/sites/truth.json" --summary
