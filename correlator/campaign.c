#include "campaign.h"

#include <math.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "alert.h"
#include "indicator.h"
#include "ronda/buf.h"
#include "ronda/event.h"
#include "ronda/timeutil.h"

/*
 * How it works, in short (docs/correlator.md has the long form):
 *
 * Every incident of a campaign kind is kept as a `crec` while it is within
 * link_window, with references to its indicators. An indicator (`ind`) keeps
 * its postings (the incidents that carry it) and the sites it was seen on
 * (for its rarity). Two incidents are linked by an indicator they share when
 * their activity is within link_window, the indicator is not allowlisted nor
 * common (on more than max(min_sites, common_share % of the known sites)),
 * and it is strong (ip, payload, webshell path, gambling domain, rare user
 * agent) or, for a weak one (network, user name, gambling words), both are
 * of the same family.
 *
 * Unlinked incidents form implicit components; there is no candidate state:
 * after each batch a breadth-first walk from every incident that changed
 * finds its component, the open campaigns it touches (a strong link to
 * another campaign merges them; the older survives) and, when it touches
 * none, whether it spans min_sites sites first hit within `window` with at
 * least one strong link between two sites: then it becomes a campaign, with
 * `reported` the event time the min_sites-th site was hit. Everything is a
 * function of the incidents kept (restored from the store at startup) and
 * the batch's views, so a replayed batch decides the same.
 *
 * A wave: unlinked incidents of one family on many sites whose first hits
 * fall within link_window, at least wave_floor sites (no history yet) or
 * wave_factor x the median daily site count of the last 14 days (scaled to
 * link_window) once there are 7 days of history. Sites already in an open
 * indicator campaign of that family do not count.
 */

#define MAX_SITES 65535
#define IND_BUCKETS (1u << 16)
#define REC_BUCKETS (1u << 16)
#define POST_MAX 64		/* incidents listed per indicator (the newest) */
#define REF_MAX 32		/* indicators kept per incident */
#define IND_SITES_MAX 1024	/* sites counted per indicator (enough to call it common) */
#define CAMP_IND_MAX 128	/* indicators listed per campaign */
#define BFS_MAX 8192		/* incidents one walk visits */
#define CAMP_MAX 20000		/* campaigns open at once (then no new one: counted) */
#define TOP_IPS 10		/* attacker_ips listed */
#define TOP_IND 8		/* indicators named in an alert */
#define DAY_MS (86400LL * 1000)
#define HIST_DAYS 14		/* days the wave baseline looks back */
#define HIST_MIN 7		/* days of history before the baseline replaces the floor */
#define NONE INT64_MIN

enum itype { T_IP, T_NET, T_PAYLOAD, T_WEBSHELL, T_GAMBLING, T_UA, T_USER, T_HOST, T_N };
static const char *const itype_names[T_N] = {
	"ip", "net", "payload", "webshell", "gambling", "user_agent", "user",
	"host",		/* an attacker's host name, logged instead of an address */
};

enum { ST_ACTIVE, ST_QUIET, ST_CLOSED, ST_MERGED };
static const char *const status_names[] = { "active", "quiet", "closed", "merged" };
enum { LINK_INDICATOR, LINK_WAVE };
static const char *const link_names[] = { "indicator", "wave" };

/* Families, highest rank first: a mixed campaign takes the highest member's. */
static const struct family {
	const char *name;
	const char *en, *id;		/* title words */
	const char *kinds[9];
} families[] = {
	{ "webshell", "Webshell", "webshell", { "webshell" } },
	{ "defacement", "Defacement", "deface situs", { "defacement" } },
	{ "gambling", "Gambling-spam injection", "injeksi spam judi online", { "gambling" } },
	{ "sqli", "SQL injection", "injeksi SQL", { "sqli" } },
	{ "bruteforce", "Login brute force", "brute force login", { "ssh_bruteforce",
	    "ftp_bruteforce", "sudo_bruteforce", "su_bruteforce", "password_spray",
	    "compromise", "mail_bruteforce", "smtp_bruteforce" } },
	{ "cms_bruteforce", "CMS login brute force", "brute force login CMS",
	    { "cms_bruteforce" } },
	{ "scan", "Vulnerability scanning", "pemindaian celah keamanan", { "scan", "lfi",
	    "rce" } },
	{ "flood", "Request flood", "banjir permintaan", { "flood", "http_5xx_surge" } },
};
#define NFAM ((int)(sizeof(families) / sizeof(families[0])))

static int
family_of(const char *kind)
{
	for (int f = 0; f < NFAM; f++)
		for (int k = 0; k < 9 && families[f].kinds[k] != NULL; k++)
			if (strcmp(kind, families[f].kinds[k]) == 0)
				return f;
	return -1;
}

static int
family_parse(const char *name)
{
	for (int f = 0; f < NFAM; f++)
		if (strcmp(name, families[f].name) == 0)
			return f;
	return -1;
}

const char *
ronda_campaign_family(const char *kind)
{
	int f = kind != NULL ? family_of(kind) : -1;

	return f < 0 ? NULL : families[f].name;
}

/* A member that succeeded: the attack worked, not only tried. */
static int
is_success(const char *kind, int sev)
{
	if (strcmp(kind, "compromise") == 0)
		return 1;
	return sev >= RONDA_SEV_CRITICAL && (strcmp(kind, "webshell") == 0 ||
	    strcmp(kind, "defacement") == 0 || strcmp(kind, "sqli") == 0 ||
	    strcmp(kind, "gambling") == 0);
}

struct csite {
	char *id;
	const char *agency, *region, *tz;	/* borrowed from the config, or "" */
	struct csite *hnext;
	int idx;
};

struct crec;

struct isite {
	int site;
	int64_t ts;
};

struct ind {
	uint64_t h;
	struct ind *hnext;
	char *value;
	uint64_t mark;			/* scratch: shared_ind(), recount_inds() */
	int slot;			/* scratch: recount_inds() */
	uint8_t type;
	uint8_t strong;
	uint8_t allow;
	int refs;			/* incidents referring to it */
	struct crec **post;		/* the newest incidents carrying it */
	int npost, cappost;
	struct isite *sites;		/* sites seen on, with the newest time */
	int nsites, capsites;
	/* ind_weight() cached for (batch, clock, known sites); 0 = stale */
	uint64_t wbatch;
	int64_t wclock;
	int wknown;
	double w;
};

struct ref {
	struct ind *ind;
	int64_t ts;
};

struct camp;

struct crec {
	char id[33];
	char kind[32];
	int site;
	int family;
	int severity;
	int ignored;			/* every attacker IP it has is allowlisted */
	int64_t first_seen, last_seen;
	int64_t closed_seen;		/* its campaign closed at this last_seen, NONE */
	struct ref *refs;
	int nrefs, caprefs;
	struct camp *camp;
	struct crec *cnext, *cprev;	/* the campaign's members in memory */
	struct crec *hnext;
	uint64_t epoch;			/* walk marks */
	uint64_t evaluated;		/* batch whose walk already covered it */
	int touched;
};

struct csite_entry {
	int site;
	int64_t first_seen, last_seen, incidents;
	int alerted;			/* named in an alert already */
	int dirty;
};

struct cind {
	uint8_t type;
	char *value;
	int64_t sites;
	double weight;
	int dirty;
};

struct member {
	char id[33];
	int site;
	int64_t joined;
};

struct merge {
	char from[33];
	int64_t at;
	uint8_t type;
	char *value;
};

struct camp {
	char id[33];
	char merged_into[33];
	int family;
	int link;
	int status;
	int severity;
	int max_sev;			/* worst member */
	int success;
	int64_t first_seen, last_seen, reported;
	int64_t incident_count;
	struct csite_entry *sites;
	int nsites, capsites;
	struct cind *inds;
	int ninds;
	struct crec *members;		/* in memory, through cnext */
	struct member *pending;		/* members to write */
	int npending, cappending;
	struct merge *merges;		/* merged into this one, to write */
	int nmerges, capmerges;
	int alerted_sev;		/* 0: campaign_new not raised yet */
	int64_t alerted_at;		/* event time of the last new/grew alert */
	int dirty;
	int written;			/* the campaigns row exists */
	int expired;			/* closed and past rejoining: leaves memory and state */
	struct camp *next;
};

/* A queued view: copied strings. */
struct qind {
	uint8_t type;
	int64_t ts;
	char *value;
};

struct qview {
	char id[33];
	char kind[32];
	char *site;
	int severity;
	int64_t first_seen, last_seen, key;
	struct qind *ind;
	size_t nind;
};

/* Day marks for the wave baseline: (family, day, site) seen, and counts per day. */
struct daymark {
	uint64_t key;			/* 0 = empty */
	int64_t day;
};

enum {
	Q_CAMP_PUT, Q_SITE_PUT, Q_SITE_DEL, Q_INC_PUT, Q_INC_MOVE, Q_IND_PUT, Q_IND_DEL,
	Q_MERGE_PUT, Q_STATE_PUT, Q_STATE_DEL, Q_META_PUT, Q_DAY_PUT, Q_DAY_PRUNE, NQ
};

static const char *const sql[NQ] = {
	[Q_CAMP_PUT] = "INSERT OR REPLACE INTO campaigns VALUES"
	    " (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
	[Q_SITE_PUT] = "INSERT OR REPLACE INTO campaign_sites VALUES (?, ?, ?, ?, ?)",
	[Q_SITE_DEL] = "DELETE FROM campaign_sites WHERE campaign_id = ?",
	[Q_INC_PUT] = "INSERT OR REPLACE INTO campaign_incidents VALUES (?, ?, ?, ?)",
	[Q_INC_MOVE] = "UPDATE OR REPLACE campaign_incidents SET campaign_id = ?"
	    " WHERE campaign_id = ?",
	[Q_IND_PUT] = "INSERT OR REPLACE INTO campaign_indicators VALUES (?, ?, ?, ?, ?)",
	[Q_IND_DEL] = "DELETE FROM campaign_indicators WHERE campaign_id = ?",
	[Q_MERGE_PUT] = "INSERT OR REPLACE INTO campaign_merges VALUES (?, ?, ?, ?, ?)",
	[Q_STATE_PUT] = "INSERT OR REPLACE INTO campaign_state VALUES (?, ?, ?, ?, ?, ?)",
	[Q_STATE_DEL] = "DELETE FROM campaign_state WHERE campaign_id = ?",
	[Q_META_PUT] = "INSERT OR REPLACE INTO campaign_meta VALUES (?, ?)",
	[Q_DAY_PUT] = "INSERT OR IGNORE INTO campaign_wave_days VALUES (?, ?, ?)",
	[Q_DAY_PRUNE] = "DELETE FROM campaign_wave_days WHERE day < ?",
};

struct ronda_campaigns {
	struct ronda_campaigns_config cfg;
	const struct ronda_allow_cfg *sup;	/* triage suppressions: a second allowlist */
	size_t nsup;
	/* sites */
	struct csite **sites;
	int nsites, capsites;
	struct csite *site_b[4096];
	int nknown;			/* configured sites */
	/* indicators and incidents */
	struct ind *ind_b[IND_BUCKETS];
	int64_t nind;
	struct crec *rec_b[REC_BUCKETS];
	int64_t nrec;
	/* campaigns open (and merged/closed ones until written) */
	struct camp *camps;
	int64_t ncamps;
	/* the batch */
	struct qview *q;
	size_t nq, capq;
	struct crec **touched;
	size_t ntouched, captouched;
	struct crec **walk;		/* BFS queue */
	size_t capwalk;
	uint64_t epoch, batch;
	/* clocks */
	int64_t clock;			/* newest event time seen */
	int64_t history_start;		/* day of the first incident, NONE */
	/* wave history */
	struct daymark *marks;
	size_t capmarks, nmarks;
	uint64_t *smark;		/* scratch: shared_sites() */
	size_t capsmark, nsmark;
	int64_t daycount[NFAM][HIST_DAYS + 2];	/* sites per day, ring by day */
	int64_t dayof[NFAM][HIST_DAYS + 2];
	struct { int fam; int64_t day; int site; } *newdays;
	size_t nnewdays, capnewdays;
	int64_t pruned_day;
	/* store */
	sqlite3 *db;
	sqlite3_stmt *st[NQ];
	struct ronda_campaigns_stats stats;
	int64_t now_wall;
};

/* ---- small helpers ------------------------------------------------------- */

