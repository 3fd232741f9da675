# tests/e2e/lib.sh — sourced by every end-to-end test:
#
#   #!/bin/bash
#   . "$(dirname "$0")/lib.sh"
#   require_cmd kcat
#   start_broker --partitions 3 --topics ronda.events,ronda.alerts
#   consume_to "$T/events.jsonl" ronda.events
#   spawn collector "$RONDA_BIN/ronda-collector" -c "$T/c.yaml"
#   wait_for test -s "$T/events.jsonl" --timeout 20 || fail "no events"
#   wait_lines "$T/events.jsonl" 1000 --timeout 60 || fail "only $(count_lines "$T/events.jsonl")"
#   check_events "$T/events.jsonl" --expect-count 1000 || fail "bad events"
#
# Environment (set by tests/run.sh): RONDA_BIN (programs), RONDA_TMP (a fresh
# directory, also $T), RONDA_SRC (the source tree), RONDA_SAN (1 under
# ASan/UBSan: every timeout is multiplied by RONDA_TIME_FACTOR, default 3).
#
# Every process started with spawn/start_broker/consume_to is tracked and
# killed on exit (normal, fail, INT or TERM) with its descendants: TERM,
# then KILL after a bounded grace period. Processes stay in the test's
# process group so that the runner's own timeout still reaches them.
# Everything listens on 127.0.0.1 only.
#
# Wait with wait_for/wait_lines, never a long foreground command: bash runs
# the INT/TERM trap only when the foreground command returns (wrap anything
# that may hang in `timeout "$(scaled S)"`).

set -euo pipefail

