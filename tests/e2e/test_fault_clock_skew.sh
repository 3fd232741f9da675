#!/bin/bash
# Collectors whose clocks are off by hours (libfaketime; the servers' logs
# carry the same wrong time, as they would):
#   ok.go.id      right clock
#   ahead.go.id   clock and log times 3 hours ahead
#   behind.go.id  clock and log times 3 hours behind
#   drift.go.id   right log times, collector clock 3 hours ahead (a central
#                 syslog host with a wrong clock)
# Checked, per site: every line arrives; each event's @timestamp is the time
# written in its line (the collector's clock never leaks into event time);
# the per-minute aggregates count every line (their minutes close on the
# lines' own times). Then one correlator reads the single partition (ok,
# ahead, behind, drift in that order): it applies every message (nothing
# dropped or rejected), and its late and clamped_future counters are
# exactly what its documented rules give for that sequence
# (docs/correlator.md, "Clocks": lateness per stream of (partition, site,
# host, dataset), allowed_lateness 10m; a jump of more than max_future 1h
# past the site's own clock held out until a second event confirms it;
# heartbeats move no clock) - in particular none of behind.go.id's
# messages is late, though per-partition watermarks made every one late.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/collector_lib.sh"
require_cmd kcat sqlite3
# libfaketime preloaded straight into the collector (the faketime wrapper
# forks, so a signal to it would not reach the collector).
FAKETIME_LIB=
for f in /usr/lib/*/faketime/libfaketimeMT.so.1 /usr/lib/faketime/libfaketimeMT.so.1 \
    /usr/local/lib/faketime/libfaketimeMT.so.1; do
    [ -f "$f" ] && { FAKETIME_LIB=$f; break; }
done
[ -n "$FAKETIME_LIB" ] || skip "libfaketime is not installed (scripts/deps.sh installs faketime)"
require_cmd cc
# libfaketime fakes the clock the process reads, not the one the kernel waits
# on: glibc's cnd_timedwait (librdkafka's timed waits) would sleep 3 h on a
# deadline computed 3 h ahead. A real skewed server has one clock for both;
# this shim moves such deadlines back by the faked offset to match.
cat >"$T/cnd.c" <<'C'
#define _GNU_SOURCE
#include <dlfcn.h>
#include <sys/syscall.h>
#include <threads.h>
#include <time.h>
#include <unistd.h>

int
cnd_timedwait(cnd_t *restrict c, mtx_t *restrict m, const struct timespec *restrict ts)
{
	static int (*real)(cnd_t *, mtx_t *, const struct timespec *);
	struct timespec fake, now, adj;
	long long d;

	if (real == NULL)
		real = (int (*)(cnd_t *, mtx_t *, const struct timespec *))
		    dlsym(RTLD_NEXT, "cnd_timedwait");
	clock_gettime(CLOCK_REALTIME, &fake);			/* libfaketime's */
	syscall(SYS_clock_gettime, CLOCK_REALTIME, &now);	/* the kernel's */
	d = (fake.tv_sec - now.tv_sec) * 1000000000LL + (fake.tv_nsec - now.tv_nsec);
	d = ts->tv_sec * 1000000000LL + ts->tv_nsec - d;
	adj.tv_sec = d / 1000000000LL;
	adj.tv_nsec = d % 1000000000LL;
	return real(c, m, &adj);
}
C
cc -shared -fPIC -O2 -o "$T/cnd.so" "$T/cnd.c" -ldl || fail "cannot build the cnd_timedwait shim"
N=$(lines 600)

start_broker --partitions 1
consume_to "$T/events.jsonl" ronda.events
collector_config "$T/collector.yaml"

