/*
 * webroot_cmp.c — comparing one path of a web root with its baseline row
 * (unchanged by metadata; otherwise read, hashed, given to the markers;
 * renames paired by inode and content; a vanished folder's rows swept),
 * and the events in flight: sent with a ticket, their rows written only
 * once Kafka confirmed them (webroot.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "conf.h"
#include "marker.h"
#include "ronda/log.h"
#include "ronda/timeutil.h"
#include "webroot_db.h"
#include "webroot_int.h"

/* ---- events in flight --------------------------------------------------- */

static struct pending *
inflight_find(struct ronda_webroot *w, const struct wr_root *r, const char *rel, size_t n)
{
	struct hnode *x = hm_find(&w->inflight, r->idx, rel, n);

	return x != NULL ? x->val : NULL;
}

static int
can_emit(const struct ronda_webroot *w)
{
	return !w->holding && w->nfree > 0;
}

static void
pending_release(struct ronda_webroot *w, struct pending *p)
{
	uint32_t slot = (uint32_t)(p - w->pend);

	hm_del(&w->inflight, &p->n_rel);
	if (p->old_rel != NULL)
		hm_del(&w->inflight, &p->n_old);
	free(p->rel);
	free(p->old_rel);
	memset(p, 0, sizeof(*p));
	w->freelist[w->nfree++] = slot;
}

/* Offer the held message again. 0 when it went (or none waits), -1 still full. */
int
wr_held_resend(struct ronda_webroot *w)
{
	if (!w->holding)
		return 0;
	if (w->ops.emit(w->arg, w->held.data, w->held_keylen, w->held.data +
	    w->held_keylen, w->held.len - w->held_keylen, w->held_ticket) == -1)
		return -1;
	w->holding = 0;
	w->st.changes_sent++;
	ronda_buf_reset(&w->held);
	return 0;
}

/*
 * Send one event about the current root. The caller checked can_emit().
 * The pending entry remembers what to write when Kafka confirms; when the
 * sink is full the message waits in w->held and nothing new is produced
 * until it went. Returns 0, or -1 when the event could not be built (too
 * large: counted, nothing sent, the change is seen again by the next scan).
 */
static int
emit(struct ronda_webroot *w, struct wr_root *r, struct wr_event *ev, int from_baseline)
{
	const struct ronda_collector_config *cfg = w->cfg;
	struct pending *p;
	uint32_t slot;
	uint64_t ticket;
	size_t sl;

	ev->site = r->cfg->site_id;
	ev->agency = cfg->agency;
	ev->region = cfg->region;
	ev->timezone = cfg->timezone;
	ev->host = cfg->host_name != NULL ? cfg->host_name : "localhost";
	ev->root = r->path;
	ronda_buf_reset(&w->json);
	if (wr_event_json(ev, &w->json) == -1) {
		w->json.overflow = 0;
		w->st.too_large++;
		log_warnx("webroot: %s/%s: event too large to encode; not sent", r->path,
		    ev->rel);
		return -1;
	}
	slot = w->freelist[--w->nfree];
	p = &w->pend[slot];
	memset(p, 0, sizeof(*p));
	w->gen = (w->gen + 1) & GEN_MASK;
	if (w->gen == 0)
		w->gen = 1;
	p->gen = w->gen;
	p->r = r;
	p->action = ev->action;
	p->from_baseline = from_baseline;
	p->row = *ev->row;
	p->rel = strdup(ev->rel);
	p->old_rel = ev->prev_rel != NULL ? strdup(ev->prev_rel) : NULL;
	if (p->rel == NULL || (ev->prev_rel != NULL && p->old_rel == NULL))
		fatalx("webroot: out of memory");
	p->n_rel = (struct hnode){ .a = r->idx, .key = p->rel, .keylen = strlen(p->rel),
	    .val = p };
	if (hm_add(&w->inflight, &p->n_rel) == -1)
		fatalx("webroot: out of memory");
	if (p->old_rel != NULL) {
		p->n_old = (struct hnode){ .a = r->idx, .key = p->old_rel,
		    .keylen = strlen(p->old_rel), .val = p };
		if (hm_add(&w->inflight, &p->n_old) == -1)
			fatalx("webroot: out of memory");
	}
	if (from_baseline) {
		r->pending_found++;
		r->found++;
		w->st.found_sent++;
	}
	if (ev->mk != NULL && ev->mk->nhits > 0)
		w->st.marker_hits++;
	ticket = RONDA_WEBROOT_TICKET | (p->gen << INFLIGHT_BITS) | slot;
	sl = strlen(ev->site);
	if (w->ops.emit(w->arg, ev->site, sl, w->json.data, w->json.len, ticket) == 0) {
		w->st.changes_sent++;
		return 0;
	}
	/* Full: hold it (key then JSON) and stop producing until it went. */
	w->st.sink_busy++;
	ronda_buf_reset(&w->held);
	if (ronda_buf_append(&w->held, ev->site, sl) == -1 ||
	    ronda_buf_append(&w->held, w->json.data, w->json.len) == -1)
		fatalx("webroot: out of memory");
	w->held_keylen = sl;
	w->held_ticket = ticket;
	w->holding = 1;
	return 0;
}