static int
grow(void **p, int *cap, int need, size_t size)
{
	int nc;
	void *np;

	if (need <= *cap)
		return 0;
	nc = *cap > 0 ? *cap * 2 : 8;
	while (nc < need)
		nc *= 2;
	if ((np = realloc(*p, (size_t)nc * size)) == NULL)
		return -1;
	*p = np;
	*cap = nc;
	return 0;
}

static int
growz(void **p, size_t *cap, size_t need, size_t size)
{
	size_t nc;
	void *np;

	if (need <= *cap)
		return 0;
	nc = *cap > 0 ? *cap * 2 : 64;
	while (nc < need)
		nc *= 2;
	if ((np = realloc(*p, nc * size)) == NULL)
		return -1;
	*p = np;
	*cap = nc;
	return 0;
}

static void
hex_id(char out[33], uint64_t a, uint64_t b)
{
	static const char hx[] = "0123456789abcdef";

	for (int i = 0; i < 16; i++) {
		out[i] = hx[(a >> (60 - 4 * i)) & 15];
		out[16 + i] = hx[(b >> (60 - 4 * i)) & 15];
	}
	out[32] = '\0';
}

static int
itype_parse(const char *s)
{
	for (int t = 0; t < T_N; t++)
		if (strcmp(s, itype_names[t]) == 0)
			return t;
	return -1;
}

static int64_t
day_of(int64_t ms)
{
	return ms >= 0 ? ms / DAY_MS : -((-ms + DAY_MS - 1) / DAY_MS);
}

/* The time status and expiry are judged at: behind the newest by lateness. */
static int64_t
judged(const struct ronda_campaigns *c)
{
	return c->clock == NONE ? NONE : c->clock - c->cfg.lateness;
}

/* ---- sites --------------------------------------------------------------- */

static size_t
site_bucket(const char *id)
{
	return (size_t)(ronda_hash64(id, strlen(id), 0x73697465ULL) & 4095);
}

static int
site_get(struct ronda_campaigns *c, const char *id, int create)
{
	struct csite *s;
	size_t b = site_bucket(id);

	for (s = c->site_b[b]; s != NULL; s = s->hnext)
		if (strcmp(s->id, id) == 0)
			return s->idx;
	if (!create || c->nsites >= MAX_SITES ||
	    grow((void **)&c->sites, &c->capsites, c->nsites + 1, sizeof(*c->sites)) == -1)
		return -1;
	if ((s = calloc(1, sizeof(*s))) == NULL || (s->id = strdup(id)) == NULL) {
		free(s);
		return -1;
	}
	s->agency = s->region = s->tz = "";
	s->idx = c->nsites;
	s->hnext = c->site_b[b];
	c->site_b[b] = s;
	c->sites[c->nsites++] = s;
	return s->idx;
}

/* Sites an indicator may be on before it is common. */
static int64_t
common_limit(const struct ronda_campaigns *c)
{
	int64_t n = c->nsites > c->nknown ? c->nsites : c->nknown;
	int64_t l = n * c->cfg.common_share / 100;

	return l > c->cfg.min_sites ? l : c->cfg.min_sites;
}

/* ---- indicators ---------------------------------------------------------- */

static int
allowed_in(const struct ronda_allow_cfg *list, size_t n, int type, const char *value)
{
	for (size_t i = 0; i < n; i++) {
		const struct ronda_allow_cfg *a = &list[i];
		if (a->type == NULL || a->value == NULL)
			continue;
		if (type == T_IP && (strcmp(a->type, "ip") == 0 || strcmp(a->type, "net") == 0)) {
			if (ronda_indicator_ip_in(value, a->value))
				return 1;
		} else if (strcmp(a->type, itype_names[type]) == 0 &&
		    strcmp(a->value, value) == 0) {
			return 1;
		}
	}
	return 0;
}

/* The configuration's allowlist, then the analysts' suppressions. */
static int
allowed(const struct ronda_campaigns *c, int type, const char *value)
{
	return allowed_in(c->cfg.allow, c->cfg.nallow, type, value) ||
	    allowed_in(c->sup, c->nsup, type, value);
}

static int
is_strong(int type, const char *value)
{
	switch (type) {
	case T_IP: case T_PAYLOAD: case T_WEBSHELL: case T_UA: case T_HOST:
		return 1;
	case T_GAMBLING:
		return strchr(value, '.') != NULL;	/* a domain, not a word set */
	default:
		return 0;
	}
}

static uint64_t
ind_hash(int type, const char *value)
{
	return ronda_hash64(value, strlen(value), 0x696e64ULL + (uint64_t)type);
}

static struct ind *
ind_get(struct ronda_campaigns *c, int type, const char *value, int create)
{
	uint64_t h = ind_hash(type, value);
	struct ind **b = &c->ind_b[h & (IND_BUCKETS - 1)], *x;

	for (x = *b; x != NULL; x = x->hnext)
		if (x->h == h && x->type == type && strcmp(x->value, value) == 0)
			return x;
	if (!create || (x = calloc(1, sizeof(*x))) == NULL)
		return NULL;
	if ((x->value = strdup(value)) == NULL) {
		free(x);
		return NULL;
	}
	x->h = h;
	x->type = (uint8_t)type;
	x->strong = (uint8_t)is_strong(type, value);
	x->allow = (uint8_t)allowed(c, type, value);
	x->hnext = *b;
	*b = x;
	c->nind++;
	return x;
}

static void
ind_free_one(struct ind *x)
{
	free(x->value);
	free(x->post);
	free(x->sites);
	free(x);
}

/* Sites the indicator was seen on since `since`. */
static int64_t
ind_nsites(const struct ind *x, int64_t since)
{
	int64_t n = 0;

	for (int i = 0; i < x->nsites; i++)
		if (since == NONE || x->sites[i].ts >= since)
			n++;
	return n;
}

/* Rarity weight in [0, 1]: 0 never links (allowlisted or common). */
static double
ind_weight(const struct ronda_campaigns *c, struct ind *x)
{
	int64_t lim, since, n;
	double w;

	if (x->wbatch == c->batch && x->wclock == c->clock && x->wknown == c->nsites)
		return x->w;
	lim = common_limit(c);
	since = judged(c);
	since = since == NONE ? NONE : since - c->cfg.link_window;
	n = ind_nsites(x, since);
	if (n < 1)
		n = 1;
	if (x->allow)
		w = 0;
	else if (n > lim)
		/*
		 * A network is on every site a botnet hits; it only links incidents
		 * of one family, and only the allowlist stops it (weight kept > 0).
		 */
		w = x->type == T_NET ? 0.05 : 0;
	else
		w = 1.0 - (double)(n - 1) / (double)lim;
	x->wbatch = c->batch;
	x->wclock = c->clock;
	x->wknown = c->nsites;
	x->w = w;
	return w;
}

/* Links across families and founds campaigns: ip, payload, webshell, domain, agent. */
static int
can_merge(const struct ind *x)
{
	return x->strong || x->type == T_NET;
}

static void
ind_note_site(struct ind *x, int site, int64_t ts)
{
	int oldest = -1;

	x->wbatch = 0;			/* its weight may change */
	for (int i = 0; i < x->nsites; i++) {
		if (x->sites[i].site == site) {
			if (ts > x->sites[i].ts)
				x->sites[i].ts = ts;
			return;
		}
		if (oldest < 0 || x->sites[i].ts < x->sites[oldest].ts)
			oldest = i;
	}
	if (x->nsites >= IND_SITES_MAX) {
		/* Full: it is common anyway; the oldest entry makes room. */
		if (oldest >= 0 && x->sites[oldest].ts < ts) {
			x->sites[oldest].site = site;
			x->sites[oldest].ts = ts;
		}
		return;
	}
	if (grow((void **)&x->sites, &x->capsites, x->nsites + 1, sizeof(*x->sites)) == -1)
		return;
	x->sites[x->nsites].site = site;
	x->sites[x->nsites++].ts = ts;
}

/* Postings order: first seen, then id (both fixed once known: order-free). */
static int
post_before(const struct crec *a, const struct crec *b)
{
	if (a->first_seen != b->first_seen)
		return a->first_seen < b->first_seen;
	return strcmp(a->id, b->id) < 0;
}

/*
 * List r among x's incidents; when the list is full it keeps the POST_MAX
 * that started last, whatever the order they came in (a restart rebuilds
 * the same list).
 */
static void
post_add(struct ronda_campaigns *c, struct ind *x, struct crec *r)
{
	int oldest = -1;

	for (int i = 0; i < x->npost; i++) {
		if (x->post[i] == r)
			return;
		if (oldest < 0 || post_before(x->post[i], x->post[oldest]))
			oldest = i;
	}
	if (x->npost >= POST_MAX) {
		if (oldest >= 0 && post_before(x->post[oldest], r))
			x->post[oldest] = r;
		c->stats.dropped++;
		return;
	}
	if (grow((void **)&x->post, &x->cappost, x->npost + 1, sizeof(*x->post)) == -1)
		return;
	x->post[x->npost++] = r;
}

static void
post_del(struct ind *x, struct crec *r)
{
	for (int i = 0; i < x->npost; i++)
		if (x->post[i] == r) {
			x->post[i] = x->post[--x->npost];
			return;
		}
}

/* ---- incidents ----------------------------------------------------------- */

static size_t
rec_bucket(const char *id)
{
	return (size_t)(ronda_hash64(id, strlen(id), 0x726563ULL) & (REC_BUCKETS - 1));
}

static struct crec *
rec_find(struct ronda_campaigns *c, const char *id)
{
	for (struct crec *r = c->rec_b[rec_bucket(id)]; r != NULL; r = r->hnext)
		if (strcmp(r->id, id) == 0)
			return r;
	return NULL;
}

static struct crec *
rec_new(struct ronda_campaigns *c, const char *id, const char *kind, int site, int family)
{
	struct crec *r = calloc(1, sizeof(*r));
	size_t b;

	if (r == NULL)
		return NULL;
	snprintf(r->id, sizeof(r->id), "%s", id);
	snprintf(r->kind, sizeof(r->kind), "%s", kind);
	r->site = site;
	r->family = family;
	r->first_seen = r->last_seen = r->closed_seen = NONE;
	b = rec_bucket(r->id);
	r->hnext = c->rec_b[b];
	c->rec_b[b] = r;
	c->nrec++;
	return r;
}

/* Add indicator x seen at ts to r; 1 when it is new on r. */
static int
rec_ref(struct ronda_campaigns *c, struct crec *r, struct ind *x, int64_t ts)
{
	for (int i = 0; i < r->nrefs; i++)
		if (r->refs[i].ind == x) {
			if (ts < r->refs[i].ts)
				r->refs[i].ts = ts;
			ind_note_site(x, r->site, ts);
			return 0;
		}
	if (r->nrefs >= REF_MAX ||
	    grow((void **)&r->refs, &r->caprefs, r->nrefs + 1, sizeof(*r->refs)) == -1) {
		c->stats.dropped++;
		return 0;
	}
	r->refs[r->nrefs].ind = x;
	r->refs[r->nrefs++].ts = ts;
	x->refs++;
	ind_note_site(x, r->site, ts);
	post_add(c, x, r);
	return 1;
}

/* Ignored: it has attacker IPs and every one is allowlisted (the SOC's scanner). */
static void
rec_judge_ignored(struct crec *r)
{
	int ips = 0, allow = 0;

	for (int i = 0; i < r->nrefs; i++)
		if (r->refs[i].ind->type == T_IP) {
			ips++;
			allow += r->refs[i].ind->allow;
		}
	r->ignored = ips > 0 && ips == allow;
}

/*
 * Dormant: its campaign closed and it has not been active since; it links
 * nothing and joins no wave until it is (then it may start a new campaign).
 */
static int
dormant(const struct crec *r)
{
	return r->closed_seen != NONE && r->last_seen <= r->closed_seen;
}

/*
 * A closed campaign stays in memory for close + link_window past its last
 * activity, and an incident joins it (reopening it) when its own time says
 * it would have joined before the campaign closed: it began within `close`
 * of the campaign's last activity. So logs imported after the fact, or
 * sites read in another order, end in the campaign the live stream made
 * (judged by the newest clock, the campaign had closed before they came). A
 * later attack that reuses an indicator starts a campaign of its own.
 */
static int
rejoinable(const struct ronda_campaigns *c, const struct camp *k, const struct crec *r)
{
	return r->first_seen <= k->last_seen + c->cfg.close &&
	    r->last_seen >= k->first_seen - c->cfg.link_window;
}

