/*
 * webroot_int.h — the web-root watch's insides, shared by webroot.c (the
 * watcher), webroot_walk.c (the bounded, symlink-safe walk and the file
 * reader) and webroot_event.c (the event JSON). Not for use elsewhere,
 * except the unit test.
 */
#ifndef RONDA_WEBROOT_INT_H
#define RONDA_WEBROOT_INT_H

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "hash.h"
#include "marker.h"
#include "ronda/buf.h"
#include "ronda/config.h"
#include "ronda/log.h"
#include "webroot.h"
#include "webroot_db.h"

#define WR_PATH_MAX	4096	/* bytes of a relative path; longer ones are skipped, counted */
#define WR_DEPTH_MAX	64	/* folders below the root; deeper ones are skipped, counted */

/* event.action of a file event, in the order of wr_action_names. */
enum wr_action { WR_CREATED, WR_MODIFIED, WR_DELETED, WR_RENAMED, WR_FOUND };
/* ronda.file.scan: what saw the change. */
enum wr_scan { WR_SCAN_WATCH, WR_SCAN_SCAN, WR_SCAN_BASELINE };

extern const char *const wr_action_names[];

/* ---- the walk (webroot_walk.c) ------------------------------------------ */

/*
 * Open the folder rel (n bytes, "" = the root itself) below rootfd one
 * component at a time with O_NOFOLLOW | O_DIRECTORY, so that no symlink is
 * followed and the root is never left. Returns a descriptor (read-only), or
 * -1 with errno (ELOOP or ENOTDIR: a component is a link or no folder).
 */
int wr_open_folder(int rootfd, const char *rel, size_t n);

/*
 * Whether rel (n bytes) or a folder above it matches one of the exclude
 * patterns (fnmatch, FNM_PATHNAME: "wp-content/cache", "*\/cache").
 * whole: test rel itself only (its folders were tested on the way down).
 */
int wr_excluded(const struct ronda_strlist *ex, const char *rel, size_t n, int whole);

/* What wr_walk_next found. */
enum wr_walk_kind {
	WR_WALK_END,	/* the walk is over */
	WR_WALK_ENTER,	/* a folder was opened: folder is its relative path, dirfd its fd */
	WR_WALK_ENTRY,	/* one entry of the current folder (never "." or "..") */
	WR_WALK_LEAVE,	/* every entry of the current folder was given (dirfd still open) */
};

struct wr_walk_item {
	int kind;		/* enum wr_walk_kind */
	int dirfd;		/* the current folder, valid until the next call */
	const char *folder;	/* its relative path, NUL-terminated */
	size_t folderlen;
	const char *name;	/* ENTRY: the entry's name, NUL-terminated */
	size_t namelen;
	unsigned char d_type;	/* ENTRY: readdir's hint (DT_UNKNOWN possible) */
};

struct wr_walk;

/*
 * Walk the tree below the folder start (n bytes) of rootfd (borrowed),
 * depth first. Memory: one open folder and one path per level (at most
 * WR_DEPTH_MAX), independent of how many files the tree holds. NULL with
 * errno when start cannot be opened.
 */
struct wr_walk *wr_walk_new(int rootfd, const char *start, size_t n);
void wr_walk_free(struct wr_walk *wk);
/* The next item; 0, or -1 on a read error of the current folder (it is left). */
int wr_walk_next(struct wr_walk *wk, struct wr_walk_item *it);
/*
 * Descend into the folder entry just returned by wr_walk_next: its ENTER
 * comes next. 0, or -1 (errno; ELOOP: it became a link; E2BIG: too deep or
 * its path too long) when it is not entered.
 */
int wr_walk_descend(struct wr_walk *wk);
/* Folders skipped for depth or path length. */
uint64_t wr_walk_skipped(const struct wr_walk *wk);

/* ---- reading one file --------------------------------------------------- */

/*
 * A file being read: hashed (SHA-256 through OpenSSL's EVP interface) in
 * chunks, its first max_scan bytes kept for the markers. Reading may span
 * several calls so that a large file never blocks the loop for long.
 */
struct wr_reader;

struct wr_reader *wr_reader_new(size_t max_scan);
void wr_reader_free(struct wr_reader *rd);
/*
 * Start reading name in dirfd: opened read-only with O_NOFOLLOW and
 * O_NONBLOCK (a FIFO put in its place never blocks), must still be the
 * regular file with inode ino. hash: 0 reads the first max_scan bytes only.
 * 0, or -1 with errno (EACCES: unreadable; ESTALE: replaced meanwhile).
 */