void
ronda_webroot_ack(struct ronda_webroot *w, uint64_t ticket)
{
	uint32_t slot = (uint32_t)(ticket & (INFLIGHT_MAX - 1));
	uint64_t gen = (ticket & ~RONDA_WEBROOT_TICKET) >> INFLIGHT_BITS;
	struct pending *p;

	if (w == NULL || !RONDA_WEBROOT_IS_TICKET(ticket))
		return;
	p = &w->pend[slot];
	if (p->gen != gen || p->applying)
		return;
	p->applying = 1;
	p->next_apply = NULL;
	if (w->apply_tail != NULL)
		w->apply_tail->next_apply = p;
	else
		w->apply_head = p;
	w->apply_tail = p;
	wr_schedule(w, 0);
}

/* Write the rows of confirmed events (in the slice's transaction). */
void
wr_apply_confirmed(struct ronda_webroot *w)
{
	struct pending *p, *next;
	size_t fl, no;

	if (w->apply_head == NULL)
		return;
	for (p = w->apply_head; p != NULL; p = p->next_apply) {
		const char *rel = p->rel;
		int rc = 0;
		if (p->from_baseline) {
			if (p->r->pending_found > 0)
				p->r->pending_found--;
			continue;
		}
		if (wr_db_write(w) == -1)
			break;
		wr_split_rel(rel, strlen(rel), &fl, &no);
		if (p->action == WR_DELETED) {
			rc = ronda_webroot_db_del(w->db, p->r->path, rel, fl, rel + no,
			    strlen(rel + no));
		} else {
			if (p->action == WR_RENAMED && p->old_rel != NULL) {
				size_t ofl, ono;
				wr_split_rel(p->old_rel, strlen(p->old_rel), &ofl, &ono);
				rc = ronda_webroot_db_del(w->db, p->r->path, p->old_rel, ofl,
				    p->old_rel + ono, strlen(p->old_rel + ono));
			}
			if (rc == 0)
				rc = ronda_webroot_db_put(w->db, p->r->path, rel, fl, rel + no,
				    strlen(rel + no), &p->row);
		}
		if (rc == -1)
			wr_db_fail(w, "writing a confirmed change");
	}
	for (p = w->apply_head; p != NULL; p = next) {
		next = p->next_apply;
		w->st.changes_confirmed++;
		if (p->dirty) {
			wr_check_add(w, p->r, p->rel, strlen(p->rel), NULL,
			    w->cfg->webroot.settle);
			if (p->old_rel != NULL)
				wr_check_add(w, p->r, p->old_rel, strlen(p->old_rel), NULL,
				    w->cfg->webroot.settle);
		}
		pending_release(w, p);
	}
	w->apply_head = w->apply_tail = NULL;
}

/* ---- pages of rows ------------------------------------------------------ */

