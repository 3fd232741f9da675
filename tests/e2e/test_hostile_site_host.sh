#!/bin/bash
# A collector sending events for a site it is not configured for (issue 8).
# The correlator's `sites:` entries may list the collector hosts that send
# for them (`hosts: [web01]`, matched without case against the event's
# host.name). An event from any other host, or with no host.name, is
# applied as usual, counted (`site_host_mismatch`) and the incidents it
# feeds carry the sender as an `unlisted_host` indicator. A site without
# `hosts:` accepts any sender; an unknown site is counted as such
# (`unknown_site_events`), not as a host mismatch.
#
# 1. One ronda-eventgen stream (every event from host "web01"), rewritten so
#    that some of one site's events claim other hosts, through
#    `ronda-correlator --input` twice: with the hosts lists, and without any
#    (the reference). Both must hold the same incidents; only the counter
#    and the indicator differ, and both by exactly the events that were not
#    from a listed host.
# 2. The real path: two ronda-collectors send for bontangkota.go.id through
#    Kafka, web-bontang01 (listed) and intruder01 (not), each a 404 scan from
#    its own IP; the counter equals the events on the topic whose host.name
#    is intruder01; both scans are the site's one case (its pool), flagged intruder01.
. "$(dirname "$0")/lib.sh"
require_cmd sqlite3 kcat

N=20000
[ "$RONDA_SAN" = 1 ] && N=8000
"$RONDA_BIN/ronda-eventgen" --events "$N" --sites 4 --ips 300 --rate 50 --seed 7 >"$T/gen.tsv"

# bontangkota0 lists web01 (as WEB01) and web02: every 7th of its events
# claims intruder.example, every 101st has no host.name, every 211th a
# 300-character one. samarindakota0 lists only web-smr01: all of its events
# are from an unlisted host. balikpapan0 lists nothing; kutaikartanegarakab0
# is not configured at all.
/usr/bin/python3 - "$T/gen.tsv" "$T/ev.tsv" "$T/expect" <<'PY'
import json, sys
src, dst, exp = sys.argv[1:4]
n = {"mismatch": 0, "unknown": 0, "total": 0, "intruder": 0}
bont = 0
with open(src) as f, open(dst, "w") as o:
    for line in f:
        key, js = line.rstrip("\n").split("\t", 1)
        ev = json.loads(js)
        site = ev["organization"]["id"]
        n["total"] += 1
        if site == "bontangkota0.go.id":
            bont += 1
            if bont % 211 == 0:
                ev["host"]["name"] = "h" * 300
                n["mismatch"] += 1
            elif bont % 101 == 0:
                del ev["host"]
                n["mismatch"] += 1
            elif bont % 7 == 0:
                ev["host"]["name"] = "intruder.example"
                n["mismatch"] += 1
                n["intruder"] += 1
        elif site == "samarindakota0.go.id":
            n["mismatch"] += 1
        elif site != "balikpapan0.go.id":
            n["unknown"] += 1
        o.write(key + "\t" + json.dumps(ev, separators=(",", ":")) + "\n")
with open(exp, "w") as e:
    e.write("%(total)d %(mismatch)d %(unknown)d %(intruder)d\n" % n)
PY
read -r total want_mismatch want_unknown intruders <"$T/expect"
echo "stream: $total events, $want_mismatch from unlisted hosts ($intruders claim intruder.example), $want_unknown for an unknown site"

conf() {  # name with_hosts
    {
        echo "store: $T/$1.db"
        echo "sites:"
        echo "  - id: bontangkota0.go.id"
        [ "$2" = 1 ] && echo "    hosts: [WEB01, web02]"
        echo "  - id: samarindakota0.go.id"
        [ "$2" = 1 ] && echo "    hosts: web-smr01"
        echo "  - id: balikpapan0.go.id"
        echo "detectors: {bruteforce_failures: 5, scan_paths: 10, quiet: 10m}"
    } >"$T/$1.yaml"
    out=$("$RONDA_BIN/ronda-correlator" -c "$T/$1.yaml" --check-config 2>&1) ||
        fail "config $1: $out"
}
run() {
    timeout "$(scaled 120)" "$RONDA_BIN/ronda-correlator" -c "$T/$1.yaml" --input "$T/ev.tsv" \
        >"$T/$1.log" 2>&1 || { tail -n 5 "$T/$1.log" >&2; fail "ronda-correlator --input ($1) failed"; }
}
q() { sqlite3 "$T/$1.db" "$2"; }
counter() { q "$1" "SELECT coalesce(max(value), 0) FROM counters WHERE name = '$2'"; }

