/*
 * webroot.c — every site's web root (OUT/<site>/www/), what the file attacks
 * plant in it, WordPress core updates, and the cloaking those plants make
 * the access log show.
 *
 * The base tree is a small benign application of the site's kind, written
 * whole before the first line: WordPress (cms: core, a "pemda" theme,
 * plugins, languages, half a year of uploads, wp-config.php, the standard
 * .htaccess, robots.txt and a sitemap a plugin wrote), a CodeIgniter
 * application (complaint, ekinerja), Roundcube (mail) or nginx's static page
 * (ssh): about 250, 110, 65 and 4 files of code that reads like the real
 * thing (functions, classes, includes, templates, HTML) and small binary
 * blobs for images, dated before the start: the core at its last install,
 * the theme, plugins and configuration earlier, each upload in its month
 * (half a year of them, at offsets from the start). It holds no
 * attack tell: no eval of decoded input, no test of a search bot's user
 * agent or of a referrer, no gambling word, no hidden block of links.
 *
 * Determinism: contents come from streams of their own (the seed, the site
 * and the path; the core from the seed and the path only, so every site's
 * WordPress core is the same bytes, as on real servers of one version), so
 * web roots never draw from rng_state and the logs stay as they were. Dates
 * are offsets from the start: another --start gives the same files, dated
 * (and, for the upload folders YYYY/MM and the sitemap's dates, named)
 * accordingly.
 *
 * Changes are queued with their simulated time and written by main.c's loop
 * in their place among the lines (paced with --speed): a planted file is
 * dated with utimensat/futimens at its time, as is its folder when an entry
 * is created or removed in it (an in-place modification leaves the folder
 * as it was, as on a real file system). The kinds:
 *
 *   webshell-file       a WSO, Alfa or b374k-like shell in the upload folder
 *                       (plain, or its body base64-encoded behind concatenated
 *                       function names); the same bytes on every site of the
 *                       attack;
 *   gambling-injection  inject: cloaker (PHP lines prepended to index.php:
 *                       search bots get a gambling page, fetched from the
 *                       domain or included from a local file; visitors
 *                       referred by google.co.id and located in Indonesia a
 *                       302 to the landing page), links (10-30 gambling links
 *                       in a display:none block of the footer), htaccess
 *                       (a RewriteCond on the user agent sending bots to the
 *                       domain), sitemap (sitemap-judi.xml and its line in
 *                       robots.txt); the same domain on every site of the
 *                       attack, plus up to two of each site's own;
 *   defacement-file     a "Hacked by" index.html in the root;
 *   cms-update          WordPress 6.4.3 to 6.5.5: about nine in ten files of
 *                       wp-admin, wp-includes and the core's root files
 *                       rewritten within seconds, a few added and removed
 *                       (benign); background.cms_update_at does the same on
 *                       every CMS, at its core upgrade request.
 *
 * The parts (webroot_int.h): this file drives the run (the queue of
 * changes, writing and dating files, the base trees, core updates, the
 * cloaking in the access log, truth.json); webroot_tree.c says which files
 * each benign tree holds and when they were written, webroot_cms.c what
 * they hold, webroot_plant.c what the file attacks plant.
 */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "ronda/buf.h"
#include "ronda/timeutil.h"
#include "sim.h"
#include "vocab.h"
#include "webroot_int.h"

/* ---- small helpers the parts share ------------------------------------------ */

/* A stream for (a, b): the same seed and names, the same draws. */
struct wrng
wr_seed(const char *a, const char *b)
{
	struct wrng r;

	r.s = fnv(b, fnv(a, 0xcbf29ce484222325ULL)) ^ (sim_seed * 0xd1342543de82ef95ULL);
	wr_next(&r);
	return r;
}

/* "Nov 15, 2026" style pieces of a UTC time. */
void
wr_civil(int64_t ms, int64_t *y, unsigned *mo, unsigned *d, unsigned *h, unsigned *mi)
{
	int64_t s = ms / 1000, days = s >= 0 ? s / 86400 : -((-s + 86399) / 86400);
	int64_t rem = s - days * 86400;

	ronda_civil_from_days(days, y, mo, d);
	*h = (unsigned)(rem / 3600);
	*mi = (unsigned)(rem / 60 % 60);
}

void
wr_iso_time(char out[32], int64_t ms)
{
	int64_t y;
	unsigned mo, d, h, mi;

	wr_civil(ms, &y, &mo, &d, &h, &mi);
	snprintf(out, 32, "%04d-%02u-%02uT%02u:%02u:%02u+00:00", (int)y, mo, d, h, mi,
	    (unsigned)(ms / 1000 % 60 + 60) % 60);
}

