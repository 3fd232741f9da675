#!/bin/bash
# ronda-correlator end to end (2) and (3): exactly once.
#  - the same event stream delivered twice (a collector resending after a
#    crash) gives the same incidents as one delivery, the second copy
#    counted as duplicates;
#  - a correlator killed with SIGKILL three times while consuming gives, after
#    a final restart, exactly the same incidents, indicators, evidence and
#    counters as an uninterrupted run. One exception, by design: a site's
#    pool incident (key "pool") takes the hits of many sources, read from
#    many partitions in an order a restart changes, so which 20 of its lines
#    are kept as evidence is a sample of that order; for those the number
#    of lines is compared (its times, counts, status, sets and indicators
#    stay exact).
# 64 partitions keep each under the mock broker's ~5 MB retention; any offset
# gap is counted by the correlator and must be zero here.
. "$(dirname "$0")/lib.sh"
require_cmd kcat sqlite3

N=${CORR_CRASH_EVENTS:-60000}
[ "$RONDA_SAN" = 1 ] && N=${CORR_CRASH_EVENTS_SAN:-20000}

start_broker --topics ronda.events,ronda.twice,ronda.events.dlq --partitions 64

conf() {  # name topic group
    cat >"$T/$1.yaml" <<YAML
kafka:
  brokers: $BROKER
  topic: $2
  group: $3
  properties: {session.timeout.ms: "6000"}
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
# Messages accounted for (batches and DLQ copies depend on timing, not these).
done_count() {  # db [counters...]
    local db=$1; shift
    local names="'events','duplicates','rejected_not_json','rejected_schema','rejected_too_large','offset_gaps'"
    [ $# -gt 0 ] && names=$(printf "'%s'," "$@") && names=${names%,}
    sqlite3 "$db" "SELECT coalesce(sum(value),0) FROM counters WHERE name IN ($names)" \
        2>/dev/null || echo 0
}
done_at_least() { [ "$(done_count "$1")" -ge "$2" ]; }
applied_at_least() { [ "$(done_count "$1" events duplicates)" -ge "$2" ]; }
dump() {  # db -> canonical text of the store's results
    sqlite3 "$1" "SELECT id,site,kind,key,severity,status,first_seen,last_seen,event_count,
        reopen_count,site_known,attacker_ips,users,rule_ids FROM incidents ORDER BY id;
      SELECT incident_id,type,value,first_seen FROM indicators ORDER BY 1,2,3;
      SELECT incident_id,seq,ts,line FROM evidence WHERE incident_id NOT IN
        (SELECT id FROM incidents WHERE key = 'pool') ORDER BY 1,2;
      SELECT incident_id,count(*) FROM evidence WHERE incident_id IN
        (SELECT id FROM incidents WHERE key = 'pool') GROUP BY 1 ORDER BY 1;
      SELECT name,value FROM counters WHERE name NOT IN ('batches','dlq') ORDER BY 1;"
}

"$RONDA_BIN/ronda-eventgen" --events "$N" --sites 40 --ips 3000 --rate 50 --seed 7 >"$T/ev.tsv"
total=$(count_lines "$T/ev.tsv")
echo "stream: $total messages"
produce() { timeout "$(scaled 60)" kcat -b "$BROKER" -P -t "$1" -K $'\t' <"$T/ev.tsv"; }
produce ronda.events || fail "produce"
produce ronda.twice || fail "produce twice/1"
produce ronda.twice || fail "produce twice/2"

run_to_end() {  # name expected
    spawn "$1-last" "$RONDA_BIN/ronda-correlator" -c "$T/$1.yaml"
    local p=$SPAWNED_PID
    wait_for done_at_least "$T/$1.db" "$2" --timeout 120 || fail "$1: not all messages applied"
    # When the store was already complete, let it start before asking it to stop
    # (a TERM before main() runs kills any process with status 143).
    wait_for grep -q consuming "$T/$1-last.log" --timeout 30 || fail "$1: did not start"
    local rc=0
    stop "$p" --timeout 10 || rc=$?
    [ "$rc" = 0 ] || { tail -n 5 "$T/$1-last.log" >&2; fail "$1: exit status $rc"; }
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
    spawn "b-$i" "$RONDA_BIN/ronda-correlator" -c "$T/b.yaml"
    p=$SPAWNED_PID
    c0=$(done_count "$T/b.db"); target=$(( c0 + (total - c0) / 3 ))
    wait_for applied_at_least "$T/b.db" "$target" --timeout 60 || fail "run B/$i did not progress"
    sleep 0.$((RANDOM % 5))
    kill -KILL "$p"; wait "$p" 2>/dev/null || true
    echo "killed at $(done_count "$T/b.db") committed"
done
run_to_end b "$total"
dump "$T/b.db" >"$T/b.txt"
diff "$T/a.txt" "$T/b.txt" >"$T/ab.diff" || { head -20 "$T/ab.diff"; fail "killed run differs from uninterrupted run"; }
echo "SIGKILL x3: identical ($(count_lines "$T/a.txt") lines)"

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