int wr_reader_open(struct wr_reader *rd, int dirfd, const char *name, uint64_t ino,
    int hash);
/*
 * Read up to budget bytes. Returns 1 when the file is read (to its end, or
 * max_scan bytes when not hashing), 0 when more remains, -1 on a read error.
 * *done_bytes gets the bytes read by this call.
 */
int wr_reader_step(struct wr_reader *rd, size_t budget, uint64_t *done_bytes);
/* After step returned 1: the digest (hashing only) and the stat at the end. */
void wr_reader_finish(struct wr_reader *rd, unsigned char sha256[32], struct stat *after);
/* The stat taken when it was opened. */
const struct stat *wr_reader_stat(const struct wr_reader *rd);
/* The first bytes kept for the markers. */
const unsigned char *wr_reader_head(const struct wr_reader *rd, size_t *n);
/* Close the file (any time); the reader may be opened again. */
void wr_reader_close(struct wr_reader *rd);

/* A row from a stat (no hash). */
void wr_row_from_stat(struct ronda_wr_row *row, const struct stat *st);
/* Same size, mtime, ctime and inode: the content is taken as unchanged. */
int wr_row_same_meta(const struct ronda_wr_row *a, const struct ronda_wr_row *b);

/* ---- the event (webroot_event.c) ---------------------------------------- */

struct wr_event {
	int action;		/* enum wr_action */
	int scan;		/* enum wr_scan */
	const char *site, *agency, *region, *timezone, *host;	/* agency.. may be NULL */
	const char *root;	/* the web root as configured */
	const char *rel;	/* relative path, NUL-terminated, any bytes but NUL */
	const char *prev_rel;	/* renamed: the old relative path */
	const struct ronda_wr_row *row;	/* the file now (deleted: as it was) */
	const struct ronda_wr_row *prev;	/* modified, renamed, deleted: as it was */
	int accepted;
	int64_t ts_ms;		/* @timestamp */
	const struct ronda_marker_result *mk;	/* NULL or no hits: no markers */
	int content_cut;	/* the file is longer than the bytes scanned */
};

/*
 * The deterministic event.id: the first 128 bits of the SHA-256 of the
 * site, root, relative path, action, content (SHA-256, or the size when
 * there is none), mtime and, for a rename, the old path. The same change
 * seen again after a restart gets the same id.
 */
void wr_event_id(const struct wr_event *e, char out[33]);
/* Append the event as one JSON object to b. 0, or -1 at b's cap. */
int wr_event_json(const struct wr_event *e, struct ronda_buf *b);

/* ---- acceptances (webroot.c) -------------------------------------------- */

/*
 * Whether a change of rel under root at now_ms falls in one of the n
 * acceptance windows of v: same root, rel equal to the prefix or below it
 * ("" is the whole root), from <= now < until. Re-baselines never match.
 */
int wr_accept_match(const struct ronda_wr_accept *v, size_t n, const char *root,
    const char *rel, int64_t now_ms);

/* ---- the watcher (webroot.c, webroot_scan.c, webroot_cmp.c) ------------- */

struct ronda_collector_webroot;

#define INFLIGHT_BITS	12
#define INFLIGHT_MAX	(1u << INFLIGHT_BITS)	/* events sent and not confirmed */
#define GEN_MASK	((UINT64_C(1) << (62 - INFLIGHT_BITS)) - 1)
#define CHECKS_MAX	65536	/* pending checks; past it a rescan of the root */
#define WALKQ_MAX	4096	/* queued walks; past it a rescan of the root */
#define SLICE_MS	10	/* one run of the worker at most (plus one read chunk) */
#define SLICE_BYTES	(32 * 1024 * 1024)	/* bytes read per slice at most */
#define PAGE_ROWS	256	/* rows read from the DB at once (pass B, sweeps) */
#define ACCEPTS_MAX	1024
#define MOVES_MAX	256	/* IN_MOVED_FROM waiting for their IN_MOVED_TO in one read */
#define LATER_MAX	65536	/* vanished paths a walk compares at its end */
#define NEW_FOLDER_PEEK	1024	/* files of a new folder checked at once (a walk: the rest) */
#define RENAME_CANDIDATES 8
#define SWEEP_RETRY_MS	250
#define READ_RETRIES	3	/* a file written while read: read again this often, then taken */
#define MISSING_RETRY_MS 10000
#define ACCEPT_POLL_MS	1000
#define SETTLE_CAP_FACTOR 10
#define SETTLE_CAP_MIN	5000
#define JSON_MAX	(256 * 1024)
#define ACCEPT_KEEP_MS	(INT64_C(86400) * 1000)	/* closed windows kept a day */

