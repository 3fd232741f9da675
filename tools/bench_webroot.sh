#!/bin/bash
# Web-root first scan (called by tools/bench.sh at its end, or alone): the
# collector's first scan of a large WordPress-shaped tree — walk, lstat,
# SHA-256 of every file (OpenSSL EVP), the content markers over the first
# max_scan bytes, the baseline rows in the state DB — in MB/s, next to
# `sha256sum` of the same files in the same run (the cost of just reading
# and hashing them). Both run pinned to one core (taskset -c 0) with the
# page cache warm (each reads the tree once before it is timed).
#
# The collector runs `--once` (it scans each root once, waits for Kafka,
# exits); its MB/s is the tree's bytes over the walk's own duration (the
# "baselined (... N ms" log line), which leaves out the rule and marker
# compilation at start; the whole run's wall time is in the notes.
#
#   BENCH_WEBROOT_FILES=30000 BENCH_WEBROOT_KB=16 tools/bench_webroot.sh
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
BIN=${RONDA_BIN:-$ROOT/build/bin}
OUT=${BENCH_OUT:-$ROOT/build/bench}/webroot
FILES=${BENCH_WEBROOT_FILES:-30000}
KB=${BENCH_WEBROOT_KB:-16}		# mean file size
ROWS=${BENCH_ROWS:-/dev/null}
NOTES=${BENCH_NOTES:-/dev/null}
mkdir -p "$OUT"
PIDS=()
cleanup() {
    for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
    wait 2>/dev/null || true
}
trap cleanup EXIT INT TERM

TREE=$OUT/tree-$FILES-$KB
if [ ! -f "$TREE/.done" ]; then
    rm -rf "$TREE"
    echo "bench: generating $FILES files of ~$KB KiB into $TREE" >&2
    /usr/bin/python3 - "$TREE" "$FILES" "$KB" <<'PY'
import os, random, sys
root, n, kb = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
rnd = random.Random(15)
php = (b"<?php\n/**\n * Plugin part: lorem ipsum dolor sit amet, consectetur.\n */\n"
       b"function part_%d() { return array('a' => 1, 'b' => 2); }\n")
per = 100
for i in range((n + per - 1) // per):
    kind = i % 4
    d = os.path.join(root, ["wp-admin/part%d", "wp-includes/part%d",
                            "wp-content/plugins/p%d/inc", "wp-content/uploads/2026/%d"][kind] % i)
    os.makedirs(d, exist_ok=True)
    for j in range(min(per, n - i * per)):
        size = max(256, int(rnd.expovariate(1.0 / (kb * 1024))))
        if kind == 3:
            data = os.urandom(size)
            name = "img%d.jpg" % j
        else:
            line = php % (i * per + j)
            data = (line * (size // len(line) + 1))[:size]
            name = "f%d.php" % j
        with open(os.path.join(d, name), "wb") as f:
            f.write(data)
open(os.path.join(root, ".done"), "w").close()
PY
fi
BYTES=$(find "$TREE" -type f ! -name .done -printf '%s\n' | awk '{ s += $1 } END { print s }')
NFILES=$(find "$TREE" -type f ! -name .done | wc -l)
MB=$(awk -v b="$BYTES" 'BEGIN { printf "%.1f", b / 1048576 }')

. "$ROOT/tools/bench_lib.sh"
secs() { awk -v a="$1" -v b="$2" 'BEGIN { print b - a }'; }
mbps() { awk -v b="$BYTES" -v s="$1" 'BEGIN { printf "%.0f", (s > 0 ? b / 1048576 / s : 0) }'; }

# Baseline: sha256sum of every file, one core, warm cache.
( cd "$TREE" && find . -type f ! -name .done -print0 | xargs -0 cat >/dev/null )
t0=$(now)
( cd "$TREE" && find . -type f ! -name .done -print0 |
    /usr/bin/time -f '%M' -o "$OUT/sha.rss" taskset -c 0 xargs -0 -n 2000 sha256sum >"$OUT/sha.out" )
t1=$(now)
SHA_S=$(secs "$t0" "$t1")
SHA_MBPS=$(mbps "$SHA_S")
[ "$(wc -l <"$OUT/sha.out")" = "$NFILES" ] || echo "bench: sha256sum listed $(wc -l <"$OUT/sha.out") files" >&2

# The collector's first scan, --once, into its own broker.
"$BIN/ronda-devbroker" --partitions 3 --topics ronda.events \
    --bootstrap-file "$OUT/bootstrap" >"$OUT/broker.log" 2>&1 &
PIDS+=($!)
rm -f "$OUT/bootstrap"
for _ in $(seq 100); do [ -s "$OUT/bootstrap" ] && break; sleep 0.1; done
BROKER=$(head -n 1 "$OUT/bootstrap")
cat >"$OUT/collector.yaml" <<YAML
site: bench.go.id
agency: Bench
timezone: Asia/Makassar
state_db: $OUT/state.db
rules_cache: $OUT/../rules-cache
kafka:
  brokers: $BROKER
  topic: ronda.events
webroots:
  - path: $TREE
YAML
"$BIN/ronda-collector" -c "$OUT/collector.yaml" --check-config >/dev/null
rm -f "$OUT"/state.db*
t0=$(now)
/usr/bin/time -f '%M %U %S' -o "$OUT/collector.time" taskset -c 0 \
    "$BIN/ronda-collector" -c "$OUT/collector.yaml" --once 2>"$OUT/collector.log"
t1=$(now)
RUN_S=$(secs "$t0" "$t1")
SCAN_MS=$(grep -oE 'baselined \([0-9]+ rows, [0-9]+ files with markers, [0-9]+ ms' "$OUT/collector.log" |
    grep -oE '[0-9]+ ms' | grep -oE '[0-9]+')
[ -n "$SCAN_MS" ] || { echo "bench: the collector did not log its first scan" >&2; tail -n 5 "$OUT/collector.log" >&2; exit 1; }
SCAN_S=$(awk -v m="$SCAN_MS" 'BEGIN { print m / 1000 }')
COL_MBPS=$(mbps "$SCAN_S")
RATIO=$(awk -v a="$COL_MBPS" -v b="$SHA_MBPS" 'BEGIN { printf "%.2f", (b > 0 ? a / b : 0) }')
COL_RSS=$(awk '{ print int($1 / 1024) }' "$OUT/collector.time")
SHA_RSS=$(awk '{ print int($1 / 1024) }' "$OUT/sha.rss")
FPS=$(awk -v n="$NFILES" -v s="$SCAN_S" 'BEGIN { printf "%.0f", (s > 0 ? n / s : 0) }')

printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "web-root first scan ($NFILES files, $MB MiB), 1 core" \
    "$COL_MBPS MB/s" "sha256sum, same files" "$SHA_MBPS MB/s" "${RATIO}x" \
    "$COL_RSS MiB" "$SHA_RSS MiB" >>"$ROWS"
echo "web-root first scan: $NFILES files, $MB MiB: $SCAN_MS ms ($COL_MBPS MB/s, $FPS files/s)," \
    "whole --once run $RUN_S s (rules and markers compiled at start); sha256sum $SHA_S s" \
    "($SHA_MBPS MB/s); ratio ${RATIO}x" | tee -a "$NOTES"
