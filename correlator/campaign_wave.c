/*
 * campaign_wave.c — waves: the incident families, the (family, day, site)
 * marks behind the learned daily baseline, the sites a wave needs, and the
 * pass that grows, reopens or founds wave campaigns from unlinked
 * incidents. campaign.c says what a wave is.
 */
#include "campaign_int.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "ronda/timeutil.h"

/* ---- families ----------------------------------------------------------- */

int
camp_family_of(const char *kind)
{
	for (int f = 0; f < NFAM; f++)
		for (int k = 0; k < 9 && families[f].kinds[k] != NULL; k++)
			if (strcmp(kind, families[f].kinds[k]) == 0)
				return f;
	return -1;
}

int
camp_family_parse(const char *name)
{
	for (int f = 0; f < NFAM; f++)
		if (strcmp(name, families[f].name) == 0)
			return f;
	return -1;
}

/* ---- wave history -------------------------------------------------------- */

static uint64_t
mark_key(int fam, int64_t day, int site)
{
	uint64_t k = ((uint64_t)day << 24) ^ ((uint64_t)fam << 20) ^ (uint64_t)site;

	return ronda_hash64(&k, sizeof(k), 0x64617973ULL) | 1;
}

/* Count (fam, day, site) once; 1 when it is new. */
int
camp_day_mark(struct ronda_campaigns *c, int fam, int64_t day, int site)
{
	uint64_t key = mark_key(fam, day, site);
	int64_t today = c->clock == NONE ? day : camp_day_of(c->clock);
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

void
camp_day_note(struct ronda_campaigns *c, int fam, int64_t ms, int site)
{
	int64_t day = camp_day_of(ms);

	if (!camp_day_mark(c, fam, day, site))
		return;
	if (camp_growz((void **)&c->newdays, &c->capnewdays, c->nnewdays + 1,
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
	today = camp_day_of(c->clock);
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

/* ---- waves ---------------------------------------------------------------- */

void
camp_waves(struct ronda_campaigns *c)
{
	struct crec **el[NFAM] = { NULL };
	size_t nel[NFAM] = { 0 }, capel[NFAM] = { 0 };
	struct camp *open[NFAM] = { NULL };
	unsigned char *explained;
	int64_t lo;
	int closed = 0;

	if (camp_judged(c) == NONE)
		return;
	lo = camp_judged(c) - c->cfg.link_window;
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
			if (r->camp != NULL || r->ignored || camp_dormant(r) || f < 0 || r->last_seen < lo ||
			    (explained[r->site] & (1u << f)))
				continue;
			/* Linked to an actor of its own: no stranger in a wave. */
			if (camp_rec_explained(c, r))
				continue;
			if (camp_growz((void **)&el[f], &capel[f], nel[f] + 1, sizeof(*el[f])) == -1)
				continue;
			el[f][nel[f]++] = r;
		}
	for (int f = 0; f < NFAM; f++) {
		if (nel[f] == 0)
			continue;
		qsort(el[f], nel[f], sizeof(*el[f]), camp_by_first);
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
				    k->family == f && camp_growz((void **)&cw, &capcw, ncw + 1,
				    sizeof(*cw)) == 0)
					cw[ncw++] = k;
			for (size_t i = 0; i < nel[f]; i++) {
				struct camp *w = NULL;
				for (size_t j = 0; j < ncw && w == NULL; j++)
					if (camp_rejoinable(c, cw[j], el[f][i]))
						w = cw[j];
				if (w != NULL) {
					camp_reopen(w);
					camp_add(c, w, el[f][i], VIA_WAVE, families[f].name, 0);
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
				camp_add(c, open[f], el[f][i], VIA_WAVE, families[f].name, 0);
		} else {
			int64_t at = camp_reached_at(c, el[f], nel[f], c->cfg.link_window,
			    wave_threshold(c, f));
			if (at != NONE)
				(void)camp_create(c, el[f], nel[f], LINK_WAVE, at);
		}
		free(el[f]);
	}
	free(explained);
}