/* What a walk (or a single check) is for. */
enum wk_kind {
	WK_BASELINE,	/* first scan: rows written at once, file_found for markers */
	WK_SCAN,	/* backstop: every difference is an event */
	WK_WATCH,	/* a folder that appeared: as scan, labelled watch */
	WK_REBASELINE,	/* --accept --for 0: differences become the baseline */
	WK_CHECK,	/* one path (inotify): labelled watch */
};

/* A small chained hash of (number, bytes) keys: nodes live in their owners. */

struct hnode {
	struct hnode *next;
	uint64_t h;
	uint32_t a;		/* root index, or a watch descriptor */
	const char *key;	/* owned by the struct the node is in */
	size_t keylen;
	void *val;		/* that struct */
};

struct hmap {
	struct hnode **b;
	size_t nb, n;
	uint64_t seed;
};

static inline uint64_t
hm_hash(const struct hmap *m, uint32_t a, const char *k, size_t n)
{
	return ronda_qhash(k, n, m->seed ^ ((uint64_t)a * QHASH_K1));
}

static inline struct hnode *
hm_find(const struct hmap *m, uint32_t a, const char *k, size_t n)
{
	uint64_t h;

	if (m->nb == 0)
		return NULL;
	h = hm_hash(m, a, k, n);
	for (struct hnode *x = m->b[h & (m->nb - 1)]; x != NULL; x = x->next)
		if (x->h == h && x->a == a && x->keylen == n && memcmp(x->key, k, n) == 0)
			return x;
	return NULL;
}

static inline int
hm_add(struct hmap *m, struct hnode *nd)
{
	if (m->n + 1 > m->nb) {
		size_t nb = m->nb ? m->nb * 2 : 64;
		struct hnode **b = calloc(nb, sizeof(*b));
		if (b == NULL)
			return -1;
		for (size_t i = 0; i < m->nb; i++) {
			struct hnode *x = m->b[i], *nx;
			for (; x != NULL; x = nx) {
				nx = x->next;
				x->next = b[x->h & (nb - 1)];
				b[x->h & (nb - 1)] = x;
			}
		}
		free(m->b);
		m->b = b;
		m->nb = nb;
	}
	nd->h = hm_hash(m, nd->a, nd->key, nd->keylen);
	nd->next = m->b[nd->h & (m->nb - 1)];
	m->b[nd->h & (m->nb - 1)] = nd;
	m->n++;
	return 0;
}

static inline void
hm_del(struct hmap *m, struct hnode *nd)
{
	struct hnode **pp = &m->b[nd->h & (m->nb - 1)];

	for (; *pp != NULL; pp = &(*pp)->next) {
		if (*pp == nd) {
			*pp = nd->next;
			m->n--;
			return;
		}
	}
}

/* The watcher's state. */

struct wr_root {
	uint32_t idx;
	const struct ronda_collector_webroot *cfg;
	const char *path;
	int fd;			/* the root folder, read-only; -1 when missing */
	int baselined;		/* its first scan finished (the DB says so) */
	int baseline_walked;	/* first-scan walk over: waits for its file_found */
	int full_queued;	/* a baseline or scan is queued */
	int full_running;	/* ... or running */
	int rescan_after;	/* changes seen during the running full walk */
	int scan_only;		/* no more watches for this walk (max_watches, ENOSPC) */
	int limit_logged;
	int missing_logged;
	int scanned;		/* one full walk finished (--once) */
	uint64_t pending_found;	/* file_found events of the first scan not confirmed */
	uint64_t unwatched;	/* folders of the current full walk without a watch */
	uint64_t unwatched_last;	/* ... of the last one */
	uint64_t found;		/* file_found events of the first scan */
	int64_t next_scan;	/* monotonic ms of the next backstop scan */
};

struct watch {
	struct hnode node;	/* a = wd, no key */
	int wd;
	struct wr_root *r;
	char *rel;
};

struct pending {
	uint64_t gen;		/* 0: the slot is free */
	struct hnode n_rel, n_old;	/* in w->inflight under rel (and old_rel) */
	struct wr_root *r;
	int action;
	int from_baseline;	/* a first scan's file_found: its row is written already */
	char *rel, *old_rel;
	struct ronda_wr_row row;
	int dirty;		/* the path changed again meanwhile: check it once confirmed */
	int applying;		/* confirmed, on the apply list */
	struct pending *next_apply;
};