conf ref 0
conf hosts 1
run ref
run hosts

[ "$(counter hosts events)" = "$total" ] || fail "applied $(counter hosts events) of $total events"
[ "$(counter hosts site_host_mismatch)" = "$want_mismatch" ] ||
    fail "site_host_mismatch = $(counter hosts site_host_mismatch), want $want_mismatch"
[ "$(counter hosts unknown_site_events)" = "$want_unknown" ] ||
    fail "unknown_site_events = $(counter hosts unknown_site_events), want $want_unknown"
[ "$(counter ref site_host_mismatch)" = 0 ] ||
    fail "without hosts lists, $(counter ref site_host_mismatch) events were counted as mismatches"

# Accepted: the same incidents, events and counts, whatever the hosts lists.
dump() {
    q "$1" "SELECT id, site, kind, key, severity, status, first_seen, last_seen, event_count,
        site_known, attacker_ips FROM incidents ORDER BY id;
      SELECT incident_id, type, value FROM indicators WHERE type <> 'unlisted_host' ORDER BY 1, 2, 3;
      SELECT name, value FROM counters WHERE name NOT IN ('site_host_mismatch', 'batches') ORDER BY 1;"
}
dump ref >"$T/ref.txt"
dump hosts >"$T/hosts.txt"
diff "$T/ref.txt" "$T/hosts.txt" >"$T/diff" ||
    { head -n 20 "$T/diff"; fail "the hosts lists changed what was detected"; }

# Flagged: every incident of samarindakota0 names web01; bontangkota0's that
# took an intruder's event name it; the other sites' name nobody.
per_site() {  # site -> "incidents flagged"
    q hosts "SELECT count(*) || ' ' || coalesce(sum(EXISTS (SELECT 1 FROM indicators x
        WHERE x.incident_id = i.id AND x.type = 'unlisted_host')), 0)
        FROM incidents i WHERE site = '$1'"
}
read -r smr_n smr_f <<<"$(per_site samarindakota0.go.id)"
read -r bon_n bon_f <<<"$(per_site bontangkota0.go.id)"
read -r bpp_n bpp_f <<<"$(per_site balikpapan0.go.id)"
read -r unk_n unk_f <<<"$(per_site kutaikartanegarakab0.go.id)"
echo "incidents (flagged): samarindakota0 $smr_n ($smr_f), bontangkota0 $bon_n ($bon_f)," \
    "balikpapan0 $bpp_n ($bpp_f), unknown site $unk_n ($unk_f)"
[ "$smr_n" -gt 0 ] && [ "$bon_n" -gt 0 ] && [ "$bpp_n" -gt 0 ] && [ "$unk_n" -gt 0 ] ||
    fail "the stream made no incident on some site"
[ "$smr_f" = "$smr_n" ] || fail "$((smr_n - smr_f)) samarindakota0 incidents are not flagged"
[ "$bon_f" -gt 0 ] && [ "$bon_f" -lt "$bon_n" ] ||
    fail "bontangkota0: $bon_f of $bon_n incidents flagged (want some, not all)"
[ "$bpp_f" = 0 ] || fail "balikpapan0 lists no hosts, yet $bpp_f incidents are flagged"
[ "$unk_f" = 0 ] || fail "the unknown site's incidents are flagged as a host mismatch"
[ "$(q hosts "SELECT DISTINCT value FROM indicators i JOIN incidents n ON n.id = i.incident_id
      WHERE type = 'unlisted_host' AND site = 'samarindakota0.go.id'")" = web01 ] ||
    fail "samarindakota0's flags do not name web01"
vals=$(q hosts "SELECT DISTINCT value FROM indicators i JOIN incidents n ON n.id = i.incident_id
      WHERE type = 'unlisted_host' AND site = 'bontangkota0.go.id' ORDER BY 1" | cut -c1-20 | tr '\n' ' ')
case "$vals" in
    *intruder.example*) ;;
    *) fail "bontangkota0's flags name '$vals', not intruder.example" ;;
esac
echo "bontangkota0 flags name: $vals"
# The store's indicator rows stay valid for the incident schema's enum.
q hosts "SELECT DISTINCT type FROM indicators" | while read -r t; do
    grep -q "\"$t\"" "$RONDA_SRC/schemas/incident.schema.json" ||
        { echo "indicator type $t not in schemas/incident.schema.json" >&2; exit 1; }