static void
camp_reopen(struct camp *k)
{
	if (k->status == ST_CLOSED) {
		k->status = ST_ACTIVE;
		k->dirty = 1;
	}
}

static void
member_unlink(struct crec *r)
{
	struct camp *k = r->camp;

	if (k == NULL)
		return;
	if (r->cprev != NULL)
		r->cprev->cnext = r->cnext;
	else
		k->members = r->cnext;
	if (r->cnext != NULL)
		r->cnext->cprev = r->cprev;
	r->cnext = r->cprev = NULL;
	r->camp = NULL;
}

static void
member_link(struct camp *k, struct crec *r)
{
	r->camp = k;
	r->cprev = NULL;
	r->cnext = k->members;
	if (k->members != NULL)
		k->members->cprev = r;
	k->members = r;
}

static void
rec_free(struct ronda_campaigns *c, struct crec *r)
{
	struct crec **pp = &c->rec_b[rec_bucket(r->id)];

	while (*pp != NULL && *pp != r)
		pp = &(*pp)->hnext;
	if (*pp == r)
		*pp = r->hnext;
	member_unlink(r);
	for (int i = 0; i < r->nrefs; i++) {
		post_del(r->refs[i].ind, r);
		r->refs[i].ind->refs--;
	}
	free(r->refs);
	free(r);
	c->nrec--;
}

/* ---- campaigns ----------------------------------------------------------- */

static struct camp *
camp_new(struct ronda_campaigns *c)
{
	struct camp *k = calloc(1, sizeof(*k));

	if (k == NULL)
		return NULL;
	k->first_seen = k->last_seen = NONE;
	k->family = -1;
	k->next = c->camps;
	c->camps = k;
	c->ncamps++;
	return k;
}

static void
camp_free_one(struct camp *k)
{
	for (int i = 0; i < k->ninds; i++)
		free(k->inds[i].value);
	for (int i = 0; i < k->nmerges; i++)
		free(k->merges[i].value);
	free(k->inds);
	free(k->merges);
	free(k->sites);
	free(k->pending);
	free(k);
}

static struct camp *
camp_find(struct ronda_campaigns *c, const char *id)
{
	for (struct camp *k = c->camps; k != NULL; k = k->next)
		if (strcmp(k->id, id) == 0)
			return k;
	return NULL;
}

static struct csite_entry *
camp_site(struct camp *k, int site, int create)
{
	for (int i = 0; i < k->nsites; i++)
		if (k->sites[i].site == site)
			return &k->sites[i];
	if (!create ||
	    grow((void **)&k->sites, &k->capsites, k->nsites + 1, sizeof(*k->sites)) == -1)
		return NULL;
	memset(&k->sites[k->nsites], 0, sizeof(k->sites[0]));
	k->sites[k->nsites].site = site;
	k->sites[k->nsites].first_seen = k->sites[k->nsites].last_seen = NONE;
	return &k->sites[k->nsites++];
}

static struct cind *
camp_ind(struct camp *k, int type, const char *value, int create)
{
	for (int i = 0; i < k->ninds; i++)
		if (k->inds[i].type == type && strcmp(k->inds[i].value, value) == 0)
			return &k->inds[i];
	if (!create || k->ninds >= CAMP_IND_MAX)
		return NULL;
	if (k->inds == NULL && (k->inds = calloc(CAMP_IND_MAX, sizeof(*k->inds))) == NULL)
		return NULL;
	memset(&k->inds[k->ninds], 0, sizeof(k->inds[0]));
	if ((k->inds[k->ninds].value = strdup(value)) == NULL)
		return NULL;
	k->inds[k->ninds].type = (uint8_t)type;
	return &k->inds[k->ninds++];
}

/*
 * Severity: the worst member; a success (a login that worked, a shell that
 * answered) makes it critical; reaching twice min_sites raises it one step.
 */
static int
camp_severity(const struct ronda_campaigns *c, const struct camp *k)
{
	int s = k->max_sev;

	if (k->success)
		return RONDA_SEV_CRITICAL;
	if (k->nsites >= 2 * c->cfg.min_sites && s < RONDA_SEV_CRITICAL)
		s++;
	return s < RONDA_SEV_LOW ? RONDA_SEV_LOW : s;
}

/* Note r's indicators on the campaign (those that can link, and every IP). */
static void
camp_note_inds(struct ronda_campaigns *c, struct camp *k, const struct crec *r)
{
	for (int i = 0; i < r->nrefs; i++) {
		struct ind *x = r->refs[i].ind;
		double w = ind_weight(c, x) * (x->strong ? 1.0 : 0.5);
		struct cind *ci;
		if (w <= 0 && x->type != T_IP)
			continue;
		if (x->allow)
			continue;
		if ((ci = camp_ind(k, x->type, x->value, 1)) == NULL) {
			c->stats.dropped++;
			continue;
		}
		if (ci->sites == 0) {
			ci->weight = w;
			ci->sites = 1;
			ci->dirty = 1;
		}
	}
}

static void
camp_touch_member(struct ronda_campaigns *c, struct camp *k, const struct crec *r)
{
	struct csite_entry *s = camp_site(k, r->site, 1);

	if (s != NULL) {
		if (s->first_seen == NONE || r->first_seen < s->first_seen)
			s->first_seen = r->first_seen;
		if (s->last_seen == NONE || r->last_seen > s->last_seen)
			s->last_seen = r->last_seen;
		s->dirty = 1;
	}
	if (k->first_seen == NONE || r->first_seen < k->first_seen)
		k->first_seen = r->first_seen;
	if (k->last_seen == NONE || r->last_seen > k->last_seen)
		k->last_seen = r->last_seen;
	if (r->severity > k->max_sev)
		k->max_sev = r->severity;
	if (is_success(r->kind, r->severity))
		k->success = 1;
	if (k->family < 0 || r->family < k->family)
		k->family = r->family;
	if (k->status == ST_QUIET && judged(c) != NONE &&
	    judged(c) - k->last_seen < c->cfg.quiet)
		k->status = ST_ACTIVE;
	k->dirty = 1;
}

static void
camp_add(struct ronda_campaigns *c, struct camp *k, struct crec *r)
{
	struct csite_entry *s;

	member_link(k, r);
	k->incident_count++;
	if ((s = camp_site(k, r->site, 1)) != NULL)
		s->incidents++;
	camp_touch_member(c, k, r);
	camp_note_inds(c, k, r);
	if (grow((void **)&k->pending, &k->cappending, k->npending + 1,
	    sizeof(*k->pending)) == 0) {
		memcpy(k->pending[k->npending].id, r->id, sizeof(r->id));
		k->pending[k->npending].site = r->site;
		k->pending[k->npending++].joined = r->first_seen;
	}
}

/* The older campaign survives a merge (then the earlier reported, then the smaller id). */
static int
camp_older(const struct camp *a, const struct camp *b)
{
	if (a->first_seen != b->first_seen)
		return a->first_seen < b->first_seen;
	if (a->reported != b->reported)
		return a->reported < b->reported;
	return strcmp(a->id, b->id) < 0;
}

/* Merge l into s: members, sites, indicators move; the merge is recorded. */
static void
camp_merge(struct ronda_campaigns *c, struct camp *s, struct camp *l, const struct ind *via,
    int64_t at)
{
	struct crec *r;

	while ((r = l->members) != NULL) {
		member_unlink(r);
		member_link(s, r);
	}
	for (int i = 0; i < l->nsites; i++) {
		struct csite_entry *from = &l->sites[i], *to = camp_site(s, from->site, 1);
		if (to == NULL)
			continue;
		if (to->first_seen == NONE || from->first_seen < to->first_seen)
			to->first_seen = from->first_seen;
		if (to->last_seen == NONE || from->last_seen > to->last_seen)
			to->last_seen = from->last_seen;
		to->incidents += from->incidents;
		to->dirty = 1;
	}
	for (int i = 0; i < l->ninds; i++) {
		struct cind *ci = camp_ind(s, l->inds[i].type, l->inds[i].value, 1);
		if (ci == NULL) {
			c->stats.dropped++;
			continue;
		}
		if (l->inds[i].sites > ci->sites)
			ci->sites = l->inds[i].sites;
		if (l->inds[i].weight > ci->weight)
			ci->weight = l->inds[i].weight;
		ci->dirty = 1;
	}
	for (int i = 0; i < l->npending; i++) {
		if (grow((void **)&s->pending, &s->cappending, s->npending + 1,
		    sizeof(*s->pending)) == 0)
			s->pending[s->npending++] = l->pending[i];
	}
	l->npending = 0;
	s->incident_count += l->incident_count;
	if (l->first_seen != NONE && (s->first_seen == NONE || l->first_seen < s->first_seen))
		s->first_seen = l->first_seen;
	if (l->last_seen > s->last_seen)
		s->last_seen = l->last_seen;
	if (l->max_sev > s->max_sev)
		s->max_sev = l->max_sev;
	s->success |= l->success;
	if (l->family >= 0 && (s->family < 0 || l->family < s->family))
		s->family = l->family;
	if (l->link == LINK_WAVE)
		s->link = LINK_WAVE;
	if (s->status == ST_QUIET)
		s->status = ST_ACTIVE;
	s->dirty = 1;
	if (grow((void **)&s->merges, &s->capmerges, s->nmerges + 1, sizeof(*s->merges)) == 0) {
		struct merge *m = &s->merges[s->nmerges];
		memcpy(m->from, l->id, sizeof(l->id));
		m->at = at;
		m->type = via != NULL ? via->type : T_IP;
		if ((m->value = strdup(via != NULL ? via->value : "")) != NULL)
			s->nmerges++;
	}
	l->status = ST_MERGED;
	memcpy(l->merged_into, s->id, sizeof(s->id));
	l->dirty = 1;
}

/* ---- lifecycle ----------------------------------------------------------- */

struct ronda_campaigns *
ronda_campaigns_new(const struct ronda_campaigns_config *cfg)
{
	struct ronda_campaigns *c = calloc(1, sizeof(*c));

	if (c == NULL)
		return NULL;
	c->cfg = *cfg;
	if (c->cfg.min_sites < 2)
		c->cfg.min_sites = 2;
	c->clock = NONE;
	c->history_start = NONE;
	c->pruned_day = NONE;
	c->batch = 1;
	for (int f = 0; f < NFAM; f++)
		for (int d = 0; d < HIST_DAYS + 2; d++)
			c->dayof[f][d] = NONE;
	for (size_t i = 0; i < cfg->nsites; i++) {
		int s = site_get(c, cfg->sites[i].id, 1);
		if (s < 0) {
			ronda_campaigns_free(c);
			return NULL;
		}
		c->sites[s]->agency = cfg->sites[i].agency != NULL ? cfg->sites[i].agency : "";
		c->sites[s]->region = cfg->sites[i].region != NULL ? cfg->sites[i].region : "";
		c->sites[s]->tz = cfg->sites[i].timezone != NULL ? cfg->sites[i].timezone : "";
	}
	c->nknown = c->nsites;
	return c;
}

/*
 * What the allowlist and the suppressions say of every indicator already
 * held; cached weights are stale (a weight caches allow).
 */
static void
rejudge(struct ronda_campaigns *c)
{
	for (size_t b = 0; b < IND_BUCKETS; b++)
		for (struct ind *x = c->ind_b[b]; x != NULL; x = x->hnext) {
			x->allow = (uint8_t)allowed(c, x->type, x->value);
			x->wbatch = 0;
		}
}

void
ronda_campaigns_reload(struct ronda_campaigns *c, const struct ronda_allow_cfg *allow,
    size_t nallow, const struct ronda_site_cfg *sites, size_t nsites)
{
	c->cfg.allow = allow;
	c->cfg.nallow = nallow;
	c->cfg.sites = sites;
	c->cfg.nsites = nsites;
	for (size_t i = 0; i < nsites; i++) {
		int s = site_get(c, sites[i].id, 1);
		if (s < 0)
			continue;	/* out of memory: the site gets its names at the next reload */
		c->sites[s]->agency = sites[i].agency != NULL ? sites[i].agency : "";
		c->sites[s]->region = sites[i].region != NULL ? sites[i].region : "";
		c->sites[s]->tz = sites[i].timezone != NULL ? sites[i].timezone : "";
	}
	c->nknown = (int)nsites;
	rejudge(c);
}

