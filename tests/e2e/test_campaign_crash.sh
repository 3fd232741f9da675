#!/bin/bash
# Campaigns exactly once: a correlator killed with SIGKILL three times while
# it creates kaltim-wave's campaigns (and raises their alerts) ends, after a
# restart, with the same campaigns, members, indicators, merges and alerts
# (same rows, same ids, same outbox order) as an uninterrupted run: nothing
# lost, nothing doubled.
#
# The events come from the real pipeline (ronda-sim, one collector per site,
# ronda-devbroker), consumed into a file with kcat; both runs then read that
# file with `ronda-correlator --input` (the same engine, store and batch
# commits as from Kafka, with a file position as the offset), so both see
# the events in the same order and cut into the same batches: the killed
# run must decide exactly as the other, from what its store restored. The
# killed run reads through a FIFO fed at a bounded rate, so the kills land
# while campaigns are being created.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/pipeline_lib.sh"
require_cmd kcat sqlite3

PIPE=$T/pipe
BATCH=300
RATE=$(awk -v f="$RONDA_TIME_FACTOR" 'BEGIN { printf "%d", 12000 / f }')

# ---- the events, through the real pipeline ----------------------------------
pipeline_lateness
pipeline_broker
pipeline_sim kaltim-wave
pipeline_configure
consume_to "$T/events.tsv" ronda.events --keys
pipeline_collectors_once
want=$(pipeline_end_offsets)
wait_lines "$T/events.tsv" "$want" --timeout 60 ||
    fail "kcat has $(count_lines "$T/events.tsv") of $want events"
stop "$CONSUMER_PID" || true
total=$(count_lines "$T/events.tsv")
echo "events: $total from $(_pipe_sites | wc -l) collectors"

conf() {  # name: the pipeline's correlator config with its own store
    sed -e "s|^store: .*|store: \"$T/$1.db\"|" -e '/^  file: /d' "$PIPE/correlator.yaml" >"$T/$1.yaml"
    printf 'batch: {max_events: %d}\n' "$BATCH" >>"$T/$1.yaml"
}
q() { sqlite3 -cmd '.timeout 5000' "$1" "$2" 2>/dev/null || echo 0; }
applied() { q "$1" "SELECT coalesce(sum(value), 0) FROM counters WHERE name IN ('events', 'duplicates', 'rejected_not_json', 'rejected_schema', 'rejected_too_large')"; }
dump() {  # the campaign stage's results and the outbox, canonical
    sqlite3 "$1" "SELECT id, kind, link, title, severity, status, merged_into, first_seen,
        last_seen, reported, site_count, incident_count, attacker_ips FROM campaigns ORDER BY id;
      SELECT * FROM campaign_sites ORDER BY 1, 2;
      SELECT * FROM campaign_incidents ORDER BY 1, 2;
      SELECT * FROM campaign_indicators ORDER BY 1, 2, 3;
      SELECT * FROM campaign_merges ORDER BY 1;
      SELECT * FROM campaign_state ORDER BY 1;
      SELECT seq, id, type, campaign_id, incident_id, severity FROM alerts ORDER BY seq;
      SELECT id, severity, status, first_seen, last_seen, event_count FROM incidents ORDER BY id;"
}
counts() {
    q "$1" "SELECT (SELECT count(*) FROM campaigns) || ' campaigns, ' ||
        (SELECT count(*) FROM campaign_incidents) || ' members, ' ||
        (SELECT count(*) FROM campaign_merges) || ' merges, ' ||
        (SELECT count(*) FROM alerts WHERE campaign_id <> '') || ' campaign alerts, ' ||
        (SELECT count(*) FROM alerts) || ' alerts'"
}

# ---- A: uninterrupted ---------------------------------------------------------
conf a
timeout "$(scaled 120)" "$RONDA_BIN/ronda-correlator" -c "$T/a.yaml" --input "$T/events.tsv" \
    >"$T/a.log" 2>&1 || { tail -n 5 "$T/a.log" >&2; fail "run A failed"; }
