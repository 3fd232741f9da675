# tests/e2e/webroot_lib.sh — shared by the web-root watch's end-to-end tests;
# source it after lib.sh.
#
#   gen_tree DIR FOLDERS FILES [BYTES]  a WordPress-shaped tree of FOLDERS x FILES
#                                        benign files (no marker may hit them)
#   webroot_config FILE ROOT [YAML]     a collector watching ROOT only
#   consume_fast FILE                   kcat of ronda.events, fetch.wait.max.ms=10
#   wait_baselined NAME [S]             the collector logged the first scan's end
#   events_where FILE PY-EXPR           events (one JSON per line) where the
#                                        expression on `e` is true, one per line
#   metric NAME                         a /metrics sample (needs METRICS)

# gen_tree DIR FOLDERS FILES [BYTES]: folders under wp-admin, wp-includes,
# wp-content/plugins/pN/inc, wp-content/themes/tN and wp-content/uploads/
# YYYY/MM (images there, never scripts); index.php and wp-config.php at the
# top. Every file differs (its path is in it).
gen_tree() {
    /usr/bin/python3 - "$@" <<'PY'
import os, sys
root, nfold, nfile = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
size = int(sys.argv[4]) if len(sys.argv) > 4 else 300
os.makedirs(root, exist_ok=True)
pad = ("/* " + "lorem ipsum dolor sit amet " * 40)[:max(0, size - 120)] + " */\n"
def folder(i):
    k = i % 5
    if k == 0: return "wp-admin/part%d" % i
    if k == 1: return "wp-includes/part%d" % i
    if k == 2: return "wp-content/plugins/p%d/inc" % i
    if k == 3: return "wp-content/themes/t%d" % i
    return "wp-content/uploads/%d/%02d/set%d" % (2000 + i // 60, i % 12 + 1, i)
for i in range(nfold):
    d = os.path.join(root, folder(i))
    os.makedirs(d, exist_ok=True)
    up = "uploads" in d
    for j in range(nfile):
        if up:
            name = "img%d.jpg" % j
            data = (b"\xff\xd8\xff\xe0JFIF %s/%s " % (folder(i).encode(), name.encode())) \
                + bytes(range(256))[: max(0, size - 64)]
        else:
            name = "f%d.php" % j
            data = ("<?php\n// %s/%s\nfunction f_%d_%d() { return %d; }\n%s"
                    % (folder(i), name, i, j, j, pad)).encode()
        with open(os.path.join(d, name), "wb") as f:
            f.write(data)
with open(os.path.join(root, "index.php"), "w") as f:
    f.write("<?php\ndefine('WP_USE_THEMES', true);\nrequire __DIR__ . '/wp-blog-header.php';\n")
with open(os.path.join(root, "wp-config.php"), "w") as f:
    f.write("<?php\ndefine('DB_NAME', 'pemkot');\ndefine('DB_USER', 'pemkot');\n")
PY
}

webroot_config() {
    cat >"$1" <<YAML
site: bontangkota.go.id
agency: Diskominfo Bontang
region: Kalimantan Timur
timezone: Asia/Makassar
state_db: $T/state.db
stats_interval: 2s
rules_cache: $RONDA_SRC/build/rules-cache
kafka:
  brokers: $BROKER
  topic: ronda.events
webroots:
  - path: $2
    exclude: [wp-content/cache]
${3:-}
YAML
}

consume_fast() {
    : >"$1"
    spawn kcat-fast bash -c 'exec kcat -C -b "$1" -t ronda.events -o beginning -u -q \
        -X fetch.wait.max.ms=10 -f "%s\n" >"$2"' _ "$BROKER" "$1"
    CONSUMER_PID=$SPAWNED_PID
}

wait_baselined() {
    wait_for grep -q "baselined (" "$T/$1.log" --timeout "${2:-60}" ||
        fail "$1: the first scan did not finish"
}

# events_where FILE EXPR: print each event of FILE for which the Python
# expression EXPR (over the parsed event `e`, with f = e["ronda"]["file"])
# is true.
events_where() {
    /usr/bin/python3 - "$1" "$2" <<'PY'
import json, sys
for line in open(sys.argv[1], encoding="utf-8", errors="replace"):
    line = line.strip()
    if not line:
        continue
    try:
        e = json.loads(line)
    except ValueError:
        continue
    f = e.get("ronda", {}).get("file")
    if f is None:
        continue
    if eval(sys.argv[2], {"e": e, "f": f}):
        print(line)
PY
}

count_where() { events_where "$1" "$2" | wc -l | tr -d ' '; }

_count_at_least() { [ "$(count_where "$1" "$2")" -ge "$3" ]; }

# wait_events FILE EXPR N [S]: at least N events match EXPR within S seconds.
wait_events() {
    wait_for _count_at_least "$1" "$2" "$3" --timeout "${4:-20}"
}

metric() {
    curl -s "http://$METRICS/metrics" | awk -v n="$1" '$1 == n { print $2 }'
}
