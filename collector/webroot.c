/*
 * webroot.c — the web-root watcher: roots, the worker's time slices,
 * inotify and its watches, acceptances, lifecycle. Its parts:
 * webroot_scan.c (the settle queue and the walks), webroot_cmp.c
 * (comparing one path with its row; events in flight and the rows they
 * write once Kafka confirmed them), webroot_walk.c (the symlink-safe walk,
 * the file reader), webroot_event.c (the JSON), webroot_db.c (the rows).
 *
 * Work model. Everything that may touch the disk or the DB runs in
 * ronda_webroot_run(), a time slice (SLICE_MS) driven by a libevent timer,
 * so a large tree or a large file never holds the loop: one "current item"
 * (a path being compared, possibly hashed over several slices, or a vanished
 * folder's rows being swept) at a time, fed by, in order of priority:
 *   1. checks: paths an inotify event named, run once quiet for `settle`
 *      (coalesced per path; a file written without pause is read after at
 *      most SETTLE_CAP_FACTOR * settle, 5 s at least);
 *   2. walks: full scans (first scan "baseline", backstop "scan" every
 *      scan_interval or after an inotify overflow), new folders (from
 *      inotify, since files may land before their watch), re-baselines
 *      (--accept --for 0). One walk at a time.
 * Comparing one path: lstat (never follow), the row by primary key; same
 * size, mtime, ctime and inode means unchanged (no read); otherwise read it
 * (SHA-256, first max_scan bytes to the markers) and compare. A folder's
 * rows are compared with the disk after its entries were ("pass B"), so a
 * file or folder that vanished is found without holding the folder's
 * listing in memory.
 *
 * Ordering of rows and events: see webroot.h. The rows a slice writes
 * (first scans, confirmed events, silent metadata updates) go in one
 * transaction per slice.
 */
#include "webroot.h"

#include <dirent.h>
#include <errno.h>
#include <event2/event.h>
#include <fcntl.h>
#include <limits.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include "conf.h"
#include "marker.h"
#include "ronda/log.h"
#include "ronda/timeutil.h"
#include "webroot_db.h"
#include "webroot_int.h"

#define WATCH_MASK (IN_CREATE | IN_CLOSE_WRITE | IN_MODIFY | IN_DELETE | IN_MOVED_FROM | \
	IN_MOVED_TO | IN_ATTRIB | IN_DELETE_SELF | IN_MOVE_SELF | IN_ONLYDIR | IN_EXCL_UNLINK)

int64_t
wr_wall_ms(const struct ronda_webroot *w)
{
	return w->ops.now_ms != NULL ? w->ops.now_ms(w->arg) : ronda_now_ms();
}


/* rel = folder + "/" + name (or name), into out (WR_PATH_MAX + 1). Length or -1. */
ssize_t
wr_join_rel(char *out, const char *folder, size_t fl, const char *name, size_t nl)
{
	size_t n = fl + (fl > 0) + nl;

	if (n > WR_PATH_MAX)
		return -1;
	memmove(out, folder, fl);
	if (fl > 0)
		out[fl] = '/';
	memcpy(out + fl + (fl > 0), name, nl);
	out[n] = '\0';
	return (ssize_t)n;
}

/* Where the name starts in rel, and the folder's length. */
void
wr_split_rel(const char *rel, size_t n, size_t *folderlen, size_t *nameoff)
{
	size_t i = n;

	while (i > 0 && rel[i - 1] != '/')
		i--;
	*nameoff = i;
	*folderlen = i > 0 ? i - 1 : 0;
}

void
wr_db_fail(struct ronda_webroot *w, const char *what)
{
	w->st.db_errors++;
	if (ronda_ratelimit_ok(&w->rl_db, (long)(ronda_mono_ms() / 1000), 60))
		log_warnx("webroot: state DB: %s: %s (the change is found again by the "
		    "next scan)", what, ronda_webroot_db_errmsg(w->db));
}

/* Writes of a slice share one transaction, begun by the first. */
int
wr_db_write(struct ronda_webroot *w)
{
	if (ronda_webroot_db_begin(w->db) == -1) {
		wr_db_fail(w, "begin");
		return -1;
	}
	return 0;
}

