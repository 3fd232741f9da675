#!/bin/bash
# The correlator's store on a full disk (issue 8). One ronda-eventgen stream
# on Kafka (64 partitions), consumed by:
#   A  an uninterrupted correlator: the reference;
#   B  one whose store is capped (`store_max_size`, PRAGMA max_page_count:
#      SQLite fails exactly as on a full disk; no root needed) at 40% of
#      what A's store needs;
#   C  (root, where mount works) one whose store lives on a tmpfs of 40% of
#      A's store: the write-ahead log fills the disk, as in production.
# B and C must each: stop with one clear error line naming the store and
# "database or disk is full" (exit status not 0); leave a database that
# passes PRAGMA integrity_check; have committed no offset past what is
# stored (the sum of the stored offsets equals the messages the stored
# counters account for); fail the same way when restarted on the
# still-full disk (having at most committed a few more whole batches that
# fitted in freed pages); and, once space returns (the cap raised, the tmpfs
# remounted larger), finish with exactly A's incidents, indicators,
# evidence, incident alerts and counters: every event applied once. (A
# pool incident's evidence is a sample of the order its many partitions
# were read in: its number of lines is compared, see test_correlator_crash.)
# (Campaigns link incidents across partitions, so over Kafka they depend
# on how the partitions interleave; test_campaign_crash proves them exactly
# once through --input, where the order is fixed.)
. "$(dirname "$0")/lib.sh"
require_cmd kcat sqlite3

N=60000
[ "$RONDA_SAN" = 1 ] && N=20000
start_broker --topics ronda.events --partitions 64
"$RONDA_BIN/ronda-eventgen" --events "$N" --sites 40 --ips 3000 --rate 50 --seed 7 >"$T/ev.tsv"
total=$(count_lines "$T/ev.tsv")
timeout "$(scaled 60)" kcat -b "$BROKER" -P -t ronda.events -K $'\t' <"$T/ev.tsv" || fail "produce"
echo "stream: $total messages"

conf() {  # name store [extra yaml]
    cat >"$T/$1.yaml" <<YAML
kafka:
  brokers: $BROKER
  topic: ronda.events
  group: group-$1
  properties: {session.timeout.ms: "6000"}
store: $2
sites:
  - id: bontangkota0.go.id
    agency: Diskominfo Bontang
detectors: {bruteforce_failures: 5, scan_paths: 10, quiet: 10m}
dedupe: {max_ids: 2000000}
batch: {max_events: 700, interval: 50ms}
alerts: {kafka_topic: ""}
${3:-}
YAML
}
q() { sqlite3 -cmd '.timeout 5000' "$1" "$2" 2>/dev/null; }
# Messages the stored counters account for, and the stored offsets' sum.
accounted() {
    q "$1" "SELECT coalesce(sum(value), 0) FROM counters WHERE name IN ('events', 'duplicates',
        'rejected_not_json', 'rejected_schema', 'rejected_too_large', 'offset_gaps')" || echo 0
}
offsets() { q "$1" "SELECT coalesce(sum(next_offset), 0) FROM offsets" || echo 0; }
applied_at_least() { [ "$(accounted "$1")" -ge "$2" ]; }
dump() {
    sqlite3 "$1" "SELECT id, site, kind, key, severity, status, first_seen, last_seen, event_count,
        reopen_count, site_known, attacker_ips, users, rule_ids FROM incidents ORDER BY id;
      SELECT incident_id, type, value, first_seen FROM indicators ORDER BY 1, 2, 3;
      SELECT incident_id, seq, ts, line FROM evidence WHERE incident_id NOT IN
        (SELECT id FROM incidents WHERE key = 'pool') ORDER BY 1, 2;
      SELECT incident_id, count(*) FROM evidence WHERE incident_id IN
        (SELECT id FROM incidents WHERE key = 'pool') GROUP BY 1 ORDER BY 1;
      SELECT id, type, incident_id, severity FROM alerts WHERE campaign_id = '' ORDER BY id;
      SELECT name, value FROM counters WHERE name NOT IN ('batches') ORDER BY 1;"
}
run_to_end() {  # name
    spawn "$1-end" "$RONDA_BIN/ronda-correlator" -c "$T/$1.yaml"
    local p=$SPAWNED_PID rc=0
    wait_for applied_at_least "$(store_of "$1")" "$total" --timeout 120 ||
        fail "$1: applied $(accounted "$(store_of "$1")") of $total after space returned"
    wait_for grep -q consuming "$T/$1-end.log" --timeout 30 || fail "$1: did not start"
    stop "$p" --timeout 10 || rc=$?
    [ $rc = 0 ] || { tail -n 5 "$T/$1-end.log" >&2; fail "$1: exit status $rc"; }
}
store_of() { sed -n 's/^store: //p' "$T/$1.yaml"; }

