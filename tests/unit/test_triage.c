/*
 * Triage writes (correlator/triage.c) against a store made by the store
 * module: the state machine and its 409s, the validation of hostile bodies,
 * the audit row of each write exactly (before/after JSON, note, who, time),
 * notes, suppressions from a campaign closed as a false positive (only the
 * link's indicator types, their expiry, lifted by a reopen), the readers'
 * view of it all through query.c, and a write refused (503) while the batch
 * writer holds the store.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include <sqlite3.h>

#include "query.h"
#include "store.h"
#include "triage.h"

#define T0 1794787200000LL	/* 2026-11-16T00:00:00Z */
#define DAY (86400 * 1000LL)
#define INC "abcd0000000000000000000000000001"
#define INC2 "abcd0000000000000000000000000002"
#define CAMP "c-0001"

static char dir[] = "/tmp/ronda-test-triage.XXXXXX";
static char path[256];
static char err[512];
static struct ronda_store *W;
static struct ronda_triage *T;

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

/* The first column of the first row of sql as text ("" none, "NULL" null), static. */
static const char *
wtext(const char *sql)
{
	static char out[8192];
	sqlite3_stmt *st;

	out[0] = '\0';
	assert_int_equal(sqlite3_prepare_v2(ronda_store_db(W), sql, -1, &st, NULL), SQLITE_OK);
	if (sqlite3_step(st) == SQLITE_ROW)
		snprintf(out, sizeof(out), "%s", sqlite3_column_type(st, 0) == SQLITE_NULL ?
		    "NULL" : (const char *)sqlite3_column_text(st, 0));
	sqlite3_finalize(st);
	return out;
}

static int64_t
wint(const char *sql)
{
	return strtoll(wtext(sql), NULL, 10);
}

static int
setup(void **state)
{
	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/store.db", dir);
	W = ronda_store_open(path, err, sizeof(err));
	assert_non_null(W);
	wexec("INSERT INTO incidents VALUES ('" INC "', 'a.go.id', 'webshell', '192.0.2.1',"
	    " 'critical', 'open', 1, 2, 3, 0, 0, 1, '[]', '[]', '[]')");
	wexec("INSERT INTO incidents VALUES ('" INC2 "', 'b.go.id', 'webshell', '192.0.2.1',"
	    " 'high', 'open', 1, 2, 3, 0, 0, 1, '[]', '[]', '[]')");
	wexec("INSERT INTO campaigns VALUES ('" CAMP "', 'webshell', 'indicator', 't', 'critical',"
	    " 'active', '', 1, 2, 2, 2, 2, '[]')");
	wexec("INSERT INTO campaign_indicators VALUES"
	    " ('" CAMP "', 'ip', '192.0.2.1', 2, 1.0),"
	    " ('" CAMP "', 'webshell', '/wp-content/x.php', 2, 1.0),"
	    " ('" CAMP "', 'user', 'admin', 2, 0.2),"
	    " ('" CAMP "', 'net', '192.0.2.0/24', 2, 0.1)");
	T = ronda_triage_open(path, 200, err, sizeof(err));
	assert_non_null(T);
	return 0;
}

static int
teardown(void **state)
{
	char cmd[300];

	(void)state;
	ronda_triage_free(T);
	ronda_store_close(W);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	if (system(cmd) != 0)
		return -1;
	return 0;
}

/* Apply body to (object, id) as who at t; the reply (freed) and msg. */
static int
act(const char *object, const char *id, const char *who, const char *body, int64_t t,
    char *msg)
{
	cJSON *out = NULL;
	int rc;

	rc = ronda_triage_apply(T, object, id, who, body, strlen(body), t, &out, msg, 512);
	if (rc == RONDA_TRIAGE_OK) {
		assert_non_null(out);
		assert_true(cJSON_IsTrue(cJSON_GetObjectItem(out, "ok")));
		assert_non_null(cJSON_GetObjectItem(out, "triage"));
	} else {
		assert_null(out);
		assert_true(msg[0] != '\0');
	}
	cJSON_Delete(out);
	return rc;
}

