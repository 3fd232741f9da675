#!/bin/bash
# Least privilege (docs/security.md):
#   - a configuration or rule file someone else could change is refused with
#     one line naming the file, the mode and the fix: writable by others, by
#     a foreign group, owned by another user, in a folder others can write;
#     by --check-config, at start, and at a SIGHUP reload (which keeps the
#     running configuration: lines keep arriving);
#   - the correlator refuses to run as root unless RONDA_ALLOW_ROOT=1, and
#     then creates no store; an ordinary user needs no override.
# The owner and foreign-group cases need root (chown) and are skipped
# otherwise, as is running as another user.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/collector_lib.sh"
require_cmd kcat
ROOT_RUN=0
[ "$(id -u)" = 0 ] && ROOT_RUN=1

# refused FILE_TO_RUN WANT: --check-config exits 2 and prints exactly WANT.
refused() {
    local out rc=0
    out=$("$RONDA_BIN/ronda-collector" -c "$1" --check-config 2>&1) || rc=$?
    [ "$rc" = 2 ] || fail "--check-config on $1: exit $rc, expected 2 ($out)"
    [ "$out" = "$2" ] || fail "--check-config on $1 said '$out', expected '$2'"
}
accepted() {
    local out
    out=$("$RONDA_BIN/ronda-collector" -c "$1" --check-config 2>&1) ||
        fail "--check-config on $1: $out"
    [ "$out" = "configuration OK" ] || fail "--check-config on $1: $out"
}

BROKER=127.0.0.1:9
mkdir -p "$T/conf" "$T/rules"
cp "$RONDA_SRC/rules/web-sqli.yaml" "$T/rules/"
chmod 644 "$T/rules/web-sqli.yaml"
chmod 755 "$T/rules" "$T/conf"
C=$T/conf/collector.yaml
collector_config "$C" "rules: [$T/rules]"
chmod 644 "$C"
accepted "$C"

chmod 666 "$C"
refused "$C" "$C: writable by others (mode 0666); chmod go-w $C"
set +e
"$RONDA_BIN/ronda-collector" -c "$C" >"$T/run.out" 2>&1
rc=$?
set -e
[ "$rc" = 2 ] && grep -qF "$C: writable by others (mode 0666)" "$T/run.out" ||
    fail "starting with a world-writable config: exit $rc, $(cat "$T/run.out")"
chmod 644 "$C"

chmod 777 "$T/conf"
refused "$C" "$C: folder $T/conf is writable by others (mode 0777); chmod go-w $T/conf"
chmod 1777 "$T/conf"    # sticky, like /tmp: others cannot replace our file
accepted "$C"
chmod 755 "$T/conf"

chmod 646 "$T/rules/web-sqli.yaml"
refused "$C" "$T/rules/web-sqli.yaml: writable by others (mode 0646); chmod go-w $T/rules/web-sqli.yaml"
chmod 644 "$T/rules/web-sqli.yaml"
chmod 757 "$T/rules"
refused "$C" "$T/rules: writable by others (mode 0757); chmod go-w $T/rules"
chmod 755 "$T/rules"
# A link in a writable folder pointing at a good file: the folder is what counts.
mkdir -m 777 "$T/drop"
chmod 777 "$T/drop"
ln -s "$C" "$T/drop/collector.yaml"
refused "$T/drop/collector.yaml" \
    "$T/drop/collector.yaml: folder $T/drop is writable by others (mode 0777); chmod go-w $T/drop"

if [ $ROOT_RUN = 1 ]; then
    chown 0:54321 "$C"
    chmod 664 "$C"
    refused "$C" "$C: writable by group 54321 (mode 0664); chmod g-w $C"
    chmod 644 "$C"
    accepted "$C"       # readable by that group is fine
    chown 65534:0 "$C"
    refused "$C" "$C: owned by uid 65534 (nobody), not by root or the user running ronda (uid 0); chown root $C"
    chown 0:0 "$C"
    chown 65534 "$T/rules/web-sqli.yaml"
    refused "$C" "$T/rules/web-sqli.yaml: owned by uid 65534 (nobody), not by root or the user running ronda (uid 0); chown root $T/rules/web-sqli.yaml"
    chown 0 "$T/rules/web-sqli.yaml"
else
    echo "not root: owner and foreign-group cases skipped"
fi
accepted "$C"