done || fail "an indicator type is missing from the schema"

# ---- 2. real collectors through Kafka ------------------------------------------------
start_broker --partitions 3 --topics ronda.events
consume_to "$T/topic.jsonl" ronda.events
collector() {  # name host ip: a collector for bontangkota.go.id and its log
    mkdir -p "$T/$1"
    cat >"$T/$1.yaml" <<YAML
site: bontangkota.go.id
host_name: $2
state_db: $T/$1/state.db
forward: all
scan_interval: 200ms
rules_cache: $RONDA_SRC/build/rules-cache
kafka:
  brokers: $BROKER
  topic: ronda.events
inputs:
  - path: $T/$1/access.log
    type: web
    format: combined
    start_at: beginning
YAML
    for i in $(seq 1 40); do
        printf '%s - - [20/Nov/2026:10:%02d:%02d +0800] "GET /probe-%d.php HTTP/1.1" 404 120 "-" "curl/8.4"\n' \
            "$3" $((i / 60)) $((i % 60)) "$i"
    done >"$T/$1/access.log"
}
collector web web-bontang01 203.0.113.50
collector intruder intruder01 203.0.113.51
cat >"$T/k.yaml" <<YAML
kafka:
  brokers: $BROKER
  topic: ronda.events
  group: site-host
  properties: {session.timeout.ms: "6000"}
store: $T/k.db
sites:
  - id: bontangkota.go.id
    hosts: [web-bontang01]
alerts: {kafka_topic: ""}
YAML
spawn correlator "$RONDA_BIN/ronda-correlator" -c "$T/k.yaml"
K=$SPAWNED_PID
wait_for grep -q "assigned ronda.events" "$T/correlator.log" --timeout 30 || fail "the correlator got no partition"
for c in web intruder; do
    timeout "$(scaled 60)" "$RONDA_BIN/ronda-collector" --once -c "$T/$c.yaml" >"$T/$c.log" 2>&1 ||
        { tail -n 5 "$T/$c.log" >&2; fail "collector $c failed"; }
done
_applied() { [ "$(q k "SELECT coalesce(sum(value), 0) FROM counters WHERE name = 'events'")" -ge "$1" ]; }
wait_lines "$T/topic.jsonl" 80 --timeout 30 || fail "only $(count_lines "$T/topic.jsonl") events on the topic"
sleep 1
on_topic=$(count_lines "$T/topic.jsonl")
from_intruder=$(/usr/bin/python3 -c 'import json, sys
print(sum(json.loads(l).get("host", {}).get("name") == "intruder01" for l in open(sys.argv[1])))' \
    "$T/topic.jsonl")
wait_for _applied "$on_topic" --timeout 30 || fail "the correlator applied $(counter k events) of $on_topic"
stop "$K" --timeout 10 || fail "the correlator exited with $?"
flag() {  # ip -> the unlisted_host values of the scan incident it is in (the site's pool)
    q k "SELECT coalesce(group_concat(x.value), '-') FROM incidents i LEFT JOIN indicators x
        ON x.incident_id = i.id AND x.type = 'unlisted_host' WHERE i.kind = 'scan' AND
        EXISTS (SELECT 1 FROM indicators y WHERE y.incident_id = i.id AND y.type = 'ip'
        AND y.value = '$1')"
}
echo "collectors: $on_topic events on the topic, $from_intruder from intruder01;" \
    "site_host_mismatch $(counter k site_host_mismatch); scan flags: .50 $(flag 203.0.113.50), .51 $(flag 203.0.113.51)"
[ "$from_intruder" -ge 40 ] || fail "only $from_intruder events from intruder01 on the topic"
[ "$(counter k site_host_mismatch)" = "$from_intruder" ] ||
    fail "site_host_mismatch $(counter k site_host_mismatch), but $from_intruder events came from intruder01"
# Both scanners are the site's one scan case (its pool): the case carries the
# flag of the sender its site does not list, and only that one.
[ "$(q k "SELECT count(*) FROM incidents WHERE kind = 'scan'")" = 1 ] || fail "want one scan incident"
[ "$(flag 203.0.113.51)" = intruder01 ] || fail "the case is flagged '$(flag 203.0.113.51)'"
[ "$(flag 203.0.113.50)" = intruder01 ] || fail "the listed collector's scan is not in the flagged case"
echo ok