/* The audit row with that id as "who|object|object_id|action|before|after|note|at". */
static const char *
audit_row(int64_t id)
{
	char sql[300];

	snprintf(sql, sizeof(sql), "SELECT who || '|' || object || '|' || object_id || '|' ||"
	    " action || '|' || before || '|' || after || '|' || COALESCE(note, 'NULL') || '|'"
	    " || at FROM audit WHERE id = %lld", (long long)id);
	return wtext(sql);
}

#define NEW "{\"state\":\"new\",\"assignee\":null,\"reason\":null}"
#define ACK "{\"state\":\"acknowledged\",\"assignee\":null,\"reason\":null}"

static void
state_machine_and_audit_rows(void **state)
{
	char msg[512];
	int64_t n0 = wint("SELECT count(*) FROM audit");

	(void)state;
	assert_int_equal(act("incident", INC, "budi", "{\"action\":\"ack\"}", T0, msg), 200);
	assert_string_equal(audit_row(n0 + 1), "budi|incident|" INC "|ack|" NEW "|" ACK
	    "|NULL|1794787200000");
	/* ack twice makes no sense */
	assert_int_equal(act("incident", INC, "budi", "{\"action\":\"ack\"}", T0, msg), 409);
	assert_int_equal(act("incident", INC, "budi", "{\"action\":\"reopen\"}", T0, msg), 409);
	assert_int_equal(act("incident", INC, "budi",
	    "{\"action\":\"assign\",\"assignee\":\"siti\"}", T0 + 1, msg), 200);
	assert_string_equal(audit_row(n0 + 2), "budi|incident|" INC "|assign|" ACK "|"
	    "{\"state\":\"assigned\",\"assignee\":\"siti\",\"reason\":null}|NULL|1794787200001");
	assert_int_equal(act("incident", INC, "budi",
	    "{\"action\":\"assign\",\"assignee\":\"siti\"}", T0 + 1, msg), 409);
	assert_int_equal(act("incident", INC, "siti",
	    "{\"action\":\"note\",\"note\":\"checked the \\u001b[2J logs\\nline 2\"}", T0 + 2, msg),
	    200);
	assert_string_equal(audit_row(n0 + 3), "siti|incident|" INC "|note|"
	    "{\"state\":\"assigned\",\"assignee\":\"siti\",\"reason\":null}|"
	    "{\"state\":\"assigned\",\"assignee\":\"siti\",\"reason\":null}|"
	    "checked the \x1b[2J logs\nline 2|1794787200002");
	/* a note leaves the triage row as it was */
	assert_string_equal(wtext("SELECT updated_by || updated_at FROM triage WHERE object_id = '"
	    INC "'"), "budi1794787200001");
	assert_int_equal(act("incident", INC, "siti", "{\"action\":\"close\",\"reason\":"
	    "\"resolved\",\"note\":\"patched\"}", T0 + 3, msg), 200);
	assert_string_equal(audit_row(n0 + 4), "siti|incident|" INC "|close|"
	    "{\"state\":\"assigned\",\"assignee\":\"siti\",\"reason\":null}|"
	    "{\"state\":\"closed\",\"assignee\":\"siti\",\"reason\":\"resolved\"}|patched|"
	    "1794787200003");
	assert_int_equal(act("incident", INC, "siti", "{\"action\":\"close\",\"reason\":"
	    "\"resolved\"}", T0 + 3, msg), 409);
	assert_int_equal(act("incident", INC, "siti",
	    "{\"action\":\"assign\",\"assignee\":\"rina\"}", T0 + 3, msg), 409);
	assert_int_equal(act("incident", INC, "budi", "{\"action\":\"reopen\"}", T0 + 4, msg),
	    200);
	assert_string_equal(audit_row(n0 + 5), "budi|incident|" INC "|reopen|"
	    "{\"state\":\"closed\",\"assignee\":\"siti\",\"reason\":\"resolved\"}|"
	    "{\"state\":\"acknowledged\",\"assignee\":\"siti\",\"reason\":null}|NULL|"
	    "1794787200004");
	assert_int_equal(wint("SELECT count(*) FROM audit"), n0 + 5);
	assert_int_equal(wint("SELECT count(*) FROM triage_notes WHERE object_id = '" INC "'"), 2);
	/* detection's own status is not triage's */
	assert_string_equal(wtext("SELECT status FROM incidents WHERE id = '" INC "'"), "open");
	/* unknown ids */
	assert_int_equal(act("incident", "abcd0000000000000000000000000009", "budi",
	    "{\"action\":\"ack\"}", T0, msg), 404);
	assert_int_equal(act("campaign", "nope", "budi", "{\"action\":\"ack\"}", T0, msg), 404);
	assert_int_equal(act("incident", "ABCD", "budi", "{\"action\":\"ack\"}", T0, msg), 400);
	assert_int_equal(wint("SELECT count(*) FROM audit"), n0 + 5);
}

