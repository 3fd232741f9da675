/*
 * test_ckpt.c — the collector's state DB: rows survive a reopen, and only
 * rows of files read to the end and older than the cutoff are expired; a
 * version 1 DB gains the journal cursors and keeps its rows.
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

#include "ckpt.h"

static char dir[256], db[300];

static int
setup(void **state)
{
	(void)state;
	snprintf(dir, sizeof(dir), "%s/ronda-ckpt.XXXXXX",
	    getenv("TMPDIR") != NULL ? getenv("TMPDIR") : "/tmp");
	if (mkdtemp(dir) == NULL)
		return -1;
	snprintf(db, sizeof(db), "%s/state.db", dir);
	return 0;
}

static int
teardown(void **state)
{
	char p[400];

	(void)state;
	snprintf(p, sizeof(p), "%s-wal", db);
	unlink(p);
	snprintf(p, sizeof(p), "%s-shm", db);
	unlink(p);
	unlink(db);
	rmdir(dir);
	return 0;
}

static void
put(struct ronda_ckpt *ck, uint64_t ino, uint64_t fp, int done, int64_t updated)
{
	struct ronda_ckpt_rec r = { .dev = 8, .ino = ino, .fp = fp, .fp_len = 64,
	    .path = "/var/log/nginx/access.log", .offset = 1000, .done = done,
	    .updated_ms = updated };

	assert_int_equal(ronda_ckpt_put(ck, &r), 0);
}

static void
expire_drops_only_old_finished_files(void **state)
{
	char err[256];
	struct ronda_ckpt *ck;
	struct ronda_ckpt_rec *recs = NULL;
	size_t n = 0;
	const int64_t day = INT64_C(86400) * 1000, now = INT64_C(1795000000000);

	(void)state;
	ck = ronda_ckpt_open(db, err, sizeof(err));
	assert_non_null(ck);
	put(ck, 1, 101, 1, now - 40 * day);	/* finished long ago: goes */
	put(ck, 2, 102, 1, now - 10 * day);	/* finished recently: stays */
	put(ck, 3, 103, 0, now - 40 * day);	/* still tailed (quiet file): stays */
	assert_int_equal(ronda_ckpt_expire(ck, now - 30 * day), 0);
	assert_int_equal(ronda_ckpt_known(ck, 101), 0);
	assert_int_equal(ronda_ckpt_known(ck, 102), 1);
	assert_int_equal(ronda_ckpt_known(ck, 103), 1);
	ronda_ckpt_free(ck);

	/* And after a reopen, the live row is still there to resume from. */
	ck = ronda_ckpt_open(db, err, sizeof(err));
	assert_non_null(ck);
	assert_int_equal(ronda_ckpt_load(ck, &recs, &n), 0);
	assert_int_equal(n, 1);
	assert_true(recs[0].ino == 3);
	assert_true(recs[0].offset == 1000);
	ronda_ckpt_recs_free(recs, n);
	assert_int_equal(ronda_ckpt_known(ck, 101), 0);
	ronda_ckpt_free(ck);
}

/* A state DB as the collector before the journal input wrote it (version 1). */
static void
make_v1(void)
{
	sqlite3 *h;

	assert_int_equal(sqlite3_open(db, &h), SQLITE_OK);
	assert_int_equal(sqlite3_exec(h,
	    "CREATE TABLE files (dev INTEGER NOT NULL, ino INTEGER NOT NULL,"
	    " fp INTEGER NOT NULL, fp_len INTEGER NOT NULL, path TEXT NOT NULL,"
	    " offset INTEGER NOT NULL, done INTEGER NOT NULL DEFAULT 0,"
	    " updated INTEGER NOT NULL, PRIMARY KEY (dev, ino, fp));"
	    "CREATE TABLE inputs (pattern TEXT PRIMARY KEY, first_seen INTEGER NOT NULL);"
	    "INSERT INTO files VALUES (8, 3, 103, 64, '/var/log/auth.log', 777, 0, 1);"
	    "PRAGMA user_version = 1;", NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(h);
}

static void
v1_db_gains_journal_cursors(void **state)
{
	char err[256], *cur = NULL;
	struct ronda_ckpt *ck;
	struct ronda_ckpt_rec *recs = NULL;
	size_t n = 0;

	(void)state;
	make_v1();
	ck = ronda_ckpt_open(db, err, sizeof(err));
	assert_non_null(ck);
	assert_int_equal(ronda_ckpt_load(ck, &recs, &n), 0);
	assert_int_equal(n, 1);
	assert_true(recs[0].offset == 777);
	ronda_ckpt_recs_free(recs, n);

	assert_int_equal(ronda_ckpt_journal_get(ck, "journal:system", &cur), 0);
	assert_null(cur);
	assert_int_equal(ronda_ckpt_journal_put(ck, "journal:system", "s=a;i=1"), 0);
	assert_int_equal(ronda_ckpt_journal_put(ck, "journal:system", "s=a;i=2"), 0);
	ronda_ckpt_free(ck);

	ck = ronda_ckpt_open(db, err, sizeof(err));
	assert_non_null(ck);
	assert_int_equal(ronda_ckpt_journal_get(ck, "journal:system", &cur), 0);
	assert_non_null(cur);
	assert_string_equal(cur, "s=a;i=2");
	free(cur);
	ronda_ckpt_free(ck);
}

static void
newer_db_is_refused(void **state)
{
	char err[256];
	sqlite3 *h;

	(void)state;
	assert_int_equal(sqlite3_open(db, &h), SQLITE_OK);
	assert_int_equal(sqlite3_exec(h, "PRAGMA user_version = 3", NULL, NULL, NULL),
	    SQLITE_OK);
	sqlite3_close(h);
	assert_null(ronda_ckpt_open(db, err, sizeof(err)));
	assert_non_null(strstr(err, "newer than this collector (2)"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(expire_drops_only_old_finished_files, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(v1_db_gains_journal_cursors, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(newer_db_is_refused, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
