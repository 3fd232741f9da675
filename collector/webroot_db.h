/*
 * webroot_db.h — the web-root baseline and the operator's acceptances, in
 * the collector's state DB (the SQLite file of ckpt.c, opened on a second
 * connection; WAL lets both, and `ronda-collector --accept`, write it).
 *
 * One row per file or folder of a web root, keyed (root, folder, name):
 * folder is the relative path of the parent ("" for the root itself), name
 * the entry's name; both are BLOBs because file names are any bytes but
 * '/' and NUL. Folders have rows too (mode says S_IFDIR, no hash) so that a
 * folder that vanished is found from its parent's rows. The primary key is
 * the index the walk needs: one folder's rows, in name order.
 *
 * Change rows are written only after Kafka confirmed the event that
 * reported the change (webroot.c); the first scan of a root writes its rows
 * straight away, in bounded transactions, and marks the root baselined at
 * its end.
 */
#ifndef RONDA_WEBROOT_DB_H
#define RONDA_WEBROOT_DB_H

#include <stddef.h>
#include <stdint.h>

struct ronda_webroot_db;

/* What the baseline knows of one file or folder. */
struct ronda_wr_row {
	uint64_t size;
	int64_t mtime_ns, ctime_ns;
	uint64_t inode;
	uint32_t mode;		/* st_mode: type and permission bits */
	uint32_t uid;
	int has_hash;		/* 0: past max_hash, unreadable, or a folder */
	unsigned char sha256[32];
};

/* A row with its place, for listings (borrowed strings, valid in the callback). */
struct ronda_wr_entry {
	const char *folder;
	size_t folderlen;
	const char *name;
	size_t namelen;
	struct ronda_wr_row row;
};

/* One acceptance (`--accept PATH [--for DUR]`). */
struct ronda_wr_accept {
	int64_t id;
	char *root;		/* owned */
	char *prefix;		/* owned: relative path under root, "" for all of it */
	int64_t from_ms, until_ms;	/* wall clock; from == until: re-baseline */
	int rebaseline;		/* --for 0: take the current content as the baseline */
	int done;		/* the re-baseline ran */
};

/* Open (creating the tables) the state DB at path. NULL with a message in err. */
struct ronda_webroot_db *ronda_webroot_db_open(const char *path, char *err,
    size_t errlen);
/* Close; NULL is a no-op. */
void ronda_webroot_db_free(struct ronda_webroot_db *db);
/* Last error text. */
const char *ronda_webroot_db_errmsg(const struct ronda_webroot_db *db);

/* Group writes: begin (a no-op when one is open), commit, roll back. 0 / -1. */
int ronda_webroot_db_begin(struct ronda_webroot_db *db);
int ronda_webroot_db_commit(struct ronda_webroot_db *db);
void ronda_webroot_db_rollback(struct ronda_webroot_db *db);
/* 1 while a transaction is open. */
int ronda_webroot_db_in_txn(const struct ronda_webroot_db *db);

/* Whether root's first scan finished: 1 yes, 0 no (or unknown), -1 error. */
int ronda_webroot_db_baselined(struct ronda_webroot_db *db, const char *root);
/* Record that it did (or did not, 0). 0 / -1. */
int ronda_webroot_db_set_baselined(struct ronda_webroot_db *db, const char *root,
    int baselined, int64_t now_ms);
/* Drop every row of root (a first scan starts again). 0 / -1. */
int ronda_webroot_db_clear_root(struct ronda_webroot_db *db, const char *root);

/* The row of (root, folder, name): 1 found (*row filled), 0 none, -1 error. */
int ronda_webroot_db_get(struct ronda_webroot_db *db, const char *root,
    const char *folder, size_t folderlen, const char *name, size_t namelen,
    struct ronda_wr_row *row);
/* Insert or replace a row. 0 / -1. */
int ronda_webroot_db_put(struct ronda_webroot_db *db, const char *root,
    const char *folder, size_t folderlen, const char *name, size_t namelen,
    const struct ronda_wr_row *row);
/* Delete a row (none is fine). 0 / -1. */
int ronda_webroot_db_del(struct ronda_webroot_db *db, const char *root,
    const char *folder, size_t folderlen, const char *name, size_t namelen);

/*
 * Call cb for up to limit rows of one folder with name after `after`
 * (after == NULL: from the first), in name order. Returns the number of
 * rows given, or -1. The callback must not write to the DB.
 */
int ronda_webroot_db_folder_page(struct ronda_webroot_db *db, const char *root,
    const char *folder, size_t folderlen, const char *after, size_t afterlen,
    int limit, void (*cb)(void *arg, const struct ronda_wr_entry *e), void *arg);
/*
 * The same over every row below the folder prefix (prefix itself excluded:
 * rows whose folder is prefix or lies under it), in (folder, name) order,
 * after (after_folder, after_name) when after_folder is not NULL.
 */
int ronda_webroot_db_subtree_page(struct ronda_webroot_db *db, const char *root,
    const char *prefix, size_t prefixlen, const char *after_folder,
    size_t after_folderlen, const char *after_name, size_t after_namelen, int limit,
    void (*cb)(void *arg, const struct ronda_wr_entry *e), void *arg);
/* Delete every row below prefix and the row of prefix itself. 0 / -1. */
int ronda_webroot_db_subtree_delete(struct ronda_webroot_db *db, const char *root,
    const char *prefix, size_t prefixlen);
/* 1 when a file (not folder) row lies below prefix, 0 none, -1 error. */
int ronda_webroot_db_subtree_has_files(struct ronda_webroot_db *db, const char *root,
    const char *prefix, size_t prefixlen);
/* Rows of root with this inode (rename candidates), at most limit. Count or -1. */
int ronda_webroot_db_by_inode(struct ronda_webroot_db *db, const char *root,
    uint64_t inode, int limit, void (*cb)(void *arg, const struct ronda_wr_entry *e),
    void *arg);
/* Rows of root (files and folders). -1 on error. */
int64_t ronda_webroot_db_count(struct ronda_webroot_db *db, const char *root);

/* Record an acceptance; *id gets its row id. 0 / -1. */
int ronda_webroot_db_accept_add(struct ronda_webroot_db *db,
    const struct ronda_wr_accept *a, int64_t *id);
/*
 * The acceptances that still matter at now_ms (window not over, or a
 * re-baseline not yet done), newest first, at most max. *v is a new array
 * freed with ronda_webroot_db_accepts_free. 0 / -1.
 */
int ronda_webroot_db_accept_load(struct ronda_webroot_db *db, int64_t now_ms,
    size_t max, struct ronda_wr_accept **v, size_t *n);
void ronda_webroot_db_accepts_free(struct ronda_wr_accept *v, size_t n);
/* Mark a re-baseline done. 0 / -1. */
int ronda_webroot_db_accept_done(struct ronda_webroot_db *db, int64_t id);
/* Delete acceptances whose window closed before cutoff_ms. 0 / -1. */
int ronda_webroot_db_accept_expire(struct ronda_webroot_db *db, int64_t cutoff_ms);

/*
 * PRAGMA data_version: changes when another connection (or process)
 * committed since the last call. -1 on error.
 */
int64_t ronda_webroot_db_data_version(struct ronda_webroot_db *db);

#endif
