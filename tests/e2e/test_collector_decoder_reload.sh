#!/bin/bash
# A SOC's own decoder: a file for an invented daemon dropped into the rules
# folder's auth/ works after SIGHUP, with no rebuild; a broken decoder file is
# refused with file:line and the running set (with the SOC's decoder) kept.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/collector_lib.sh"
require_cmd kcat

start_broker --partitions 1
consume_to "$T/events.jsonl" ronda.events
mkdir -p "$T/rules" "$T/auth"
cp -r "$RONDA_SRC"/rules/. "$T/rules/"
chmod -R go-w "$T/rules"
collector_config "$T/collector.yaml" "  - path: $T/auth/*.log
    type: auth
    format: syslog
    start_at: beginning
rules: [$T/rules]"
start_collector collector
wait_started collector

# "ktpd": an agency's own e-KTP gateway that logs its failed logins its way.
ktp_line() {  # N USER IP
    printf 'Nov 20 03:%02d:%02d web1 ktpd[77]: LOGIN GAGAL pengguna=%s asal=%s\n' \
        $(($1 / 60 % 60)) $(($1 % 60)) "$2" "$3"
}
ktp_line 1 budi 203.0.113.7 >>"$T/auth/auth.log"
wait_for grep -q 'LOGIN GAGAL pengguna=budi' "$T/events.jsonl" --timeout 30 ||
    fail "the ktpd line did not arrive"
grep 'pengguna=budi' "$T/events.jsonl" | grep -q '"action"' &&
    fail "a line no decoder knows got an action"

cat >"$T/rules/auth/ktpd.yaml" <<'YAML'
decoders:
  - id: ktpd.login-failed
    name: e-KTP gateway login failed
    programs: [ktpd]
    action: ktp_login_failed
    outcome: failure
    method: password
    pattern: '^LOGIN GAGAL pengguna=(?P<user>\S+) asal=(?P<src>\S+)$'
    tests:
      match:
        - line: 'Nov 20 03:11:42 web1 ktpd[77]: LOGIN GAGAL pengguna=siti asal=198.51.100.4'
          user: siti
          src: 198.51.100.4
      nomatch:
        - 'Nov 20 03:11:42 web1 ktpd[77]: LOGIN BERHASIL pengguna=siti asal=198.51.100.4'
YAML
chmod go-w "$T/rules/auth/ktpd.yaml"
kill -HUP "$COLLECTOR_PID"
wait_for grep -q "configuration reloaded" "$T/collector.log" --timeout 60 ||
    fail "the new decoder was not loaded"
ktp_line 2 rahmat 203.0.113.8 >>"$T/auth/auth.log"
wait_for grep -q 'pengguna=rahmat' "$T/events.jsonl" --timeout 30 ||
    fail "the second ktpd line did not arrive"
ev=$(grep 'pengguna=rahmat' "$T/events.jsonl")
for want in '"action":"ktp_login_failed"' '"outcome":"failure"' \
    '"source":{"ip":"203.0.113.8"}' '"user":{"name":"rahmat"}' \
    '"decoder":"ktpd.login-failed"'; do
    grep -qF "$want" <<<"$ev" || fail "decoded event lacks $want: $ev"
done

# A broken decoder file: refused with file:line, the running set kept.
cat >"$T/rules/auth/zz-broken.yaml" <<'YAML'
decoders:
  - id: broken.one
    programs: [ktpd]
    action: ktp_login_failed
    outcome: failure
    pattern: '^LOGIN GAGAL (?P<user>\S+'
    tests:
      match: ['Nov 20 03:11:42 web1 ktpd[77]: LOGIN GAGAL x']
YAML
chmod go-w "$T/rules/auth/zz-broken.yaml"
kill -HUP "$COLLECTOR_PID"
wait_for grep -q "reload: .* has errors; keeping the running configuration" \
    "$T/collector.log" --timeout 60 || fail "a broken decoder file was not refused"
grep -q "zz-broken.yaml:6: decoder broken.one: pattern: " "$T/collector.log" ||
    fail "the refusal does not name file:line and the decoder: $(grep -i broken "$T/collector.log")"
kill -0 "$COLLECTOR_PID" || fail "the collector died on a bad reload"
ktp_line 3 wati 203.0.113.9 >>"$T/auth/auth.log"
wait_for grep -q 'pengguna=wati' "$T/events.jsonl" --timeout 30 ||
    fail "lines stopped after a refused reload"
grep 'pengguna=wati' "$T/events.jsonl" | grep -qF '"decoder":"ktpd.login-failed"' ||
    fail "the running decoders were not kept"
stop "$COLLECTOR_PID" --timeout 15 || fail "collector exited with $?"
echo "ok: a SOC decoder loads on SIGHUP; a broken one is refused with file:line"