void
wr_db_commit(struct ronda_webroot *w)
{
	if (!ronda_webroot_db_in_txn(w->db))
		return;
	if (ronda_webroot_db_commit(w->db) == -1) {
		wr_db_fail(w, "commit");
		if (w->act.req != NULL && w->act.req->kind == WK_BASELINE)
			w->act.failed = 1;
	}
}

/* ---- timer -------------------------------------------------------------- */

void
wr_schedule(struct ronda_webroot *w, int64_t delay_ms)
{
	int64_t at = ronda_mono_ms() + (delay_ms > 0 ? delay_ms : 0);
	struct timeval tv;

	if (w->timer == NULL)
		return;
	if (w->timer_at != 0 && w->timer_at <= at && event_pending(w->timer, EV_TIMEOUT,
	    NULL))
		return;
	w->timer_at = at;
	tv.tv_sec = (time_t)(delay_ms > 0 ? delay_ms / 1000 : 0);
	tv.tv_usec = (suseconds_t)(delay_ms > 0 ? (delay_ms % 1000) * 1000 : 0);
	event_add(w->timer, &tv);
}

/* ---- acceptances -------------------------------------------------------- */

int
wr_accept_match(const struct ronda_wr_accept *v, size_t n, const char *root,
    const char *rel, int64_t now_ms)
{
	for (size_t i = 0; i < n; i++) {
		const struct ronda_wr_accept *a = &v[i];
		size_t pl = strlen(a->prefix);
		if (a->rebaseline || now_ms < a->from_ms || now_ms >= a->until_ms ||
		    strcmp(a->root, root) != 0)
			continue;
		if (pl == 0 || (strncmp(rel, a->prefix, pl) == 0 &&
		    (rel[pl] == '\0' || rel[pl] == '/')))
			return 1;
	}
	return 0;
}

static struct wr_root *
root_by_path(struct ronda_webroot *w, const char *path)
{
	for (size_t i = 0; i < w->nroots; i++)
		if (strcmp(w->roots[i].path, path) == 0)
			return &w->roots[i];
	return NULL;
}


/* Re-read the acceptances when the DB changed (another connection wrote). */
static void
accepts_poll(struct ronda_webroot *w, int force)
{
	struct ronda_wr_accept *v;
	size_t n;
	int64_t dv, now = ronda_mono_ms();

	if (!force && now - w->last_accept_poll < ACCEPT_POLL_MS)
		return;
	w->last_accept_poll = now;
	dv = ronda_webroot_db_data_version(w->db);
	if (!force && dv == w->data_version)
		return;
	w->data_version = dv;
	if (ronda_webroot_db_accept_load(w->db, wr_wall_ms(w), ACCEPTS_MAX, &v, &n) == -1) {
		wr_db_fail(w, "loading acceptances");
		return;
	}
	ronda_webroot_db_accepts_free(w->acc, w->nacc);
	w->acc = v;
	w->nacc = n;
	/* Re-baselines not done yet, oldest first (the list is newest first). */
	for (size_t i = n; i-- > 0;) {
		struct wr_root *r;
		if (!v[i].rebaseline || v[i].done || v[i].id <= w->rebase_seen)
			continue;
		w->rebase_seen = v[i].id;
		if ((r = root_by_path(w, v[i].root)) == NULL) {
			log_warnx("webroot: re-baseline of %s%s%s: not a web root of this "
			    "configuration; ignored", v[i].root, v[i].prefix[0] ? "/" : "",
			    v[i].prefix);
			continue;
		}
		log_info("webroot: re-baseline of %s%s%s requested (--accept --for 0)",
		    r->path, v[i].prefix[0] ? "/" : "", v[i].prefix);
		wr_walk_queue(w, r, WK_REBASELINE, v[i].prefix, strlen(v[i].prefix), v[i].id);
	}
}

/* ---- watches ------------------------------------------------------------ */

static void
watch_limit(struct ronda_webroot *w, struct wr_root *r, const char *why)
{
	w->st.watch_limit_hits++;
	r->unwatched++;
	r->scan_only = 1;
	if (!r->limit_logged) {
		r->limit_logged = 1;
		log_warnx("webroot: %s: %s: folders past it are not watched; they are "
		    "compared by the backstop scan every %lld ms only (raise "
		    "fs.inotify.max_user_watches or webroot.max_watches)", r->path, why,
		    (long long)w->cfg->webroot.scan_interval);
	}
}

