/*
 * campaign_life.c — a campaign's life after it is found: its severity, its
 * title, the alerts it raises (new, grew, severity), its status steps
 * (active, quiet, closed) and what expires from memory after a batch.
 */
#include "campaign_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alert.h"
#include "ronda/buf.h"
#include "ronda/event.h"

/* ---- severity ----------------------------------------------------------- */

/*
 * Severity: the worst member; a success (a login that worked, a shell that
 * answered) makes it critical; reaching twice min_sites raises it one step.
 */
int
camp_severity(const struct ronda_campaigns *c, const struct camp *k)
{
	int s = k->max_sev;

	if (k->success)
		return RONDA_SEV_CRITICAL;
	if (k->nsites >= 2 * c->cfg.min_sites && s < RONDA_SEV_CRITICAL)
		s++;
	return s < RONDA_SEV_LOW ? RONDA_SEV_LOW : s;
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
void
camp_sort_sites(struct camp *k)
{
	qsort(k->sites, (size_t)k->nsites, sizeof(*k->sites), by_site_first);
}

/* "Gambling-spam injection wave — 8 sites, Kalimantan Timur" (or in Indonesian). */
void
camp_make_title(const struct ronda_campaigns *c, const struct camp *k, char *out, size_t n)
{
	const struct family *f = &families[k->family >= 0 ? k->family : 0];
	int en = c->cfg.lang == RONDA_LANG_EN, shown = 0, more = 0;
	struct ronda_buf b;

	/*
	 * The title says how it was found: one fingerprint of the attack, one
	 * attacker, one pool of addresses, or only a wave of one kind.
	 */
	static const char *const how_en[LINK_N] = { ", same attacker", "",
	    ", same attack fingerprint", " from one address pool" };
	static const char *const how_id[LINK_N] = { ", penyerang sama", "",
	    ", jejak serangan sama", " dari satu kelompok alamat" };
	int l = k->link >= 0 && k->link < LINK_N ? k->link : LINK_INDICATOR;

	ronda_buf_init(&b, 512);
	if (l == LINK_WAVE && en)
		ronda_buf_printf(&b, "%s wave — %d sites", f->en, k->nsites);
	else if (l == LINK_WAVE)
		ronda_buf_printf(&b, "Gelombang %s — %d situs", f->id, k->nsites);
	else if (en)
		ronda_buf_printf(&b, "%s campaign%s — %d sites", f->en, how_en[l], k->nsites);
	else
		ronda_buf_printf(&b, "Kampanye %s%s — %d situs", f->id, how_id[l], k->nsites);
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
size_t
camp_top_ips(const struct camp *k, const struct cind **out, size_t max)
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
	const char *ipv[TOP_IPS], *abroad[TOP_IPS];
	size_t nab = 0;
	struct ronda_alert a;
	char title[256];
	size_t nci = 0, nnew = 0, nips;
	int rc = -1;

	if (as == NULL || news == NULL) {
		snprintf(err, errlen, "campaign alert: out of memory");
		goto out;
	}
	camp_sort_sites(k);
	camp_make_title(c, k, title, sizeof(title));
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
	nips = camp_top_ips(k, ips, TOP_IPS);
	for (size_t i = 0; i < nips; i++)
		ipv[i] = ips[i]->value;
	for (int i = 0; i < k->ninds && nab < TOP_IPS; i++)
		if (k->inds[i].type == T_FOREIGN)
			abroad[nab++] = k->inds[i].value;
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
	a.abroad = abroad;
	a.nabroad = nab;
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
int
camp_alerts(struct ronda_campaigns *c, struct camp *k, char *err, size_t errlen)
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

void
camp_status_step(struct ronda_campaigns *c, struct camp *k)
{
	int64_t idle;
	int s;

	if ((k->status != ST_ACTIVE && k->status != ST_QUIET) || camp_judged(c) == NONE)
		return;
	idle = camp_judged(c) - k->last_seen;
	s = idle >= c->cfg.close ? ST_CLOSED : idle >= c->cfg.quiet ? ST_QUIET : ST_ACTIVE;
	if (s != k->status) {
		k->status = s;
		k->dirty = 1;
	}
}

/* ---- expiry ------------------------------------------------------------- */

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
void
camp_expire(struct ronda_campaigns *c)
{
	/* Incidents are held for dormancy: a fingerprint links that far back. */
	int64_t lo = camp_judged(c) == NONE ? NONE : camp_judged(c) - c->cfg.dormancy;
	struct camp **kp = &c->camps, *k;

	while ((k = *kp) != NULL) {
		if (k->status == ST_MERGED || (k->status == ST_CLOSED && k->expired)) {
			struct crec *r;
			while ((r = k->members) != NULL) {
				camp_member_unlink(r);
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
					camp_rec_free(c, r);
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
				camp_rec_free(c, v[i]);
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
				camp_ind_free_one(x);
				c->nind--;
			} else {
				xp = &x->hnext;
			}
		}
	}
}