struct check {
	struct check *prev, *next;	/* ordered by due */
	struct hnode node;	/* a = root index, key = rel */
	struct wr_root *r;
	char *rel;
	char *old_rel;		/* IN_MOVED_FROM of a rename, or NULL */
	int retries;		/* it was written while read this often */
	int64_t due, first;	/* monotonic ms */
};

struct walkreq {
	struct walkreq *next;
	struct wr_root *r;
	int kind;
	char *rel;		/* the folder (or path) to start at */
	int64_t accept_id;	/* WK_REBASELINE: the acceptance to mark done */
};

/* A page of rows read from the DB, their bytes copied. */
struct page {
	struct pent {
		size_t fo, fl, no, nl;	/* folder and name in b */
		struct ronda_wr_row row;
	} e[PAGE_ROWS];
	int n, i;
	int fetched;		/* at least one page was read */
	int more;		/* the last read was full: read after its last row */
	struct ronda_buf b;
	struct ronda_buf after;	/* the last row's folder, NUL, name */
	size_t after_fl;
};

enum cur_stage { C_IDLE, C_START, C_HASH, C_SWEEP };

/* The item being compared. */
struct cur {
	int stage;
	struct wr_root *r;
	int kind;		/* enum wk_kind */
	int from_walk;		/* the walk waits for it (and may descend) */
	int deferred;		/* a vanished path compared at the end of its walk */
	int retries;		/* from its check: written while read this often */
	int descend;		/* out: the walk enters this folder */
	char rel[WR_PATH_MAX + 1];
	size_t rellen, folderlen, nameoff;
	char *old_rel;		/* rename hint (owned) */
	int dirfd, own_dirfd;
	struct stat st;
	int exists;
	struct ronda_wr_row old;
	int has_old;
	int hashing;		/* reading the whole file (size <= max_hash) */
	/* sweep of a vanished folder's rows */
	struct page pg;
	uint64_t sw_emitted, sw_busy;
};

/* The walk in progress. */
struct active {
	struct walkreq *req;	/* NULL: none */
	struct wr_walk *wk;	/* NULL with a single check */
	int single_done;	/* single check: its item was handed over */
	int passb;		/* comparing the rows of the folder just left */
	int passb_dirfd;
	char *passb_folder;
	size_t passb_len;
	int failed;		/* a DB write of this first scan failed: start it again */
	/*
	 * Paths whose file or folder vanished, compared when the walk ends:
	 * by then the walk has seen where they went, and a file that moved
	 * is one rename, not a deletion and a creation (the walk meets
	 * folders in readdir's order).
	 */
	char **later;
	size_t nlater, later_cap, later_i;
	int64_t started;
	uint64_t entries;
	struct page pg;		/* last: walk_start clears what is before it */
};

struct move {
	uint32_t cookie;
	struct wr_root *r;
	char *rel;
	int isdir;
};

struct ronda_webroot {
	struct event_base *base;
	const struct ronda_collector_config *cfg;
	struct ronda_markers *markers;
	struct ronda_webroot_ops ops;
	void *arg;
	int once;
	struct ronda_webroot_db *db;
	struct wr_root *roots;
	size_t nroots;

	int ifd;		/* inotify, -1 none */
	struct event *inotify_ev;
	struct event *timer;
	int64_t timer_at;	/* monotonic ms the timer fires at, 0 none */
	struct hmap watches;	/* by wd */
	uint64_t nwatches;
	struct move moves[MOVES_MAX];
	size_t nmoves;

	struct hmap checks;	/* by (root, rel) */
	struct check *chead, *ctail;
	size_t nchecks;

	struct walkreq *whead, *wtail;
	size_t nwalks;
	struct active act;

	struct cur cur;
	struct wr_reader *rd;

	struct pending *pend;	/* INFLIGHT_MAX slots */
	uint32_t *freelist;
	size_t nfree;
	uint64_t gen;
	struct hmap inflight;	/* by (root, rel) */
	struct pending *apply_head, *apply_tail;

	/* The message the sink refused, offered again before anything new. */
	struct ronda_buf held;
	size_t held_keylen;	/* the key is held.data[0..keylen), the JSON after it */
	uint64_t held_ticket;
	int holding;