[ "$(applied "$T/a.db")" = "$total" ] || fail "run A applied $(applied "$T/a.db") of $total"
echo "A: $(counts "$T/a.db")"
na=$(q "$T/a.db" "SELECT count(*) FROM campaigns WHERE status <> 'merged'")
[ "$na" -ge 3 ] || fail "run A found $na campaigns (kaltim-wave plants 3)"
[ "$(q "$T/a.db" "SELECT count(*) FROM alerts WHERE type = 'campaign_new'")" -ge 3 ] ||
    fail "run A raised too few campaign alerts"

# ---- B: killed while creating campaigns, then restarted ---------------------------
conf b
feed() {  # the events at a bounded rate into the FIFO the correlator reads
    rm -f "$T/in.fifo"
    mkfifo "$T/in.fifo"
    spawn "feed-$1" /usr/bin/python3 -c '
import sys, time
rate, src, dst = int(sys.argv[1]), sys.argv[2], sys.argv[3]
t0 = time.monotonic()
with open(src, "rb") as f, open(dst, "wb", buffering=0) as o:
    for i, line in enumerate(f):
        try:
            o.write(line)
        except BrokenPipeError:
            break
        if i % 200 == 0:
            ahead = t0 + i / rate - time.monotonic()
            if ahead > 0:
                time.sleep(ahead)
' "$RATE" "$T/events.tsv" "$T/in.fifo"
    FEED_PID=$SPAWNED_PID
}
have_campaigns() { [ "$(q "$T/b.db" "SELECT count(*) FROM campaigns")" -ge "$1" ]; }
for i in 1 2 3; do
    feed "$i"
    spawn "b-$i" "$RONDA_BIN/ronda-correlator" -c "$T/b.yaml" --input "$T/in.fifo"
    p=$SPAWNED_PID
    # Kill once the i-th campaign is in the store, a moment into what follows.
    wait_for have_campaigns "$i" --timeout 120 || fail "run B/$i: no campaign $i"
    sleep 0.$((RANDOM % 4))
    _alive "$p" || fail "run B/$i ended before the kill"
    kill -KILL "$p"
    wait "$p" 2>/dev/null || true
    stop "$FEED_PID" --timeout 5 || true
    echo "B/$i killed: $(counts "$T/b.db"), $(applied "$T/b.db") of $total events committed"
done
timeout "$(scaled 120)" "$RONDA_BIN/ronda-correlator" -c "$T/b.yaml" --input "$T/events.tsv" \
    >"$T/b-last.log" 2>&1 || { tail -n 5 "$T/b-last.log" >&2; fail "run B's restart failed"; }
[ "$(applied "$T/b.db")" = "$total" ] || fail "run B applied $(applied "$T/b.db") of $total"
echo "B: $(counts "$T/b.db")"

# ---- the same rows, the same ids ----------------------------------------------------
[ "$(counts "$T/a.db")" = "$(counts "$T/b.db")" ] || fail "counts differ: A $(counts "$T/a.db"); B $(counts "$T/b.db")"
dump "$T/a.db" >"$T/a.txt"
dump "$T/b.db" >"$T/b.txt"
diff "$T/a.txt" "$T/b.txt" >"$T/ab.diff" || { head -20 "$T/ab.diff"; fail "killed run differs from uninterrupted run"; }
# One campaign_new per campaign, one grew per site count, one severity alert per level.
dup=$(q "$T/b.db" "SELECT count(*) FROM (SELECT campaign_id, type, CASE type
    WHEN 'campaign_grew' THEN json_extract(json, '\$.site_count')
    WHEN 'campaign_severity' THEN severity ELSE '' END FROM alerts WHERE campaign_id <> ''
    GROUP BY 1, 2, 3 HAVING count(*) > 1)")
[ "$dup" = 0 ] || fail "$dup campaign alerts raised twice"
echo "SIGKILL x3 during campaign creation: identical ($(count_lines "$T/a.txt") rows)"
echo ok
