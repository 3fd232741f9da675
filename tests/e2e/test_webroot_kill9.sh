#!/bin/bash
# The web-root watch loses nothing to kill -9:
#  1. killed twice during the first scan of a 50,000-file root holding five
#     webshells: after a restart the baseline completes and each webshell's
#     file_found event is on the topic (the same id every time it was sent);
#  2. killed three times during a burst of 1,500 changes (creations,
#     modifications, deletions, each path once): after a final restart every
#     change is on the topic at least once, a change sent twice carries the
#     same id, and no untouched file is reported.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/webroot_lib.sh"
require_cmd kcat

ROOT=$T/www
gen_tree "$ROOT" 500 100 200
SHELLS="wp-content/uploads/2000/05/set4/cache.php wp-content/plugins/p7/inc/wso.php
wp-admin/part50/ini.php wp-content/themes/t123/404.php wp-includes/part181/class-load.php"
for s in $SHELLS; do
    printf '%s\n' "<?php @eval(base64_decode(\$_REQUEST['k'])); ?>" >"$ROOT/$s"
done

start_broker --partitions 3
consume_fast "$T/events.jsonl"
webroot_config "$T/collector.yaml" "$ROOT" "webroot:
  settle: 100"

# kill9 NAME: SIGKILL the collector and reap it.
kill9() {
    kill -KILL "$COLLECTOR_PID"
    wait "$COLLECTOR_PID" 2>/dev/null || true
}
start() {
    spawn "$1" "$RONDA_BIN/ronda-collector" -c "$T/collector.yaml"
    COLLECTOR_PID=$SPAWNED_PID
}

# ---- 1. during the first scan ------------------------------------------------------------
for i in 1 2; do
    start "collector-scan$i"
    wait_for grep -q "first scan (baseline) started" "$T/collector-scan$i.log" --timeout 60 ||
        fail "collector-scan$i did not start its first scan"
    sleep "$(awk -v r=$RANDOM 'BEGIN { printf "%.2f", 0.1 + (r % 300) / 1000 }')"
    grep -q "baselined (" "$T/collector-scan$i.log" && fail "the first scan ended before the kill"
    kill9
    echo "killed during the first scan ($(grep -c . "$T/events.jsonl" || true) events so far)"
done
start collector-base
wait_baselined collector-base 120
for s in $SHELLS; do
    wait_events "$T/events.jsonl" "f['relpath'] == '$s' and e['event']['action'] == 'file_found'" 1 10 ||
        fail "no file_found for $s"
done
[ "$(count_where "$T/events.jsonl" "e['event']['action'] != 'file_found'")" = 0 ] ||
    fail "the first scan sent other events: $(events_where "$T/events.jsonl" "e['event']['action'] != 'file_found'" | head -n 2)"
echo "first scan: $(count_where "$T/events.jsonl" 'True') file_found events for 5 webshells"

# ---- 2. during a burst of changes -----------------------------------------------------------
/usr/bin/python3 - "$ROOT" "$T/truth.txt" <<'PY' &
import os, sys, time
root, truth = sys.argv[1], sys.argv[2]
plan = []
for i in range(600):                      # new files in existing plugin folders
    plan.append(("C", "wp-content/plugins/p%d/inc/new%d.php" % (2 + 5 * (i % 40), i)))
for i in range(600):                      # modified: f3..f17 of wp-admin folders
    plan.append(("M", "wp-admin/part%d/f%d.php" % (5 * (i % 40), 3 + i // 40)))
for i in range(300):                      # deleted: f20..f27 of theme folders
    plan.append(("D", "wp-content/themes/t%d/f%d.php" % (3 + 5 * (i % 38), 20 + i // 38)))
plan.sort(key=lambda x: hash(x[1]) % 997)
with open(truth, "w") as out:
    for k, (what, rel) in enumerate(plan):
        p = os.path.join(root, rel)
        if what == "C":
            with open(p, "w") as f:
                f.write("<?php // new %d\n" % k)
        elif what == "M":
            with open(p, "a") as f:
                f.write("// burst %d\n" % k)
        else:
            os.unlink(p)
        out.write("%s %s\n" % (what, rel))
        out.flush()
        time.sleep(0.003)
PY
WRITER=$!
for i in 1 2 3; do
    sleep "$(awk -v r=$RANDOM 'BEGIN { printf "%.2f", 0.5 + (r % 800) / 1000 }')"
    kill9
    echo "killed during the burst ($(wc -l <"$T/truth.txt") changes written)"
    start "collector-burst$i"
    wait_for grep -q "started (version" "$T/collector-burst$i.log" --timeout 30 ||
        fail "collector-burst$i did not start"
done
wait "$WRITER" || fail "the writer failed"
[ "$(wc -l <"$T/truth.txt")" = 1500 ] || fail "the writer made $(wc -l <"$T/truth.txt") changes"
kill9
start collector-final

_all_arrived() {
    /usr/bin/python3 - "$T/events.jsonl" "$T/truth.txt" <<'PY'
import json, sys
want = {"C": "file_created", "M": "file_modified", "D": "file_deleted"}
seen = set()
for line in open(sys.argv[1]):
    try:
        e = json.loads(line)
    except ValueError:
        continue
    seen.add((e["ronda"]["file"]["relpath"], e["event"]["action"]))
missing = [l for l in (x.split() for x in open(sys.argv[2])) if (l[1], want[l[0]]) not in seen]
sys.exit(1 if missing else 0)
PY
}
wait_for _all_arrived --timeout 60 || true
/usr/bin/python3 - "$T/events.jsonl" "$T/truth.txt" <<'PY' || fail "the burst check failed"
import collections, json, sys
want = {"C": "file_created", "M": "file_modified", "D": "file_deleted"}
truth = {l.split()[1]: want[l.split()[0]] for l in open(sys.argv[2])}
events = [json.loads(l) for l in open(sys.argv[1])]
seen, ids, extra = collections.Counter(), collections.defaultdict(set), []
for e in events:
    f, a = e["ronda"]["file"], e["event"]["action"]
    if a == "file_found":
        continue
    key = (f["relpath"], a, e["file"].get("hash", {}).get("sha256"), e["file"]["mtime"])
    ids[key].add(e["event"]["id"])
    if truth.get(f["relpath"]) == a:
        seen[f["relpath"]] += 1
    else:
        extra.append((f["relpath"], a))
missing = sorted(set(truth) - set(seen))
dups = sum(n - 1 for n in seen.values())
conflicts = [k for k, v in ids.items() if len(v) > 1]
print("changes %d, reported %d, missing %d, sent more than once %d, other events %d, "
      "id conflicts %d" % (len(truth), len(seen), len(missing), dups, len(extra), len(conflicts)))
if missing:
    print("missing:", missing[:10])
if extra:
    print("other:", extra[:10])
if conflicts:
    print("one change, several ids:", conflicts[:3])
sys.exit(1 if missing or extra or conflicts else 0)
PY
stop "$COLLECTOR_PID" --timeout 15 || fail "the final collector exited with $?"