static void
page_cb(void *arg, const struct ronda_wr_entry *e)
{
	struct page *pg = arg;
	struct pent *pe;

	if (pg->n >= PAGE_ROWS)
		return;
	pe = &pg->e[pg->n];
	pe->fo = pg->b.len;
	pe->fl = e->folderlen;
	if (ronda_buf_append(&pg->b, e->folder, e->folderlen) == -1 ||
	    ronda_buf_putc(&pg->b, '\0') == -1)
		return;
	pe->no = pg->b.len;
	pe->nl = e->namelen;
	if (ronda_buf_append(&pg->b, e->name, e->namelen) == -1 ||
	    ronda_buf_putc(&pg->b, '\0') == -1)
		return;
	pe->row = e->row;
	pg->n++;
}

void
wr_page_reset(struct page *pg)
{
	pg->n = pg->i = 0;
	pg->fetched = 0;
	pg->more = 0;
	ronda_buf_reset(&pg->b);
	ronda_buf_reset(&pg->after);
	pg->after_fl = 0;
}

void
wr_page_release(struct page *pg)
{
	ronda_buf_release(&pg->b);
	ronda_buf_release(&pg->after);
}

/* Remember the last row of the page as the key to read after. */
static void
page_mark(struct page *pg)
{
	struct pent *pe = &pg->e[pg->n - 1];

	ronda_buf_reset(&pg->after);
	ronda_buf_append(&pg->after, pg->b.data + pe->fo, pe->fl);
	ronda_buf_putc(&pg->after, '\0');
	ronda_buf_append(&pg->after, pg->b.data + pe->no, pe->nl);
	ronda_buf_putc(&pg->after, '\0');
	pg->after_fl = pe->fl;
}

/*
 * Read the next page of rows: of one folder (subtree 0) or below a prefix
 * (subtree 1). Returns the rows read (0: no more), -1 on a DB error.
 */
int
wr_page_next(struct ronda_webroot *w, struct page *pg, const char *root, const char *where,
    size_t wherelen, int subtree)
{
	const char *af = NULL, *an = NULL;
	size_t afl = 0, anl = 0;
	int rc;

	if (pg->fetched && !pg->more)
		return 0;
	if (pg->fetched && pg->after.len > 0) {
		af = pg->after.data;
		afl = pg->after_fl;
		an = pg->after.data + afl + 1;
		anl = pg->after.len - afl - 2;
	}
	pg->n = pg->i = 0;
	ronda_buf_reset(&pg->b);
	if (subtree)
		rc = ronda_webroot_db_subtree_page(w->db, root, where, wherelen, af, afl, an,
		    anl, PAGE_ROWS, page_cb, pg);
	else
		rc = ronda_webroot_db_folder_page(w->db, root, where, wherelen, an, anl,
		    PAGE_ROWS, page_cb, pg);
	if (rc == -1) {
		wr_db_fail(w, "reading rows");
		return -1;
	}
	pg->fetched = 1;
	pg->more = rc == PAGE_ROWS;
	if (pg->n > 0)
		page_mark(pg);
	return pg->n;
}

/* ---- comparing one path ------------------------------------------------- */

static int
scan_label(int kind)
{
	switch (kind) {
	case WK_BASELINE: return WR_SCAN_BASELINE;
	case WK_SCAN: case WK_REBASELINE: return WR_SCAN_SCAN;
	default: return WR_SCAN_WATCH;
	}
}

static int64_t
ns_to_ms(int64_t ns)
{
	return ns >= 0 ? ns / 1000000 : -((-ns + 999999) / 1000000);
}

/* The parent folder's mtime (@timestamp of deletions and renames), else now. */
static int64_t
parent_mtime_ms(const struct ronda_webroot *w, int dirfd)
{
	struct stat sb;

	if (dirfd >= 0 && fstat(dirfd, &sb) == 0)
		return (int64_t)sb.st_mtim.tv_sec * 1000 + sb.st_mtim.tv_nsec / 1000000;
	return wr_wall_ms(w);
}