# A reload of a configuration made writable by others is refused; lines flow on.
start_broker --partitions 3
consume_to "$T/events.jsonl" ronda.events
collector_config "$C" "rules: [$T/rules]"
chmod 644 "$C"
spawn collector "$RONDA_BIN/ronda-collector" -c "$C"
COLLECTOR_PID=$SPAWNED_PID
wait_started collector
write_log --lines 500
wait_complete 500 30
chmod 666 "$C"
kill -HUP "$COLLECTOR_PID"
wait_for grep -qF "$C: writable by others (mode 0666); chmod go-w $C" "$T/collector.log" \
    --timeout 30 || fail "the reload did not refuse the world-writable config"
grep -q "keeping the running configuration" "$T/collector.log" || fail "reload: not kept"
write_log --lines 500 --start 500
wait_complete 1000 30
stop "$COLLECTOR_PID" --timeout 15 || fail "collector exited with $?"
chmod 644 "$C"

# The correlator and root.
cat >"$T/conf/correlator.yaml" <<YAML
kafka: {brokers: $BROKER, topic: ronda.events}
store: $T/store/ronda.db
sites: [{id: bontangkota.go.id}]
YAML
chmod 644 "$T/conf/correlator.yaml"
mkdir -p "$T/store"
chmod 602 "$T/conf/correlator.yaml"
set +e
out=$("$RONDA_BIN/ronda-correlator" -c "$T/conf/correlator.yaml" --check-config 2>&1)
rc=$?
set -e
[ "$rc" = 2 ] && [ "$out" = "$T/conf/correlator.yaml: writable by others (mode 0602); chmod go-w $T/conf/correlator.yaml" ] ||
    fail "correlator with a world-writable config: exit $rc, '$out'"
chmod 644 "$T/conf/correlator.yaml"

if [ $ROOT_RUN = 1 ]; then
    set +e
    out=$(env -u RONDA_ALLOW_ROOT "$RONDA_BIN/ronda-correlator" -c "$T/conf/correlator.yaml" \
        --input /dev/null 2>&1)
    rc=$?
    set -e
    [ "$rc" = 1 ] && grep -q "refusing to run as root" <<<"$out" ||
        fail "the correlator ran as root: exit $rc, '$out'"
    [ ! -e "$T/store/ronda.db" ] || fail "the refused correlator created its store"
    echo "as root: $out" | sed 's/^.*fatal: /as root: /'
    # --check-config is only reading: allowed as root.
    env -u RONDA_ALLOW_ROOT "$RONDA_BIN/ronda-correlator" -c "$T/conf/correlator.yaml" \
        --check-config | grep -q "configuration OK" || fail "--check-config as root"
    RONDA_ALLOW_ROOT=1 "$RONDA_BIN/ronda-correlator" -c "$T/conf/correlator.yaml" \
        --input /dev/null >"$T/allow.out" 2>&1 || fail "RONDA_ALLOW_ROOT=1: $(cat "$T/allow.out")"
    grep -q "running as root (RONDA_ALLOW_ROOT=1)" "$T/allow.out" || fail "the override is not logged"
    [ -e "$T/store/ronda.db" ] || fail "no store with RONDA_ALLOW_ROOT=1"
    # An ordinary user needs no override.
    if command -v setpriv >/dev/null 2>&1; then
        rm -f "$T/store/ronda.db"*
        chmod 711 "$T" "$T/conf"
        chown 65534:65534 "$T/store"
        env -u RONDA_ALLOW_ROOT setpriv --reuid=65534 --regid=65534 --clear-groups \
            "$RONDA_BIN/ronda-correlator" -c "$T/conf/correlator.yaml" --input /dev/null \
            >"$T/nobody.out" 2>&1 || fail "as nobody: $(cat "$T/nobody.out")"
        [ "$(stat -c %U "$T/store/ronda.db")" = nobody ] || fail "the store is not nobody's"
        echo "as nobody: ran, store owned by nobody"
    fi
else
    env -u RONDA_ALLOW_ROOT "$RONDA_BIN/ronda-correlator" -c "$T/conf/correlator.yaml" \
        --input /dev/null >"$T/user.out" 2>&1 || fail "as uid $(id -u): $(cat "$T/user.out")"
fi
echo "privilege: every untrusted file refused with its fix; root refused without the override"
