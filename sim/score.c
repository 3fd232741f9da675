/*
 * score.c — `ronda-sim score`: what the correlator found (its store, read
 * only) against what ronda-sim planted (truth.json).
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cjson/cJSON.h>
#include <sqlite3.h>

#include "ronda/buf.h"
#include "ronda/event.h"
#include "ronda/timeutil.h"
#include "sim.h"

/* ---- score: what the correlator found against the truth ------------------------- */

/*
 * `ronda-sim score --truth DIR/truth.json --store ronda.db [--clock DIR/clock.json]`
 * matches the campaigns in the store (status not merged, reported: they
 * reached min_sites) to the planted ones of truth.json, and the incidents to
 * the planted single-site incidents.
 *
 * A found campaign F and a planted campaign P share a site when both list
 * it and F's time on that site (campaign_sites first/last seen) overlaps P's
 * window there, widened by SCORE_BEFORE before and SCORE_AFTER after
 * (consequences trail an attack: crawlers follow injected pages, the last
 * brute-force incident closes late). F belongs to the P of a compatible kind
 * family with which it shares the most sites, if those are more than half
 * of F's sites; otherwise F is made of noise. A planted campaign's share is
 * that of its best single campaign (the SOC should see one wave, not
 * pieces); the union over its campaigns is printed too.
 *
 * Time to first alert (with --clock, written by `ronda-sim --speed`): the
 * first alert (outbox `created`, wall clock) of P's campaigns or of those
 * merged into them, minus the wall time the line dated at the earliest
 * `reported` of them (the event that put the campaign over min_sites) was
 * due: wall_start + (reported - sim_start) / speed. That line reaches Kafka
 * after it is written, so the figure errs long.
 */
#define SCORE_BEFORE (10 * 60000LL)
#define SCORE_AFTER (2 * 3600000LL)
#define SCORE_MAX_ITEMS 100000

struct sc_planted {
	char *name, *kind;
	char **site;
	int64_t *from, *to;
	size_t nsite;
	/* results */
	size_t best, uni;	/* sites found: best single campaign, union */
	int best_f;		/* index of the best campaign, -1 none */
	unsigned char *hit;	/* per site: some campaign found it */
	int64_t reported, first_alert;	/* 0 none */
	double latency_s;	/* < 0: unknown */
};

struct sc_fsite {
	char *id;
	int64_t first, last;
};

struct sc_found {
	char *id, *kind, *severity, *title;
	char *members;		/* its incidents' kinds, comma-separated */
	int64_t first_seen, last_seen, reported;
	struct sc_fsite *site;
	size_t nsite, sitecap;
	int planted;		/* index, -1: noise */
	size_t shared;		/* sites shared with that planted campaign */
};

struct sc_incident {
	char *name, *site, *kind;
	int64_t from, to;
	int found;
	char *found_kind;	/* the store's incident kind that matched */
};

struct sc_merged {
	char *id, *into;
	int64_t reported;
};

struct score {
	char *scenario;
	int64_t seed;
	struct sc_planted *p;
	size_t np;
	struct sc_found *f;
	size_t nf;
	struct sc_incident *inc;
	size_t ninc;
	struct sc_merged *m;
	size_t nm;
	int have_clock;
	double sim_start, wall_start, speed;
	int max_sev;		/* worst severity of a reported campaign */
};

/*
 * Kind families: a planted kind (sim vocabulary) and the words that name it
 * in the correlator's incident and campaign kinds (ssh_bruteforce,
 * cms_bruteforce, gambling, webshell, http_5xx_surge, ...).
 */
static const struct {
	const char *planted;
	const char *words[8];
	const char *unless;	/* a kind naming this is another family's */
} score_families[] = {
	{ "gambling-spam", { "gambl", "judi", "spam", NULL }, NULL },
	{ "brute-force", { "brute", "ssh", "spray", "compromise", "password", "auth", NULL },
	  "cms" },
	{ "webshell", { "webshell", "shell", "upload", NULL }, NULL },
	{ "sqli", { "sql", NULL }, NULL },
	{ "cms-login", { "cms", "stuffing", "credential", "wordpress", NULL }, NULL },
	{ "scanner", { "scan", "probe", NULL }, NULL },
	{ "defacement", { "deface", "webshell", "upload", NULL }, NULL },
	{ "dos", { "flood", "5xx", "dos", "surge", NULL }, NULL },
};

static int
kind_compatible(const char *planted, const char *found)
{
	char low[128];
	size_t i;

	for (i = 0; found[i] != '\0' && i < sizeof(low) - 1; i++)
		low[i] = (char)((found[i] >= 'A' && found[i] <= 'Z') ? found[i] + 32 :
		    found[i]);
	low[i] = '\0';
	for (i = 0; i < sizeof(score_families) / sizeof(score_families[0]); i++) {
		if (strcmp(score_families[i].planted, planted) != 0)
			continue;
		if (score_families[i].unless != NULL &&
		    strstr(low, score_families[i].unless) != NULL)
			return 0;
		for (const char *const *w = score_families[i].words; *w != NULL; w++)
			if (strstr(low, *w) != NULL)
				return 1;
		return 0;
	}
	return strcmp(planted, low) == 0;
}

/*
 * A campaign's family is its highest-ranked member's, so a gambling wave
 * with one webshell incident may be filed as webshell: the campaign is
 * compatible when its kind or any member incident's kind is.
 */
static int
found_compatible(const char *planted, const struct sc_found *f)
{
	char kind[128];

	if (kind_compatible(planted, f->kind))
		return 1;
	for (const char *p = f->members, *e; *p != '\0'; p = *e ? e + 1 : e) {
		size_t n;

		e = strchr(p, ',');
		e = e != NULL ? e : p + strlen(p);
		n = (size_t)(e - p) < sizeof(kind) - 1 ? (size_t)(e - p) : sizeof(kind) - 1;
		memcpy(kind, p, n);
		kind[n] = '\0';
		if (kind_compatible(planted, kind))
			return 1;
	}
	return 0;
}

