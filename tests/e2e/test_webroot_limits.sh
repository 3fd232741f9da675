#!/bin/bash
# The web-root watch's limits:
#  1. max_watches 10 on a tree of 100 folders: the limit is counted (and
#     logged), the folders past it are unwatched, and a change in one of
#     them is still found, by the backstop scan (scan_interval 2 s).
#  2. Memory: the first scan of a 200,000-file tree keeps the collector's
#     peak RSS (VmHWM) under 64 MB — the watch holds one open folder per
#     level and compares row by row, nothing per file.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/webroot_lib.sh"
require_cmd kcat curl
CAP_KB=$(( 64 * 1024 ))

start_broker --partitions 3
consume_fast "$T/events.jsonl"

# ---- 1. the watch limit ----------------------------------------------------------
ROOT=$T/small
gen_tree "$ROOT" 100 5 200
METRICS=127.0.0.1:$(( 20000 + RANDOM % 20000 ))
webroot_config "$T/collector.yaml" "$ROOT" "metrics:
  listen: $METRICS
webroot:
  max_watches: 10
  scan_interval: 2000
  settle: 100"
spawn collector "$RONDA_BIN/ronda-collector" -c "$T/collector.yaml"
PID=$SPAWNED_PID
wait_baselined collector 60
grep -q "webroot.max_watches reached" "$T/collector.log" || fail "the watch limit was not logged"
[ "$(metric ronda_collector_webroot_watches)" = 10 ] ||
    fail "watches: $(metric ronda_collector_webroot_watches), expected 10"
hits=$(metric ronda_collector_webroot_watch_limit_hits_total)
unwatched=$(metric ronda_collector_webroot_folders_unwatched)
echo "watches 10, limit hits $hits, folders unwatched $unwatched"
[ "$hits" -ge 90 ] && [ "$unwatched" -ge 90 ] || fail "limit hits $hits, unwatched $unwatched"

# An unwatched folder: one whose inode is not in the inotify fd's watch list.
# (The tailer has an inotify descriptor of its own, without watches here.)
watched=$T/watched.inodes
: >"$watched"
for fd in /proc/"$PID"/fd/*; do
    [ "$(readlink "$fd")" = "anon_inode:inotify" ] || continue
    { grep -oE 'ino:[0-9a-f]+' "/proc/$PID/fdinfo/${fd##*/}" || true; } | cut -d: -f2 >>"$watched"
done
[ -s "$watched" ] || fail "no inotify watch list found for pid $PID"
target=""
while read -r d; do
    ino=$(printf '%x' "$(stat -c %i "$d")")
    if ! grep -qx "$ino" "$watched"; then target=$d; break; fi
done < <(find "$ROOT/wp-content/plugins" -mindepth 2 -maxdepth 2 -type d)
[ -n "$target" ] || fail "every plugin folder is watched"
rel=${target#"$ROOT"/}/f1.php
echo "// changed while unwatched" >>"$ROOT/$rel"
wait_events "$T/events.jsonl" "f['relpath'] == '$rel' and e['event']['action'] == 'file_modified' and f['scan'] == 'scan'" 1 15 ||
    fail "the change in unwatched $rel was not found by the backstop scan: $(events_where "$T/events.jsonl" "f['relpath'] == '$rel'")"
echo "change in unwatched $rel found by the backstop scan"
stop "$PID" --timeout 15 || fail "collector exited with $?"

# ---- 2. memory on a 200,000-file tree ----------------------------------------------
BIG=$T/big
BIG_FOLDERS=2000
# Under ASan the RSS says nothing (shadow memory): a quarter of the tree.
[ "$RONDA_SAN" = 1 ] && BIG_FOLDERS=500
t0=$(_now_ms)
gen_tree "$BIG" $BIG_FOLDERS 100 64
echo "generated $(find "$BIG" -type f | wc -l) files in $(( $(_now_ms) - t0 )) ms"
rm -f "$T"/state.db*
webroot_config "$T/collector.yaml" "$BIG"
spawn collector-big "$RONDA_BIN/ronda-collector" -c "$T/collector.yaml"
PID=$SPAWNED_PID
t0=$(_now_ms)
wait_baselined collector-big 120
hwm=$(awk '/^VmHWM/ { print $2 }' "/proc/$PID/status")
echo "first scan of $(( BIG_FOLDERS * 100 )) files: $(( $(_now_ms) - t0 )) ms from start;" \
    "$(grep -o 'baselined ([^)]*)' "$T/collector-big.log"); peak RSS $hwm kB (cap $CAP_KB kB)"
rows=$(grep -oE 'baselined \([0-9]+ rows' "$T/collector-big.log" | grep -oE '[0-9]+')
[ "$rows" -ge $(( BIG_FOLDERS * 101 )) ] || fail "rows: $rows"

if [ "$RONDA_SAN" = 1 ]; then
    echo "ASan build: the RSS cap is not checked (the sanitizer's shadow memory)"
else
    [ "$hwm" -lt "$CAP_KB" ] || fail "peak RSS $hwm kB over the $CAP_KB kB cap"
fi
stop "$PID" --timeout 15 || fail "collector exited with $?"