/* Words no benign file may hold (the gambling vocabulary of the markers). */
int
wr_judol_word(const char *s)
{
	static const char *const bad[] = { "judi", "slot", "togel", "gacor", "maxwin",
		"casino", "poker", "jackpot", NULL };

	for (int i = 0; bad[i] != NULL; i++)
		if (strstr(s, bad[i]) != NULL)
			return 1;
	return 0;
}

/* ---- the run's state -------------------------------------------------------------- */

/* A change waiting for its time. */
struct wr_op {
	int64_t ms;
	uint32_t seq;		/* queued order: a stable tie-break */
	int type;
	size_t si;
	struct wr_site *ws;	/* OP_PLANT */
};

/* A site's planted cloaks, for its crawlers' answers. */
struct cloak_ref {
	struct wr_site *ws;
	struct cloak_ref *next;
};

static struct {
	char **root;		/* per site: DIR/<site>/www */
	size_t nroot;
	struct cloak_ref **cloaks;	/* per site */
	struct wr_op *q;
	size_t head, n, cap;
	uint32_t seq;
	uint64_t dropped;	/* changes the queue could not take (out of memory) */
} wr;

int
wr_queue(int type, int64_t ms, size_t si, struct wr_site *ws)
{
	size_t i;

	if (wr.n == wr.cap) {
		size_t nc = wr.cap ? wr.cap * 2 : 64;
		struct wr_op *nv = realloc(wr.q, nc * sizeof(*nv));

		if (nv == NULL) {
			wr.dropped++;
			return -1;
		}
		wr.q = nv;
		wr.cap = nc;
	}
	/* Sorted by time (then queued order) from head on: few changes, few moves. */
	for (i = wr.n; i > wr.head && wr.q[i - 1].ms > ms; i--)
		wr.q[i] = wr.q[i - 1];
	wr.q[i].ms = ms;
	wr.q[i].seq = wr.seq++;
	wr.q[i].type = type;
	wr.q[i].si = si;
	wr.q[i].ws = ws;
	wr.n++;
	return 0;
}

void
webroot_update_at(size_t si, int64_t ms)
{
	wr_queue(OP_UPDATE, ms, si, NULL);
}

int64_t
webroot_next(int64_t cutoff)
{
	if (wr.head < wr.n && wr.q[wr.head].ms < cutoff && wr.q[wr.head].ms < sim_end_ms)
		return wr.q[wr.head].ms;
	return INT64_MAX;
}

/* ---- writing files ---------------------------------------------------------------- */

static int
stamp_path(const char *path, int64_t ms)
{
	struct timespec ts[2];

	ts[0].tv_sec = (time_t)(ms / 1000);
	ts[0].tv_nsec = (long)(ms % 1000) * 1000000L;
	ts[1] = ts[0];
	return utimensat(AT_FDCWD, path, ts, AT_SYMLINK_NOFOLLOW);
}

/* Write data to path (created or truncated in place) and date it ms. 0 / -1 (errno). */
static int
write_file(const char *path, const void *data, size_t len, int64_t ms)
{
	struct timespec ts[2];
	const char *p = data;
	int fd, rc = 0;

	if ((fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0644)) == -1)
		return -1;
	while (len > 0) {
		ssize_t w = write(fd, p, len);

		if (w < 0) {
			if (errno == EINTR)
				continue;
			rc = -1;
			break;
		}
		p += w;
		len -= (size_t)w;
	}
	ts[0].tv_sec = (time_t)(ms / 1000);
	ts[0].tv_nsec = (long)(ms % 1000) * 1000000L;
	ts[1] = ts[0];
	if (rc == 0 && futimens(fd, ts) == -1)
		rc = -1;
	if (close(fd) == -1)
		rc = -1;
	return rc;
}

/* The folder of path, into out. */
static void
dir_of(const char *path, char *out, size_t n)
{
	const char *s = strrchr(path, '/');

	snprintf(out, n, "%.*s", s != NULL ? (int)(s - path) : 0, path);
}

/*
 * mkdir -p the folder of path below root; folders it creates are dated ms
 * (their parent too: an entry appeared in it). 0 / -1 (errno).
 */