static int
overlaps(int64_t a0, int64_t a1, int64_t b0, int64_t b1)
{
	return a0 <= b1 + SCORE_AFTER && a1 >= b0 - SCORE_BEFORE;
}

static char *
xstrdup(const char *s)
{
	char *d = strdup(s != NULL ? s : "");

	if (d == NULL) {
		fprintf(stderr, "ronda-sim score: out of memory\n");
		exit(2);
	}
	return d;
}

static void *
xcalloc(size_t n, size_t sz)
{
	void *p = calloc(n ? n : 1, sz);

	if (p == NULL) {
		fprintf(stderr, "ronda-sim score: out of memory\n");
		exit(2);
	}
	return p;
}

static void *
xgrow(void *v, size_t *cap, size_t n, size_t sz)
{
	if (n < *cap)
		return v;
	if (n >= SCORE_MAX_ITEMS) {
		fprintf(stderr, "ronda-sim score: more than %d rows\n", SCORE_MAX_ITEMS);
		exit(2);
	}
	*cap = *cap ? *cap * 2 : 16;
	if ((v = realloc(v, *cap * sz)) == NULL) {
		fprintf(stderr, "ronda-sim score: out of memory\n");
		exit(2);
	}
	memset((char *)v + n * sz, 0, (*cap - n) * sz);
	return v;
}

/* ---- truth.json and clock.json ---- */

static cJSON *
read_json(const char *path, char *err, size_t errlen)
{
	FILE *f = fopen(path, "rb");
	char *text = NULL;
	size_t len = 0, cap = 0, n;
	cJSON *j = NULL;

	if (f == NULL) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return NULL;
	}
	do {
		if (len + 65536 > cap) {
			char *nt;

			cap = cap ? cap * 2 : 65536;
			if (cap > (64u << 20) || (nt = realloc(text, cap + 1)) == NULL) {
				snprintf(err, errlen, "%s: too large", path);
				goto done;
			}
			text = nt;
		}
		n = fread(text + len, 1, cap - len, f);
		len += n;
	} while (n > 0);
	if (ferror(f)) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		goto done;
	}
	text[len] = '\0';
	if ((j = cJSON_ParseWithLength(text, len)) == NULL)
		snprintf(err, errlen, "%s: not JSON (near byte %zu)", path,
		    cJSON_GetErrorPtr() ? (size_t)(cJSON_GetErrorPtr() - text) : (size_t)0);
done:
	fclose(f);
	free(text);
	return j;
}

static const char *
jstr(const cJSON *o, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);

	return cJSON_IsString(v) ? v->valuestring : NULL;
}

static int
jtime(const cJSON *o, const char *key, int64_t *ms)
{
	const char *s = jstr(o, key);

	return s == NULL ? -1 : ronda_parse_rfc3339(s, strlen(s), ms);
}

static int
load_truth(struct score *sc, const char *path, char *err, size_t errlen)
{
	cJSON *j, *arr, *it;
	size_t i;
	int rc = -1;

	if ((j = read_json(path, err, errlen)) == NULL)
		return -1;
	sc->scenario = xstrdup(jstr(j, "scenario") ? jstr(j, "scenario") : "?");
	it = cJSON_GetObjectItemCaseSensitive(j, "seed");
	sc->seed = cJSON_IsNumber(it) ? (int64_t)it->valuedouble : -1;
	arr = cJSON_GetObjectItemCaseSensitive(j, "campaigns");
	if (!cJSON_IsArray(arr)) {
		snprintf(err, errlen, "%s: campaigns: not an array", path);
		goto done;
	}
	sc->np = (size_t)cJSON_GetArraySize(arr);
	sc->p = xcalloc(sc->np, sizeof(*sc->p));
	i = 0;
	cJSON_ArrayForEach(it, arr) {
		struct sc_planted *p = &sc->p[i];
		const cJSON *sites = cJSON_GetObjectItemCaseSensitive(it, "sites");
		const cJSON *win = cJSON_GetObjectItemCaseSensitive(it, "windows");
		const cJSON *s;
		int64_t start, end;
		size_t k = 0;

		if (jstr(it, "name") == NULL || jstr(it, "kind") == NULL ||
		    !cJSON_IsArray(sites) || jtime(it, "start", &start) == -1 ||
		    jtime(it, "end", &end) == -1) {
			snprintf(err, errlen, "%s: campaigns[%zu]: needs name, kind, sites, "
			    "start and end", path, i);
			goto done;
		}
		p->name = xstrdup(jstr(it, "name"));
		p->kind = xstrdup(jstr(it, "kind"));
		p->nsite = (size_t)cJSON_GetArraySize(sites);
		p->site = xcalloc(p->nsite, sizeof(char *));
		p->from = xcalloc(p->nsite, sizeof(int64_t));
		p->to = xcalloc(p->nsite, sizeof(int64_t));
		p->hit = xcalloc(p->nsite, 1);
		p->best_f = -1;
		p->latency_s = -1;
		cJSON_ArrayForEach(s, sites) {
			const cJSON *w;

			if (!cJSON_IsString(s)) {
				snprintf(err, errlen, "%s: campaigns[%zu].sites[%zu]: not a string",
				    path, i, k);
				goto done;
			}
			p->site[k] = xstrdup(s->valuestring);
			/* The site's own window when truth.json has it. */
			p->from[k] = start;
			p->to[k] = end;
			w = cJSON_GetObjectItemCaseSensitive(win, s->valuestring);
			if (cJSON_IsArray(w) && cJSON_GetArraySize(w) == 2 &&
			    cJSON_IsString(cJSON_GetArrayItem(w, 0)) &&
			    cJSON_IsString(cJSON_GetArrayItem(w, 1))) {
				const char *a = cJSON_GetArrayItem(w, 0)->valuestring;
				const char *b = cJSON_GetArrayItem(w, 1)->valuestring;
				int64_t ta, tb;

				if (ronda_parse_rfc3339(a, strlen(a), &ta) == 0 &&
				    ronda_parse_rfc3339(b, strlen(b), &tb) == 0) {
					p->from[k] = ta;
					p->to[k] = tb;
				}
			}
			k++;
		}
		i++;
	}
	arr = cJSON_GetObjectItemCaseSensitive(j, "incidents");
	if (arr != NULL && !cJSON_IsArray(arr)) {
		snprintf(err, errlen, "%s: incidents: not an array", path);
		goto done;
	}
	sc->ninc = (size_t)cJSON_GetArraySize(arr);
	sc->inc = xcalloc(sc->ninc, sizeof(*sc->inc));
	i = 0;
	cJSON_ArrayForEach(it, arr) {
		struct sc_incident *in = &sc->inc[i];

		if (jstr(it, "site") == NULL || jstr(it, "kind") == NULL ||
		    jtime(it, "start", &in->from) == -1 || jtime(it, "end", &in->to) == -1) {
			snprintf(err, errlen, "%s: incidents[%zu]: needs site, kind, start and "
			    "end", path, i);
			goto done;
		}
		in->name = xstrdup(jstr(it, "name") ? jstr(it, "name") : jstr(it, "kind"));
		in->site = xstrdup(jstr(it, "site"));
		in->kind = xstrdup(jstr(it, "kind"));
		i++;
	}
	rc = 0;
done:
	cJSON_Delete(j);
	return rc;
}