void
ronda_campaigns_set_suppressions(struct ronda_campaigns *c, const struct ronda_allow_cfg *sup,
    size_t nsup)
{
	c->sup = sup;
	c->nsup = nsup;
	rejudge(c);
}

static void
q_clear(struct ronda_campaigns *c)
{
	for (size_t i = 0; i < c->nq; i++) {
		for (size_t j = 0; j < c->q[i].nind; j++)
			free(c->q[i].ind[j].value);
		free(c->q[i].ind);
		free(c->q[i].site);
	}
	c->nq = 0;
}

void
ronda_campaigns_free(struct ronda_campaigns *c)
{
	struct camp *k, *kn;

	if (c == NULL)
		return;
	for (size_t b = 0; b < REC_BUCKETS; b++) {
		struct crec *r, *rn;
		for (r = c->rec_b[b]; r != NULL; r = rn) {
			rn = r->hnext;
			free(r->refs);
			free(r);
		}
	}
	for (size_t b = 0; b < IND_BUCKETS; b++) {
		struct ind *x, *xn;
		for (x = c->ind_b[b]; x != NULL; x = xn) {
			xn = x->hnext;
			ind_free_one(x);
		}
	}
	for (k = c->camps; k != NULL; k = kn) {
		kn = k->next;
		camp_free_one(k);
	}
	for (int i = 0; i < c->nsites; i++) {
		free(c->sites[i]->id);
		free(c->sites[i]);
	}
	free(c->sites);
	q_clear(c);
	free(c->q);
	free(c->touched);
	free(c->walk);
	free(c->marks);
	free(c->smark);
	free(c->newdays);
	for (int i = 0; i < NQ; i++)
		sqlite3_finalize(c->st[i]);
	free(c);
}

void
ronda_campaigns_stats(const struct ronda_campaigns *c, struct ronda_campaigns_stats *out)
{
	int64_t open = 0;

	for (const struct camp *k = c->camps; k != NULL; k = k->next)
		open += k->status == ST_ACTIVE || k->status == ST_QUIET;
	*out = c->stats;
	out->incidents = c->nrec;
	out->indicators = c->nind;
	out->campaigns = open;
}

/* ---- the queue ----------------------------------------------------------- */

int
ronda_campaigns_add(struct ronda_campaigns *c, const struct ronda_incident_view *v)
{
	struct qview *q;

	if (v == NULL || v->id == NULL || v->site == NULL || v->kind == NULL ||
	    family_of(v->kind) < 0 || v->site[0] == '\0')
		return 0;
	if (growz((void **)&c->q, &c->capq, c->nq + 1, sizeof(*c->q)) == -1)
		return -1;
	q = &c->q[c->nq];
	memset(q, 0, sizeof(*q));
	snprintf(q->id, sizeof(q->id), "%s", v->id);
	snprintf(q->kind, sizeof(q->kind), "%s", v->kind);
	if ((q->site = strdup(v->site)) == NULL)
		return -1;
	q->severity = v->severity;
	q->first_seen = v->first_seen;
	q->last_seen = v->last_seen;
	q->key = v->last_seen;
	if (v->nind > 0 && (q->ind = calloc(v->nind, sizeof(*q->ind))) == NULL) {
		free(q->site);
		return -1;
	}
	for (size_t i = 0; i < v->nind; i++) {
		int t = v->ind[i].type != NULL ? itype_parse(v->ind[i].type) : -1;
		const char *val = v->ind[i].value;
		if (t < 0 || val == NULL || val[0] == '\0')
			continue;
		if ((q->ind[q->nind].value = strndup(val, 255)) == NULL) {
			c->nq++;		/* freed with the queue */
			return -1;
		}
		q->ind[q->nind].type = (uint8_t)t;
		q->ind[q->nind].ts = v->ind[i].ts;
		if (v->ind[i].ts < q->key)
			q->key = v->ind[i].ts;
		q->nind++;
	}
	c->nq++;
	return 0;
}

static int
by_key(const void *a, const void *b)
{
	const struct qview *x = a, *y = b;

	if (x->key != y->key)
		return x->key < y->key ? -1 : 1;
	return strcmp(x->id, y->id);
}

/* ---- wave history -------------------------------------------------------- */

static uint64_t
mark_key(int fam, int64_t day, int site)
{
	uint64_t k = ((uint64_t)day << 24) ^ ((uint64_t)fam << 20) ^ (uint64_t)site;

	return ronda_hash64(&k, sizeof(k), 0x64617973ULL) | 1;
}

/* Count (fam, day, site) once; 1 when it is new. */
static int
day_mark(struct ronda_campaigns *c, int fam, int64_t day, int site)
{
	uint64_t key = mark_key(fam, day, site);
	int64_t today = c->clock == NONE ? day : day_of(c->clock);
	size_t slot, ring = (size_t)((day % (HIST_DAYS + 2) + HIST_DAYS + 2) % (HIST_DAYS + 2));

	if (day < today - HIST_DAYS - 1)
		return 0;
	if (c->nmarks * 2 >= c->capmarks) {
		/* Rehash into a table twice the size, dropping days out of the ring. */
		size_t nc = c->capmarks ? c->capmarks * 2 : 4096;
		struct daymark *nm = calloc(nc, sizeof(*nm));
		if (nm == NULL)
			return 0;
		c->nmarks = 0;
		for (size_t i = 0; i < c->capmarks; i++) {
			if (c->marks[i].key == 0 || c->marks[i].day < today - HIST_DAYS - 1)
				continue;
			for (slot = c->marks[i].key & (nc - 1); nm[slot].key != 0;
			    slot = (slot + 1) & (nc - 1))
				;
			nm[slot] = c->marks[i];
			c->nmarks++;
		}
		free(c->marks);
		c->marks = nm;
		c->capmarks = nc;
	}
	for (slot = key & (c->capmarks - 1); c->marks[slot].key != 0;
	    slot = (slot + 1) & (c->capmarks - 1))
		if (c->marks[slot].key == key && c->marks[slot].day == day)
			return 0;
	c->marks[slot].key = key;
	c->marks[slot].day = day;
	c->nmarks++;
	if (c->dayof[fam][ring] != day) {
		if (c->dayof[fam][ring] != NONE && c->dayof[fam][ring] > day)
			return 1;	/* the slot holds a newer day */
		c->dayof[fam][ring] = day;
		c->daycount[fam][ring] = 0;
	}
	c->daycount[fam][ring]++;
	return 1;
}

static void
day_note(struct ronda_campaigns *c, int fam, int64_t ms, int site)
{
	int64_t day = day_of(ms);

	if (!day_mark(c, fam, day, site))
		return;
	if (growz((void **)&c->newdays, &c->capnewdays, c->nnewdays + 1,
	    sizeof(*c->newdays)) == -1)
		return;
	c->newdays[c->nnewdays].fam = fam;
	c->newdays[c->nnewdays].day = day;
	c->newdays[c->nnewdays++].site = site;
}

static int
by_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return x < y ? -1 : x > y;
}

/*
 * Sites a wave of family fam needs within link_window: wave_floor until
 * there are HIST_MIN days of history; then wave_factor x the median of the
 * daily site counts of the last HIST_DAYS complete days, scaled to
 * link_window (far above what the kind usually shows), at least min_sites.
 */
static int64_t
wave_threshold(const struct ronda_campaigns *c, int fam)
{
	int64_t floor = c->cfg.wave_floor > c->cfg.min_sites ? c->cfg.wave_floor :
	    c->cfg.min_sites;
	int64_t today, hist, v[HIST_DAYS], n = 0, med, t;
	double expected;

	if (c->history_start == NONE || c->clock == NONE)
		return floor;
	today = day_of(c->clock);
	hist = today - c->history_start;
	if (hist < HIST_MIN)
		return floor;
	for (int64_t d = today - 1; d >= today - HIST_DAYS && d >= c->history_start; d--) {
		size_t ring = (size_t)((d % (HIST_DAYS + 2) + HIST_DAYS + 2) % (HIST_DAYS + 2));
		v[n++] = c->dayof[fam][ring] == d ? c->daycount[fam][ring] : 0;
	}
	qsort(v, (size_t)n, sizeof(v[0]), by_i64);
	med = n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2] + 1) / 2;
	expected = (double)med * (double)c->cfg.link_window / (double)DAY_MS;
	t = (int64_t)ceil((double)c->cfg.wave_factor * expected);
	return t > c->cfg.min_sites ? t : c->cfg.min_sites;
}

/* ---- applying views ------------------------------------------------------ */

static void
touch(struct ronda_campaigns *c, struct crec *r)
{
	if (r->touched)
		return;
	if (growz((void **)&c->touched, &c->captouched, c->ntouched + 1,
	    sizeof(*c->touched)) == -1)
		return;
	r->touched = 1;
	c->touched[c->ntouched++] = r;
}

static void
apply(struct ronda_campaigns *c, const struct qview *q)
{
	int fam = family_of(q->kind), site = site_get(c, q->site, 1), fresh = 0, was;
	struct crec *r;

	if (fam < 0 || site < 0)
		return;
	if ((r = rec_find(c, q->id)) == NULL) {
		if ((r = rec_new(c, q->id, q->kind, site, fam)) == NULL)
			return;
		fresh = 1;
	}
	/*
	 * New activity of a member of a closed campaign: within `close` of
	 * the campaign's last activity it belongs there still (the campaign
	 * reopens); later it is a new attack and leaves, free to link anew.
	 */
	if (r->camp != NULL && r->camp->status == ST_CLOSED &&
	    (q->last_seen > r->last_seen || q->first_seen < r->first_seen)) {
		if (q->last_seen > r->camp->last_seen + c->cfg.close) {
			r->closed_seen = r->last_seen;
			member_unlink(r);
		} else {
			camp_reopen(r->camp);
		}
	}
	if (q->severity > r->severity)
		r->severity = q->severity;
	was = dormant(r);
	if (r->first_seen == NONE || q->first_seen < r->first_seen)
		r->first_seen = q->first_seen;
	if (r->last_seen == NONE || q->last_seen > r->last_seen)
		r->last_seen = q->last_seen;
	if (was && !dormant(r))
		fresh = 1;	/* active again after its campaign closed: it may link anew */
	if (c->clock == NONE || r->last_seen > c->clock)
		c->clock = r->last_seen;
	for (size_t i = 0; i < q->nind; i++) {
		struct ind *x = ind_get(c, q->ind[i].type, q->ind[i].value, 1);
		if (x == NULL) {
			c->stats.dropped++;
			continue;
		}
		if (rec_ref(c, r, x, q->ind[i].ts))
			fresh = 1;
	}
	/* The sites an indicator is on count while an incident holding it is active. */
	for (int i = 0; i < r->nrefs; i++)
		ind_note_site(r->refs[i].ind, r->site, r->last_seen);
	rec_judge_ignored(r);
	if (r->ignored)
		return;
	if (c->history_start == NONE)
		c->history_start = day_of(r->first_seen);
	day_note(c, fam, r->last_seen, site);
	if (fresh)
		day_note(c, fam, r->first_seen, site);
	if (r->camp != NULL) {
		camp_touch_member(c, r->camp, r);
		camp_note_inds(c, r->camp, r);
	}
	if (fresh)
		touch(c, r);
}

/* ---- linking ------------------------------------------------------------- */

struct reach {
	struct camp *k;
	const struct ind *via;
	int strong;			/* reached by a link that merges campaigns */
};

static int
edge_ok(const struct ronda_campaigns *c, const struct crec *a, const struct crec *b,
    const struct ind *x, int64_t lo)
{
	int64_t lw = c->cfg.link_window;

	if (b == a || b->ignored || dormant(b))
		return 0;
	if (lo != NONE && b->last_seen < lo)
		return 0;
	if (b->last_seen < a->first_seen - lw || a->last_seen < b->first_seen - lw)
		return 0;
	return x->strong || a->family == b->family;
}

static int
by_first(const void *a, const void *b)
{
	const struct crec *x = *(struct crec *const *)a, *y = *(struct crec *const *)b;

	if (x->first_seen != y->first_seen)
		return x->first_seen < y->first_seen ? -1 : 1;
	return strcmp(x->id, y->id);
}

/*
 * The event time the component's min_sites-th site was first hit within
 * `span` of the others (the earliest such), or NONE. recs[0..n) sorted by
 * first_seen; a site counts at its earliest incident.
 */
