# tests/e2e/pipeline_lib.sh — a ronda-sim scenario through the real pipeline
# over loopback: ronda-devbroker, ronda-correlator, one ronda-collector per
# site. Source it after lib.sh (which tracks and stops every process):
#
#   . "$(dirname "$0")/lib.sh"
#   . "$(dirname "$0")/pipeline_lib.sh"
#   pipeline_run single-site                  # --fast logs, collectors --once
#   pipeline_run kaltim-wave --speed 720      # live: logs written as their time comes
#   pipeline_score --json >"$T/score.json"    # ronda-sim score against truth.json
#   sqlite3 "$PIPE/ronda.db" 'SELECT ...'     # the store, the correlator stopped
#
# pipeline_run SCENARIO [--speed X] [--seed N] [--keep] [-- SIM_ARGS...]
#   --fast (default): ronda-sim writes every log first, then each collector
#   runs with --once (PIPE_JOBS at a time, in PIPE_ORDER) and exits when
#   Kafka confirmed its files: an import of old logs, any length (the
#   correlator judges lateness per source stream, so one site's import is
#   not late against another's). --speed X: ronda-sim writes each line when
#   its (simulated) time comes, X times faster than real time, while one live
#   collector per site (or per site of PIPE_LIVE_SITES) tails; the clock
#   starts only once the correlator has its partitions and every live
#   collector runs, and DIR/clock.json records it. When the simulator ends,
#   the live collectors are stopped (TERM: confirmed lines are checkpointed)
#   and --once collectors ship the rest: the live sites' last lines and
#   every other site's whole logs (imported after the live run).
#   Then it waits until the correlator has applied every message of the
#   topic (the store's offsets reach the topic's end offsets) and stops it
#   (exit status 0 required) unless --keep: then CORRELATOR_PID still runs.
#
# Files, all under $PIPE (default $T/pipe):
#   sites/          ronda-sim's output: <site>/{access,auth}.log, <site>/collector.yaml,
#                   <site>/www/ (the web root its collector watches), truth.json,
#                   bots.txt (the crawler ranges), clock.json (--speed only)
#   correlator.yaml the correlator's config: every site with agency, region and
#                   zone; store; alerts file sink; the SOC scanner of truth.json's
#                   "benign" allowlisted; GeoIP (geo.tsv) and bots.ranges (bots.txt)
#                   when ronda-sim wrote them; then $PIPE_CORRELATOR_EXTRA (YAML,
#                   top-level keys)
#   ronda.db        the store;  alerts.jsonl  the alerts file sink
#   state/          the collectors' state DBs;  logs/sim.log (--fast)
# Web roots: ronda-sim writes every site's base tree before truth.json, so
# before any collector starts (live or --once): a collector's first scan
# baselines it silently. Files an attack plants (and core updates) are
# written at their simulated time among the lines: live, when that time
# comes (the collector sees them created or modified); --fast, before any
# collector runs (its first scan reports those with markers as file_found,
# dated by their mtimes, which are the simulated times).
# Every spawned process logs to $T/$PIPE_TAG<name>.log (lib.sh's spawn):
# correlator, collector-SITE (live), once-SITE, sim (--speed); devbroker.log.
#
# Knobs (environment, set before pipeline_run): PIPE, PIPE_PARTITIONS (24;
# the mock keeps ~5 MB per partition), PIPE_JOBS (--once collectors at a
# time, 64; 1: the sites are imported one after another, each to its end
# before the next starts), PIPE_ORDER (the order the --once collectors
# start in: sorted (default, by site id), reverse, or shuffle:SEED, the same
# order for the same SEED), PIPE_LIVE_SITES (with --speed: the site ids,
# space-separated, that get a live collector; the others' logs are imported
# with --once after the live run ended; empty: every site is live),
# PIPE_LATENESS (see pipeline_configure), PIPE_CORRELATOR_EXTRA,
# PIPE_KAFKA_PROPERTIES (more librdkafka properties for the correlator, as
# YAML flow-map entries: 'fetch.wait.max.ms: "10"'),
# PIPE_TAG (a prefix for the log names, to keep several runs' logs apart),
# PIPE_TIMEOUT (seconds to wait for the
# collectors and the correlator to finish, 120, scaled under ASan).
# Programs come from $RONDA_BIN (plain or ASan, as tests/run.sh chose).
#
# The steps are also functions of their own: pipeline_broker, pipeline_sim,
# pipeline_configure, pipeline_correlator, pipeline_collectors_live,
# pipeline_collectors_once, pipeline_wait_consumed, pipeline_wait_alert_file,
# pipeline_stop, pipeline_lateness,
# pipeline_teardown (also the broker: before the next pipeline_run).

