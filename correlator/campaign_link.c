/*
 * campaign_link.c — linking: indicators (rarity weights, sites seen on, the
 * postings of the incidents that carry them), the incidents held for
 * linking (crec), campaigns in memory (members, sites, indicators, merges),
 * the breadth-first walk that joins, merges or founds a campaign
 * (camp_link_from) and the merge of campaigns of one attack
 * (camp_same_attack). campaign.c says how it works, in short.
 */
#include "campaign_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "indicator.h"
#include "ronda/event.h"
#include "ronda/timeutil.h"

/* ---- small helpers ------------------------------------------------------- */

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

/* ---- indicators ---------------------------------------------------------- */

int
camp_itype_parse(const char *s)
{
	for (int t = 0; t < T_N; t++)
		if (strcmp(s, itype_names[t]) == 0)
			return t;
	return -1;
}

/* Sites an indicator may be on before it is common. */
static int64_t
common_limit(const struct ronda_campaigns *c)
{
	int64_t n = c->nsites > c->nknown ? c->nsites : c->nknown;
	int64_t l = n * c->cfg.common_share / 100;

	return l > c->cfg.min_sites ? l : c->cfg.min_sites;
}

static int
allowed_in(const struct ronda_allow_cfg *list, size_t n, int type, const char *value)
{
	if (type == T_IP)
		return ronda_allow_has_ip(list, n, value);
	for (size_t i = 0; i < n; i++) {
		const struct ronda_allow_cfg *a = &list[i];
		if (a->type != NULL && a->value != NULL &&
		    strcmp(a->type, itype_names[type]) == 0 && strcmp(a->value, value) == 0)
			return 1;
	}
	return 0;
}

/* The configuration's allowlist, then the analysts' suppressions. */
int
camp_allowed(const struct ronda_campaigns *c, int type, const char *value)
{
	return allowed_in(c->cfg.allow, c->cfg.nallow, type, value) ||
	    allowed_in(c->sup, c->nsup, type, value);
}

