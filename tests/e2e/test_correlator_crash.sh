#!/bin/bash
# ronda-correlator end to end (2) and (3): exactly once.
#  - the same 100,000-event stream delivered twice (a collector resending
#    after a crash) gives the same incidents as one delivery, the second copy
#    counted as duplicates;
#  - a correlator killed with SIGKILL three times while consuming gives, after
#    a final restart, exactly the same incidents, indicators, evidence and
#    counters as an uninterrupted run.
# 64 partitions keep each under the mock broker's ~5 MB retention; any offset
# gap is counted by the correlator and must be zero here.
set -u
: "${RONDA_BIN:?}" "${RONDA_TMP:?}"
command -v kcat >/dev/null || { echo "kcat not installed"; exit 77; }
command -v sqlite3 >/dev/null || { echo "sqlite3 CLI not installed"; exit 77; }
T=$RONDA_TMP
N=${CORR_CRASH_EVENTS:-100000}
[ "${RONDA_SAN:-0}" = 1 ] && N=${CORR_CRASH_EVENTS_SAN:-30000}
pids=()
cleanup() { for p in "${pids[@]}"; do kill -9 "$p" 2>/dev/null; wait "$p" 2>/dev/null; done; }
trap cleanup EXIT
fail() { echo "FAIL: $*"; exit 1; }
wait_for() {  # seconds command...
    local end=$(( $(date +%s) + $1 )); shift
    until "$@"; do [ "$(date +%s)" -ge $end ] && return 1; sleep 0.3; done
}

"$RONDA_BIN/ronda-devbroker" --topics ronda.events,ronda.twice,ronda.events.dlq \
    --partitions 64 --bootstrap-file "$T/broker.addr" >"$T/broker.log" 2>&1 &
pids+=($!)
wait_for 20 test -s "$T/broker.addr" || fail "broker did not start"
B=$(head -n1 "$T/broker.addr")

conf() {  # name topic group
    cat >"$T/$1.yaml" <<YAML
kafka:
  brokers: $B
  topic: $2
  group: $3
store: $T/$1.db
sites:
  - id: bontangkota0.go.id
    agency: Diskominfo Bontang
detectors:
  bruteforce_failures: 5
  scan_paths: 10
  quiet: 10m
dedupe:
  max_ids: 2000000
YAML
}
# Counters the run must agree on (batches and DLQ copies depend on timing).
done_count() {  # db -> messages accounted for
    sqlite3 "$1" "SELECT coalesce(sum(value),0) FROM counters WHERE name IN
        ('events','duplicates','rejected_not_json','rejected_schema','rejected_too_large','offset_gaps')" 2>/dev/null || echo 0
}
dump() {  # db -> canonical text of the store's results
    sqlite3 "$1" "SELECT id,site,kind,key,severity,status,first_seen,last_seen,event_count,
        reopen_count,site_known,attacker_ips,users,rule_ids FROM incidents ORDER BY id;
      SELECT incident_id,type,value,first_seen FROM indicators ORDER BY 1,2,3;
      SELECT incident_id,seq,ts,line FROM evidence ORDER BY 1,2;
      SELECT name,value FROM counters WHERE name NOT IN ('batches','dlq') ORDER BY 1;"
}

"$RONDA_BIN/ronda-eventgen" --events "$N" --sites 40 --ips 3000 --rate 50 --seed 7 >"$T/ev.tsv"
total=$(wc -l <"$T/ev.tsv")
echo "stream: $total messages"
kcat -b "$B" -P -t ronda.events -K $'\t' <"$T/ev.tsv" || fail "produce"
kcat -b "$B" -P -t ronda.twice -K $'\t' <"$T/ev.tsv" || fail "produce twice/1"
kcat -b "$B" -P -t ronda.twice -K $'\t' <"$T/ev.tsv" || fail "produce twice/2"

run_to_end() {  # name expected
    "$RONDA_BIN/ronda-correlator" -c "$T/$1.yaml" >>"$T/$1.log" 2>&1 &
    local p=$!
    pids+=($p)
    wait_for 600 bash -c "[ \$(sqlite3 '$T/$1.db' \"SELECT coalesce(sum(value),0) FROM counters WHERE name IN ('events','duplicates','rejected_not_json','rejected_schema','rejected_too_large','offset_gaps')\" 2>/dev/null || echo 0) -ge $2 ]" \
        || { tail "$T/$1.log"; fail "$1: not all messages applied"; }
    kill -TERM $p; wait $p || fail "$1: exit status"
}

# A: uninterrupted.
conf a ronda.events group-a
t0=$(date +%s.%N)
run_to_end a "$total"
echo "uninterrupted run: $(echo "$(date +%s.%N) - $t0" | bc) s"
dump "$T/a.db" >"$T/a.txt"
echo "incidents: $(sqlite3 "$T/a.db" 'SELECT kind, count(*) FROM incidents GROUP BY kind' | tr '\n' ' ')"
[ "$(sqlite3 "$T/a.db" "SELECT count(*) FROM incidents")" -gt 50 ] || fail "too few incidents"
[ "$(sqlite3 "$T/a.db" "SELECT value FROM counters WHERE name='offset_gaps'")" = 0 ] \
    || fail "offset gaps in run A"

# B: killed with SIGKILL three times, at different points, then restarted.
conf b ronda.events group-b
printf 'batch:\n  max_events: 700\n  interval: 50ms\n' >>"$T/b.yaml"
for i in 1 2 3; do
    "$RONDA_BIN/ronda-correlator" -c "$T/b.yaml" >>"$T/b.log" 2>&1 &
    p=$!
    pids+=($p)
    c0=$(done_count "$T/b.db"); target=$(( c0 + (total - c0) / 3 ))
    wait_for 300 bash -c "[ \$(sqlite3 '$T/b.db' \"SELECT coalesce(sum(value),0) FROM counters WHERE name IN ('events','duplicates')\" 2>/dev/null || echo 0) -ge $target ]" \
        || fail "run B/$i did not progress"
    sleep 0.$((RANDOM % 5))
    kill -9 $p; wait $p 2>/dev/null
    echo "killed at $(done_count "$T/b.db") committed"
done
run_to_end b "$total"
dump "$T/b.db" >"$T/b.txt"
diff "$T/a.txt" "$T/b.txt" >"$T/ab.diff" || { head -20 "$T/ab.diff"; fail "killed run differs from uninterrupted run"; }
echo "SIGKILL x3: identical ($(wc -l <"$T/a.txt") lines)"

# C: the stream twice: same incidents, the second copy all duplicates.
conf c ronda.twice group-c
run_to_end c $((total * 2))
dump "$T/c.db" | grep -v '^duplicates|' >"$T/c.txt"
grep -v '^duplicates|' "$T/a.txt" >"$T/a2.txt"
diff "$T/a2.txt" "$T/c.txt" >"$T/ac.diff" || { head -20 "$T/ac.diff"; fail "twice-delivered stream differs"; }
[ "$(sqlite3 "$T/c.db" "SELECT value FROM counters WHERE name='duplicates'")" = "$total" ] \
    || fail "duplicates not counted: $(sqlite3 "$T/c.db" "SELECT value FROM counters WHERE name='duplicates'")"
echo "twice: identical, $total duplicates counted"
echo ok
