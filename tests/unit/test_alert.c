/*
 * Alerts: the deterministic id, the JSON and its text in Indonesian and
 * English (local times with WIB/WITA/WIT, hostile strings escaped), the
 * outbox insert (once per id), critical incidents, the schema (checked by
 * /usr/bin/python3 jsonschema), the backoff schedule, the dispatcher with
 * fake sinks (order, retries, resume, new-sink marker), the file sink, the
 * webhook URL parser and the config checks.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include <cjson/cJSON.h>
#include <sqlite3.h>

#include "alert.h"
#include "alert_format.h"
#include "alertd.h"
#include "cconfig.h"
#include "incident.h"
#include "store.h"
#include "ronda/buf.h"
#include "ronda/event.h"

static char dir[] = "/tmp/ronda-test-alert.XXXXXX";
static char err[512];

/* 2026-11-20T01:35:00Z = 09:35 WITA, 08:35 WIB, 10:35 WIT */
#define T0 INT64_C(1795138500000)

static const struct ronda_alert_site sites3[] = {
	{ "samarindakota.go.id", "Diskominfo Kota Samarinda", "Kalimantan Timur",
	    "Asia/Makassar", T0 },
	{ "bontangkota.go.id", "Diskominfo Bontang", "Kalimantan Timur", "Asia/Makassar",
	    T0 + 600000 },
	{ "jakarta.go.id", "Diskominfotik DKI Jakarta", "DKI Jakarta", "Asia/Jakarta",
	    T0 + 1200000 },
};
static const struct ronda_alert_indicator ind2[] = {
	{ "gambling", "slot88 gacor" }, { "payload", "/wp-content/*.php" },
};
static const char *const ips2[] = { "203.0.113.7", "198.51.100.9" };
static const char *const new1[] = { "jakarta.go.id" };

static struct ronda_alert
campaign(int type)
{
	struct ronda_alert a = { .type = type, .campaign_id = "5f0c1d2e3f405162",
	    .kind = "gambling", .severity = RONDA_SEV_CRITICAL,
	    .prev_severity = RONDA_SEV_HIGH, .first_seen = T0, .last_seen = T0 + 1800000,
	    .sites = sites3, .nsites = 3, .new_sites = new1, .nnew = 1, .ind = ind2,
	    .nind = 2, .ips = ips2, .nips = 2, .seq_key = 3 };
	return a;
}

static int
setup(void **state)
{
	(void)state;
	return mkdtemp(dir) == NULL ? -1 : 0;
}

static int
teardown(void **state)
{
	char cmd[300];

	(void)state;
	ronda_alert_cleanup();
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd) == 0 ? 0 : -1;
}

static struct ronda_store *
fresh_store(const char *name)
{
	char p[300];
	struct ronda_store *s;

	snprintf(p, sizeof(p), "%s/%s", dir, name);
	unlink(p);
	s = ronda_store_open(p, err, sizeof(err));
	assert_non_null(s);
	return s;
}

static int64_t
q_int(sqlite3 *db, const char *q)
{
	sqlite3_stmt *st;
	int64_t v = -1;

	assert_int_equal(sqlite3_prepare_v2(db, q, -1, &st, NULL), SQLITE_OK);
	if (sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return v;
}

static cJSON *
alert_doc(const struct ronda_alert *a, int lang)
{
	char *s = ronda_alert_json(a, lang, T0 + 1900000);
	cJSON *o;

	assert_non_null(s);
	o = cJSON_Parse(s);
	assert_non_null(o);
	free(s);
	return o;
}

static const char *
str(const cJSON *o, const char *k)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);

	assert_true(cJSON_IsString(v));
	return v->valuestring;
}

static void
assert_contains(const char *hay, const char *needle)
{
	if (strstr(hay, needle) == NULL)
		fail_msg("\"%s\" not in \"%s\"", needle, hay);
}

/* incident_critical, incident 0123...cdef, seq_key 0 (see id_deterministic) */
#define PINNED_ID "63a93af8678538b4085f2c6cc17790b0"

static void
id_deterministic(void **state)
{
	struct ronda_alert a = campaign(RONDA_ALERT_CAMPAIGN_NEW), b;
	char x[33], y[33];

	(void)state;
	ronda_alert_make_id(x, &a);
	ronda_alert_make_id(y, &a);
	assert_string_equal(x, y);
	assert_int_equal(strlen(x), 32);
	assert_int_equal(strspn(x, "0123456789abcdef"), 32);
	/* The text and the wall clock do not enter it. */
	b = a;
	b.severity = RONDA_SEV_HIGH;
	b.nsites = 2;
	ronda_alert_make_id(y, &b);
	assert_string_equal(x, y);
	/* Type, ids and seq_key do. */
	b = a;
	b.type = RONDA_ALERT_CAMPAIGN_GREW;
	ronda_alert_make_id(y, &b);
	assert_string_not_equal(x, y);
	b = a;
	b.seq_key = 4;
	ronda_alert_make_id(y, &b);
	assert_string_not_equal(x, y);
	/* Field boundaries count: ("ab", "c") is not ("a", "bc"). */
	a.campaign_id = "ab";
	a.incident_id = "c";
	b = a;
	b.campaign_id = "a";
	b.incident_id = "bc";
	ronda_alert_make_id(x, &a);
	ronda_alert_make_id(y, &b);
	assert_string_not_equal(x, y);
	/* Pinned: an id that changes across builds would resend every alert. */
	a = campaign(RONDA_ALERT_INCIDENT_CRITICAL);
	a.campaign_id = NULL;
	a.incident_id = "0123456789abcdef0123456789abcdef";
	a.seq_key = 0;
	ronda_alert_make_id(x, &a);
	assert_string_equal(x, PINNED_ID);
	assert_int_equal(ronda_alert_type_parse(ronda_alert_type_name(RONDA_ALERT_CAMPAIGN_SEVERITY)),
	    RONDA_ALERT_CAMPAIGN_SEVERITY);
	assert_int_equal(ronda_alert_type_parse("nope"), -1);
	assert_string_equal(ronda_alert_type_name(99), "unknown");
}

static void
json_and_text_indonesian(void **state)
{
	struct ronda_alert a = campaign(RONDA_ALERT_CAMPAIGN_NEW);
	cJSON *o = alert_doc(&a, RONDA_LANG_ID), *s0;
	const char *t;

	(void)state;
	assert_string_equal(str(o, "type"), "campaign_new");
	assert_string_equal(str(o, "severity"), "critical");
	assert_string_equal(str(o, "campaign_id"), "5f0c1d2e3f405162");
	assert_string_equal(str(o, "language"), "id");
	assert_string_equal(str(o, "created"), "2026-11-20T02:06:40.000Z");
	assert_string_equal(str(o, "first_seen"), "2026-11-20T01:35:00.000Z");
	assert_string_equal(str(o, "title"),
	    "Gelombang injeksi spam judi online — 3 situs, Kalimantan Timur, DKI Jakarta");
	t = str(o, "text");
	assert_string_equal(t, "[KRITIS] Gelombang injeksi spam judi online — 3 situs, "
	    "Kalimantan Timur, DKI Jakarta sejak 09:35 WITA: Diskominfo Kota Samarinda, "
	    "Diskominfo Bontang, Diskominfotik DKI Jakarta. Indikator: gambling slot88 gacor, "
	    "payload /wp-content/*.php. IP: 203.0.113.7, 198.51.100.9.");
	assert_int_equal(cJSON_GetObjectItem(o, "site_count")->valueint, 3);
	s0 = cJSON_GetArrayItem(cJSON_GetObjectItem(o, "sites"), 0);
	assert_string_equal(str(s0, "first_seen_local"), "2026-11-20 09:35 WITA");
	assert_string_equal(str(cJSON_GetArrayItem(cJSON_GetObjectItem(o, "sites"), 2),
	    "first_seen_local"), "2026-11-20 08:55 WIB");
	assert_null(cJSON_GetObjectItem(o, "incident_id"));
	cJSON_Delete(o);

	a = campaign(RONDA_ALERT_CAMPAIGN_GREW);
	o = alert_doc(&a, RONDA_LANG_ID);
	assert_contains(str(o, "text"), "meluas ke 3 situs (1 baru: Diskominfotik DKI Jakarta)");
	assert_string_equal(cJSON_GetArrayItem(cJSON_GetObjectItem(o, "new_sites"), 0)->valuestring,
	    "jakarta.go.id");
	cJSON_Delete(o);

	a = campaign(RONDA_ALERT_CAMPAIGN_SEVERITY);
	o = alert_doc(&a, RONDA_LANG_ID);
	assert_contains(str(o, "text"), "naik ke KRITIS (sebelumnya TINGGI) — 3 situs");
	assert_string_equal(str(o, "previous_severity"), "high");
	cJSON_Delete(o);

	/* A first event on another local day than the last gets its date. */
	a = campaign(RONDA_ALERT_CAMPAIGN_NEW);
	a.last_seen = T0 + INT64_C(86400000);
	o = alert_doc(&a, RONDA_LANG_ID);
	assert_contains(str(o, "text"), "sejak 20 Nov 09:35 WITA");
	cJSON_Delete(o);
}