void
wr_cur_set(struct ronda_webroot *w, struct wr_root *r, int kind, const char *rel, size_t n,
    int dirfd, int from_walk, const char *old_rel)
{
	struct cur *c = &w->cur;

	c->stage = C_START;
	c->r = r;
	c->kind = kind;
	c->from_walk = from_walk;
	c->deferred = 0;
	c->retries = 0;
	c->descend = 0;
	memcpy(c->rel, rel, n);
	c->rel[n] = '\0';
	c->rellen = n;
	wr_split_rel(c->rel, n, &c->folderlen, &c->nameoff);
	free(c->old_rel);
	c->old_rel = old_rel != NULL ? strdup(old_rel) : NULL;
	c->dirfd = dirfd;
	c->own_dirfd = 0;
	c->exists = 0;
	c->has_old = 0;
	c->hashing = 0;
	c->sw_emitted = c->sw_busy = 0;
}

void
wr_cur_done(struct ronda_webroot *w)
{
	struct cur *c = &w->cur;

	wr_reader_close(w->rd);
	if (c->own_dirfd && c->dirfd >= 0)
		close(c->dirfd);
	c->dirfd = -1;
	c->own_dirfd = 0;
	free(c->old_rel);
	c->old_rel = NULL;
	c->stage = C_IDLE;
}

static int
accepted(struct ronda_webroot *w, const struct wr_root *r, const char *rel)
{
	return wr_accept_match(w->acc, w->nacc, r->path, rel, wr_wall_ms(w));
}

/* The row of the path in cur vanished (or is no file any more): a deletion. */
static void
cur_deleted(struct ronda_webroot *w, const char *rel, size_t n,
    const struct ronda_wr_row *old, int dirfd)
{
	struct cur *c = &w->cur;
	struct wr_event ev;
	size_t fl, no;

	if (c->kind == WK_REBASELINE) {
		wr_split_rel(rel, n, &fl, &no);
		if (wr_db_write(w) == 0 && ronda_webroot_db_del(w->db, c->r->path, rel, fl,
		    rel + no, n - no) == -1)
			wr_db_fail(w, "re-baseline");
		return;
	}
	memset(&ev, 0, sizeof(ev));
	ev.action = WR_DELETED;
	ev.scan = scan_label(c->kind);
	ev.rel = rel;
	ev.row = old;
	ev.prev = old;
	ev.accepted = accepted(w, c->r, rel);
	ev.ts_ms = parent_mtime_ms(w, dirfd);
	emit(w, c->r, &ev, 0);
}

/*
 * Did the file once at rel (below r) leave it? Its folder is gone, or the
 * name is gone, or holds another file now.
 */
static int
vanished(struct ronda_webroot *w, struct wr_root *r, const char *rel, uint64_t ino)
{
	size_t fl, no;
	struct stat sb;
	int fd, rc;

	wr_split_rel(rel, strlen(rel), &fl, &no);
	if ((fd = wr_open_folder(r->fd, rel, fl)) == -1)
		return errno == ENOENT || errno == ENOTDIR || errno == ELOOP;
	rc = fstatat(fd, rel + no, &sb, AT_SYMLINK_NOFOLLOW);
	close(fd);
	(void)w;
	if (rc == -1)
		return errno == ENOENT;
	return !S_ISREG(sb.st_mode) || (uint64_t)sb.st_ino != ino;
}

struct cand {
	char rel[RENAME_CANDIDATES][WR_PATH_MAX + 1];
	struct ronda_wr_row row[RENAME_CANDIDATES];
	int n;
};

static void
cand_cb(void *arg, const struct ronda_wr_entry *e)
{
	struct cand *cd = arg;

	if (cd->n >= RENAME_CANDIDATES || !S_ISREG(e->row.mode) ||
	    wr_join_rel(cd->rel[cd->n], e->folder, e->folderlen, e->name, e->namelen) == -1)
		return;
	cd->row[cd->n++] = e->row;
}

/*
 * Is the new file at cur a file renamed within the root? With inotify's
 * pair (cur->old_rel), the old row is enough; in a scan, a row of the same
 * inode and content whose path holds it no more. Fills *prev and prev_rel.
 */
static int
find_rename(struct ronda_webroot *w, const struct ronda_wr_row *now,
    struct ronda_wr_row *prev, char *prev_rel)
{
	struct cur *c = &w->cur;
	struct wr_root *r = c->r;
	static struct cand cd;

