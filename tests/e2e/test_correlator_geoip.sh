#!/bin/bash
# ronda-correlator's geoip section (docs/correlator.md): databases written
# here with scripts/mkmmdb.pl are taken by --check-config and by a start;
# a missing, empty or foreign file, a Country database given as the ASN one
# and a bad home_country are refused with file:line: key: reason, exit 2.
. "$(dirname "$0")/lib.sh"
require_cmd perl

printf '36.64.0.0/11\t7713\tPT Telekomunikasi Indonesia\tID\n103.10.0.0/16\t64500\tExample Hosting\tSG\n2404:c0::/32\t23693\tTelkomsel\tID\n' \
    >"$T/nets.tsv"
for layout in asn country both; do
    perl "$RONDA_SRC/scripts/mkmmdb.pl" --layout "$layout" "$T/nets.tsv" "$T/$layout.mmdb" \
        2>"$T/mkmmdb.log" || fail "mkmmdb.pl --layout $layout: $(cat "$T/mkmmdb.log")"
done
: >"$T/empty.mmdb"
echo "not a database" >"$T/junk.mmdb"

conf() {  # conf FILE GEOIP_YAML
    printf 'kafka: {brokers: "127.0.0.1:1"}\nstore: %s/ronda.db\n%s\n' "$T" "$2" >"$1"
}
ok_conf() {
    conf "$T/ok.yaml" "$1"
    out=$("$RONDA_BIN/ronda-correlator" -c "$T/ok.yaml" --check-config 2>&1) ||
        fail "geoip '$1' refused: $out"
    [ "$out" = "configuration OK" ] || fail "geoip '$1': $out"
}
bad_conf() {  # bad_conf GEOIP_YAML EXPECTED (fixed string)
    local rc=0 out
    conf "$T/bad.yaml" "$1"
    out=$("$RONDA_BIN/ronda-correlator" -c "$T/bad.yaml" --check-config 2>&1) || rc=$?
    [ $rc = 2 ] || fail "geoip '$1': exit $rc, want 2 ($out)"
    grep -qF -- "$2" <<<"$out" || fail "geoip '$1' said: $out; want: $2"
}

ok_conf ""
ok_conf "geoip: {asn: $T/asn.mmdb, country: $T/country.mmdb, home_country: ID}"
ok_conf "geoip:
  asn: $T/both.mmdb
  country: $T/both.mmdb"
ok_conf "geoip: {country: $T/country.mmdb, home_country: sg}"

bad_conf "geoip:
  asn: $T/nope.mmdb" "bad.yaml:4: geoip.asn: cannot open $T/nope.mmdb: No such file or directory"
bad_conf "geoip:
  home_country: ID
  country: $T/empty.mmdb" "bad.yaml:5: geoip.country: cannot open $T/empty.mmdb: empty file"
bad_conf "geoip: {asn: $T/junk.mmdb}" \
    "bad.yaml:3: geoip.asn: cannot open $T/junk.mmdb: not a MaxMind DB (.mmdb)"
bad_conf "geoip:
  asn: $T/country.mmdb" \
    "bad.yaml:4: geoip.asn: $T/country.mmdb (GeoLite2-Country): its records lack autonomous_system_number"
bad_conf "geoip:
  country: $T/asn.mmdb" \
    "bad.yaml:4: geoip.country: $T/asn.mmdb (GeoLite2-ASN): its records lack country.iso_code"
bad_conf "geoip:
  home_country: Indonesia" "bad.yaml:4: geoip.home_country: not a country code"
bad_conf "geoip:
  asn_file: $T/asn.mmdb" "bad.yaml:4: geoip.asn_file: unknown key"
echo "geoip: check-config takes GeoLite2-style files and refuses bad ones with file:line"

# bots.ranges (crawlers' published ranges, cloaking) is checked the same way.
printf '# Google\ngooglebot 66.249.64.0/19\nbingbot 2001:4860:4801:10::/64\n' >"$T/bots.txt"
printf 'googlebot 66.249.64.0/19\ngooglebot 66.249.64.0/40\n' >"$T/bots-bad.txt"
ok_conf "bots: {ranges: $T/bots.txt}"
bad_conf "bots: {ranges: $T/bots-bad.txt}" \
    "bad.yaml:3: bots.ranges: $T/bots-bad.txt:2: not an address range: 66.249.64.0/40"
bad_conf "bots: {ranges: $T/nope.txt}" \
    "bad.yaml:3: bots.ranges: $T/nope.txt: No such file or directory"
echo "bots: check-config reads the crawler ranges and names the bad line"

# A start with the databases (the engine opens them) and without: the same run.
: >"$T/events.tsv"
for g in "geoip: {asn: $T/asn.mmdb, country: $T/country.mmdb}
bots: {ranges: $T/bots.txt}" ""; do
    rm -f "$T/ronda.db"*
    conf "$T/run.yaml" "$g"
    timeout "$(scaled 60)" "$RONDA_BIN/ronda-correlator" -c "$T/run.yaml" \
        --input "$T/events.tsv" >"$T/run.log" 2>&1 || fail "start with '$g': $(tail -3 "$T/run.log")"
    grep -q "^input: 0 lines" "$T/run.log" || fail "start with '$g': $(tail -3 "$T/run.log")"
done
echo "geoip: the correlator starts with and without the databases"