static int64_t
reached_at(const struct ronda_campaigns *c, struct crec **recs, size_t n, int64_t span,
    int64_t need)
{
	int64_t *t = malloc(n * sizeof(*t)), at = NONE;
	unsigned char *seen = calloc((size_t)c->nsites + 1, 1);
	size_t m = 0;

	if (t == NULL || seen == NULL)
		goto out;
	for (size_t i = 0; i < n; i++)
		if (!seen[recs[i]->site]) {
			seen[recs[i]->site] = 1;
			t[m++] = recs[i]->first_seen;
		}
	if ((int64_t)m < need)
		goto out;
	for (size_t i = 0, j = 0; j < m; j++) {
		while (t[j] - t[i] > span)
			i++;
		if ((int64_t)(j - i + 1) >= need) {
			at = t[j];
			break;
		}
	}
out:
	free(t);
	free(seen);
	return at;
}

static void
camp_make_id(struct camp *k, const struct crec *founder)
{
	char seed[96];
	int n = snprintf(seed, sizeof(seed), "%s|%s|%lld", link_names[k->link], founder->id,
	    (long long)k->reported);

	hex_id(k->id, ronda_hash64(seed, (size_t)n, 0x63616d70ULL),
	    ronda_hash64(seed, (size_t)n, 0x70616d63ULL));
}

/* A new campaign of recs[0..n) (sorted by first_seen), reported at `at`. */
static struct camp *
camp_create(struct ronda_campaigns *c, struct crec **recs, size_t n, int link, int64_t at)
{
	struct camp *k;

	if (c->ncamps >= CAMP_MAX || (k = camp_new(c)) == NULL) {
		c->stats.dropped++;
		return NULL;
	}
	k->link = link;
	k->status = ST_ACTIVE;
	k->reported = at;
	camp_make_id(k, recs[0]);
	for (size_t i = 0; i < n; i++)
		camp_add(c, k, recs[i]);
	return k;
}

static void
reach_add(struct reach *rs, int *nr, struct camp *k, const struct ind *x)
{
	for (int i = 0; i < *nr; i++)
		if (rs[i].k == k) {
			if (can_merge(x) && (!rs[i].strong || (x->strong && !rs[i].via->strong))) {
				rs[i].strong = 1;
				rs[i].via = x;
			}
			return;
		}
	if (*nr >= 16)
		return;
	rs[*nr].k = k;
	rs[*nr].via = x;
	rs[(*nr)++].strong = can_merge(x);
}

/* Walk the component of start; join, merge or found a campaign. */
static void
link_from(struct ronda_campaigns *c, struct crec *start)
{
	struct reach rs[16];
	struct camp *surv = NULL;
	int nr = 0, cross = 0;
	size_t n = 0, i = 0, nu = 0;
	int64_t lo = judged(c) == NONE ? NONE : judged(c) - c->cfg.link_window;

	if (start->ignored || dormant(start) || start->evaluated == c->batch)
		return;
	if (growz((void **)&c->walk, &c->capwalk, BFS_MAX, sizeof(*c->walk)) == -1)
		return;
	c->epoch++;
	start->epoch = c->epoch;
	c->walk[n++] = start;
	while (i < n) {
		struct crec *a = c->walk[i++];
		for (int j = 0; j < a->nrefs; j++) {
			struct ind *x = a->refs[j].ind;
			if (x->allow || ind_weight(c, x) <= 0)
				continue;
			for (int p = 0; p < x->npost; p++) {
				struct crec *b = x->post[p];
				if (!edge_ok(c, a, b, x, lo))
					continue;
				if (b->camp != NULL) {
					if (b->camp == a->camp || (a->camp != NULL && !can_merge(x)))
						continue;
					if (b->camp->status == ST_CLOSED &&
					    !rejoinable(c, b->camp, a))
						continue;
					reach_add(rs, &nr, b->camp, x);
					continue;
				}
				/* Any strong link between two sites, however b was reached. */
				if (x->strong && b->site != a->site)
					cross = 1;
				if (b->epoch == c->epoch)
					continue;
				if (n >= BFS_MAX) {
					c->stats.dropped++;
					continue;
				}
				b->epoch = c->epoch;
				c->walk[n++] = b;
			}
		}
	}
	for (i = 0; i < n; i++)
		c->walk[i]->evaluated = c->batch;
	/* A strong link to open campaigns merges them (with start's own). */
	if (start->camp != NULL)
		surv = start->camp;
	for (int k = 0; k < nr; k++)
		if (rs[k].strong && (surv == NULL || camp_older(rs[k].k, surv)))
			surv = rs[k].k;
	if (surv != NULL) {
		if (start->camp != NULL && start->camp != surv) {
			const struct ind *via = NULL;
			for (int k = 0; k < nr && via == NULL; k++)
				if (rs[k].k == surv)
					via = rs[k].via;
			camp_merge(c, surv, start->camp, via, c->clock);
		}
		for (int k = 0; k < nr; k++)
			if (rs[k].strong && rs[k].k != surv && rs[k].k->status != ST_MERGED)
				camp_merge(c, surv, rs[k].k, rs[k].via, c->clock);
	} else {
		/* Only weak links to a campaign: join the oldest, merge nothing. */
		for (int k = 0; k < nr; k++)
			if (surv == NULL || camp_older(rs[k].k, surv))
				surv = rs[k].k;
	}
	if (surv != NULL) {
		camp_reopen(surv);
		qsort(c->walk, n, sizeof(*c->walk), by_first);
		for (i = 0; i < n; i++)
			if (c->walk[i]->camp == NULL)
				camp_add(c, surv, c->walk[i]);
		return;
	}
	if (!cross)
		return;
	for (i = 0; i < n; i++)
		nu += c->walk[i]->camp == NULL;
	if ((int64_t)nu < c->cfg.min_sites)
		return;
	qsort(c->walk, n, sizeof(*c->walk), by_first);
	{
		int64_t at = reached_at(c, c->walk, n, c->cfg.window, c->cfg.min_sites);
		if (at != NONE)
			(void)camp_create(c, c->walk, n, LINK_INDICATOR, at);
	}
}

/* ---- campaigns of one attack --------------------------------------------- */

static int
by_camp_id_ptr(const void *a, const void *b)
{
	return strcmp((*(struct camp *const *)a)->id, (*(struct camp *const *)b)->id);
}

/* Sites two campaigns share (c->smark: one slot per known site, epoch marks). */
static int64_t
shared_sites(struct ronda_campaigns *c, const struct camp *a, const struct camp *b)
{
	int64_t n = 0;

	if (growz((void **)&c->smark, &c->capsmark, (size_t)c->nsites + 1,
	    sizeof(*c->smark)) == -1)
		return 0;
	if (c->capsmark > c->nsmark) {
		memset(c->smark + c->nsmark, 0, (c->capsmark - c->nsmark) * sizeof(*c->smark));
		c->nsmark = c->capsmark;
	}
	c->epoch++;
	for (int i = 0; i < a->nsites; i++)
		c->smark[a->sites[i].site] = c->epoch;
	for (int j = 0; j < b->nsites; j++)
		n += c->smark[b->sites[j].site] == c->epoch;
	return n;
}

/* At least min_sites shared, and at least half the smaller one's sites. */
static int
mostly_same_sites(struct ronda_campaigns *c, const struct camp *a, const struct camp *b)
{
	int64_t n = shared_sites(c, a, b), small = a->nsites < b->nsites ? a->nsites : b->nsites;

	return n >= c->cfg.min_sites && 2 * n >= small;
}

/* x is carried by a member of k (among x's postings). */
static int
carried_by(const struct ind *x, const struct camp *k)
{
	for (int i = 0; i < x->npost; i++)
		if (x->post[i]->camp == k)
			return 1;
	return 0;
}

/*
 * An indicator the members of a and b (those held) both carry, the most
 * telling one (an IP first, a user name last; then the rarest, then the
 * smallest value), or NULL. Walks the smaller campaign's members and looks
 * the other up in each indicator's postings: a campaign of thousands of
 * incidents costs nothing here.
 */
static const struct ind *
shared_ind(struct ronda_campaigns *c, const struct camp *a, const struct camp *b)
{
	static const int pref[T_N] = { [T_IP] = 7, [T_WEBSHELL] = 6, [T_PAYLOAD] = 5,
	    [T_UA] = 4, [T_GAMBLING] = 3, [T_NET] = 2, [T_USER] = 1, [T_HOST] = 7 };
	const struct camp *small = a->incident_count <= b->incident_count ? a : b;
	const struct camp *big = small == a ? b : a;
	const struct ind *best = NULL;
	double bw = 0;

	c->epoch++;
	for (const struct crec *r = small->members; r != NULL; r = r->cnext)
		for (int i = 0; i < r->nrefs; i++) {
			struct ind *x = r->refs[i].ind;
			double w;
			if (x->mark == c->epoch || x->allow)
				continue;
			x->mark = c->epoch;
			if (!carried_by(x, big))
				continue;
			w = pref[x->type] + ind_weight(c, x);
			if (best == NULL || w > bw || (w == bw && (x->type != best->type ?
			    x->type < best->type : strcmp(x->value, best->value) < 0))) {
				best = x;
				bw = w;
			}
		}
	return best;
}

/*
 * One attack seen as several campaigns (a botnet spread over networks that
 * share no rare indicator: each /24 links its own IPs): open campaigns of
 * one family that hit mostly the same sites (at least min_sites, at least
 * half of the smaller one's), in periods no more than `window` apart, and
 * whose members share any indicator (a common one too: it links no
 * incident, but it ties two campaigns that already stand on their own)
 * merge; the older survives. Campaigns that only brush (a few sites in
 * common) stay apart, so merges do not snowball into one.
 */
static void
same_attack(struct ronda_campaigns *c)
{
	struct camp **v = NULL;
	size_t n = 0, cap = 0;
	int merged;

	for (struct camp *k = c->camps; k != NULL; k = k->next)
		if ((k->status == ST_ACTIVE || k->status == ST_QUIET) && k->family >= 0 &&
		    growz((void **)&v, &cap, n + 1, sizeof(*v)) == 0)
			v[n++] = k;
	if (n < 2) {
		free(v);
		return;
	}
	qsort(v, n, sizeof(v[0]), by_camp_id_ptr);
	/*
	 * Only pairs with a campaign this batch changed can have become one
	 * attack; passes in id order until none merges (a survivor is dirty,
	 * and may now match one it was compared with before).
	 */
	do {
		merged = 0;
		for (size_t i = 0; i < n; i++)
			for (size_t j = i + 1; j < n; j++) {
				struct camp *a = v[i], *b = v[j], *s, *l;
				const struct ind *x;
				if (a->status == ST_MERGED)
					break;
				if (b->status == ST_MERGED || (!a->dirty && !b->dirty) ||
				    a->family != b->family ||
				    a->first_seen > b->last_seen + c->cfg.window ||
				    b->first_seen > a->last_seen + c->cfg.window ||
				    !mostly_same_sites(c, a, b) || (x = shared_ind(c, a, b)) == NULL)
					continue;
				s = camp_older(a, b) ? a : b;
				l = s == a ? b : a;
				camp_merge(c, s, l, x, c->clock);
				merged++;
			}
	} while (merged);
	free(v);
}

/* ---- waves ---------------------------------------------------------------- */

