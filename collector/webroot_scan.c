/*
 * webroot_scan.c — what feeds the comparison (webroot_cmp.c): the settle
 * queue of paths named by inotify, and the walks (first scans, backstop
 * scans, new folders, re-baselines), one at a time, each folder's entries
 * then its rows ("pass B"), the paths that vanished at the walk's end.
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

/* ---- checks (the settle queue) ------------------------------------------ */

void
wr_check_unlink(struct ronda_webroot *w, struct check *c)
{
	if (c->prev != NULL)
		c->prev->next = c->next;
	else
		w->chead = c->next;
	if (c->next != NULL)
		c->next->prev = c->prev;
	else
		w->ctail = c->prev;
	c->prev = c->next = NULL;
}

/* Insert by due time, searching from the tail (most are due last). */
static void
check_link(struct ronda_webroot *w, struct check *c)
{
	struct check *x = w->ctail;

	while (x != NULL && x->due > c->due)
		x = x->prev;
	c->prev = x;
	c->next = x != NULL ? x->next : w->chead;
	if (c->next != NULL)
		c->next->prev = c;
	else
		w->ctail = c;
	if (x != NULL)
		x->next = c;
	else
		w->chead = c;
}

void
wr_check_free(struct ronda_webroot *w, struct check *c)
{
	hm_del(&w->checks, &c->node);
	w->nchecks--;
	free(c->rel);
	free(c->old_rel);
	free(c);
}

/*
 * Look at rel delay_ms from now (again: an earlier check of it is pushed
 * back, up to the settle cap). old_rel: it was renamed from there.
 */
void
wr_check_add(struct ronda_webroot *w, struct wr_root *r, const char *rel, size_t n,
    const char *old_rel, int64_t delay_ms)
{
	wr_check_retry(w, r, rel, n, old_rel, delay_ms, 0);
}

void
wr_check_retry(struct ronda_webroot *w, struct wr_root *r, const char *rel, size_t n,
    const char *old_rel, int64_t delay_ms, int retries)
{
	int64_t now = ronda_mono_ms(), cap;
	struct hnode *x = hm_find(&w->checks, r->idx, rel, n);
	struct check *c;

	cap = SETTLE_CAP_FACTOR * w->cfg->webroot.settle;
	if (cap < SETTLE_CAP_MIN)
		cap = SETTLE_CAP_MIN;
	if (x != NULL) {
		c = x->val;
		wr_check_unlink(w, c);
		c->due = now + delay_ms;
		if (c->due > c->first + cap && delay_ms <= w->cfg->webroot.settle)
			c->due = c->first + cap;
		if (old_rel != NULL && c->old_rel == NULL)
			c->old_rel = strdup(old_rel);
		if (retries > c->retries)
			c->retries = retries;
		check_link(w, c);
		return;
	}
	if (w->nchecks >= CHECKS_MAX) {
		w->st.checks_dropped++;
		wr_request_full(w, r);
		return;
	}
	if ((c = calloc(1, sizeof(*c))) == NULL || (c->rel = malloc(n + 1)) == NULL) {
		free(c);
		w->st.checks_dropped++;
		wr_request_full(w, r);
		return;
	}
	memcpy(c->rel, rel, n);
	c->rel[n] = '\0';
	c->old_rel = old_rel != NULL ? strdup(old_rel) : NULL;
	c->r = r;
	c->retries = retries;
	c->first = now;
	c->due = now + delay_ms;
	c->node = (struct hnode){ .a = r->idx, .key = c->rel, .keylen = n, .val = c };
	if (hm_add(&w->checks, &c->node) == -1) {
		free(c->rel);
		free(c->old_rel);
		free(c);
		w->st.checks_dropped++;
		wr_request_full(w, r);
		return;
	}
	w->nchecks++;
	check_link(w, c);
	wr_schedule(w, delay_ms);
}

/* ---- walks -------------------------------------------------------------- */

