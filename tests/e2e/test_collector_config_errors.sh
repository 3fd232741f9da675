#!/bin/bash
# A config with an unknown key, a wrong type and a missing `site` exits 2 and
# names file, line and key for each; --check-config says "configuration OK"
# for a good one.
set -euo pipefail
BIN=$RONDA_BIN
T=$RONDA_TMP

cat >"$T/bad.yaml" <<'YAML'
agency: Diskominfo Bontang
state_db: /tmp/x.db
colour: blue
max_line: lots
kafka:
  brokers: 127.0.0.1:9092
  partitions: 3
inputs:
  - path: /var/log/nginx/access.log
    type: web
    format: apache_fancy
  - path: relative/auth.log
    type: ftp
YAML

set +e
out=$("$BIN/ronda-collector" -c "$T/bad.yaml" --check-config 2>&1)
rc=$?
set -e
echo "$out"
[ $rc = 2 ] || { echo "expected exit 2, got $rc"; exit 1; }
expect() {
    grep -qF -- "$1" <<<"$out" || { echo "missing error: $1"; exit 1; }
}
expect "$T/bad.yaml:3: colour: unknown key"
expect "$T/bad.yaml:4: max_line: expected a size"
expect "$T/bad.yaml:7: kafka.partitions: unknown key"
expect "$T/bad.yaml:1: site: required key is missing"
expect "$T/bad.yaml:11: inputs[0].format: \"apache_fancy\" is not a log format"
expect "$T/bad.yaml:13: inputs[1].type: \"ftp\" is not one of: web, auth"
expect "inputs[1].path: must be an absolute path"

# Running (not only checking) refuses the same file the same way.
set +e
"$BIN/ronda-collector" -c "$T/bad.yaml" >/dev/null 2>&1
rc=$?
set -e
[ $rc = 2 ] || { echo "running with a bad config: expected exit 2, got $rc"; exit 1; }

# A missing file is one clear line.
set +e
out=$("$BIN/ronda-collector" -c "$T/nope.yaml" --check-config 2>&1)
rc=$?
set -e
[ $rc = 2 ] && grep -q "nope.yaml: cannot open" <<<"$out" || { echo "missing file: $out"; exit 1; }

# A YAML syntax error names its line.
printf 'site: a\ninputs: [\n' >"$T/syntax.yaml"
set +e
out=$("$BIN/ronda-collector" -c "$T/syntax.yaml" --check-config 2>&1)
rc=$?
set -e
[ $rc = 2 ] && grep -q "syntax.yaml:3: yaml:" <<<"$out" || { echo "syntax: $out"; exit 1; }

cat >"$T/good.yaml" <<YAML
site: kutaitimurkab.go.id
agency: Prokopim Setkab Kutim
region: Kalimantan Timur
timezone: Asia/Makassar
state_db: $T/state.db
kafka:
  brokers: 127.0.0.1:9092
  properties:
    socket.timeout.ms: "30000"
inputs:
  - path: /var/log/nginx/*access.log
    type: web
    format: combined
  - path: /var/log/auth.log
    type: auth
    start_at: end
YAML
out=$("$BIN/ronda-collector" -c "$T/good.yaml" --check-config 2>&1)
[ "$out" = "configuration OK" ] || { echo "good config: $out"; exit 1; }

# An unknown time zone is named.
sed 's#Asia/Makassar#Asia/Atlantis#' "$T/good.yaml" >"$T/tz.yaml"
set +e
out=$("$BIN/ronda-collector" -c "$T/tz.yaml" --check-config 2>&1)
rc=$?
set -e
[ $rc = 2 ] && grep -q "tz.yaml:4: timezone:" <<<"$out" || { echo "tz: $out"; exit 1; }
echo "config errors: OK"
