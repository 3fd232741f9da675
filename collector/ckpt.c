#include "ckpt.h"

#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ronda/timeutil.h"

struct ronda_ckpt {
	sqlite3 *db;
	sqlite3_stmt *put;
	sqlite3_stmt *load;
	sqlite3_stmt *seen_get;
	sqlite3_stmt *seen_put;
	sqlite3_stmt *expire;
	sqlite3_stmt *known;
	sqlite3_stmt *last;
	sqlite3_stmt *jget;
	sqlite3_stmt *jput;
	char err[256];
};

static const char schema[] =
    "CREATE TABLE IF NOT EXISTS files ("
    " dev INTEGER NOT NULL, ino INTEGER NOT NULL, fp INTEGER NOT NULL,"
    " fp_len INTEGER NOT NULL, path TEXT NOT NULL, offset INTEGER NOT NULL,"
    " done INTEGER NOT NULL DEFAULT 0, updated INTEGER NOT NULL,"
    " PRIMARY KEY (dev, ino, fp));"
    "CREATE TABLE IF NOT EXISTS inputs ("
    " pattern TEXT PRIMARY KEY, first_seen INTEGER NOT NULL);";

/*
 * Version 2 adds the journal cursors: one row per journal an input reads
 * (ronda_collector_input.journal_key). A version 1 DB gets the table on its
 * first open by this collector; its file rows are untouched.
 */
#define SCHEMA_VERSION 2
static const char schema_v2[] =
    "CREATE TABLE IF NOT EXISTS journals ("
    " key TEXT PRIMARY KEY, cursor TEXT NOT NULL, updated INTEGER NOT NULL);";

static void
seterr(struct ronda_ckpt *ck, const char *what)
{
	snprintf(ck->err, sizeof(ck->err), "%s: %s", what,
	    ck->db ? sqlite3_errmsg(ck->db) : "out of memory");
}

const char *
ronda_ckpt_errmsg(const struct ronda_ckpt *ck)
{
	return ck->err;
}

void
ronda_ckpt_free(struct ronda_ckpt *ck)
{
	if (ck == NULL)
		return;
	sqlite3_finalize(ck->put);
	sqlite3_finalize(ck->load);
	sqlite3_finalize(ck->seen_get);
	sqlite3_finalize(ck->seen_put);
	sqlite3_finalize(ck->expire);
	sqlite3_finalize(ck->known);
	sqlite3_finalize(ck->last);
	sqlite3_finalize(ck->jget);
	sqlite3_finalize(ck->jput);
	sqlite3_close(ck->db);
	free(ck);
}