static void
json_and_text_english(void **state)
{
	struct ronda_alert a = campaign(RONDA_ALERT_CAMPAIGN_NEW);
	struct ronda_alert_site wit = { "jayapurakota.go.id", "Diskominfo Kota Jayapura",
		"Papua", "Asia/Jayapura", T0 };
	cJSON *o = alert_doc(&a, RONDA_LANG_EN);

	(void)state;
	assert_string_equal(str(o, "language"), "en");
	assert_string_equal(str(o, "text"), "[CRITICAL] Gambling-spam injection wave — 3 sites, "
	    "Kalimantan Timur, DKI Jakarta since 09:35 WITA: Diskominfo Kota Samarinda, "
	    "Diskominfo Bontang, Diskominfotik DKI Jakarta. Indicators: gambling slot88 gacor, "
	    "payload /wp-content/*.php. IP: 203.0.113.7, 198.51.100.9.");
	cJSON_Delete(o);
	a.title = "Gambling-spam injection wave — 3 sites, Kalimantan Timur";
	a.type = RONDA_ALERT_CAMPAIGN_GREW;
	a.last_seen = T0 + INT64_C(2) * 86400000;
	o = alert_doc(&a, RONDA_LANG_EN);
	assert_string_equal(str(o, "title"), a.title);
	assert_contains(str(o, "text"), "spreads to 3 sites (1 new: Diskominfotik DKI Jakarta)");
	assert_contains(str(o, "text"), "since 20 Nov 09:35 WITA");
	cJSON_Delete(o);

	/* Attackers abroad (GeoIP): named in the text and listed in the JSON. */
	{
		const char *ab[] = { "CN", "RU" };
		a.abroad = ab;
		a.nabroad = 2;
		o = alert_doc(&a, RONDA_LANG_EN);
		assert_contains(str(o, "text"), " From abroad: CN, RU.");
		assert_string_equal(cJSON_GetArrayItem(cJSON_GetObjectItem(o, "abroad"), 1)
		    ->valuestring, "RU");
		cJSON_Delete(o);
		o = alert_doc(&a, RONDA_LANG_ID);
		assert_contains(str(o, "text"), " Dari luar negeri: CN, RU.");
		cJSON_Delete(o);
		a.abroad = NULL;
		a.nabroad = 0;
	}

	/* A single-site incident in WIT, with its account. */
	memset(&a, 0, sizeof(a));
	a.type = RONDA_ALERT_INCIDENT_CRITICAL;
	a.incident_id = "00112233445566778899aabbccddeeff";
	a.kind = "compromise";
	a.severity = RONDA_SEV_CRITICAL;
	a.first_seen = a.last_seen = T0;
	a.sites = &wit;
	a.nsites = 1;
	a.ips = ips2;
	a.nips = 1;
	a.user = "admin";
	o = alert_doc(&a, RONDA_LANG_EN);
	assert_string_equal(str(o, "text"), "[CRITICAL] Successful login after brute force — "
	    "Diskominfo Kota Jayapura (jayapurakota.go.id), Papua, since 10:35 WIT: account "
	    "admin. IP: 203.0.113.7.");
	assert_string_equal(str(o, "user"), "admin");
	cJSON_Delete(o);
	o = alert_doc(&a, RONDA_LANG_ID);
	assert_string_equal(str(o, "text"), "[KRITIS] Login berhasil setelah brute force — "
	    "Diskominfo Kota Jayapura (jayapurakota.go.id), Papua, sejak 10:35 WIT: akun "
	    "admin. IP: 203.0.113.7.");
	cJSON_Delete(o);
	a.kind = "webshell";
	o = alert_doc(&a, RONDA_LANG_ID);
	assert_contains(str(o, "text"), "[KRITIS] Webshell dijawab 200");
	cJSON_Delete(o);
}

/* Every byte of the text is printable: no C0/C1 control, no DEL, valid UTF-8. */
static void
assert_clean_text(const char *t)
{
	const unsigned char *p = (const unsigned char *)t;

	for (size_t i = 0; p[i] != '\0'; i++) {
		if (p[i] < 0x20 || p[i] == 0x7f)
			fail_msg("control byte 0x%02x at %zu in \"%s\"", p[i], i, t);
		if (p[i] == 0xc2 && p[i + 1] >= 0x80 && p[i + 1] < 0xa0)
			fail_msg("C1 control at %zu", i);
	}
}

