#!/bin/bash
# A log file replaced by a symbolic link, and links planted in log folders
# (to a "secret" file that stands for /etc/shadow): the collector follows no
# link where it finds log files (docs/security.md). Checked by counting:
#   - every line written to the real files arrives, including the lines
#     written just before access.log was swapped for a link (read from the
#     renamed file to its end);
#   - no line of the secret file arrives: not through access.log -> secret,
#     not through a new evil.log -> secret, not through a linked folder
#     sites/evil -> secret/ matched by sites/*/access.log, not through a
#     rotated-looking sibling access.log.7 -> secret found after a restart;
#   - each link is reported once, and a regular file put back at the name
#     is followed again from its start.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/collector_lib.sh"
require_cmd kcat

mkdir -p "$T/secret" "$T/sites/a"
# Lines that would be shipped if read: valid combined lines with a marker.
for i in $(seq 1 50); do
    echo "10.66.6.$i - - [21/Nov/2026:10:00:00 +0700] \"GET /SECRET-SHADOW-$i HTTP/1.1\" 200 1 \"-\" \"root:\$6\$hash\"" 
done >"$T/secret/shadow"
chmod 600 "$T/secret/shadow"
cp "$T/secret/shadow" "$T/secret/access.log"

writer() {   # PATH START N: numbered lines into PATH, truth in $T/truth
    /usr/bin/python3 "$RONDA_SRC/tests/e2e/logwriter.py" --path "$1" --truth "$T/truth" \
        --start "$2" --lines "$3"
}

start_broker --partitions 3
consume_to "$T/events.jsonl" ronda.events
collector_config "$T/collector.yaml" "  - path: $T/sites/*/access.log
    type: web
    format: combined
    start_at: beginning"
writer "$T/sites/a/access.log" 100000 500
start_collector collector
wait_started collector

writer "$T/logs/access.log" 0 2000
wait_complete 2500 30

# The swap: lines 2000..2999 written, then access.log becomes a link.
writer "$T/logs/access.log" 2000 1000
mv "$T/logs/access.log" "$T/logs/access.log.1"
ln -s "$T/secret/shadow" "$T/logs/access.log"
ln -s "$T/secret/shadow" "$T/logs/evil.log"
ln -s "$T/secret" "$T/sites/evil"
wait_complete 3500 30
for l in "$T/logs/access.log" "$T/logs/evil.log" "$T/sites/evil"; do
    wait_for grep -qF "$l is a symbolic link: not followed" "$T/collector.log" --timeout 10 ||
        fail "no warning about the link $l"
done
sleep 1   # a few more rescans (200 ms): still one warning per link
n=$(grep -c "is a symbolic link: not followed" "$T/collector.log" || true)
[ "$n" = 3 ] || fail "expected each of 3 links reported once, got $n warnings"

# A regular file back at the name is followed from its start.
rm "$T/logs/access.log"
writer "$T/logs/access.log" 3000 1000
wait_complete 4500 30

# After a restart, a link that looks like a rotated generation nobody read.
stop "$COLLECTOR_PID" --timeout 15 || fail "collector exited with $? on SIGTERM"
ln -s "$T/secret/shadow" "$T/logs/access.log.7"
touch "$T/secret/shadow"
writer "$T/logs/access.log" 4000 500
start_collector collector-2
wait_started collector-2
wait_complete 5000 30
wait_for grep -qF "$T/logs/access.log.7 is a symbolic link: not followed" \
    "$T/collector-2.log" --timeout 10 || fail "no warning about access.log.7"
stop "$COLLECTOR_PID" --timeout 15 || fail "collector-2 exited with $? on SIGTERM"

sleep 1
leaked=$(cat "$T"/events*.jsonl | grep -c "SECRET-SHADOW" || true)
[ "$leaked" = 0 ] || fail "$leaked events carry lines of the secret file"
verify_events 5000
echo "symlinks: 5000 lines arrived, 0 secret lines, every link refused and reported once"
