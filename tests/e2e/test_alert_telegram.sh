#!/bin/bash
# Ready-made formats, several sinks at once, and digests, against a local
# stub (alert_receiver.py) standing in for the Telegram Bot API and a Slack
# incoming webhook:
#  - telegram: POST /bot<token>/sendMessage (the token from bot_token_file),
#    {"chat_id", "text", "parse_mode": "HTML", "disable_web_page_preview"},
#    Indonesian, local times (WITA, WIT); a hostile account name
#    (<script>...) and a site name with markup arrive as text (escaped).
#  - slack: {"text"} only, English, & < > escaped.
#  - digest (json, 8 s): the alerts raised together come as digests; every
#    alert is in exactly one, none lost.
# The bot token never reaches the log.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/alert_lib.sh"
require_cmd kcat sqlite3

start_broker --topics ronda.events,ronda.events.dlq,ronda.alerts --partitions 4
PORT=$(free_port)
TOKEN="123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw_x"
printf '%s\n' "$TOKEN" >"$T/bot.token"
write_config "$T/c.yaml" <<YAML
  language: id
  sinks:
    - name: tg
      format: telegram
      url: http://127.0.0.1:$PORT
      bot_token_file: $T/bot.token
      chat_id: "-1001234567890"
    - name: slack
      format: slack
      language: en
      url: http://127.0.0.1:$PORT/services/T000/B000/XXXX
    - name: digest
      url: http://127.0.0.1:$PORT/digest
      language: en
      digest: 8s
YAML
spawn recv /usr/bin/python3 "$RONDA_SRC/tests/e2e/alert_receiver.py" --port "$PORT" \
    --log "$T/recv.jsonl"
wait_for grep -q listening "$T/recv.log" --timeout 10 || fail "receiver did not start"

produce samarindakota.go.id 203.0.113.11 '<script>alert(1)</script>'
produce jayapurakota.go.id 192.0.2.13 'root"&<b>'
produce bontangkota.go.id 203.0.113.10
spawn correlator "$RONDA_BIN/ronda-correlator" -c "$T/c.yaml"
CPID=$SPAWNED_PID
wait_for outbox_is 3 --timeout 40 || fail "outbox has $(outbox) alerts, not 3"
wait_for pending_is tg 0 --timeout 20 || fail "telegram pending $(pending tg)"
wait_for pending_is slack 0 --timeout 20 || fail "slack pending $(pending slack)"
wait_for pending_is digest 0 --timeout 30 || fail "digest pending $(pending digest)"
stop "$CPID" --timeout 15 || fail "correlator exit status $?"
! grep -q "AAHdqTcv" "$T/correlator.log" || fail "the bot token is in the log"

q "SELECT id FROM alerts ORDER BY seq" >"$T/outbox.ids"
q "SELECT json FROM alerts ORDER BY seq" >"$T/outbox.jsonl"
/usr/bin/python3 - "$T" "$TOKEN" <<'PY' || fail "deliveries"
import collections, json, sys
T, token = sys.argv[1], sys.argv[2]
ids = [l.strip() for l in open(T + "/outbox.ids") if l.strip()]
recv = [json.loads(l) for l in open(T + "/recv.jsonl")]
by = collections.defaultdict(list)
for r in recv:
    by[r["path"]].append(r)
assert set(by) == {"/bot%s/sendMessage" % token, "/services/T000/B000/XXXX", "/digest"}, set(by)

tg = by["/bot%s/sendMessage" % token]
assert sorted(r["key"] for r in tg) == sorted(ids), "telegram: not one message per alert"
texts = []
for r in tg:
    b = json.loads(r["body"])
    assert set(b) == {"chat_id", "text", "parse_mode", "disable_web_page_preview"}, b
    assert b["chat_id"] == -1001234567890 and b["parse_mode"] == "HTML", b
    assert b["disable_web_page_preview"] is True, b
    t = b["text"]
    assert t.startswith("<b>[KRITIS] Login berhasil setelah brute force"), t
    # Only our own tags: <b> </b> <code> </code>.
    rest = t
    for tag in ("<b>", "</b>", "<code>", "</code>"):
        rest = rest.replace(tag, "")
    assert "<" not in rest and ">" not in rest, ("raw markup from the stream", t)
    texts.append(t)
alltg = "\n".join(texts)
assert "akun &lt;script&gt;alert(1)&lt;/script&gt;" in alltg, alltg
assert "Dinas &lt;b&gt;Kominfo&lt;/b&gt; &amp; &quot;Samarinda&quot;" in alltg, alltg
assert "akun root&quot;&amp;&lt;b&gt;" in alltg, alltg
assert "WITA" in alltg and " WIT:" in alltg, alltg

sl = by["/services/T000/B000/XXXX"]
assert sorted(r["key"] for r in sl) == sorted(ids), "slack: not one message per alert"
allsl = ""
for r in sl:
    b = json.loads(r["body"])
    assert list(b) == ["text"], b
    assert b["text"].startswith("*[CRITICAL] Successful login after brute force"), b["text"]
    assert "<" not in b["text"] and ">" not in b["text"], b["text"]
    allsl += b["text"] + "\n"
assert "account &lt;script&gt;alert(1)&lt;/script&gt;" in allsl, allsl
assert "since " in allsl and "Incident `" in allsl, allsl

dg = by["/digest"]
seen = collections.Counter()
for r in dg:
    b = json.loads(r["body"])
    assert b["type"] == "digest" and b["id"] == r["key"], b
    assert b["alert_count"] == len(b["alerts"]), b
    for a in b["alerts"]:
        seen[a["id"]] += 1
        assert a["language"] == "en" and a["text"].startswith("[CRITICAL]"), a
assert sorted(seen) == sorted(ids) and set(seen.values()) == {1}, ("digests", seen, ids)
assert len(set(r["key"] for r in dg)) == len(dg), "a digest sent twice"
# One digest per 8 s interval the alerts were created in (they come in one or two batches).
import datetime
def ms(s):
    return int(datetime.datetime.fromisoformat(s.replace("Z", "+00:00")).timestamp() * 1000)
created = [json.loads(l)["created"] for l in open(T + "/outbox.jsonl")]
buckets = {ms(c) // 8000 for c in created}
assert len(dg) == len(buckets) < len(ids) + 1, ("digests per interval", len(dg), buckets)
for r in dg:
    b = json.loads(r["body"])
    assert ms(b["interval_end"]) - ms(b["interval_start"]) == 8000, b
print("outbox %d; telegram %d, slack %d, digests %d" % (len(ids), len(tg), len(sl), len(dg)))
print(texts[0])
PY
echo ok