static int
load_clock(struct score *sc, const char *path, char *err, size_t errlen)
{
	cJSON *j = read_json(path, err, errlen);
	const cJSON *a, *b, *c;
	int rc = -1;

	if (j == NULL)
		return -1;
	a = cJSON_GetObjectItemCaseSensitive(j, "sim_start");
	b = cJSON_GetObjectItemCaseSensitive(j, "wall_start");
	c = cJSON_GetObjectItemCaseSensitive(j, "speed");
	if (!cJSON_IsNumber(a) || !cJSON_IsNumber(b) || !cJSON_IsNumber(c) ||
	    !(c->valuedouble > 0)) {
		snprintf(err, errlen, "%s: needs numbers sim_start, wall_start and speed > 0",
		    path);
	} else {
		sc->sim_start = a->valuedouble;
		sc->wall_start = b->valuedouble;
		sc->speed = c->valuedouble;
		sc->have_clock = 1;
		rc = 0;
	}
	cJSON_Delete(j);
	return rc;
}

/* ---- the store ---- */

static const char *
col_text(sqlite3_stmt *st, int i)
{
	const unsigned char *t = sqlite3_column_text(st, i);

	return t != NULL ? (const char *)t : "";
}

static int
prepare(sqlite3 *db, const char *sql, sqlite3_stmt **st, char *err, size_t errlen)
{
	if (sqlite3_prepare_v2(db, sql, -1, st, NULL) != SQLITE_OK) {
		snprintf(err, errlen, "%s", sqlite3_errmsg(db));
		return -1;
	}
	return 0;
}

static int
load_store(struct score *sc, sqlite3 *db, char *err, size_t errlen)
{
	sqlite3_stmt *st = NULL, *ss = NULL, *sk = NULL;
	size_t cap = 0;
	int rc = -1, r;

	if (prepare(db, "SELECT id, kind, severity, title, first_seen, last_seen, "
	    "reported FROM campaigns WHERE status != 'merged' AND reported > 0 "
	    "ORDER BY reported, id", &st, err, errlen) == -1 ||
	    prepare(db, "SELECT site, first_seen, last_seen FROM campaign_sites "
	    "WHERE campaign_id = ? ORDER BY first_seen, site", &ss, err, errlen) == -1 ||
	    prepare(db, "SELECT group_concat(kind, ',') FROM (SELECT DISTINCT i.kind FROM "
	    "campaign_incidents ci JOIN incidents i ON i.id = ci.incident_id WHERE "
	    "ci.campaign_id = ?)", &sk, err, errlen) == -1)
		goto done;
	while ((r = sqlite3_step(st)) == SQLITE_ROW) {
		struct sc_found *f;
		int sev;

		sc->f = xgrow(sc->f, &cap, sc->nf, sizeof(*sc->f));
		f = &sc->f[sc->nf++];
		f->id = xstrdup(col_text(st, 0));
		f->kind = xstrdup(col_text(st, 1));
		f->severity = xstrdup(col_text(st, 2));
		f->title = xstrdup(col_text(st, 3));
		f->first_seen = sqlite3_column_int64(st, 4);
		f->last_seen = sqlite3_column_int64(st, 5);
		f->reported = sqlite3_column_int64(st, 6);
		f->planted = -1;
		if ((sev = ronda_severity_parse(f->severity)) > sc->max_sev)
			sc->max_sev = sev;
		sqlite3_reset(ss);
		sqlite3_bind_text(ss, 1, f->id, -1, SQLITE_STATIC);
		while ((r = sqlite3_step(ss)) == SQLITE_ROW) {
			struct sc_fsite *fs;

			f->site = xgrow(f->site, &f->sitecap, f->nsite, sizeof(*f->site));
			fs = &f->site[f->nsite++];
			fs->id = xstrdup(col_text(ss, 0));
			fs->first = sqlite3_column_int64(ss, 1);
			fs->last = sqlite3_column_int64(ss, 2);
			/* A site without times (0): the campaign's span. */
			if (fs->first <= 0)
				fs->first = f->first_seen;
			if (fs->last <= 0)
				fs->last = f->last_seen;
		}
		if (r != SQLITE_DONE)
			break;
		sqlite3_reset(sk);
		sqlite3_bind_text(sk, 1, f->id, -1, SQLITE_STATIC);
		if ((r = sqlite3_step(sk)) != SQLITE_ROW)
			break;
		f->members = xstrdup(col_text(sk, 0));
		r = SQLITE_DONE;
	}
	if (r != SQLITE_DONE) {
		snprintf(err, errlen, "campaigns: %s", sqlite3_errmsg(db));
		goto done;
	}
	sqlite3_finalize(st);
	st = NULL;
	cap = 0;
	if (prepare(db, "SELECT id, merged_into, reported FROM campaigns WHERE status = "
	    "'merged'", &st, err, errlen) == -1)
		goto done;
	while ((r = sqlite3_step(st)) == SQLITE_ROW) {
		sc->m = xgrow(sc->m, &cap, sc->nm, sizeof(*sc->m));
		sc->m[sc->nm].id = xstrdup(col_text(st, 0));
		sc->m[sc->nm].into = xstrdup(col_text(st, 1));
		sc->m[sc->nm].reported = sqlite3_column_int64(st, 2);
		sc->nm++;
	}
	if (r != SQLITE_DONE) {
		snprintf(err, errlen, "campaigns: %s", sqlite3_errmsg(db));
		goto done;
	}
	rc = 0;
done:
	sqlite3_finalize(st);
	sqlite3_finalize(ss);
	sqlite3_finalize(sk);
	return rc;
}

