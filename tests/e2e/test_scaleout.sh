#!/bin/bash
# (runs beside another test: nothing in it is timed on the wall clock; its waits are bounded)
# Issue 17: detection as a consumer group, campaigns as a stage over Kafka.
# kaltim-wave (at a far-future date) through one correlator (stage: all),
# then the same logs through three stage-1 members (stage: detect, one
# consumer group over ronda.events, each with its own state store) and one
# stage 2 (stage: campaigns) fed by the incident stream ronda.incidents.
# Both stores must hold the same incidents (site, kind, key, events, first
# and last seen) and the same campaigns (kind, severity, sites), exactly;
# the reference must find the scenario's campaigns. Then again with one
# stage-1 member killed with -9 and another added while the collectors
# send (one site after another), and again with the active stage 2 killed
# with -9 mid-run: its standby (standby: true, waiting on the store's lock)
# takes over, and the webhook receives every alert of the store, each under
# its Idempotency-Key, none missing (a repeat only for an alert in flight
# at the kill).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/pipeline_lib.sh"
require_cmd kcat sqlite3
[ "${RONDA_SAN:-0}" = 1 ] && skip "plain build only (five correlators and two pipelines: minutes under ASan)"

SEED=20261116
START=2031-03-09T00:00:00Z
PY=/usr/bin/python3