struct ronda_ckpt *
ronda_ckpt_open(const char *path, char *err, size_t errlen)
{
	struct ronda_ckpt *ck;
	int user_version = 0;
	sqlite3_stmt *st;

	if ((ck = calloc(1, sizeof(*ck))) == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	if (sqlite3_open_v2(path, &ck->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE |
	    SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK) {
		seterr(ck, path);
		goto fail;
	}
	sqlite3_busy_timeout(ck->db, 2000);
	/*
	 * WAL with synchronous=NORMAL: a power cut may lose the newest
	 * checkpoints (the lines are then resent: at-least-once), never
	 * corrupt the file.
	 */
	if (sqlite3_exec(ck->db, "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
	    NULL, NULL, NULL) != SQLITE_OK ||
	    sqlite3_exec(ck->db, schema, NULL, NULL, NULL) != SQLITE_OK) {
		seterr(ck, path);
		goto fail;
	}
	if (sqlite3_prepare_v2(ck->db, "PRAGMA user_version", -1, &st, NULL) == SQLITE_OK) {
		if (sqlite3_step(st) == SQLITE_ROW)
			user_version = sqlite3_column_int(st, 0);
		sqlite3_finalize(st);
	}
	if (user_version > SCHEMA_VERSION) {
		snprintf(ck->err, sizeof(ck->err),
		    "%s: state DB version %d is newer than this collector (%d)", path,
		    user_version, SCHEMA_VERSION);
		goto fail;
	}
	if (user_version < SCHEMA_VERSION) {
		/* The migration and its version in one transaction. */
		if (sqlite3_exec(ck->db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK ||
		    sqlite3_exec(ck->db, schema_v2, NULL, NULL, NULL) != SQLITE_OK ||
		    sqlite3_exec(ck->db, "PRAGMA user_version=2", NULL, NULL, NULL) !=
		    SQLITE_OK || sqlite3_exec(ck->db, "COMMIT", NULL, NULL, NULL) !=
		    SQLITE_OK) {
			seterr(ck, path);
			ronda_ckpt_rollback(ck);
			goto fail;
		}
	}
	if (sqlite3_prepare_v2(ck->db,
	    "INSERT INTO files(dev,ino,fp,fp_len,path,offset,done,updated)"
	    " VALUES(?1,?2,?3,?4,?5,?6,?7,?8) ON CONFLICT(dev,ino,fp) DO UPDATE SET"
	    " fp_len=?4, path=?5, offset=?6, done=?7, updated=?8", -1, &ck->put,
	    NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(ck->db,
	    "SELECT dev,ino,fp,fp_len,path,offset,done,updated FROM files WHERE done=0"
	    " ORDER BY updated", -1, &ck->load, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(ck->db, "SELECT 1 FROM inputs WHERE pattern=?1", -1,
	    &ck->seen_get, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(ck->db,
	    "INSERT OR IGNORE INTO inputs(pattern,first_seen) VALUES(?1,?2)", -1,
	    &ck->seen_put, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(ck->db, "DELETE FROM files WHERE done=1 AND updated<?1",
	    -1, &ck->expire, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(ck->db, "SELECT 1 FROM files WHERE fp=?1 LIMIT 1", -1,
	    &ck->known, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(ck->db, "SELECT max(updated) FROM files", -1, &ck->last,
	    NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(ck->db, "SELECT cursor FROM journals WHERE key=?1", -1,
	    &ck->jget, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(ck->db,
	    "INSERT INTO journals(key,cursor,updated) VALUES(?1,?2,?3)"
	    " ON CONFLICT(key) DO UPDATE SET cursor=?2, updated=?3", -1, &ck->jput,
	    NULL) != SQLITE_OK) {
		seterr(ck, path);
		goto fail;
	}
	return ck;
fail:
	snprintf(err, errlen, "%s", ck->err);
	ronda_ckpt_free(ck);
	return NULL;
}

int
ronda_ckpt_begin(struct ronda_ckpt *ck)
{
	if (sqlite3_exec(ck->db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK) {
		seterr(ck, "begin");
		return -1;
	}
	return 0;
}

int
ronda_ckpt_commit(struct ronda_ckpt *ck)
{
	if (sqlite3_exec(ck->db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK) {
		seterr(ck, "commit");
		ronda_ckpt_rollback(ck);
		return -1;
	}
	return 0;
}

void
ronda_ckpt_rollback(struct ronda_ckpt *ck)
{
	if (!sqlite3_get_autocommit(ck->db))
		sqlite3_exec(ck->db, "ROLLBACK", NULL, NULL, NULL);
}

int
ronda_ckpt_put(struct ronda_ckpt *ck, const struct ronda_ckpt_rec *r)
{
	sqlite3_stmt *st = ck->put;
	int rc;

	sqlite3_bind_int64(st, 1, (sqlite3_int64)r->dev);
	sqlite3_bind_int64(st, 2, (sqlite3_int64)r->ino);
	sqlite3_bind_int64(st, 3, (sqlite3_int64)r->fp);
	sqlite3_bind_int64(st, 4, r->fp_len);
	sqlite3_bind_text(st, 5, r->path ? r->path : "", -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 6, (sqlite3_int64)r->offset);
	sqlite3_bind_int(st, 7, r->done);
	sqlite3_bind_int64(st, 8, r->updated_ms ? r->updated_ms : ronda_now_ms());
	rc = sqlite3_step(st);
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	if (rc != SQLITE_DONE) {
		seterr(ck, "put");
		return -1;
	}
	return 0;
}

void
ronda_ckpt_recs_free(struct ronda_ckpt_rec *recs, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(recs[i].path);
	free(recs);
}

int
ronda_ckpt_load(struct ronda_ckpt *ck, struct ronda_ckpt_rec **recsp, size_t *np)
{
	struct ronda_ckpt_rec *recs = NULL, *nr;
	size_t n = 0;
	int rc;

	while ((rc = sqlite3_step(ck->load)) == SQLITE_ROW) {
		const unsigned char *p;
		if ((nr = realloc(recs, (n + 1) * sizeof(*recs))) == NULL)
			goto fail;
		recs = nr;
		memset(&recs[n], 0, sizeof(recs[n]));
		recs[n].dev = (uint64_t)sqlite3_column_int64(ck->load, 0);
		recs[n].ino = (uint64_t)sqlite3_column_int64(ck->load, 1);
		recs[n].fp = (uint64_t)sqlite3_column_int64(ck->load, 2);
		recs[n].fp_len = (uint32_t)sqlite3_column_int64(ck->load, 3);
		p = sqlite3_column_text(ck->load, 4);
		recs[n].path = strdup(p ? (const char *)p : "");
		recs[n].offset = (uint64_t)sqlite3_column_int64(ck->load, 5);
		recs[n].done = sqlite3_column_int(ck->load, 6);
		recs[n].updated_ms = sqlite3_column_int64(ck->load, 7);
		n++;
		if (recs[n - 1].path == NULL)
			goto fail;
	}
	sqlite3_reset(ck->load);
	if (rc != SQLITE_DONE) {
		seterr(ck, "load");
		ronda_ckpt_recs_free(recs, n);
		return -1;
	}
	*recsp = recs;
	*np = n;
	return 0;
fail:
	sqlite3_reset(ck->load);
	snprintf(ck->err, sizeof(ck->err), "load: out of memory");
	ronda_ckpt_recs_free(recs, n);
	return -1;
}

int
ronda_ckpt_input_seen(struct ronda_ckpt *ck, const char *pattern)
{
	int rc, seen;

	sqlite3_bind_text(ck->seen_get, 1, pattern, -1, SQLITE_STATIC);
	rc = sqlite3_step(ck->seen_get);
	seen = rc == SQLITE_ROW;
	sqlite3_reset(ck->seen_get);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
		seterr(ck, "input_seen");
		return -1;
	}
	if (seen)
		return 1;
	sqlite3_bind_text(ck->seen_put, 1, pattern, -1, SQLITE_STATIC);
	sqlite3_bind_int64(ck->seen_put, 2, ronda_now_ms());
	rc = sqlite3_step(ck->seen_put);
	sqlite3_reset(ck->seen_put);
	if (rc != SQLITE_DONE) {
		seterr(ck, "input_seen");
		return -1;
	}
	return 0;
}

int
ronda_ckpt_expire(struct ronda_ckpt *ck, int64_t cutoff_ms)
{
	int rc;

	sqlite3_bind_int64(ck->expire, 1, cutoff_ms);
	rc = sqlite3_step(ck->expire);
	sqlite3_reset(ck->expire);
	if (rc != SQLITE_DONE) {
		seterr(ck, "expire");
		return -1;
	}
	return 0;
}

int
ronda_ckpt_known(struct ronda_ckpt *ck, uint64_t fp)
{
	int rc;

	sqlite3_bind_int64(ck->known, 1, (sqlite3_int64)fp);
	rc = sqlite3_step(ck->known);
	sqlite3_reset(ck->known);
	if (rc == SQLITE_ROW)
		return 1;
	if (rc == SQLITE_DONE)
		return 0;
	seterr(ck, "known");
	return -1;
}

int64_t
ronda_ckpt_last_update(struct ronda_ckpt *ck)
{
	int64_t v = 0;

	if (sqlite3_step(ck->last) == SQLITE_ROW)
		v = sqlite3_column_int64(ck->last, 0);
	sqlite3_reset(ck->last);
	return v;
}

int
ronda_ckpt_journal_get(struct ronda_ckpt *ck, const char *key, char **cursor)
{
	const unsigned char *p;
	int rc;

	*cursor = NULL;
	sqlite3_bind_text(ck->jget, 1, key, -1, SQLITE_STATIC);
	rc = sqlite3_step(ck->jget);
	if (rc == SQLITE_ROW && (p = sqlite3_column_text(ck->jget, 0)) != NULL &&
	    (*cursor = strdup((const char *)p)) == NULL) {
		sqlite3_reset(ck->jget);
		snprintf(ck->err, sizeof(ck->err), "journal_get: out of memory");
		return -1;
	}
	sqlite3_reset(ck->jget);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
		seterr(ck, "journal_get");
		return -1;
	}
	return 0;
}

int
ronda_ckpt_journal_put(struct ronda_ckpt *ck, const char *key, const char *cursor)
{
	int rc;

	sqlite3_bind_text(ck->jput, 1, key, -1, SQLITE_STATIC);
	sqlite3_bind_text(ck->jput, 2, cursor, -1, SQLITE_STATIC);
	sqlite3_bind_int64(ck->jput, 3, ronda_now_ms());
	rc = sqlite3_step(ck->jput);
	sqlite3_reset(ck->jput);
	sqlite3_clear_bindings(ck->jput);
	if (rc != SQLITE_DONE) {
		seterr(ck, "journal_put");
		return -1;
	}
	return 0;
}