	if (c->old_rel != NULL) {
		size_t n = strlen(c->old_rel), fl, no;
		wr_split_rel(c->old_rel, n, &fl, &no);
		if (n <= WR_PATH_MAX && strcmp(c->old_rel, c->rel) != 0 &&
		    inflight_find(w, r, c->old_rel, n) == NULL &&
		    ronda_webroot_db_get(w->db, r->path, c->old_rel, fl, c->old_rel + no,
		    n - no, prev) == 1 && S_ISREG(prev->mode) &&
		    vanished(w, r, c->old_rel, prev->inode)) {
			memcpy(prev_rel, c->old_rel, n + 1);
			return 1;
		}
	}
	if (!now->has_hash)
		return 0;
	cd.n = 0;
	if (ronda_webroot_db_by_inode(w->db, r->path, now->inode, RENAME_CANDIDATES,
	    cand_cb, &cd) == -1) {
		wr_db_fail(w, "rename candidates");
		return 0;
	}
	for (int i = 0; i < cd.n; i++) {
		const struct ronda_wr_row *o = &cd.row[i];
		size_t n = strlen(cd.rel[i]);
		if (!o->has_hash || memcmp(o->sha256, now->sha256, 32) != 0 ||
		    o->size != now->size || strcmp(cd.rel[i], c->rel) == 0 ||
		    inflight_find(w, r, cd.rel[i], n) != NULL ||
		    !vanished(w, r, cd.rel[i], o->inode))
			continue;
		*prev = *o;
		memcpy(prev_rel, cd.rel[i], n + 1);
		return 1;
	}
	return 0;
}

/* A regular file whose content was read (or could not be): what changed? */
static int
cur_decide(struct ronda_webroot *w, int have_content, int hashed)
{
	struct cur *c = &w->cur;
	struct wr_root *r = c->r;
	const char *name = c->rel + c->nameoff;
	struct ronda_wr_row now, prev;
	struct ronda_marker_result *mk = NULL;
	struct wr_event ev;
	static char prev_rel[WR_PATH_MAX + 1];
	const unsigned char *head = NULL;
	size_t headn = 0;
	int content_cut = 0, same, renamed = 0;

	if (have_content) {
		struct stat after;
		wr_row_from_stat(&now, wr_reader_stat(w->rd));
		wr_reader_finish(w->rd, now.sha256, &after);
		now.has_hash = hashed;
		head = wr_reader_head(w->rd, &headn);
		wr_row_from_stat(&prev, &after);
		if (!wr_row_same_meta(&prev, &now)) {
			/*
			 * Written while read: look again once it is quiet, a
			 * few times. Then (a log file written without pause),
			 * and in a first scan, what was read is taken with the
			 * metadata of the open, so that the next look reads it
			 * again.
			 */
			if (c->kind != WK_BASELINE && c->retries < READ_RETRIES) {
				wr_check_retry(w, r, c->rel, c->rellen, c->old_rel,
				    w->cfg->webroot.settle, c->retries + 1);
				return 1;
			}
		}
	} else {
		wr_row_from_stat(&now, &c->st);
	}
	wr_reader_close(w->rd);

	same = c->has_old && S_ISREG(c->old.mode) &&
	    (now.has_hash ? c->old.has_hash && memcmp(now.sha256, c->old.sha256, 32) == 0 &&
	    now.size == c->old.size : !c->old.has_hash && wr_row_same_meta(&now, &c->old));
	if (same && (c->old.mode & 07777) == (now.mode & 07777) && c->old.uid == now.uid &&
	    c->kind != WK_BASELINE) {
		/* Touched, not changed: the new times go in silently. */
		if (wr_db_write(w) == 0 && ronda_webroot_db_put(w->db, r->path, c->rel,
		    c->folderlen, name, c->rellen - c->nameoff, &now) == -1)
			wr_db_fail(w, "metadata update");
		return 1;
	}
	if (!c->has_old && c->kind != WK_BASELINE && c->kind != WK_REBASELINE)
		renamed = find_rename(w, &now, &prev, prev_rel);

	if (have_content && w->markers != NULL) {
		char err[160];
		int n = ronda_markers_scan(w->markers, c->rel, head, headn, now.size,
		    r->cfg->site_id, &w->mk, err, sizeof(err));
		if (n == -1) {
			w->st.marker_errors++;
			if (ronda_ratelimit_ok(&w->rl_mk, (long)(ronda_mono_ms() / 1000), 60))
				log_warnx("webroot: %s/%s: markers: %s", r->path, c->rel, err);
		} else if (n > 0) {
			mk = &w->mk;
		}
		content_cut = now.size > headn;
	}

	if (c->kind == WK_BASELINE) {
		if (wr_db_write(w) == 0 && ronda_webroot_db_put(w->db, r->path, c->rel,
		    c->folderlen, name, c->rellen - c->nameoff, &now) == -1)
			wr_db_fail(w, "first scan");
		w->st.files_baselined++;
		if (mk == NULL)
			return 1;
		memset(&ev, 0, sizeof(ev));
		ev.action = WR_FOUND;
	} else if (c->kind == WK_REBASELINE && mk == NULL) {
		if (wr_db_write(w) == 0 && ronda_webroot_db_put(w->db, r->path, c->rel,
		    c->folderlen, name, c->rellen - c->nameoff, &now) == -1)
			wr_db_fail(w, "re-baseline");
		return 1;
	} else {
		memset(&ev, 0, sizeof(ev));
		ev.action = renamed ? WR_RENAMED : c->has_old ? WR_MODIFIED : WR_CREATED;
		if (renamed) {
			ev.prev = &prev;
			ev.prev_rel = prev_rel;
		} else if (c->has_old) {
			ev.prev = &c->old;
		}
	}
	ev.scan = scan_label(c->kind);
	ev.rel = c->rel;
	ev.row = &now;
	ev.mk = mk;
	ev.content_cut = content_cut;
	ev.accepted = c->kind == WK_REBASELINE || accepted(w, r, c->rel);
	ev.ts_ms = ev.action == WR_RENAMED ? parent_mtime_ms(w, c->dirfd) :
	    ns_to_ms(now.mtime_ns);
	emit(w, r, &ev, c->kind == WK_BASELINE);
	return 1;
}

