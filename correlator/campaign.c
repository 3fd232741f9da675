/*
 * campaign.c — the campaign stage's API and its batch: the stage's
 * lifecycle, the queue of incident views, applying a view to the incident
 * it describes, and the commit that links, finds waves, steps status, raises
 * alerts, writes and expires, in that order. The helpers every part uses
 * (growing arrays, the judged clock, days, the site table) live here too.
 *
 * The other parts: campaign_link.c (indicators, incidents, campaigns,
 * linking, merges), campaign_wave.c (families, day marks, waves),
 * campaign_life.c (severity, titles, alerts, status, expiry),
 * campaign_store.c (writing a batch, restoring at startup); campaign_int.h
 * holds what they share.
 */
#include "campaign_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

const char *
ronda_campaign_family(const char *kind)
{
	int f = kind != NULL ? camp_family_of(kind) : -1;

	return f < 0 ? NULL : families[f].name;
}

/* ---- small helpers ------------------------------------------------------- */

int
camp_grow(void **p, int *cap, int need, size_t size)
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

int
camp_growz(void **p, size_t *cap, size_t need, size_t size)
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

int64_t
camp_day_of(int64_t ms)
{
	return ms >= 0 ? ms / DAY_MS : -((-ms + DAY_MS - 1) / DAY_MS);
}

/* The time status and expiry are judged at: behind the newest by lateness. */
int64_t
camp_judged(const struct ronda_campaigns *c)
{
	return c->clock == NONE ? NONE : c->clock - c->cfg.lateness;
}

/* ---- sites --------------------------------------------------------------- */

static size_t
site_bucket(const char *id)
{
	return (size_t)(ronda_hash64(id, strlen(id), 0x73697465ULL) & 4095);
}