/* The surviving campaign a merged id ended in (itself when not merged). */
static const char *
merge_root(const struct score *sc, const char *id)
{
	for (int hops = 0; hops < 64; hops++) {
		size_t i;

		for (i = 0; i < sc->nm; i++)
			if (strcmp(sc->m[i].id, id) == 0)
				break;
		if (i == sc->nm || sc->m[i].into[0] == '\0')
			return id;
		id = sc->m[i].into;
	}
	return id;
}

static int
found_index(const struct score *sc, const char *id)
{
	for (size_t i = 0; i < sc->nf; i++)
		if (strcmp(sc->f[i].id, id) == 0)
			return (int)i;
	return -1;
}

/* ---- matching ---- */

static size_t
shared_sites(const struct sc_found *f, const struct sc_planted *p, unsigned char *mark)
{
	size_t n = 0;

	for (size_t k = 0; k < p->nsite; k++) {
		for (size_t j = 0; j < f->nsite; j++) {
			if (strcmp(f->site[j].id, p->site[k]) != 0)
				continue;
			if (overlaps(f->site[j].first, f->site[j].last, p->from[k], p->to[k])) {
				n++;
				if (mark != NULL)
					mark[k] = 1;
			}
			break;
		}
	}
	return n;
}

static void
match_campaigns(struct score *sc)
{
	for (size_t i = 0; i < sc->nf; i++) {
		struct sc_found *f = &sc->f[i];
		size_t best = 0;

		for (size_t k = 0; k < sc->np; k++) {
			size_t n;

			if (!found_compatible(sc->p[k].kind, f))
				continue;
			n = shared_sites(f, &sc->p[k], NULL);
			if (n > best) {
				best = n;
				f->planted = (int)k;
			}
		}
		/* Most of its sites must be the planted campaign's. */
		if (best == 0 || best * 2 <= f->nsite) {
			f->planted = -1;
			best = 0;
		}
		f->shared = best;
	}
	for (size_t k = 0; k < sc->np; k++) {
		struct sc_planted *p = &sc->p[k];

		for (size_t i = 0; i < sc->nf; i++) {
			if (sc->f[i].planted != (int)k)
				continue;
			shared_sites(&sc->f[i], p, p->hit);
			if (sc->f[i].shared > p->best) {
				p->best = sc->f[i].shared;
				p->best_f = (int)i;
			}
			if (p->reported == 0 || sc->f[i].reported < p->reported)
				p->reported = sc->f[i].reported;
		}
		for (size_t s = 0; s < p->nsite; s++)
			p->uni += p->hit[s];
	}
}

static void
match_alerts(struct score *sc, sqlite3 *db)
{
	sqlite3_stmt *st = NULL;

	/* Campaigns merged into a planted one's: their report counts too. */
	for (size_t i = 0; i < sc->nm; i++) {
		int fi = found_index(sc, merge_root(sc, sc->m[i].id));
		struct sc_planted *p;

		if (fi < 0 || sc->f[fi].planted < 0 || sc->m[i].reported <= 0)
			continue;
		p = &sc->p[sc->f[fi].planted];
		if (sc->m[i].reported < p->reported)
			p->reported = sc->m[i].reported;
	}
	if (sqlite3_prepare_v2(db, "SELECT campaign_id, min(created) FROM alerts WHERE "
	    "campaign_id != '' GROUP BY campaign_id", -1, &st, NULL) != SQLITE_OK)
		return;		/* no outbox yet: no alert times */
	while (sqlite3_step(st) == SQLITE_ROW) {
		int fi = found_index(sc, merge_root(sc, col_text(st, 0)));
		int64_t created = sqlite3_column_int64(st, 1);
		struct sc_planted *p;

		if (fi < 0 || sc->f[fi].planted < 0)
			continue;
		p = &sc->p[sc->f[fi].planted];
		if (p->first_alert == 0 || created < p->first_alert)
			p->first_alert = created;
	}
	sqlite3_finalize(st);
	if (!sc->have_clock)
		return;
	for (size_t k = 0; k < sc->np; k++) {
		struct sc_planted *p = &sc->p[k];
		double due;

		if (p->reported <= 0 || p->first_alert <= 0)
			continue;
		due = sc->wall_start + ((double)p->reported - sc->sim_start) / sc->speed;
		p->latency_s = ((double)p->first_alert - due) / 1000.0;
		if (p->latency_s < 0)
			p->latency_s = 0;	/* within the second the event time drops */
	}
}