PIPE=${PIPE:-$T/pipe}
PIPE_PARTITIONS=${PIPE_PARTITIONS:-24}
PIPE_JOBS=${PIPE_JOBS:-64}
PIPE_ORDER=${PIPE_ORDER:-sorted}
PIPE_LIVE_SITES=${PIPE_LIVE_SITES:-}
PIPE_LATENESS=${PIPE_LATENESS:-}
PIPE_TIMEOUT=${PIPE_TIMEOUT:-120}
PIPE_CORRELATOR_EXTRA=${PIPE_CORRELATOR_EXTRA:-}
PIPE_KAFKA_PROPERTIES=${PIPE_KAFKA_PROPERTIES:-}
PIPE_TOPIC=ronda.events
PIPE_TAG=${PIPE_TAG:-}
PIPE_LIVE_PIDS=()

_pipe_q() { sqlite3 -cmd '.timeout 5000' "$PIPE/ronda.db" "$1" 2>/dev/null; }

_pipe_sites() {  # the site folders, one per line
    local c
    for c in "$PIPE"/sites/*/collector.yaml; do
        [ -f "$c" ] && basename "$(dirname "$c")"
    done
}

_pipe_sites_ordered() {  # the site folders in PIPE_ORDER, one per line
    case "$PIPE_ORDER" in
        sorted) _pipe_sites ;;
        reverse) _pipe_sites | tac ;;
        shuffle:[0-9]*)
            _pipe_sites | /usr/bin/python3 -c 'import random, sys
sites = sys.stdin.read().split()
random.Random(int(sys.argv[1])).shuffle(sites)
print("\n".join(sites))' "${PIPE_ORDER#shuffle:}" ;;
        *) echo "PIPE_ORDER=$PIPE_ORDER: sorted, reverse or shuffle:SEED" >&2; return 1 ;;
    esac
}

_pipe_live_sites() {  # the sites with a live collector, one per line
    local site
    if [ -z "$PIPE_LIVE_SITES" ]; then
        _pipe_sites
        return
    fi
    for site in $PIPE_LIVE_SITES; do
        if [ ! -f "$PIPE/sites/$site/collector.yaml" ]; then
            echo "PIPE_LIVE_SITES: no site $site in $PIPE/sites" >&2
            return 1
        fi
        echo "$site"
    done
}

# pipeline_broker: ronda-devbroker with ronda.events, ronda.alerts and the DLQ.
pipeline_broker() {
    mkdir -p "$PIPE/logs" "$PIPE/state"
    start_broker --partitions "$PIPE_PARTITIONS" \
        --topics "$PIPE_TOPIC,ronda.alerts,$PIPE_TOPIC.dlq"
}

# pipeline_sim SCENARIO [--speed X] [SIM_ARGS...]: ronda-sim into
# $PIPE/sites with collector configs pointing at $BROKER. --fast runs to its
# end here; --speed spawns it held (it waits for $PIPE/go) and sets SIM_PID.
pipeline_sim() {
    local sc=$1 speed=""; shift
    local args=()
    while [ $# -gt 0 ]; do
        case "$1" in
            --speed) speed=$2; shift 2 ;;
            *) args+=("$1"); shift ;;
        esac
    done
    rm -rf "$PIPE/sites" "$PIPE/go"
    _pipe_speed=$speed _pipe_lateness=""
    if [ -z "$speed" ]; then
        timeout "$(scaled 120)" "$RONDA_BIN/ronda-sim" --scenario "$sc" --out "$PIPE/sites" \
            --fast --kafka "$BROKER" --state-dir "$PIPE/state" "${args[@]}" \
            2>"$PIPE/logs/sim.log" || { cat "$PIPE/logs/sim.log" >&2; fail "ronda-sim $sc failed"; }
        SIM_PID=""
    else
        spawn "${PIPE_TAG}sim" "$RONDA_BIN/ronda-sim" --scenario "$sc" --out "$PIPE/sites" --speed "$speed" \
            --hold "$PIPE/go" --kafka "$BROKER" --state-dir "$PIPE/state" "${args[@]}"
        SIM_PID=$SPAWNED_PID
        wait_for test -s "$PIPE/sites/truth.json" --timeout 30 || fail "ronda-sim wrote no truth.json"
    fi
    [ -n "$(_pipe_sites)" ] || fail "ronda-sim wrote no collector config"
}

# pipeline_sim_seconds: the simulated duration (truth.json's start to end).
pipeline_sim_seconds() {
    /usr/bin/python3 -c 'import json, sys
from datetime import datetime
t = json.load(open(sys.argv[1]))
print(int((datetime.fromisoformat(t["end"][:19]) -
           datetime.fromisoformat(t["start"][:19])).total_seconds()))' "$PIPE/sites/truth.json"
}

# pipeline_configure: the correlator's config from the collector configs
# (written by ronda-sim: JSON-quoted values) and truth.json; the shared rule
# cache in every collector config, compiled once here.
#
# Event-time slack (windows.allowed_lateness and max_future, PIPE_LATENESS,
# a duration such as 10m; empty: the correlator's defaults, 10m and 1h):
# the default 10 minutes is meant for collectors that ship within seconds of
# real time. Compressed X times, one second of lag between two collectors
# is X seconds of event time, so a live run allows 10 s of wall clock in
# event time (at least the default 10 m, at most 24 h): on two cores shared
# by a simulator, 20 collectors and the correlator (and, in CI, other jobs)
# a starved collector falls seconds behind (2 s of slack at 720x saw 15% of
# kaltim-wave's events late at load 24). A --fast run is an import (every
# collector reads hours or days of logs at its own pace); the correlator
# judges lateness per source stream (partition, site, host and dataset),
# and each stream is one file read in order, so imports interleaving in a
# partition, or coming one site after another, are not late against each
# other: it runs with the correlator's defaults, as a SOC's import would.
pipeline_configure() {
    [ -n "${_pipe_lateness:-}" ] || pipeline_lateness "${_pipe_speed:-}"
    # GeoIP: a database of the simulator's own networks (sites/geo.tsv), as
    # make demo builds it; PIPE_GEOIP=0 runs without.
    local geo=""
    if [ "${PIPE_GEOIP:-1}" != 0 ] && [ -s "$PIPE/sites/geo.tsv" ]; then
        perl "$RONDA_SRC/scripts/mkmmdb.pl" --layout both "$PIPE/sites/geo.tsv" \
            "$PIPE/geo.mmdb" >"$PIPE/mkmmdb.log" 2>&1 ||
            fail "mkmmdb.pl: $(tail -n 3 "$PIPE/mkmmdb.log")"
        geo=$PIPE/geo.mmdb
    fi
    # The search engines' crawler ranges (an agent of theirs from elsewhere is fake).
    local bots=""
    [ -s "$PIPE/sites/bots.txt" ] && bots=$PIPE/sites/bots.txt
    /usr/bin/python3 - "$PIPE" "$BROKER" "$PIPE_TOPIC" "$_pipe_lateness" "$PIPE_KAFKA_PROPERTIES" \
        "$geo" "$bots" <<'PY' >"$PIPE/correlator.yaml" ||
import glob, json, os, sys
pipe, broker, topic = sys.argv[1:4]
def q(s):
    return json.dumps(s)           # a JSON string is a YAML double-quoted scalar
out = ["kafka:", "  brokers: " + q(broker), "  topic: " + q(topic),
       "  group: ronda-pipeline", "  dlq_topic: " + q(topic + ".dlq"),
       '  properties: {session.timeout.ms: "6000"%s}' % (", " + sys.argv[5] if sys.argv[5] else ""),
       "store: " + q(pipe + "/ronda.db"), "sites:"]
for cfg in sorted(glob.glob(os.path.join(pipe, "sites", "*", "collector.yaml"))):
    kv = {}
    for line in open(cfg, encoding="utf-8"):
        k, sep, v = line.partition(":")
        if sep and not line.startswith((" ", "#")) and v.strip().startswith('"'):
            kv[k] = json.loads(v.strip())
    out.append("  - id: " + q(kv["site"]))
    for k in ("agency", "region", "timezone"):
        if k in kv:
            out.append("    %s: %s" % (k, q(kv[k])))
truth = json.load(open(os.path.join(pipe, "sites", "truth.json"), encoding="utf-8"))
allow = [ip for b in truth.get("benign", []) for ip in b.get("ips", [])]
out.append("campaigns:")
if allow:
    out.append("  allowlist:")
    for ip in allow:
        out.append("    - {type: ip, value: %s}" % q(ip))
else:
    out.append("  {}")
if sys.argv[4]:
    late_s = int(sys.argv[4][:-1]) * {"s": 1, "m": 60, "h": 3600}[sys.argv[4][-1]]
    out.append("windows: {allowed_lateness: %ds, max_future: %ds}" % (late_s, max(late_s, 3600)))
out.append("alerts:")
out.append("  file: " + q(pipe + "/alerts.jsonl"))
if sys.argv[6]:
    out.append("geoip: {asn: %s, country: %s, home_country: ID}" % (q(sys.argv[6]), q(sys.argv[6])))
if sys.argv[7]:
    out.append("bots: {ranges: %s}" % q(sys.argv[7]))
print("\n".join(out))
PY
        fail "could not write $PIPE/correlator.yaml"
    if [ -n "$PIPE_CORRELATOR_EXTRA" ]; then
        printf '%s\n' "$PIPE_CORRELATOR_EXTRA" >>"$PIPE/correlator.yaml"
    fi
    local out c first=""
    out=$("$RONDA_BIN/ronda-correlator" -c "$PIPE/correlator.yaml" --check-config 2>&1) ||
        fail "correlator config: $out"
    for c in "$PIPE"/sites/*/collector.yaml; do
        printf 'rules_cache: "%s/build/rules-cache"\n' "$RONDA_SRC" >>"$c"
        [ -n "$first" ] || first=$c
    done
    out=$(timeout "$(scaled 120)" "$RONDA_BIN/ronda-collector" -c "$first" --check-config 2>&1) ||
        fail "collector config $first: $out"
}