static void
waves(struct ronda_campaigns *c)
{
	struct crec **el[NFAM] = { NULL };
	size_t nel[NFAM] = { 0 }, capel[NFAM] = { 0 };
	struct camp *open[NFAM] = { NULL };
	unsigned char *explained;
	int64_t lo;
	int closed = 0;

	if (judged(c) == NONE)
		return;
	lo = judged(c) - c->cfg.link_window;
	if ((explained = calloc((size_t)c->nsites + 1, 1)) == NULL)
		return;
	for (struct camp *k = c->camps; k != NULL; k = k->next) {
		if (k->status == ST_CLOSED && k->link == LINK_WAVE && k->family >= 0)
			closed = 1;
		if ((k->status != ST_ACTIVE && k->status != ST_QUIET) || k->family < 0)
			continue;
		if (k->link == LINK_WAVE) {
			if (open[k->family] == NULL || k->last_seen > open[k->family]->last_seen)
				open[k->family] = k;
			continue;
		}
		for (int i = 0; i < k->nsites; i++)
			explained[k->sites[i].site] |= (unsigned char)(1u << k->family);
	}
	for (size_t b = 0; b < REC_BUCKETS; b++)
		for (struct crec *r = c->rec_b[b]; r != NULL; r = r->hnext) {
			int f = r->family;
			if (r->camp != NULL || r->ignored || dormant(r) || f < 0 || r->last_seen < lo ||
			    (explained[r->site] & (1u << f)))
				continue;
			if (growz((void **)&el[f], &capel[f], nel[f] + 1, sizeof(*el[f])) == -1)
				continue;
			el[f][nel[f]++] = r;
		}
	for (int f = 0; f < NFAM; f++) {
		if (nel[f] == 0)
			continue;
		qsort(el[f], nel[f], sizeof(*el[f]), by_first);
		/*
		 * A closed wave takes back what would have joined it in time
		 * (the candidates are listed first: one reopened by the first of
		 * them takes the others too).
		 */
		if (closed) {
			struct camp **cw = NULL;
			size_t ncw = 0, capcw = 0, m = 0;
			for (struct camp *k = c->camps; k != NULL; k = k->next)
				if (k->status == ST_CLOSED && k->link == LINK_WAVE &&
				    k->family == f && growz((void **)&cw, &capcw, ncw + 1,
				    sizeof(*cw)) == 0)
					cw[ncw++] = k;
			for (size_t i = 0; i < nel[f]; i++) {
				struct camp *w = NULL;
				for (size_t j = 0; j < ncw && w == NULL; j++)
					if (rejoinable(c, cw[j], el[f][i]))
						w = cw[j];
				if (w != NULL) {
					camp_reopen(w);
					camp_add(c, w, el[f][i]);
				} else {
					el[f][m++] = el[f][i];
				}
			}
			free(cw);
			if ((nel[f] = m) == 0) {
				free(el[f]);
				continue;
			}
		}
		if (open[f] != NULL) {
			for (size_t i = 0; i < nel[f]; i++)
				camp_add(c, open[f], el[f][i]);
		} else {
			int64_t at = reached_at(c, el[f], nel[f], c->cfg.link_window,
			    wave_threshold(c, f));
			if (at != NONE)
				(void)camp_create(c, el[f], nel[f], LINK_WAVE, at);
		}
		free(el[f]);
	}
	free(explained);
}

/* ---- titles and alerts ---------------------------------------------------- */

static int
by_site_first(const void *a, const void *b)
{
	const struct csite_entry *x = a, *y = b;

	if (x->first_seen != y->first_seen)
		return x->first_seen < y->first_seen ? -1 : 1;
	return x->site < y->site ? -1 : x->site > y->site;
}

/* The campaign's sites in joining order (first hit, then site order). */
static void
sort_sites(struct camp *k)
{
	qsort(k->sites, (size_t)k->nsites, sizeof(*k->sites), by_site_first);
}

/* "Gambling-spam injection wave — 8 sites, Kalimantan Timur" (or in Indonesian). */
static void
make_title(const struct ronda_campaigns *c, const struct camp *k, char *out, size_t n)
{
	const struct family *f = &families[k->family >= 0 ? k->family : 0];
	int en = c->cfg.lang == RONDA_LANG_EN, shown = 0, more = 0;
	struct ronda_buf b;

	ronda_buf_init(&b, 512);
	if (en)
		ronda_buf_printf(&b, "%s wave — %d sites", f->en, k->nsites);
	else
		ronda_buf_printf(&b, "Gelombang %s — %d situs", f->id, k->nsites);
	for (int i = 0; i < k->nsites; i++) {
		const char *r = c->sites[k->sites[i].site]->region;
		int seen = 0;
		if (r[0] == '\0')
			continue;
		for (int j = 0; j < i && !seen; j++)
			seen = strcmp(c->sites[k->sites[j].site]->region, r) == 0;
		if (seen)
			continue;
		if (shown < 2) {
			ronda_buf_printf(&b, ", %.60s", r);
			shown++;
		} else {
			more++;
		}
	}
	if (more > 0)
		ronda_buf_printf(&b, en ? " and %d more regions" : " +%d wilayah lain", more);
	snprintf(out, n, "%s", b.data != NULL ? b.data : "");
	ronda_buf_release(&b);
}

static int
by_cind_strength(const void *a, const void *b)
{
	const struct cind *x = *(struct cind *const *)a, *y = *(struct cind *const *)b;

	if (x->weight != y->weight)
		return x->weight > y->weight ? -1 : 1;
	if (x->sites != y->sites)
		return x->sites > y->sites ? -1 : 1;
	if (x->type != y->type)
		return x->type < y->type ? -1 : 1;
	return strcmp(x->value, y->value);
}

static int
by_cind_sites(const void *a, const void *b)
{
	const struct cind *x = *(struct cind *const *)a, *y = *(struct cind *const *)b;

	if (x->sites != y->sites)
		return x->sites > y->sites ? -1 : 1;
	return strcmp(x->value, y->value);
}

/* The campaign's IPs, most sites first (at most max). */
static size_t
top_ips(const struct camp *k, const struct cind **out, size_t max)
{
	const struct cind *v[CAMP_IND_MAX];
	size_t n = 0;

	for (int i = 0; i < k->ninds; i++)
		if (k->inds[i].type == T_IP)
			v[n++] = &k->inds[i];
	qsort(v, n, sizeof(v[0]), by_cind_sites);
	if (n > max)
		n = max;
	memcpy(out, v, n * sizeof(v[0]));
	return n;
}

static int
raise_alert(struct ronda_campaigns *c, struct camp *k, int type, int64_t seq, int prev,
    char *err, size_t errlen)
{
	struct ronda_alert_site *as = calloc((size_t)k->nsites + 1, sizeof(*as));
	const char **news = calloc((size_t)k->nsites + 1, sizeof(*news));
	const struct cind *ci[CAMP_IND_MAX], *ips[TOP_IPS];
	struct ronda_alert_indicator ai[TOP_IND];
	const char *ipv[TOP_IPS];
	struct ronda_alert a;
	char title[256];
	size_t nci = 0, nnew = 0, nips;
	int rc = -1;

	if (as == NULL || news == NULL) {
		snprintf(err, errlen, "campaign alert: out of memory");
		goto out;
	}
	sort_sites(k);
	make_title(c, k, title, sizeof(title));
	for (int i = 0; i < k->nsites; i++) {
		const struct csite *s = c->sites[k->sites[i].site];
		as[i] = (struct ronda_alert_site){ .id = s->id, .agency = s->agency,
		    .region = s->region, .timezone = s->tz, .first_seen = k->sites[i].first_seen };
		if (!k->sites[i].alerted)
			news[nnew++] = s->id;
	}
	for (int i = 0; i < k->ninds; i++)
		if (k->inds[i].weight > 0)
			ci[nci++] = &k->inds[i];
	qsort(ci, nci, sizeof(ci[0]), by_cind_strength);
	if (nci > TOP_IND)
		nci = TOP_IND;
	for (size_t i = 0; i < nci; i++)
		ai[i] = (struct ronda_alert_indicator){ itype_names[ci[i]->type], ci[i]->value };
	nips = top_ips(k, ips, TOP_IPS);
	for (size_t i = 0; i < nips; i++)
		ipv[i] = ips[i]->value;
	memset(&a, 0, sizeof(a));
	a.type = type;
	a.campaign_id = k->id;
	a.kind = families[k->family >= 0 ? k->family : 0].name;
	a.title = title;
	a.severity = k->severity;
	a.prev_severity = prev;
	a.first_seen = k->first_seen;
	a.last_seen = k->last_seen;
	a.sites = as;
	a.nsites = (size_t)k->nsites;
	a.new_sites = news;
	a.nnew = type == RONDA_ALERT_CAMPAIGN_SEVERITY ? 0 : nnew;
	a.ind = ai;
	a.nind = nci;
	a.ips = ipv;
	a.nips = nips;
	a.seq_key = seq;
	rc = ronda_alert_raise(c->db, &a, c->cfg.lang, c->now_wall, err, errlen);
	if (rc == 1)
		c->stats.alerts++;
	if (rc >= 0 && type != RONDA_ALERT_CAMPAIGN_SEVERITY)
		for (int i = 0; i < k->nsites; i++)
			k->sites[i].alerted = 1;
out:
	free(as);
	free(news);
	return rc < 0 ? -1 : 0;
}

/* The newest first hit among the sites an alert names now (not yet alerted). */
static int64_t
newest_unalerted(const struct camp *k)
{
	int64_t t = NONE;

	for (int i = 0; i < k->nsites; i++)
		if (!k->sites[i].alerted && k->sites[i].first_seen > t)
			t = k->sites[i].first_seen;
	return t;
}

/*
 * New when reported; grew when it has sites no alert named yet and the
 * interval since the last new/grew alert has passed; severity when it rose
 * above the last one alerted. An alert's time (alerted_at) is event time:
 * the newest first hit it names, and for grew at least the last one's plus
 * the interval, so grew alerts are `interval` apart in event time even when
 * a backfill runs the clock hours ahead.
 */
static int
alerts(struct ronda_campaigns *c, struct camp *k, char *err, size_t errlen)
{
	int64_t newest = newest_unalerted(k), due;

	if (k->status != ST_ACTIVE && k->status != ST_QUIET)
		return 0;
	k->severity = camp_severity(c, k);
	if (k->alerted_sev == 0) {
		if (raise_alert(c, k, RONDA_ALERT_CAMPAIGN_NEW, 0, 0, err, errlen) == -1)
			return -1;
		k->alerted_sev = k->severity;
		k->alerted_at = newest > k->reported ? newest : k->reported;
		k->dirty = 1;
		return 0;
	}
	due = k->alerted_at + c->cfg.interval;
	if (newest != NONE && c->clock >= due) {
		if (raise_alert(c, k, RONDA_ALERT_CAMPAIGN_GREW, k->nsites, 0, err, errlen) == -1)
			return -1;
		k->alerted_at = newest > due ? newest : due;
		k->dirty = 1;
	}
	if (k->severity > k->alerted_sev) {
		if (raise_alert(c, k, RONDA_ALERT_CAMPAIGN_SEVERITY, k->severity, k->alerted_sev,
		    err, errlen) == -1)
			return -1;
		k->alerted_sev = k->severity;
		k->dirty = 1;
	}
	return 0;
}

/* ---- status --------------------------------------------------------------- */

static void
status_step(struct ronda_campaigns *c, struct camp *k)
{
	int64_t idle;
	int s;

	if ((k->status != ST_ACTIVE && k->status != ST_QUIET) || judged(c) == NONE)
		return;
	idle = judged(c) - k->last_seen;
	s = idle >= c->cfg.close ? ST_CLOSED : idle >= c->cfg.quiet ? ST_QUIET : ST_ACTIVE;
	if (s != k->status) {
		k->status = s;
		k->dirty = 1;
	}
}

/* ---- the store ------------------------------------------------------------ */

static int
sqlfail(struct ronda_campaigns *c, const char *what, char *err, size_t errlen)
{
	snprintf(err, errlen, "campaigns: %s: %s", what, sqlite3_errmsg(c->db));
	return -1;
}

static int
prepare(struct ronda_campaigns *c, sqlite3 *db, char *err, size_t errlen)
{
	if (c->db == db && c->st[0] != NULL)
		return 0;
	for (int i = 0; i < NQ; i++) {
		sqlite3_finalize(c->st[i]);
		c->st[i] = NULL;
	}
	c->db = db;
	for (int i = 0; i < NQ; i++)
		if (sqlite3_prepare_v3(db, sql[i], -1, SQLITE_PREPARE_PERSISTENT, &c->st[i],
		    NULL) != SQLITE_OK)
			return sqlfail(c, sql[i], err, errlen);
	return 0;
}

static int
step(struct ronda_campaigns *c, int q, const char *what, char *err, size_t errlen)
{
	sqlite3_stmt *st = c->st[q];
	int rc = sqlite3_step(st);

	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	return rc == SQLITE_DONE ? 0 : sqlfail(c, what, err, errlen);
}

static int
by_site_rec(const void *a, const void *b)
{
	const struct crec *x = *(struct crec *const *)a, *y = *(struct crec *const *)b;

	if (x->site != y->site)
		return x->site < y->site ? -1 : 1;
	return strcmp(x->id, y->id);
}

/*
 * The campaign indicators' site counts: the campaign's sites whose member
 * incidents (those still held) carry each, never lower than stored before.
 */