static int
match_incidents(struct score *sc, sqlite3 *db, char *err, size_t errlen)
{
	sqlite3_stmt *st = NULL;

	if (prepare(db, "SELECT kind FROM incidents WHERE site = ? AND first_seen <= ? "
	    "AND last_seen >= ? ORDER BY first_seen", &st, err, errlen) == -1)
		return -1;
	for (size_t i = 0; i < sc->ninc; i++) {
		struct sc_incident *in = &sc->inc[i];

		sqlite3_reset(st);
		sqlite3_bind_text(st, 1, in->site, -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 2, in->to + SCORE_AFTER);
		sqlite3_bind_int64(st, 3, in->from - SCORE_BEFORE);
		while (sqlite3_step(st) == SQLITE_ROW)
			if (kind_compatible(in->kind, col_text(st, 0))) {
				in->found = 1;
				in->found_kind = xstrdup(col_text(st, 0));
				break;
			}
	}
	sqlite3_finalize(st);
	return 0;
}

/* ---- report ---- */

struct score_limits {
	double min_recall;	/* every planted campaign: share of sites (< 0: off) */
	long max_noise;		/* campaigns made of noise (< 0: off) */
	double max_latency;	/* seconds to first alert (< 0: off) */
	double min_incident_recall;
	int noise_below;	/* noise campaigns below this severity (0: off) */
};

struct score_totals {
	size_t matched_f, found_p, noise, fsites, fsites_ok, psites, psites_ok, inc_found;
	int max_noise_sev;
};

static void
totals(const struct score *sc, struct score_totals *t)
{
	memset(t, 0, sizeof(*t));
	for (size_t i = 0; i < sc->nf; i++) {
		t->fsites += sc->f[i].nsite;
		if (sc->f[i].planted >= 0) {
			t->matched_f++;
			t->fsites_ok += sc->f[i].shared;
		} else {
			int sev = ronda_severity_parse(sc->f[i].severity);

			t->noise++;
			if (sev > t->max_noise_sev)
				t->max_noise_sev = sev;
		}
	}
	for (size_t k = 0; k < sc->np; k++) {
		t->found_p += sc->p[k].best > 0;
		t->psites += sc->p[k].nsite;
		t->psites_ok += sc->p[k].uni;
	}
	for (size_t i = 0; i < sc->ninc; i++)
		t->inc_found += sc->inc[i].found;
}

static double
ratio_of(size_t a, size_t b)
{
	return b == 0 ? -1 : (double)a / (double)b;
}

/* Check the limits; each miss is one line in fails. Returns the misses. */
static int
check_limits(const struct score *sc, const struct score_totals *t,
    const struct score_limits *lim, struct ronda_buf *fails)
{
	int n = 0;

	for (size_t k = 0; k < sc->np; k++) {
		const struct sc_planted *p = &sc->p[k];

		if (lim->min_recall >= 0 &&
		    (double)p->best < lim->min_recall * (double)p->nsite - 1e-9) {
			ronda_buf_printf(fails, "planted campaign %s: %zu of %zu sites found in "
			    "one campaign (at least %.0f%% wanted)\n", p->name, p->best,
			    p->nsite, lim->min_recall * 100);
			n++;
		}
		if (lim->max_latency >= 0 && p->best > 0) {
			if (!sc->have_clock) {
				ronda_buf_printf(fails, "planted campaign %s: time to alert needs "
				    "--clock\n", p->name);
				n++;
			} else if (p->first_alert <= 0) {
				ronda_buf_printf(fails, "planted campaign %s: found, but no alert "
				    "was raised\n", p->name);
				n++;
			} else if (p->latency_s > lim->max_latency) {
				ronda_buf_printf(fails, "planted campaign %s: first alert %.1f s "
				    "after the deciding line (at most %.1f s)\n", p->name,
				    p->latency_s, lim->max_latency);
				n++;
			}
		}
	}
	if (lim->max_noise >= 0 && t->noise > (size_t)lim->max_noise) {
		ronda_buf_printf(fails, "%zu campaigns made of noise (at most %ld)\n", t->noise,
		    lim->max_noise);
		n++;
	}
	if (lim->noise_below > 0 && t->max_noise_sev >= lim->noise_below) {
		ronda_buf_printf(fails, "a campaign made of noise has severity %s (all must "
		    "be below %s)\n", ronda_severity_name(t->max_noise_sev),
		    ronda_severity_name(lim->noise_below));
		n++;
	}
	if (lim->min_incident_recall >= 0 && sc->ninc > 0 &&
	    (double)t->inc_found < lim->min_incident_recall * (double)sc->ninc - 1e-9) {
		ronda_buf_printf(fails, "planted incidents: %zu of %zu found (at least %.0f%% "
		    "wanted)\n", t->inc_found, sc->ninc, lim->min_incident_recall * 100);
		n++;
	}
	return n;
}

/* Attacker-influenced text (titles, kinds, site ids) for a terminal. */
static const char *
term(struct ronda_buf *b, const char *s, size_t max)
{
	size_t n = strlen(s);

	ronda_buf_reset(b);
	ronda_buf_term_str(b, s, n > max ? max : n);
	if (n > max)
		ronda_buf_puts(b, "...");
	return b->len ? b->data : "";
}

static void
print_ratio(FILE *f, const char *label, double r)
{
	if (r < 0)
		fprintf(f, "  %s  -   ", label);
	else
		fprintf(f, "  %s %.2f", label, r);
}