# pipeline_lateness [SPEED]: the event-time slack pipeline_configure writes
# (above), for a live run at SPEED or (no SPEED) a --fast one (empty: the
# correlator's defaults); by default pipeline_configure picks it from how
# pipeline_sim ran.
pipeline_lateness() {
    if [ -n "$PIPE_LATENESS" ]; then
        [[ $PIPE_LATENESS =~ ^[0-9]+[smh]$ ]] ||
            fail "PIPE_LATENESS=$PIPE_LATENESS: a number and s, m or h"
        _pipe_lateness=$PIPE_LATENESS
    elif [ -n "${1:-}" ]; then
        _pipe_lateness=$(awk -v x="$1" 'BEGIN { s = int(10 * x + 0.5);
            if (s < 600) s = 600; if (s > 86400) s = 86400; print s "s" }')
    else
        _pipe_lateness=""
    fi
}

# pipeline_correlator: start it and wait until it has its partitions.
pipeline_correlator() {
    spawn "${PIPE_TAG}correlator" "$RONDA_BIN/ronda-correlator" -c "$PIPE/correlator.yaml"
    CORRELATOR_PID=$SPAWNED_PID
    wait_for grep -q "assigned $PIPE_TOPIC" "$T/${PIPE_TAG}correlator.log" --timeout 30 ||
        fail "the correlator got no partition"
}