static void
recount_inds(struct ronda_campaigns *c, struct camp *k)
{
	struct crec **m = NULL;
	size_t n = 0, cap = 0;
	int64_t cnt[CAMP_IND_MAX];
	int last[CAMP_IND_MAX];

	for (struct crec *r = k->members; r != NULL; r = r->cnext)
		if (growz((void **)&m, &cap, n + 1, sizeof(*m)) == 0)
			m[n++] = r;
	if (n == 0) {
		free(m);
		return;
	}
	c->epoch++;
	for (int i = 0; i < k->ninds; i++) {
		struct ind *x = ind_get(c, k->inds[i].type, k->inds[i].value, 0);
		cnt[i] = 0;
		last[i] = -1;
		if (x != NULL) {
			x->mark = c->epoch;
			x->slot = i;
		}
	}
	/* Members grouped by site: each site counts once per indicator. */
	qsort(m, n, sizeof(*m), by_site_rec);
	for (size_t i = 0; i < n; i++)
		for (int j = 0; j < m[i]->nrefs; j++) {
			const struct ind *x = m[i]->refs[j].ind;
			if (x->mark != c->epoch || last[x->slot] == m[i]->site)
				continue;
			cnt[x->slot]++;
			last[x->slot] = m[i]->site;
		}
	for (int i = 0; i < k->ninds; i++)
		if (cnt[i] > k->inds[i].sites) {
			k->inds[i].sites = cnt[i];
			k->inds[i].dirty = 1;
		}
	free(m);
}

static void
bind_text(sqlite3_stmt *st, int i, const char *s)
{
	sqlite3_bind_text(st, i, s != NULL ? s : "", -1, SQLITE_TRANSIENT);
}

static char *
ips_json(const struct camp *k)
{
	const struct cind *ips[TOP_IPS];
	size_t n = top_ips(k, ips, TOP_IPS);
	cJSON *a = cJSON_CreateArray();
	char *s;

	if (a == NULL)
		return NULL;
	for (size_t i = 0; i < n; i++)
		cJSON_AddItemToArray(a, cJSON_CreateString(ips[i]->value));
	s = cJSON_PrintUnformatted(a);
	cJSON_Delete(a);
	return s;
}

static char *
alerted_json(const struct ronda_campaigns *c, const struct camp *k)
{
	cJSON *a = cJSON_CreateArray();
	char *s;

	if (a == NULL)
		return NULL;
	for (int i = 0; i < k->nsites; i++)
		if (k->sites[i].alerted)
			cJSON_AddItemToArray(a, cJSON_CreateString(c->sites[k->sites[i].site]->id));
	s = cJSON_PrintUnformatted(a);
	cJSON_Delete(a);
	return s;
}

static int
write_row(struct ronda_campaigns *c, struct camp *k, char *err, size_t errlen)
{
	sqlite3_stmt *st = c->st[Q_CAMP_PUT];
	char title[256], *ips = ips_json(k);
	int rc;

	if (ips == NULL) {
		snprintf(err, errlen, "campaigns: out of memory");
		return -1;
	}
	sort_sites(k);
	make_title(c, k, title, sizeof(title));
	k->severity = camp_severity(c, k);
	bind_text(st, 1, k->id);
	bind_text(st, 2, families[k->family >= 0 ? k->family : 0].name);
	bind_text(st, 3, link_names[k->link]);
	bind_text(st, 4, title);
	bind_text(st, 5, ronda_severity_name(k->severity));
	bind_text(st, 6, status_names[k->status]);
	bind_text(st, 7, k->merged_into);
	sqlite3_bind_int64(st, 8, k->first_seen);
	sqlite3_bind_int64(st, 9, k->last_seen);
	sqlite3_bind_int64(st, 10, k->reported);
	sqlite3_bind_int64(st, 11, k->nsites);
	sqlite3_bind_int64(st, 12, k->incident_count);
	bind_text(st, 13, ips);
	rc = step(c, Q_CAMP_PUT, "campaign put", err, errlen);
	cJSON_free(ips);
	k->written = 1;
	return rc;
}

static int
write_camp(struct ronda_campaigns *c, struct camp *k, char *err, size_t errlen)
{
	sqlite3_stmt *st;
	char *alerted;
	int rc;

	if (k->status == ST_MERGED) {
		if (write_row(c, k, err, errlen) == -1)
			return -1;
		st = c->st[Q_SITE_DEL];
		bind_text(st, 1, k->id);
		if (step(c, Q_SITE_DEL, "campaign sites delete", err, errlen) == -1)
			return -1;
		st = c->st[Q_IND_DEL];
		bind_text(st, 1, k->id);
		if (step(c, Q_IND_DEL, "campaign indicators delete", err, errlen) == -1)
			return -1;
		st = c->st[Q_INC_MOVE];
		bind_text(st, 1, k->merged_into);
		bind_text(st, 2, k->id);
		if (step(c, Q_INC_MOVE, "campaign incidents move", err, errlen) == -1)
			return -1;
		st = c->st[Q_STATE_DEL];
		bind_text(st, 1, k->id);
		return step(c, Q_STATE_DEL, "campaign state delete", err, errlen);
	}
	recount_inds(c, k);
	if (write_row(c, k, err, errlen) == -1)
		return -1;
	for (int i = 0; i < k->nsites; i++) {
		struct csite_entry *s = &k->sites[i];
		if (!s->dirty)
			continue;
		st = c->st[Q_SITE_PUT];
		bind_text(st, 1, k->id);
		bind_text(st, 2, c->sites[s->site]->id);
		sqlite3_bind_int64(st, 3, s->first_seen);
		sqlite3_bind_int64(st, 4, s->last_seen);
		sqlite3_bind_int64(st, 5, s->incidents);
		if (step(c, Q_SITE_PUT, "campaign site put", err, errlen) == -1)
			return -1;
		s->dirty = 0;
	}
	for (int i = 0; i < k->npending; i++) {
		st = c->st[Q_INC_PUT];
		bind_text(st, 1, k->id);
		bind_text(st, 2, k->pending[i].id);
		bind_text(st, 3, c->sites[k->pending[i].site]->id);
		sqlite3_bind_int64(st, 4, k->pending[i].joined);
		if (step(c, Q_INC_PUT, "campaign incident put", err, errlen) == -1)
			return -1;
	}
	k->npending = 0;
	for (int i = 0; i < k->ninds; i++) {
		struct cind *ci = &k->inds[i];
		if (!ci->dirty)
			continue;
		st = c->st[Q_IND_PUT];
		bind_text(st, 1, k->id);
		bind_text(st, 2, itype_names[ci->type]);
		bind_text(st, 3, ci->value);
		sqlite3_bind_int64(st, 4, ci->sites);
		sqlite3_bind_double(st, 5, ci->weight);
		if (step(c, Q_IND_PUT, "campaign indicator put", err, errlen) == -1)
			return -1;
		ci->dirty = 0;
	}
	for (int i = 0; i < k->nmerges; i++) {
		struct merge *m = &k->merges[i];
		st = c->st[Q_MERGE_PUT];
		bind_text(st, 1, m->from);
		bind_text(st, 2, k->id);
		sqlite3_bind_int64(st, 3, m->at);
		bind_text(st, 4, itype_names[m->type]);
		bind_text(st, 5, m->value);
		if (step(c, Q_MERGE_PUT, "campaign merge put", err, errlen) == -1)
			return -1;
		free(m->value);
	}
	k->nmerges = 0;
	/*
	 * A closed campaign keeps its state row while it can be rejoined (see
	 * rejoinable), so a restart restores it as the uninterrupted run kept it.
	 */
	if (k->status == ST_CLOSED && k->expired) {
		st = c->st[Q_STATE_DEL];
		bind_text(st, 1, k->id);
		return step(c, Q_STATE_DEL, "campaign state delete", err, errlen);
	}
	if ((alerted = alerted_json(c, k)) == NULL) {
		snprintf(err, errlen, "campaigns: out of memory");
		return -1;
	}
	st = c->st[Q_STATE_PUT];
	bind_text(st, 1, k->id);
	sqlite3_bind_int(st, 2, k->max_sev);
	sqlite3_bind_int(st, 3, k->success);
	sqlite3_bind_int(st, 4, k->alerted_sev);
	sqlite3_bind_int64(st, 5, k->alerted_at);
	bind_text(st, 6, alerted);
	rc = step(c, Q_STATE_PUT, "campaign state put", err, errlen);
	cJSON_free(alerted);
	return rc;
}

static int
meta_put(struct ronda_campaigns *c, const char *name, int64_t v, char *err, size_t errlen)
{
	sqlite3_stmt *st = c->st[Q_META_PUT];

	bind_text(st, 1, name);
	sqlite3_bind_int64(st, 2, v);
	return step(c, Q_META_PUT, "campaign meta put", err, errlen);
}

static int
write_days(struct ronda_campaigns *c, char *err, size_t errlen)
{
	sqlite3_stmt *st;

	for (size_t i = 0; i < c->nnewdays; i++) {
		st = c->st[Q_DAY_PUT];
		bind_text(st, 1, families[c->newdays[i].fam].name);
		sqlite3_bind_int64(st, 2, c->newdays[i].day);
		bind_text(st, 3, c->sites[c->newdays[i].site]->id);
		if (step(c, Q_DAY_PUT, "wave day put", err, errlen) == -1)
			return -1;
	}
	c->nnewdays = 0;
	if (c->clock != NONE && day_of(c->clock) != c->pruned_day) {
		c->pruned_day = day_of(c->clock);
		st = c->st[Q_DAY_PRUNE];
		sqlite3_bind_int64(st, 1, c->pruned_day - HIST_DAYS - 2);
		if (step(c, Q_DAY_PRUNE, "wave day prune", err, errlen) == -1)
			return -1;
	}
	return 0;
}

/* ---- commit ---------------------------------------------------------------- */

static int
by_last(const void *a, const void *b)
{
	const struct crec *x = *(struct crec *const *)a, *y = *(struct crec *const *)b;

	if (x->last_seen != y->last_seen)
		return x->last_seen < y->last_seen ? -1 : 1;
	return strcmp(x->id, y->id);
}

/*
 * Drop what no link can use any more: incidents idle past link_window (then
 * the oldest over max_incidents), indicators held by none whose sites are
 * all that old, campaigns merged, and closed ones once nothing can rejoin
 * them (close + link_window past their last activity).
 */
static void
expire(struct ronda_campaigns *c)
{
	int64_t lo = judged(c) == NONE ? NONE : judged(c) - c->cfg.link_window;
	struct camp **kp = &c->camps, *k;

	while ((k = *kp) != NULL) {
		if (k->status == ST_MERGED || (k->status == ST_CLOSED && k->expired)) {
			struct crec *r;
			while ((r = k->members) != NULL) {
				member_unlink(r);
				r->closed_seen = k->last_seen;
			}
			*kp = k->next;
			camp_free_one(k);
			c->ncamps--;
		} else {
			kp = &k->next;
		}
	}
	if (lo != NONE)
		for (size_t b = 0; b < REC_BUCKETS; b++) {
			struct crec *r = c->rec_b[b], *rn;
			for (; r != NULL; r = rn) {
				rn = r->hnext;
				if (r->last_seen < lo)
					rec_free(c, r);
			}
		}
	if (c->nrec > c->cfg.max_incidents) {
		struct crec **v = malloc((size_t)c->nrec * sizeof(*v));
		size_t n = 0;
		if (v != NULL) {
			for (size_t b = 0; b < REC_BUCKETS; b++)
				for (struct crec *r = c->rec_b[b]; r != NULL; r = r->hnext)
					v[n++] = r;
			qsort(v, n, sizeof(*v), by_last);
			for (size_t i = 0; i < n && c->nrec > c->cfg.max_incidents; i++) {
				rec_free(c, v[i]);
				c->stats.evicted++;
			}
			free(v);
		}
	}
	for (size_t b = 0; b < IND_BUCKETS; b++) {
		struct ind **xp = &c->ind_b[b], *x;
		while ((x = *xp) != NULL) {
			int live = x->refs > 0;
			for (int i = 0; i < x->nsites && !live; i++)
				live = lo == NONE || x->sites[i].ts >= lo;
			if (!live) {
				*xp = x->hnext;
				ind_free_one(x);
				c->nind--;
			} else {
				xp = &x->hnext;
			}
		}
	}
}