/* Read (and hash) within the slice's byte budget. 1 done, 0 yield. */
static int
cur_hash(struct ronda_webroot *w)
{
	struct cur *c = &w->cur;
	uint64_t done;
	int rc;

	for (;;) {
		size_t budget = SLICE_BYTES > w->slice_bytes ? SLICE_BYTES - w->slice_bytes :
		    0;
		if (budget > 4 * 1024 * 1024)
			budget = 4 * 1024 * 1024;
		if (budget == 0 || ronda_mono_ms() >= w->slice_end)
			return 0;
		rc = wr_reader_step(w->rd, budget, &done);
		w->slice_bytes += done;
		if (c->hashing)
			w->st.bytes_hashed += done;
		if (rc == 1) {
			if (c->hashing)
				w->st.files_hashed++;
			return cur_decide(w, 1, c->hashing);
		}
		if (rc == -1) {
			w->st.unreadable++;
			wr_reader_close(w->rd);
			return cur_decide(w, 0, 0);
		}
	}
}

/*
 * A folder's rows when the folder is gone: a deletion per file row (rows
 * are written back only when Kafka confirmed them); once no file row is
 * left below it, its folder rows go. 1 done, 0 yield.
 */
static int cur_file(struct ronda_webroot *w);

static int
cur_sweep(struct ronda_webroot *w)
{
	struct cur *c = &w->cur;
	struct wr_root *r = c->r;
	char rel[WR_PATH_MAX + 1];

	if (c->kind == WK_REBASELINE) {
		if (wr_db_write(w) == 0 && ronda_webroot_db_subtree_delete(w->db, r->path,
		    c->rel, c->rellen) == -1)
			wr_db_fail(w, "re-baseline");
		goto swept;
	}
	for (;;) {
		struct pent *pe;
		ssize_t n;
		if (c->pg.i >= c->pg.n) {
			int got = wr_page_next(w, &c->pg, r->path, c->rel, c->rellen, 1);
			if (got == -1)
				return 1;
			if (got == 0)
				break;
		}
		pe = &c->pg.e[c->pg.i];
		if (S_ISDIR(pe->row.mode)) {
			c->pg.i++;
			continue;
		}
		n = wr_join_rel(rel, c->pg.b.data + pe->fo, pe->fl, c->pg.b.data + pe->no,
		    pe->nl);
		if (n < 0) {
			c->pg.i++;
			continue;
		}
		if (inflight_find(w, r, rel, (size_t)n) != NULL) {
			inflight_find(w, r, rel, (size_t)n)->dirty = 1;
			c->sw_busy++;
			c->pg.i++;
			continue;
		}
		if (!can_emit(w) || ronda_mono_ms() >= w->slice_end)
			return 0;
		cur_deleted(w, rel, (size_t)n, &pe->row, -1);
		c->sw_emitted++;
		c->pg.i++;
	}
	if (c->sw_emitted > 0 || c->sw_busy > 0) {
		/* Some deletions are on their way: tidy the folder rows later. */
		wr_check_add(w, r, c->rel, c->rellen, NULL, SWEEP_RETRY_MS);
		return 1;
	}
	if (wr_db_write(w) == 0 && ronda_webroot_db_subtree_delete(w->db, r->path, c->rel,
	    c->rellen) == -1)
		wr_db_fail(w, "dropping a folder's rows");
swept:
	wr_watches_drop_below(w, r, c->rel, c->rellen);
	c->has_old = 0;
	if (c->exists && S_ISREG(c->st.st_mode))
		return cur_file(w);	/* a file stands where the folder was */
	if (c->exists && S_ISDIR(c->st.st_mode)) {
		if (c->from_walk)
			c->descend = 1;
		else
			wr_walk_queue(w, r, WK_WATCH, c->rel, c->rellen, 0);
	}
	return 1;
}

