/*
 * The correlator's SQLite store: schema and migrations (user_version), a batch
 * with its offsets committed atomically, and a failed commit (the disk full)
 * leaving the previous batch intact with a clear error.
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

#include "store.h"

static char dir[] = "/tmp/ronda-test-store.XXXXXX";
static char path[256];
static char err[512];

static int
setup(void **state)
{
	(void)state;
	if (mkdtemp(dir) == NULL)
		return -1;
	return 0;
}

static int
teardown(void **state)
{
	char cmd[300];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd) == 0 ? 0 : -1;
}

static const char *
fresh(const char *name)
{
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	for (const char *sfx = ""; ; sfx = sfx[0] == '\0' ? "-wal" : "-shm") {
		char p[300];
		snprintf(p, sizeof(p), "%s%s", path, sfx);
		unlink(p);
		if (strcmp(sfx, "-shm") == 0)
			break;
	}
	return path;
}

/* One value from a query on a separate connection (as the analysts' CLI reads). */
static int64_t
q_int(const char *db, const char *q)
{
	sqlite3 *h;
	sqlite3_stmt *st;
	int64_t v = -1;

	assert_int_equal(sqlite3_open_v2(db, &h, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(h, q, -1, &st, NULL), SQLITE_OK);
	if (sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	sqlite3_close(h);
	return v;
}

static void
q_exec(const char *db, const char *q)
{
	sqlite3 *h;

	assert_int_equal(sqlite3_open(db, &h), SQLITE_OK);
	assert_int_equal(sqlite3_exec(h, q, NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(h);
}

static void
ddl_matches_schema_file(void **state)
{
	const char *src = getenv("RONDA_SRC");
	char p[512], *text;
	FILE *f;
	long n;

	(void)state;
	snprintf(p, sizeof(p), "%s/schemas/store.sql", src != NULL ? src : ".");
	f = fopen(p, "r");
	assert_non_null(f);
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	rewind(f);
	text = calloc(1, (size_t)n + 1);
	assert_int_equal(fread(text, 1, (size_t)n, f), (size_t)n);
	fclose(f);
	assert_string_equal(ronda_store_ddl(), text);
	free(text);
}

static void
fresh_store_is_current_version(void **state)
{
	struct ronda_store *s;

	(void)state;
	s = ronda_store_open(fresh("fresh.db"), err, sizeof(err));
	assert_non_null(s);
	ronda_store_close(s);
	assert_int_equal(q_int(path, "PRAGMA user_version"), RONDA_STORE_VERSION);
	assert_int_equal(RONDA_STORE_VERSION, 9);
	assert_int_equal(q_int(path, "SELECT count(*) FROM sqlite_master WHERE name = "
	    "'incidents' AND sql LIKE '%WITHOUT ROWID%'"), 1);
	/* Opening again changes nothing. */
	s = ronda_store_open(path, err, sizeof(err));
	assert_non_null(s);
	ronda_store_close(s);
	assert_int_equal(q_int(path, "PRAGMA user_version"), RONDA_STORE_VERSION);
	assert_int_equal(q_int(path, "SELECT count(*) FROM sqlite_master WHERE name IN "
	    "('campaigns', 'alerts', 'site_info')"), 3);
}

/* A store written by the first release (schema 1) is migrated, rows kept. */
static void
migrates_version_1(void **state)
{
	struct ronda_store *s;
	struct ronda_incident inc;
	struct ronda_dedupe *d;
	const struct ronda_dedupe_entry *de;

	(void)state;
	fresh("v1.db");
	q_exec(path,
	    "CREATE TABLE offsets (topic TEXT NOT NULL, part INTEGER NOT NULL,"
	    " next_offset INTEGER NOT NULL, watermark INTEGER NOT NULL,"
	    " replay_offset INTEGER NOT NULL, replay_wm INTEGER NOT NULL,"
	    " PRIMARY KEY (topic, part));"
	    "CREATE TABLE dedupe (seq INTEGER PRIMARY KEY, id_hi INTEGER NOT NULL,"
	    " id_lo INTEGER NOT NULL, ts INTEGER NOT NULL, part INTEGER NOT NULL,"
	    " off INTEGER NOT NULL);"
	    "CREATE TABLE incidents (id TEXT PRIMARY KEY, site TEXT NOT NULL,"
	    " kind TEXT NOT NULL, key TEXT NOT NULL, severity TEXT NOT NULL,"
	    " status TEXT NOT NULL, first_seen INTEGER NOT NULL, last_seen INTEGER NOT NULL,"
	    " event_count INTEGER NOT NULL, reopen_count INTEGER NOT NULL,"
	    " part INTEGER NOT NULL, site_known INTEGER NOT NULL,"
	    " attacker_ips TEXT NOT NULL, users TEXT NOT NULL, rule_ids TEXT NOT NULL,"
	    " UNIQUE (site, kind, key));"
	    "CREATE INDEX incidents_last_seen ON incidents (last_seen);"
	    "CREATE TABLE indicators (incident_id TEXT NOT NULL, type TEXT NOT NULL,"
	    " value TEXT NOT NULL, first_seen INTEGER NOT NULL,"
	    " PRIMARY KEY (incident_id, type, value)) WITHOUT ROWID;"
	    "CREATE INDEX indicators_value ON indicators (type, value);"
	    "CREATE TABLE evidence (incident_id TEXT NOT NULL, seq INTEGER NOT NULL,"
	    " ts INTEGER NOT NULL, line TEXT NOT NULL, PRIMARY KEY (incident_id, seq))"
	    " WITHOUT ROWID;"
	    "CREATE TABLE counters (name TEXT PRIMARY KEY, value INTEGER NOT NULL);"
	    "CREATE TABLE sites (id TEXT PRIMARY KEY, known INTEGER NOT NULL,"
	    " last_event INTEGER NOT NULL, last_heartbeat INTEGER NOT NULL);"
	    "INSERT INTO incidents VALUES ('0123456789abcdef0123456789abcdef',"
	    " 'bontangkota.go.id', 'ssh_bruteforce', '203.0.113.77', 'high', 'open',"
	    " 1795705200000, 1795705222000, 12, 0, 3, 1, '[\"203.0.113.77\"]',"
	    " '[\"admin\"]', '[]');"
	    "INSERT INTO indicators VALUES ('0123456789abcdef0123456789abcdef', 'ip',"
	    " '203.0.113.77', 1795705200000);"
	    "INSERT INTO counters VALUES ('events', 4242);"
	    "INSERT INTO dedupe VALUES (5, 11, 22, 1795705200000, 3, 77);"
	    "INSERT INTO dedupe VALUES (6, 12, 23, 1795705201000, 4, 78);"
	    "PRAGMA user_version = 1;");
	s = ronda_store_open(path, err, sizeof(err));
	assert_non_null(s);
	assert_int_equal(ronda_store_counter_get(s, "events"), 4242);
	assert_int_equal(ronda_store_incident_get(s, "0123456789abcdef0123456789abcdef",
	    &inc), 1);
	assert_string_equal(inc.kind, "ssh_bruteforce");
	assert_string_equal(inc.key, "203.0.113.77");
	assert_int_equal(inc.event_count, 12);
	assert_int_equal(inc.last_seen, INT64_C(1795705222000));
	assert_int_equal(inc.nips, 1);
	assert_string_equal(inc.ips[0], "203.0.113.77");
	/* Dedupe rows (schema 1 and 2: one per id) come back packed, ids kept. */
	d = ronda_dedupe_new(1000);
	assert_int_equal(ronda_store_dedupe_load(s, d, 1000), 0);
	assert_int_equal(ronda_dedupe_count(d), 2);
	assert_int_equal(ronda_dedupe_next_seq(d), 7);
	de = ronda_dedupe_find(d, 11, 22);
	assert_non_null(de);
	assert_int_equal(de->part, 3);
	assert_int_equal(de->off, 77);
	assert_int_equal(de->ts, INT64_C(1795705200000));
	de = ronda_dedupe_find(d, 12, 23);
	assert_non_null(de);
	assert_int_equal(de->seq, 6);
	ronda_dedupe_free(d);
	ronda_store_close(s);
	assert_int_equal(q_int(path, "PRAGMA user_version"), RONDA_STORE_VERSION);
	assert_int_equal(q_int(path, "SELECT count(*) FROM sqlite_master WHERE name IN "
	    "('campaigns', 'alerts', 'site_info')"), 3);
	assert_int_equal(q_int(path, "SELECT count(*) FROM sqlite_master WHERE name = "
	    "'dedupe_v2'"), 0);
	/* Version 5: the unused (type, value) index of indicators is gone. */
	assert_int_equal(q_int(path, "SELECT count(*) FROM sqlite_master WHERE name = "
	    "'indicators_value'"), 0);
	assert_int_equal(q_int(path, "SELECT count(*) FROM sqlite_master WHERE name = "
	    "'incidents' AND sql LIKE '%WITHOUT ROWID%'"), 1);
	assert_int_equal(q_int(path, "SELECT count(*) FROM sqlite_master WHERE name = "
	    "'incidents_last_seen'"), 1);
}

static void
refuses_newer_version(void **state)
{
	struct ronda_store *s;

	(void)state;
	fresh("v10.db");
	q_exec(path, "CREATE TABLE x (a); PRAGMA user_version = 10;");
	s = ronda_store_open(path, err, sizeof(err));
	assert_null(s);
	assert_non_null(strstr(err, "schema version 10 is newer than 9"));
}

/* A version 4 store (with the indicators' (type, value) index) goes to 6, rows kept. */
static void
migrates_version_4(void **state)
{
	struct ronda_store *s;

	(void)state;
	s = ronda_store_open(fresh("v4.db"), err, sizeof(err));
	assert_non_null(s);
	ronda_store_close(s);
	q_exec(path, "CREATE INDEX indicators_value ON indicators (type, value);"
	    "INSERT INTO indicators VALUES ('i1', 'ip', '203.0.113.7', 1);"
	    "DROP TABLE evidence;"
	    "CREATE TABLE evidence (incident_id TEXT NOT NULL, seq INTEGER NOT NULL,"
	    " ts INTEGER NOT NULL, line TEXT NOT NULL, PRIMARY KEY (incident_id, seq))"
	    " WITHOUT ROWID;"
	    "INSERT INTO evidence VALUES ('i1', 1, 20, 'second'), ('i1', 0, 10, 'first');"
	    "PRAGMA user_version = 4;");
	s = ronda_store_open(path, err, sizeof(err));
	assert_non_null(s);
	ronda_store_close(s);
	assert_int_equal(q_int(path, "PRAGMA user_version"), RONDA_STORE_VERSION);
	assert_int_equal(q_int(path, "SELECT count(*) FROM sqlite_master WHERE name = "
	    "'indicators_value'"), 0);
	assert_int_equal(q_int(path, "SELECT count(*) FROM indicators WHERE value = "
	    "'203.0.113.7'"), 1);
	/* Evidence is a rowid table now, its lines kept in order. */
	assert_int_equal(q_int(path, "SELECT count(*) FROM sqlite_master WHERE name = "
	    "'evidence' AND sql LIKE '%WITHOUT ROWID%'"), 0);
	assert_int_equal(q_int(path, "SELECT count(*) FROM sqlite_master WHERE name = "
	    "'evidence_v4'"), 0);
	assert_int_equal(q_int(path, "SELECT group_concat(line, ',') = 'first,second' FROM "
	    "(SELECT line FROM evidence WHERE incident_id = 'i1' ORDER BY seq)"), 1);
	assert_int_equal(q_int(path, "SELECT sum(ts) FROM evidence"), 30);
}

/*
 * A version 5 store (sites with four columns, no settings) goes to 6: its
 * site rows kept (last_event reset), late and events_heard added at 0, site
 * rows round-trip.
 */
static void
migrates_version_5(void **state)
{
	struct ronda_store *s;
	struct ronda_store_site row = { .id = "b.go.id", .known = 1, .last_event = 7,
	    .last_heard = 8, .late = 9, .events_heard = 10 };

	(void)state;
	s = ronda_store_open(fresh("v5.db"), err, sizeof(err));
	assert_non_null(s);
	ronda_store_close(s);
	q_exec(path, "DROP TABLE sites; DROP TABLE settings;"
	    "CREATE TABLE sites (id TEXT PRIMARY KEY, known INTEGER NOT NULL,"
	    " last_event INTEGER NOT NULL, last_heartbeat INTEGER NOT NULL);"
	    "INSERT INTO sites VALUES ('a.go.id', 1, 1000, 2000);"
	    "PRAGMA user_version = 5;");
	s = ronda_store_open(path, err, sizeof(err));
	assert_non_null(s);
	assert_int_equal(ronda_store_begin(s), 0);
	assert_int_equal(ronda_store_site_put(s, &row), 0);
	assert_int_equal(ronda_store_setting_put(s, "silent_after_ms", 900000), 0);
	assert_int_equal(ronda_store_commit(s), 0);
	ronda_store_close(s);
	assert_int_equal(q_int(path, "PRAGMA user_version"), RONDA_STORE_VERSION);
	/* last_event held heartbeats' wall-clock stamps: it starts again. */
	assert_int_equal(q_int(path, "SELECT last_event + last_heartbeat + late + events_heard"
	    " FROM sites WHERE id = 'a.go.id'"), 2000);
	assert_int_equal(q_int(path, "SELECT last_event * 1000 + last_heartbeat * 100 +"
	    " late * 10 + events_heard FROM sites WHERE id = 'b.go.id'"), 7000 + 800 + 90 + 10);
	assert_int_equal(q_int(path, "SELECT value FROM settings WHERE name = "
	    "'silent_after_ms'"), 900000);
}

/* A version 8 store: campaign members gain their reasons, rows kept ('' for old ones). */
static void
migrates_version_8(void **state)
{
	struct ronda_store *s;

	(void)state;
	s = ronda_store_open(fresh("v8.db"), err, sizeof(err));
	assert_non_null(s);
	ronda_store_close(s);
	q_exec(path, "DROP TABLE campaign_incidents;"
	    "CREATE TABLE campaign_incidents (campaign_id TEXT NOT NULL, incident_id TEXT NOT NULL,"
	    " site TEXT NOT NULL, joined INTEGER NOT NULL, PRIMARY KEY (campaign_id, incident_id))"
	    " WITHOUT ROWID;"
	    "INSERT INTO campaign_incidents VALUES ('c1', 'i1', 'a.go.id', 1000);"
	    "PRAGMA user_version = 8;");
	s = ronda_store_open(path, err, sizeof(err));
	assert_non_null(s);
	ronda_store_close(s);
	assert_int_equal(q_int(path, "PRAGMA user_version"), RONDA_STORE_VERSION);
	assert_int_equal(q_int(path, "SELECT count(*) FROM campaign_incidents WHERE joined = 1000"
	    " AND via_type = '' AND via_value = '' AND via_weight = 0"), 1);
}

/* Entries stored in the dedupe table (44 bytes each, packed per batch). */
static int64_t
dd_stored(void)
{
	return q_int(path, "SELECT coalesce(sum(length(entries)), 0) / 44 FROM dedupe");
}

/* A batch: offsets, a counter, and n new dedupe ids (seq seq0...) from d. */
static void
put_batch(struct ronda_store *s, struct ronda_dedupe *d, int64_t next, int64_t events,
    int64_t seq0, int n)
{
	struct ronda_store_offset o = { .part = 7, .next_offset = next,
	    .watermark = 1795705200000 + next, .replay_offset = next / 2,
	    .replay_wm = 1795705200000 };

	assert_int_equal(ronda_store_offset_put(s, "ronda.events", &o), 0);
	assert_int_equal(ronda_store_counter_put(s, "events", events), 0);
	assert_int_equal(ronda_dedupe_next_seq(d), seq0);
	for (int i = 0; i < n; i++)
		assert_int_equal(ronda_dedupe_add(d, (uint64_t)(seq0 + i) * 0x9e3779b97f4a7c15ULL,
		    (uint64_t)i, 1795705200000 + i, 7, next - n + i), seq0 + i);
	assert_int_equal(ronda_store_dedupe_append(s, d, seq0), 0);
}

static void
batch_with_offsets_is_atomic(void **state)
{
	struct ronda_store *s;
	struct ronda_store_offset o;
	struct ronda_dedupe *d, *mem = ronda_dedupe_new(1000);

	(void)state;
	assert_non_null(mem);
	s = ronda_store_open(fresh("atomic.db"), err, sizeof(err));
	assert_non_null(s);
	assert_int_equal(ronda_store_offset_get(s, "ronda.events", 7, &o), 0);
	assert_int_equal(ronda_store_begin(s), 0);
	put_batch(s, mem, 100, 100, 1, 100);
	assert_int_equal(ronda_store_commit(s), 0);

	/* A second batch rolled back (a crash before COMMIT): nothing of it stays. */
	assert_int_equal(ronda_store_begin(s), 0);
	put_batch(s, mem, 250, 250, 101, 150);
	ronda_store_rollback(s);
	ronda_dedupe_free(mem);
	assert_int_equal(ronda_store_offset_get(s, "ronda.events", 7, &o), 1);
	assert_int_equal(o.next_offset, 100);
	assert_int_equal(o.replay_offset, 50);
	assert_int_equal(ronda_store_counter_get(s, "events"), 100);
	ronda_store_close(s);

	/* Another reader (and a restart) sees exactly the first batch: one row. */
	assert_int_equal(q_int(path, "SELECT next_offset FROM offsets WHERE part = 7"), 100);
	assert_int_equal(q_int(path, "SELECT count(*) FROM dedupe"), 1);
	assert_int_equal(dd_stored(), 100);
	s = ronda_store_open(path, err, sizeof(err));
	assert_non_null(s);
	d = ronda_dedupe_new(1000);
	assert_int_equal(ronda_store_dedupe_load(s, d, 1000), 0);
	assert_int_equal(ronda_dedupe_count(d), 100);
	assert_int_equal(ronda_dedupe_next_seq(d), 101);
	assert_int_equal(ronda_dedupe_find(d, 100 * 0x9e3779b97f4a7c15ULL, 99)->off, 99);
	/* The next batch appends a row; a smaller cap loads only the newest ids. */
	assert_int_equal(ronda_store_begin(s), 0);
	put_batch(s, d, 250, 250, 101, 150);
	assert_int_equal(ronda_store_commit(s), 0);
	ronda_dedupe_free(d);
	d = ronda_dedupe_new(120);
	assert_int_equal(ronda_store_dedupe_load(s, d, 120), 0);
	assert_int_equal(ronda_dedupe_count(d), 120);
	assert_int_equal(ronda_dedupe_next_seq(d), 251);
	assert_null(ronda_dedupe_find(d, 130 * 0x9e3779b97f4a7c15ULL, 29));
	assert_non_null(ronda_dedupe_find(d, 131 * 0x9e3779b97f4a7c15ULL, 30));
	ronda_dedupe_free(d);
	/* Pruning drops whole rows whose entries have all left the set. */
	assert_int_equal(ronda_store_begin(s), 0);
	assert_int_equal(ronda_store_dedupe_prune(s, 60), 0);
	assert_int_equal(ronda_store_commit(s), 0);
	assert_int_equal(dd_stored(), 250);
	assert_int_equal(ronda_store_begin(s), 0);
	assert_int_equal(ronda_store_dedupe_prune(s, 100), 0);
	assert_int_equal(ronda_store_commit(s), 0);
	ronda_store_close(s);
	assert_int_equal(q_int(path, "SELECT min(first_seq) FROM dedupe"), 101);
	assert_int_equal(dd_stored(), 150);
}

static void
incident_round_trip(void **state)
{
	struct ronda_store *s;
	struct ronda_incident inc, back;
	struct ronda_incident_ind ind[2];
	struct ronda_incident_evidence ev;
	char line[] = "Nov 20 23:04:05 web01 sshd[4121]: Accepted password for admin from "
	    "203.0.113.77 port 52122 ssh2";

	(void)state;
	memset(&inc, 0, sizeof(inc));
	ronda_incident_make_id(inc.id, "bontangkota.go.id", "compromise", "203.0.113.77");
	snprintf(inc.site, sizeof(inc.site), "bontangkota.go.id");
	snprintf(inc.kind, sizeof(inc.kind), "compromise");
	snprintf(inc.key, sizeof(inc.key), "203.0.113.77");
	inc.severity = 4;
	inc.first_seen = inc.last_seen = 1795705225000;
	inc.event_count = 1;
	inc.part = 2;
	inc.site_known = 1;
	memset(ind, 0, sizeof(ind));
	snprintf(ind[0].type, sizeof(ind[0].type), "ip");
	snprintf(ind[0].value, sizeof(ind[0].value), "203.0.113.77");
	snprintf(ind[1].type, sizeof(ind[1].type), "user");
	snprintf(ind[1].value, sizeof(ind[1].value), "admin");
	ind[0].next = &ind[1];
	inc.ind_pending = &ind[0];
	ev = (struct ronda_incident_evidence){ .ts = inc.last_seen, .seq = 0, .line = line,
	    .len = (int)strlen(line) };
	inc.ev_pending = &ev;
	inc.nevidence = 1;
	ronda_incident_set_add(&inc, "ip", "203.0.113.77");
	ronda_incident_set_add(&inc, "user", "admin");

	s = ronda_store_open(fresh("inc.db"), err, sizeof(err));
	assert_non_null(s);
	assert_int_equal(ronda_store_begin(s), 0);
	assert_int_equal(ronda_store_incident_put(s, &inc), 0);
	/* The same incident again (updated): one row, new values, no second evidence. */
	inc.event_count = 3;
	inc.last_seen += 60000;
	inc.status = RONDA_INCIDENT_CLOSED;
	inc.ev_pending = NULL;
	assert_int_equal(ronda_store_incident_put(s, &inc), 0);
	assert_int_equal(ronda_store_commit(s), 0);
	assert_int_equal(ronda_store_incident_get(s, inc.id, &back), 1);
	assert_int_equal(back.event_count, 3);
	assert_int_equal(back.status, RONDA_INCIDENT_CLOSED);
	assert_int_equal(back.severity, 4);
	assert_int_equal(back.nevidence, 1);
	assert_int_equal(back.nind, 2);
	assert_string_equal(back.users[0], "admin");
	assert_int_equal(ronda_store_incident_get(s, "ffffffffffffffffffffffffffffffff",
	    &back), 0);
	ronda_store_close(s);
	assert_int_equal(q_int(path, "SELECT count(*) FROM incidents"), 1);
	assert_int_equal(q_int(path, "SELECT count(*) FROM evidence WHERE line LIKE "
	    "'%Accepted password for admin%'"), 1);
}

/*
 * A full disk in the middle of a batch: the commit fails with SQLite's own
 * words, the previous batch (offsets, counters, dedupe) is intact, and after
 * the space comes back the same store takes the next batch.
 */
static void
failed_commit_keeps_previous_batch(void **state)
{
	struct ronda_store *s;
	struct ronda_store_offset o;
	struct ronda_dedupe *d = ronda_dedupe_new(100000);
	int64_t pages, mark;
	int rc = 0, i;

	(void)state;
	assert_non_null(d);
	s = ronda_store_open(fresh("full.db"), err, sizeof(err));
	assert_non_null(s);
	assert_int_equal(ronda_store_begin(s), 0);
	put_batch(s, d, 1000, 1000, 1, 1000);
	assert_int_equal(ronda_store_commit(s), 0);

	pages = q_int(path, "PRAGMA page_count");
	assert_true(pages > 0);
	assert_int_equal(ronda_store_set_max_pages(s, pages + 2), pages + 2);
	assert_int_equal(ronda_store_begin(s), 0);
	for (i = 0; i < 200 && rc == 0; i++) {
		struct ronda_store_offset o2 = { .part = 7, .next_offset = 1000 + (i + 1) * 100 };
		rc = ronda_store_offset_put(s, "ronda.events", &o2);
		mark = ronda_dedupe_next_seq(d);
		for (int k = 0; k < 100; k++)
			ronda_dedupe_add(d, (uint64_t)(i * 100 + k) * 31 + 7, 99, 1795705300000,
			    7, 1000 + i * 100 + k);
		if (rc == 0)
			rc = ronda_store_dedupe_append(s, d, mark);
		if (rc == 0)
			rc = ronda_store_counter_put(s, "events", 1000 + (i + 1) * 100);
	}
	if (rc == 0)
		rc = ronda_store_commit(s);
	assert_int_equal(rc, -1);
	assert_non_null(strstr(ronda_store_errmsg(s), "full"));
	ronda_store_rollback(s);

	assert_int_equal(ronda_store_offset_get(s, "ronda.events", 7, &o), 1);
	assert_int_equal(o.next_offset, 1000);
	assert_int_equal(ronda_store_counter_get(s, "events"), 1000);
	assert_int_equal(dd_stored(), 1000);
	assert_int_equal(q_int(path, "SELECT next_offset FROM offsets WHERE part = 7"), 1000);

	/* Space again: the next batch goes in (the engine's set restarts from the store). */
	ronda_dedupe_free(d);
	d = ronda_dedupe_new(100000);
	assert_int_equal(ronda_store_dedupe_load(s, d, 100000), 0);
	assert_true(ronda_store_set_max_pages(s, 1 << 30) > pages);
	assert_int_equal(ronda_store_begin(s), 0);
	put_batch(s, d, 1100, 1100, 1001, 100);
	assert_int_equal(ronda_store_commit(s), 0);
	ronda_store_close(s);
	ronda_dedupe_free(d);
	assert_int_equal(q_int(path, "SELECT next_offset FROM offsets WHERE part = 7"), 1100);
	assert_int_equal(dd_stored(), 1100);
}

static void
open_error_names_the_path(void **state)
{
	(void)state;
	assert_null(ronda_store_open("/nonexistent-dir/ronda.db", err, sizeof(err)));
	assert_non_null(strstr(err, "/nonexistent-dir/ronda.db"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(ddl_matches_schema_file),
		cmocka_unit_test(fresh_store_is_current_version),
		cmocka_unit_test(migrates_version_1),
		cmocka_unit_test(migrates_version_4),
		cmocka_unit_test(migrates_version_5),
		cmocka_unit_test(migrates_version_8),
		cmocka_unit_test(refuses_newer_version),
		cmocka_unit_test(batch_with_offsets_is_atomic),
		cmocka_unit_test(incident_round_trip),
		cmocka_unit_test(failed_commit_keeps_previous_batch),
		cmocka_unit_test(open_error_names_the_path),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