int
ronda_campaigns_commit(struct ronda_campaigns *c, sqlite3 *db, int64_t now_event,
    int64_t now_wall, char *err, size_t errlen)
{
	struct camp **v = NULL;
	size_t n = 0, cap = 0;
	int rc = -1;

	if (prepare(c, db, err, errlen) == -1)
		return -1;
	c->now_wall = now_wall;
	/* qsort(NULL, 0, ...) is undefined (UBSan stops the ASan build there). */
	if (c->nq > 1)
		qsort(c->q, c->nq, sizeof(*c->q), by_key);
	for (size_t i = 0; i < c->nq; i++)
		apply(c, &c->q[i]);
	q_clear(c);
	if (now_event != NONE && (c->clock == NONE || now_event > c->clock))
		c->clock = now_event;
	for (size_t i = 0; i < c->ntouched; i++) {
		struct crec *r = c->touched[i];
		r->touched = 0;
		link_from(c, r);
	}
	c->ntouched = 0;
	c->batch++;
	same_attack(c);
	waves(c);
	for (struct camp *k = c->camps; k != NULL; k = k->next)
		if (growz((void **)&v, &cap, n + 1, sizeof(*v)) == 0)
			v[n++] = k;
	if (n > 0)
		qsort(v, n, sizeof(*v), by_camp_id_ptr);
	for (size_t i = 0; i < n; i++) {
		status_step(c, v[i]);
		if (alerts(c, v[i], err, errlen) == -1)
			goto out;
		/* Closed and past rejoining: its state row goes with it. */
		if (v[i]->status == ST_CLOSED && judged(c) != NONE &&
		    judged(c) - v[i]->last_seen > c->cfg.close + c->cfg.link_window) {
			v[i]->expired = 1;
			v[i]->dirty = 1;
		}
	}
	for (size_t i = 0; i < n; i++)
		if (v[i]->dirty) {
			if (write_camp(c, v[i], err, errlen) == -1)
				goto out;
			v[i]->dirty = 0;
		}
	if (write_days(c, err, errlen) == -1 ||
	    meta_put(c, "clock", c->clock, err, errlen) == -1 ||
	    meta_put(c, "history_start", c->history_start, err, errlen) == -1 ||
	    meta_put(c, "evicted", c->stats.evicted, err, errlen) == -1 ||
	    meta_put(c, "dropped", c->stats.dropped, err, errlen) == -1)
		goto out;
	expire(c);
	rc = 0;
out:
	free(v);
	return rc;
}

/* ---- restore --------------------------------------------------------------- */

static int
q_prep(sqlite3 *db, const char *q, sqlite3_stmt **st, char *err, size_t errlen)
{
	if (sqlite3_prepare_v2(db, q, -1, st, NULL) != SQLITE_OK) {
		snprintf(err, errlen, "campaigns restore: %s", sqlite3_errmsg(db));
		return -1;
	}
	return 0;
}

static const char *
col(sqlite3_stmt *st, int i)
{
	const unsigned char *t = sqlite3_column_text(st, i);

	return t != NULL ? (const char *)t : "";
}

static int
restore_camp(struct ronda_campaigns *c, sqlite3 *db, sqlite3_stmt *row, char *err,
    size_t errlen)
{
	sqlite3_stmt *st = NULL;
	struct camp *k = camp_new(c);
	int rc = -1;

	if (k == NULL) {
		snprintf(err, errlen, "campaigns restore: out of memory");
		return -1;
	}
	snprintf(k->id, sizeof(k->id), "%s", col(row, 0));
	k->family = family_parse(col(row, 1));
	k->link = strcmp(col(row, 2), "wave") == 0 ? LINK_WAVE : LINK_INDICATOR;
	k->severity = ronda_severity_parse(col(row, 3));
	k->status = strcmp(col(row, 4), "quiet") == 0 ? ST_QUIET :
	    strcmp(col(row, 4), "closed") == 0 ? ST_CLOSED : ST_ACTIVE;
	k->first_seen = sqlite3_column_int64(row, 5);
	k->last_seen = sqlite3_column_int64(row, 6);
	k->reported = sqlite3_column_int64(row, 7);
	k->incident_count = sqlite3_column_int64(row, 8);
	k->written = 1;
	if (q_prep(db, "SELECT max_severity, success, alerted_severity, alerted_at,"
	    " alerted_sites FROM campaign_state WHERE campaign_id = ?", &st, err, errlen) == -1)
		return -1;
	sqlite3_bind_text(st, 1, k->id, -1, SQLITE_STATIC);
	{
		cJSON *al = NULL;
		if (sqlite3_step(st) == SQLITE_ROW) {
			k->max_sev = sqlite3_column_int(st, 0);
			k->success = sqlite3_column_int(st, 1);
			k->alerted_sev = sqlite3_column_int(st, 2);
			k->alerted_at = sqlite3_column_int64(st, 3);
			al = cJSON_Parse(col(st, 4));
		} else {
			k->max_sev = k->severity;
		}
		sqlite3_finalize(st);
		st = NULL;
		if (q_prep(db, "SELECT site, first_seen, last_seen, incidents FROM campaign_sites"
		    " WHERE campaign_id = ?", &st, err, errlen) == -1) {
			cJSON_Delete(al);
			return -1;
		}
		sqlite3_bind_text(st, 1, k->id, -1, SQLITE_STATIC);
		while (sqlite3_step(st) == SQLITE_ROW) {
			int s = site_get(c, col(st, 0), 1);
			struct csite_entry *e = s >= 0 ? camp_site(k, s, 1) : NULL;
			const cJSON *it;
			if (e == NULL)
				continue;
			e->first_seen = sqlite3_column_int64(st, 1);
			e->last_seen = sqlite3_column_int64(st, 2);
			e->incidents = sqlite3_column_int64(st, 3);
			cJSON_ArrayForEach(it, al)
				if (cJSON_IsString(it) && strcmp(it->valuestring, col(st, 0)) == 0)
					e->alerted = 1;
		}
		cJSON_Delete(al);
	}
	sqlite3_finalize(st);
	st = NULL;
	if (q_prep(db, "SELECT type, value, sites, weight FROM campaign_indicators"
	    " WHERE campaign_id = ?", &st, err, errlen) == -1)
		return -1;
	sqlite3_bind_text(st, 1, k->id, -1, SQLITE_STATIC);
	while (sqlite3_step(st) == SQLITE_ROW) {
		int t = itype_parse(col(st, 0));
		struct cind *ci = t >= 0 ? camp_ind(k, t, col(st, 1), 1) : NULL;
		if (ci == NULL)
			continue;
		ci->sites = sqlite3_column_int64(st, 2);
		ci->weight = sqlite3_column_double(st, 3);
	}
	rc = 0;
	sqlite3_finalize(st);
	return rc;
}

static int
restore_incidents(struct ronda_campaigns *c, sqlite3 *db, char *err, size_t errlen)
{
	sqlite3_stmt *inc = NULL, *ind = NULL, *mem = NULL, *cl = NULL;
	int64_t lo = judged(c) == NONE ? NONE : judged(c) - c->cfg.link_window;
	int rc = -1, r;

	if (q_prep(db, "SELECT id, site, kind, severity, first_seen, last_seen FROM incidents"
	    " WHERE last_seen >= ? ORDER BY first_seen, id", &inc, err, errlen) == -1 ||
	    q_prep(db, "SELECT type, value, first_seen FROM indicators WHERE incident_id = ?",
	    &ind, err, errlen) == -1 ||
	    q_prep(db, "SELECT campaign_id FROM campaign_incidents WHERE incident_id = ?",
	    &mem, err, errlen) == -1 ||
	    q_prep(db, "SELECT last_seen FROM campaigns WHERE id = ? AND status = 'closed'",
	    &cl, err, errlen) == -1)
		goto out;
	sqlite3_bind_int64(inc, 1, lo == NONE ? INT64_MIN : lo);
	while ((r = sqlite3_step(inc)) == SQLITE_ROW) {
		int fam = family_of(col(inc, 2)), site;
		struct crec *x;
		if (fam < 0 || (site = site_get(c, col(inc, 1), 1)) < 0)
			continue;
		if ((x = rec_new(c, col(inc, 0), col(inc, 2), site, fam)) == NULL)
			break;
		x->severity = ronda_severity_parse(col(inc, 3));
		x->first_seen = sqlite3_column_int64(inc, 4);
		x->last_seen = sqlite3_column_int64(inc, 5);
		sqlite3_bind_text(ind, 1, x->id, -1, SQLITE_STATIC);
		while (sqlite3_step(ind) == SQLITE_ROW) {
			int t = itype_parse(col(ind, 0));
			struct ind *xi;
			if (t < 0 || (xi = ind_get(c, t, col(ind, 1), 1)) == NULL)
				continue;
			(void)rec_ref(c, x, xi, sqlite3_column_int64(ind, 2));
		}
		sqlite3_reset(ind);
		for (int i = 0; i < x->nrefs; i++)
			ind_note_site(x->refs[i].ind, x->site, x->last_seen);
		rec_judge_ignored(x);
		sqlite3_bind_text(mem, 1, x->id, -1, SQLITE_STATIC);
		while (sqlite3_step(mem) == SQLITE_ROW) {
			struct camp *k = camp_find(c, col(mem, 0));
			if (k != NULL) {
				member_link(k, x);
				continue;
			}
			sqlite3_bind_text(cl, 1, col(mem, 0), -1, SQLITE_TRANSIENT);
			if (sqlite3_step(cl) == SQLITE_ROW) {
				int64_t at = sqlite3_column_int64(cl, 0);
				if (x->closed_seen == NONE || at > x->closed_seen)
					x->closed_seen = at;
			}
			sqlite3_reset(cl);
		}
		sqlite3_reset(mem);
		if (x->camp != NULL)
			x->closed_seen = NONE;
	}
	if (r != SQLITE_DONE && r != SQLITE_ROW) {
		snprintf(err, errlen, "campaigns restore: %s", sqlite3_errmsg(db));
		goto out;
	}
	rc = 0;
out:
	sqlite3_finalize(inc);
	sqlite3_finalize(ind);
	sqlite3_finalize(mem);
	sqlite3_finalize(cl);
	return rc;
}

int
ronda_campaigns_restore(struct ronda_campaigns *c, sqlite3 *db, char *err, size_t errlen)
{
	sqlite3_stmt *st = NULL;
	int rc = -1;

	if (q_prep(db, "SELECT name, value FROM campaign_meta", &st, err, errlen) == -1)
		return -1;
	while (sqlite3_step(st) == SQLITE_ROW) {
		if (strcmp(col(st, 0), "clock") == 0)
			c->clock = sqlite3_column_int64(st, 1);
		else if (strcmp(col(st, 0), "history_start") == 0)
			c->history_start = sqlite3_column_int64(st, 1);
		else if (strcmp(col(st, 0), "evicted") == 0)
			c->stats.evicted = sqlite3_column_int64(st, 1);
		else if (strcmp(col(st, 0), "dropped") == 0)
			c->stats.dropped = sqlite3_column_int64(st, 1);
	}
	sqlite3_finalize(st);
	st = NULL;
	if (c->clock != NONE) {
		if (q_prep(db, "SELECT family, day, site FROM campaign_wave_days WHERE day >= ?",
		    &st, err, errlen) == -1)
			return -1;
		sqlite3_bind_int64(st, 1, day_of(c->clock) - HIST_DAYS - 1);
		while (sqlite3_step(st) == SQLITE_ROW) {
			int f = family_parse(col(st, 0)), s = site_get(c, col(st, 2), 1);
			if (f >= 0 && s >= 0)
				(void)day_mark(c, f, sqlite3_column_int64(st, 1), s);
		}
		sqlite3_finalize(st);
		st = NULL;
		c->pruned_day = day_of(c->clock);
	}
	if (q_prep(db, "SELECT id, kind, link, severity, status, first_seen, last_seen,"
	    " reported, incident_count FROM campaigns WHERE status IN ('active', 'quiet')"
	    " OR (status = 'closed' AND id IN (SELECT campaign_id FROM campaign_state))"
	    " ORDER BY id", &st, err, errlen) == -1)
		return -1;
	while (sqlite3_step(st) == SQLITE_ROW)
		if (restore_camp(c, db, st, err, errlen) == -1)
			goto out;
	{
		/* Rebuilding the lists drops what the first run dropped: counted once. */
		struct ronda_campaigns_stats keep = c->stats;
		if (restore_incidents(c, db, err, errlen) == -1)
			goto out;
		c->stats = keep;
	}
	rc = prepare(c, db, err, errlen);
out:
	sqlite3_finalize(st);
	return rc;
}