static void
report_text(FILE *o, const struct score *sc, const struct score_totals *t,
    const char *fails, int nfail)
{
	struct ronda_buf b, b2, b3;
	char ts[RONDA_TS_LEN + 1];

	ronda_buf_init(&b, 4096);
	ronda_buf_init(&b2, 4096);
	ronda_buf_init(&b3, 4096);
	fprintf(o, "score: %s (seed %" PRId64 ")\n", term(&b, sc->scenario, 64), sc->seed);
	fprintf(o, "campaigns:       planted %zu, found %zu (%zu match a planted one, %zu "
	    "made of noise)\n                ", sc->np, sc->nf, t->matched_f, t->noise);
	print_ratio(o, "precision", ratio_of(t->matched_f, sc->nf));
	print_ratio(o, "recall", ratio_of(t->found_p, sc->np));
	fprintf(o, "\ncampaign sites:  %zu of %zu planted site hits found, %zu of %zu found "
	    "sites planted\n                ", t->psites_ok, t->psites, t->fsites_ok,
	    t->fsites);
	print_ratio(o, "precision", ratio_of(t->fsites_ok, t->fsites));
	print_ratio(o, "recall", ratio_of(t->psites_ok, t->psites));
	fprintf(o, "\n");
	if (sc->np > 0) {
		fprintf(o, "  %-24s %-14s %5s %5s %6s %6s  %s\n", "planted campaign", "kind",
		    "sites", "found", "share", "union", "first alert after the deciding line");
		for (size_t k = 0; k < sc->np; k++) {
			const struct sc_planted *p = &sc->p[k];
			char lat[64];
			int first = 1;

			if (p->best == 0)
				snprintf(lat, sizeof(lat), "not found");
			else if (p->first_alert <= 0)
				snprintf(lat, sizeof(lat), "no alert");
			else if (!sc->have_clock)
				snprintf(lat, sizeof(lat), "alerted (no clock.json: --fast run)");
			else
				snprintf(lat, sizeof(lat), "%.1f s", p->latency_s);
			fprintf(o, "  %-24s %-14s %5zu %5zu %5.0f%% %5.0f%%  %s\n",
			    term(&b, p->name, 24), term(&b2, p->kind, 14), p->nsite, p->best,
			    100.0 * (double)p->best / (double)(p->nsite ? p->nsite : 1),
			    100.0 * (double)p->uni / (double)(p->nsite ? p->nsite : 1), lat);
			for (size_t s = 0; s < p->nsite; s++) {
				if (p->hit[s])
					continue;
				fprintf(o, "%s%s", first ? "      missing: " : ", ",
				    term(&b, p->site[s], 64));
				first = 0;
			}
			if (!first)
				fprintf(o, "\n");
			if (p->best_f >= 0)
				fprintf(o, "      as %s: %s\n", term(&b, sc->f[p->best_f].id, 40),
				    term(&b2, sc->f[p->best_f].title, 100));
		}
	}
	if (t->noise > 0) {
		fprintf(o, "  campaigns made of noise (no planted campaign matches):\n");
		for (size_t i = 0; i < sc->nf; i++) {
			const struct sc_found *f = &sc->f[i];

			if (f->planted >= 0)
				continue;
			ronda_fmt_utc_ms(ts, f->reported);
			fprintf(o, "    %s %-12s %-8s %3zu sites, reported %.19sZ: ",
			    term(&b, f->id, 40), term(&b2, f->kind, 12),
			    ronda_severity_name(ronda_severity_parse(f->severity)), f->nsite, ts);
			fprintf(o, "%s\n", term(&b, f->title, 120));
		}
	}
	fprintf(o, "incidents:       planted %zu, found %zu", sc->ninc, t->inc_found);
	print_ratio(o, "recall", ratio_of(t->inc_found, sc->ninc));
	fprintf(o, "\n");
	for (size_t i = 0; i < sc->ninc; i++) {
		const struct sc_incident *in = &sc->inc[i];

		fprintf(o, "  %-24s %-14s %-32s ", term(&b, in->name, 24),
		    term(&b2, in->kind, 14), term(&b3, in->site, 64));
		fprintf(o, "%s%s\n", in->found ? "found as " : "NOT FOUND",
		    in->found ? term(&b, in->found_kind, 32) : "");
	}
	if (nfail == 0)
		fprintf(o, "result: ok\n");
	else
		fprintf(o, "result: %d threshold%s missed\n%s", nfail, nfail > 1 ? "s" : "",
		    fails);
	ronda_buf_release(&b);
	ronda_buf_release(&b2);
	ronda_buf_release(&b3);
}

static void
jnum(struct ronda_buf *b, double v)
{
	if (v < 0)
		ronda_buf_puts(b, "null");
	else
		ronda_buf_printf(b, "%.4g", v);
}

static void
jkey(struct ronda_buf *b, const char *k, const char *v)
{
	ronda_buf_printf(b, "\"%s\":", k);
	ronda_buf_json_str(b, v, strlen(v));
}