static void
hostile_bodies_are_refused(void **state)
{
	static const char *const bad[] = {
		"", "null", "[]", "\"ack\"", "{", "{\"action\":\"ack\"} x",
		"{\"action\":\"ack\",\"action\":\"ack\"}", "{\"action\":\"dance\"}", "{}",
		"{\"action\":1}", "{\"action\":\"ack\",\"extra\":\"x\"}",
		"{\"action\":\"assign\"}", "{\"action\":\"assign\",\"assignee\":\"\"}",
		"{\"action\":\"assign\",\"assignee\":\"a\\u001bb\"}",
		"{\"action\":\"assign\",\"assignee\":\"a\\u202eb\"}",
		"{\"action\":\"assign\",\"assignee\":\"a\\u0085b\"}",
		"{\"action\":\"assign\",\"assignee\":"
		"\"12345678901234567890123456789012345678901234567890123456789012345\"}",
		"{\"action\":\"close\"}", "{\"action\":\"close\",\"reason\":\"bored\"}",
		"{\"action\":\"ack\",\"reason\":\"resolved\"}",
		"{\"action\":\"note\"}", "{\"action\":\"note\",\"note\":\"\"}",
		"{\"action\":\"note\",\"note\":\"a\\u0000b\"}",
		"{\"action\":\"note\",\"note\":\"a\xff\"}",
		"{\"action\":\"note\",\"note\":\"\\ud800\"}",
		"{\"action\":\"close\",\"reason\":\"false_positive\",\"suppress\":\"30d\"}",
		NULL
	};
	char msg[512], big[6000];
	int64_t n0 = wint("SELECT count(*) FROM audit");

	(void)state;
	for (int i = 0; bad[i] != NULL; i++) {
		int rc = act("incident", INC2, "budi", bad[i], T0, msg);
		if (rc != 400)
			fprintf(stderr, "body %d: %s: %d %s\n", i, bad[i], rc, msg);
		assert_int_equal(rc, 400);
	}
	/* A raw NUL inside the body. */
	assert_int_equal(ronda_triage_apply(T, "incident", INC2, "budi", "{\"action\":\"a\0\"}",
	    15, T0, &(cJSON *){ NULL }, msg, sizeof(msg)), 400);
	/* A note of 4097 bytes; 4096 is fine; a multi-byte name of 64 characters too. */
	memcpy(big, "{\"action\":\"note\",\"note\":\"", 25);
	memset(big + 25, 'x', 4097);
	memcpy(big + 25 + 4097, "\"}", 3);
	assert_int_equal(act("incident", INC2, "budi", big, T0, msg), 400);
	memcpy(big + 25 + 4096, "\"}", 3);
	assert_int_equal(act("incident", INC2, "budi", big, T0, msg), 200);
	snprintf(big, sizeof(big), "{\"action\":\"assign\",\"assignee\":\"");
	for (int i = 0; i < 64; i++)
		strcat(big, "\xc3\xa9");
	strcat(big, "\"}");
	assert_int_equal(act("incident", INC2, "budi", big, T0, msg), 200);
	/* campaign-only and duration rules */
	assert_int_equal(act("campaign", CAMP, "budi", "{\"action\":\"close\",\"reason\":"
	    "\"resolved\",\"suppress\":\"30d\"}", T0, msg), 400);
	assert_int_equal(act("campaign", CAMP, "budi", "{\"action\":\"close\",\"reason\":"
	    "\"false_positive\",\"suppress\":\"59m\"}", T0, msg), 400);
	assert_int_equal(act("campaign", CAMP, "budi", "{\"action\":\"close\",\"reason\":"
	    "\"false_positive\",\"suppress\":\"366d\"}", T0, msg), 400);
	assert_int_equal(act("campaign", CAMP, "budi", "{\"action\":\"close\",\"reason\":"
	    "\"false_positive\",\"suppress\":\"soon\"}", T0, msg), 400);
	assert_int_equal(wint("SELECT count(*) FROM audit"), n0 + 2);
	assert_int_equal(wint("SELECT count(*) FROM suppressions"), 0);
}