/*
 * Watch the folder at dirfd (rel below r). Through /proc/self/fd: the
 * descriptor was opened component by component without following links,
 * and the watch lands on exactly that folder (a name could be swapped for a
 * link between the open and the watch). Without /proc, the path with
 * IN_DONT_FOLLOW.
 */
void
wr_watch_add(struct ronda_webroot *w, struct wr_root *r, int dirfd, const char *rel,
    size_t rellen)
{
	char path[64];
	struct hnode *x;
	struct watch *wt;
	int wd;

	if (w->ifd < 0)
		return;
	if (r->scan_only) {
		w->st.watch_limit_hits++;
		r->unwatched++;
		return;
	}
	if (w->nwatches >= (uint64_t)w->cfg->webroot.max_watches) {
		watch_limit(w, r, "webroot.max_watches reached");
		return;
	}
	snprintf(path, sizeof(path), "/proc/self/fd/%d", dirfd);
	wd = inotify_add_watch(w->ifd, path, WATCH_MASK);
	if (wd == -1 && errno == ENOENT) {
		char *full = NULL;
		if (asprintf(&full, "%s%s%s", r->path, rellen > 0 ? "/" : "", rel) != -1) {
			wd = inotify_add_watch(w->ifd, full, WATCH_MASK | IN_DONT_FOLLOW);
			free(full);
		}
	}
	if (wd == -1) {
		if (errno == ENOSPC) {
			watch_limit(w, r, "the inotify watch limit (fs.inotify."
			    "max_user_watches) is reached");
		} else {
			r->unwatched++;
			if (ronda_ratelimit_ok(&w->rl_watch, (long)(ronda_mono_ms() / 1000),
			    60))
				log_warn("webroot: %s/%s: cannot watch", r->path, rel);
		}
		return;
	}
	if ((x = hm_find(&w->watches, (uint32_t)wd, "", 0)) != NULL) {
		/* The same folder (renamed, or walked again): its path may be new. */
		char *n;
		wt = x->val;
		if (wt->r == r && strcmp(wt->rel, rel) == 0)
			return;
		if ((n = strdup(rel)) != NULL) {
			free(wt->rel);
			wt->rel = n;
			wt->r = r;
		}
		return;
	}
	if ((wt = calloc(1, sizeof(*wt))) == NULL || (wt->rel = strdup(rel)) == NULL) {
		free(wt);
		inotify_rm_watch(w->ifd, wd);
		return;
	}
	wt->wd = wd;
	wt->r = r;
	wt->node = (struct hnode){ .a = (uint32_t)wd, .key = "", .keylen = 0, .val = wt };
	if (hm_add(&w->watches, &wt->node) == -1) {
		free(wt->rel);
		free(wt);
		inotify_rm_watch(w->ifd, wd);
		return;
	}
	w->nwatches++;
}

static void
watch_free(struct ronda_webroot *w, struct watch *wt)
{
	hm_del(&w->watches, &wt->node);
	w->nwatches--;
	free(wt->rel);
	free(wt);
}

/* Drop the watches of folders at or below rel (moved out of the root). */
void
wr_watches_drop_below(struct ronda_webroot *w, struct wr_root *r, const char *rel, size_t n)
{
	for (size_t i = 0; i < w->watches.nb; i++) {
		struct hnode *x = w->watches.b[i], *nx;
		for (; x != NULL; x = nx) {
			struct watch *wt = x->val;
			nx = x->next;
			if (wt->r != r || strncmp(wt->rel, rel, n) != 0 ||
			    (wt->rel[n] != '\0' && wt->rel[n] != '/'))
				continue;
			/* Its IN_IGNORED follows, for a wd we no longer know. */
			inotify_rm_watch(w->ifd, wt->wd);
			watch_free(w, wt);
		}
	}
}

static int
blocked(const struct ronda_webroot *w)
{
	return w->holding || w->nfree == 0;
}