static void
hostile_strings_escaped(void **state)
{
	static const char evil_user[] = "root\x1b]0;pwned\x07\r\n\xff\xfe\"\\";
	struct ronda_alert_site s = { "evil\x1b[31m.go.id", "Dinas\nPalsu\xc2\x9b",
		"Reg\x7fion", "No/Such_Zone", T0 };
	struct ronda_alert_indicator ind = { "user_agent", "Mozilla\x1b[2J\t\xe2\x80" };
	const char *ips[] = { "1.2.3.4\x01" };
	char big[3000];
	struct ronda_alert a;
	cJSON *o, *arr;
	char *js;

	(void)state;
	memset(big, 'A', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	memset(&a, 0, sizeof(a));
	a.type = RONDA_ALERT_INCIDENT_CRITICAL;
	a.incident_id = "x\"y";
	a.kind = "weird\x1b";
	a.severity = RONDA_SEV_CRITICAL;
	a.first_seen = a.last_seen = T0;
	a.sites = &s;
	a.nsites = 1;
	a.ind = &ind;
	a.nind = 1;
	a.ips = ips;
	a.nips = 1;
	a.user = evil_user;
	js = ronda_alert_json(&a, RONDA_LANG_ID, T0);
	assert_non_null(js);
	/* The whole document is valid UTF-8 (raw bytes >= 0x80 only in sequences). */
	for (size_t i = 0; js[i] != '\0'; ) {
		size_t l = (unsigned char)js[i] < 0x80 ? 1 :
		    ronda_utf8_seq_len((const unsigned char *)js + i, strlen(js + i));
		if (l == 0)
			fail_msg("invalid UTF-8 at %zu of %s", i, js);
		if ((unsigned char)js[i] < 0x20)
			fail_msg("raw control byte in the JSON at %zu", i);
		i += l;
	}
	o = cJSON_Parse(js);
	free(js);
	assert_non_null(o);
	assert_clean_text(str(o, "text"));
	assert_contains(str(o, "text"), "akun root\\x1b]0;pwned\\x07\\r\\n\\xff\\xfe\"\\");
	assert_contains(str(o, "text"), "Dinas\\nPalsu\\xc2\\x9b");
	/* Structured fields keep the bytes JSON can carry (escaped by the encoder). */
	assert_string_equal(str(o, "user"), "root\x1b]0;pwned\x07\r\n\\xff\\xfe\"\\");
	assert_string_equal(str(o, "incident_id"), "x\"y");
	arr = cJSON_GetObjectItem(o, "sites");
	assert_string_equal(str(cJSON_GetArrayItem(arr, 0), "timezone"), "No/Such_Zone");
	/* An unknown zone: UTC. */
	assert_string_equal(str(cJSON_GetArrayItem(arr, 0), "first_seen_local"),
	    "2026-11-20 01:35 UTC");
	cJSON_Delete(o);

	/* Long values are cut: the text stays short. */
	a.user = big;
	ind.value = big;
	s.agency = big;
	js = ronda_alert_json(&a, RONDA_LANG_EN, T0);
	o = cJSON_Parse(js);
	assert_non_null(o);
	assert_true(strlen(str(o, "text")) < 600);
	assert_true(strlen(str(o, "user")) <= 512);
	assert_clean_text(str(o, "text"));
	cJSON_Delete(o);
	free(js);
}

static void
raise_once_per_id(void **state)
{
	struct ronda_store *st = fresh_store("raise.db");
	sqlite3 *db = ronda_store_db(st);
	struct ronda_alert a = campaign(RONDA_ALERT_CAMPAIGN_NEW);
	char id[33], q[400];

	(void)state;
	assert_int_equal(ronda_store_begin(st), 0);
	assert_int_equal(ronda_alert_raise(db, &a, RONDA_LANG_ID, T0, err, sizeof(err)), 1);
	/* The same alert again (a replay; another batch deciding the same). */
	a.nsites = 2;
	assert_int_equal(ronda_alert_raise(db, &a, RONDA_LANG_EN, T0 + 5, err, sizeof(err)), 0);
	a.type = RONDA_ALERT_CAMPAIGN_GREW;
	assert_int_equal(ronda_alert_raise(db, &a, RONDA_LANG_ID, T0, err, sizeof(err)), 1);
	a.type = 42;
	assert_int_equal(ronda_alert_raise(db, &a, RONDA_LANG_ID, T0, err, sizeof(err)), -1);
	assert_int_equal(ronda_store_commit(st), 0);
	assert_int_equal(q_int(db, "SELECT count(*) FROM alerts"), 2);
	a = campaign(RONDA_ALERT_CAMPAIGN_NEW);
	ronda_alert_make_id(id, &a);
	snprintf(q, sizeof(q), "SELECT seq FROM alerts WHERE id = '%s' AND type = 'campaign_new'"
	    " AND campaign_id = '5f0c1d2e3f405162' AND incident_id = '' AND severity ="
	    " 'critical' AND json LIKE '%%3 situs%%' AND created = %lld", id, (long long)T0);
	assert_int_equal(q_int(db, q), 1);
	/* Rolled back with its batch: gone. */
	a.seq_key = 9;
	assert_int_equal(ronda_store_begin(st), 0);
	assert_int_equal(ronda_alert_raise(db, &a, RONDA_LANG_ID, T0, err, sizeof(err)), 1);
	ronda_store_rollback(st);
	assert_int_equal(q_int(db, "SELECT count(*) FROM alerts"), 2);
	ronda_store_close(st);
}

static void
critical_incident_alert(void **state)
{
	struct ronda_store *st = fresh_store("incident.db");
	sqlite3 *db = ronda_store_db(st);
	struct ronda_incident inc;
	sqlite3_stmt *q;
	cJSON *o;

	(void)state;
	assert_int_equal(ronda_store_site_info_put(st, "bontangkota.go.id", "Diskominfo Bontang",
	    "Kalimantan Timur", "Asia/Makassar"), 0);
	memset(&inc, 0, sizeof(inc));
	ronda_incident_make_id(inc.id, "bontangkota.go.id", "compromise", "203.0.113.77");
	snprintf(inc.site, sizeof(inc.site), "bontangkota.go.id");
	snprintf(inc.kind, sizeof(inc.kind), "compromise");
	snprintf(inc.key, sizeof(inc.key), "203.0.113.77");
	inc.severity = RONDA_SEV_HIGH;
	inc.first_seen = inc.last_seen = T0;
	inc.nips = 1;
	snprintf(inc.ips[0], sizeof(inc.ips[0]), "203.0.113.77");
	inc.nusers = 1;
	snprintf(inc.users[0], sizeof(inc.users[0]), "admin");
	/* Not critical: nothing. */
	assert_int_equal(ronda_alert_incident(db, &inc, RONDA_LANG_ID, T0, err, sizeof(err)), 0);
	assert_int_equal(q_int(db, "SELECT count(*) FROM alerts"), 0);
	inc.severity = RONDA_SEV_CRITICAL;
	assert_int_equal(ronda_alert_incident(db, &inc, RONDA_LANG_ID, T0, err, sizeof(err)), 1);
	/* Each later batch that touches it: nothing new. */
	inc.event_count = 5;
	assert_int_equal(ronda_alert_incident(db, &inc, RONDA_LANG_ID, T0, err, sizeof(err)), 0);
	/* Reopened and critical again: news again. */
	inc.reopen_count = 1;
	assert_int_equal(ronda_alert_incident(db, &inc, RONDA_LANG_ID, T0, err, sizeof(err)), 1);
	assert_int_equal(q_int(db, "SELECT count(*) FROM alerts WHERE type = 'incident_critical'"),
	    2);
	assert_int_equal(sqlite3_prepare_v2(db, "SELECT json FROM alerts ORDER BY seq LIMIT 1", -1,
	    &q, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_step(q), SQLITE_ROW);
	o = cJSON_Parse((const char *)sqlite3_column_text(q, 0));
	sqlite3_finalize(q);
	assert_non_null(o);
	assert_string_equal(str(o, "incident_id"), inc.id);
	assert_string_equal(str(o, "text"), "[KRITIS] Login berhasil setelah brute force — "
	    "Diskominfo Bontang (bontangkota.go.id), Kalimantan Timur, sejak 09:35 WITA: akun "
	    "admin. Indikator: ip 203.0.113.77, user admin. IP: 203.0.113.77.");
	cJSON_Delete(o);
	ronda_store_close(st);
}

/* Many variants through the schema with the real validator. */
static void
schema_validates(void **state)
{
	const char *src = getenv("RONDA_SRC");
	static const char *const kinds[] = { "gambling", "webshell", "bruteforce", "x\x1bq" };
	struct ronda_alert_site wit = { "jayapurakota.go.id", "", "", "", T0 };
	char path[300], cmd[1200], schema[512];
	struct stat sb;
	FILE *f;
	int rc, n = 0;

	(void)state;
	snprintf(schema, sizeof(schema), "%s/schemas/alert.schema.json", src != NULL ? src : ".");
	if (stat(schema, &sb) != 0)
		fail_msg("%s not found (set RONDA_SRC)", schema);
	if (access("/usr/bin/python3", X_OK) != 0)
		skip();
	snprintf(path, sizeof(path), "%s/alerts.jsonl", dir);
	f = fopen(path, "w");
	assert_non_null(f);
	for (int lang = 0; lang < 2; lang++)
		for (int t = 0; t < RONDA_ALERT_NTYPES; t++)
			for (size_t k = 0; k < 4; k++) {
				struct ronda_alert a = campaign(t);
				char *js;
				a.kind = kinds[k];
				if (t == RONDA_ALERT_INCIDENT_CRITICAL) {
					a.campaign_id = NULL;
					a.incident_id = "00112233445566778899aabbccddeeff";
					a.sites = &wit;
					a.nsites = 1;
					a.user = k == 3 ? "r\x01oot\xff" : NULL;
				}
				js = ronda_alert_json(&a, lang, T0 + (int64_t)n);
				assert_non_null(js);
				fprintf(f, "%s\n", js);
				free(js);
				n++;
			}
	fclose(f);
	snprintf(cmd, sizeof(cmd), "/usr/bin/python3 -c '"
	    "import json, sys, jsonschema\n"
	    "s = json.load(open(sys.argv[1]))\n"
	    "v = jsonschema.Draft202012Validator(s, format_checker="
	    "jsonschema.Draft202012Validator.FORMAT_CHECKER)\n"
	    "bad = 0\n"
	    "for n, l in enumerate(open(sys.argv[2])):\n"
	    "    for e in v.iter_errors(json.loads(l)):\n"
	    "        bad += 1; print(n, e.message)\n"
	    "sys.exit(1 if bad else 0)' '%s' '%s'", schema, path);
	rc = system(cmd);
	assert_int_equal(rc, 0);
	/* And the validator can fail: an alert without its incident id. */
	f = fopen(path, "w");
	assert_non_null(f);
	{
		struct ronda_alert a = campaign(RONDA_ALERT_INCIDENT_CRITICAL);
		char *js;
		a.campaign_id = NULL;
		js = ronda_alert_json(&a, 0, T0);
		fprintf(f, "%s\n", js);
		free(js);
	}
	fclose(f);
	strcat(cmd, " >/dev/null");
	assert_int_not_equal(system(cmd), 0);
}

static void
backoff_schedule(void **state)
{
	(void)state;
	assert_int_equal(ronda_alertd_backoff(1, 300000), 1000);
	assert_int_equal(ronda_alertd_backoff(2, 300000), 2000);
	assert_int_equal(ronda_alertd_backoff(3, 300000), 4000);
	assert_int_equal(ronda_alertd_backoff(9, 300000), 256000);
	assert_int_equal(ronda_alertd_backoff(10, 300000), 300000);
	assert_int_equal(ronda_alertd_backoff(1000000, 300000), 300000);
	assert_int_equal(ronda_alertd_backoff(0, 300000), 1000);
	assert_int_equal(ronda_alertd_backoff(5, 2000), 2000);
}

/* ---- the dispatcher with fake sinks ---- */

struct fake {
	int mode;		/* 0 confirm at once, 1 fail at once, 2 async */
	int fail_first;		/* mode 0: fail this many first */
	int sends;
	char ids[64][33];
	ronda_alert_done_fn done;
	void *ctx;
	int freed;
};

static int
fake_send(void *arg, const char *id, const char *json, size_t len, ronda_alert_done_fn done,
    void *ctx, char *e, size_t elen)
{
	struct fake *f = arg;

	assert_true(len > 0 && json[0] == '{');
	assert_non_null(strstr(json, id));
	if (f->sends < 64)
		snprintf(f->ids[f->sends], 33, "%s", id);
	f->sends++;
	if (f->mode == 2) {
		f->done = done;
		f->ctx = ctx;
		return RONDA_SINK_STARTED;
	}
	if (f->mode == 1 || f->fail_first-- > 0) {
		snprintf(e, elen, "fake refuses");
		return RONDA_SINK_FAILED;
	}
	return RONDA_SINK_DONE;
}

static void
fake_free(void *arg)
{
	((struct fake *)arg)->freed++;
}

static struct ronda_alert_sink
fake_sink(const char *name, struct fake *f)
{
	struct ronda_alert_sink s;

	memset(&s, 0, sizeof(s));
	snprintf(s.name, sizeof(s.name), "%s", name);
	s.arg = f;
	s.send = fake_send;
	s.free = fake_free;
	return s;
}

static void
raise_n(struct ronda_store *st, int from, int n)
{
	for (int i = from; i < from + n; i++) {
		struct ronda_alert a = campaign(RONDA_ALERT_CAMPAIGN_GREW);
		a.seq_key = i;
		assert_int_equal(ronda_store_begin(st), 0);
		assert_int_equal(ronda_alert_raise(ronda_store_db(st), &a, 0, T0, err,
		    sizeof(err)), 1);
		assert_int_equal(ronda_store_commit(st), 0);
	}
}

static void
id_of_seq(sqlite3 *db, int64_t seq, char out[33])
{
	sqlite3_stmt *q;

	assert_int_equal(sqlite3_prepare_v2(db, "SELECT id FROM alerts WHERE seq = ?", -1, &q,
	    NULL), SQLITE_OK);
	sqlite3_bind_int64(q, 1, seq);
	assert_int_equal(sqlite3_step(q), SQLITE_ROW);
	snprintf(out, 33, "%s", sqlite3_column_text(q, 0));
	sqlite3_finalize(q);
}

static void
dispatcher_order_retry_resume(void **state)
{
	struct ronda_store *st = fresh_store("alertd.db");
	sqlite3 *db = ronda_store_db(st);
	struct fake good = { 0 }, flaky = { .fail_first = 2 }, late = { 0 };
	struct ronda_alertd *d;
	struct ronda_alert_sink s;
	struct ronda_alertd_stats stats;
	char id[33];
	int64_t now = T0;

	(void)state;
	d = ronda_alertd_new(db, 4000, err, sizeof(err));
	assert_non_null(d);
	s = fake_sink("good", &good);
	assert_int_equal(ronda_alertd_add(d, &s, err, sizeof(err)), 0);
	s = fake_sink("flaky", &flaky);
	assert_int_equal(ronda_alertd_add(d, &s, err, sizeof(err)), 0);
	s = fake_sink("good", &late);
	assert_int_equal(ronda_alertd_add(d, &s, err, sizeof(err)), -1);	/* twice */
	assert_int_equal(late.freed, 1);
	raise_n(st, 0, 3);
	assert_int_equal(ronda_alertd_pending(d, "good"), 3);
	/* One per run and sink; in seq order. */
	ronda_alertd_run(d, now);
	ronda_alertd_run(d, now);
	ronda_alertd_run(d, now);
	assert_int_equal(good.sends, 3);
	for (int i = 0; i < 3; i++) {
		id_of_seq(db, i + 1, id);
		assert_string_equal(good.ids[i], id);
	}
	assert_int_equal(ronda_alertd_pending(d, "good"), 0);
	assert_int_equal(ronda_alertd_pending_db(db, "good"), 0);
	/* flaky: failed once, waits 1 s; not before. */
	assert_int_equal(flaky.sends, 1);
	assert_int_equal(q_int(db, "SELECT next_try FROM alert_deliveries WHERE sink = 'flaky'"
	    " AND alert_seq = 1 AND delivered = 0 AND attempts = 1 AND last_error ="
	    " 'fake refuses'") - now, 1000);
	ronda_alertd_run(d, now + 999);
	assert_int_equal(flaky.sends, 1);
	ronda_alertd_run(d, now + 1000);
	assert_int_equal(flaky.sends, 2);	/* failed again: 2 s */
	ronda_alertd_run(d, now + 2999);
	assert_int_equal(flaky.sends, 2);
	assert_int_equal(ronda_alertd_stats(d, "flaky", &stats), 0);
	assert_int_equal(stats.failures, 2);
	assert_int_equal(stats.head_attempts, 2);
	ronda_alertd_free(d, 0);
	assert_int_equal(good.freed, 1);
	assert_int_equal(flaky.freed, 1);

	/* A restart: flaky resumes alert 1 with its 2 attempts; good has nothing. */
	d = ronda_alertd_new(db, 4000, err, sizeof(err));
	s = fake_sink("good", &good);
	assert_int_equal(ronda_alertd_add(d, &s, err, sizeof(err)), 0);
	s = fake_sink("flaky", &flaky);
	assert_int_equal(ronda_alertd_add(d, &s, err, sizeof(err)), 0);
	assert_int_equal(ronda_alertd_pending(d, "flaky"), 3);
	ronda_alertd_run(d, now + 3000);
	assert_int_equal(good.sends, 3);
	assert_int_equal(flaky.sends, 3);
	id_of_seq(db, 1, id);
	assert_string_equal(flaky.ids[2], id);
	assert_int_equal(q_int(db, "SELECT attempts FROM alert_deliveries WHERE sink = 'flaky'"
	    " AND alert_seq = 1 AND delivered > 0"), 3);
	ronda_alertd_run(d, now + 3000);
	ronda_alertd_run(d, now + 3000);
	assert_int_equal(ronda_alertd_pending(d, "flaky"), 0);

	/* A sink configured later starts after the alerts already there. */
	s = fake_sink("late", &late);
	assert_int_equal(ronda_alertd_add(d, &s, err, sizeof(err)), 0);
	assert_int_equal(q_int(db, "SELECT alert_seq FROM alert_deliveries WHERE sink = 'late'"
	    " AND delivered = -1"), 3);
	assert_int_equal(ronda_alertd_pending(d, "late"), 0);
	raise_n(st, 10, 1);
	ronda_alertd_run(d, now + 4000);
	assert_int_equal(late.sends, 1);
	id_of_seq(db, 4, id);
	assert_string_equal(late.ids[0], id);
	/* Never inside a batch transaction. */
	raise_n(st, 11, 1);
	assert_int_equal(ronda_store_begin(st), 0);
	ronda_alertd_run(d, now + 5000);
	assert_int_equal(late.sends, 1);
	assert_int_equal(ronda_store_commit(st), 0);
	ronda_alertd_run(d, now + 5000);
	assert_int_equal(late.sends, 2);
	ronda_alertd_free(d, 0);
	ronda_store_close(st);
}

static int64_t fake_now;

static int64_t
fake_clock(void)
{
	return fake_now;
}

static void
dispatcher_async_and_max_backoff(void **state)
{
	struct ronda_store *st = fresh_store("async.db");
	sqlite3 *db = ronda_store_db(st);
	struct fake f = { .mode = 2 };
	struct ronda_alert_result r = { 0 };
	struct ronda_alertd *d;
	struct ronda_alert_sink s;
	int64_t now = T0;

	(void)state;
	d = ronda_alertd_new(db, 2000, err, sizeof(err));
	ronda_alertd_set_clock(d, fake_clock);
	fake_now = now;
	s = fake_sink("async", &f);
	assert_int_equal(ronda_alertd_add(d, &s, err, sizeof(err)), 0);
	raise_n(st, 0, 2);
	ronda_alertd_run(d, now);
	ronda_alertd_run(d, now);
	assert_int_equal(f.sends, 1);		/* one out at a time */
	r.ok = 0;
	r.err = "HTTP 503";
	r.retry_after = 60000;			/* capped by max_backoff */
	f.done(f.ctx, &r);
	ronda_alertd_run(d, now + 1999);
	assert_int_equal(f.sends, 1);
	r.retry_after = 0;
	for (int i = 0; i < 5; i++) {
		int64_t at = now + 2000 * (i + 1);
		fake_now = at;
		ronda_alertd_run(d, at);
		assert_int_equal(f.sends, 2 + i);
		f.done(f.ctx, &r);		/* 1 s, 2 s, then 2 s (the cap) */
	}
	assert_int_equal(q_int(db, "SELECT attempts FROM alert_deliveries WHERE sink = 'async'"
	    " AND alert_seq = 1"), 6);
	assert_true(q_int(db, "SELECT next_try FROM alert_deliveries WHERE sink = 'async'"
	    " AND alert_seq = 1") <= now + 12000 + 2000);
	fake_now = now + 20000;
	ronda_alertd_run(d, now + 20000);
	r.ok = 1;
	f.done(f.ctx, &r);
	assert_int_equal(ronda_alertd_pending(d, "async"), 1);
	ronda_alertd_run(d, now + 20000);
	assert_int_equal(f.sends, 8);
	f.done(f.ctx, &r);
	assert_int_equal(ronda_alertd_pending(d, "async"), 0);
	ronda_alertd_free(d, 0);
	ronda_store_close(st);
}

static void
file_sink_appends_lines(void **state)
{
	struct ronda_alert_sink s;
	char p[300], line[256];
	FILE *f;
	int n = 0;

	(void)state;
	snprintf(p, sizeof(p), "%s/alerts.out", dir);
	unlink(p);
	assert_int_equal(ronda_alert_file_new(&s, p, err, sizeof(err)), 0);
	assert_string_equal(s.name, "file");
	assert_int_equal(s.send(s.arg, "a", "{\"id\":\"a\"}", 10, NULL, NULL, err, sizeof(err)),
	    RONDA_SINK_DONE);
	assert_int_equal(s.send(s.arg, "b", "{\"id\":\"b\"}", 10, NULL, NULL, err, sizeof(err)),
	    RONDA_SINK_DONE);
	f = fopen(p, "r");
	assert_non_null(f);
	while (fgets(line, sizeof(line), f) != NULL) {
		assert_string_equal(line, n == 0 ? "{\"id\":\"a\"}\n" : "{\"id\":\"b\"}\n");
		n++;
	}
	fclose(f);
	assert_int_equal(n, 2);
	s.free(s.arg);
	snprintf(p, sizeof(p), "%s/no/such/dir/alerts.out", dir);
	assert_int_equal(ronda_alert_file_new(&s, p, err, sizeof(err)), 0);
	err[0] = '\0';
	assert_int_equal(s.send(s.arg, "a", "{}", 2, NULL, NULL, err, sizeof(err)),
	    RONDA_SINK_FAILED);
	assert_contains(err, "No such file");
	s.free(s.arg);
}

static void
webhook_url_parse(void **state)
{
	char host[64], path[64];
	int port;

	(void)state;
	assert_int_equal(ronda_alert_parse_url("http://127.0.0.1:8080/hooks/x?a=b", host,
	    sizeof(host), &port, path, sizeof(path), err, sizeof(err)), 0);
	assert_string_equal(host, "127.0.0.1");
	assert_int_equal(port, 8080);
	assert_string_equal(path, "/hooks/x?a=b");
	assert_int_equal(ronda_alert_parse_url("http://chat.soc.example", host, sizeof(host),
	    &port, path, sizeof(path), err, sizeof(err)), 0);
	assert_string_equal(host, "chat.soc.example");
	assert_int_equal(port, 80);
	assert_string_equal(path, "/");
	assert_int_equal(ronda_alert_parse_url("http://[::1]:9/?q", host, sizeof(host), &port,
	    path, sizeof(path), err, sizeof(err)), 0);
	assert_string_equal(host, "::1");
	assert_int_equal(port, 9);
	assert_string_equal(path, "/?q");
	static const char *const bad[] = { "ftp://x/", "http://", "http://:80/",
		"http://x:0/", "http://x:65536/", "http://x:8a/", "http://x:/", "http://u:p@x/",
		"http://x/a b", "http://x/\r\nX: y", "http://[::1/", "http://x/#frag",
		"127.0.0.1:80/x" };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (ronda_alert_parse_url(bad[i], host, sizeof(host), &port, path, sizeof(path),
		    err, sizeof(err)) != -1)
			fail_msg("accepted %s", bad[i]);
	/* https now (libcurl), default port 443. */
	assert_int_equal(ronda_alert_parse_url("https://api.telegram.org", host, sizeof(host),
	    &port, path, sizeof(path), err, sizeof(err)), 0);
	assert_int_equal(port, 443);
	assert_int_equal(ronda_alert_parse_url("ftp://x/", host, sizeof(host), &port, path,
	    sizeof(path), err, sizeof(err)), -1);
	assert_contains(err, "must start with http/https://");
	{
		struct ronda_alert_url u;
		assert_int_equal(ronda_alert_url_parse("SMTP://mail.kaltimprov.go.id", "smtp,smtps",
		    &u, err, sizeof(err)), 0);
		assert_string_equal(u.scheme, "smtp");
		assert_int_equal(u.port, 25);
		assert_int_equal(ronda_alert_url_parse("smtps://[::1]:4650", "smtp,smtps", &u, err,
		    sizeof(err)), 0);
		assert_int_equal(u.port, 4650);
		assert_string_equal(u.host, "::1");
		assert_int_equal(ronda_alert_url_parse("https://mail/", "smtp,smtps", &u, err,
		    sizeof(err)), -1);
		assert_contains(err, "must start with smtp/smtps://");
		assert_int_equal(ronda_alert_url_parse("smtp://u:p@mail/", "smtp,smtps", &u, err,
		    sizeof(err)), -1);
	}
}

static void
config_checks(void **state)
{
	struct ronda_correlator_config cfg;
	struct ronda_cfg_errors errs = { 0 };
	int rc;

	(void)state;
	memset(&cfg, 0, sizeof(cfg));
	rc = ronda_correlator_config_load_string("c.yaml",
	    "alerts:\n"
	    "  webhook:\n"
	    "    url: ftp://chat.example/hook\n"
	    "    headers: {\"Bad Name\": x, Content-Type: text/plain, X-Ok: \"a\\r\\nX-Evil: 1\"}\n",
	    &cfg, &errs);
	assert_int_equal(rc, -1);
	assert_int_equal(errs.n, 4);
	assert_contains(errs.v[0], "c.yaml:3: alerts.webhook.url: must start with http/https://");
	assert_contains(errs.v[1], "alerts.webhook.headers.Bad Name: not a header name");
	assert_contains(errs.v[2], "Content-Type: set by the webhook sink itself");
	assert_contains(errs.v[3], "X-Ok: control characters in the value");
	ronda_cfg_errors_free(&errs);
	ronda_correlator_config_free(&cfg);

	memset(&cfg, 0, sizeof(cfg));
	rc = ronda_correlator_config_load_string("c.yaml",
	    "alerts:\n"
	    "  language: en\n"
	    "  webhook: {url: \"http://127.0.0.1:9000/x\", timeout: 2s, max_backoff: 1m,\n"
	    "            headers: {Authorization: Bearer abc}}\n"
	    "  file: /var/log/ronda/alerts.jsonl\n", &cfg, &errs);
	assert_int_equal(rc, 0);
	assert_int_equal(cfg.alerts.language, RONDA_LANG_EN);
	assert_string_equal(cfg.alerts.kafka_topic, "ronda.alerts");
	assert_int_equal(cfg.alerts.webhook.timeout, 2000);
	assert_int_equal(cfg.alerts.webhook.max_backoff, 60000);
	ronda_cfg_errors_free(&errs);
	ronda_correlator_config_free(&cfg);
}

/* ---- formats (alert_format.c) ---- */

static struct ronda_alert_msg *
msg_of(const struct ronda_alert *a, int lang)
{
	char *js = ronda_alert_json(a, lang, T0 + 1900000);
	struct ronda_alert_msg *m;

	assert_non_null(js);
	m = ronda_alert_msg_parse(js, err, sizeof(err));
	free(js);
	assert_non_null(m);
	return m;
}

static void
assert_not_contains(const char *hay, const char *needle)
{
	if (strstr(hay, needle) != NULL)
		fail_msg("\"%s\" in \"%s\"", needle, hay);
}

/* A hostile single-site incident: markup in the agency, the account, the zone WIT. */
static struct ronda_alert
hostile_incident(struct ronda_alert_site *site, const struct ronda_alert_indicator *ind)
{
	struct ronda_alert a;

	*site = (struct ronda_alert_site){ "jayapurakota.go.id",
		"Dinas <b>Kominfo</b> & \"Co\"", "Papua", "Asia/Jayapura", T0 };
	memset(&a, 0, sizeof(a));
	a.type = RONDA_ALERT_INCIDENT_CRITICAL;
	a.incident_id = "00112233445566778899aabbccddeeff";
	a.kind = "compromise";
	a.severity = RONDA_SEV_CRITICAL;
	a.first_seen = a.last_seen = T0;
	a.sites = site;
	a.nsites = 1;
	a.ind = ind;
	a.nind = 1;
	a.ips = ips2;
	a.nips = 1;
	a.user = "<script>alert(1)</script>";
	return a;
}

static void
telegram_escapes_and_speaks_both(void **state)
{
	static const struct ronda_alert_indicator ua = { "user_agent",
		"<script>x</script> & <img src=x>" };
	struct ronda_alert_site site;
	struct ronda_alert a = hostile_incident(&site, &ua);
	struct ronda_alert_msg *m = msg_of(&a, RONDA_LANG_ID);
	struct ronda_buf b;
	const char *t;
	cJSON *o;

	(void)state;
	ronda_buf_init(&b, 0);
	assert_int_equal(ronda_alert_render_telegram(&b, m, "-1001234567890", RONDA_LANG_ID), 0);
	o = cJSON_Parse(b.data);
	assert_non_null(o);
	assert_true(cJSON_IsNumber(cJSON_GetObjectItem(o, "chat_id")));
	assert_string_equal(str(o, "parse_mode"), "HTML");
	assert_true(cJSON_IsTrue(cJSON_GetObjectItem(o, "disable_web_page_preview")));
	t = str(o, "text");
	/* Our own markup only: every < from the stream is an entity. */
	assert_contains(t, "<b>[KRITIS] Login berhasil setelah brute force — jayapurakota.go.id</b>");
	assert_contains(t, "akun &lt;script&gt;alert(1)&lt;/script&gt;");
	assert_contains(t, "Dinas &lt;b&gt;Kominfo&lt;/b&gt; &amp; &quot;Co&quot;");
	assert_contains(t, "&lt;script&gt;x&lt;/script&gt; &amp; &lt;img src=x&gt;");
	assert_contains(t, "sejak 10:35 WIT");
	assert_contains(t, "Insiden <code>00112233445566778899aabbccddeeff</code>");
	assert_not_contains(t, "<script");
	assert_not_contains(t, "<img");
	cJSON_Delete(o);
	/* The same alert for an English chat: English, whatever it was raised in. */
	ronda_buf_reset(&b);
	assert_int_equal(ronda_alert_render_telegram(&b, m, "@soc_kaltim", RONDA_LANG_EN), 0);
	o = cJSON_Parse(b.data);
	assert_string_equal(str(o, "chat_id"), "@soc_kaltim");
	t = str(o, "text");
	assert_contains(t, "<b>[CRITICAL] Successful login after brute force");
	assert_contains(t, "since 10:35 WIT: account &lt;script&gt;");
	assert_contains(t, "Incident <code>");
	cJSON_Delete(o);
	ronda_alert_msg_free(m);
	ronda_buf_release(&b);
}

static void
slack_escapes_and_lists_sites(void **state)
{
	static const struct ronda_alert_indicator ua = { "user_agent", "<!channel> & <x|y>" };
	struct ronda_alert_site site;
	struct ronda_alert a = hostile_incident(&site, &ua);
	struct ronda_alert_msg *m = msg_of(&a, RONDA_LANG_ID);
	struct ronda_buf b;
	const char *t;
	cJSON *o;

	(void)state;
	ronda_buf_init(&b, 0);
	assert_int_equal(ronda_alert_render_slack(&b, m, RONDA_LANG_ID), 0);
	o = cJSON_Parse(b.data);
	assert_non_null(o);
	assert_int_equal(cJSON_GetArraySize(o), 1);	/* {"text"} only */
	t = str(o, "text");
	assert_contains(t, "*[KRITIS] Login berhasil setelah brute force");
	assert_contains(t, "&lt;!channel&gt; &amp; &lt;x|y&gt;");
	assert_contains(t, "akun &lt;script&gt;");
	assert_not_contains(t, "<");
	cJSON_Delete(o);
	ronda_alert_msg_free(m);

	/* A campaign: its sites, each in its own zone (WITA, WIB). */
	a = campaign(RONDA_ALERT_CAMPAIGN_NEW);
	m = msg_of(&a, RONDA_LANG_ID);
	ronda_buf_reset(&b);
	assert_int_equal(ronda_alert_render_slack(&b, m, RONDA_LANG_EN), 0);
	o = cJSON_Parse(b.data);
	t = str(o, "text");
	assert_contains(t, "*[CRITICAL] Gambling-spam injection wave — 3 sites, Kalimantan Timur, "
	    "DKI Jakarta*");
	assert_contains(t, "Sites:\n• Diskominfo Kota Samarinda (samarindakota.go.id), "
	    "Kalimantan Timur — 09:35 WITA\n");
	assert_contains(t, "• Diskominfotik DKI Jakarta (jakarta.go.id), DKI Jakarta — 08:55 WIB");
	assert_contains(t, "Campaign `5f0c1d2e3f405162`");
	cJSON_Delete(o);
	ronda_alert_msg_free(m);
	ronda_buf_release(&b);
}

/* Decode base64 (the test's own, to check the encoder). */
static size_t
unb64(const char *in, char *out, size_t max)
{
	static const char a[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	unsigned v = 0;
	int bits = 0;
	size_t n = 0;

	for (; *in != '\0'; in++) {
		const char *p = strchr(a, *in);
		if (*in == '=' || p == NULL)
			continue;
		v = (v << 6) | (unsigned)(p - a);
		bits += 6;
		if (bits >= 8 && n < max) {
			bits -= 8;
			out[n++] = (char)((v >> bits) & 0xff);
		}
	}
	return n;
}

static void
email_message(void **state)
{
	static const char *const to[] = { "soc@kaltimprov.go.id", "piket@kaltimprov.go.id" };
	struct ronda_alert_mail mail = { "ronda@diskominfo.kaltimprov.go.id", to, 2 };
	struct ronda_alert a = campaign(RONDA_ALERT_CAMPAIGN_NEW);
	struct ronda_alert_msg *m = msg_of(&a, RONDA_LANG_ID);
	struct ronda_buf b;
	char id[33], want[128], body[8192], *hdr_end, *p;
	size_t n;

	(void)state;
	ronda_alert_make_id(id, &a);
	ronda_buf_init(&b, 0);
	assert_int_equal(ronda_alert_render_email(&b, m, &mail, RONDA_LANG_ID), 0);
	/* Every line ends in CRLF, none is longer than 78. */
	for (p = b.data; *p != '\0'; ) {
		char *e = strchr(p, '\n');
		assert_non_null(e);
		assert_true(e > p ? e[-1] == '\r' : 0 == 1 || e == p);
		if (e - p > 79)
			fail_msg("line of %d: %.*s", (int)(e - p), (int)(e - p), p);
		p = e + 1;
	}
	assert_contains(b.data, "Date: Fri, 20 Nov 2026 02:06:40 +0000\r\n");
	assert_contains(b.data, "From: Ronda <ronda@diskominfo.kaltimprov.go.id>\r\n");
	assert_contains(b.data, "To: soc@kaltimprov.go.id,\r\n piket@kaltimprov.go.id\r\n");
	snprintf(want, sizeof(want), "Message-ID: <%s@diskominfo.kaltimprov.go.id>\r\n",
	    id);
	assert_contains(b.data, want);
	assert_contains(b.data, "Content-Type: text/plain; charset=utf-8\r\n");
	assert_contains(b.data, "Content-Transfer-Encoding: base64\r\n");
	/* The subject has an em dash: RFC 2047 words, the first on the Subject line. */
	assert_contains(b.data, "Subject: =?UTF-8?B?");
	{
		char *s = strstr(b.data, "Subject: "), *e = strstr(s, "\r\nMessage-ID"), dec[512];
		struct ronda_buf words;
		ronda_buf_init(&words, 0);
		for (char *w = strstr(s, "=?UTF-8?B?"); w != NULL && w < e;
		    w = strstr(w + 1, "=?UTF-8?B?")) {
			char *q = strstr(w + 10, "?=");
			ronda_buf_append(&words, w + 10, (size_t)(q - w - 10));
			/* Each word whole: base64 of whole characters, decodable alone. */
			assert_int_equal((q - w - 10) % 4, 0);
		}
		ronda_buf_putc(&words, '\0');
		n = unb64(words.data, dec, sizeof(dec) - 1);
		dec[n] = '\0';
		assert_string_equal(dec, "[Ronda] [KRITIS] Gelombang injeksi spam judi online — "
		    "3 situs, Kalimantan Timur, DKI Jakarta");
		ronda_buf_release(&words);
	}
	hdr_end = strstr(b.data, "\r\n\r\n");
	assert_non_null(hdr_end);
	n = unb64(hdr_end + 4, body, sizeof(body) - 1);
	body[n] = '\0';
	assert_contains(body, "[KRITIS] Gelombang injeksi spam judi online — 3 situs, Kalimantan"
	    " Timur, DKI Jakarta sejak 09:35 WITA: Diskominfo Kota Samarinda");
	assert_contains(body, "\r\nSitus:\r\n• Diskominfo Kota Samarinda");
	assert_contains(body, "Dikirim oleh ronda-correlator.");
	for (size_t i = 0; i < n; i++)
		if (body[i] == '\n')
			assert_true(i > 0 && body[i - 1] == '\r');
	ronda_alert_msg_free(m);
	ronda_buf_release(&b);

	/* Plain ASCII stays plain; a long one is encoded (folded). */
	ronda_buf_init(&b, 0);
	assert_int_equal(ronda_alert_mime_header(&b, "Subject", "[Ronda] test"), 0);
	assert_string_equal(b.data, "Subject: [Ronda] test\r\n");
	ronda_buf_reset(&b);
	assert_int_equal(ronda_alert_mime_header(&b, "Subject", "x\r\nBcc: evil@example"), 0);
	assert_not_contains(b.data, "Bcc");
	ronda_buf_release(&b);
	assert_true(ronda_alert_addr_ok("soc@kaltimprov.go.id"));
	assert_false(ronda_alert_addr_ok("soc@kaltimprov.go.id>\r\nRCPT TO:<x@y"));
	assert_false(ronda_alert_addr_ok("Soc <soc@x>"));
	assert_false(ronda_alert_addr_ok("nobody"));
}

static void
json_format_in_sink_language(void **state)
{
	struct ronda_alert a = campaign(RONDA_ALERT_CAMPAIGN_NEW);
	struct ronda_alert_msg *m = msg_of(&a, RONDA_LANG_ID);
	struct ronda_buf b;
	cJSON *o;

	(void)state;
	ronda_buf_init(&b, 0);
	assert_int_equal(ronda_alert_render_json(&b, m, RONDA_LANG_EN), 0);
	o = cJSON_Parse(b.data);
	assert_string_equal(str(o, "language"), "en");
	assert_contains(str(o, "text"), "[CRITICAL] Gambling-spam injection wave — 3 sites");
	assert_string_equal(str(o, "title"), "Gambling-spam injection wave — 3 sites, "
	    "Kalimantan Timur, DKI Jakarta");
	assert_string_equal(str(o, "campaign_id"), "5f0c1d2e3f405162");
	cJSON_Delete(o);
	ronda_alert_msg_free(m);
	ronda_buf_release(&b);
}

static void
digest_document_and_text(void **state)
{
	struct ronda_alert a1 = campaign(RONDA_ALERT_CAMPAIGN_NEW);
	struct ronda_alert a2 = campaign(RONDA_ALERT_CAMPAIGN_GREW);
	char *j1 = ronda_alert_json(&a1, RONDA_LANG_ID, T0), *j2;
	const char *members[2];
	char key[33], key2[33], id1[33], *doc;
	struct ronda_alert_msg *m;
	struct ronda_buf b;
	cJSON *o;
	int64_t start = T0 - 300000;

	(void)state;
	a2.severity = RONDA_SEV_HIGH;
	j2 = ronda_alert_json(&a2, RONDA_LANG_ID, T0 + 60000);
	members[0] = j1;
	members[1] = j2;
	ronda_alert_make_id(id1, &a1);
	ronda_alert_digest_id(key, "5f0c1d2e3f405162", start, id1);
	ronda_alert_digest_id(key2, "5f0c1d2e3f405162", start + 600000, id1);
	assert_string_not_equal(key, key2);
	ronda_alert_digest_id(key2, "5f0c1d2e3f405162", start, id1);
	assert_string_equal(key, key2);
	doc = ronda_alert_digest_json(key, "5f0c1d2e3f405162", start, 600000, members, 2);
	assert_non_null(doc);
	o = cJSON_Parse(doc);
	assert_string_equal(str(o, "type"), "digest");
	assert_string_equal(str(o, "id"), key);
	assert_string_equal(str(o, "severity"), "critical");
	assert_string_equal(str(o, "interval_start"), "2026-11-20T01:30:00.000Z");
	assert_string_equal(str(o, "interval_end"), "2026-11-20T01:40:00.000Z");
	assert_int_equal(cJSON_GetObjectItem(o, "alert_count")->valueint, 2);
	assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(o, "alerts")), 2);
	cJSON_Delete(o);
	m = ronda_alert_msg_parse(doc, err, sizeof(err));
	assert_non_null(m);
	assert_string_equal(ronda_alert_msg_id(m), key);
	ronda_buf_init(&b, 0);
	assert_int_equal(ronda_alert_render_text(&b, m, RONDA_LANG_ID), 0);
	assert_contains(b.data, "[KRITIS] Ringkasan 10 menit, 09:30–09:40 WITA: 2 peringatan\n");
	assert_contains(b.data, "\n• [KRITIS] Gelombang injeksi spam judi online — 3 situs");
	assert_contains(b.data, "\n• [TINGGI] Gelombang injeksi spam judi online meluas ke 3 situs");
	assert_contains(b.data, "Situs:\n• Diskominfo Kota Samarinda");
	ronda_buf_reset(&b);
	assert_int_equal(ronda_alert_render_subject(&b, m, RONDA_LANG_EN), 0);
	assert_string_equal(b.data, "[Ronda] [CRITICAL] 10-minute digest, 09:30–09:40 WITA: 2 "
	    "alerts — Gambling-spam injection wave — 3 sites, Kalimantan Timur, DKI Jakarta");
	ronda_buf_release(&b);
	ronda_alert_msg_free(m);
	free(doc);
	free(j1);
	free(j2);
	assert_null(ronda_alert_msg_parse("{\"type\":\"nope\"}", err, sizeof(err)));
	assert_null(ronda_alert_msg_parse("[", err, sizeof(err)));
}

/* ---- the dispatcher's digests ---- */

struct dfake {
	int fail_first;
	int sends;
	char ids[16][33];
	char *json[16];
};

static int
dfake_send(void *arg, const char *id, const char *json, size_t len,
    ronda_alert_done_fn done, void *ctx, char *e, size_t elen)
{
	struct dfake *f = arg;

	(void)len;
	(void)done;
	(void)ctx;
	if (f->sends < 16) {
		snprintf(f->ids[f->sends], 33, "%s", id);
		f->json[f->sends] = strdup(json);
	}
	f->sends++;
	if (f->fail_first-- > 0) {
		snprintf(e, elen, "fake refuses");
		return RONDA_SINK_FAILED;
	}
	return RONDA_SINK_DONE;
}

static void
dfake_free(void *arg)
{
	(void)arg;
}

static void
raise_at(struct ronda_store *st, const char *campaign_id, int64_t seq_key, int64_t created)
{
	struct ronda_alert a = campaign(RONDA_ALERT_CAMPAIGN_GREW);

	if (campaign_id == NULL) {
		a.type = RONDA_ALERT_INCIDENT_CRITICAL;
		a.incident_id = "00112233445566778899aabbccddeeff";
	}
	a.campaign_id = campaign_id;
	a.seq_key = seq_key;
	assert_int_equal(ronda_store_begin(st), 0);
	assert_int_equal(ronda_alert_raise(ronda_store_db(st), &a, 0, created, err,
	    sizeof(err)), 1);
	assert_int_equal(ronda_store_commit(st), 0);
}

static int
digest_count(const char *json)
{
	cJSON *o = cJSON_Parse(json);
	int n;

	assert_non_null(o);
	n = cJSON_GetObjectItem(o, "alert_count")->valueint;
	cJSON_Delete(o);
	return n;
}

static void
dispatcher_digest_per_campaign(void **state)
{
	struct ronda_store *st = fresh_store("digest.db");
	sqlite3 *db = ronda_store_db(st);
	struct dfake f = { .fail_first = 1 };
	struct ronda_alert_sink s;
	struct ronda_alertd *d;
	int64_t bucket = T0 - 300000, due = bucket + 600000 + 2000;	/* 01:30-01:40 + grace */
	char id1[33], key[33];

	(void)state;
	memset(&s, 0, sizeof(s));
	snprintf(s.name, sizeof(s.name), "chat");
	s.arg = &f;
	s.send = dfake_send;
	s.free = dfake_free;
	s.digest = 600000;
	d = ronda_alertd_new(db, 4000, err, sizeof(err));
	assert_int_equal(ronda_alertd_add(d, &s, err, sizeof(err)), 0);
	raise_at(st, "aaaa000000000001", 1, T0 + 1000);		/* seq 1 */
	raise_at(st, "bbbb000000000002", 1, T0 + 2000);		/* seq 2 */
	raise_at(st, "aaaa000000000001", 2, T0 + 3000);		/* seq 3 */
	raise_at(st, NULL, 0, T0 + 4000);			/* seq 4, no campaign */
	raise_at(st, "aaaa000000000001", 3, T0 + 400000);	/* seq 5, next interval */
	/* Nothing before the interval is over. */
	ronda_alertd_run(d, T0 + 5000);
	ronda_alertd_run(d, due - 1);
	assert_int_equal(f.sends, 0);
	/* Campaign a: alerts 1 and 3, under the key of (a, interval, alert 1). Refused once. */
	ronda_alertd_run(d, due);
	assert_int_equal(f.sends, 1);
	id_of_seq(db, 1, id1);
	ronda_alert_digest_id(key, "aaaa000000000001", bucket, id1);
	assert_string_equal(f.ids[0], key);
	assert_int_equal(digest_count(f.json[0]), 2);
	/* A late alert of a in the same interval does not change the digest being retried. */
	raise_at(st, "aaaa000000000001", 4, T0 + 4500);		/* seq 6 */
	/*
	 * A restart: the members and the tries come back from the store (and,
	 * as for every sink, the head is tried again at once).
	 */
	ronda_alertd_free(d, 0);
	d = ronda_alertd_new(db, 4000, err, sizeof(err));
	assert_int_equal(ronda_alertd_add(d, &s, err, sizeof(err)), 0);
	ronda_alertd_run(d, due + 500);
	assert_int_equal(f.sends, 2);
	assert_string_equal(f.ids[1], key);
	assert_string_equal(f.json[1], f.json[0]);
	assert_int_equal(q_int(db, "SELECT attempts FROM alert_deliveries WHERE sink = 'chat'"
	    " AND alert_seq = 1 AND delivered > 0"), 2);
	/* Then b (alert 2); 3 went with a's digest; then the one without a campaign (4). */
	ronda_alertd_run(d, due + 1000);
	assert_int_equal(f.sends, 3);
	assert_int_equal(digest_count(f.json[2]), 1);
	assert_non_null(strstr(f.json[2], "bbbb000000000002"));
	ronda_alertd_run(d, due + 1000);
	assert_int_equal(f.sends, 4);
	assert_non_null(strstr(f.json[3], "incident_critical"));
	assert_null(strstr(f.json[3], "\"campaign_id\""));
	assert_int_equal(q_int(db, "SELECT delivered FROM alert_deliveries WHERE sink = 'chat'"
	    " AND alert_seq = 3") > 0, 1);
	/* 5 waits for the end of its own interval; the late 6 waits behind it. */
	ronda_alertd_run(d, due + 1000);
	assert_int_equal(f.sends, 4);
	assert_int_equal(ronda_alertd_pending(d, "chat"), 2);
	ronda_alertd_run(d, due + 600000);
	assert_int_equal(f.sends, 5);
	assert_int_equal(digest_count(f.json[4]), 1);
	assert_non_null(strstr(f.json[4], "\"interval_start\":\"2026-11-20T01:40:00.000Z\""));
	/* 6 went into no digest of its interval: it goes in one of its own, nothing lost. */
	ronda_alertd_run(d, due + 600000);
	assert_int_equal(f.sends, 6);
	assert_non_null(strstr(f.json[5], "\"interval_start\":\"2026-11-20T01:30:00.000Z\""));
	id_of_seq(db, 6, id1);
	ronda_alert_digest_id(key, "aaaa000000000001", bucket, id1);
	assert_string_equal(f.ids[5], key);
	assert_int_equal(ronda_alertd_pending(d, "chat"), 0);
	/* Every alert went out exactly once. */
	assert_int_equal(q_int(db, "SELECT count(*) FROM alert_digests WHERE sink = 'chat'"), 6);
	assert_int_equal(q_int(db, "SELECT count(DISTINCT alert_seq) FROM alert_digests"), 6);
	ronda_alertd_free(d, 0);
	for (int i = 0; i < f.sends && i < 16; i++)
		free(f.json[i]);
	ronda_store_close(st);
}

static void
sink_config_errors(void **state)
{
	struct ronda_correlator_config cfg;
	struct ronda_cfg_errors errs = { 0 };
	int rc;

	(void)state;
	memset(&cfg, 0, sizeof(cfg));
	rc = ronda_correlator_config_load_string("c.yaml",
	    "alerts:\n"
	    "  sinks:\n"
	    "    - name: chat\n"
	    "      format: telegram\n"
	    "      bot_token: \"123:abc\"\n"
	    "    - name: hook\n"
	    "      url: gopher://x/\n"
	    "      digest: 10x\n"
	    "    - name: mail\n"
	    "      type: email\n"
	    "      url: http://mail.example/\n"
	    "      from: ronda\n"
	    "      to: [soc@x.go.id, \"a b@c\"]\n"
	    "      password: p\n"
	    "      ca_file: /no/such/ca.pem\n"
	    "    - name: chat\n"
	    "      url: https://x/\n"
	    "      digest: 500ms\n"
	    "    - {name: kafka, url: \"https://x/\", format: slack}\n",
	    &cfg, &errs);
	assert_int_equal(rc, -1);
	{
		static const char *const want[] = {
			"c.yaml:3: alerts.sinks[0].chat_id: required for format telegram",
			"c.yaml:8: alerts.sinks[1].digest: expected a duration",
			"c.yaml:7: alerts.sinks[1].url: must start with http/https://",
			"c.yaml:11: alerts.sinks[2].url: must start with smtp/smtps://",
			"c.yaml:9: alerts.sinks[2].from: not an address",
			"c.yaml:9: alerts.sinks[2].to: a b@c is not an address",
			"c.yaml:9: alerts.sinks[2].username: required with a password",
			"c.yaml:9: alerts.sinks[2].ca_file: /no/such/ca.pem: No such file",
			"c.yaml:16: alerts.sinks[3].digest: at least 1s",
			"c.yaml:19: alerts.sinks[4].name: kafka is the name of the alerts.kafka_topic",
			"alerts.sinks: the name chat is given twice",
		};
		struct ronda_buf all;
		ronda_buf_init(&all, 0);
		for (size_t i = 0; i < errs.n; i++) {
			ronda_buf_puts(&all, errs.v[i]);
			ronda_buf_putc(&all, '\n');
		}
		for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++)
			assert_contains(all.data, want[i]);
		ronda_buf_release(&all);
	}
	ronda_cfg_errors_free(&errs);
	ronda_correlator_config_free(&cfg);

	memset(&cfg, 0, sizeof(cfg));
	rc = ronda_correlator_config_load_string("c.yaml",
	    "alerts:\n"
	    "  webhook: {url: \"https://hooks.example/ronda\"}\n"
	    "  sinks:\n"
	    "    - {name: soc-telegram, format: telegram, bot_token: \"123:AAbc-d_e\",\n"
	    "       chat_id: \"-100123\", digest: 10m, language: en}\n"
	    "    - {name: soc-mail, type: email, url: \"smtp://mail.kaltimprov.go.id:587\",\n"
	    "       from: ronda@kaltimprov.go.id, to: soc@kaltimprov.go.id,\n"
	    "       username: ronda, password_env: RONDA_SMTP_PASSWORD}\n", &cfg, &errs);
	for (size_t i = 0; i < errs.n; i++)
		print_message("%s\n", errs.v[i]);
	assert_int_equal(rc, 0);
	assert_int_equal(cfg.alerts.sinks.n, 2);
	{
		const struct ronda_alert_sink_cfg *v = cfg.alerts.sinks.v;
		const char *names[RONDA_ALERTD_MAX_SINKS];
		assert_int_equal(v[0].format, RONDA_FORMAT_TELEGRAM);
		assert_int_equal(v[0].digest, 600000);
		assert_int_equal(v[0].timeout, 10000);
		assert_int_equal(v[1].type, RONDA_SINKCFG_EMAIL);
		assert_int_equal(v[1].to.n, 1);
		assert_int_equal(ronda_alertd_sink_names(&cfg, names, RONDA_ALERTD_MAX_SINKS), 4);
		assert_string_equal(names[1], "webhook");
		assert_string_equal(names[3], "soc-mail");
	}
	ronda_cfg_errors_free(&errs);
	ronda_correlator_config_free(&cfg);
}