static void
report_json(FILE *o, const struct score *sc, const struct score_totals *t,
    const char *fails, int nfail)
{
	struct ronda_buf b;
	char ts[RONDA_TS_LEN + 1];

	ronda_buf_init(&b, 64u << 20);
	ronda_buf_putc(&b, '{');
	jkey(&b, "scenario", sc->scenario);
	ronda_buf_printf(&b, ",\"seed\":%" PRId64 ",\"campaigns\":{\"planted\":%zu,"
	    "\"found\":%zu,\"matched\":%zu,\"noise\":%zu,\"precision\":", sc->seed, sc->np,
	    sc->nf, t->matched_f, t->noise);
	jnum(&b, ratio_of(t->matched_f, sc->nf));
	ronda_buf_puts(&b, ",\"recall\":");
	jnum(&b, ratio_of(t->found_p, sc->np));
	ronda_buf_printf(&b, "},\"campaign_sites\":{\"planted\":%zu,\"planted_found\":%zu,"
	    "\"found\":%zu,\"found_planted\":%zu,\"precision\":", t->psites, t->psites_ok,
	    t->fsites, t->fsites_ok);
	jnum(&b, ratio_of(t->fsites_ok, t->fsites));
	ronda_buf_puts(&b, ",\"recall\":");
	jnum(&b, ratio_of(t->psites_ok, t->psites));
	ronda_buf_puts(&b, "},\"planted\":[");
	for (size_t k = 0; k < sc->np; k++) {
		const struct sc_planted *p = &sc->p[k];
		int first = 1;

		ronda_buf_puts(&b, k ? ",{" : "{");
		jkey(&b, "name", p->name);
		ronda_buf_putc(&b, ',');
		jkey(&b, "kind", p->kind);
		ronda_buf_printf(&b, ",\"sites\":%zu,\"found_sites\":%zu,\"union_sites\":%zu,"
		    "\"share\":", p->nsite, p->best, p->uni);
		jnum(&b, ratio_of(p->best, p->nsite));
		ronda_buf_puts(&b, ",\"campaign\":");
		if (p->best_f >= 0)
			ronda_buf_json_str(&b, sc->f[p->best_f].id, strlen(sc->f[p->best_f].id));
		else
			ronda_buf_puts(&b, "null");
		ronda_buf_puts(&b, ",\"missing\":[");
		for (size_t s = 0; s < p->nsite; s++) {
			if (p->hit[s])
				continue;
			if (!first)
				ronda_buf_putc(&b, ',');
			ronda_buf_json_str(&b, p->site[s], strlen(p->site[s]));
			first = 0;
		}
		ronda_buf_puts(&b, "],\"reported\":");
		if (p->reported > 0) {
			ronda_fmt_utc_ms(ts, p->reported);
			ronda_buf_printf(&b, "\"%s\"", ts);
		} else {
			ronda_buf_puts(&b, "null");
		}
		ronda_buf_puts(&b, ",\"first_alert_ms\":");
		if (p->first_alert > 0)
			ronda_buf_put_i64(&b, p->first_alert);
		else
			ronda_buf_puts(&b, "null");
		ronda_buf_puts(&b, ",\"latency_s\":");
		jnum(&b, p->latency_s);
		ronda_buf_putc(&b, '}');
	}
	ronda_buf_puts(&b, "],\"noise\":[");
	for (size_t i = 0, first = 1; i < sc->nf; i++) {
		const struct sc_found *f = &sc->f[i];

		if (f->planted >= 0)
			continue;
		ronda_buf_puts(&b, first ? "{" : ",{");
		first = 0;
		jkey(&b, "id", f->id);
		ronda_buf_putc(&b, ',');
		jkey(&b, "kind", f->kind);
		ronda_buf_putc(&b, ',');
		jkey(&b, "severity", f->severity);
		ronda_buf_putc(&b, ',');
		jkey(&b, "title", f->title);
		ronda_buf_puts(&b, ",\"sites\":[");
		for (size_t s = 0; s < f->nsite; s++) {
			if (s)
				ronda_buf_putc(&b, ',');
			ronda_buf_json_str(&b, f->site[s].id, strlen(f->site[s].id));
		}
		ronda_buf_puts(&b, "]}");
	}
	ronda_buf_printf(&b, "],\"max_severity\":\"%s\",\"incidents\":{\"planted\":%zu,"
	    "\"found\":%zu,\"recall\":", ronda_severity_name(sc->max_sev), sc->ninc,
	    t->inc_found);
	jnum(&b, ratio_of(t->inc_found, sc->ninc));
	ronda_buf_puts(&b, ",\"missed\":[");
	for (size_t i = 0, first = 1; i < sc->ninc; i++) {
		if (sc->inc[i].found)
			continue;
		if (!first)
			ronda_buf_putc(&b, ',');
		ronda_buf_json_str(&b, sc->inc[i].name, strlen(sc->inc[i].name));
		first = 0;
	}
	ronda_buf_printf(&b, "]},\"ok\":%s,\"failures\":[", nfail ? "false" : "true");
	for (const char *p = fails, *nl; p != NULL && *p != '\0'; p = nl + 1) {
		if ((nl = strchr(p, '\n')) == NULL)
			break;
		if (p != fails)
			ronda_buf_putc(&b, ',');
		ronda_buf_json_str(&b, p, (size_t)(nl - p));
	}
	ronda_buf_puts(&b, "]}\n");
	fwrite(b.data, 1, b.len, o);
	ronda_buf_release(&b);
}

static void
score_free(struct score *sc)
{
	for (size_t k = 0; k < sc->np; k++) {
		for (size_t s = 0; s < sc->p[k].nsite; s++)
			free(sc->p[k].site[s]);
		free(sc->p[k].site);
		free(sc->p[k].from);
		free(sc->p[k].to);
		free(sc->p[k].hit);
		free(sc->p[k].name);
		free(sc->p[k].kind);
	}
	for (size_t i = 0; i < sc->nf; i++) {
		for (size_t s = 0; s < sc->f[i].nsite; s++)
			free(sc->f[i].site[s].id);
		free(sc->f[i].site);
		free(sc->f[i].id);
		free(sc->f[i].kind);
		free(sc->f[i].severity);
		free(sc->f[i].title);
		free(sc->f[i].members);
	}
	for (size_t i = 0; i < sc->ninc; i++) {
		free(sc->inc[i].name);
		free(sc->inc[i].site);
		free(sc->inc[i].kind);
		free(sc->inc[i].found_kind);
	}
	for (size_t i = 0; i < sc->nm; i++) {
		free(sc->m[i].id);
		free(sc->m[i].into);
	}
	free(sc->p);
	free(sc->f);
	free(sc->inc);
	free(sc->m);
	free(sc->scenario);
}