	struct ronda_buf json;
	struct ronda_marker_result mk;

	struct ronda_wr_accept *acc;
	size_t nacc;
	int64_t data_version;
	int64_t last_accept_poll;
	int64_t rebase_seen;	/* highest re-baseline id queued */

	int64_t slice_end;	/* monotonic ms the running slice ends at */
	uint64_t slice_bytes;
	int db_broken_logged;
	struct ronda_ratelimit rl_db, rl_mk, rl_watch;
	struct ronda_webroot_stats st;
};

/* Wall clock, UTC ms (the injected one in tests). */
int64_t wr_wall_ms(const struct ronda_webroot *w);
/* rel = folder + "/" + name (or name) into out (WR_PATH_MAX + 1). Length or -1. */
ssize_t wr_join_rel(char *out, const char *folder, size_t fl, const char *name,
    size_t nl);
/* Where the name starts in rel, and the folder's length. */
void wr_split_rel(const char *rel, size_t n, size_t *folderlen, size_t *nameoff);
/* Count and log (rate-limited) a failed state DB operation. */
void wr_db_fail(struct ronda_webroot *w, const char *what);
/* Writes of a slice share one transaction, begun by the first. 0 / -1. */
int wr_db_write(struct ronda_webroot *w);
/* Commit the slice's transaction, if one is open. */
void wr_db_commit(struct ronda_webroot *w);
/* Run the worker delay_ms from now (or sooner if it was due sooner). */
void wr_schedule(struct ronda_webroot *w, int64_t delay_ms);
/* Watch the folder at dirfd (rel below r); counts the watch limit. */
void wr_watch_add(struct ronda_webroot *w, struct wr_root *r, int dirfd,
    const char *rel, size_t rellen);
/* Drop the watches of folders at or below rel (moved out of the root). */
void wr_watches_drop_below(struct ronda_webroot *w, struct wr_root *r, const char *rel,
    size_t n);
/* Offer the held message again. 0 when it went (or none waits), -1 still full. */
int wr_held_resend(struct ronda_webroot *w);
/* Write the rows of confirmed events (in the slice's transaction). */
void wr_apply_confirmed(struct ronda_webroot *w);
/* Pages of baseline rows read in order (pass B, sweeps): start over, free, read on. */
void wr_page_reset(struct page *pg);
void wr_page_release(struct page *pg);
int wr_page_next(struct ronda_webroot *w, struct page *pg, const char *root,
    const char *where, size_t wherelen, int subtree);
/* Make rel (below r) the item to compare; dirfd -1: opened from the root. */
void wr_cur_set(struct ronda_webroot *w, struct wr_root *r, int kind, const char *rel,
    size_t n, int dirfd, int from_walk, const char *old_rel);
/* Release the current item. */
void wr_cur_done(struct ronda_webroot *w);
/* Compare the current item with its row. 1 done, 0 yield (budget, or Kafka full). */
int wr_cur_run(struct ronda_webroot *w);
/* The settle queue: unlink, free, add (coalesced per path; see webroot.c). */
void wr_check_unlink(struct ronda_webroot *w, struct check *c);
void wr_check_free(struct ronda_webroot *w, struct check *c);
void wr_check_add(struct ronda_webroot *w, struct wr_root *r, const char *rel, size_t n,
    const char *old_rel, int64_t delay_ms);
/* The same for a path that was written while read (retries so far). */
void wr_check_retry(struct ronda_webroot *w, struct wr_root *r, const char *rel,
    size_t n, const char *old_rel, int64_t delay_ms, int retries);
/* Queue a walk (or one path with WK_CHECK) of rel below r. */
void wr_walk_queue(struct ronda_webroot *w, struct wr_root *r, int kind,
    const char *rel, size_t rellen, int64_t accept_id);
/* A full comparison of r soon (overflow, checks past the cap, the backstop). */
void wr_request_full(struct ronda_webroot *w, struct wr_root *r);
void wr_walkreq_free(struct walkreq *q);
/* One step of the walk (or start the next). 1 progress, 0 nothing to do. */
int wr_walk_advance(struct ronda_webroot *w);
/* The current item finished: the walk may descend into it. */
void wr_cur_finished(struct ronda_webroot *w);
/* Mark baselined the roots whose first scan ended and whose file_found events landed. */
void wr_baselines_finish(struct ronda_webroot *w);
/* Queue the backstop scans that are due. */
void wr_roots_due(struct ronda_webroot *w);

#endif
