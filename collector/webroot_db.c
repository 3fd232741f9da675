#include "webroot_db.h"

#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct ronda_webroot_db {
	sqlite3 *db;
	sqlite3_stmt *get, *put, *del, *clear;
	sqlite3_stmt *root_get, *root_put;
	sqlite3_stmt *folder_first, *folder_after;
	/* [0]: below a folder prefix, [1]: the whole root (prefix ""). */
	sqlite3_stmt *sub_first[2], *sub_after[2], *sub_del[2], *sub_files[2];
	sqlite3_stmt *by_inode, *count;
	sqlite3_stmt *acc_add, *acc_load, *acc_done, *acc_expire;
	sqlite3_stmt *data_version;
	char err[256];
};

/*
 * webroot_files: the baseline. WITHOUT ROWID: the primary key is the
 * table, so a folder's rows are one contiguous range of the B-tree.
 * webroot_roots: which roots finished their first scan.
 * webroot_accepts: the operator's acceptances (--accept).
 */
static const char schema[] =
    "CREATE TABLE IF NOT EXISTS webroot_files ("
    " root TEXT NOT NULL, folder BLOB NOT NULL, name BLOB NOT NULL,"
    " size INTEGER NOT NULL, mtime_ns INTEGER NOT NULL, ctime_ns INTEGER NOT NULL,"
    " inode INTEGER NOT NULL, mode INTEGER NOT NULL, uid INTEGER NOT NULL,"
    " sha256 BLOB,"
    " PRIMARY KEY (root, folder, name)) WITHOUT ROWID;"
    "CREATE INDEX IF NOT EXISTS webroot_files_inode ON webroot_files(root, inode);"
    "CREATE TABLE IF NOT EXISTS webroot_roots ("
    " root TEXT PRIMARY KEY, baselined INTEGER NOT NULL, updated INTEGER NOT NULL);"
    "CREATE TABLE IF NOT EXISTS webroot_accepts ("
    " id INTEGER PRIMARY KEY AUTOINCREMENT, root TEXT NOT NULL, prefix BLOB NOT NULL,"
    " from_ms INTEGER NOT NULL, until_ms INTEGER NOT NULL,"
    " rebaseline INTEGER NOT NULL DEFAULT 0, done INTEGER NOT NULL DEFAULT 0);";

#define ROW_COLS "folder, name, size, mtime_ns, ctime_ns, inode, mode, uid, sha256"

static void
seterr(struct ronda_webroot_db *db, const char *what)
{
	snprintf(db->err, sizeof(db->err), "%s: %s", what,
	    db->db != NULL ? sqlite3_errmsg(db->db) : "out of memory");
}

const char *
ronda_webroot_db_errmsg(const struct ronda_webroot_db *db)
{
	return db->err;
}

void
ronda_webroot_db_free(struct ronda_webroot_db *db)
{
	sqlite3_stmt **all[] = { &db->get, &db->put, &db->del, &db->clear, &db->root_get,
	    &db->root_put, &db->folder_first, &db->folder_after, &db->sub_first[0],
	    &db->sub_first[1], &db->sub_after[0], &db->sub_after[1], &db->sub_del[0],
	    &db->sub_del[1], &db->sub_files[0], &db->sub_files[1], &db->by_inode,
	    &db->count,
	    &db->acc_add, &db->acc_load, &db->acc_done, &db->acc_expire,
	    &db->data_version };

	if (db == NULL)
		return;
	for (size_t i = 0; i < sizeof(all) / sizeof(all[0]); i++)
		sqlite3_finalize(*all[i]);
	sqlite3_close(db->db);
	free(db);
}

static int
prep(struct ronda_webroot_db *db, sqlite3_stmt **st, const char *sql)
{
	if (sqlite3_prepare_v3(db->db, sql, -1, SQLITE_PREPARE_PERSISTENT, st, NULL) !=
	    SQLITE_OK) {
		seterr(db, "prepare");
		return -1;
	}
	return 0;
}

/*
 * The subtree of folder prefix P: rows whose folder is P or starts with
 * "P/". As one range of the key, P <= folder < "P0" ('0' follows '/'),
 * minus what sorts between P and "P/" ("P!x"): ?2 = P, ?3 = "P/", ?4 =
 * "P0". P = "" (the whole root) has statements of its own.
 */