static int
make_parents(const char *root, const char *rel, int64_t ms)
{
	char p[PATH_MAX];
	size_t rl = strlen(root);

	if (snprintf(p, sizeof(p), "%s/%s", root, rel) >= (int)sizeof(p)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	for (char *c = p + rl + 1; *c != '\0'; c++) {
		if (*c != '/')
			continue;
		*c = '\0';
		if (mkdir(p, 0755) == 0) {
			char parent[PATH_MAX];

			stamp_path(p, ms);
			dir_of(p, parent, sizeof(parent));
			stamp_path(parent, ms);
		} else if (errno != EEXIST) {
			return -1;
		}
		*c = '/';
	}
	return 0;
}

/* Read a whole (small) file into b; a missing file is empty. 0 / -1. */
static int
read_file(const char *path, struct ronda_buf *b)
{
	char chunk[65536];
	size_t n;
	FILE *f = fopen(path, "rbe");

	ronda_buf_reset(b);
	if (f == NULL)
		return errno == ENOENT ? 0 : -1;
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		if (ronda_buf_append(b, chunk, n) == -1) {
			fclose(f);
			errno = EFBIG;
			return -1;
		}
	if (ferror(f)) {
		fclose(f);
		return -1;
	}
	fclose(f);
	return 0;
}

/* Apply one planned change at ms. 0 / -1 (errno). */
static int
apply_change(const char *root, const struct wr_change *c, int64_t ms)
{
	char path[PATH_MAX], parent[PATH_MAX];
	struct ronda_buf cur, out;
	int rc = -1, existed;
	struct stat sb;

	snprintf(path, sizeof(path), "%s/%s", root, c->path);
	if (make_parents(root, c->path, ms) == -1)
		return -1;
	existed = lstat(path, &sb) == 0;
	if (c->how == CH_CREATE) {
		if (write_file(path, c->data, c->len, ms) == -1)
			return -1;
		/* A new entry changes its folder; a rewrite in place does not. */
		dir_of(path, parent, sizeof(parent));
		return existed ? 0 : stamp_path(parent, ms);
	}
	ronda_buf_init(&cur, WR_CONTENT_MAX);
	ronda_buf_init(&out, WR_CONTENT_MAX);
	if (read_file(path, &cur) == -1)
		goto done;
	if (c->how == CH_PREPEND) {
		ronda_buf_append(&out, c->data, c->len);
		ronda_buf_append(&out, cur.data ? cur.data : "", cur.len);
	} else if (c->how == CH_APPEND) {
		ronda_buf_append(&out, cur.data ? cur.data : "", cur.len);
		ronda_buf_append(&out, c->data, c->len);
	} else {
		/* Before the last occurrence of the anchor, else at the end. */
		const char *at = NULL;

		for (const char *s = cur.data; s != NULL && c->anchor != NULL &&
		    (s = strstr(s, c->anchor)) != NULL; s++)
			at = s;
		if (at == NULL)
			at = cur.data ? cur.data + cur.len : "";
		ronda_buf_append(&out, cur.data ? cur.data : "", cur.data ? (size_t)(at - cur.data) :
		    0);
		ronda_buf_append(&out, c->data, c->len);
		if (cur.data != NULL)
			ronda_buf_append(&out, at, cur.len - (size_t)(at - cur.data));
	}
	if (out.overflow) {
		errno = EFBIG;
		goto done;
	}
	if (write_file(path, out.data ? out.data : "", out.len, ms) == -1)
		goto done;
	if (!existed) {
		dir_of(path, parent, sizeof(parent));
		if (stamp_path(parent, ms) == -1)
			goto done;
	}
	rc = 0;
done:
	ronda_buf_release(&cur);
	ronda_buf_release(&out);
	return rc;
}

/*
 * A WordPress core update of site si at ms (6.4.3 to 6.5.5): about nine in
 * ten core files rewritten, the version files always, the new ones created
 * and the removed ones deleted, 40 ms apart. With write 0 it only counts
 * (truth.json). Returns the files changed, or -1 (errno).
 */
static long
core_update(size_t si, int64_t ms, int write)
{
	struct tree t;
	struct wrng r = wr_seed(site_at(si)->id, "core-update");
	struct ronda_buf b;
	char path[PATH_MAX], parent[PATH_MAX];
	long n = 0;
	int64_t at = ms;

	if ((t.e = calloc(WR_MAX_ENTRIES, sizeof(*t.e))) == NULL)
		return -1;
	wr_tree_build(si, &t);
	ronda_buf_init(&b, WR_CONTENT_MAX);
	for (size_t i = 0; i < t.n; i++) {
		const struct entry *e = &t.e[i];
		const char *f = strrchr(e->path, '/') ? strrchr(e->path, '/') + 1 : e->path;
		int removed = strcmp(f, "ms-deprecated.php") == 0 ||
		    strcmp(f, "registration-functions.php") == 0;
		int pick = wr_n(&r, 100) < 92;

		if (!e->core || (!removed && !pick && e->gen != G_WP_VERSION &&
		    e->gen != G_WP_SETTINGS))
			continue;
		n++;
		at += 40;
		if (!write)
			continue;
		snprintf(path, sizeof(path), "%s/%s", wr.root[si], e->path);
		if (removed) {
			if (unlink(path) == -1 && errno != ENOENT)
				goto fail;
			dir_of(path, parent, sizeof(parent));
			if (stamp_path(parent, at) == -1)
				goto fail;
			continue;
		}
		wr_gen_entry(&b, si, e, 1);
		if (write_file(path, b.data ? b.data : "", b.len, at) == -1)
			goto fail;
	}
	for (size_t i = 0; wr_wp_new_files[i] != NULL; i++) {
		struct entry e;

		n++;
		at += 40;
		if (!write)
			continue;
		memset(&e, 0, sizeof(e));
		snprintf(e.path, sizeof(e.path), "%s", wr_wp_new_files[i]);
		e.gen = G_PHP;
		e.fl = FL_WP;
		e.core = 1;
		e.key = fnv(e.path, 0x5bd1e995ULL);
		wr_gen_entry(&b, si, &e, 1);
		snprintf(path, sizeof(path), "%s/%s", wr.root[si], e.path);
		if (make_parents(wr.root[si], e.path, at) == -1 ||
		    write_file(path, b.data ? b.data : "", b.len, at) == -1)
			goto fail;
		dir_of(path, parent, sizeof(parent));
		if (stamp_path(parent, at) == -1)
			goto fail;
	}
	ronda_buf_release(&b);
	free(t.e);
	return n;
fail:
	ronda_buf_release(&b);
	free(t.e);
	return -1;
}

int
webroot_apply_next(char *err, size_t errlen)
{
	struct wr_op op;

	if (wr.head >= wr.n)
		return 0;
	op = wr.q[wr.head++];
	if (op.si >= wr.nroot)
		return 0;
	if (op.type == OP_UPDATE) {
		if (core_update(op.si, op.ms, 1) == -1) {
			snprintf(err, errlen, "%s: core update: %s", wr.root[op.si], strerror(errno));
			return -1;
		}
		return 0;
	}
	/* A kit writes its files a second apart. */
	for (int i = 0; i < op.ws->nch; i++)
		if (apply_change(wr.root[op.si], &op.ws->ch[i], op.ms + (int64_t)i * 1000) == -1) {
			snprintf(err, errlen, "%s/%s: %s", wr.root[op.si], op.ws->ch[i].path,
			    strerror(errno));
			return -1;
		}
	return 0;
}

/* ---- the base trees ------------------------------------------------------------------ */

struct dir_time {
	char path[WR_PATH];
	int64_t mtime;
	int depth;
};

static int
dir_cmp(const void *x, const void *y)
{
	const struct dir_time *a = x, *b = y;

	if (a->depth != b->depth)
		return a->depth > b->depth ? -1 : 1;
	return strcmp(a->path, b->path);
}

/* The folder's slot in dirs (added when new). */
static struct dir_time *
dir_slot(struct dir_time *dirs, size_t *n, size_t cap, const char *path)
{
	int depth = 0;

	for (size_t i = 0; i < *n; i++)
		if (strcmp(dirs[i].path, path) == 0)
			return &dirs[i];
	if (*n >= cap)
		return NULL;
	for (const char *c = path; *c != '\0'; c++)
		depth += *c == '/';
	snprintf(dirs[*n].path, sizeof(dirs[0].path), "%s", path);
	dirs[*n].mtime = 0;
	dirs[*n].depth = path[0] != '\0' ? depth + 1 : 0;
	return &dirs[(*n)++];
}

static int
rm_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)sb;
	(void)ftw;
	return flag == FTW_DP ? rmdir(path) : unlink(path);
}