static void
false_positive_suppresses_until_expiry(void **state)
{
	struct ronda_allow_cfg *v = NULL;
	size_t n = 0;
	int64_t next = 0;
	char msg[512];
	sqlite3 *db = ronda_store_db(W);

	(void)state;
	assert_int_equal(act("campaign", CAMP, "budi", "{\"action\":\"close\",\"reason\":"
	    "\"false_positive\",\"suppress\":\"30d\",\"note\":\"our scanner\"}", T0, msg), 200);
	/* every link indicator but the user name, until now + 30 days */
	assert_string_equal(wtext("SELECT group_concat(type || '=' || value || '@' || until ||"
	    " '/' || campaign_id || '/' || created_by || '/' || created_at, ' ') FROM"
	    " (SELECT * FROM suppressions ORDER BY type)"),
	    "ip=192.0.2.1@1797379200000/c-0001/budi/1794787200000 "
	    "net=192.0.2.0/24@1797379200000/c-0001/budi/1794787200000 "
	    "webshell=/wp-content/x.php@1797379200000/c-0001/budi/1794787200000");
	assert_string_equal(wtext("SELECT before || after || note FROM audit ORDER BY id DESC"),
	    NEW "{\"state\":\"closed\",\"assignee\":null,\"reason\":\"false_positive\"}"
	    "our scanner");
	assert_int_equal(ronda_triage_suppressions_load(db, T0 + DAY, &v, &n, &next), 0);
	assert_int_equal(n, 3);
	assert_string_equal(v[0].type, "ip");
	assert_string_equal(v[0].value, "192.0.2.1");
	assert_int_equal(next, T0 + 30 * DAY);
	ronda_triage_suppressions_free(v, n);
	/* expired: none applies */
	assert_int_equal(ronda_triage_suppressions_load(db, T0 + 30 * DAY, &v, &n, &next), 0);
	assert_int_equal(n, 0);
	assert_int_equal(next, INT64_MAX);
	ronda_triage_suppressions_free(v, n);
	/* a reopen says it was not a false positive: its suppressions end then */
	assert_int_equal(act("campaign", CAMP, "siti", "{\"action\":\"reopen\"}", T0 + DAY, msg),
	    200);
	assert_int_equal(wint("SELECT count(*) FROM suppressions WHERE until = "
	    "1794873600000"), 3);
	assert_int_equal(ronda_triage_suppressions_load(db, T0 + DAY, &v, &n, &next), 0);
	assert_int_equal(n, 0);
	ronda_triage_suppressions_free(v, n);
	assert_string_equal(wtext("SELECT after FROM audit ORDER BY id DESC"),
	    ACK);
}