#define SUBTREE "folder >= ?2 AND folder < ?4 AND (folder = ?2 OR folder >= ?3)"

struct ronda_webroot_db *
ronda_webroot_db_open(const char *path, char *err, size_t errlen)
{
	struct ronda_webroot_db *db;

	if ((db = calloc(1, sizeof(*db))) == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	if (sqlite3_open_v2(path, &db->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE |
	    SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK) {
		seterr(db, path);
		goto fail;
	}
	/*
	 * The collector's other connection (ckpt.c) and --accept write the
	 * same file; neither holds a write lock longer than one short
	 * transaction, so a busy wait is brief.
	 */
	sqlite3_busy_timeout(db->db, 2000);
	if (sqlite3_exec(db->db, "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
	    NULL, NULL, NULL) != SQLITE_OK ||
	    sqlite3_exec(db->db, schema, NULL, NULL, NULL) != SQLITE_OK) {
		seterr(db, path);
		goto fail;
	}
	if (prep(db, &db->get, "SELECT " ROW_COLS " FROM webroot_files"
	    " WHERE root=?1 AND folder=?2 AND name=?3") == -1 ||
	    prep(db, &db->put, "INSERT OR REPLACE INTO webroot_files(root, " ROW_COLS
	    ") VALUES(?1,?2,?3,?4,?5,?6,?7,?8,?9,?10)") == -1 ||
	    prep(db, &db->del, "DELETE FROM webroot_files"
	    " WHERE root=?1 AND folder=?2 AND name=?3") == -1 ||
	    prep(db, &db->clear, "DELETE FROM webroot_files WHERE root=?1") == -1 ||
	    prep(db, &db->root_get, "SELECT baselined FROM webroot_roots WHERE root=?1")
	    == -1 ||
	    prep(db, &db->root_put, "INSERT INTO webroot_roots(root, baselined, updated)"
	    " VALUES(?1,?2,?3) ON CONFLICT(root) DO UPDATE SET baselined=?2, updated=?3")
	    == -1 ||
	    prep(db, &db->folder_first, "SELECT " ROW_COLS " FROM webroot_files"
	    " WHERE root=?1 AND folder=?2 ORDER BY name LIMIT ?4") == -1 ||
	    prep(db, &db->folder_after, "SELECT " ROW_COLS " FROM webroot_files"
	    " WHERE root=?1 AND folder=?2 AND name>?3 ORDER BY name LIMIT ?4") == -1 ||
	    prep(db, &db->sub_first[0], "SELECT " ROW_COLS " FROM webroot_files"
	    " WHERE root=?1 AND " SUBTREE " ORDER BY folder, name LIMIT ?7") == -1 ||
	    prep(db, &db->sub_first[1], "SELECT " ROW_COLS " FROM webroot_files"
	    " WHERE root=?1 ORDER BY folder, name LIMIT ?7") == -1 ||
	    prep(db, &db->sub_after[0], "SELECT " ROW_COLS " FROM webroot_files"
	    " WHERE root=?1 AND " SUBTREE " AND (folder, name) > (?5, ?6)"
	    " ORDER BY folder, name LIMIT ?7") == -1 ||
	    prep(db, &db->sub_after[1], "SELECT " ROW_COLS " FROM webroot_files"
	    " WHERE root=?1 AND (folder, name) > (?5, ?6)"
	    " ORDER BY folder, name LIMIT ?7") == -1 ||
	    prep(db, &db->sub_del[0], "DELETE FROM webroot_files WHERE root=?1 AND "
	    SUBTREE) == -1 ||
	    prep(db, &db->sub_del[1], "DELETE FROM webroot_files WHERE root=?1") == -1 ||
	    prep(db, &db->sub_files[0], "SELECT 1 FROM webroot_files WHERE root=?1 AND "
	    SUBTREE " AND (mode & 61440) != 16384 LIMIT 1") == -1 ||
	    prep(db, &db->sub_files[1], "SELECT 1 FROM webroot_files WHERE root=?1"
	    " AND (mode & 61440) != 16384 LIMIT 1") == -1 ||
	    prep(db, &db->by_inode, "SELECT " ROW_COLS " FROM webroot_files"
	    " WHERE root=?1 AND inode=?2 LIMIT ?3") == -1 ||
	    prep(db, &db->count, "SELECT count(*) FROM webroot_files WHERE root=?1") ==
	    -1 ||
	    prep(db, &db->acc_add, "INSERT INTO webroot_accepts(root, prefix, from_ms,"
	    " until_ms, rebaseline, done) VALUES(?1,?2,?3,?4,?5,0)") == -1 ||
	    prep(db, &db->acc_load, "SELECT id, root, prefix, from_ms, until_ms,"
	    " rebaseline, done FROM webroot_accepts WHERE until_ms > ?1 OR"
	    " (rebaseline = 1 AND done = 0) ORDER BY id DESC LIMIT ?2") == -1 ||
	    prep(db, &db->acc_done, "UPDATE webroot_accepts SET done=1 WHERE id=?1") ==
	    -1 ||
	    prep(db, &db->acc_expire, "DELETE FROM webroot_accepts WHERE until_ms < ?1"
	    " AND (rebaseline = 0 OR done = 1)") == -1 ||
	    prep(db, &db->data_version, "PRAGMA data_version") == -1)
		goto fail;
	return db;
fail:
	snprintf(err, errlen, "%s", db->err);
	ronda_webroot_db_free(db);
	return NULL;
}

int
ronda_webroot_db_in_txn(const struct ronda_webroot_db *db)
{
	return !sqlite3_get_autocommit(db->db);
}

int
ronda_webroot_db_begin(struct ronda_webroot_db *db)
{
	if (!sqlite3_get_autocommit(db->db))
		return 0;
	if (sqlite3_exec(db->db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK) {
		seterr(db, "begin");
		return -1;
	}
	return 0;
}

int
ronda_webroot_db_commit(struct ronda_webroot_db *db)
{
	if (sqlite3_get_autocommit(db->db))
		return 0;
	if (sqlite3_exec(db->db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK) {
		seterr(db, "commit");
		ronda_webroot_db_rollback(db);
		return -1;
	}
	return 0;
}

void
ronda_webroot_db_rollback(struct ronda_webroot_db *db)
{
	if (!sqlite3_get_autocommit(db->db))
		sqlite3_exec(db->db, "ROLLBACK", NULL, NULL, NULL);
}

/* Step a statement that returns no rows; reset it. 0 / -1. */
static int
step_done(struct ronda_webroot_db *db, sqlite3_stmt *st, const char *what)
{
	int rc = sqlite3_step(st);

	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	if (rc != SQLITE_DONE) {
		seterr(db, what);
		return -1;
	}
	return 0;
}

static void
bind_blob(sqlite3_stmt *st, int i, const char *p, size_t n)
{
	/* A zero-length BLOB, not NULL: "" is the root folder. */
	sqlite3_bind_blob64(st, i, n > 0 ? p : "", n, SQLITE_STATIC);
}

int
ronda_webroot_db_baselined(struct ronda_webroot_db *db, const char *root)
{
	int rc, v = 0;

	sqlite3_bind_text(db->root_get, 1, root, -1, SQLITE_STATIC);
	rc = sqlite3_step(db->root_get);
	if (rc == SQLITE_ROW)
		v = sqlite3_column_int(db->root_get, 0) != 0;
	sqlite3_reset(db->root_get);
	sqlite3_clear_bindings(db->root_get);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
		seterr(db, "baselined");
		return -1;
	}
	return v;
}

int
ronda_webroot_db_set_baselined(struct ronda_webroot_db *db, const char *root,
    int baselined, int64_t now_ms)
{
	sqlite3_bind_text(db->root_put, 1, root, -1, SQLITE_STATIC);
	sqlite3_bind_int(db->root_put, 2, baselined);
	sqlite3_bind_int64(db->root_put, 3, now_ms);
	return step_done(db, db->root_put, "set_baselined");
}

int
ronda_webroot_db_clear_root(struct ronda_webroot_db *db, const char *root)
{
	sqlite3_bind_text(db->clear, 1, root, -1, SQLITE_STATIC);
	return step_done(db, db->clear, "clear_root");
}

/* Columns 2.. of ROW_COLS into *r. */
static void
read_row(sqlite3_stmt *st, struct ronda_wr_row *r)
{
	const void *h;

	memset(r, 0, sizeof(*r));
	r->size = (uint64_t)sqlite3_column_int64(st, 2);
	r->mtime_ns = sqlite3_column_int64(st, 3);
	r->ctime_ns = sqlite3_column_int64(st, 4);
	r->inode = (uint64_t)sqlite3_column_int64(st, 5);
	r->mode = (uint32_t)sqlite3_column_int64(st, 6);
	r->uid = (uint32_t)sqlite3_column_int64(st, 7);
	h = sqlite3_column_blob(st, 8);
	if (h != NULL && sqlite3_column_bytes(st, 8) == 32) {
		memcpy(r->sha256, h, 32);
		r->has_hash = 1;
	}
}

int
ronda_webroot_db_get(struct ronda_webroot_db *db, const char *root, const char *folder,
    size_t folderlen, const char *name, size_t namelen, struct ronda_wr_row *row)
{
	sqlite3_stmt *st = db->get;
	int rc;

	sqlite3_bind_text(st, 1, root, -1, SQLITE_STATIC);
	bind_blob(st, 2, folder, folderlen);
	bind_blob(st, 3, name, namelen);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		read_row(st, row);
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	if (rc == SQLITE_ROW)
		return 1;
	if (rc == SQLITE_DONE)
		return 0;
	seterr(db, "get");
	return -1;
}

int
ronda_webroot_db_put(struct ronda_webroot_db *db, const char *root, const char *folder,
    size_t folderlen, const char *name, size_t namelen, const struct ronda_wr_row *r)
{
	sqlite3_stmt *st = db->put;

	sqlite3_bind_text(st, 1, root, -1, SQLITE_STATIC);
	bind_blob(st, 2, folder, folderlen);
	bind_blob(st, 3, name, namelen);
	sqlite3_bind_int64(st, 4, (sqlite3_int64)r->size);
	sqlite3_bind_int64(st, 5, r->mtime_ns);
	sqlite3_bind_int64(st, 6, r->ctime_ns);
	sqlite3_bind_int64(st, 7, (sqlite3_int64)r->inode);
	sqlite3_bind_int64(st, 8, r->mode);
	sqlite3_bind_int64(st, 9, r->uid);
	if (r->has_hash)
		sqlite3_bind_blob(st, 10, r->sha256, 32, SQLITE_STATIC);
	else
		sqlite3_bind_null(st, 10);
	return step_done(db, st, "put");
}

int
ronda_webroot_db_del(struct ronda_webroot_db *db, const char *root, const char *folder,
    size_t folderlen, const char *name, size_t namelen)
{
	sqlite3_stmt *st = db->del;

	sqlite3_bind_text(st, 1, root, -1, SQLITE_STATIC);
	bind_blob(st, 2, folder, folderlen);
	bind_blob(st, 3, name, namelen);
	return step_done(db, st, "del");
}

/* Run a listing statement, calling cb per row. Count or -1. */
static int
list_rows(struct ronda_webroot_db *db, sqlite3_stmt *st,
    void (*cb)(void *, const struct ronda_wr_entry *), void *arg, const char *what)
{
	struct ronda_wr_entry e;
	int rc, n = 0;

	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		e.folder = sqlite3_column_blob(st, 0);
		e.folderlen = (size_t)sqlite3_column_bytes(st, 0);
		e.name = sqlite3_column_blob(st, 1);
		e.namelen = (size_t)sqlite3_column_bytes(st, 1);
		if (e.folder == NULL)
			e.folder = "";
		if (e.name == NULL)
			e.name = "";
		read_row(st, &e.row);
		cb(arg, &e);
		n++;
	}
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	if (rc != SQLITE_DONE) {
		seterr(db, what);
		return -1;
	}
	return n;
}

int
ronda_webroot_db_folder_page(struct ronda_webroot_db *db, const char *root,
    const char *folder, size_t folderlen, const char *after, size_t afterlen,
    int limit, void (*cb)(void *arg, const struct ronda_wr_entry *e), void *arg)
{
	sqlite3_stmt *st = after != NULL ? db->folder_after : db->folder_first;

	sqlite3_bind_text(st, 1, root, -1, SQLITE_STATIC);
	bind_blob(st, 2, folder, folderlen);
	if (after != NULL)
		bind_blob(st, 3, after, afterlen);
	sqlite3_bind_int(st, 4, limit);
	return list_rows(db, st, cb, arg, "folder_page");
}

/*
 * Bind ?2..?4 of SUBTREE for prefix P: P, "P/" and "P0" (in buf, which
 * holds 2 * (n + 1) bytes). Nothing for P = "" (its statements have none).
 */
static void
bind_subtree(sqlite3_stmt *st, const char *p, size_t n, char *buf)
{
	if (n == 0)
		return;
	bind_blob(st, 2, p, n);
	memcpy(buf, p, n);
	buf[n] = '/';
	memcpy(buf + n + 1, p, n);
	buf[2 * n + 1] = '0';
	bind_blob(st, 3, buf, n + 1);
	bind_blob(st, 4, buf + n + 1, n + 1);
}

int
ronda_webroot_db_subtree_page(struct ronda_webroot_db *db, const char *root,
    const char *prefix, size_t prefixlen, const char *after_folder,
    size_t after_folderlen, const char *after_name, size_t after_namelen, int limit,
    void (*cb)(void *arg, const struct ronda_wr_entry *e), void *arg)
{
	int all = prefixlen == 0;
	sqlite3_stmt *st = after_folder != NULL ? db->sub_after[all] : db->sub_first[all];
	char *buf = malloc(2 * prefixlen + 2);
	int rc;

	if (buf == NULL) {
		snprintf(db->err, sizeof(db->err), "subtree_page: out of memory");
		return -1;
	}
	sqlite3_bind_text(st, 1, root, -1, SQLITE_STATIC);
	bind_subtree(st, prefix, prefixlen, buf);
	if (after_folder != NULL) {
		bind_blob(st, 5, after_folder, after_folderlen);
		bind_blob(st, 6, after_name, after_namelen);
	}
	sqlite3_bind_int(st, 7, limit);
	rc = list_rows(db, st, cb, arg, "subtree_page");
	free(buf);
	return rc;
}

/* Split a relative path into its folder and name ("a/b/c" -> "a/b", "c"). */
static void
split_rel(const char *p, size_t n, size_t *folderlen, const char **name, size_t *namelen)
{
	size_t i = n;

	while (i > 0 && p[i - 1] != '/')
		i--;
	*folderlen = i > 0 ? i - 1 : 0;
	*name = p + i;
	*namelen = n - i;
}

int
ronda_webroot_db_subtree_delete(struct ronda_webroot_db *db, const char *root,
    const char *prefix, size_t prefixlen)
{
	int all = prefixlen == 0;
	sqlite3_stmt *st = db->sub_del[all];
	char *buf = malloc(2 * prefixlen + 2);
	const char *name;
	size_t folderlen, namelen;
	int rc;

	if (buf == NULL) {
		snprintf(db->err, sizeof(db->err), "subtree_delete: out of memory");
		return -1;
	}
	sqlite3_bind_text(st, 1, root, -1, SQLITE_STATIC);
	bind_subtree(st, prefix, prefixlen, buf);
	rc = step_done(db, st, "subtree_delete");
	free(buf);
	if (rc == 0 && !all) {
		split_rel(prefix, prefixlen, &folderlen, &name, &namelen);
		rc = ronda_webroot_db_del(db, root, prefix, folderlen, name, namelen);
	}
	return rc;
}

int
ronda_webroot_db_subtree_has_files(struct ronda_webroot_db *db, const char *root,
    const char *prefix, size_t prefixlen)
{
	int all = prefixlen == 0;
	sqlite3_stmt *st = db->sub_files[all];
	char *buf = malloc(2 * prefixlen + 2);
	int rc;

	if (buf == NULL) {
		snprintf(db->err, sizeof(db->err), "subtree_has_files: out of memory");
		return -1;
	}
	sqlite3_bind_text(st, 1, root, -1, SQLITE_STATIC);
	bind_subtree(st, prefix, prefixlen, buf);
	rc = sqlite3_step(st);
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	free(buf);
	if (rc == SQLITE_ROW)
		return 1;
	if (rc == SQLITE_DONE)
		return 0;
	seterr(db, "subtree_has_files");
	return -1;
}

int
ronda_webroot_db_by_inode(struct ronda_webroot_db *db, const char *root, uint64_t inode,
    int limit, void (*cb)(void *arg, const struct ronda_wr_entry *e), void *arg)
{
	sqlite3_stmt *st = db->by_inode;

	sqlite3_bind_text(st, 1, root, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, (sqlite3_int64)inode);
	sqlite3_bind_int(st, 3, limit);
	return list_rows(db, st, cb, arg, "by_inode");
}

int64_t
ronda_webroot_db_count(struct ronda_webroot_db *db, const char *root)
{
	int64_t v = -1;

	sqlite3_bind_text(db->count, 1, root, -1, SQLITE_STATIC);
	if (sqlite3_step(db->count) == SQLITE_ROW)
		v = sqlite3_column_int64(db->count, 0);
	else
		seterr(db, "count");
	sqlite3_reset(db->count);
	sqlite3_clear_bindings(db->count);
	return v;
}

int
ronda_webroot_db_accept_add(struct ronda_webroot_db *db, const struct ronda_wr_accept *a,
    int64_t *id)
{
	sqlite3_stmt *st = db->acc_add;

	sqlite3_bind_text(st, 1, a->root, -1, SQLITE_STATIC);
	bind_blob(st, 2, a->prefix, strlen(a->prefix));
	sqlite3_bind_int64(st, 3, a->from_ms);
	sqlite3_bind_int64(st, 4, a->until_ms);
	sqlite3_bind_int(st, 5, a->rebaseline);
	if (step_done(db, st, "accept_add") == -1)
		return -1;
	if (id != NULL)
		*id = sqlite3_last_insert_rowid(db->db);
	return 0;
}

void
ronda_webroot_db_accepts_free(struct ronda_wr_accept *v, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(v[i].root);
		free(v[i].prefix);
	}
	free(v);
}

/* A BLOB or TEXT column as a new NUL-terminated string (NUL bytes end it). */
static char *
col_dup(sqlite3_stmt *st, int i)
{
	const char *p = sqlite3_column_blob(st, i);
	size_t n = (size_t)sqlite3_column_bytes(st, i);
	char *s = malloc(n + 1);

	if (s == NULL)
		return NULL;
	if (n > 0)
		memcpy(s, p, n);
	s[n] = '\0';
	return s;
}

int
ronda_webroot_db_accept_load(struct ronda_webroot_db *db, int64_t now_ms, size_t max,
    struct ronda_wr_accept **vp, size_t *np)
{
	sqlite3_stmt *st = db->acc_load;
	struct ronda_wr_accept *v;
	size_t n = 0;
	int rc;

	*vp = NULL;
	*np = 0;
	if ((v = calloc(max > 0 ? max : 1, sizeof(*v))) == NULL) {
		snprintf(db->err, sizeof(db->err), "accept_load: out of memory");
		return -1;
	}
	sqlite3_bind_int64(st, 1, now_ms);
	sqlite3_bind_int64(st, 2, (sqlite3_int64)max);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW && n < max) {
		struct ronda_wr_accept *a = &v[n];
		a->id = sqlite3_column_int64(st, 0);
		a->root = col_dup(st, 1);
		a->prefix = col_dup(st, 2);
		a->from_ms = sqlite3_column_int64(st, 3);
		a->until_ms = sqlite3_column_int64(st, 4);
		a->rebaseline = sqlite3_column_int(st, 5);
		a->done = sqlite3_column_int(st, 6);
		n++;
		if (a->root == NULL || a->prefix == NULL) {
			rc = SQLITE_NOMEM;
			break;
		}
	}
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	if (rc != SQLITE_DONE && rc != SQLITE_ROW) {
		seterr(db, "accept_load");
		ronda_webroot_db_accepts_free(v, n);
		return -1;
	}
	*vp = v;
	*np = n;
	return 0;
}

int
ronda_webroot_db_accept_done(struct ronda_webroot_db *db, int64_t id)
{
	sqlite3_bind_int64(db->acc_done, 1, id);
	return step_done(db, db->acc_done, "accept_done");
}

int
ronda_webroot_db_accept_expire(struct ronda_webroot_db *db, int64_t cutoff_ms)
{
	sqlite3_bind_int64(db->acc_expire, 1, cutoff_ms);
	return step_done(db, db->acc_expire, "accept_expire");
}

int64_t
ronda_webroot_db_data_version(struct ronda_webroot_db *db)
{
	int64_t v = -1;

	if (sqlite3_step(db->data_version) == SQLITE_ROW)
		v = sqlite3_column_int64(db->data_version, 0);
	sqlite3_reset(db->data_version);
	return v;
}