# write_lines SITE SKEW_S FIRST: N lines stamped now+SKEW (WITA, +0800),
# 100 ms apart, numbered FIRST.. ; their UTC ms in $T/SITE.truth.
write_lines() {
    mkdir -p "$T/$1"
    /usr/bin/python3 - "$T/$1/access.log" "$T/$1.truth" "$2" "$3" "$N" <<'PY'
import sys, time, datetime
path, truth, skew, first, n = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])
tz = datetime.timezone(datetime.timedelta(hours=8))
t0 = int(time.time()) + skew
with open(path, "a") as f, open(truth, "w") as t:
    for i in range(n):
        ms = (t0 * 1000) + i * 100
        d = datetime.datetime.fromtimestamp(ms / 1000, tz)
        stamp = d.strftime("%d/%b/%Y:%H:%M:%S %z")
        ms = (ms // 1000) * 1000         # the log has whole seconds
        f.write('10.20.%d.%d - - [%s] "GET /berita/%d-halaman HTTP/1.1" 200 %d "-" "Mozilla/5.0"\n'
                % (i // 200, i % 200 + 1, stamp, first + i, 100 + i))
        t.write("%d %d\n" % (first + i, ms))
PY
}

# run_site SITE SKEW_S FIRST [faketime offset]: a collector for SITE, live,
# until every line arrived, then SIGTERM (which sends the last aggregate).
run_site() {
    local site=$1 skew=$2 first=$3 fake=${4:-}
    sed -e "s#^site: .*#site: $site.go.id#" -e "s#^state_db: .*#state_db: $T/$site.db#" \
        -e "s#path: $T/logs/\*.log#path: $T/$site/*.log#" "$T/collector.yaml" >"$T/$site.yaml"
    mkdir -p "$T/$site"
    if [ -n "$fake" ]; then
        # ASan must come first among the libraries; libfaketime is preloaded.
        spawn "$site" env LD_PRELOAD="$T/cnd.so $FAKETIME_LIB" FAKETIME="$fake" \
            FAKETIME_DONT_FAKE_MONOTONIC=1 FAKETIME_NO_CACHE=1 \
            ASAN_OPTIONS="${ASAN_OPTIONS:-}:verify_asan_link_order=0" \
            "$RONDA_BIN/ronda-collector" -c "$T/$site.yaml"
    else
        spawn "$site" "$RONDA_BIN/ronda-collector" -c "$T/$site.yaml"
    fi
    local pid=$SPAWNED_PID
    wait_started "$site"
    write_lines "$site" "$skew" "$first"
    _site_done() { [ "$(grep -c "\"organization\":{\"id\":\"$1.go.id\".*-halaman" "$T/events.jsonl")" -ge "$N" ]; }
    wait_for _site_done "$site" --timeout 60 || fail "$site: not every line arrived"
    sleep 2     # a few aggregate ticks on the skewed clock
    stop "$pid" --timeout 15 || fail "$site: collector exited with $?"
    grep -q "every line read was confirmed by Kafka" "$T/$site.log" || fail "$site: unconfirmed lines"
}

run_site ok 0 0
run_site ahead 10800 10000 +3h
grep -q "ronda-collector info: started" "$T/ahead.log" || fail "faketime: collector did not start"
run_site behind -10800 20000 -3h
run_site drift 0 30000 +3h
# The last aggregates go out at SIGTERM: wait until kcat has read, for each
# site, aggregates worth N requests (the check below says what is missing).
_agg_read() {
    /usr/bin/python3 - "$T/events.jsonl" "$N" <<'PY'
import json, sys
req = {}
for raw in open(sys.argv[1], "rb"):
    ev = json.loads(raw)
    if ev["event"]["kind"] == "metric":
        s = ev["organization"]["id"]
        req[s] = req.get(s, 0) + ev["ronda"]["metrics"].get("requests", 0)
sys.exit(0 if all(req.get(s + ".go.id", 0) >= int(sys.argv[2])
                  for s in ("ok", "ahead", "behind", "drift")) else 1)
PY
}
wait_for _agg_read --timeout 20 || true
# The faked clocks were in effect: the heartbeats say when they were sent.
/usr/bin/python3 - "$T/events.jsonl" <<'PY' || fail "faketime was not in effect"
import json, sys, time
now = time.time()
sent = {}
for raw in open(sys.argv[1], "rb"):
    ev = json.loads(raw)
    hb = ev.get("ronda", {}).get("metrics", {}).get("heartbeat", {}).get("sent_at")
    if hb:
        site = ev["organization"]["id"].split(".")[0]
        t = time.mktime(time.strptime(hb[:19], "%Y-%m-%dT%H:%M:%S")) - time.timezone
        sent.setdefault(site, []).append(t - now)
for site, want in (("ok", 0), ("ahead", 3), ("behind", -3), ("drift", 3)):
    off = sent.get(site, [None])[-1]
    if off is None or abs(off / 3600 - want) > 0.25:
        sys.exit("%s: heartbeat sent %s h from now, expected %d h" % (site, off and round(off / 3600, 2), want))
print("collector clocks (from heartbeats): ok 0 h, ahead +3 h, behind -3 h, drift +3 h")
PY

# Per site: all lines, exact event times, aggregates count every line.
/usr/bin/python3 - "$T/events.jsonl" "$T" "$N" <<'PY' || fail "skewed events"
import calendar, json, re, sys, time
events, T, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
def ms(s):
    m = re.match(r"(\d{4})-(\d\d)-(\d\d)T(\d\d):(\d\d):(\d\d)\.(\d{3})Z$", s)
    y, mo, d, h, mi, se, frac = map(int, m.groups())
    return calendar.timegm((y, mo, d, h, mi, se)) * 1000 + frac
seen, bad, requests = {}, [], {}
for raw in open(events, "rb"):
    ev = json.loads(raw)
    site = ev["organization"]["id"].split(".")[0]
    if ev["event"]["kind"] == "metric":
        requests[site] = requests.get(site, 0) + ev["ronda"]["metrics"].get("requests", 0)
        continue
    num = int(re.search(r"/(\d+)-halaman", ev["event"]["original"]).group(1))
    seen.setdefault(site, {})[num] = ms(ev["@timestamp"])
for site in ("ok", "ahead", "behind", "drift"):
    truth = dict(tuple(map(int, l.split())) for l in open("%s/%s.truth" % (T, site)))
    got = seen.get(site, {})
    missing = set(truth) - set(got)
    wrong = [k for k in truth if k in got and got[k] != truth[k]]
    if missing or wrong:
        sys.exit("%s: %d missing, %d with a time not from the line (e.g. %s)"
                 % (site, len(missing), len(wrong), wrong[:3]))
    if requests.get(site) != n:
        sys.exit("%s: aggregates counted %s requests, %d lines were written"
                 % (site, requests.get(site), n))
    print("%s: %d lines, every @timestamp from its line, aggregates %d requests"
          % (site, len(got), requests[site]))
PY

# The clock of ahead.go.id is set right while its collector is stopped, and
# meanwhile its log rotates twice: generation B is created and rotated away
# unseen. Its checkpoints carry times 3 h ahead, so B looks older than the
# last checkpoint; it must still be read (and the set-back clock said).
mv "$T/ahead/access.log" "$T/ahead/access.log.1"
write_lines ahead 0 10600          # B: N lines
mv "$T/ahead/access.log.1" "$T/ahead/access.log.2"
mv "$T/ahead/access.log" "$T/ahead/access.log.1"
mv "$T/ahead.truth" "$T/ahead-b.truth"
write_lines ahead 0 20600          # C, the new live file
spawn ahead-fixed "$RONDA_BIN/ronda-collector" -c "$T/ahead.yaml"
FIXED=$SPAWNED_PID
wait_started ahead-fixed
_fixed_done() {
    [ "$(grep '"organization":{"id":"ahead.go.id"' "$T/events.jsonl" | grep -oE '/[0-9]+-halaman' |
        tr -dc '0-9\n' | sort -u | awk -v n="$N" '($1 >= 10600 && $1 < 10600 + n) ||
        ($1 >= 20600 && $1 < 20600 + n)' | wc -l)" -ge $((2 * N)) ]
}
wait_for _fixed_done --timeout 30 || true
stop "$FIXED" --timeout 15 || fail "ahead-fixed exited with $?"
/usr/bin/python3 - "$T/events.jsonl" "$T/ahead-b.truth" "$T/ahead.truth" <<'PY' || fail "clock set back"
import json, re, sys
seen = set()
for raw in open(sys.argv[1], "rb"):
    ev = json.loads(raw)
    m = re.search(r"/(\d+)-halaman", ev["event"].get("original", ""))
    if m and ev["organization"]["id"] == "ahead.go.id":
        seen.add(int(m.group(1)))
for name, path in (("B (rotated away unseen)", sys.argv[2]), ("C (live)", sys.argv[3])):
    want = {int(l.split()[0]) for l in open(path)}
    if want - seen:
        sys.exit("after the clock was set back, %d of %d lines of %s are lost"
                 % (len(want - seen), len(want), name))
print("clock set back while stopped: every line of the unseen generation and the new file arrived")
PY
grep -q "the clock was set back" "$T/ahead-fixed.log" || fail "the set-back clock was not noticed"

# The correlator, over the whole partition (once kcat has read the last
# aggregates, sent at SIGTERM: the count holds still for a second).
_settled() { local a; a=$(count_lines "$T/events.jsonl"); sleep 1; [ "$a" = "$(count_lines "$T/events.jsonl")" ]; }
wait_for _settled --timeout 20 || fail "kcat kept reading"
total=$(count_lines "$T/events.jsonl")
cat >"$T/correlator.yaml" <<YAML
kafka:
  brokers: $BROKER
  topic: ronda.events
  group: ronda-correlator
  properties: {session.timeout.ms: "6000"}
store: $T/ronda.db
windows: {allowed_lateness: 10m, max_future: 1h}
sites:
  - {id: ok.go.id}
  - {id: ahead.go.id}
  - {id: behind.go.id}
  - {id: drift.go.id}
YAML
spawn correlator "$RONDA_BIN/ronda-correlator" -c "$T/correlator.yaml"
CORR=$SPAWNED_PID
q() { sqlite3 "$T/ronda.db" "$1" 2>/dev/null; }
cnt() { local v; v=$(q "SELECT value FROM counters WHERE name='$1'"); echo "${v:-0}"; }
_applied() { [ "$(cnt events)" -ge "$total" ]; }
wait_for _applied --timeout 60 || fail "correlator applied $(cnt events) of $total messages"
stop "$CORR" --timeout 15 || fail "correlator exited with $?"

expect=$(/usr/bin/python3 - "$T/events.jsonl" <<'PY'
import calendar, json, re, sys
def ms(s):
    m = re.match(r"(\d{4})-(\d\d)-(\d\d)T(\d\d):(\d\d):(\d\d)\.(\d{3})Z$", s)
    y, mo, d, h, mi, se, frac = map(int, m.groups())
    return calendar.timegm((y, mo, d, h, mi, se)) * 1000 + frac
MAX_FUTURE, LATENESS = 3600 * 1000, 600 * 1000
stream_wm, clock, ahead = {}, {}, {}
late = future = behind = behind_late = 0
old_wm, old_behind_late = None, 0       # the old per-partition watermark
for raw in open(sys.argv[1], "rb"):     # one partition: this is its order
    ev = json.loads(raw)
    ts = ms(ev["@timestamp"])
    site, ds = ev["organization"]["id"], ev["event"].get("dataset", "")
    m = ev.get("ronda", {}).get("metrics")
    if ev["event"]["kind"] == "metric" and "heartbeat" in m and not m.get("requests"):
        continue                        # processing time: moves no clock
    key = (site, ev.get("host", {}).get("name", ""), ds)
    wm = stream_wm.get(key)
    is_late = wm is not None and ts < wm - LATENESS
    late += is_late
    stream_wm[key] = ts if wm is None else max(wm, ts)
    c = clock.get(site)
    if c is None or c < ts <= c + MAX_FUTURE:
        clock[site], ahead[site] = ts, None
    elif ts > c + MAX_FUTURE:
        if ahead.get(site) is not None:
            clock[site], ahead[site] = min(ts, ahead[site]), None
        else:
            ahead[site] = ts
            future += 1
    if site == "behind.go.id":
        behind += 1
        behind_late += is_late
        old_behind_late += old_wm is not None and ts < old_wm - LATENESS
    old_wm = ts if old_wm is None else max(old_wm, min(ts, old_wm + MAX_FUTURE))
print(late, future, behind, behind_late, old_behind_late)
PY
)
read -r want_late want_future behind behind_late old_behind_late <<<"$expect"
echo "correlator: events $(cnt events)/$total, late $(cnt late) (expected $want_late), clamped_future $(cnt clamped_future) (expected $want_future), duplicates $(cnt duplicates)"
[ "$(cnt events)" = "$total" ] || fail "events $(cnt events) != $total messages"
[ "$(cnt duplicates)" = 0 ] || fail "duplicates $(cnt duplicates)"
[ $(( $(cnt rejected_not_json) + $(cnt rejected_schema) + $(cnt rejected_too_large) )) = 0 ] ||
    fail "the correlator rejected events"
[ "$(cnt late)" = "$want_late" ] || fail "late $(cnt late), expected $want_late"
[ "$(cnt clamped_future)" = "$want_future" ] || fail "clamped_future $(cnt clamped_future), expected $want_future"
[ "$old_behind_late" -gt 0 ] ||
    fail "per-partition watermarks would not have made behind.go.id late: the test lost its point"
[ "$behind_late" = 0 ] || fail "$behind_late of behind.go.id's $behind messages are late"
[ "$(q "SELECT late FROM sites WHERE id = 'behind.go.id'")" = 0 ] ||
    fail "sites.late of behind.go.id is not 0"