void
wr_walk_queue(struct ronda_webroot *w, struct wr_root *r, int kind, const char *rel,
    size_t rellen, int64_t accept_id)
{
	struct walkreq *q;

	if (kind != WK_BASELINE && kind != WK_SCAN && w->nwalks >= WALKQ_MAX) {
		w->st.checks_dropped++;
		wr_request_full(w, r);
		return;
	}
	if ((q = calloc(1, sizeof(*q))) == NULL || (q->rel = malloc(rellen + 1)) == NULL) {
		free(q);
		w->st.checks_dropped++;
		return;
	}
	memcpy(q->rel, rel, rellen);
	q->rel[rellen] = '\0';
	q->r = r;
	q->kind = kind;
	q->accept_id = accept_id;
	if (w->wtail != NULL)
		w->wtail->next = q;
	else
		w->whead = q;
	w->wtail = q;
	w->nwalks++;
	if (kind == WK_BASELINE || kind == WK_SCAN)
		r->full_queued = 1;
	wr_schedule(w, 0);
}

/* A full comparison of r soon (overflow, checks past the cap, the backstop). */
void
wr_request_full(struct ronda_webroot *w, struct wr_root *r)
{
	if (!r->baselined) {
		r->rescan_after = 1;	/* its first scan runs or is queued */
		return;
	}
	if (r->full_queued)
		return;
	if (r->full_running) {
		r->rescan_after = 1;
		return;
	}
	wr_walk_queue(w, r, WK_SCAN, "", 0, 0);
}

void
ronda_webroot_rescan(struct ronda_webroot *w)
{
	for (size_t i = 0; i < w->nroots; i++)
		wr_request_full(w, &w->roots[i]);
}

/* ---- the walk driver ---------------------------------------------------- */

void
wr_walkreq_free(struct walkreq *q)
{
	if (q == NULL)
		return;
	free(q->rel);
	free(q);
}