/* cur is a regular file: unchanged, or read it. 1 done, 0 yield. */
static int
cur_file(struct ronda_webroot *w)
{
	struct cur *c = &w->cur;
	struct wr_root *r = c->r;
	struct ronda_wr_row now;

	wr_row_from_stat(&now, &c->st);
	if (c->has_old && S_ISREG(c->old.mode) && wr_row_same_meta(&now, &c->old) &&
	    (c->old.mode & 07777) == (now.mode & 07777) && c->old.uid == now.uid)
		return 1;
	/*
	 * Written a moment ago: a scan leaves it to a check once quiet (its
	 * inotify events, if any, lead there too).
	 */
	if ((c->kind == WK_SCAN || c->kind == WK_WATCH) && w->cfg->webroot.settle > 0 &&
	    wr_wall_ms(w) - ns_to_ms(now.mtime_ns) < w->cfg->webroot.settle &&
	    wr_wall_ms(w) >= ns_to_ms(now.mtime_ns)) {
		wr_check_add(w, r, c->rel, c->rellen, c->old_rel, w->cfg->webroot.settle);
		return 1;
	}
	c->hashing = (int64_t)now.size <= w->cfg->webroot.max_hash;
	if (wr_reader_open(w->rd, c->dirfd, c->rel + c->nameoff, now.inode, c->hashing) ==
	    -1) {
		if (errno == EACCES || errno == EPERM) {
			w->st.unreadable++;
			return cur_decide(w, 0, 0);
		}
		/* Gone or replaced between the lstat and the open: look again. */
		if (c->kind == WK_BASELINE)
			r->rescan_after = 1;
		else
			wr_check_add(w, r, c->rel, c->rellen, c->old_rel,
			    w->cfg->webroot.settle);
		return 1;
	}
	c->stage = C_HASH;
	return cur_hash(w);
}

/* Put the path in cur on the walk's list for its end; 0 when the list is full. */
static int
later_add(struct ronda_webroot *w)
{
	struct active *a = &w->act;
	struct cur *c = &w->cur;
	char *p;

	if (!c->from_walk || c->deferred || a->req == NULL ||
	    (c->kind != WK_SCAN && c->kind != WK_WATCH) || a->nlater >= LATER_MAX)
		return 0;
	if (a->nlater == a->later_cap) {
		size_t ncap = a->later_cap ? a->later_cap * 2 : 64;
		char **nv = realloc(a->later, ncap * sizeof(*nv));
		if (nv == NULL)
			return 0;
		a->later = nv;
		a->later_cap = ncap;
	}
	if ((p = strdup(c->rel)) == NULL)
		return 0;
	a->later[a->nlater++] = p;
	return 1;
}