int
ronda_webroot_run(struct ronda_webroot *w)
{
	int more = 0;

	w->slice_end = ronda_mono_ms() + SLICE_MS;
	w->slice_bytes = 0;
	accepts_poll(w, 0);
	wr_roots_due(w);
	for (;;) {
		if (wr_held_resend(w) == -1)
			break;
		wr_apply_confirmed(w);
		if (w->cur.stage != C_IDLE) {
			if (wr_cur_run(w) == 0) {
				more = !blocked(w);
				break;
			}
			wr_cur_finished(w);
		}
		wr_baselines_finish(w);
		if (ronda_mono_ms() >= w->slice_end) {
			more = 1;
			break;
		}
		if (blocked(w))
			break;
		if (w->chead != NULL && w->chead->due <= ronda_mono_ms()) {
			struct check *c = w->chead;
			wr_check_unlink(w, c);
			if (c->r->fd >= 0 && c->r->baselined) {
				wr_cur_set(w, c->r, WK_CHECK, c->rel, strlen(c->rel), -1, 0,
				    c->old_rel);
				w->cur.retries = c->retries;
			}
			wr_check_free(w, c);
			continue;
		}
		if (wr_walk_advance(w))
			continue;
		break;
	}
	wr_apply_confirmed(w);
	wr_db_commit(w);
	wr_baselines_finish(w);
	return more;
}

static void
webroot_on_timer(evutil_socket_t fd, short what, void *arg)
{
	struct ronda_webroot *w = arg;
	int64_t next = ACCEPT_POLL_MS, now;

	(void)fd;
	(void)what;
	w->timer_at = 0;
	if (ronda_webroot_run(w)) {
		wr_schedule(w, 0);
		return;
	}
	if (blocked(w))
		next = 10;	/* the collector's poll kicks sooner when it drains */
	now = ronda_mono_ms();
	if (w->chead != NULL && !blocked(w))
		next = w->chead->due - now < next ? w->chead->due - now : next;
	for (size_t i = 0; i < w->nroots; i++)
		if (w->roots[i].next_scan > 0 && w->roots[i].next_scan - now < next)
			next = w->roots[i].next_scan - now;
	wr_schedule(w, next > 0 ? next : 0);
}

void
ronda_webroot_kick(struct ronda_webroot *w)
{
	if (w != NULL && (w->holding || w->apply_head != NULL))
		wr_schedule(w, 0);
}

/* ---- inotify ------------------------------------------------------------ */

static void
move_flush(struct ronda_webroot *w)
{
	for (size_t i = 0; i < w->nmoves; i++) {
		struct move *m = &w->moves[i];
		wr_check_add(w, m->r, m->rel, strlen(m->rel), NULL, w->cfg->webroot.settle);
		free(m->rel);
	}
	w->nmoves = 0;
}

/*
 * A folder appeared (created, or moved in): watch it now and look at the
 * files already in it now (checks, which go before walks), so that what
 * lands there is seen even while a long scan holds the walk; the walk
 * queued behind it compares the whole subtree.
 */
static void
folder_appeared(struct ronda_webroot *w, struct wr_root *r, const char *rel, size_t n)
{
	char sub[WR_PATH_MAX + 1];
	struct dirent *de;
	int fd, seen = 0;
	DIR *d;

	wr_walk_queue(w, r, WK_WATCH, rel, n, 0);
	if ((fd = wr_open_folder(r->fd, rel, n)) == -1)
		return;
	wr_watch_add(w, r, fd, rel, n);
	if ((d = fdopendir(fd)) == NULL) {
		close(fd);
		return;
	}
	while ((de = readdir(d)) != NULL && seen < NEW_FOLDER_PEEK) {
		ssize_t k;
		if (de->d_type != DT_REG && de->d_type != DT_UNKNOWN)
			continue;
		seen++;
		if ((k = wr_join_rel(sub, rel, n, de->d_name, strlen(de->d_name))) >= 0 &&
		    !wr_excluded(&r->cfg->exclude, sub, (size_t)k, 1))
			wr_check_add(w, r, sub, (size_t)k, NULL, w->cfg->webroot.settle);
	}
	closedir(d);
}