static int
is_strong(int type, const char *value)
{
	switch (type) {
	case T_IP: case T_PAYLOAD: case T_WEBSHELL: case T_UA: case T_HOST: case T_FILE_HASH:
	case T_FAMILY:
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

struct ind *
camp_ind_get(struct ronda_campaigns *c, int type, const char *value, int create)
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
	x->allow = (uint8_t)camp_allowed(c, type, value);
	x->hnext = *b;
	*b = x;
	c->nind++;
	return x;
}

void
camp_ind_free_one(struct ind *x)
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
	since = camp_judged(c);
	since = since == NONE ? NONE : since - c->cfg.link_window;
	n = ind_nsites(x, since);
	if (n < 1)
		n = 1;
	x->common = n > lim;
	if (x->allow || x->type == T_FOREIGN)
		w = 0;
	else if (n > lim)
		/*
		 * A network is on every site a botnet hits, and so is an address
		 * of a pool that works the whole province: too common to link
		 * strangers, they link incidents of one family only (a fleet),
		 * and only the allowlist stops them (weight kept > 0). A common
		 * user name or gambling word set links nothing.
		 */
		w = x->type == T_NET || x->strong ? 0.05 : 0;
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

/* Strong and not common: links incidents of any families. */
static int
links_any(const struct ind *x)
{
	return x->strong && !x->common;
}

/*
 * r is explained by an actor of its own: it shares a rare strong indicator
 * (an address, a fingerprint, an agent) with an incident on another site
 * within link_window. Such an incident belongs to that actor's component
 * (a campaign when it grows), never to a wave of strangers.
 */
int
camp_rec_explained(struct ronda_campaigns *c, const struct crec *r)
{
	int64_t lw = c->cfg.link_window;

	for (int j = 0; j < r->nrefs; j++) {
		struct ind *x = r->refs[j].ind;
		if (x->allow || !x->strong || ind_weight(c, x) <= 0 || x->common)
			continue;
		for (int p = 0; p < x->npost; p++) {
			const struct crec *b = x->post[p];
			if (b != r && b->site != r->site && !b->ignored &&
			    b->last_seen >= r->first_seen - lw && r->last_seen >= b->first_seen - lw)
				return 1;
		}
	}
	return 0;
}

/*
 * Families one actor works together: guessing passwords over SSH, IMAP and
 * a webmail or CMS login form is one credential attack (the low-slow pool
 * tries officials' accounts on every door of a mail server).
 */
int
camp_families_related(int fa, int fb)
{
	static int bf = -2, cms = -2;

	if (fa == fb)
		return 1;
	if (bf == -2) {
		bf = camp_family_parse("bruteforce");
		cms = camp_family_parse("cms_bruteforce");
	}
	return (fa == bf && fb == cms) || (fa == cms && fb == bf);
}

int
camp_is_fingerprint(int type, const char *value)
{
	return type == T_PAYLOAD || type == T_WEBSHELL || type == T_FILE_HASH ||
	    (type == T_GAMBLING && strchr(value, '.') != NULL);
}

void
camp_ind_note_site(struct ind *x, int site, int64_t ts)
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
	if (camp_grow((void **)&x->sites, &x->capsites, x->nsites + 1, sizeof(*x->sites)) == -1)
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
	if (camp_grow((void **)&x->post, &x->cappost, x->npost + 1, sizeof(*x->post)) == -1)
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

struct crec *
camp_rec_find(struct ronda_campaigns *c, const char *id)
{
	for (struct crec *r = c->rec_b[rec_bucket(id)]; r != NULL; r = r->hnext)
		if (strcmp(r->id, id) == 0)
			return r;
	return NULL;
}

struct crec *
camp_rec_new(struct ronda_campaigns *c, const char *id, const char *kind, int site, int family)
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
int
camp_rec_ref(struct ronda_campaigns *c, struct crec *r, struct ind *x, int64_t ts)
{
	for (int i = 0; i < r->nrefs; i++)
		if (r->refs[i].ind == x) {
			if (ts < r->refs[i].ts)
				r->refs[i].ts = ts;
			camp_ind_note_site(x, r->site, ts);
			return 0;
		}
	if (r->nrefs >= REF_MAX ||
	    camp_grow((void **)&r->refs, &r->caprefs, r->nrefs + 1, sizeof(*r->refs)) == -1) {
		c->stats.dropped++;
		return 0;
	}
	r->refs[r->nrefs].ind = x;
	r->refs[r->nrefs++].ts = ts;
	x->refs++;
	camp_ind_note_site(x, r->site, ts);
	post_add(c, x, r);
	return 1;
}

/* Ignored: it has attacker IPs and every one is allowlisted (the SOC's scanner). */
void
camp_rec_judge_ignored(struct crec *r)
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
int
camp_dormant(const struct crec *r)
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
int
camp_rejoinable(const struct ronda_campaigns *c, const struct camp *k, const struct crec *r)
{
	return r->first_seen <= k->last_seen + c->cfg.close &&
	    r->last_seen >= k->first_seen - c->cfg.link_window;
}

void
camp_reopen(struct camp *k)
{
	if (k->status == ST_CLOSED) {
		k->status = ST_ACTIVE;
		k->dirty = 1;
	}
}

void
camp_member_unlink(struct crec *r)
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

void
camp_member_link(struct camp *k, struct crec *r)
{
	r->camp = k;
	r->cprev = NULL;
	r->cnext = k->members;
	if (k->members != NULL)
		k->members->cprev = r;
	k->members = r;
}

void
camp_rec_free(struct ronda_campaigns *c, struct crec *r)
{
	struct crec **pp = &c->rec_b[rec_bucket(r->id)];

	while (*pp != NULL && *pp != r)
		pp = &(*pp)->hnext;
	if (*pp == r)
		*pp = r->hnext;
	camp_member_unlink(r);
	for (int i = 0; i < r->nrefs; i++) {
		post_del(r->refs[i].ind, r);
		r->refs[i].ind->refs--;
	}
	free(r->refs);
	free(r);
	c->nrec--;
}

/* ---- campaigns ----------------------------------------------------------- */

struct camp *
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

void
camp_free_one(struct camp *k)
{
	for (int i = 0; i < k->ninds; i++)
		free(k->inds[i].value);
	for (int i = 0; i < k->nmerges; i++)
		free(k->merges[i].value);
	for (int i = 0; i < k->npending; i++)
		free(k->pending[i].via_value);
	free(k->inds);
	free(k->merges);
	free(k->sites);
	free(k->pending);
	free(k);
}

struct csite_entry *
camp_site(struct camp *k, int site, int create)
{
	for (int i = 0; i < k->nsites; i++)
		if (k->sites[i].site == site)
			return &k->sites[i];
	if (!create ||
	    camp_grow((void **)&k->sites, &k->capsites, k->nsites + 1, sizeof(*k->sites)) == -1)
		return NULL;
	memset(&k->sites[k->nsites], 0, sizeof(k->sites[0]));
	k->sites[k->nsites].site = site;
	k->sites[k->nsites].first_seen = k->sites[k->nsites].last_seen = NONE;
	return &k->sites[k->nsites++];
}

struct cind *
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

/* Note r's indicators on the campaign (those that can link, and every IP). */
void
camp_note_inds(struct ronda_campaigns *c, struct camp *k, const struct crec *r)
{
	for (int i = 0; i < r->nrefs; i++) {
		struct ind *x = r->refs[i].ind;
		double w = ind_weight(c, x) * (x->strong ? 1.0 : 0.5);
		struct cind *ci;
		if (w <= 0 && x->type != T_IP && x->type != T_FOREIGN)
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

/* A member that succeeded: the attack worked, not only tried. */
static int
is_success(const char *kind, int sev)
{
	/* What the web root holds (or serves search engines) is there: it worked. */
	if (strcmp(kind, "compromise") == 0 || strcmp(kind, "webshell_file") == 0 ||
	    strcmp(kind, "gambling_injection") == 0 || strcmp(kind, "cloaking") == 0)
		return 1;
	return sev >= RONDA_SEV_CRITICAL && (strcmp(kind, "webshell") == 0 ||
	    strcmp(kind, "defacement") == 0 || strcmp(kind, "sqli") == 0 ||
	    strcmp(kind, "gambling") == 0);
}

void
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
	if (k->status == ST_QUIET && camp_judged(c) != NONE &&
	    camp_judged(c) - k->last_seen < c->cfg.quiet)
		k->status = ST_ACTIVE;
	k->dirty = 1;
}

void
camp_add(struct ronda_campaigns *c, struct camp *k, struct crec *r, int via_type,
    const char *via_value, double via_w)
{
	struct csite_entry *s;

	camp_member_link(k, r);
	k->incident_count++;
	if ((s = camp_site(k, r->site, 1)) != NULL)
		s->incidents++;
	camp_touch_member(c, k, r);
	camp_note_inds(c, k, r);
	if (camp_grow((void **)&k->pending, &k->cappending, k->npending + 1,
	    sizeof(*k->pending)) == 0) {
		struct member *m = &k->pending[k->npending];
		memcpy(m->id, r->id, sizeof(r->id));
		m->site = r->site;
		m->joined = r->first_seen;
		m->via_type = via_type;
		m->via_w = via_w;
		if ((m->via_value = strdup(via_value != NULL ? via_value : "")) != NULL)
			k->npending++;
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
		camp_member_unlink(r);
		camp_member_link(s, r);
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
		if (camp_grow((void **)&s->pending, &s->cappending, s->npending + 1,
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
	if (camp_grow((void **)&s->merges, &s->capmerges, s->nmerges + 1, sizeof(*s->merges)) == 0) {
		struct merge *m = &s->merges[s->nmerges];
		memcpy(m->from, l->id, sizeof(l->id));
		m->at = at;
		char why[64];
		/* No shared indicator: one family on the same sites (camp_same_attack). */
		snprintf(why, sizeof(why), "%s", l->family >= 0 ? families[l->family].name : "");
		m->type = via != NULL ? via->type : MERGE_SITES;
		if ((m->value = strdup(via != NULL ? via->value : why)) != NULL)
			s->nmerges++;
	}
	l->status = ST_MERGED;
	memcpy(l->merged_into, s->id, sizeof(s->id));
	l->dirty = 1;
}

/* ---- linking ------------------------------------------------------------- */

struct reach {
	struct camp *k;
	const struct ind *via;
	int strong;			/* reached by a link that merges campaigns */
};

/*
 * a and b link by x: their activity within link_window of each other and of
 * the clock `now`, or within dormancy when x is a fingerprint and b is in a
 * campaign (a drip of one injected domain over days is one campaign); x
 * strong and not common, or the same family.
 */
static int
edge_ok(const struct ronda_campaigns *c, const struct crec *a, const struct crec *b,
    const struct ind *x, int64_t now)
{
	int fp = camp_is_fingerprint(x->type, x->value);
	int64_t lw = c->cfg.link_window, lnow = fp ? c->cfg.dormancy : lw;

	if (b == a || b->ignored)
		return 0;
	if (b->camp != NULL && fp)
		lw = c->cfg.dormancy;
	else if (camp_dormant(b))
		return 0;
	/*
	 * A fingerprint reaches back dormancy behind the clock: an import that
	 * read the drip's third site first, then the others days later, still
	 * links it when the campaign forms.
	 */
	if (now != NONE && b->last_seen < now - lnow)
		return 0;
	if (b->last_seen < a->first_seen - lw || a->last_seen < b->first_seen - lw)
		return 0;
	return links_any(x) || camp_families_related(a->family, b->family);
}

int
camp_by_first(const void *a, const void *b)
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
int64_t
camp_reached_at(const struct ronda_campaigns *c, struct crec **recs, size_t n, int64_t span,
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
struct camp *
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
	for (size_t i = 0; i < n; i++) {
		const struct crec *r = recs[i];
		if (link == LINK_WAVE)
			camp_add(c, k, recs[i], VIA_WAVE, families[r->family].name, 0);
		else if (r->via == NULL)
			camp_add(c, k, recs[i], VIA_FOUNDER, "", 0);
		else
			camp_add(c, k, recs[i], r->via->type, r->via->value, r->via_w);
	}
	return k;
}

/*
 * The better reason for a member of two links that reach it: a fingerprint,
 * then a rare strong indicator, a common one, a weak one; then by type and
 * value. A choice of the links, not of the order the walk met them in, so
 * a restart that restored the same incidents names the same reason.
 */
static int
via_rank(const struct ind *x)
{
	if (camp_is_fingerprint(x->type, x->value))
		return 3;
	return x->strong ? (x->common ? 1 : 2) : 0;
}

static int
via_better(const struct ind *x, const struct ind *cur)
{
	int rx = via_rank(x), rc = via_rank(cur);

	if (rx != rc)
		return rx > rc;
	if (x->type != cur->type)
		return x->type < cur->type;
	return strcmp(x->value, cur->value) < 0;
}

static void
reach_add(struct reach *rs, int *nr, struct camp *k, const struct ind *x)
{
	for (int i = 0; i < *nr; i++)
		if (rs[i].k == k) {
			if (can_merge(x) && (!rs[i].strong || (x->strong && !rs[i].via->strong))) {
				rs[i].strong = 1;
				rs[i].via = x;
			} else if (can_merge(x) == rs[i].strong && x->strong == rs[i].via->strong &&
			    via_better(x, rs[i].via)) {
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
void
camp_link_from(struct ronda_campaigns *c, struct crec *start)
{
	struct reach rs[16];
	struct camp *surv = NULL;
	const struct ind *via = NULL;
	int nr = 0, fp = 0, rare = 0, fleet = 0;
	size_t n = 0, i = 0, nu = 0;
	int64_t now = camp_judged(c);

	if (start->ignored || camp_dormant(start) || start->evaluated == c->batch)
		return;
	if (camp_growz((void **)&c->walk, &c->capwalk, BFS_MAX, sizeof(*c->walk)) == -1)
		return;
	c->epoch++;
	start->epoch = c->epoch;
	start->via = NULL;
	c->walk[n++] = start;
	while (i < n) {
		struct crec *a = c->walk[i++];
		for (int j = 0; j < a->nrefs; j++) {
			struct ind *x = a->refs[j].ind;
			/*
			 * An operator (ASN) is shared by strangers on one cloud or
			 * hosting network: it corroborates (same-attack merges, the
			 * campaign's indicators) but links nothing on its own.
			 */
			if (x->allow || x->type == T_ASN || ind_weight(c, x) <= 0)
				continue;
			for (int p = 0; p < x->npost; p++) {
				struct crec *b = x->post[p];
				if (!edge_ok(c, a, b, x, now))
					continue;
				if (b->camp != NULL) {
					if (b->camp == a->camp || (a->camp != NULL && !can_merge(x)))
						continue;
					/* A fingerprint reopens it within dormancy. */
					if (b->camp->status == ST_CLOSED &&
					    !camp_rejoinable(c, b->camp, a) &&
					    !(camp_is_fingerprint(x->type, x->value) &&
					    a->first_seen <= b->camp->last_seen + c->cfg.dormancy))
						continue;
					reach_add(rs, &nr, b->camp, x);
					continue;
				}
				/*
				 * Any strong link between two sites, however b was
				 * reached: a fingerprint of the attack, a rare
				 * indicator, or a pool's address on many sites.
				 */
				if (x->strong && b->site != a->site) {
					/*
					 * A trace of the attack stays one on every
					 * site (a domain injected into all roots);
					 * only an address on many is a fleet.
					 */
					if (camp_is_fingerprint(x->type, x->value))
						fp = 1;
					else if (x->common)
						fleet = 1;
					else
						rare = 1;
				}
				if (b->epoch == c->epoch) {
					if (b != start && b->via != NULL && via_better(x, b->via)) {
						b->via = x;
						b->via_w = x->w;
					}
					continue;
				}
				if (n >= BFS_MAX) {
					c->stats.dropped++;
					continue;
				}
				b->epoch = c->epoch;
				b->via = x;
				b->via_w = x->w;
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
		/* The start joins by the best link that reached surv; the others by theirs. */
		for (int k = 0; k < nr && start->camp == NULL; k++)
			if (rs[k].k == surv && (start->via == NULL ||
			    via_better(rs[k].via, start->via))) {
				start->via = rs[k].via;
				start->via_w = rs[k].via->w;
			}
		camp_reopen(surv);
		qsort(c->walk, n, sizeof(*c->walk), camp_by_first);
		for (i = 0; i < n; i++) {
			struct crec *r = c->walk[i];
			if (r->camp == NULL && r->via != NULL)
				camp_add(c, surv, r, r->via->type, r->via->value, r->via_w);
			else if (r->camp == NULL)
				camp_add(c, surv, r, VIA_FOUNDER, "", 0);
		}
		return;
	}
	if (!fp && !rare && !fleet)
		return;
	for (i = 0; i < n; i++)
		nu += c->walk[i]->camp == NULL;
	if ((int64_t)nu < c->cfg.min_sites)
		return;
	qsort(c->walk, n, sizeof(*c->walk), camp_by_first);
	{
		/*
		 * The sites must be hit within `window` of each other when a rare
		 * address links them; a fingerprint of the attack or a pool on
		 * many sites are evidence enough over days (low and slow, a drip).
		 */
		int link = fp ? LINK_FINGERPRINT : rare ? LINK_INDICATOR : LINK_FLEET;
		int64_t span = fp ? c->cfg.dormancy : rare ? c->cfg.window : c->cfg.link_window;
		int64_t at = camp_reached_at(c, c->walk, n, span, c->cfg.min_sites);
		if (at == NONE && fp && rare)
			at = camp_reached_at(c, c->walk, n, c->cfg.window, c->cfg.min_sites);
		if (at != NONE)
			(void)camp_create(c, c->walk, n, link, at);
	}
}

/* ---- campaigns of one attack --------------------------------------------- */

int
camp_by_camp_id_ptr(const void *a, const void *b)
{
	return strcmp((*(struct camp *const *)a)->id, (*(struct camp *const *)b)->id);
}

/* Sites two campaigns share (c->smark: one slot per known site, epoch marks). */
static int64_t
shared_sites(struct ronda_campaigns *c, const struct camp *a, const struct camp *b)
{
	int64_t n = 0;

	if (camp_growz((void **)&c->smark, &c->capsmark, (size_t)c->nsites + 1,
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

/* Every site of the smaller of a and b is one of the other's. */
static int
within_sites(struct ronda_campaigns *c, const struct camp *a, const struct camp *b)
{
	int small = a->nsites < b->nsites ? a->nsites : b->nsites;

	return shared_sites(c, a, b) == small;
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
	    [T_UA] = 4, [T_GAMBLING] = 3, [T_NET] = 2, [T_USER] = 1, [T_HOST] = 7,
	    [T_FILE_HASH] = 6, [T_FAMILY] = 3 };
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
 * common) stay apart, so merges do not snowball into one. Without a shared
 * indicator, campaigns of one family merge when every site of one (at least
 * min_sites) is one of the other's: a cloak seen in the access logs (its
 * crawlers' addresses link nothing) and the injection that put it in the
 * web roots are one attack on the same sites at once.
 */
void
camp_same_attack(struct ronda_campaigns *c)
{
	struct camp **v = NULL;
	size_t n = 0, cap = 0;
	int merged;

	for (struct camp *k = c->camps; k != NULL; k = k->next)
		if ((k->status == ST_ACTIVE || k->status == ST_QUIET) && k->family >= 0 &&
		    camp_growz((void **)&v, &cap, n + 1, sizeof(*v)) == 0)
			v[n++] = k;
	if (n < 2) {
		free(v);
		return;
	}
	qsort(v, n, sizeof(v[0]), camp_by_camp_id_ptr);
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
				    !camp_families_related(a->family, b->family) ||
				    a->first_seen > b->last_seen + c->cfg.window ||
				    b->first_seen > a->last_seen + c->cfg.window ||
				    !mostly_same_sites(c, a, b))
					continue;
				if ((x = shared_ind(c, a, b)) == NULL && (a->family != b->family ||
				    !within_sites(c, a, b)))
					continue;
				s = camp_older(a, b) ? a : b;
				l = s == a ? b : a;
				camp_merge(c, s, l, x, c->clock);
				merged++;
			}
	} while (merged);
	free(v);
}