int
camp_site_get(struct ronda_campaigns *c, const char *id, int create)
{
	struct csite *s;
	size_t b = site_bucket(id);

	for (s = c->site_b[b]; s != NULL; s = s->hnext)
		if (strcmp(s->id, id) == 0)
			return s->idx;
	if (!create || c->nsites >= MAX_SITES ||
	    camp_grow((void **)&c->sites, &c->capsites, c->nsites + 1, sizeof(*c->sites)) == -1)
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
	if (c->cfg.dormancy < c->cfg.link_window)
		c->cfg.dormancy = c->cfg.link_window;
	c->clock = NONE;
	c->history_start = NONE;
	c->pruned_day = NONE;
	c->batch = 1;
	for (int f = 0; f < NFAM; f++)
		for (int d = 0; d < HIST_DAYS + 2; d++)
			c->dayof[f][d] = NONE;
	for (size_t i = 0; i < cfg->nsites; i++) {
		int s = camp_site_get(c, cfg->sites[i].id, 1);
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
			x->allow = (uint8_t)camp_allowed(c, x->type, x->value);
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
		int s = camp_site_get(c, sites[i].id, 1);
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
			camp_ind_free_one(x);
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
	    camp_family_of(v->kind) < 0 || v->site[0] == '\0')
		return 0;
	if (camp_growz((void **)&c->q, &c->capq, c->nq + 1, sizeof(*c->q)) == -1)
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
	q->new_from = v->new_from;
	q->key = v->last_seen;
	if (v->nind > 0 && (q->ind = calloc(v->nind, sizeof(*q->ind))) == NULL) {
		free(q->site);
		return -1;
	}
	for (size_t i = 0; i < v->nind; i++) {
		int t = v->ind[i].type != NULL ? camp_itype_parse(v->ind[i].type) : -1;
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

/* ---- applying views ------------------------------------------------------ */

static void
touch(struct ronda_campaigns *c, struct crec *r)
{
	if (r->touched)
		return;
	if (camp_growz((void **)&c->touched, &c->captouched, c->ntouched + 1,
	    sizeof(*c->touched)) == -1)
		return;
	r->touched = 1;
	c->touched[c->ntouched++] = r;
}

static void
apply(struct ronda_campaigns *c, const struct qview *q)
{
	int fam = camp_family_of(q->kind), site = camp_site_get(c, q->site, 1), fresh = 0, was;
	struct crec *r;

	if (fam < 0 || site < 0)
		return;
	if ((r = camp_rec_find(c, q->id)) == NULL) {
		if ((r = camp_rec_new(c, q->id, q->kind, site, fam)) == NULL)
			return;
		fresh = 1;
	}
	/*
	 * New activity of a member of a closed campaign: when it began within
	 * `close` of the campaign's last activity it belongs there still (the
	 * campaign reopens); later it is a new attack and leaves, free to link
	 * anew. Judged by where the new hits begin, not end: a pool's incident
	 * of two days read in one batch of an import is one activity.
	 */
	if (r->camp != NULL && r->camp->status == ST_CLOSED &&
	    (q->last_seen > r->last_seen || q->first_seen < r->first_seen)) {
		int64_t from = q->new_from != 0 ? q->new_from : q->last_seen;
		if (from > r->camp->last_seen + c->cfg.close) {
			r->closed_seen = r->last_seen;
			camp_member_unlink(r);
		} else {
			camp_reopen(r->camp);
		}
	}
	if (q->severity > r->severity)
		r->severity = q->severity;
	was = camp_dormant(r);
	if (r->first_seen == NONE || q->first_seen < r->first_seen)
		r->first_seen = q->first_seen;
	if (r->last_seen == NONE || q->last_seen > r->last_seen)
		r->last_seen = q->last_seen;
	if (was && !camp_dormant(r))
		fresh = 1;	/* active again after its campaign closed: it may link anew */
	if (c->clock == NONE || r->last_seen > c->clock)
		c->clock = r->last_seen;
	for (size_t i = 0; i < q->nind; i++) {
		struct ind *x = camp_ind_get(c, q->ind[i].type, q->ind[i].value, 1);
		if (x == NULL) {
			c->stats.dropped++;
			continue;
		}
		if (camp_rec_ref(c, r, x, q->ind[i].ts))
			fresh = 1;
	}
	/* The sites an indicator is on count while an incident holding it is active. */
	for (int i = 0; i < r->nrefs; i++)
		camp_ind_note_site(r->refs[i].ind, r->site, r->last_seen);
	camp_rec_judge_ignored(r);
	if (r->ignored)
		return;
	if (c->history_start == NONE)
		c->history_start = camp_day_of(r->first_seen);
	camp_day_note(c, fam, r->last_seen, site);
	if (fresh)
		camp_day_note(c, fam, r->first_seen, site);
	if (r->camp != NULL) {
		camp_touch_member(c, r->camp, r);
		camp_note_inds(c, r->camp, r);
	}
	if (fresh)
		touch(c, r);
}

/* ---- commit ---------------------------------------------------------------- */

int
ronda_campaigns_commit(struct ronda_campaigns *c, sqlite3 *db, int64_t now_event,
    int64_t now_wall, char *err, size_t errlen)
{
	struct camp **v = NULL;
	size_t n = 0, cap = 0;
	int rc = -1;

	if (camp_prepare(c, db, err, errlen) == -1)
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
		camp_link_from(c, r);
	}
	c->ntouched = 0;
	c->batch++;
	camp_same_attack(c);
	camp_waves(c);
	for (struct camp *k = c->camps; k != NULL; k = k->next)
		if (camp_growz((void **)&v, &cap, n + 1, sizeof(*v)) == 0)
			v[n++] = k;
	if (n > 0)
		qsort(v, n, sizeof(*v), camp_by_camp_id_ptr);
	for (size_t i = 0; i < n; i++) {
		camp_status_step(c, v[i]);
		if (camp_alerts(c, v[i], err, errlen) == -1)
			goto out;
		/* Closed and past rejoining: its state row goes with it. */
		if (v[i]->status == ST_CLOSED && camp_judged(c) != NONE &&
		    camp_judged(c) - v[i]->last_seen > c->cfg.close + c->cfg.dormancy) {
			v[i]->expired = 1;
			v[i]->dirty = 1;
		}
	}
	for (size_t i = 0; i < n; i++)
		if (v[i]->dirty) {
			if (camp_write_camp(c, v[i], err, errlen) == -1)
				goto out;
			v[i]->dirty = 0;
		}
	if (camp_write_days(c, err, errlen) == -1 ||
	    camp_meta_put(c, "clock", c->clock, err, errlen) == -1 ||
	    camp_meta_put(c, "history_start", c->history_start, err, errlen) == -1 ||
	    camp_meta_put(c, "evicted", c->stats.evicted, err, errlen) == -1 ||
	    camp_meta_put(c, "dropped", c->stats.dropped, err, errlen) == -1)
		goto out;
	camp_expire(c);
	rc = 0;
out:
	free(v);
	return rc;
}