static void
inotify_one(struct ronda_webroot *w, const struct inotify_event *ie)
{
	char rel[WR_PATH_MAX + 1];
	struct hnode *x;
	struct watch *wt;
	struct wr_root *r;
	ssize_t n;
	int isdir = (ie->mask & IN_ISDIR) != 0;

	if (ie->mask & IN_Q_OVERFLOW) {
		w->st.overflows++;
		log_warnx("webroot: inotify queue overflow: every web root is scanned again");
		ronda_webroot_rescan(w);
		return;
	}
	if ((x = hm_find(&w->watches, (uint32_t)ie->wd, "", 0)) == NULL)
		return;
	wt = x->val;
	r = wt->r;
	if (ie->mask & IN_IGNORED) {
		watch_free(w, wt);
		return;
	}
	if ((ie->mask & (IN_DELETE_SELF | IN_MOVE_SELF)) && wt->rel[0] == '\0') {
		log_warnx("webroot: %s: the root folder itself was %s; scanning it again",
		    r->path, ie->mask & IN_DELETE_SELF ? "deleted" : "moved");
		wr_request_full(w, r);
		return;
	}
	if (ie->len == 0 || ie->name[0] == '\0')
		return;
	if (!r->baselined) {
		r->rescan_after = 1;	/* its first scan compares it again at the end */
		return;
	}
	n = wr_join_rel(rel, wt->rel, strlen(wt->rel), ie->name, strnlen(ie->name, ie->len));
	if (n < 0) {
		w->st.too_deep++;
		return;
	}
	if (wr_excluded(&r->cfg->exclude, rel, (size_t)n, 1))
		return;
	if (ie->mask & IN_MOVED_FROM) {
		if (w->nmoves == MOVES_MAX)
			move_flush(w);
		w->moves[w->nmoves].cookie = ie->cookie;
		w->moves[w->nmoves].r = r;
		w->moves[w->nmoves].isdir = isdir;
		if ((w->moves[w->nmoves].rel = strdup(rel)) != NULL)
			w->nmoves++;
		return;
	}
	if (ie->mask & IN_MOVED_TO) {
		for (size_t i = 0; i < w->nmoves; i++) {
			struct move *m = &w->moves[i];
			if (m->cookie != ie->cookie || m->r != r)
				continue;
			if (isdir) {
				/* The new folder first: its files pair with the old rows. */
				folder_appeared(w, r, rel, (size_t)n);
				wr_walk_queue(w, r, WK_CHECK, m->rel, strlen(m->rel), 0);
			} else {
				wr_check_add(w, r, rel, (size_t)n, m->rel,
				    w->cfg->webroot.settle);
			}
			free(m->rel);
			*m = w->moves[--w->nmoves];
			return;
		}
		if (isdir)
			folder_appeared(w, r, rel, (size_t)n);
		else
			wr_check_add(w, r, rel, (size_t)n, NULL, w->cfg->webroot.settle);
		return;
	}
	if ((ie->mask & IN_CREATE) && isdir) {
		folder_appeared(w, r, rel, (size_t)n);
		return;
	}
	if (isdir && !(ie->mask & IN_DELETE))
		return;		/* a folder's own attributes or times */
	wr_check_add(w, r, rel, (size_t)n, NULL, w->cfg->webroot.settle);
}

static void
webroot_on_inotify(evutil_socket_t fd, short what, void *arg)
{
	struct ronda_webroot *w = arg;
	char buf[65536] __attribute__((aligned(__alignof__(struct inotify_event))));
	ssize_t n;

	(void)what;
	for (;;) {
		n = read(fd, buf, sizeof(buf));
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		for (char *p = buf; p < buf + n;) {
			struct inotify_event *ie = (struct inotify_event *)p;
			inotify_one(w, ie);
			p += sizeof(struct inotify_event) + ie->len;
		}
	}
	move_flush(w);
}

/* ---- lifecycle ---------------------------------------------------------- */

