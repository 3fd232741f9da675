/*
 * ckpt.h — the collector's checkpoints in a small SQLite state DB.
 *
 * A row says: the file with identity (dev, ino, fingerprint) has been
 * delivered to Kafka up to byte `offset`. Rows are written only after Kafka
 * confirmed every line before the offset, so a restart resumes there and at
 * worst resends lines (with the same event ids). WAL mode; a failed write
 * (disk full) leaves the previous checkpoint intact.
 */
#ifndef RONDA_CKPT_H
#define RONDA_CKPT_H

#include <stddef.h>
#include <stdint.h>

struct ronda_ckpt;

struct ronda_ckpt_rec {
	uint64_t dev;
	uint64_t ino;
	uint64_t fp;		/* fingerprint of the file's first bytes */
	uint32_t fp_len;	/* how many bytes the fingerprint covers */
	char *path;		/* last path it was seen at (owned by the record) */
	uint64_t offset;	/* delivered up to here */
	int done;		/* rotated away and read to its end */
	int64_t updated_ms;
};

/* Open (creating) the state DB at path. NULL with a message in err. */
struct ronda_ckpt *ronda_ckpt_open(const char *path, char *err, size_t errlen);
/* Close; NULL is a no-op. */
void ronda_ckpt_free(struct ronda_ckpt *ck);
/* Last error text of ck. */
const char *ronda_ckpt_errmsg(const struct ronda_ckpt *ck);

/* Start / finish a write transaction grouping many puts. 0 / -1. */
int ronda_ckpt_begin(struct ronda_ckpt *ck);
int ronda_ckpt_commit(struct ronda_ckpt *ck);
/* Roll back after a failed put (ignores errors). */
void ronda_ckpt_rollback(struct ronda_ckpt *ck);

/* Insert or update the row of rec's identity. 0 / -1. */
int ronda_ckpt_put(struct ronda_ckpt *ck, const struct ronda_ckpt_rec *rec);

/*
 * Load every row that is not done. *recs is a new array the caller frees
 * with ronda_ckpt_recs_free. 0 / -1.
 */
int ronda_ckpt_load(struct ronda_ckpt *ck, struct ronda_ckpt_rec **recs, size_t *n);
void ronda_ckpt_recs_free(struct ronda_ckpt_rec *recs, size_t n);

/*
 * Has this input pattern been seen by an earlier run? Returns 1 if yes, 0 if
 * this is its very first start (and records it), -1 on error.
 */
int ronda_ckpt_input_seen(struct ronda_ckpt *ck, const char *pattern);

/*
 * Is a file with this fingerprint (the file itself, or a copytruncate copy
 * of it) known to any row, done or not? 1 yes, 0 no, -1 error. The inode
 * alone says nothing: copytruncate keeps it for new content, and file
 * systems give a deleted file's number to the next new file.
 */
int ronda_ckpt_known(struct ronda_ckpt *ck, uint64_t fp);

/* The newest update time of any row (when the collector last wrote), 0 if none. */
int64_t ronda_ckpt_last_update(struct ronda_ckpt *ck);

/* Delete done rows last updated before cutoff_ms. 0 / -1. */
int ronda_ckpt_expire(struct ronda_ckpt *ck, int64_t cutoff_ms);

/*
 * Journal inputs: the cursor (sd_journal_get_cursor) of the newest entry
 * before which Kafka confirmed every entry, by the input's key (which
 * journal it reads). get: *cursor is a new string the caller frees, NULL
 * when none was saved; 0 / -1. put: insert or replace; 0 / -1.
 */
int ronda_ckpt_journal_get(struct ronda_ckpt *ck, const char *key, char **cursor);
int ronda_ckpt_journal_put(struct ronda_ckpt *ck, const char *key, const char *cursor);

#endif