# pipeline_collectors_live: one tailing collector per site of
# PIPE_LIVE_SITES (default: every site) (PIPE_LIVE_PIDS), each up before
# this returns.
pipeline_collectors_live() {
    local site sites
    PIPE_LIVE_PIDS=()
    sites=$(_pipe_live_sites) || fail "bad PIPE_LIVE_SITES"
    for site in $sites; do
        spawn "${PIPE_TAG}collector-$site" "$RONDA_BIN/ronda-collector" -c "$PIPE/sites/$site/collector.yaml"
        PIPE_LIVE_PIDS+=("$SPAWNED_PID")
    done
    for site in $sites; do
        wait_for grep -q "ronda-collector info: started" "$T/${PIPE_TAG}collector-$site.log" \
            --timeout 60 ||
            fail "collector of $site did not start"
    done
    # Its web root's first scan done before the clock starts: the base tree is
    # baselined silently, every later change is one the collector sees happen.
    for site in $sites; do
        grep -q '^webroots:' "$PIPE/sites/$site/collector.yaml" || continue
        wait_for grep -Eq "webroot: .*/$site/www: (baselined|scan done)" \
            "$T/${PIPE_TAG}collector-$site.log" --timeout 60 ||
            fail "collector of $site did not scan its web root"
    done
}