struct ronda_webroot *
ronda_webroot_new(struct event_base *base, const struct ronda_collector_config *cfg,
    struct ronda_markers *markers, const struct ronda_webroot_ops *ops, void *arg,
    int once, char *err, size_t errlen)
{
	const struct ronda_collector_webroot *wrs = cfg->webroots.v;
	struct ronda_webroot *w;
	uint64_t seed = 0;

	if ((w = calloc(1, sizeof(*w))) == NULL) {
		snprintf(err, errlen, "webroot: out of memory");
		return NULL;
	}
	w->base = base;
	w->cfg = cfg;
	w->markers = markers;
	w->ops = *ops;
	w->arg = arg;
	w->once = once;
	w->ifd = -1;
	w->cur.dirfd = -1;
	if (getrandom(&seed, sizeof(seed), GRND_NONBLOCK) != (ssize_t)sizeof(seed))
		seed = (uint64_t)ronda_mono_ms() * QHASH_K2;
	w->watches.seed = w->checks.seed = w->inflight.seed = seed;
	ronda_buf_init(&w->json, JSON_MAX);
	ronda_buf_init(&w->held, JSON_MAX + 1024);
	ronda_buf_init(&w->cur.pg.b, 2 * PAGE_ROWS * (WR_PATH_MAX + 2) + 1024);
	ronda_buf_init(&w->cur.pg.after, 2 * WR_PATH_MAX + 16);
	ronda_buf_init(&w->act.pg.b, 2 * PAGE_ROWS * (WR_PATH_MAX + 2) + 1024);
	ronda_buf_init(&w->act.pg.after, 2 * WR_PATH_MAX + 16);
	w->pend = calloc(INFLIGHT_MAX, sizeof(*w->pend));
	w->freelist = calloc(INFLIGHT_MAX, sizeof(*w->freelist));
	w->roots = calloc(cfg->webroots.n > 0 ? cfg->webroots.n : 1, sizeof(*w->roots));
	w->rd = wr_reader_new((size_t)cfg->webroot.max_scan);
	if (w->pend == NULL || w->freelist == NULL || w->roots == NULL || w->rd == NULL) {
		snprintf(err, errlen, "webroot: out of memory");
		goto fail;
	}
	for (uint32_t i = 0; i < INFLIGHT_MAX; i++)
		w->freelist[w->nfree++] = INFLIGHT_MAX - 1 - i;
	if ((w->db = ronda_webroot_db_open(cfg->state_db, err, errlen)) == NULL)
		goto fail;
	ronda_webroot_db_accept_expire(w->db, wr_wall_ms(w) - ACCEPT_KEEP_MS);
	w->nroots = cfg->webroots.n;
	for (size_t i = 0; i < w->nroots; i++) {
		struct wr_root *r = &w->roots[i];
		int b;
		r->idx = (uint32_t)i;
		r->cfg = &wrs[i];
		r->path = wrs[i].path;
		r->fd = -1;
		if ((b = ronda_webroot_db_baselined(w->db, r->path)) == -1) {
			snprintf(err, errlen, "webroot: %s", ronda_webroot_db_errmsg(w->db));
			goto fail;
		}
		r->baselined = b;
	}
	if (!once && base != NULL && w->nroots > 0) {
		w->ifd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
		if (w->ifd == -1) {
			log_warn("webroot: inotify (every web root is compared by the backstop "
			    "scan only)");
		} else {
			w->inotify_ev = event_new(base, w->ifd, EV_READ | EV_PERSIST,
			    webroot_on_inotify, w);
			if (w->inotify_ev == NULL || event_add(w->inotify_ev, NULL) == -1) {
				snprintf(err, errlen, "webroot: cannot watch inotify");
				goto fail;
			}
		}
	}
	if (base != NULL && (w->timer = evtimer_new(base, webroot_on_timer, w)) == NULL) {
		snprintf(err, errlen, "webroot: cannot create a timer");
		goto fail;
	}
	accepts_poll(w, 1);
	/* Every start compares each root: what changed while we were away. */
	for (size_t i = 0; i < w->nroots; i++) {
		struct wr_root *r = &w->roots[i];
		wr_walk_queue(w, r, r->baselined ? WK_SCAN : WK_BASELINE, "", 0, 0);
	}
	wr_schedule(w, 0);
	return w;
fail:
	ronda_webroot_free(w);
	return NULL;
}