static void
readers_see_triage(void **state)
{
	struct ronda_query *q = ronda_query_open(path, err, sizeof(err));
	struct ronda_query_filter f;
	cJSON *o = NULL, *t;

	(void)state;
	assert_non_null(q);
	assert_int_equal(ronda_query_incident(q, INC, &o), RONDA_QUERY_OK);
	t = cJSON_GetObjectItem(o, "triage");
	assert_string_equal(cJSON_GetObjectItem(t, "state")->valuestring, "acknowledged");
	assert_string_equal(cJSON_GetObjectItem(t, "assignee")->valuestring, "siti");
	assert_true(cJSON_IsNull(cJSON_GetObjectItem(t, "reason")));
	assert_string_equal(cJSON_GetObjectItem(t, "updated_by")->valuestring, "budi");
	assert_string_equal(cJSON_GetObjectItem(t, "updated_at")->valuestring,
	    "2026-11-16T00:00:00.004Z");
	assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(t, "notes")), 2);
	assert_string_equal(cJSON_GetObjectItem(cJSON_GetArrayItem(cJSON_GetObjectItem(t,
	    "notes"), 0), "text")->valuestring, "checked the \x1b[2J logs\nline 2");
	cJSON_Delete(o);
	/* lists: the short form, and the triage= filter */
	ronda_query_filter_init(&f);
	f.triage = "acknowledged";
	assert_int_equal(ronda_query_incidents(q, &f, &o, NULL), RONDA_QUERY_OK);
	assert_int_equal(cJSON_GetArraySize(o), 1);
	t = cJSON_GetObjectItem(cJSON_GetArrayItem(o, 0), "triage");
	assert_null(cJSON_GetObjectItem(t, "notes"));
	assert_int_equal(cJSON_GetArraySize(t), 3);
	cJSON_Delete(o);
	f.triage = "new";
	assert_int_equal(ronda_query_incidents(q, &f, &o, NULL), RONDA_QUERY_OK);
	assert_int_equal(cJSON_GetArraySize(o), 0);	/* INC2 was assigned above */
	cJSON_Delete(o);
	f.triage = "bogus";
	assert_int_equal(ronda_query_incidents(q, &f, &o, NULL), RONDA_QUERY_BADARG);
	f.triage = "acknowledged";
	assert_int_equal(ronda_query_campaigns(q, &f, &o, NULL), RONDA_QUERY_OK);
	assert_int_equal(cJSON_GetArraySize(o), 1);
	cJSON_Delete(o);
	/* audit: newest first, before/after as objects */
	assert_int_equal(ronda_query_audit(q, CAMP, 10, &o), RONDA_QUERY_OK);
	assert_int_equal(cJSON_GetArraySize(o), 2);
	t = cJSON_GetArrayItem(o, 0);
	assert_string_equal(cJSON_GetObjectItem(t, "action")->valuestring, "reopen");
	assert_string_equal(cJSON_GetObjectItem(cJSON_GetObjectItem(t, "before"),
	    "reason")->valuestring, "false_positive");
	cJSON_Delete(o);
	assert_int_equal(ronda_query_suppressions(q, T0 + 2 * DAY, 0, &o), RONDA_QUERY_OK);
	assert_int_equal(cJSON_GetArraySize(o), 0);
	cJSON_Delete(o);
	assert_int_equal(ronda_query_suppressions(q, T0 + 2 * DAY, 1, &o), RONDA_QUERY_OK);
	assert_int_equal(cJSON_GetArraySize(o), 3);
	cJSON_Delete(o);
	ronda_query_close(q);
}

/* The batch writer holds the store past the busy timeout: 503, nothing written. */
static void
busy_store_is_503(void **state)
{
	char msg[512];
	int64_t n0 = wint("SELECT count(*) FROM audit");

	(void)state;
	assert_int_equal(ronda_store_begin(W), 0);
	assert_int_equal(act("incident", INC2, "budi", "{\"action\":\"note\",\"note\":\"x\"}",
	    T0, msg), 503);
	ronda_store_rollback(W);
	assert_int_equal(wint("SELECT count(*) FROM audit"), n0);
	assert_int_equal(act("incident", INC2, "budi", "{\"action\":\"note\",\"note\":\"x\"}",
	    T0, msg), 200);
}

static void
names(void **state)
{
	(void)state;
	assert_true(ronda_triage_name_ok("budi"));
	assert_true(ronda_triage_name_ok("Siti Nurhaliza"));
	assert_false(ronda_triage_name_ok(""));
	assert_false(ronda_triage_name_ok("a\tb"));
	assert_false(ronda_triage_name_ok("a\x7f"));
	assert_false(ronda_triage_name_ok("a\xe2\x80\xae"));
	assert_false(ronda_triage_name_ok("\xc3"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(names),
		cmocka_unit_test(state_machine_and_audit_rows),
		cmocka_unit_test(hostile_bodies_are_refused),
		cmocka_unit_test(false_positive_suppresses_until_expiry),
		cmocka_unit_test(readers_see_triage),
		cmocka_unit_test(busy_store_is_503),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