/* (Re)open the root folder. 0, or -1 when it is missing (logged once). */
static int
root_open(struct ronda_webroot *w, struct wr_root *r)
{
	int fd = open(r->path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	(void)w;
	if (fd == -1) {
		if (!r->missing_logged) {
			r->missing_logged = 1;
			log_warn("webroot: %s: cannot open (looked at again every %d s)",
			    r->path, MISSING_RETRY_MS / 1000);
		}
		return -1;
	}
	if (r->missing_logged) {
		r->missing_logged = 0;
		log_info("webroot: %s: present again", r->path);
	}
	if (r->fd >= 0)
		close(r->fd);
	r->fd = fd;
	return 0;
}

static void
walk_end(struct ronda_webroot *w)
{
	struct active *a = &w->act;
	struct walkreq *q = a->req;
	struct wr_root *r = q->r;
	int64_t ms = ronda_mono_ms() - a->started;

	if (a->wk != NULL)
		w->st.too_deep += wr_walk_skipped(a->wk);
	wr_walk_free(a->wk);
	a->wk = NULL;
	free(a->passb_folder);
	a->passb_folder = NULL;
	a->passb = 0;
	for (size_t i = a->later_i; i < a->nlater; i++)
		free(a->later[i]);
	free(a->later);
	a->later = NULL;
	a->nlater = a->later_cap = a->later_i = 0;
	switch (q->kind) {
	case WK_BASELINE:
		r->full_running = 0;
		r->unwatched_last = r->unwatched;
		if (a->failed) {
			log_warnx("webroot: %s: the first scan could not be recorded; it "
			    "starts again in %d s", r->path, MISSING_RETRY_MS / 1000);
			r->next_scan = ronda_mono_ms() + MISSING_RETRY_MS;
			break;
		}
		r->baseline_walked = 1;
		w->st.scan_ms_last = (uint64_t)ms;
		w->st.scan_ms_total += (uint64_t)ms;
		break;
	case WK_SCAN:
		r->full_running = 0;
		r->unwatched_last = r->unwatched;
		r->scanned = 1;
		r->next_scan = ronda_mono_ms() + w->cfg->webroot.scan_interval;
		w->st.scans++;
		w->st.scan_ms_last = (uint64_t)ms;
		w->st.scan_ms_total += (uint64_t)ms;
		log_info("webroot: %s: scan done (%llu entries in %lld ms, %llu folders "
		    "watched)", r->path, (unsigned long long)a->entries, (long long)ms,
		    (unsigned long long)w->nwatches);
		if (r->rescan_after) {
			r->rescan_after = 0;
			wr_request_full(w, r);
		}
		break;
	case WK_REBASELINE:
		if (wr_db_write(w) == 0 &&
		    ronda_webroot_db_accept_done(w->db, q->accept_id) == -1)
			wr_db_fail(w, "re-baseline done");
		log_info("webroot: %s%s%s: re-baselined (%llu entries in %lld ms)", r->path,
		    q->rel[0] ? "/" : "", q->rel, (unsigned long long)a->entries,
		    (long long)ms);
		break;
	default:
		break;
	}
	wr_walkreq_free(q);
	a->req = NULL;
}

static void
walk_start(struct ronda_webroot *w)
{
	struct active *a = &w->act;
	struct walkreq *q = w->whead;
	struct wr_root *r;
	size_t n;

	w->whead = q->next;
	if (w->whead == NULL)
		w->wtail = NULL;
	w->nwalks--;
	q->next = NULL;
	r = q->r;
	memset(a, 0, offsetof(struct active, pg));
	a->req = q;
	a->started = ronda_mono_ms();
	n = strlen(q->rel);
	if (q->kind == WK_BASELINE || q->kind == WK_SCAN) {
		r->full_queued = 0;
		r->full_running = 1;
		r->scan_only = 0;
		r->unwatched = 0;
		if (root_open(w, r) == -1) {
			r->full_running = 0;
			r->scanned = 1;	/* --once: nothing to wait for */
			r->next_scan = ronda_mono_ms() + MISSING_RETRY_MS;
			wr_walkreq_free(q);
			a->req = NULL;
			return;
		}
		if (q->kind == WK_BASELINE) {
			/* Whatever an interrupted first scan wrote goes: it starts over. */
			r->found = 0;
			if (wr_db_write(w) == -1 ||
			    ronda_webroot_db_set_baselined(w->db, r->path, 0, wr_wall_ms(w)) ==
			    -1 || ronda_webroot_db_clear_root(w->db, r->path) == -1) {
				wr_db_fail(w, "starting a first scan");
				a->failed = 1;
			}
			log_info("webroot: %s: first scan (baseline) started", r->path);
		}
	}
	if (r->fd < 0 && root_open(w, r) == -1)
		r->fd = -1;
	if (r->fd < 0 || wr_excluded(&r->cfg->exclude, q->rel, n, 0)) {
		if (q->kind == WK_BASELINE || q->kind == WK_SCAN)
			r->full_running = 0;
		wr_walkreq_free(q);
		a->req = NULL;
		return;
	}
	if (q->kind != WK_CHECK && (a->wk = wr_walk_new(r->fd, q->rel, n)) != NULL)
		return;
	if (q->kind != WK_CHECK && errno == EACCES) {
		w->st.unreadable++;
		a->single_done = 1;	/* the next advance ends it */
		return;
	}
	/* One path (a file, or something gone): compare it alone. */
	a->single_done = 0;
}

/* Rows of the folder just left, against the disk. 1 progress. */
static int
passb_step(struct ronda_webroot *w)
{
	struct active *a = &w->act;
	struct wr_root *r = a->req->r;
	char rel[WR_PATH_MAX + 1];
	struct pent *pe;
	struct stat sb;
	ssize_t n;

	if (a->pg.i >= a->pg.n) {
		int got = wr_page_next(w, &a->pg, r->path, a->passb_folder, a->passb_len, 0);
		if (got <= 0) {
			a->passb = 0;
			return 1;
		}
	}
	pe = &a->pg.e[a->pg.i++];
	if (fstatat(a->passb_dirfd, a->pg.b.data + pe->no, &sb, AT_SYMLINK_NOFOLLOW) == 0 &&
	    ((S_ISDIR(sb.st_mode) && S_ISDIR(pe->row.mode)) ||
	    (S_ISREG(sb.st_mode) && S_ISREG(pe->row.mode))))
		return 1;	/* still there: its entry was compared */
	n = wr_join_rel(rel, a->passb_folder, a->passb_len, a->pg.b.data + pe->no, pe->nl);
	if (n < 0 || wr_excluded(&r->cfg->exclude, rel, (size_t)n, 1))
		return 1;
	wr_cur_set(w, r, a->req->kind, rel, (size_t)n, a->passb_dirfd, 1, NULL);
	return 1;
}

/* One step of the walk (or start the next). 1 progress, 0 nothing to do. */
int
wr_walk_advance(struct ronda_webroot *w)
{
	struct active *a = &w->act;
	struct wr_walk_item it;
	char rel[WR_PATH_MAX + 1];
	struct wr_root *r;
	ssize_t n;

	if (a->req == NULL) {
		if (w->whead == NULL)
			return 0;
		walk_start(w);
		return 1;
	}
	r = a->req->r;
	if (a->wk == NULL) {
		if (a->single_done || r->fd < 0) {
			walk_end(w);
			return 1;
		}
		a->single_done = 1;
		wr_cur_set(w, r, a->req->kind, a->req->rel, strlen(a->req->rel), -1, 0, NULL);
		return 1;
	}
	if (a->passb)
		return passb_step(w);
	if (wr_walk_next(a->wk, &it) == -1)
		w->st.unreadable++;
	switch (it.kind) {
	case WR_WALK_END:
		if (a->later_i < a->nlater) {
			char *p = a->later[a->later_i++];
			wr_cur_set(w, r, a->req->kind, p, strlen(p), -1, 0, NULL);
			w->cur.deferred = 1;
			free(p);
			break;
		}
		walk_end(w);
		break;
	case WR_WALK_ENTER:
		if (!w->once)
			wr_watch_add(w, r, it.dirfd, it.folder, it.folderlen);
		break;
	case WR_WALK_ENTRY:
		a->entries++;
		if ((n = wr_join_rel(rel, it.folder, it.folderlen, it.name, it.namelen)) < 0) {
			w->st.too_deep++;
			break;
		}
		if (wr_excluded(&r->cfg->exclude, rel, (size_t)n, 1))
			break;
		wr_cur_set(w, r, a->req->kind, rel, (size_t)n, it.dirfd, 1, NULL);
		break;
	case WR_WALK_LEAVE:
		free(a->passb_folder);
		if ((a->passb_folder = malloc(it.folderlen + 1)) == NULL)
			break;
		memcpy(a->passb_folder, it.folder, it.folderlen + 1);
		a->passb_len = it.folderlen;
		a->passb_dirfd = it.dirfd;
		a->passb = 1;
		wr_page_reset(&a->pg);
		break;
	}
	return 1;
}

/* The current item finished: the walk may descend into it. */
void
wr_cur_finished(struct ronda_webroot *w)
{
	struct cur *c = &w->cur;
	struct active *a = &w->act;

	if (c->from_walk && c->descend && a->wk != NULL && !a->passb &&
	    wr_walk_descend(a->wk) == -1 && errno != E2BIG)
		w->st.unreadable++;	/* too deep or too long: counted by the walk */
	wr_cur_done(w);
}

/* First scans whose walk ended and whose file_found events all landed. */
void
wr_baselines_finish(struct ronda_webroot *w)
{
	for (size_t i = 0; i < w->nroots; i++) {
		struct wr_root *r = &w->roots[i];
		int64_t rows;
		if (!r->baseline_walked || r->pending_found > 0)
			continue;
		if (wr_db_write(w) == -1 ||
		    ronda_webroot_db_set_baselined(w->db, r->path, 1, wr_wall_ms(w)) == -1) {
			wr_db_fail(w, "recording a first scan");
			continue;
		}
		wr_db_commit(w);
		r->baseline_walked = 0;
		r->baselined = 1;
		r->scanned = 1;
		r->next_scan = ronda_mono_ms() + w->cfg->webroot.scan_interval;
		w->st.scans++;
		rows = ronda_webroot_db_count(w->db, r->path);
		log_info("webroot: %s: baselined (%lld rows, %llu files with markers, "
		    "%llu ms, %llu folders watched)", r->path, (long long)rows,
		    (unsigned long long)r->found, (unsigned long long)w->st.scan_ms_last,
		    (unsigned long long)w->nwatches);
		if (r->rescan_after) {
			r->rescan_after = 0;
			wr_request_full(w, r);
		}
	}
}

/* Backstop scans that are due. */
void
wr_roots_due(struct ronda_webroot *w)
{
	int64_t now = ronda_mono_ms();

	for (size_t i = 0; i < w->nroots; i++) {
		struct wr_root *r = &w->roots[i];
		if (r->full_queued || r->full_running || r->baseline_walked ||
		    r->next_scan == 0 || now < r->next_scan || w->once)
			continue;
		r->next_scan = 0;
		wr_walk_queue(w, r, r->baselined ? WK_SCAN : WK_BASELINE, "", 0, 0);
	}
}