void
ronda_webroot_free(struct ronda_webroot *w)
{
	if (w == NULL)
		return;
	if (w->db != NULL) {
		wr_apply_confirmed(w);	/* what Kafka confirmed while stopping */
		wr_db_commit(w);
	}
	if (w->timer != NULL)
		event_free(w->timer);
	if (w->inotify_ev != NULL)
		event_free(w->inotify_ev);
	if (w->ifd >= 0)
		close(w->ifd);
	wr_cur_done(w);
	wr_page_release(&w->cur.pg);
	wr_walk_free(w->act.wk);
	free(w->act.passb_folder);
	for (size_t i = w->act.later_i; i < w->act.nlater; i++)
		free(w->act.later[i]);
	free(w->act.later);
	wr_walkreq_free(w->act.req);
	wr_page_release(&w->act.pg);
	while (w->whead != NULL) {
		struct walkreq *q = w->whead;
		w->whead = q->next;
		wr_walkreq_free(q);
	}
	while (w->chead != NULL) {
		struct check *c = w->chead;
		wr_check_unlink(w, c);
		wr_check_free(w, c);
	}
	for (size_t i = 0; i < w->watches.nb; i++) {
		struct hnode *x = w->watches.b[i], *nx;
		for (; x != NULL; x = nx) {
			struct watch *wt = x->val;
			nx = x->next;
			free(wt->rel);
			free(wt);
		}
	}
	free(w->watches.b);
	for (size_t i = 0; i < w->nmoves; i++)
		free(w->moves[i].rel);
	if (w->pend != NULL) {
		for (uint32_t i = 0; i < INFLIGHT_MAX; i++) {
			free(w->pend[i].rel);
			free(w->pend[i].old_rel);
		}
	}
	free(w->inflight.b);
	free(w->checks.b);
	free(w->pend);
	free(w->freelist);
	if (w->roots != NULL)
		for (size_t i = 0; i < w->nroots; i++)
			if (w->roots[i].fd >= 0)
				close(w->roots[i].fd);
	free(w->roots);
	wr_reader_free(w->rd);
	ronda_webroot_db_accepts_free(w->acc, w->nacc);
	ronda_webroot_db_free(w->db);
	ronda_buf_release(&w->json);
	ronda_buf_release(&w->held);
	free(w);
}

int
ronda_webroot_idle(const struct ronda_webroot *w)
{
	if (w == NULL)
		return 1;
	for (size_t i = 0; i < w->nroots; i++)
		if (!w->roots[i].scanned)
			return 0;
	return w->act.req == NULL && w->whead == NULL && w->cur.stage == C_IDLE &&
	    w->chead == NULL && w->nfree == INFLIGHT_MAX && !w->holding &&
	    w->apply_head == NULL;
}

void
ronda_webroot_stats(const struct ronda_webroot *w, struct ronda_webroot_stats *st)
{
	memset(st, 0, sizeof(*st));
	if (w == NULL)
		return;
	*st = w->st;
	st->watches = w->nwatches;
	st->inflight = INFLIGHT_MAX - w->nfree;
	st->checks_pending = w->nchecks;
	st->roots = w->nroots;
	for (size_t i = 0; i < w->nroots; i++) {
		st->roots_baselined += w->roots[i].baselined;
		st->folders_unwatched += w->roots[i].full_running ?
		    (w->roots[i].unwatched > w->roots[i].unwatched_last ?
		    w->roots[i].unwatched : w->roots[i].unwatched_last) :
		    w->roots[i].unwatched_last;
	}
}

/* ---- --accept ----------------------------------------------------------- */

/* Make path absolute (against the working folder) and lexically normal. */
static char *
abs_normal(const char *path)
{
	char cwd[PATH_MAX], *full = NULL, *o, *p;

	if (path[0] == '/') {
		full = strdup(path);
	} else {
		if (getcwd(cwd, sizeof(cwd)) == NULL ||
		    asprintf(&full, "%s/%s", cwd, path) == -1)
			return NULL;
	}
	if (full == NULL)
		return NULL;
	/* Collapse "//", "/./" and "x/.." in place. */
	for (o = p = full; *p != '\0';) {
		if (p[0] == '/' && p[1] == '/') {
			p++;
		} else if (p[0] == '/' && p[1] == '.' && (p[2] == '/' || p[2] == '\0')) {
			p += 2;
		} else if (p[0] == '/' && p[1] == '.' && p[2] == '.' &&
		    (p[3] == '/' || p[3] == '\0')) {
			p += 3;
			while (o > full && *--o != '/')
				;
		} else {
			*o++ = *p++;
		}
	}
	*o = '\0';
	while (o > full + 1 && o[-1] == '/')
		*--o = '\0';
	if (full[0] == '\0')
		strcpy(full, "/");
	return full;
}

