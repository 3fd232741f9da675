/*
 * The read-only queries behind `ronda` and the HTTP API (correlator/query.c)
 * against a store filled here: filters, keyset pages that neither repeat nor
 * skip, ids by prefix, campaigns with their timeline, sites (event time and
 * processing time apart: silent, stalled, stores of schema version 5),
 * the summary's counts and rankings, hostile bytes kept valid in JSON, the
 * --since parser, and reads while the correlator holds a write transaction.
 */
#include <errno.h>
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

#include <sqlite3.h>

#include "query.h"
#include "store.h"

#define T0 1794787200000LL	/* 2026-11-16T00:00:00Z, 08:00 WITA */
#define MIN (60 * 1000LL)
#define HOUR (60 * MIN)

#define I1 "abcd0000000000000000000000000001"
#define I2 "abcd0000000000000000000000000002"
#define I3 "c3000000000000000000000000000003"
#define I4 "d4000000000000000000000000000004"
#define I5 "e5000000000000000000000000000005"
#define I6 "f6000000000000000000000000000006"
#define I7 "07000000000000000000000000000007"

static char dir[] = "/tmp/ronda-test-query.XXXXXX";
static char path[256];
static char err[512];
static struct ronda_store *W;	/* the writer, as the correlator holds it */

static void
wexec(const char *sql)
{
	char *msg = NULL;

	if (sqlite3_exec(ronda_store_db(W), sql, NULL, NULL, &msg) != SQLITE_OK) {
		fprintf(stderr, "%s\n%s\n", msg, sql);
		sqlite3_free(msg);
		fail();
	}
}

static void
wexecf(const char *fmt, ...)
{
	char *sql;
	va_list ap;

	va_start(ap, fmt);
	sql = sqlite3_vmprintf(fmt, ap);
	va_end(ap);
	wexec(sql);
	sqlite3_free(sql);
}

static void
incident(const char *id, const char *site, const char *kind, const char *key,
    const char *sev, const char *status, int64_t first, int64_t last, int64_t events,
    const char *ips)
{
	wexecf("INSERT INTO incidents VALUES (%Q, %Q, %Q, %Q, %Q, %Q, %lld, %lld, %lld, 0, 0,"
	    " %d, %Q, '[]', '[]')", id, site, kind, key, sev, status, (long long)first,
	    (long long)last, (long long)events, strcmp(site, "x.example") != 0, ips);
}

static void
evidence(const char *id, int seq, int64_t ts, const char *line)
{
	wexecf("INSERT INTO evidence VALUES (%Q, %d, %lld, %Q)", id, seq, (long long)ts, line);
}

static int
setup(void **state)
{
	(void)state;
	if (mkdtemp(dir) == NULL)
		return -1;
	snprintf(path, sizeof(path), "%s/ronda.db", dir);
	W = ronda_store_open(path, err, sizeof(err));
	if (W == NULL)
		return -1;
	wexec("BEGIN");
	wexec("INSERT INTO site_info VALUES ('a.go.id', 'Agency A', 'Kalimantan Timur', 'Asia/Makassar'),"
	    " ('b.go.id', 'Agency B', 'Kalimantan Timur', 'Asia/Makassar'),"
	    " ('c.go.id', 'Agency A', 'Kalimantan Timur', 'Asia/Makassar')");
	wexecf("INSERT INTO sites (id, known, last_event, last_heartbeat) VALUES ('a.go.id', 1, %lld, %lld), ('b.go.id', 1, %lld, %lld),"
	    " ('c.go.id', 1, %lld, %lld), ('x.example', 0, %lld, 0)",
	    T0 + 5 * HOUR, T0 + 5 * HOUR, T0 + 5 * HOUR, T0 + 4 * HOUR, T0 + HOUR, T0 + HOUR,
	    T0 + 2 * HOUR);
	wexecf("INSERT INTO offsets VALUES ('ronda.events', 0, 100, %lld, 0, 0)", T0 + 5 * HOUR);
	incident(I1, "a.go.id", "ssh_bruteforce", "203.0.113.5", "high", "closed", T0 + HOUR,
	    T0 + 2 * HOUR, 50, "[\"203.0.113.5\"]");
	incident(I2, "b.go.id", "ssh_bruteforce", "203.0.113.5", "high", "open", T0 + 90 * MIN,
	    T0 + 3 * HOUR, 40, "[\"203.0.113.5\"]");
	incident(I3, "a.go.id", "webshell", "198.51.100.7", "critical", "reopened", T0 + 4 * HOUR,
	    T0 + 5 * HOUR - MIN, 3, "[\"198.51.100.7\",\"198.51.100.8\"]");
	incident(I4, "c.go.id", "scan", "198.51.100.9", "low", "closed", T0 + 10 * MIN,
	    T0 + 20 * MIN, 30, "[\"198.51.100.9\"]");
	incident(I5, "b.go.id", "silent_site", "b.go.id", "medium", "open", T0 + 5 * HOUR,
	    T0 + 5 * HOUR, 1, "[]");
	/* Same last_seen as I1: the pages must order the tie by id. */
	incident(I6, "x.example", "gambling", "45.1.2.3", "critical", "open", T0 + 2 * HOUR,
	    T0 + 2 * HOUR, 7, "[\"45.1.2.3\"]");
	/* A corrupt attacker_ips column. */
	incident(I7, "a.go.id", "sqli", "1.2.3.4", "medium", "closed", T0 + 25 * MIN,
	    T0 + 30 * MIN, 2, "not json");
	wexecf("UPDATE incidents SET users = '[\"adm\\u001b[2Jin\"]', rule_ids = '[\"web.webshell.x\"]'"
	    " WHERE id = %Q", I3);
	wexecf("INSERT INTO indicators VALUES (%Q, 'ip', '198.51.100.7', %lld),"
	    " (%Q, 'path', '/wp-content/uploads/x.php', %lld)", I3, T0 + 4 * HOUR, I3,
	    T0 + 4 * HOUR + MIN);
	for (int i = 0; i < 4; i++) {
		evidence(I1, i, T0 + HOUR + i * MIN, "sshd[1]: Failed password for root from 203.0.113.5");
		evidence(I2, i, T0 + 90 * MIN + i * MIN, "sshd[2]: Failed password for admin from 203.0.113.5");
	}
	/* An attacker's line: a screen clear, a fake prompt, a byte that is not UTF-8. */
	evidence(I7, 0, T0 + 25 * MIN, "GET /?q=\x1b[2J\x1b[Hroot@soc:~# \xff| end");

	wexecf("INSERT INTO campaigns VALUES ('camp-ssh-1', 'brute-force', 'indicator', 'SSH botnet',"
	    " 'high', 'active', '', %lld, %lld, %lld, 2, 2, '[\"203.0.113.5\"]'),"
	    " ('camp-old', 'brute-force', 'indicator', 'old', 'medium', 'merged', 'camp-ssh-1',"
	    " %lld, %lld, 0, 1, 1, '[]'),"
	    " ('camp-cand', 'scan', 'wave', 'a candidate', 'low', 'candidate', '', %lld, %lld, 0,"
	    " 1, 1, '[]')", T0 + HOUR, T0 + 3 * HOUR, T0 + 90 * MIN, T0 + HOUR, T0 + 2 * HOUR,
	    T0 + 10 * MIN, T0 + 20 * MIN);
	wexecf("INSERT INTO campaign_sites VALUES ('camp-ssh-1', 'b.go.id', %lld, %lld, 1),"
	    " ('camp-ssh-1', 'a.go.id', %lld, %lld, 1), ('camp-cand', 'c.go.id', %lld, %lld, 1)",
	    T0 + 90 * MIN, T0 + 3 * HOUR, T0 + HOUR, T0 + 2 * HOUR, T0 + 10 * MIN, T0 + 20 * MIN);
	wexecf("INSERT INTO campaign_incidents (campaign_id, incident_id, site, joined, via_type,"
	    " via_value, via_weight) VALUES ('camp-ssh-1', %Q, 'a.go.id', %lld, 'founder', '', 0),"
	    " ('camp-ssh-1', %Q, 'b.go.id', %lld, 'ip', '203.0.113.5', 0.75),"
	    " ('camp-cand', %Q, 'c.go.id', %lld, 'wave', 'bruteforce', 0)",
	    I1, T0 + HOUR, I2, T0 + 90 * MIN, I4, T0 + 10 * MIN);
	wexec("INSERT INTO campaign_indicators VALUES ('camp-ssh-1', 'ip', '203.0.113.5', 2, 1.5)");
	wexecf("INSERT INTO campaign_merges VALUES ('camp-old', 'camp-ssh-1', %lld, 'ip',"
	    " '203.0.113.5')", T0 + 2 * HOUR);
	wexec("COMMIT");
	return 0;
}