/* Compare the path in cur with its row. 1 done, 0 yield. */
static int
cur_start(struct ronda_webroot *w)
{
	struct cur *c = &w->cur;
	struct wr_root *r = c->r;
	const char *name = c->rel + c->nameoff;
	size_t namelen = c->rellen - c->nameoff;
	struct pending *p;
	int rc, old_dir, old_reg, now_dir, now_reg;

	if (c->rellen == 0)
		return 1;	/* the root itself has no row */
	if (c->dirfd < 0) {
		c->dirfd = wr_open_folder(r->fd, c->rel, c->folderlen);
		c->own_dirfd = c->dirfd >= 0;
		if (c->dirfd < 0 && errno == EACCES) {
			w->st.unreadable++;
			return 1;
		}
	}
	if (c->dirfd >= 0 && fstatat(c->dirfd, name, &c->st, AT_SYMLINK_NOFOLLOW) == 0) {
		c->exists = 1;
	} else if (c->dirfd >= 0 && errno == EACCES) {
		w->st.unreadable++;
		return 1;
	}
	rc = ronda_webroot_db_get(w->db, r->path, c->rel, c->folderlen, name, namelen,
	    &c->old);
	if (rc == -1) {
		wr_db_fail(w, "reading a row");
		return 1;
	}
	c->has_old = rc == 1;
	if (c->kind != WK_BASELINE && (p = inflight_find(w, r, c->rel, c->rellen)) != NULL) {
		/* An event about it is on its way: look again once it landed. */
		p->dirty = 1;
		if (c->from_walk && c->exists && S_ISDIR(c->st.st_mode))
			c->descend = 1;
		return 1;
	}
	old_dir = c->has_old && S_ISDIR(c->old.mode);
	old_reg = c->has_old && !old_dir;
	now_dir = c->exists && S_ISDIR(c->st.st_mode);
	now_reg = c->exists && S_ISREG(c->st.st_mode);

	if (old_dir && !now_dir) {
		if (later_add(w))
			return 1;
		c->stage = C_SWEEP;
		wr_page_reset(&c->pg);
		return cur_sweep(w);
	}
	if (old_reg && !now_reg) {
		if (later_add(w)) {
			if (now_dir && c->from_walk)
				c->descend = 1;
			return 1;
		}
		if (!can_emit(w))
			return 0;
		cur_deleted(w, c->rel, c->rellen, &c->old, c->dirfd);
		if (now_dir) {
			/* A folder took the file's name: its row once the deletion landed. */
			if ((p = inflight_find(w, r, c->rel, c->rellen)) != NULL)
				p->dirty = 1;
			if (c->from_walk)
				c->descend = 1;
			else
				wr_walk_queue(w, r, WK_WATCH, c->rel, c->rellen, 0);
		}
		return 1;
	}
	if (now_dir) {
		if (!c->has_old) {
			struct ronda_wr_row row;
			wr_row_from_stat(&row, &c->st);
			if (wr_db_write(w) == 0 && ronda_webroot_db_put(w->db, r->path, c->rel,
			    c->folderlen, name, namelen, &row) == -1)
				wr_db_fail(w, "folder row");
		}
		if (c->from_walk)
			c->descend = 1;
		else if (!c->has_old)
			wr_walk_queue(w, r, WK_WATCH, c->rel, c->rellen, 0);
		return 1;
	}
	if (!now_reg) {
		if (c->exists && c->from_walk && c->kind != WK_CHECK) {
			if (S_ISLNK(c->st.st_mode))
				w->st.symlinks_skipped++;
			else
				w->st.special_skipped++;
		}
		return 1;
	}
	if (!can_emit(w))
		return 0;
	return cur_file(w);
}

int
wr_cur_run(struct ronda_webroot *w)
{
	switch (w->cur.stage) {
	case C_START: return cur_start(w);
	case C_HASH: return cur_hash(w);
	case C_SWEEP: return cur_sweep(w);
	default: return 1;
	}
}