static void
secrets_from_file_and_env(void **state)
{
	char p[300], *s = NULL;
	FILE *f;

	(void)state;
	snprintf(p, sizeof(p), "%s/token", dir);
	f = fopen(p, "w");
	fputs("123:secret \n second line\n", f);
	fclose(f);
	assert_int_equal(ronda_alert_secret(NULL, p, NULL, &s, err, sizeof(err)), 0);
	assert_string_equal(s, "123:secret");
	free(s);
	assert_int_equal(ronda_alert_secret("inline", p, NULL, &s, err, sizeof(err)), 0);
	assert_string_equal(s, "inline");
	free(s);
	setenv("RONDA_TEST_SECRET", "from-env", 1);
	assert_int_equal(ronda_alert_secret(NULL, NULL, "RONDA_TEST_SECRET", &s, err,
	    sizeof(err)), 0);
	assert_string_equal(s, "from-env");
	free(s);
	assert_int_equal(ronda_alert_secret(NULL, NULL, "RONDA_TEST_NO_SUCH", &s, err,
	    sizeof(err)), -1);
	assert_contains(err, "RONDA_TEST_NO_SUCH is not set");
	assert_int_equal(ronda_alert_secret(NULL, "/no/such", NULL, &s, err, sizeof(err)), -1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(id_deterministic),
		cmocka_unit_test(json_and_text_indonesian),
		cmocka_unit_test(json_and_text_english),
		cmocka_unit_test(hostile_strings_escaped),
		cmocka_unit_test(raise_once_per_id),
		cmocka_unit_test(critical_incident_alert),
		cmocka_unit_test(schema_validates),
		cmocka_unit_test(backoff_schedule),
		cmocka_unit_test(dispatcher_order_retry_resume),
		cmocka_unit_test(dispatcher_async_and_max_backoff),
		cmocka_unit_test(file_sink_appends_lines),
		cmocka_unit_test(webhook_url_parse),
		cmocka_unit_test(config_checks),
		cmocka_unit_test(telegram_escapes_and_speaks_both),
		cmocka_unit_test(slack_escapes_and_lists_sites),
		cmocka_unit_test(email_message),
		cmocka_unit_test(json_format_in_sink_language),
		cmocka_unit_test(digest_document_and_text),
		cmocka_unit_test(dispatcher_digest_per_campaign),
		cmocka_unit_test(sink_config_errors),
		cmocka_unit_test(secrets_from_file_and_env),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