# pipeline_stop_live: TERM the live collectors (all at once: they flush in
# parallel), wait for each (bounded, KILL after); each must exit 0. One TERM
# only: once a collector has freed its signal events a second TERM finds the
# default action (exit 143), and under ASan its teardown takes long enough
# to be hit.
pipeline_stop_live() {
    local p rc end
    for p in "${PIPE_LIVE_PIDS[@]}"; do kill -TERM "$p" 2>/dev/null || true; done
    end=$(( $(_now_ms) + $(_ms_of "$(scaled 20)") ))
    for p in "${PIPE_LIVE_PIDS[@]}"; do
        while _alive "$p" && [ "$(_now_ms)" -lt "$end" ]; do sleep 0.05; done
        if _alive "$p"; then
            echo "pipeline_lib: collector pid $p ignored TERM: KILL" >&2
            kill -KILL "$p" 2>/dev/null || true
        fi
        rc=0
        wait "$p" 2>/dev/null || rc=$?
        [ $rc = 0 ] || fail "a live collector (pid $p) exited with $rc on SIGTERM"
    done
    PIPE_LIVE_PIDS=()
}

# pipeline_collectors_once: every site's collector with --once, PIPE_JOBS at
# a time, started in PIPE_ORDER; each must exit 0 (its files read to the
# end, Kafka confirmed all).
pipeline_collectors_once() {
    local sites=() pids=() names=() i=0 j rc end order
    order=$(_pipe_sites_ordered) || fail "bad PIPE_ORDER"
    mapfile -t sites <<<"$order"
    [ -n "$order" ] || fail "no site to import in $PIPE/sites"
    end=$(( $(_now_ms) + $(_ms_of "$(scaled "$PIPE_TIMEOUT")") ))
    while [ $i -lt ${#sites[@]} ] || [ ${#pids[@]} -gt 0 ]; do
        while [ $i -lt ${#sites[@]} ] && [ ${#pids[@]} -lt "$PIPE_JOBS" ]; do
            spawn "${PIPE_TAG}once-${sites[$i]}" "$RONDA_BIN/ronda-collector" --once \
                -c "$PIPE/sites/${sites[$i]}/collector.yaml"
            pids+=("$SPAWNED_PID"); names+=("${sites[$i]}")
            i=$((i + 1))
        done
        for j in "${!pids[@]}"; do
            if ! _alive "${pids[$j]}"; then
                rc=0; wait "${pids[$j]}" || rc=$?
                [ $rc = 0 ] || fail "ronda-collector --once for ${names[$j]} exited with $rc"
                unset 'pids[j]' 'names[j]'
            fi
        done
        pids=("${pids[@]}"); names=("${names[@]}")
        [ "$(_now_ms)" -lt "$end" ] || fail "collectors --once still running after ${PIPE_TIMEOUT}s (x$RONDA_TIME_FACTOR): ${names[*]}"
        sleep 0.1
    done
}

# pipeline_end_offsets: the sum of the topic's end offsets (every message
# produced so far).
pipeline_end_offsets() {
    local args=() p
    for p in $(seq 0 $((PIPE_PARTITIONS - 1))); do args+=(-t "$PIPE_TOPIC:$p:-1"); done
    timeout 10 kcat -Q -b "$BROKER" "${args[@]}" 2>/dev/null |
        awk '/offset/ { s += $NF; n++ } END { if (n) print s; else print -1 }'
}

# pipeline_store_offsets: the sum of the offsets the correlator committed.
pipeline_store_offsets() {
    local v
    v=$(_pipe_q "SELECT coalesce(sum(next_offset), 0) FROM offsets WHERE topic = '$PIPE_TOPIC'")
    echo "${v:-0}"
}

_pipe_consumed() {
    local want
    want=$(pipeline_end_offsets)
    [ "$want" -ge 0 ] && [ "$(pipeline_store_offsets)" -ge "$want" ]
}

# pipeline_wait_consumed [TIMEOUT]: every message on the topic applied and
# committed in the store (with the incidents, campaigns and alerts it made).
# Fails at once when the correlator is gone.
pipeline_wait_consumed() {
    local end=$(( $(_now_ms) + $(_ms_of "$(scaled "${1:-$PIPE_TIMEOUT}")") ))
    until _pipe_consumed; do
        if [ -n "${CORRELATOR_PID:-}" ] && ! _alive "$CORRELATOR_PID"; then
            local rc=0
            wait "$CORRELATOR_PID" 2>/dev/null || rc=$?
            fail "the correlator exited ($rc) after applying $(pipeline_store_offsets) of" \
                "$(pipeline_end_offsets) messages"
        fi
        [ "$(_now_ms)" -lt "$end" ] ||
            fail "the correlator applied $(pipeline_store_offsets) of $(pipeline_end_offsets) messages"
        sleep 0.2
    done
}

_pipe_alerts_delivered() {
    local n
    n=$(_pipe_q "SELECT count(*) FROM alerts") || return 1
    [ "$(count_lines "$PIPE/alerts.jsonl")" -ge "${n:-0}" ]
}

# pipeline_wait_alert_file [TIMEOUT]: the alert file sink holds every alert of
# the outbox (delivery runs after the commit that raised them).
pipeline_wait_alert_file() {
    wait_for _pipe_alerts_delivered --timeout "${1:-30}" ||
        fail "the alert file has $(count_lines "$PIPE/alerts.jsonl") of $(_pipe_q "SELECT count(*) FROM alerts") alerts"
}

# pipeline_stop: stop the correlator (exit 0 on TERM) and what still runs.
pipeline_stop() {
    [ ${#PIPE_LIVE_PIDS[@]} -gt 0 ] && pipeline_stop_live
    if [ -n "${CORRELATOR_PID:-}" ] && _alive "$CORRELATOR_PID"; then
        local rc=0
        stop "$CORRELATOR_PID" --timeout 20 || rc=$?
        [ $rc = 0 ] || fail "the correlator exited with $rc on SIGTERM"
    fi
    CORRELATOR_PID=""
}

# pipeline_teardown: stop the correlator if --keep left it, and the broker
# (before a second pipeline_run in the same test).
pipeline_teardown() {
    pipeline_stop
    if [ -n "${BROKER_PID:-}" ] && _alive "$BROKER_PID"; then
        stop "$BROKER_PID" --timeout 10 || true
    fi
    BROKER_PID=""
}

# pipeline_run SCENARIO [--speed X] [--seed N] [--keep] [-- SIM_ARGS...]
pipeline_run() {
    local sc=$1 speed="" keep=0 simargs=() t0 t1 t2 wait_s; shift
    while [ $# -gt 0 ]; do
        case "$1" in
            --speed) speed=$2; shift 2 ;;
            --seed) simargs+=(--seed "$2"); shift 2 ;;
            --keep) keep=1; shift ;;
            --) shift; simargs+=("$@"); break ;;
            *) fail "pipeline_run: unknown option $1" ;;
        esac
    done
    t0=$(_now_ms)
    pipeline_broker
    if [ -n "$speed" ]; then
        pipeline_sim "$sc" --speed "$speed" "${simargs[@]}"
    else
        pipeline_sim "$sc" "${simargs[@]}"
    fi
    if [ -z "$speed" ] && [ -n "$PIPE_LIVE_SITES" ]; then
        fail "pipeline_run $sc: PIPE_LIVE_SITES needs a live run (--speed)"
    fi
    pipeline_configure
    t1=$(_now_ms)
    pipeline_correlator
    if [ -n "$speed" ]; then
        pipeline_collectors_live
        touch "$PIPE/go"
        wait_for test -s "$PIPE/sites/clock.json" --timeout 10 || fail "ronda-sim did not start its clock"
        # The simulated duration at this speed, plus slack for a slow machine.
        wait_s=$(awk -v d="$(pipeline_sim_seconds)" -v x="$speed" 'BEGIN { print int(d / x) + 30 }')
        local end=$(( $(_now_ms) + wait_s * 1000 ))
        while _alive "$SIM_PID"; do
            [ "$(_now_ms)" -lt "$end" ] || fail "ronda-sim --speed $speed still writing after ${wait_s}s"
            sleep 0.2
        done
        wait "$SIM_PID" || fail "ronda-sim --speed exited with $?"
        pipeline_stop_live
    fi
    t2=$(_now_ms)
    pipeline_collectors_once
    pipeline_wait_consumed
    local gaps
    gaps=$(_pipe_q "SELECT coalesce(sum(value), 0) FROM counters WHERE name = 'offset_gaps'")
    [ "${gaps:-0}" = 0 ] || fail "the correlator skipped $gaps messages the mock broker had" \
        "already dropped (~5 MB kept per partition): more PIPE_PARTITIONS"
    [ $keep = 1 ] || pipeline_stop
    PIPE_SECONDS=$(( ($(_now_ms) - t0) / 1000 ))
    local how="lateness ${_pipe_lateness:-default}"
    [ -n "$speed" ] && [ -n "$PIPE_LIVE_SITES" ] &&
        how+=", $(echo $PIPE_LIVE_SITES | wc -w) sites live"
    [ "$PIPE_JOBS" = 1 ] && how+=", --once one site after another ($PIPE_ORDER)"
    echo "pipeline: $sc$([ -n "$speed" ] && echo " at ${speed}x") through $(_pipe_sites | wc -l) collectors" \
        "($how): $(pipeline_store_offsets) messages applied in ${PIPE_SECONDS}s," \
        "$(_pipe_q "SELECT coalesce(sum(value), 0) FROM counters WHERE name = 'late'") late," \
        "$(_pipe_q "SELECT coalesce(sum(value), 0) FROM counters WHERE name = 'clamped_future'") clamped" \
        "(set-up and rules $(( (t1 - t0) / 1000 ))s, $([ -n "$speed" ] && echo "live" ||
        echo "group join") $(( (t2 - t1) / 1000 ))s, --once and catch-up $(( ($(_now_ms) - t2) / 1000 ))s)"
}

# pipeline_score [ARGS...]: ronda-sim score against the truth (and clock).
pipeline_score() {
    local clock=()
    [ -s "$PIPE/sites/clock.json" ] && clock=(--clock "$PIPE/sites/clock.json")
    "$RONDA_BIN/ronda-sim" score --truth "$PIPE/sites/truth.json" --store "$PIPE/ronda.db" \
        "${clock[@]}" "$@"
}
