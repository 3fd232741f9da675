#!/bin/bash
# make demo's script runs to its end in under 3 minutes, every site of every
# planted attack gets a matching incident, and no process it started is left.
# (Plain build only: 18 collectors under ASan would measure ASan.)
. "$(dirname "$0")/lib.sh"
[ "$RONDA_SAN" = 1 ] && skip "the demo runs in the plain build only"
require_cmd sqlite3

start=$(date +%s)
DEMO_OUT="$T/demo" DEMO_BIN="$RONDA_BIN" timeout -k 5 200 \
    bash "$RONDA_SRC/tools/demo.sh" >"$T/demo.out" 2>&1 || {
    tail -30 "$T/demo.out"
    fail "demo exited with $?"
}
secs=$(( $(date +%s) - start ))
tail -12 "$T/demo.out"
[ $secs -lt 180 ] || fail "demo took ${secs}s (limit 180)"
line=$(grep "site recall over planted attacks" "$T/demo.out") || fail "no summary"
found=$(sed -E 's/.*: ([0-9]+)\/([0-9]+)/\1/' <<<"$line")
total=$(sed -E 's/.*: ([0-9]+)\/([0-9]+)/\2/' <<<"$line")
[ "$total" -gt 0 ] && [ "$found" = "$total" ] || fail "planted attacks seen at $found of $total sites"
sleep 1
if pgrep -f "$T/demo" >/dev/null; then
    pgrep -fa "$T/demo" >&2
    fail "processes of the demo are still running"
fi
echo "demo: ${secs}s, $found/$total sites"
