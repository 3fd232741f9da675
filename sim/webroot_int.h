/*
 * webroot_int.h — what the parts of the web-root simulation share (private to
 * sim/webroot*.c; the rest of ronda-sim sees only sim.h's webroot_* and
 * cloak_* functions):
 *
 *   webroot.c        the driver: the run's queue of changes, writing and
 *                    dating files, the base trees, core updates, cloaking in
 *                    the access log, truth.json
 *   webroot_tree.c   which files each benign tree holds, and their dates
 *   webroot_cms.c    what each benign file holds (code, templates, blobs)
 *   webroot_plant.c  what the file attacks plant, planned before the run
 *
 * Every content comes from a stream of its own (struct wrng, seeded from the
 * seed and names), never from rng_state, except what planning draws with
 * the attack's stream (webroot_plant.c).
 */
#ifndef RONDA_SIM_WEBROOT_INT_H
#define RONDA_SIM_WEBROOT_INT_H

#include <stddef.h>
#include <stdint.h>

#include "ronda/buf.h"
#include "sim.h"

#define WR_PATH 160		/* a relative path in a tree */
#define WR_MAX_ENTRIES 400	/* files of one tree */
#define WR_MAX_CHANGE 8		/* files one plant changes */
#define WR_MAX_URLS 5		/* cloaked URLs per site */
#define WR_MAX_DOMAINS 3	/* gambling domains per plant */
#define WR_CONTENT_MAX (4u << 20)
#define DAY_MS 86400000LL

#define WP_VERSION_OLD "6.4.3"
#define WP_VERSION_NEW "6.5.5"

/* Content generators write into a struct ronda_buf *b. */
#define P(...) ronda_buf_printf(b, __VA_ARGS__)

/* ---- a stream of its own ---------------------------------------------------- */

struct wrng {
	uint64_t s;
};

static inline uint64_t
wr_next(struct wrng *r)
{
	uint64_t z = (r->s += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static inline unsigned
wr_n(struct wrng *r, unsigned n)
{
	return n == 0 ? 0 : (unsigned)(wr_next(r) % n);
}

#define WPICK(r, v) ((v)[wr_n((r), (unsigned)vcount(v))])

static inline uint64_t
fnv(const char *s, uint64_t h)
{
	for (; *s != '\0'; s++)
		h = (h ^ (unsigned char)*s) * 0x100000001b3ULL;
	return h;
}

/* A stream for (a, b): the same seed and names, the same draws. */
struct wrng wr_seed(const char *a, const char *b);

/* ---- small helpers (webroot.c) ------------------------------------------------ */

/* The UTC date and time of day (hours, minutes) of ms. */
void wr_civil(int64_t ms, int64_t *y, unsigned *mo, unsigned *d, unsigned *h,
    unsigned *mi);
/* ms as "2026-11-15T08:30:00+00:00" into out. */
void wr_iso_time(char out[32], int64_t ms);
/* Whether s holds a word no benign file may hold (the markers' gambling vocabulary). */
int wr_judol_word(const char *s);

/* ---- the benign trees (webroot_tree.c, webroot_cms.c) ------------------------------ */

enum flavor { FL_WP, FL_CI, FL_RC };

enum tree_kind { TREE_WP, TREE_CI, TREE_RC, TREE_STATIC };

/* How a file's content is made (webroot_cms.c's generators). */
enum gen {
	G_PHP, G_CSS, G_JS, G_JPEG, G_PNG, G_ICO, G_PDF, G_MO, G_TEXT, G_SILENCE,
	G_WP_INDEX, G_WP_CONFIG, G_WP_SETTINGS, G_WP_VERSION, G_WP_VARS, G_HTACCESS,
	G_ROBOTS, G_SITEMAP, G_THEME_STYLE, G_THEME_HEADER, G_THEME_FOOTER, G_THEME_TPL,
	G_README, G_PO, G_CI_INDEX, G_CI_CONFIG, G_CI_CONTROLLER, G_CI_MODEL, G_CI_VIEW,
	G_CI_FOOTER, G_FORBIDDEN, G_DENY, G_RC_INDEX, G_RC_CONFIG, G_RC_TEMPLATE,
	G_RC_FOOTER, G_STATIC_INDEX, G_STATIC_50X, G_JSON
};

struct entry {
	char path[WR_PATH];
	uint8_t gen, fl, core;	/* core: WordPress core (an update rewrites it) */
	uint32_t size;		/* blobs, scripts, styles: about this many bytes */
	int64_t mtime;
	uint64_t key;		/* content stream */
};

/* One site's tree: its entries and what plants need to know about it. */
struct tree {
	size_t si;
	int kind;
	struct entry *e;
	size_t n;
	char upload[WR_PATH];	/* the upload folder of the start's month */
	char footer[WR_PATH];	/* the template that closes every page */
	char theme[32];
	int64_t install, core_time;
};

/* wp-includes/ of the core; its last file is removed by the update (NULL-ended). */
extern const char *const wr_wp_includes_php[];
/* Files a 6.5 update adds (NULL-ended). */
extern const char *const wr_wp_new_files[];

/* Site si's base tree into t (t->e: WR_MAX_ENTRIES entries, the caller's). */
void wr_tree_build(size_t si, struct tree *t);
/* The content of entry e of site si (version 1: after a core update), into b. */
void wr_gen_entry(struct ronda_buf *b, size_t si, const struct entry *e, int version);

/* ---- what attacks plant (webroot_plant.c) ------------------------------------------ */

enum change { CH_CREATE, CH_PREPEND, CH_INSERT, CH_APPEND };

/* One file a plant writes: whole (create) or a snippet into the current content. */
struct wr_change {
	char path[WR_PATH];
	int how;		/* enum change */
	const char *anchor;	/* CH_INSERT: before the last occurrence of this */
	char *data;
	size_t len;
	char sha256[65];	/* CH_CREATE */
};

enum cloak { CLOAK_NONE, CLOAK_PAGE, CLOAK_REDIRECT };

/* What one file attack does at one of its sites. */
struct wr_site {
	size_t si;
	int64_t at, end;	/* the change; the end of its traffic window */
	struct wr_change ch[WR_MAX_CHANGE];
	int nch;
	char domains[WR_MAX_DOMAINS][64];	/* gambling hosts the plant names */
	int ndomains;
	int cloak;		/* enum cloak: what crawlers get */
	int local;		/* the cloaker includes a local page (else fetches it) */
	unsigned bot_bytes;	/* the gambling page's size */
	char urls[WR_MAX_URLS][160];
	int nurls;
};

struct wr_plan {
	char host[64];		/* the shared gambling host */
	char landing[256];	/* where referred visitors go */
	char family[8];
	int obfuscated;
	char sha256[65];	/* the shell's (the same on every site) */
	char shell[128];
	char team[48];
	unsigned inject;	/* bits of enum inject */
	struct wr_site *site;	/* one per site of the attack */
};

/* ---- the run's queue (webroot.c) ------------------------------------------------------ */

enum op_type { OP_PLANT, OP_UPDATE };

/*
 * Queue a change of site si at ms: a plant (ws, borrowed: the attack's plan
 * owns it and outlives the queue) or a core update (ws NULL). 0, or -1 when
 * out of memory (counted).
 */
int wr_queue(int type, int64_t ms, size_t si, struct wr_site *ws);

#endif