/* The root of cfg that holds path (prefix: where below it), or NULL. */
static const struct ronda_collector_webroot *
accept_root(const struct ronda_collector_config *cfg, const char *path, const char **prefix)
{
	const struct ronda_collector_webroot *wr = cfg->webroots.v;

	for (size_t i = 0; i < cfg->webroots.n; i++) {
		size_t n = strlen(wr[i].path);
		if (strncmp(path, wr[i].path, n) == 0 && (path[n] == '\0' || path[n] == '/')) {
			*prefix = path[n] == '/' ? path + n + 1 : path + n;
			return &wr[i];
		}
	}
	return NULL;
}

int
ronda_webroot_accept(const struct ronda_collector_config *cfg, const char *path,
    int64_t for_ms, int64_t now_ms, char *msg, size_t msglen)
{
	const struct ronda_collector_webroot *wr;
	struct ronda_webroot_db *db;
	struct ronda_wr_accept a;
	char *p, *real = NULL, err[256], until[RONDA_TS_LEN + 1];
	const char *prefix = "";
	int64_t id;
	int rc = -1;

	if ((p = abs_normal(path)) == NULL) {
		snprintf(msg, msglen, "%s: cannot resolve the path", path);
		return -1;
	}
	wr = accept_root(cfg, p, &prefix);
	if (wr == NULL && (real = realpath(p, NULL)) != NULL) {
		/* Through a link the operator used (/srv/www -> /var/www). */
		const struct ronda_collector_webroot *v = cfg->webroots.v;
		for (size_t i = 0; i < cfg->webroots.n && wr == NULL; i++) {
			char *rr = realpath(v[i].path, NULL);
			size_t n = rr != NULL ? strlen(rr) : 0;
			if (rr != NULL && strncmp(real, rr, n) == 0 && (real[n] == '\0' ||
			    real[n] == '/')) {
				wr = &v[i];
				prefix = real[n] == '/' ? real + n + 1 : real + n;
			}
			free(rr);
		}
	}
	if (wr == NULL) {
		snprintf(msg, msglen, "%s is in no web root of %s (webroots: %zu configured)",
		    p, cfg->path != NULL ? cfg->path : "the configuration", cfg->webroots.n);
		rc = -2;
		goto done;
	}
	/*
	 * The DB must exist: created here by an operator running as root, it
	 * would be root's, and the collector (its own user) could not write it.
	 */
	if (access(cfg->state_db, F_OK) == -1) {
		snprintf(msg, msglen, "%s: %s (start the collector once first: it creates "
		    "the state DB)", cfg->state_db, strerror(errno));
		goto done;
	}
	if ((db = ronda_webroot_db_open(cfg->state_db, err, sizeof(err))) == NULL) {
		snprintf(msg, msglen, "%s", err);
		goto done;
	}
	memset(&a, 0, sizeof(a));
	a.root = wr->path;
	a.prefix = (char *)prefix;
	a.from_ms = now_ms;
	a.until_ms = now_ms + (for_ms > 0 ? for_ms : 0);
	a.rebaseline = for_ms <= 0;
	if (ronda_webroot_db_accept_add(db, &a, &id) == -1) {
		snprintf(msg, msglen, "%s", ronda_webroot_db_errmsg(db));
	} else if (a.rebaseline) {
		snprintf(msg, msglen, "accepted %s%s%s as the new baseline (#%lld): the "
		    "running collector takes its current content at once (no events for "
		    "changes without markers)", wr->path, prefix[0] ? "/" : "", prefix,
		    (long long)id);
		rc = 0;
	} else {
		ronda_fmt_utc_ms(until, a.until_ms);
		snprintf(msg, msglen, "accepted changes under %s%s%s until %s (#%lld): "
		    "still reported and scanned for markers, with ronda.file.accepted: true",
		    wr->path, prefix[0] ? "/" : "", prefix, until, (long long)id);
		rc = 0;
	}
	ronda_webroot_db_free(db);
done:
	free(real);
	free(p);
	return rc;
}