/* Write tree t under root: every file, then every folder dated by its newest entry. */
static int
write_tree(const char *root, const struct tree *t, struct ronda_buf *b, char *err,
    size_t errlen)
{
	size_t cap = WR_MAX_ENTRIES + 1, nd = 0;
	struct dir_time *dirs = calloc(cap, sizeof(*dirs));
	char path[PATH_MAX], last[WR_PATH] = "";
	struct stat sb;
	int rc = -1;

	if (dirs == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	/* A tree of an earlier run goes first: the tree is the seed's alone. */
	if (lstat(root, &sb) == 0 && nftw(root, rm_entry, 16, FTW_DEPTH | FTW_PHYS) == -1) {
		snprintf(err, errlen, "%s: %s", root, strerror(errno));
		goto done;
	}
	if (mkdir_p(root) == -1) {
		snprintf(err, errlen, "%s: %s", root, strerror(errno));
		goto done;
	}
	dir_slot(dirs, &nd, cap, "");
	for (size_t i = 0; i < t->n; i++) {
		const struct entry *e = &t->e[i];
		char dir[WR_PATH];
		struct dir_time *d;

		dir_of(e->path, dir, sizeof(dir));
		if (strcmp(dir, last) != 0) {
			snprintf(path, sizeof(path), "%s/%s", root, dir);
			if (dir[0] != '\0' && mkdir_p(path) == -1) {
				snprintf(err, errlen, "%s: %s", path, strerror(errno));
				goto done;
			}
			snprintf(last, sizeof(last), "%s", dir);
		}
		/* Every ancestor is a folder of the tree. */
		for (char *c = dir; *c != '\0'; c++)
			if (*c == '/') {
				*c = '\0';
				dir_slot(dirs, &nd, cap, dir);
				*c = '/';
			}
		if ((d = dir_slot(dirs, &nd, cap, dir)) != NULL && e->mtime > d->mtime)
			d->mtime = e->mtime;
		wr_gen_entry(b, t->si, e, 0);
		snprintf(path, sizeof(path), "%s/%s", root, e->path);
		if (b->overflow || write_file(path, b->data ? b->data : "", b->len, e->mtime) == -1) {
			snprintf(err, errlen, "%s: %s", path, b->overflow ? "too large" :
			    strerror(errno));
			goto done;
		}
	}
	/* Deepest first: a folder is as new as its newest entry, folders included. */
	qsort(dirs, nd, sizeof(*dirs), dir_cmp);
	for (size_t i = 0; i < nd; i++) {
		char parent[WR_PATH];
		struct dir_time *p;

		if (dirs[i].depth > 0) {
			dir_of(dirs[i].path, parent, sizeof(parent));
			for (size_t j = i + 1; j < nd; j++) {
				p = &dirs[j];
				if (strcmp(p->path, parent) == 0) {
					if (dirs[i].mtime > p->mtime)
						p->mtime = dirs[i].mtime;
					break;
				}
			}
		}
		snprintf(path, sizeof(path), "%s%s%s", root, dirs[i].depth ? "/" : "",
		    dirs[i].path);
		if (stamp_path(path, dirs[i].mtime) == -1) {
			snprintf(err, errlen, "%s: %s", path, strerror(errno));
			goto done;
		}
	}
	rc = 0;
done:
	free(dirs);
	return rc;
}

/* DIR/bots.txt: the search engines' published crawler ranges (bots.ranges). */
static int
write_bots(const char *dir, char *err, size_t errlen)
{
	char path[PATH_MAX];
	FILE *f;

	snprintf(path, sizeof(path), "%s/bots.txt", dir);
	if ((f = fopen(path, "w")) == NULL) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	fprintf(f, "# Written by ronda-sim: the search engines' published crawler ranges "
	    "(the simulated\n# world's, after Google's googlebot.json and Bing's bingbot.json), "
	    "one \"NAME CIDR\" a line.\n# A crawler's user agent from an address outside its "
	    "ranges is not that crawler.\n"
	    "googlebot 66.249.64.0/19\ngooglebot 2001:4860:4801::/48\n"
	    "bingbot 40.77.167.0/24\nbingbot 157.55.39.0/24\nbingbot 207.46.13.0/24\n");
	if (fclose(f) != 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	return 0;
}

int
webroot_base(const char *dir, char *err, size_t errlen)
{
	struct ronda_buf b;
	struct tree t;
	int rc = -1;

	ronda_buf_init(&b, WR_CONTENT_MAX);
	wr.nroot = scn->sites.n;
	wr.root = calloc(wr.nroot ? wr.nroot : 1, sizeof(*wr.root));
	wr.cloaks = calloc(wr.nroot ? wr.nroot : 1, sizeof(*wr.cloaks));
	t.e = calloc(WR_MAX_ENTRIES, sizeof(*t.e));
	if (wr.root == NULL || wr.cloaks == NULL || t.e == NULL) {
		snprintf(err, errlen, "out of memory");
		goto done;
	}
	for (size_t si = 0; si < wr.nroot; si++) {
		char p[PATH_MAX];

		snprintf(p, sizeof(p), "%s/%s/www", dir, site_at(si)->id);
		if ((wr.root[si] = strdup(p)) == NULL) {
			snprintf(err, errlen, "out of memory");
			goto done;
		}
		wr_tree_build(si, &t);
		if (write_tree(wr.root[si], &t, &b, err, errlen) == -1)
			goto done;
	}
	/* Each planted cloak, found by its site for the crawlers' answers. */
	for (size_t i = 0; i < scn->attacks.n; i++) {
		struct sim_attack *a = &((struct sim_attack *)scn->attacks.v)[i];

		for (size_t k = 0; a->wr != NULL && k < a->n; k++) {
			struct cloak_ref *c;

			if (a->wr->site[k].cloak == CLOAK_NONE)
				continue;
			if ((c = calloc(1, sizeof(*c))) == NULL) {
				snprintf(err, errlen, "out of memory");
				goto done;
			}
			c->ws = &a->wr->site[k];
			c->next = wr.cloaks[c->ws->si];
			wr.cloaks[c->ws->si] = c;
		}
	}
	rc = write_bots(dir, err, errlen);
done:
	ronda_buf_release(&b);
	free(t.e);
	return rc;
}

void
webroot_free(void)
{
	for (size_t i = 0; i < wr.nroot; i++) {
		free(wr.root ? wr.root[i] : NULL);
		for (struct cloak_ref *c = wr.cloaks ? wr.cloaks[i] : NULL, *n; c != NULL; c = n) {
			n = c->next;
			free(c);
		}
	}
	free(wr.root);
	free(wr.cloaks);
	free(wr.q);
	memset(&wr, 0, sizeof(wr));
}

/* ---- cloaking in the access log --------------------------------------------------------- */

/* A static file: a PHP cloaker never sees it (a rewrite rule does). */
static int
static_url(const char *url)
{
	static const char *const ext[] = { ".txt", ".xml", ".css", ".js", ".png", ".jpg",
		".ico", ".svg", ".woff2", ".html", ".pdf", NULL };
	size_t n = strcspn(url, "?");

	for (int i = 0; ext[i] != NULL; i++) {
		size_t e = strlen(ext[i]);

		if (n >= e && strncmp(url + n - e, ext[i], e) == 0)
			return 1;
	}
	return 0;
}

/* What a search bot gets from a cloaked site; 0 when the cloak does not answer. */
static int
bot_answer(const struct wr_site *ws, const char *url, int *status, unsigned *bytes)
{
	if (ws->cloak == CLOAK_REDIRECT) {
		*status = 302;
		*bytes = 225;	/* Apache's "Found" page */
		return 1;
	}
	if (ws->cloak == CLOAK_PAGE && !static_url(url)) {
		*status = 200;
		*bytes = ws->bot_bytes;
		return 1;
	}
	return 0;
}

static int
search_bot(const char *ua)
{
	return strstr(ua, "Googlebot") != NULL || strstr(ua, "bingbot") != NULL;
}

void
cloak_answer(size_t si, int64_t ms, const char *url, const char *ua, int *status,
    unsigned *bytes)
{
	const struct wr_site *best = NULL;

	if (si >= wr.nroot || wr.cloaks == NULL || !search_bot(ua))
		return;
	/* The latest cloak planted by then: it stays until the end. */
	for (const struct cloak_ref *c = wr.cloaks[si]; c != NULL; c = c->next)
		if (c->ws->at <= ms && (best == NULL || c->ws->at > best->at))
			best = c->ws;
	if (best != NULL)
		bot_answer(best, url, status, bytes);
}

void
cloak_slice(struct sim_attack *a, int64_t t0)
{
	double rate = a->rate.set ? a->rate.per_min : 1.0;

	for (size_t k = 0; a->wr != NULL && k < a->n; k++) {
		struct wr_site *ws = &a->wr->site[k];
		const struct sim_site *s = site_at(ws->si);
		int64_t lo = t0 > ws->at ? t0 : ws->at;
		int64_t hi = t0 + SIM_SLICE_MS < ws->end ? t0 + SIM_SLICE_MS : ws->end;
		unsigned n;

		if (ws->cloak == CLOAK_NONE || lo >= hi)
			continue;
		n = poisson(rate * (double)(hi - lo) / SIM_SLICE_MS);
		for (unsigned i = 0; i < n; i++) {
			int64_t ms = lo + (int64_t)rndn((unsigned)(hi - lo));
			const char *url = ws->urls[rndn((unsigned)ws->nurls)];
			unsigned r = rndn(100), bytes = 18000 + rndn(42000);
			int status = 200;

			if (r < 40) {
				/* The engines' own crawlers, from their ranges. */
				const struct vocab_crawler *c = &vocab_crawlers[rndn(3)];
				uint32_t ip = c->a << 24 | c->b << 16 | c->c << 8 | (1 + rndn(254));

				bot_answer(ws, url, &status, &bytes);
				web(ws->si, ms, ip, "GET", url, site_status(s, ms, status), bytes, NULL,
				    c->ua);
			} else if (r < 70) {
				web(ws->si, ms, ip_isp(), "GET", url, site_status(s, ms, 200), bytes,
				    rndn(3) ? NULL : site_ref(s, "/"), browser());
			} else if (r < 90) {
				/* Referred by a search in Indonesia: sent to the landing page. */
				web(ws->si, ms, ip_isp(), "GET", url, site_status(s, ms, 302), 0,
				    "https://www.google.co.id/", browser());
			} else {
				/* The kit's operator checks the cloak: Googlebot's agent, not its address. */
				struct sim_ip ip = a->shared ? a->ip[rndn((unsigned)a->nip)] :
				    a->ip[k * a->nip + rndn((unsigned)a->nip)];

				bot_answer(ws, url, &status, &bytes);
				web_ip(ws->si, ms, ip, "GET", url, site_status(s, ms, status), bytes, NULL,
				    vocab_crawlers[0].ua);
			}
		}
	}
}

/* ---- truth.json ------------------------------------------------------------------------ */

static const char *const tree_names[] = { "wordpress", "codeigniter", "roundcube",
	"static", NULL };
static const char *const change_names[] = { "created", "modified", "modified",
	"modified" };

static const char *
incident_kind(int kind)
{
	switch (kind) {
	case ATK_WEBSHELL_FILE: return "webshell_file";
	case ATK_GAMBLING_INJECT: return "gambling_injection";
	case ATK_DEFACE_FILE: return "defacement";
	default: return "bulk_change";
	}
}

static void
json_window_keys(FILE *f, int64_t at, int64_t end)
{
	fprintf(f, ",\"at\":");
	json_time(f, at);
	fprintf(f, ",\"end\":");
	json_time(f, end > sim_end_ms ? sim_end_ms : end);
}

void
webroot_truth_link(FILE *f, const struct sim_attack *a)
{
	const struct wr_plan *p = a->wr;

	if (p == NULL) {
		fprintf(f, "{}");
		return;
	}
	if (a->kind == ATK_GAMBLING_INJECT) {
		fprintf(f, "{\"domain\":");
		json_str(f, p->host);
	} else if (a->kind == ATK_WEBSHELL_FILE) {
		fprintf(f, "{\"sha256\":\"%s\",\"family\":", p->sha256);
		json_str(f, p->family);
	} else {
		fprintf(f, "{\"team\":");
		json_str(f, p->team);
	}
	fputc('}', f);
}

/* One plant at one site: "files" entry (and its "cloaking" one). */
static void
truth_plant(FILE *f, const struct sim_attack *a, size_t k, int *first)
{
	const struct wr_plan *p = a->wr;
	const struct wr_site *ws = &p->site[k];

	fprintf(f, "%s\n {\"name\":", *first ? "" : ",");
	*first = 0;
	json_str(f, a->name);
	fprintf(f, ",\"campaign\":");
	json_str(f, a->campaign != NULL ? a->campaign : a->name);
	fprintf(f, ",\"attack_kind\":\"%s\",\"kind\":\"%s\",\"site\":", attack_kinds[a->kind],
	    incident_kind(a->kind));
	json_str(f, site_at(ws->si)->id);
	json_window_keys(f, ws->at, ws->end);
	fprintf(f, ",\"files\":[");
	for (int i = 0; i < ws->nch; i++) {
		const struct wr_change *c = &ws->ch[i];

		fprintf(f, "%s{\"path\":", i ? "," : "");
		json_str(f, c->path);
		fprintf(f, ",\"change\":\"%s\",\"mtime\":", change_names[c->how]);
		json_time(f, ws->at + (int64_t)i * 1000);
		if (c->how == CH_CREATE)
			fprintf(f, ",\"sha256\":\"%s\",\"size\":%zu", c->sha256, c->len);
		fputc('}', f);
	}
	fputc(']', f);
	if (a->kind == ATK_GAMBLING_INJECT) {
		fprintf(f, ",\"domains\":[");
		for (int i = 0; i < ws->ndomains; i++) {
			fprintf(f, "%s", i ? "," : "");
			json_str(f, ws->domains[i]);
		}
		fprintf(f, "],\"landing\":");
		json_str(f, p->landing);
		fprintf(f, ",\"variants\":[");
		for (int i = 0, w = 0; i < INJ_N; i++)
			if (p->inject & 1u << i)
				fprintf(f, "%s\"%s\"", w++ ? "," : "", injects[i]);
		fprintf(f, "]");
		if (p->inject & 1u << INJ_CLOAKER)
			fprintf(f, ",\"cloaker\":\"%s\"", ws->local ? "local" : "remote");
	} else if (a->kind == ATK_WEBSHELL_FILE) {
		fprintf(f, ",\"family\":\"%s\",\"obfuscated\":%s,\"sha256\":\"%s\"", p->family,
		    p->obfuscated ? "true" : "false", p->sha256);
	} else if (a->kind == ATK_DEFACE_FILE) {
		fprintf(f, ",\"team\":");
		json_str(f, p->team);
	}
	fputc('}', f);
	if (ws->cloak == CLOAK_NONE)
		return;
	fprintf(f, ",\n {\"name\":");
	json_str(f, a->name);
	fprintf(f, ",\"campaign\":");
	json_str(f, a->campaign != NULL ? a->campaign : a->name);
	fprintf(f, ",\"attack_kind\":\"%s\",\"kind\":\"cloaking\",\"site\":",
	    attack_kinds[a->kind]);
	json_str(f, site_at(ws->si)->id);
	json_window_keys(f, ws->at, ws->end);
	fprintf(f, ",\"urls\":[");
	for (int i = 0; i < ws->nurls; i++) {
		fprintf(f, "%s", i ? "," : "");
		json_str(f, ws->urls[i]);
	}
	fprintf(f, "],\"bot_answer\":{\"status\":%d,\"bytes\":%u},\"referred_answer\":"
	    "{\"status\":302,\"referrer\":\"https://www.google.co.id/\"},\"landing\":",
	    ws->cloak == CLOAK_REDIRECT ? 302 : 200, ws->cloak == CLOAK_REDIRECT ? 225 :
	    ws->bot_bytes);
	json_str(f, p->landing);
	fprintf(f, ",\"domains\":[");
	json_str(f, p->host);
	fprintf(f, "],\"fake_bot_ips\":[");
	for (size_t i = 0; i < a->nip; i++) {
		char ipb[SIM_IP_STR];

		ip_str(a->shared ? a->ip[i] : a->ip[k * a->nip + i], ipb);
		fprintf(f, "%s\"%s\"", i ? "," : "", ipb);
	}
	fprintf(f, "]}");
}

static void
truth_update(FILE *f, const char *name, size_t si, int64_t from, int64_t to, int *first)
{
	if (from >= sim_end_ms)
		return;
	fprintf(f, "%s\n {\"name\":", *first ? "" : ",");
	*first = 0;
	json_str(f, name);
	fprintf(f, ",\"kind\":\"cms-update\",\"site\":");
	json_str(f, site_at(si)->id);
	fprintf(f, ",\"ips\":[],\"start\":");
	json_time(f, from);
	fprintf(f, ",\"end\":");
	json_time(f, to > sim_end_ms ? sim_end_ms : to);
	fprintf(f, ",\"version\":{\"from\":\"%s\",\"to\":\"%s\"},\"files\":%ld}", WP_VERSION_OLD,
	    WP_VERSION_NEW, core_update(si, from, 0));
}

void
webroot_truth(FILE *f, int what, int *first)
{
	struct tree t;

	if (what == WR_TRUTH_ROOTS) {
		if ((t.e = calloc(WR_MAX_ENTRIES, sizeof(*t.e))) == NULL)
			return;
		for (size_t si = 0; si < scn->sites.n; si++) {
			wr_tree_build(si, &t);
			fprintf(f, "%s\n {\"site\":", *first ? "" : ",");
			*first = 0;
			json_str(f, site_at(si)->id);
			fprintf(f, ",\"root\":");
			{
				char rel[WR_PATH];

				snprintf(rel, sizeof(rel), "%s/www", site_at(si)->id);
				json_str(f, rel);
			}
			fprintf(f, ",\"app\":\"%s\",\"files\":%zu,\"upload\":", tree_names[t.kind], t.n);
			json_str(f, t.upload);
			if (t.kind == TREE_WP)
				fprintf(f, ",\"version\":\"%s\"", WP_VERSION_OLD);
			fputc('}', f);
		}
		free(t.e);
		return;
	}
	for (size_t i = 0; i < scn->attacks.n; i++) {
		const struct sim_attack *a = &((struct sim_attack *)scn->attacks.v)[i];

		if (!atk_is_file(a->kind) || a->wr == NULL)
			continue;
		for (size_t k = 0; k < a->n; k++) {
			const struct wr_site *ws = &a->wr->site[k];

			if (ws->at >= sim_end_ms)
				continue;
			if (what == WR_TRUTH_FILES && a->kind != ATK_CMS_UPDATE)
				truth_plant(f, a, k, first);
			else if (what == WR_TRUTH_UPDATES && a->kind == ATK_CMS_UPDATE)
				truth_update(f, a->name, ws->si, ws->at, ws->end, first);
		}
	}
	/* background.cms_update_at: every CMS within the hour (its upgrade request + 6 s). */
	if (what == WR_TRUTH_UPDATES && scn->bg.cms_update_at.text != NULL) {
		int64_t from = sim_start_ms + scn->bg.cms_update_at.ms -
		    scn->bg.cms_update_at.ms % SIM_SLICE_MS;

		for (size_t si = 0; si < scn->sites.n; si++)
			if (site_at(si)->kind == KIND_CMS)
				truth_update(f, "cms-update", si, from, from + 3600000 + 180000, first);
	}
}
