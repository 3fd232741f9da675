#!/bin/bash
# E-mail alerts over SMTP with STARTTLS against a local server
# (tests/e2e/smtp_server.py: STARTTLS required, AUTH, a test CA made here):
#  - sink "mail" (the right CA, password from a file): the first DATA is
#    answered 451 and retried; then every alert arrives once, over TLS,
#    authenticated, as a proper message (Date, From, To, Subject in RFC 2047,
#    Message-ID from the alert id, text/plain UTF-8, CRLF lines) with the
#    Indonesian text and local times;
#  - sink "mailbad" (another CA): refused at STARTTLS, retried, nothing sent;
#  - the server down, then up: the alert raised meanwhile arrives, once.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/alert_lib.sh"
require_cmd kcat sqlite3 openssl

make_ca ca
make_ca wrongca
make_server_cert ca server
start_broker --topics ronda.events,ronda.events.dlq,ronda.alerts --partitions 4
PORT=$(free_port)
printf 's3cret-pw\n' >"$T/smtp.pass"
export RONDA_TEST_SMTP_PW=s3cret-pw
write_config "$T/c.yaml" <<YAML
  sinks:
    - name: mail
      type: email
      url: smtp://127.0.0.1:$PORT
      from: ronda@diskominfo.kaltimprov.go.id
      to: [soc@kaltimprov.go.id, piket@kaltimprov.go.id]
      username: ronda
      password_file: $T/smtp.pass
      ca_file: $T/ca.pem
      timeout: 5s
    - name: mailbad
      type: email
      url: smtp://127.0.0.1:$PORT
      from: ronda@diskominfo.kaltimprov.go.id
      to: wrongca@kaltimprov.go.id
      username: ronda
      password_env: RONDA_TEST_SMTP_PW
      ca_file: $T/wrongca.pem
      timeout: 5s
YAML
server() {   # NAME [options]
    local name=$1; shift
    spawn "$name" /usr/bin/python3 "$RONDA_SRC/tests/e2e/smtp_server.py" --port "$PORT" \
        --log "$T/mail.jsonl" --cert "$T/server.pem" --key "$T/server.key" \
        --require-tls --auth ronda:s3cret-pw "$@"
    SRV_PID=$SPAWNED_PID
    wait_for grep -q listening "$T/$name.log" --timeout 10 || fail "smtp server $name did not start"
}
: >"$T/mail.jsonl"

# ---- 1. both sinks; the server refuses the first message once
server smtp1 --fail-first 1
produce bontangkota.go.id 203.0.113.10
produce jayapurakota.go.id 192.0.2.13
spawn correlator "$RONDA_BIN/ronda-correlator" -c "$T/c.yaml"
CPID=$SPAWNED_PID
wait_for outbox_is 2 --timeout 40 || fail "outbox has $(outbox) alerts, not 2"
wait_for pending_is mail 0 --timeout 30 || fail "mail pending $(pending mail)"
wait_for attempts_at_least mailbad 3 --timeout 30 || fail "mailbad not retried"
pending_is mailbad 2 || fail "mailbad pending $(pending mailbad), not 2"
ERR=$(q "SELECT last_error FROM alert_deliveries WHERE sink='mailbad' AND delivered=0")
case "$ERR" in
    *127.0.0.1:$PORT*certificate*) ;;
    *) fail "mailbad's last_error does not say why: $ERR" ;;
esac
grep -q "to mail: SMTP 451 from 127.0.0.1:$PORT" "$T/correlator.log" || fail "the 451 is not logged"
[ "$(q "SELECT attempts FROM alert_deliveries WHERE sink='mail' AND alert_seq=1")" = 2 ] \
    || fail "the refused message was not tried exactly twice"

# ---- 2. the server down, an alert, the server back
stop "$SRV_PID" --timeout 5 || true
produce jakarta.go.id 198.51.100.12
wait_for outbox_is 3 --timeout 40 || fail "outbox has $(outbox) alerts, not 3"
wait_for attempts_at_least mail 2 --timeout 30 || fail "mail not retried while the server is down"
server smtp2
wait_for pending_is mail 0 --timeout 30 || fail "mail pending $(pending mail) after the server came back"
stop "$CPID" --timeout 15 || fail "correlator exit status $?"
stop "$SRV_PID" --timeout 5 || true

q "SELECT id || ' ' || created FROM alerts ORDER BY seq" >"$T/outbox.ids"
/usr/bin/python3 - "$T" <<'PY' || fail "messages"
import base64, collections, email, email.policy, json, sys
T = sys.argv[1]
ids = [l.split()[0] for l in open(T + "/outbox.ids") if l.strip()]
mails = [json.loads(l) for l in open(T + "/mail.jsonl")]
assert not any("wrongca@kaltimprov.go.id" in " ".join(m["rcpt"]) for m in mails), \
    "a message went through the sink with the wrong CA"
mids = collections.Counter()
for m in mails:
    assert m["tls"] is True and m["auth"] == "ronda", m
    assert m["mail_from"] == "<ronda@diskominfo.kaltimprov.go.id>", m["mail_from"]
    assert m["rcpt"] == ["<soc@kaltimprov.go.id>", "<piket@kaltimprov.go.id>"], m["rcpt"]
    raw = m["data"]
    lines = raw.split("\r\n")
    assert "\n" not in "".join(lines), "a line without CR"
    assert all(len(l) <= 78 for l in lines), "a line longer than 78"
    msg = email.message_from_string(raw, policy=email.policy.default)
    for h in ("Date", "From", "To", "Subject", "Message-ID", "MIME-Version"):
        assert msg[h], (h, raw[:400])
    assert msg["From"] == "Ronda <ronda@diskominfo.kaltimprov.go.id>", msg["From"]
    assert msg["To"] == "soc@kaltimprov.go.id, piket@kaltimprov.go.id", msg["To"]
    assert msg.get_content_type() == "text/plain" and msg.get_content_charset() == "utf-8"
    assert "=?UTF-8?B?" in raw.split("\r\n\r\n")[0], "Subject not RFC 2047"
    subj = str(msg["Subject"])
    assert subj.startswith("[Ronda] [KRITIS] Login berhasil setelah brute force — "), subj
    mid = msg["Message-ID"]
    assert mid.endswith("@diskominfo.kaltimprov.go.id>"), mid
    mids[mid[1:].split("@")[0]] += 1
    body = msg.get_content()
    assert "sejak" in body and ("WITA" in body or "WIT" in body or "WIB" in body), body
    assert "Dikirim oleh ronda-correlator." in body, body
    email.utils.parsedate_to_datetime(msg["Date"])
assert sorted(mids) == sorted(ids), ("Message-IDs are not the alert ids", mids, ids)
assert set(mids.values()) == {1}, ("a message twice", mids)
print("outbox %d, messages %d, each Message-ID once" % (len(ids), len(mails)))
print("Subject: " + str(email.message_from_string(mails[1]["data"], policy=email.policy.default)["Subject"]))
PY
echo ok