: "${RONDA_BIN:?RONDA_BIN must name the folder of the programs under test}"
: "${RONDA_TMP:?RONDA_TMP must name a scratch folder}"
RONDA_SRC=${RONDA_SRC:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
RONDA_SAN=${RONDA_SAN:-0}
T=$RONDA_TMP
export RONDA_BIN RONDA_TMP RONDA_SRC RONDA_SAN T

if [ "$RONDA_SAN" = 1 ]; then
    RONDA_TIME_FACTOR=${RONDA_TIME_FACTOR:-3}
else
    RONDA_TIME_FACTOR=${RONDA_TIME_FACTOR:-1}
fi

# The correlator refuses to run as root (docs/security.md); test machines and
# CI containers often are root, and everything here runs in a throwaway
# folder. test_hostile_privilege.sh checks the refusal itself.
export RONDA_ALLOW_ROOT=${RONDA_ALLOW_ROOT:-1}

_lib_pids=()        # tracked background processes
_lib_names=()       # their names (for messages), same index
_lib_logs=()        # their log files, same index
_lib_cleaning=0

# scaled S: S seconds (may be fractional) times the sanitizer factor.
scaled() {
    awk -v s="$1" -v f="$RONDA_TIME_FACTOR" 'BEGIN { printf "%.3f\n", s * f }'
}

_now_ms() {
    local t=${EPOCHREALTIME/./}
    echo $(( t / 1000 ))
}

_ms_of() {  # seconds (fractional) -> integer milliseconds
    awk -v s="$1" 'BEGIN { printf "%d\n", s * 1000 }'
}

_descendants() {  # pid: every descendant pid, deepest first
    local c
    for c in $(ps -o pid= --ppid "$1" 2>/dev/null); do
        _descendants "$c"
        echo "$c"
    done
}

_alive() { kill -0 "$1" 2>/dev/null; }

# _stop_pids GRACE pid...: TERM them (and their descendants), wait up to GRACE
# seconds, then KILL what is left. Always returns within GRACE + ~1 s.
_stop_pids() {
    local grace=$1; shift
    local all=() p d end
    for p in "$@"; do
        _alive "$p" || continue
        for d in $(_descendants "$p"); do all+=("$d"); done
        all+=("$p")
    done
    [ ${#all[@]} -gt 0 ] || return 0
    kill -TERM "${all[@]}" 2>/dev/null || true
    end=$(( $(_now_ms) + $(_ms_of "$grace") ))
    while [ "$(_now_ms)" -lt "$end" ]; do
        local any=0
        for p in "${all[@]}"; do _alive "$p" && { any=1; break; }; done
        [ $any = 0 ] && break
        sleep 0.05
    done
    for p in "${all[@]}"; do
        if _alive "$p"; then
            echo "lib.sh: pid $p did not stop within ${grace}s: KILL" >&2
            kill -KILL "$p" 2>/dev/null || true
        fi
    done
    for p in "$@"; do wait "$p" 2>/dev/null || true; done
    return 0
}

_lib_cleanup() {
    local rc=$?
    [ $_lib_cleaning = 1 ] && return
    _lib_cleaning=1
    set +e
    trap - INT TERM
    if [ ${#_lib_pids[@]} -gt 0 ]; then
        _stop_pids "$(scaled 5)" "${_lib_pids[@]}"
    fi
    return $rc
}
trap _lib_cleanup EXIT
trap 'echo "lib.sh: interrupted" >&2; exit 130' INT
trap 'echo "lib.sh: terminated" >&2; exit 143' TERM

# Print the end of every tracked process's log (on failure).
dump_logs() {
    local i
    for i in "${!_lib_pids[@]}"; do
        local log=${_lib_logs[$i]}
        [ -s "$log" ] || continue
        echo "---- ${_lib_names[$i]} (pid ${_lib_pids[$i]}): tail of $log" >&2
        tail -n "${1:-20}" "$log" >&2
    done
}

# fail MSG: print it (and the tails of the logs) and exit 1.
fail() {
    echo "FAIL: $*" >&2
    dump_logs 20
    exit 1
}

# skip MSG: exit 77, the runner's "skipped"; MSG is the last line it shows.
skip() {
    echo "SKIP: $*"
    exit 77
}

# require_cmd CMD...: skip the test when a tool is missing.
require_cmd() {
    local c
    for c in "$@"; do
        command -v "$c" >/dev/null 2>&1 || skip "$c is not installed"
    done
}

# spawn NAME CMD...: run CMD in the background, stdout+stderr to $T/NAME.log,
# tracked for cleanup. Sets SPAWNED_PID (call it directly, not in $(...)).
spawn() {
    local name=$1; shift
    local log=$T/$name.log
    "$@" >"$log" 2>&1 &
    SPAWNED_PID=$!
    _lib_pids+=("$SPAWNED_PID")
    _lib_names+=("$name")
    _lib_logs+=("$log")
}

# stop PID [--timeout S]: TERM it, wait (bounded), KILL if it hangs; returns its
# exit status (143 when TERM killed it without a handler, 137 after KILL).
stop() {
    local pid=$1 to=5 rc=0
    [ "${2:-}" = --timeout ] && to=$3
    to=$(scaled "$to")
    kill -TERM "$pid" 2>/dev/null || true
    local end=$(( $(_now_ms) + $(_ms_of "$to") ))
    while _alive "$pid" && [ "$(_now_ms)" -lt "$end" ]; do sleep 0.05; done
    if _alive "$pid"; then
        echo "lib.sh: pid $pid ignored TERM for ${to}s: KILL" >&2
        kill -KILL "$pid" 2>/dev/null || true
    fi
    wait "$pid" 2>/dev/null || rc=$?
    return $rc
}

# wait_for CMD... --timeout S: run CMD every 0.1 s until it succeeds (0) or S
# seconds (scaled under ASan) pass (1, with a message on stderr).
wait_for() {
    local args=() to=10
    while [ $# -gt 0 ]; do
        if [ "$1" = --timeout ] && [ $# -ge 2 ]; then
            to=$2; shift 2
        else
            args+=("$1"); shift
        fi
    done
    [ ${#args[@]} -gt 0 ] || { echo "wait_for: no command" >&2; return 2; }
    to=$(scaled "$to")
    local end=$(( $(_now_ms) + $(_ms_of "$to") ))
    while :; do
        if "${args[@]}" >/dev/null 2>&1; then return 0; fi
        if [ "$(_now_ms)" -ge "$end" ]; then
            echo "wait_for: timed out after ${to}s: ${args[*]}" >&2
            return 1
        fi
        sleep 0.1
    done
}

# count_lines FILE: number of complete lines (0 if the file is missing).
count_lines() {
    if [ -f "$1" ]; then wc -l <"$1" | tr -d ' '; else echo 0; fi
}

_has_lines() { [ "$(count_lines "$1")" -ge "$2" ]; }

# wait_lines FILE N [--timeout S]: wait until FILE has at least N lines.
wait_lines() {
    local f=$1 n=$2; shift 2
    wait_for _has_lines "$f" "$n" "$@"
}

# start_broker [--partitions N] [--topics T1,T2] [--brokers N]: start
# ronda-devbroker, wait for its bootstrap file, export BROKER (host:port) and
# BROKER_PID. Default topics: ronda.events,ronda.alerts; partitions 3.
start_broker() {
    local args=() topics=ronda.events,ronda.alerts
    while [ $# -gt 0 ]; do
        case "$1" in
            --topics) topics=$2; shift 2 ;;
            --partitions|--brokers) args+=("$1" "$2"); shift 2 ;;
            *) fail "start_broker: unknown option $1" ;;
        esac
    done
    local addr=$T/broker.addr
    rm -f "$addr"
    spawn devbroker "$RONDA_BIN/ronda-devbroker" --topics "$topics" "${args[@]}" \
        --bootstrap-file "$addr"
    BROKER_PID=$SPAWNED_PID
    if ! wait_for test -s "$addr" --timeout 20; then
        fail "ronda-devbroker did not write $addr"
    fi
    BROKER=$(head -n 1 "$addr")
    case "$BROKER" in
        127.0.0.1:*) ;;
        *) fail "ronda-devbroker listens on '$BROKER', not 127.0.0.1" ;;
    esac
    export BROKER BROKER_PID
}

# broker_down / broker_up: cut every broker off (connections refused) and
# bring them back, as a Kafka outage would. Messages already stored survive.
# Note: kcat (and so consume_to) exits when all brokers are down; after
# broker_up, call consume_to again (it re-reads the topic from the beginning).
broker_down() { kill -USR1 "$BROKER_PID"; }
broker_up() { kill -USR2 "$BROKER_PID"; }

# consume_to FILE TOPIC [--keys] [--name NAME]: a background kcat consumer of
# TOPIC from the beginning (all partitions, no group), one message per line
# (with --keys: "key<TAB>value"). Sets CONSUMER_PID. Start it BEFORE
# producing much: the mock keeps only ~5 MB per partition, so a consumer must
# read while the producer writes.
consume_to() {
    local file=$1 topic=$2; shift 2
    local fmt='%s\n' name=kcat-$topic
    while [ $# -gt 0 ]; do
        case "$1" in
            --keys) fmt='%k\t%s\n'; shift ;;
            --name) name=$2; shift 2 ;;
            *) fail "consume_to: unknown option $1" ;;
        esac
    done
    : >"$file"
    spawn "$name" bash -c 'exec kcat -C -b "$1" -t "$2" -o beginning -u -q -f "$3" >"$4"' \
        _ "$BROKER" "$topic" "$fmt" "$file"
    CONSUMER_PID=$SPAWNED_PID
}

# check_events FILE [check_events.py options]: validate consumed events.
check_events() {
    /usr/bin/python3 "$RONDA_SRC/tests/e2e/check_events.py" \
        --schema "$RONDA_SRC/schemas/event.schema.json" "$@"
}