static void
score_usage(FILE *f)
{
	fprintf(f,
	    "usage: ronda-sim score --truth DIR/truth.json --store ronda.db [--clock DIR/clock.json]\n"
	    "                       [--json] [--min-recall R] [--max-noise N] [--max-latency S]\n"
	    "                       [--noise-below SEVERITY] [--min-incident-recall R]\n"
	    "  --truth F      what ronda-sim planted\n"
	    "  --store F      the correlator's SQLite store (read only)\n"
	    "  --clock F      clock.json of a --speed run: time from the deciding line to the alert\n"
	    "  --json         one JSON object instead of the table\n"
	    "  --min-recall R          every planted campaign found with >= R of its sites (0..1)\n"
	    "                          in one campaign\n"
	    "  --max-noise N           at most N campaigns made of noise\n"
	    "  --max-latency S         every planted campaign alerted within S seconds (needs --clock)\n"
	    "  --noise-below SEV       every campaign made of noise below SEV (low, medium, high, critical)\n"
	    "  --min-incident-recall R planted single-site incidents found (0..1)\n"
	    "Exit 0 when every given threshold holds, 1 when one is missed, 2 on bad input.\n");
}

static int
parse_fraction(const char *opt, const char *s, double max, double *out)
{
	char *end;
	double v = strtod(s, &end);

	if (end == s || *end != '\0' || !(v >= 0) || v > max) {
		fprintf(stderr, "ronda-sim score: %s: \"%s\" is not a number in 0..%g\n", opt,
		    s, max);
		return -1;
	}
	*out = v;
	return 0;
}

int
score_main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "truth", required_argument, NULL, 't' },
		{ "store", required_argument, NULL, 's' },
		{ "clock", required_argument, NULL, 'c' },
		{ "json", no_argument, NULL, 'j' },
		{ "min-recall", required_argument, NULL, 'r' },
		{ "max-noise", required_argument, NULL, 'n' },
		{ "max-latency", required_argument, NULL, 'l' },
		{ "noise-below", required_argument, NULL, 'b' },
		{ "min-incident-recall", required_argument, NULL, 'i' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	struct score_limits lim = { -1, -1, -1, -1, 0 };
	struct score_totals t;
	struct score sc;
	struct ronda_buf fails;
	const char *truth = NULL, *store = NULL, *clock = NULL;
	char err[PATH_MAX + 256], uri[PATH_MAX + 64];
	sqlite3 *db = NULL;
	int ch, json = 0, rc = 2, nfail;
	double v;

	memset(&sc, 0, sizeof(sc));
	ronda_buf_init(&fails, 1u << 20);
	optind = 1;
	while ((ch = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (ch) {
		case 't': truth = optarg; break;
		case 's': store = optarg; break;
		case 'c': clock = optarg; break;
		case 'j': json = 1; break;
		case 'r':
			if (parse_fraction("--min-recall", optarg, 1, &lim.min_recall) == -1)
				goto done;
			break;
		case 'i':
			if (parse_fraction("--min-incident-recall", optarg, 1,
			    &lim.min_incident_recall) == -1)
				goto done;
			break;
		case 'n':
			if (parse_fraction("--max-noise", optarg, 1e9, &v) == -1)
				goto done;
			lim.max_noise = (long)v;
			break;
		case 'l':
			if (parse_fraction("--max-latency", optarg, 1e9, &lim.max_latency) == -1)
				goto done;
			break;
		case 'b':
			if ((lim.noise_below = ronda_severity_parse(optarg)) <= 0) {
				fprintf(stderr, "ronda-sim score: --noise-below: \"%s\" is not low, "
				    "medium, high or critical\n", optarg);
				goto done;
			}
			break;
		case 'h': score_usage(stdout); rc = 0; goto done;
		default: score_usage(stderr); goto done;
		}
	}
	if (optind != argc || truth == NULL || store == NULL) {
		score_usage(stderr);
		goto done;
	}
	if (load_truth(&sc, truth, err, sizeof(err)) == -1 ||
	    (clock != NULL && load_clock(&sc, clock, err, sizeof(err)) == -1)) {
		fprintf(stderr, "ronda-sim score: %s\n", err);
		goto done;
	}
	/* Read only, and never create: a mistyped path is an error. */
	snprintf(uri, sizeof(uri), "file:%s?mode=ro", store);
	if (access(store, R_OK) == -1) {
		fprintf(stderr, "ronda-sim score: %s: %s\n", store, strerror(errno));
		goto done;
	}
	if (sqlite3_open_v2(uri, &db, SQLITE_OPEN_READONLY | SQLITE_OPEN_URI, NULL) !=
	    SQLITE_OK) {
		fprintf(stderr, "ronda-sim score: %s: %s\n", store, sqlite3_errmsg(db));
		goto done;
	}
	sqlite3_busy_timeout(db, 10000);
	if (load_store(&sc, db, err, sizeof(err)) == -1 ||
	    match_incidents(&sc, db, err, sizeof(err)) == -1) {
		fprintf(stderr, "ronda-sim score: %s: %s\n", store, err);
		goto done;
	}
	match_campaigns(&sc);
	match_alerts(&sc, db);
	totals(&sc, &t);
	nfail = check_limits(&sc, &t, &lim, &fails);
	if (json)
		report_json(stdout, &sc, &t, fails.len ? fails.data : "", nfail);
	else
		report_text(stdout, &sc, &t, fails.len ? fails.data : "", nfail);
	rc = nfail ? 1 : 0;
done:
	sqlite3_close(db);
	score_free(&sc);
	ronda_buf_release(&fails);
	return rc;
}