static int
teardown(void **state)
{
	char cmd[300];

	(void)state;
	ronda_store_close(W);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd) == 0 ? 0 : -1;
}

static struct ronda_query *
qopen(void)
{
	struct ronda_query *q = ronda_query_open(path, err, sizeof(err));

	if (q == NULL)
		fprintf(stderr, "%s\n", err);
	assert_non_null(q);
	return q;
}

static const char *
sget(const cJSON *o, const char *name)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, name);

	assert_true(cJSON_IsString(v));
	return v->valuestring;
}

static int64_t
nget(const cJSON *o, const char *name)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, name);

	assert_true(cJSON_IsNumber(v));
	return (int64_t)v->valuedouble;
}

static const cJSON *
get(const cJSON *o, const char *name)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, name);

	assert_non_null(v);
	return v;
}

/* The ids of a list, joined with spaces. */
static const char *
ids(const cJSON *arr)
{
	static char out[1024];
	const cJSON *it;

	out[0] = '\0';
	cJSON_ArrayForEach(it, arr) {
		if (out[0] != '\0')
			strcat(out, " ");
		strncat(out, sget(it, "id"), 64);
	}
	return out;
}

/* ---- open ---------------------------------------------------------------- */

static void
open_errors_say_what_is_wrong(void **state)
{
	char p[300];
	FILE *f;
	sqlite3 *h;

	(void)state;
	snprintf(p, sizeof(p), "%s/none.db", dir);
	errno = 0;
	assert_null(ronda_query_open(p, err, sizeof(err)));
	assert_int_equal(errno, ENOENT);
	assert_non_null(strstr(err, "none.db: no such store"));

	snprintf(p, sizeof(p), "%s/text.db", dir);
	f = fopen(p, "w");
	fputs("this is not a database, just text that is long enough to have a header page\n", f);
	fclose(f);
	assert_null(ronda_query_open(p, err, sizeof(err)));
	assert_non_null(strstr(err, "text.db: not a Ronda store"));

	/* A SQLite file of something else. */
	snprintf(p, sizeof(p), "%s/other.db", dir);
	assert_int_equal(sqlite3_open(p, &h), SQLITE_OK);
	assert_int_equal(sqlite3_exec(h, "CREATE TABLE t (x)", NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(h);
	assert_null(ronda_query_open(p, err, sizeof(err)));
	assert_non_null(strstr(err, "other.db: not a Ronda store"));

	/* A Ronda store from a newer correlator. */
	snprintf(p, sizeof(p), "%s/newer.db", dir);
	assert_int_equal(sqlite3_open(p, &h), SQLITE_OK);
	assert_int_equal(sqlite3_exec(h, ronda_store_ddl(), NULL, NULL, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_exec(h, "PRAGMA user_version = 10", NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(h);
	assert_null(ronda_query_open(p, err, sizeof(err)));
	assert_non_null(strstr(err, "store schema version 10"));

	assert_null(ronda_query_open(dir, err, sizeof(err)));
	assert_non_null(strstr(err, "not a Ronda store"));
}

/* Read-only: the store file is not changed by a reader. */
static void
reader_cannot_write(void **state)
{
	struct ronda_query *q = qopen();
	struct ronda_query_filter f;
	cJSON *o = NULL;

	(void)state;
	ronda_query_filter_init(&f);
	/* A site filter is bound, never pasted: this matches nothing and drops nothing. */
	f.site = "a.go.id'; DROP TABLE incidents; --";
	assert_int_equal(ronda_query_incidents(q, &f, &o, NULL), RONDA_QUERY_OK);
	assert_int_equal(cJSON_GetArraySize(o), 0);
	cJSON_Delete(o);
	ronda_query_filter_init(&f);
	assert_int_equal(ronda_query_incidents(q, &f, &o, NULL), RONDA_QUERY_OK);
	assert_int_equal(cJSON_GetArraySize(o), 7);
	cJSON_Delete(o);
	ronda_query_close(q);
}

/* ---- incidents ------------------------------------------------------------- */

static void
incidents_filters(void **state)
{
	struct ronda_query *q = qopen();
	struct ronda_query_filter f;
	struct ronda_query_page pg;
	cJSON *o = NULL;

	(void)state;
	ronda_query_filter_init(&f);
	assert_int_equal(ronda_query_incidents(q, &f, &o, &pg), RONDA_QUERY_OK);
	/* Newest last_seen first; the I1/I6 tie by id, descending. */
	assert_string_equal(ids(o), I5 " " I3 " " I2 " " I6 " " I1 " " I7 " " I4);
	assert_int_equal(pg.total, 7);
	assert_string_equal(pg.next_cursor, "");
	cJSON_Delete(o);

	f.since = T0 + 2 * HOUR;	/* last_seen >= since */
	assert_int_equal(ronda_query_incidents(q, &f, &o, &pg), RONDA_QUERY_OK);
	assert_string_equal(ids(o), I5 " " I3 " " I2 " " I6 " " I1);
	cJSON_Delete(o);
	f.until = T0 + 2 * HOUR;	/* and first_seen < until */
	assert_int_equal(ronda_query_incidents(q, &f, &o, &pg), RONDA_QUERY_OK);
	assert_string_equal(ids(o), I2 " " I1);
	cJSON_Delete(o);

	ronda_query_filter_init(&f);
	f.severity = "high";		/* high or worse */
	assert_int_equal(ronda_query_incidents(q, &f, &o, &pg), RONDA_QUERY_OK);
	assert_string_equal(ids(o), I3 " " I2 " " I6 " " I1);
	cJSON_Delete(o);
	f.site = "a.go.id";
	assert_int_equal(ronda_query_incidents(q, &f, &o, &pg), RONDA_QUERY_OK);
	assert_string_equal(ids(o), I3 " " I1);
	assert_int_equal(pg.total, 2);
	cJSON_Delete(o);

	ronda_query_filter_init(&f);
	f.status = "active";		/* open or reopened */
	assert_int_equal(ronda_query_incidents(q, &f, &o, &pg), RONDA_QUERY_OK);
	assert_string_equal(ids(o), I5 " " I3 " " I2 " " I6);
	cJSON_Delete(o);
	f.status = "reopened";
	f.kind = "webshell";
	assert_int_equal(ronda_query_incidents(q, &f, &o, &pg), RONDA_QUERY_OK);
	assert_string_equal(ids(o), I3);
	cJSON_Delete(o);

	/* Values that can never match are errors naming the field. */
	ronda_query_filter_init(&f);
	f.kind = "sql_injection";
	assert_int_equal(ronda_query_incidents(q, &f, &o, &pg), RONDA_QUERY_BADARG);
	assert_null(o);
	assert_non_null(strstr(ronda_query_errmsg(q), "kind"));
	f.kind = NULL;
	f.severity = "urgent";
	assert_int_equal(ronda_query_incidents(q, &f, &o, &pg), RONDA_QUERY_BADARG);
	assert_non_null(strstr(ronda_query_errmsg(q), "severity"));
	f.severity = NULL;
	f.status = "pending";
	assert_int_equal(ronda_query_incidents(q, &f, &o, &pg), RONDA_QUERY_BADARG);
	f.status = NULL;
	f.limit = -1;
	assert_int_equal(ronda_query_incidents(q, &f, &o, &pg), RONDA_QUERY_BADARG);
	f.limit = 0;
	f.since = T0 + 3 * HOUR;
	f.until = T0;
	assert_int_equal(ronda_query_incidents(q, &f, &o, &pg), RONDA_QUERY_BADARG);
	ronda_query_close(q);
}

/* Pages by cursor cover every row once, also across a tie in last_seen. */
static void
incidents_pages(void **state)
{
	struct ronda_query *q = qopen();
	struct ronda_query_filter f;
	struct ronda_query_page pg;
	char all[1024] = "", cur[RONDA_QUERY_CURSOR_MAX];
	cJSON *o = NULL;
	int pages = 0;

	(void)state;
	ronda_query_filter_init(&f);
	f.limit = 2;
	do {
		assert_int_equal(ronda_query_incidents(q, &f, &o, &pg), RONDA_QUERY_OK);
		assert_true(cJSON_GetArraySize(o) <= 2);
		assert_int_equal(pg.total, 7);
		if (all[0] != '\0')
			strcat(all, " ");
		strcat(all, ids(o));
		cJSON_Delete(o);
		memcpy(cur, pg.next_cursor, sizeof(cur));
		f.cursor = cur;
		pages++;
	} while (cur[0] != '\0' && pages < 10);
	assert_int_equal(pages, 4);
	assert_string_equal(all, I5 " " I3 " " I2 " " I6 " " I1 " " I7 " " I4);

	/* A new incident committed between pages does not shift the later ones. */
	ronda_query_filter_init(&f);
	f.limit = 3;
	assert_int_equal(ronda_query_incidents(q, &f, &o, &pg), RONDA_QUERY_OK);
	cJSON_Delete(o);
	memcpy(cur, pg.next_cursor, sizeof(cur));
	incident("99000000000000000000000000000099", "a.go.id", "scan", "9.9.9.9", "low", "open",
	    T0 + 6 * HOUR, T0 + 6 * HOUR, 30, "[]");
	f.cursor = cur;
	assert_int_equal(ronda_query_incidents(q, &f, &o, &pg), RONDA_QUERY_OK);
	assert_string_equal(ids(o), I6 " " I1 " " I7);
	assert_int_equal(pg.total, 8);
	cJSON_Delete(o);
	wexec("DELETE FROM incidents WHERE id = '99000000000000000000000000000099'");

	/* Offset paging, and the cap on limit. */
	ronda_query_filter_init(&f);
	f.limit = 2;
	f.offset = 5;
	assert_int_equal(ronda_query_incidents(q, &f, &o, &pg), RONDA_QUERY_OK);
	assert_string_equal(ids(o), I7 " " I4);
	assert_string_equal(pg.next_cursor, "");
	cJSON_Delete(o);

	/* Cursors this code did not make are refused. */
	ronda_query_filter_init(&f);
	for (const char *bad[] = { "x", "12", "12.", "-5.61", "12.6g", "12.610", "12.00",
	    "99999999999999999999999.61", NULL }, **b = bad; *b != NULL; b++) {
		f.cursor = *b;
		assert_int_equal(ronda_query_incidents(q, &f, &o, &pg), RONDA_QUERY_BADARG);
		assert_null(o);
	}
	ronda_query_close(q);
}

static void
incident_object(void **state)
{
	struct ronda_query *q = qopen();
	cJSON *o = NULL;
	const cJSON *ev;
	char *text;

	(void)state;
	assert_int_equal(ronda_query_incident(q, I3, &o), RONDA_QUERY_OK);
	assert_string_equal(sget(o, "site"), "a.go.id");
	assert_string_equal(sget(o, "status"), "reopened");
	assert_string_equal(sget(o, "first_seen"), "2026-11-16T04:00:00.000Z");
	assert_true(cJSON_IsTrue(get(o, "site_known")));
	assert_int_equal(cJSON_GetArraySize(get(o, "attacker_ips")), 2);
	assert_int_equal(cJSON_GetArraySize(get(o, "indicators")), 2);
	assert_string_equal(sget(cJSON_GetArrayItem(get(o, "indicators"), 1), "value"),
	    "/wp-content/uploads/x.php");
	/* The user name keeps its ESC as a character; printing escapes it. */
	assert_string_equal(cJSON_GetArrayItem(get(o, "users"), 0)->valuestring, "adm\x1b[2Jin");
	text = cJSON_PrintUnformatted(o);
	assert_null(strchr(text, 0x1b));
	assert_non_null(strstr(text, "adm\\u001b[2Jin"));
	free(text);
	cJSON_Delete(o);

	/* Corrupt attacker_ips reads as none; a byte that is not UTF-8 as \xff text. */
	assert_int_equal(ronda_query_incident(q, I7, &o), RONDA_QUERY_OK);
	assert_int_equal(cJSON_GetArraySize(get(o, "attacker_ips")), 0);
	ev = cJSON_GetArrayItem(get(o, "evidence"), 0);
	assert_string_equal(sget(ev, "line"), "GET /?q=\x1b[2J\x1b[Hroot@soc:~# \\xff| end");
	assert_string_equal(sget(ev, "ts"), "2026-11-16T00:25:00.000Z");
	cJSON_Delete(o);

	assert_int_equal(ronda_query_incident(q, "ffff0000000000000000000000000000", &o),
	    RONDA_QUERY_NOTFOUND);
	assert_null(o);
	assert_int_equal(ronda_query_incident(q, "abcd", &o), RONDA_QUERY_BADARG);
	assert_int_equal(ronda_query_incident(q, "ABCD0000000000000000000000000001", &o),
	    RONDA_QUERY_BADARG);
	ronda_query_close(q);
}

static void
ids_by_prefix(void **state)
{
	struct ronda_query *q = qopen();
	char id[80];

	(void)state;
	assert_int_equal(ronda_query_resolve(q, RONDA_QUERY_INCIDENT, "c300", id, sizeof(id)),
	    RONDA_QUERY_OK);
	assert_string_equal(id, I3);
	assert_int_equal(ronda_query_resolve(q, RONDA_QUERY_INCIDENT, I1, id, sizeof(id)),
	    RONDA_QUERY_OK);
	assert_string_equal(id, I1);
	/* Two incidents start with abcd: ambiguous; too short; not hex; none. */
	assert_int_equal(ronda_query_resolve(q, RONDA_QUERY_INCIDENT, "abcd", id, sizeof(id)),
	    RONDA_QUERY_BADARG);
	assert_non_null(strstr(ronda_query_errmsg(q), "several"));
	assert_int_equal(ronda_query_resolve(q, RONDA_QUERY_INCIDENT, "c3", id, sizeof(id)),
	    RONDA_QUERY_BADARG);
	assert_int_equal(ronda_query_resolve(q, RONDA_QUERY_INCIDENT, "c3'--", id, sizeof(id)),
	    RONDA_QUERY_BADARG);
	assert_int_equal(ronda_query_resolve(q, RONDA_QUERY_INCIDENT, "0123", id, sizeof(id)),
	    RONDA_QUERY_NOTFOUND);
	assert_int_equal(ronda_query_resolve(q, RONDA_QUERY_CAMPAIGN, "camp-s", id, sizeof(id)),
	    RONDA_QUERY_OK);
	assert_string_equal(id, "camp-ssh-1");
	assert_int_equal(ronda_query_resolve(q, RONDA_QUERY_CAMPAIGN, "camp", id, sizeof(id)),
	    RONDA_QUERY_BADARG);
	ronda_query_close(q);
}

/* ---- campaigns ------------------------------------------------------------- */

static void
campaigns_list_and_timeline(void **state)
{
	struct ronda_query *q = qopen();
	struct ronda_query_filter f;
	struct ronda_query_page pg;
	cJSON *o = NULL;
	const cJSON *it;

	(void)state;
	ronda_query_filter_init(&f);
	/* Merged campaigns live on in the one they merged into. */
	assert_int_equal(ronda_query_campaigns(q, &f, &o, &pg), RONDA_QUERY_OK);
	assert_string_equal(ids(o), "camp-ssh-1 camp-cand");
	assert_int_equal(pg.total, 2);
	it = cJSON_GetArrayItem(o, 0);
	assert_string_equal(sget(it, "reported"), "2026-11-16T01:30:00.000Z");
	assert_true(cJSON_IsNull(get(it, "merged_into")));
	/* Sites in the order they were hit, with their agency and zone. */
	assert_string_equal(sget(cJSON_GetArrayItem(get(it, "sites"), 0), "site"), "a.go.id");
	assert_string_equal(sget(cJSON_GetArrayItem(get(it, "sites"), 0), "timezone"),
	    "Asia/Makassar");
	assert_string_equal(sget(cJSON_GetArrayItem(get(it, "sites"), 1), "agency"), "Agency B");
	assert_string_equal(sget(cJSON_GetArrayItem(get(it, "merged_from"), 0), "id"), "camp-old");
	/* Its incidents' ids in joining order. */
	assert_int_equal(cJSON_GetArraySize(get(it, "incident_ids")), 2);
	assert_string_equal(cJSON_GetArrayItem(get(it, "incident_ids"), 1)->valuestring, I2);
	assert_null(cJSON_GetObjectItemCaseSensitive(it, "evidence"));
	cJSON_Delete(o);

	f.status = "merged";
	assert_int_equal(ronda_query_campaigns(q, &f, &o, &pg), RONDA_QUERY_OK);
	assert_string_equal(ids(o), "camp-old");
	assert_string_equal(sget(cJSON_GetArrayItem(o, 0), "merged_into"), "camp-ssh-1");
	cJSON_Delete(o);
	f.status = "active";
	f.site = "c.go.id";
	assert_int_equal(ronda_query_campaigns(q, &f, &o, &pg), RONDA_QUERY_OK);
	assert_int_equal(cJSON_GetArraySize(o), 0);
	cJSON_Delete(o);
	f.status = "on fire";
	assert_int_equal(ronda_query_campaigns(q, &f, &o, &pg), RONDA_QUERY_BADARG);

	assert_int_equal(ronda_query_campaign(q, "camp-ssh-1", &o), RONDA_QUERY_OK);
	assert_int_equal(cJSON_GetArraySize(get(o, "incidents")), 2);
	it = cJSON_GetArrayItem(get(o, "incidents"), 1);
	assert_string_equal(sget(it, "id"), I2);
	assert_string_equal(sget(it, "kind"), "ssh_bruteforce");
	assert_int_equal(nget(it, "event_count"), 40);
	/* Why it is a member: the address that linked it, and its weight. */
	assert_string_equal(sget(get(it, "via"), "type"), "ip");
	assert_string_equal(sget(get(it, "via"), "value"), "203.0.113.5");
	assert_true(cJSON_GetObjectItem(get(it, "via"), "weight")->valuedouble > 0.7);
	/* Evidence: at most 3 lines per site (4 stored each), oldest first. */
	assert_int_equal(cJSON_GetArraySize(get(o, "evidence")), 6);
	assert_string_equal(sget(cJSON_GetArrayItem(get(o, "evidence"), 0), "site"), "a.go.id");
	assert_int_equal(nget(cJSON_GetArrayItem(get(o, "indicators"), 0), "sites"), 2);
	cJSON_Delete(o);
	/* From an incident to its campaigns: the candidate too, never a merged one. */
	assert_int_equal(ronda_query_incident_campaigns(q, I2, &o), RONDA_QUERY_OK);
	assert_string_equal(ids(o), "camp-ssh-1");
	assert_int_equal(nget(cJSON_GetArrayItem(o, 0), "site_count"), 2);
	cJSON_Delete(o);
	assert_int_equal(ronda_query_incident_campaigns(q, I3, &o), RONDA_QUERY_OK);
	assert_int_equal(cJSON_GetArraySize(o), 0);
	cJSON_Delete(o);
	assert_int_equal(ronda_query_incident_campaigns(q, "nope", &o), RONDA_QUERY_BADARG);
	assert_int_equal(ronda_query_campaign(q, "camp-none", &o), RONDA_QUERY_NOTFOUND);
	assert_int_equal(ronda_query_campaign(q, "camp\x1b", &o), RONDA_QUERY_BADARG);
	ronda_query_close(q);
}

/* ---- sites ----------------------------------------------------------------- */

static const cJSON *
site(const cJSON *arr, const char *id)
{
	const cJSON *it;

	cJSON_ArrayForEach(it, arr)
		if (strcmp(sget(it, "id"), id) == 0)
			return it;
	fail_msg("no site %s", id);
	return NULL;
}

static void
sites_silent_and_lag(void **state)
{
	struct ronda_query *q = qopen();
	struct ronda_query_filter f;
	cJSON *o = NULL;
	const cJSON *s;
	const int64_t now = T0 + 5 * HOUR;	/* the reader's wall clock */

	(void)state;
	ronda_query_filter_init(&f);
	assert_int_equal(ronda_query_sites(q, &f, now, &o), RONDA_QUERY_OK);
	assert_string_equal(ids(o), "a.go.id b.go.id c.go.id x.example");
	s = site(o, "a.go.id");
	assert_false(cJSON_IsTrue(get(s, "silent")));
	assert_false(cJSON_IsTrue(get(s, "stalled")));
	assert_int_equal(nget(s, "lag_ms"), 0);
	assert_int_equal(nget(s, "open_incidents"), 1);	/* I3 reopened */
	assert_int_equal(nget(s, "incidents"), 3);
	assert_int_equal(nget(s, "active_campaigns"), 1);
	assert_int_equal(nget(s, "late"), 0);
	/* No setting stored: the correlator's default. */
	assert_int_equal(nget(s, "silent_after_ms"), 15 * MIN);
	/* b: an open silent_site incident after its last heartbeat. */
	s = site(o, "b.go.id");
	assert_true(cJSON_IsTrue(get(s, "silent")));
	assert_int_equal(nget(s, "heard_age_ms"), HOUR);
	assert_int_equal(nget(s, "heartbeat_age_ms"), HOUR);
	/* c: last heard 4 hours before the reader's clock. */
	s = site(o, "c.go.id");
	assert_true(cJSON_IsTrue(get(s, "silent")));
	assert_int_equal(nget(s, "heard_age_ms"), 4 * HOUR);
	assert_int_equal(nget(s, "lag_ms"), 4 * HOUR);
	/* x: heard from, not configured, never a heartbeat. */
	s = site(o, "x.example");
	assert_false(cJSON_IsTrue(get(s, "known")));
	assert_false(cJSON_IsTrue(get(s, "silent")));
	assert_false(cJSON_IsTrue(get(s, "stalled")));
	assert_true(cJSON_IsNull(get(s, "last_heard")));
	assert_true(cJSON_IsNull(get(s, "last_heartbeat")));
	assert_true(cJSON_IsNull(get(s, "heard_age_ms")));
	assert_true(cJSON_IsNull(get(s, "events_heard")));
	assert_string_equal(sget(s, "agency"), "");
	cJSON_Delete(o);

	/* A heartbeat after the silence ends it, though the incident is still open. */
	wexecf("UPDATE sites SET last_heartbeat = %lld WHERE id = 'b.go.id'", T0 + 5 * HOUR);
	f.site = "b.go.id";
	assert_int_equal(ronda_query_sites(q, &f, now, &o), RONDA_QUERY_OK);
	assert_int_equal(cJSON_GetArraySize(o), 1);
	assert_false(cJSON_IsTrue(get(cJSON_GetArrayItem(o, 0), "silent")));
	cJSON_Delete(o);
	wexecf("UPDATE sites SET last_heartbeat = %lld WHERE id = 'b.go.id'", T0 + 4 * HOUR);
	f.site = "nowhere.go.id";
	assert_int_equal(ronda_query_sites(q, &f, now, &o), RONDA_QUERY_NOTFOUND);
	assert_int_equal(ronda_query_latest(q), T0 + 5 * HOUR);
	ronda_query_close(q);
}

/* One site's object, read at the reader's clock now. */
static cJSON *
one_site(struct ronda_query *q, const char *id, int64_t now)
{
	struct ronda_query_filter f;
	cJSON *o = NULL;

	ronda_query_filter_init(&f);
	f.site = id;
	assert_int_equal(ronda_query_sites(q, &f, now, &o), RONDA_QUERY_OK);
	assert_int_equal(cJSON_GetArraySize(o), 1);
	return o;
}

static int
flag(const cJSON *arr, const char *name)
{
	return cJSON_IsTrue(get(cJSON_GetArrayItem(arr, 0), name));
}

/*
 * Last month's logs imported today: the site's newest event is a month old
 * (event time) while its collector was heard a minute ago (processing
 * time). Neither clock stands in for the other: the site is alive, its lag
 * counts in event time, and the store's newest event stays the logs' own.
 */
static void
sites_last_event_and_last_heard_apart(void **state)
{
	struct ronda_query *q = qopen();
	const int64_t wall = T0 + 30 * 24 * HOUR;
	const cJSON *s;
	cJSON *o;

	(void)state;
	wexecf("INSERT INTO sites (id, known, last_event, last_heartbeat, late, events_heard)"
	    " VALUES ('imp.go.id', 1, %lld, %lld, 7, %lld)", T0 + 3 * HOUR, wall - MIN,
	    wall - 2 * MIN);
	o = one_site(q, "imp.go.id", wall);
	s = cJSON_GetArrayItem(o, 0);
	assert_string_equal(sget(s, "last_event"), "2026-11-16T03:00:00.000Z");
	assert_string_equal(sget(s, "last_heard"), "2026-12-15T23:59:00.000Z");
	assert_string_equal(sget(s, "last_heartbeat"), "2026-12-15T23:59:00.000Z");
	assert_string_equal(sget(s, "events_heard"), "2026-12-15T23:58:00.000Z");
	assert_int_equal(nget(s, "heard_age_ms"), MIN);
	assert_int_equal(nget(s, "lag_ms"), 2 * HOUR);	/* behind a.go.id's logs */
	assert_int_equal(nget(s, "late"), 7);
	assert_false(flag(o, "silent"));
	assert_false(flag(o, "stalled"));
	cJSON_Delete(o);
	/* The heartbeat a minute ago is no event: "latest" is still the logs' newest. */
	assert_int_equal(ronda_query_latest(q), T0 + 5 * HOUR);

	/* Read at the event time (as --now latest would): it must not matter. */
	o = one_site(q, "imp.go.id", wall + 20 * MIN);
	assert_true(flag(o, "silent"));
	cJSON_Delete(o);
	wexec("DELETE FROM sites WHERE id = 'imp.go.id'");
	ronda_query_close(q);
}

/* silent_after is the correlator's, as it stored it at its start. */
static void
sites_silent_follows_the_stored_silent_after(void **state)
{
	struct ronda_query *q = qopen();
	const int64_t wall = T0 + 10 * HOUR;
	cJSON *o;

	(void)state;
	wexecf("INSERT INTO sites (id, known, last_event, last_heartbeat, late, events_heard)"
	    " VALUES ('s.go.id', 1, %lld, %lld, 0, %lld)", T0 + HOUR, wall - 30 * MIN,
	    wall - 30 * MIN);
	/* 30 minutes unheard: silent under the default 15 minutes. */
	o = one_site(q, "s.go.id", wall);
	assert_true(flag(o, "silent"));
	cJSON_Delete(o);
	/* A correlator configured with silent_after 1h: not yet. */
	wexec("INSERT OR REPLACE INTO settings VALUES ('silent_after_ms', 3600000)");
	o = one_site(q, "s.go.id", wall);
	assert_false(flag(o, "silent"));
	assert_int_equal(nget(cJSON_GetArrayItem(o, 0), "silent_after_ms"), HOUR);
	cJSON_Delete(o);
	o = one_site(q, "s.go.id", wall + 31 * MIN);
	assert_true(flag(o, "silent"));
	cJSON_Delete(o);
	/* And one with 10 minutes: silent sooner. */
	wexec("INSERT OR REPLACE INTO settings VALUES ('silent_after_ms', 600000)");
	o = one_site(q, "s.go.id", wall - 19 * MIN);
	assert_true(flag(o, "silent"));
	cJSON_Delete(o);
	/* A nonsense setting falls back to the default. */
	wexec("INSERT OR REPLACE INTO settings VALUES ('silent_after_ms', 0)");
	o = one_site(q, "s.go.id", wall - 16 * MIN);
	assert_false(flag(o, "silent"));
	assert_int_equal(nget(cJSON_GetArrayItem(o, 0), "silent_after_ms"), 15 * MIN);
	cJSON_Delete(o);
	wexec("DELETE FROM settings");
	wexec("DELETE FROM sites WHERE id = 's.go.id'");
	ronda_query_close(q);
}

/* The collector reports, but the site's log stopped: stalled, not silent. */
static void
sites_stalled_when_events_stop(void **state)
{
	struct ronda_query *q = qopen();
	const int64_t wall = T0 + 10 * HOUR;
	cJSON *o;

	(void)state;
	wexecf("INSERT INTO sites (id, known, last_event, last_heartbeat, late, events_heard)"
	    " VALUES ('st.go.id', 1, %lld, %lld, 0, %lld)", T0 + HOUR, wall - MIN,
	    wall - 20 * MIN);
	o = one_site(q, "st.go.id", wall);
	assert_true(flag(o, "stalled"));
	assert_false(flag(o, "silent"));
	cJSON_Delete(o);
	/* Events 20 minutes ago are within an hour's silent_after. */
	wexec("INSERT OR REPLACE INTO settings VALUES ('silent_after_ms', 3600000)");
	o = one_site(q, "st.go.id", wall);
	assert_false(flag(o, "stalled"));
	cJSON_Delete(o);
	wexec("DELETE FROM settings");
	/* Not heard either: silent, which says more than stalled. */
	o = one_site(q, "st.go.id", wall + 20 * MIN);
	assert_true(flag(o, "silent"));
	assert_false(flag(o, "stalled"));
	cJSON_Delete(o);
	/* No event ever arrived: nothing says the log stopped. */
	wexec("UPDATE sites SET events_heard = 0 WHERE id = 'st.go.id'");
	o = one_site(q, "st.go.id", wall);
	assert_false(flag(o, "stalled"));
	assert_false(flag(o, "silent"));
	assert_true(cJSON_IsNull(get(cJSON_GetArrayItem(o, 0), "events_heard")));
	cJSON_Delete(o);
	wexec("DELETE FROM sites WHERE id = 'st.go.id'");
	ronda_query_close(q);
}

/*
 * "latest" (--now latest) is event time: not a heartbeat, not a silent_site
 * incident stamped on the correlator's clock, not a partition watermark
 * moved by one line that lied about its time (the site clocks wait for a
 * second line to confirm a jump).
 */
static void
latest_is_the_logs_newest_time(void **state)
{
	struct ronda_query *q = qopen();
	struct ronda_query_filter f;
	cJSON *o = NULL;
	const int64_t wall = T0 + 20 * 24 * HOUR;

	(void)state;
	wexecf("UPDATE sites SET last_heartbeat = %lld, events_heard = %lld", wall, wall);
	wexecf("UPDATE offsets SET watermark = %lld", T0 + 400 * 24 * HOUR);
	incident("99000000000000000000000000000099", "c.go.id", "silent_site", "c.go.id",
	    "medium", "open", wall, wall, 1, "[]");
	assert_int_equal(ronda_query_latest(q), T0 + 5 * HOUR);
	ronda_query_filter_init(&f);
	assert_int_equal(ronda_query_summary(q, &f, &o), RONDA_QUERY_OK);
	assert_string_equal(sget(o, "latest_event"), "2026-11-16T05:00:00.000Z");
	cJSON_Delete(o);
	/* No site clock yet: the incidents, not the watermark moved by one lie. */
	wexec("UPDATE sites SET last_event = 0");
	/* I3's last event: I5 and 99 are silent_site, stamped on the correlator's clock. */
	assert_int_equal(ronda_query_latest(q), T0 + 5 * HOUR - MIN);
	wexec("DELETE FROM incidents WHERE id = '99000000000000000000000000000099'");
	wexecf("UPDATE sites SET last_event = %lld, last_heartbeat = %lld, events_heard = 0"
	    " WHERE id = 'a.go.id'", T0 + 5 * HOUR, T0 + 5 * HOUR);
	wexecf("UPDATE sites SET last_event = %lld, last_heartbeat = %lld, events_heard = 0"
	    " WHERE id = 'b.go.id'", T0 + 5 * HOUR, T0 + 4 * HOUR);
	wexecf("UPDATE sites SET last_event = %lld, last_heartbeat = %lld, events_heard = 0"
	    " WHERE id = 'c.go.id'", T0 + HOUR, T0 + HOUR);
	wexecf("UPDATE sites SET last_event = %lld, last_heartbeat = 0, events_heard = 0"
	    " WHERE id = 'x.example'", T0 + 2 * HOUR);
	wexecf("UPDATE offsets SET watermark = %lld", T0 + 5 * HOUR);
	assert_int_equal(ronda_query_latest(q), T0 + 5 * HOUR);
	ronda_query_close(q);
}

/*
 * A store of an older correlator (schema version 5: no late, no
 * events_heard, no settings; heartbeats stamped by the collector and kept
 * as event time) still reads, judged as it was: silence counts back from
 * the newest event, not from the reader's clock.
 */
static void
sites_of_a_version_5_store(void **state)
{
	char p[300];
	sqlite3 *h;
	struct ronda_query *q;
	struct ronda_query_filter f;
	cJSON *o = NULL;
	const cJSON *s;
	char *sql;

	(void)state;
	snprintf(p, sizeof(p), "%s/v5.db", dir);
	assert_int_equal(sqlite3_open(p, &h), SQLITE_OK);
	assert_int_equal(sqlite3_exec(h, ronda_store_ddl(), NULL, NULL, NULL), SQLITE_OK);
	sql = sqlite3_mprintf("DROP TABLE sites; DROP TABLE settings;"
	    " CREATE TABLE sites (id TEXT PRIMARY KEY, known INTEGER NOT NULL,"
	    "  last_event INTEGER NOT NULL, last_heartbeat INTEGER NOT NULL);"
	    " INSERT INTO sites VALUES ('old.go.id', 1, %lld, %lld), ('gone.go.id', 1, %lld, %lld);"
	    " INSERT INTO offsets VALUES ('ronda.events', 0, 10, %lld, 0, 0);"
	    " PRAGMA user_version = 5", T0 + 5 * HOUR, T0 + 5 * HOUR, T0 + 2 * HOUR,
	    T0 + 2 * HOUR, T0 + 4 * HOUR);
	assert_int_equal(sqlite3_exec(h, sql, NULL, NULL, NULL), SQLITE_OK);
	sqlite3_free(sql);
	sqlite3_close(h);

	q = ronda_query_open(p, err, sizeof(err));
	if (q == NULL)
		fail_msg("%s", err);
	assert_int_equal(ronda_query_latest(q), T0 + 5 * HOUR);
	ronda_query_filter_init(&f);
	/* A wall clock a year on: a v5 heartbeat is event time, so it does not count. */
	assert_int_equal(ronda_query_sites(q, &f, T0 + 365 * 24 * HOUR, &o), RONDA_QUERY_OK);
	assert_int_equal(cJSON_GetArraySize(o), 2);
	s = site(o, "old.go.id");
	assert_false(cJSON_IsTrue(get(s, "silent")));
	assert_false(cJSON_IsTrue(get(s, "stalled")));
	assert_int_equal(nget(s, "late"), 0);
	assert_true(cJSON_IsNull(get(s, "events_heard")));
	assert_int_equal(nget(s, "silent_after_ms"), 15 * MIN);
	assert_string_equal(sget(s, "last_heard"), "2026-11-16T05:00:00.000Z");
	s = site(o, "gone.go.id");
	assert_true(cJSON_IsTrue(get(s, "silent")));
	assert_int_equal(nget(s, "heard_age_ms"), 3 * HOUR);
	assert_int_equal(nget(s, "lag_ms"), 3 * HOUR);
	cJSON_Delete(o);
	ronda_query_close(q);
	unlink(p);
}

/* ---- summary --------------------------------------------------------------- */

static void
summary_counts_and_rankings(void **state)
{
	struct ronda_query *q = qopen();
	struct ronda_query_filter f;
	cJSON *o = NULL;
	const cJSON *t, *a, *n;

	(void)state;
	ronda_query_filter_init(&f);
	assert_int_equal(ronda_query_summary(q, &f, &o), RONDA_QUERY_OK);
	t = get(o, "totals");
	assert_int_equal(nget(t, "incidents"), 7);
	assert_int_equal(nget(t, "events"), 50 + 40 + 3 + 30 + 1 + 7 + 2);
	assert_int_equal(nget(t, "sites_known"), 4);
	assert_int_equal(nget(t, "sites_hit"), 4);
	assert_int_equal(nget(t, "campaigns"), 1);
	assert_int_equal(nget(get(t, "by_severity"), "critical"), 2);
	assert_int_equal(nget(get(t, "by_severity"), "medium"), 2);
	assert_int_equal(nget(get(t, "by_kind"), "ssh_bruteforce"), 2);
	assert_true(cJSON_IsNull(get(o, "since")));
	assert_string_equal(sget(o, "latest_event"), "2026-11-16T05:00:00.000Z");

	/* Agencies: most critical, then most high, then most incidents. */
	a = get(o, "agencies");
	assert_int_equal(cJSON_GetArraySize(a), 3);
	assert_string_equal(sget(cJSON_GetArrayItem(a, 0), "agency"), "Agency A");
	assert_string_equal(sget(cJSON_GetArrayItem(a, 1), "agency"), "");
	assert_string_equal(sget(cJSON_GetArrayItem(a, 2), "agency"), "Agency B");
	a = cJSON_GetArrayItem(a, 0);
	assert_int_equal(nget(a, "incidents"), 4);
	assert_int_equal(cJSON_GetArraySize(get(a, "sites")), 2);
	assert_int_equal(nget(get(a, "by_severity"), "low"), 1);
	assert_string_equal(cJSON_GetArrayItem(get(a, "campaigns"), 0)->valuestring, "camp-ssh-1");

	/* The IP on two sites leads; networks by sites, then IPs. */
	n = cJSON_GetArrayItem(get(o, "top_ips"), 0);
	assert_string_equal(sget(n, "ip"), "203.0.113.5");
	assert_int_equal(nget(n, "sites"), 2);
	assert_int_equal(nget(n, "agencies"), 2);
	n = cJSON_GetArrayItem(get(o, "top_networks"), 0);
	assert_string_equal(sget(n, "network"), "198.51.100.0/24");
	assert_int_equal(nget(n, "ips"), 3);
	assert_string_equal(sget(cJSON_GetArrayItem(get(o, "top_networks"), 1), "network"),
	    "203.0.113.0/24");

	/*
	 * Serious incidents grouped by kind and key: those outside campaigns
	 * first (I6, I3: critical, then by first seen), then the ssh key of the
	 * campaign on two sites as one line.
	 */
	n = get(o, "notable");
	assert_int_equal(cJSON_GetArraySize(n), 3);
	assert_string_equal(sget(cJSON_GetArrayItem(n, 0), "incident_id"), I6);
	assert_true(cJSON_IsNull(get(cJSON_GetArrayItem(n, 0), "campaign_id")));
	assert_string_equal(sget(cJSON_GetArrayItem(n, 1), "incident_id"), I3);
	n = cJSON_GetArrayItem(n, 2);
	assert_string_equal(sget(n, "key"), "203.0.113.5");
	assert_string_equal(sget(n, "campaign_id"), "camp-ssh-1");
	assert_int_equal(nget(n, "sites"), 2);
	assert_int_equal(nget(n, "incidents"), 2);
	assert_int_equal(nget(n, "events"), 90);
	assert_string_equal(sget(n, "incident_id"), I1);	/* the first site's */
	assert_string_equal(cJSON_GetArrayItem(get(n, "site_list"), 1)->valuestring, "b.go.id");
	/* Campaigns carry their sites in the order hit. */
	n = cJSON_GetArrayItem(get(o, "campaigns"), 0);
	assert_string_equal(sget(cJSON_GetArrayItem(get(n, "sites"), 0), "site"), "a.go.id");
	assert_string_equal(cJSON_GetArrayItem(get(n, "attacker_ips"), 0)->valuestring,
	    "203.0.113.5");
	cJSON_Delete(o);

	/* A period: only what overlaps it. */
	f.since = T0 + 4 * HOUR;
	assert_int_equal(ronda_query_summary(q, &f, &o), RONDA_QUERY_OK);
	assert_int_equal(nget(get(o, "totals"), "incidents"), 2);	/* I3, I5 */
	assert_int_equal(nget(get(o, "totals"), "campaigns"), 0);
	assert_string_equal(sget(o, "since"), "2026-11-16T04:00:00.000Z");
	cJSON_Delete(o);
	f.severity = "bogus";
	assert_int_equal(ronda_query_summary(q, &f, &o), RONDA_QUERY_BADARG);
	ronda_query_close(q);
}

/*
 * The correlator's allowlist (stored at its start): its addresses leave every
 * ranking and are counted apart; the incidents themselves still count.
 */
static void
summary_leaves_allowlisted_out(void **state)
{
	struct ronda_query *q = qopen();
	struct ronda_query_filter f;
	cJSON *o = NULL, *n;
	const cJSON *t;

	(void)state;
	wexec("INSERT INTO allowlist VALUES ('net', '198.51.100.0/24'), ('ip', '45.1.2.3'),"
	    " ('user_agent', 'SOC-scanner/1.0')");
	ronda_query_filter_init(&f);
	assert_int_equal(ronda_query_summary(q, &f, &o), RONDA_QUERY_OK);
	t = get(o, "totals");
	assert_int_equal(nget(t, "incidents"), 7);
	assert_int_equal(nget(t, "allowlisted_ips"), 4);	/* .7, .8, .9 and 45.1.2.3 */
	assert_int_equal(nget(t, "allowlisted_incidents"), 3);	/* I3, I4, I6 */
	assert_int_equal(cJSON_GetArraySize(get(o, "top_ips")), 1);
	assert_string_equal(sget(cJSON_GetArrayItem(get(o, "top_ips"), 0), "ip"), "203.0.113.5");
	assert_int_equal(cJSON_GetArraySize(get(o, "top_networks")), 1);
	assert_string_equal(sget(cJSON_GetArrayItem(get(o, "top_networks"), 0), "network"),
	    "203.0.113.0/24");
	cJSON_ArrayForEach(n, get(o, "agencies")) {
		const cJSON *ip;
		cJSON_ArrayForEach(ip, get(n, "top_ips"))
			assert_string_equal(sget(ip, "ip"), "203.0.113.5");
	}
	/* Nor among the serious incidents (I6's key is 45.1.2.3: only the ssh line stays). */
	assert_int_equal(cJSON_GetArraySize(get(o, "notable")), 1);
	assert_string_equal(sget(cJSON_GetArrayItem(get(o, "notable"), 0), "key"), "203.0.113.5");
	cJSON_Delete(o);
	wexec("DELETE FROM allowlist");
	assert_int_equal(ronda_query_summary(q, &f, &o), RONDA_QUERY_OK);
	assert_int_equal(nget(get(o, "totals"), "allowlisted_ips"), 0);
	assert_int_equal(cJSON_GetArraySize(get(o, "top_ips")), 5);
	cJSON_Delete(o);
	ronda_query_close(q);
}

/* ---- times ------------------------------------------------------------------ */

static void
parse_times(void **state)
{
	const int64_t now = T0 + 12 * HOUR;
	int64_t v;
	static const char *const bad[] = {
		"", "m", "90", "90x", "-5m", "0h", "5 m", "24hh", "2026-13-01", "2026-02-29",
		"2026-11-16T25:00", "2026-11-16T08", "2026-11-16T08:00:61", "2026-11-16X",
		"2026-11-16T08:00:00+0800", "yesterday", "1e3m", "2026-11-16T08:00:00.Z",
		"99999999999d", NULL
	};

	(void)state;
	assert_int_equal(ronda_query_parse_time("90m", now, NULL, &v, err, sizeof(err)), 0);
	assert_int_equal(v, now - 90 * MIN);
	assert_int_equal(ronda_query_parse_time("24h", now, NULL, &v, err, sizeof(err)), 0);
	assert_int_equal(v, now - 24 * HOUR);
	assert_int_equal(ronda_query_parse_time("7d", now, NULL, &v, err, sizeof(err)), 0);
	assert_int_equal(v, now - 7 * 24 * HOUR);
	assert_int_equal(ronda_query_parse_time("2w", now, NULL, &v, err, sizeof(err)), 0);
	assert_int_equal(v, now - 14 * 24 * HOUR);
	assert_int_equal(ronda_query_parse_time("45s", now, NULL, &v, err, sizeof(err)), 0);
	assert_int_equal(v, now - 45000);
	assert_int_equal(ronda_query_parse_time("now", now, NULL, &v, err, sizeof(err)), 0);
	assert_int_equal(v, now);
	/* Dates and wall times without an offset: in the zone given, UTC by default. */
	assert_int_equal(ronda_query_parse_time("2026-11-16", now, NULL, &v, err, sizeof(err)), 0);
	assert_int_equal(v, T0);
	assert_int_equal(ronda_query_parse_time("2026-11-16", now, "Asia/Makassar", &v, err,
	    sizeof(err)), 0);
	assert_int_equal(v, T0 - 8 * HOUR);
	assert_int_equal(ronda_query_parse_time("2026-11-16T08:00", now, "Asia/Makassar", &v, err,
	    sizeof(err)), 0);
	assert_int_equal(v, T0);
	assert_int_equal(ronda_query_parse_time("2026-11-16 09:30:15", now, "Asia/Jakarta", &v,
	    err, sizeof(err)), 0);
	assert_int_equal(v, T0 + 2 * HOUR + 30 * MIN + 15000);
	/* With an offset: as written, whatever the zone. */
	assert_int_equal(ronda_query_parse_time("2026-11-16T09:00:00+09:00", now, "Asia/Makassar",
	    &v, err, sizeof(err)), 0);
	assert_int_equal(v, T0);
	assert_int_equal(ronda_query_parse_time("2026-11-16T00:00:00.250Z", now, NULL, &v, err,
	    sizeof(err)), 0);
	assert_int_equal(v, T0 + 250);
	assert_int_equal(ronda_query_parse_time("2024-02-29", now, NULL, &v, err, sizeof(err)), 0);

	for (int i = 0; bad[i] != NULL; i++) {
		err[0] = '\0';
		if (ronda_query_parse_time(bad[i], now, NULL, &v, err, sizeof(err)) != -1)
			fail_msg("'%s' was accepted", bad[i]);
		assert_non_null(strstr(err, "bad time"));
	}
	/* The message shows the value escaped: an escape sequence never reaches a terminal. */
	assert_int_equal(ronda_query_parse_time("\x1b[2J5m", now, NULL, &v, err, sizeof(err)), -1);
	assert_null(strchr(err, 0x1b));
	assert_non_null(strstr(err, "\\x1b[2J5m"));
	assert_int_equal(ronda_query_parse_time("2026-11-16", now, "Asia/Atlantis", &v, err,
	    sizeof(err)), -1);
}

/* ---- concurrency ------------------------------------------------------------ */

/*
 * The correlator in the middle of a batch (a write transaction open, rows
 * written, not committed): a reader neither waits nor sees the half batch,
 * and sees all of it after the commit.
 */
static void
reads_during_a_write_transaction(void **state)
{
	struct ronda_query *q = qopen();
	struct ronda_query_filter f;
	struct ronda_query_page pg;
	cJSON *o = NULL;

	(void)state;
	ronda_query_filter_init(&f);
	assert_int_equal(ronda_store_begin(W), 0);
	incident("88000000000000000000000000000088", "a.go.id", "scan", "8.8.8.8", "low", "open",
	    T0 + 7 * HOUR, T0 + 7 * HOUR, 30, "[]");
	assert_int_equal(ronda_query_incidents(q, &f, &o, &pg), RONDA_QUERY_OK);
	assert_int_equal(pg.total, 7);
	cJSON_Delete(o);
	assert_int_equal(ronda_query_summary(q, &f, &o), RONDA_QUERY_OK);
	cJSON_Delete(o);
	assert_int_equal(ronda_store_commit(W), 0);
	assert_int_equal(ronda_query_incidents(q, &f, &o, &pg), RONDA_QUERY_OK);
	assert_int_equal(pg.total, 8);
	assert_string_equal(sget(cJSON_GetArrayItem(o, 0), "id"), "88000000000000000000000000000088");
	cJSON_Delete(o);
	wexec("DELETE FROM incidents WHERE id = '88000000000000000000000000000088'");
	ronda_query_close(q);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(open_errors_say_what_is_wrong),
		cmocka_unit_test(reader_cannot_write),
		cmocka_unit_test(incidents_filters),
		cmocka_unit_test(incidents_pages),
		cmocka_unit_test(incident_object),
		cmocka_unit_test(ids_by_prefix),
		cmocka_unit_test(campaigns_list_and_timeline),
		cmocka_unit_test(sites_silent_and_lag),
		cmocka_unit_test(sites_last_event_and_last_heard_apart),
		cmocka_unit_test(sites_silent_follows_the_stored_silent_after),
		cmocka_unit_test(sites_stalled_when_events_stop),
		cmocka_unit_test(latest_is_the_logs_newest_time),
		cmocka_unit_test(sites_of_a_version_5_store),
		cmocka_unit_test(summary_counts_and_rankings),
		cmocka_unit_test(summary_leaves_allowlisted_out),
		cmocka_unit_test(parse_times),
		cmocka_unit_test(reads_during_a_write_transaction),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
