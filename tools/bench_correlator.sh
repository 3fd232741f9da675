#!/bin/bash
# Correlator throughput and memory (make bench):
#   1. events/s on one core from a pre-filled topic of N classified events
#      (many sites, many IPs) into a committed SQLite store;
#   2. peak RSS with N distinct source IPs in the windows.
# Targets: >= 150,000 events/s; peak RSS < 512 MB.
# The mock broker keeps ~5 MB per partition, so the topic has 256 partitions;
# any gap is counted by the correlator (offset_gaps) and reported.
set -u
cd "$(dirname "$0")/.."
BIN=${RONDA_BIN:-build/bin}
N=${BENCH_EVENTS:-1000000}
T=$(mktemp -d)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null; wait "$p" 2>/dev/null; done; rm -rf "$T"; }
trap cleanup EXIT
"$BIN/ronda-devbroker" --topics ronda.events,ronda.events.dlq,ronda.ips --partitions 256 \
    --bootstrap-file "$T/addr" >"$T/broker.log" 2>&1 &
pids+=($!)
for _ in $(seq 100); do [ -s "$T/addr" ] && break; sleep 0.1; done
B=$(head -n1 "$T/addr")

run() {  # name topic expected -> prints "seconds peak_rss_kb"
    cat >"$T/$1.yaml" <<YAML
kafka: {brokers: $B, topic: $2, group: bench-$1}
store: $T/$1.db
YAML
    local t0 t1 p
    t0=$(date +%s.%N)
    /usr/bin/time -f '%M' -o "$T/$1.rss" taskset -c 0 "$BIN/ronda-correlator" -c "$T/$1.yaml" \
        >"$T/$1.log" 2>&1 &
    p=$!
    pids+=($p)
    until [ "$(sqlite3 "$T/$1.db" "SELECT coalesce(sum(value),0) FROM counters WHERE name IN ('events','duplicates','offset_gaps')" 2>/dev/null || echo 0)" -ge "$3" ]; do
        sleep 0.2
    done
    t1=$(date +%s.%N)
    kill -TERM $p; wait $p
    echo "$(echo "$t1 - $t0" | bc) $(tail -n1 "$T/$1.rss")"
}

"$BIN/ronda-eventgen" --events "$N" --sites 300 --ips 200000 --rate 2000 --seed 3 \
    | kcat -b "$B" -P -t ronda.events -K $'\t' -X queue.buffering.max.messages=1000000
total=$(( N + N / 2000 / 60 * 300 + 300 ))	# events + ~one metric per site per minute
read -r secs rss < <(run thr ronda.events "$N")
ev=$(sqlite3 "$T/thr.db" "SELECT value FROM counters WHERE name='events'")
gaps=$(sqlite3 "$T/thr.db" "SELECT value FROM counters WHERE name='offset_gaps'")
echo "correlator: $ev events in $secs s (incl. group join) = $(echo "$ev / $secs" | bc) events/s, gaps $gaps, peak RSS $((rss / 1024)) MB"

# Distinct IPs: every event from a new IP (all scanning 404s land in windows).
"$BIN/ronda-eventgen" --events "$N" --sites 300 --ips "$N" --rate 5000 --seed 4 \
    | awk -F'\t' 'BEGIN{OFS="\t"} {print}' \
    | kcat -b "$B" -P -t ronda.ips -K $'\t' -X queue.buffering.max.messages=1000000
read -r secs rss < <(run ips ronda.ips "$N")
ent=$(sqlite3 "$T/ips.db" "SELECT value FROM counters WHERE name='window_evicted'")
echo "correlator: $N events from ~$N distinct IPs: peak RSS $((rss / 1024)) MB (target < 512), window evictions $ent"
: "$total"