free_port() {
    $PY -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

dump() {  # dump DB OUT: incidents and campaigns, one per line, sorted
    $PY - "$1" >"$2" <<'PY' || fail "dump of $1"
import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
out = []
for site, kind, key, n, first, last in db.execute(
        "SELECT site, kind, key, event_count, first_seen, last_seen FROM incidents"
        " WHERE kind <> 'silent_site'"):
    out.append("incident %s %s %r events=%d %d..%d" % (site, kind, key, n, first, last))
sites = {}
for cid, site in db.execute("SELECT campaign_id, site FROM campaign_sites"):
    sites.setdefault(cid, []).append(site)
for cid, kind, sev in db.execute(
        "SELECT id, kind, severity FROM campaigns WHERE status <> 'merged'"):
    out.append("campaign %s %s %s" % (kind, sev, ",".join(sorted(sites.get(cid, [])))))
print("\n".join(sorted(out)))
PY
}

compare() {  # compare LABEL
    dump "$T/single/ronda.db" "$T/single.txt"
    dump "$PIPE/ronda.db" "$T/$1.txt"
    if ! diff -u "$T/single.txt" "$T/$1.txt" >"$T/$1.diff"; then
        head -n 30 "$T/$1.diff" >&2
        fail "$1: not the single process's incidents and campaigns ($(grep -c '^[-+][a-z]' "$T/$1.diff") lines differ)"
    fi
    echo "scaleout: $1: $(grep -c '^incident' "$T/$1.txt") incidents and $(grep -c '^campaign' "$T/$1.txt") campaigns, as the single process"
}

# --- the reference: one process -------------------------------------------
PIPE=$T/single
pipeline_run kaltim-wave --seed "$SEED" -- --start "$START"
n_ref=$(grep -c '^campaign' <(dump "$PIPE/ronda.db" /dev/stdout))
[ "$n_ref" -ge 3 ] || fail "the reference found $n_ref campaigns (kaltim-wave plants 3)"

# --- stages over Kafka ------------------------------------------------------
# stage_configs: d1..d4 (stage detect, own stores) and c (stage campaigns,
# the analysts' store $PIPE/ronda.db) from the pipeline's correlator.yaml.
stage_configs() {
    local i
    for i in 1 2 3 4; do
        sed "s#^store: .*#store: \"$PIPE/d$i.db\"#" "$PIPE/correlator.yaml" >"$PIPE/d$i.yaml"
        echo "stage: detect" >>"$PIPE/d$i.yaml"
        "$RONDA_BIN/ronda-correlator" -c "$PIPE/d$i.yaml" --check-config >/dev/null ||
            fail "d$i.yaml"
    done
    # Stage 2 alerts to a webhook too (Idempotency-Key: the alert's id).
    sed "s#^  file: .*#&\n  webhook: {url: \"http://127.0.0.1:$PORT/alerts\", max_backoff: 1s}#" \
        "$PIPE/correlator.yaml" >"$PIPE/c.yaml"
    printf 'stage: campaigns\n' >>"$PIPE/c.yaml"
    sed -i 's#^  group: ronda-pipeline#&\n  instance_id: stage2#' "$PIPE/c.yaml"
    cp "$PIPE/c.yaml" "$PIPE/c2.yaml"
    echo "standby: true" >>"$PIPE/c2.yaml"
    "$RONDA_BIN/ronda-correlator" -c "$PIPE/c.yaml" --check-config >/dev/null || fail "c.yaml"
}

start_member() {  # start_member NAME CONFIG
    spawn "$1" "$RONDA_BIN/ronda-correlator" -c "$2"
    eval "PID_$1=$SPAWNED_PID"
}

# Every partition applied by some member (the newest position of each), and
# everything in the incident stream applied by stage 2.
_stages_done() {
    local want got inc_end inc_got
    want=$(pipeline_end_offsets)
    got=$($PY - "$PIPE" <<'PY'
import glob, sqlite3, sys
best = {}
for f in glob.glob(sys.argv[1] + "/d*.db"):
    try:
        for part, nxt in sqlite3.connect(f).execute(
                "SELECT part, next_offset FROM offsets WHERE topic = 'ronda.events'"):
            best[part] = max(best.get(part, 0), nxt)
    except sqlite3.Error:
        pass
print(sum(best.values()))
PY
)
    [ "$want" -ge 0 ] && [ "$got" -ge "$want" ] || return 1
    inc_end=$(timeout 10 kcat -Q -b "$BROKER" -t ronda.incidents:0:-1 2>/dev/null | awk '/offset/ { print $NF }')
    inc_got=$(sqlite3 "$PIPE/ronda.db" "SELECT coalesce(max(next_offset), 0) FROM offsets WHERE topic = 'ronda.incidents'" 2>/dev/null)
    [ -n "$inc_end" ] && [ "${inc_got:-0}" -ge "$inc_end" ]
}

wait_stages() {
    wait_for _stages_done --timeout "$(scaled 120)" ||
        fail "the stages did not catch up: events $(pipeline_end_offsets), incident stream end $(timeout 10 kcat -Q -b "$BROKER" -t ronda.incidents:0:-1 2>/dev/null)"
}

split_run() {  # split_run LABEL [kill|standby]
    PIPE=$T/$1
    mkdir -p "$PIPE/logs" "$PIPE/state"
    PORT=$(free_port)
    spawn "${1}_recv" /usr/bin/python3 "$RONDA_SRC/tests/e2e/alert_receiver.py" --port "$PORT" \
        --log "$PIPE/recv.jsonl"
    wait_for grep -q listening "$T/${1}_recv.log" --timeout 10 || fail "$1: the receiver did not start"
    start_broker --partitions "$PIPE_PARTITIONS" \
        --topics "$PIPE_TOPIC,ronda.alerts,$PIPE_TOPIC.dlq,ronda.incidents"
    pipeline_sim kaltim-wave --seed "$SEED" --start "$START"
    pipeline_configure
    stage_configs
    start_member "${1}_c" "$PIPE/c.yaml"
    wait_for grep -q "consuming ronda.incidents" "$T/${1}_c.log" --timeout 30 ||
        fail "$1: stage 2 did not start"
    if [ "${2:-}" = standby ]; then
        start_member "${1}_c2" "$PIPE/c2.yaml"
        wait_for grep -q "standby: store .* is held by pid" "$T/${1}_c2.log" --timeout 20 ||
            fail "$1: the standby does not wait for the store"
    fi
    for i in 1 2 3; do start_member "${1}_d$i" "$PIPE/d$i.yaml"; done
    for i in 1 2 3; do
        wait_for grep -q "assigned $PIPE_TOPIC" "$T/${1}_d$i.log" --timeout 40 ||
            fail "$1: member d$i got no partition"
    done
    if [ "${2:-}" = kill ]; then
        # One site after another, so that the kill and the join land mid-run.
        PIPE_JOBS=1 pipeline_collectors_once &
        local feeder=$!
        sleep "$(scaled 3)"
        eval "kill -9 \$PID_${1}_d2"
        echo "scaleout: $1: member d2 killed with -9 mid-run"
        start_member "${1}_d4" "$PIPE/d4.yaml"
        wait "$feeder" || fail "$1: the collectors failed"
    elif [ "${2:-}" = standby ]; then
        PIPE_JOBS=1 pipeline_collectors_once &
        local feeder=$!
        wait_for test -s "$PIPE/recv.jsonl" --timeout 60 || fail "$1: no alert before the kill"
        eval "kill -9 \$PID_${1}_c"
        echo "scaleout: $1: the active stage 2 killed with -9 after $(count_lines "$PIPE/recv.jsonl") webhook deliveries"
        wait_for grep -q "consuming ronda.incidents" "$T/${1}_c2.log" --timeout 30 ||
            fail "$1: the standby did not take over"
        wait "$feeder" || fail "$1: the collectors failed"
    else
        pipeline_collectors_once
    fi
    wait_stages
    if [ "${2:-}" = kill ]; then
        # The survivors and the newcomer took d2's partitions over from the
        # stream, with incidents still open (else the kill proved nothing).
        grep -h "from the incident stream: a position, [0-9]* incidents ([1-9]" \
            "$T/${1}_d1.log" "$T/${1}_d3.log" "$T/${1}_d4.log" >"$T/${1}.takeover" ||
            fail "$1: no partition was taken over with open incidents"
        echo "scaleout: $1: $(wc -l <"$T/${1}.takeover") partitions taken over with open incidents"
    fi
    # Every alert of the store at the webhook, none it does not know.
    wait_for alerts_delivered --timeout "$(scaled 60)" ||
        fail "$1: the webhook has $(alerts_at_webhook) of $(sqlite3 "$PIPE/ronda.db" 'SELECT count(*) FROM alerts') alerts"
    # All at once: one by one, each stop moves partitions to the others.
    local pids=()
    for n in "${1}_c" "${1}_c2" "${1}_d1" "${1}_d3" "${1}_d4" "${1}_d2"; do
        eval "local pid=\${PID_$n:-}"
        [ -n "$pid" ] && _alive "$pid" && pids+=("$pid") && kill -TERM "$pid"
    done
    for pid in "${pids[@]}"; do
        stop "$pid" --timeout 10 || fail "$1: a correlator did not stop cleanly (exit $?)"
    done
    kill "$BROKER_PID" 2>/dev/null; wait "$BROKER_PID" 2>/dev/null
    compare "$1"
}

alerts_at_webhook() {
    $PY - "$PIPE/recv.jsonl" <<'PY'
import json, sys
try:
    keys = [json.loads(l)["key"] for l in open(sys.argv[1])]
except OSError:
    keys = []
print(len(set(keys)))
PY
}

# alerts_delivered: the webhook's distinct Idempotency-Keys are the store's
# alert ids, exactly; repeats (a delivery whose answer a kill cut off) at
# most 1. Writes the counts to $PIPE/alerts.check.
alerts_delivered() {
    sqlite3 "$PIPE/ronda.db" "SELECT id FROM alerts" 2>/dev/null | sort >"$PIPE/alerts.want" || return 1
    [ -s "$PIPE/alerts.want" ] || return 1
    $PY - "$PIPE/recv.jsonl" "$PIPE/alerts.want" "$PIPE/alerts.check" <<'PY'
import collections, json, sys
keys = collections.Counter()
try:
    for l in open(sys.argv[1]):
        keys[json.loads(l)["key"]] += 1
except OSError:
    pass
want = set(open(sys.argv[2]).read().split())
repeats = sum(n - 1 for n in keys.values())
open(sys.argv[3], "w").write("%d alerts, %d deliveries, %d repeats, %d unknown\n" % (
    len(want), sum(keys.values()), repeats, len(set(keys) - want)))
sys.exit(0 if set(keys) == want and repeats <= 1 else 1)
PY
}

split_run split
echo "scaleout: split: $(cat "$PIPE/alerts.check")"
split_run split_kill kill
split_run split_standby standby
echo "scaleout: split_standby: $(cat "$PIPE/alerts.check")"
echo "scaleout: OK"