# run_full NAME TRY: a run that must stop on the full store; checks the
# error line, the database and the offsets. GOT: the messages accounted for.
run_full() {
    local name=$1 try=$2 db p rc=0 line
    db=$(store_of "$name")
    spawn "$name-$try" "$RONDA_BIN/ronda-correlator" -c "$T/$name.yaml"
    p=$SPAWNED_PID
    local end=$(( $(_now_ms) + $(_ms_of "$(scaled 120)") ))
    while _alive "$p"; do
        [ "$(_now_ms)" -lt "$end" ] || fail "$name/$try: still running on a full store"
        sleep 0.1
    done
    wait "$p" || rc=$?
    [ $rc != 0 ] || fail "$name/$try: exit status 0 on a full store"
    line=$(grep -m 1 -E "store:? $db.*database or disk is full" "$T/$name-$try.log") ||
        { tail -n 5 "$T/$name-$try.log" >&2; fail "$name/$try: no clear error naming $db"; }
    echo "$name/$try: exit $rc: ${line#* warning: }"
    [ "$(q "$db" "PRAGMA integrity_check")" = ok ] ||
        fail "$name/$try: integrity_check: $(q "$db" "PRAGMA integrity_check" | head -n 3)"
    [ "$(offsets "$db")" = "$(accounted "$db")" ] ||
        fail "$name/$try: offsets committed up to $(offsets "$db"), but the store accounts" \
            "for $(accounted "$db") messages"
    GOT=$(accounted "$db")
}

# ---- A: the reference --------------------------------------------------------------
conf a "$T/a.db"
run_to_end a
dump "$T/a.db" >"$T/a.txt"
pages=$(q "$T/a.db" "PRAGMA page_count")
psize=$(q "$T/a.db" "PRAGMA page_size")
need=$(( pages * psize ))
cap=$(( need * 2 / 5 ))
echo "A: $(q "$T/a.db" "SELECT count(*) FROM incidents") incidents," \
    "$(q "$T/a.db" "SELECT count(*) FROM alerts") alerts, store $((need / 1024)) KiB"
[ "$(q "$T/a.db" "SELECT count(*) FROM incidents")" -gt 50 ] || fail "too few incidents in A"

# ---- B: capped by store_max_size ------------------------------------------------------
conf b "$T/b.db" "store_max_size: $cap"
out=$("$RONDA_BIN/ronda-correlator" -c "$T/b.yaml" --check-config 2>&1) || fail "config b: $out"
run_full b 1; got1=$GOT
[ "$got1" -gt 0 ] && [ "$got1" -lt "$total" ] || fail "B/1 accounted for $got1 of $total messages"
run_full b 2; got2=$GOT
[ "$got2" -ge "$got1" ] && [ "$got2" -lt "$total" ] ||
    fail "B/2, restarted on the full store, went from $got1 to $got2 messages"
[ "$(stat -c %s "$T/b.db")" -le "$cap" ] || fail "the store grew past its cap: $(stat -c %s "$T/b.db") > $cap"
echo "B: stopped at $got1, then $got2 of $total messages (cap $((cap / 1024)) KiB); space returns"
conf b "$T/b.db"
run_to_end b
dump "$T/b.db" >"$T/b.txt"
diff "$T/a.txt" "$T/b.txt" >"$T/ab.diff" || { head -n 20 "$T/ab.diff"; fail "B differs from A"; }
echo "B: identical to A ($(count_lines "$T/a.txt") rows)"

# ---- C: a full tmpfs -----------------------------------------------------------------
if [ "$(id -u)" != 0 ]; then
    echo "C: skipped (needs root to mount a small tmpfs)"
    echo ok
    exit 0
fi
M=$T/full
mkdir -p "$M"
size_kb=$(( cap / 1024 ))
if ! mount -t tmpfs -o "size=${size_kb}k,mode=0700" ronda-test-store "$M" 2>/dev/null; then
    echo "C: skipped (cannot mount a tmpfs here)"
    echo ok
    exit 0
fi
trap 'rc=$?; _lib_cleanup; umount -l "$M" 2>/dev/null; exit $rc' EXIT
conf c "$M/ronda.db"
run_full c 1; got1=$GOT
[ "$got1" -lt "$total" ] || fail "C/1 accounted for $got1 of $total messages"
echo "C: $(df -k --output=avail "$M" | tail -n 1 | tr -d ' ') KiB left on the tmpfs" \
    "($(ls -l "$M" | awk 'NR > 1 { printf "%s %s  ", $9, $5 }'))"
run_full c 2; got2=$GOT
[ "$got2" -ge "$got1" ] && [ "$got2" -lt "$total" ] ||
    fail "C/2, restarted on the full disk, went from $got1 to $got2 messages"
mount -o remount,size=256m "$M" || fail "cannot grow the tmpfs"
echo "C: stopped at $got1, then $got2 of $total messages on a ${size_kb} KiB tmpfs; space returns"
run_to_end c
dump "$M/ronda.db" >"$T/c.txt"
diff "$T/a.txt" "$T/c.txt" >"$T/ac.diff" || { head -n 20 "$T/ac.diff"; fail "C differs from A"; }
[ "$(q "$M/ronda.db" "PRAGMA integrity_check")" = ok ] || fail "C: integrity after recovery"
echo "C: identical to A"
echo ok
