/*
 * score_match.c — `ronda-sim score`'s facts: truth.json (what was planted),
 * clock.json (when the lines were due) and the correlator's store (what it
 * found, read only), and the matching of one against the other (score.h).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>
#include <sqlite3.h>

#include "ronda/event.h"
#include "ronda/timeutil.h"
#include "score.h"

/*
 * Kind families: a planted kind (sim vocabulary) and the words that name it
 * in the correlator's incident and campaign kinds (ssh_bruteforce,
 * cms_bruteforce, gambling, webshell, http_5xx_surge, ...).
 */
static const struct {
	const char *planted;
	const char *words[12];
	const char *unless;	/* a kind naming this is another family's */
} score_families[] = {
	{ "gambling-spam", { "gambl", "judi", "spam", NULL }, NULL },
	{ "brute-force", { "brute", "ssh", "spray", "compromise", "password", "auth", NULL },
	  "cms" },
	{ "webshell", { "webshell", "shell", "upload", NULL }, NULL },
	{ "sqli", { "sql", NULL }, NULL },
	/* A login attack on webmail or e-Kinerja is an auth family's (mail, spray). */
	{ "cms-login", { "cms", "stuffing", "credential", "wordpress", "login", "spray", "brute",
	  "compromise", "password", "mail", NULL }, "ssh" },
	{ "scanner", { "scan", "probe", NULL }, NULL },
	{ "defacement", { "deface", "webshell", "upload", NULL }, NULL },
	{ "dos", { "flood", "5xx", "dos", "surge", NULL }, NULL },
	/* Web-root attacks: the incident kinds their files (and cloaks) raise. */
	{ "webshell-file", { "webshell", "shell", "upload", NULL }, NULL },
	{ "gambling-injection", { "gambl", "judi", "inject", "cloak", "seo", NULL }, NULL },
	{ "defacement-file", { "deface", NULL }, NULL },
};

/* Kinds a changed file can raise: what a core update must keep at low at most. */
static const char *const update_kinds[] = { "bulk_change", "defacement", "webshell_file",
	"gambling_injection", NULL };

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
found_compatible_kind(const char *planted, const struct sc_found *f)
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

/* Compatible with any kind the planted campaign used. */
static int
found_compatible(const struct sc_planted *p, const struct sc_found *f)
{
	for (size_t i = 0; i < p->nkinds; i++)
		if (found_compatible_kind(p->kinds[i], f))
			return 1;
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
str_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* A JSON list's strings, copied (others skipped); sorted when sort. */
static char **
jstrings(const cJSON *arr, size_t *n, int sort)
{
	char **v = xcalloc((size_t)cJSON_GetArraySize(arr), sizeof(char *));
	const cJSON *it;

	*n = 0;
	cJSON_ArrayForEach(it, arr)
		if (cJSON_IsString(it))
			v[(*n)++] = xstrdup(it->valuestring);
	if (sort)
		qsort(v, *n, sizeof(*v), str_cmp);
	return v;
}

static int
has_string(char *const *v, size_t n, const char *s)
{
	return n > 0 && bsearch(&s, v, n, sizeof(*v), str_cmp) != NULL;
}

/* ["2026-11-16T01:00:00Z", "2026-11-16T03:00:00Z"] into a and b. 0 / -1. */
static int
jwindow(const cJSON *w, int64_t *a, int64_t *b)
{
	const cJSON *x = cJSON_GetArrayItem(w, 0), *y = cJSON_GetArrayItem(w, 1);

	if (!cJSON_IsArray(w) || cJSON_GetArraySize(w) != 2 || !cJSON_IsString(x) ||
	    !cJSON_IsString(y) ||
	    ronda_parse_rfc3339(x->valuestring, strlen(x->valuestring), a) == -1 ||
	    ronda_parse_rfc3339(y->valuestring, strlen(y->valuestring), b) == -1)
		return -1;
	return 0;
}

/*
 * One planted attack from an entry with name, kind, sites, windows (or
 * site, start and end) and attacker_ips: truth.json "attacks", or the
 * campaigns and incidents of a truth.json written before it had them.
 */
static void
add_attack(struct score *sc, const cJSON *it)
{
	struct sc_attack *a = &sc->a[sc->na++];
	const cJSON *sites = cJSON_GetObjectItemCaseSensitive(it, "sites");
	const cJSON *win = cJSON_GetObjectItemCaseSensitive(it, "windows");
	const char *site = jstr(it, "site");
	int64_t start = 0, end = 0;

	jtime(it, "start", &start);
	jtime(it, "end", &end);
	a->name = xstrdup(jstr(it, "name") ? jstr(it, "name") : "?");
	a->kind = xstrdup(jstr(it, "kind") ? jstr(it, "kind") : "?");
	a->campaign = xstrdup(jstr(it, "campaign") ? jstr(it, "campaign") : a->name);
	a->distractor = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(it, "distractor"));
	if (cJSON_IsArray(sites)) {
		a->site = jstrings(sites, &a->nsite, 0);
	} else if (site != NULL) {
		a->site = xcalloc(1, sizeof(char *));
		a->site[a->nsite++] = xstrdup(site);
	}
	a->from = xcalloc(a->nsite, sizeof(int64_t));
	a->to = xcalloc(a->nsite, sizeof(int64_t));
	for (size_t k = 0; k < a->nsite; k++) {
		a->from[k] = start;
		a->to[k] = end;
		jwindow(cJSON_GetObjectItemCaseSensitive(win, a->site[k]), &a->from[k],
		    &a->to[k]);
	}
	a->ips = jstrings(cJSON_GetObjectItemCaseSensitive(it, "attacker_ips"), &a->nips, 1);
}

int
score_load_truth(struct score *sc, const char *path, char *err, size_t errlen)
{
	cJSON *j, *arr, *it, *atk;
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
		const cJSON *kinds = cJSON_GetObjectItemCaseSensitive(it, "kinds");
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
		/* Its kind first, then the others its attacks used. */
		p->kinds = xcalloc((size_t)cJSON_GetArraySize(kinds) + 1, sizeof(char *));
		p->kinds[p->nkinds++] = xstrdup(jstr(it, "kind"));
		cJSON_ArrayForEach(s, kinds)
			if (cJSON_IsString(s) && strcmp(s->valuestring, p->kinds[0]) != 0)
				p->kinds[p->nkinds++] = xstrdup(s->valuestring);
		p->nsite = (size_t)cJSON_GetArraySize(sites);
		p->site = xcalloc(p->nsite, sizeof(char *));
		p->from = xcalloc(p->nsite, sizeof(int64_t));
		p->to = xcalloc(p->nsite, sizeof(int64_t));
		p->hit = xcalloc(p->nsite, 1);
		p->absorbed = NULL;
		p->best_f = -1;
		p->latency_s = -1;
		p->files = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(it, "files"));
		cJSON_ArrayForEach(s, sites) {
			if (!cJSON_IsString(s)) {
				snprintf(err, errlen, "%s: campaigns[%zu].sites[%zu]: not a string",
				    path, i, k);
				goto done;
			}
			p->site[k] = xstrdup(s->valuestring);
			/* The site's own window when truth.json has it. */
			p->from[k] = start;
			p->to[k] = end;
			jwindow(cJSON_GetObjectItemCaseSensitive(win, s->valuestring), &p->from[k],
			    &p->to[k]);
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
		in->distractor = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(it, "distractor"));
		in->files = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(it, "files"));
		i++;
	}
	/* Web-root plants: one attack's change at one site, or the cloaking it shows. */
	arr = cJSON_GetObjectItemCaseSensitive(j, "files");
	sc->fp = xcalloc((size_t)cJSON_GetArraySize(arr), sizeof(*sc->fp));
	cJSON_ArrayForEach(it, arr) {
		struct sc_plant *fp = &sc->fp[sc->nfp];

		if (jstr(it, "site") == NULL || jstr(it, "kind") == NULL ||
		    jtime(it, "at", &fp->from) == -1 || jtime(it, "end", &fp->to) == -1) {
			snprintf(err, errlen, "%s: files[%zu]: needs site, kind, at and end", path,
			    sc->nfp);
			goto done;
		}
		fp->name = xstrdup(jstr(it, "name") ? jstr(it, "name") : jstr(it, "kind"));
		fp->campaign = xstrdup(jstr(it, "campaign") ? jstr(it, "campaign") : fp->name);
		fp->kind = xstrdup(jstr(it, "kind"));
		fp->site = xstrdup(jstr(it, "site"));
		sc->nfp++;
	}
	/* The SOC scanner's addresses: its incidents are counted apart. */
	arr = cJSON_GetObjectItemCaseSensitive(j, "benign");
	sc->benign = xcalloc(1, sizeof(char *));
	sc->up = xcalloc((size_t)cJSON_GetArraySize(arr), sizeof(*sc->up));
	cJSON_ArrayForEach(it, arr) {
		size_t n = 0;
		char **ips;

		/* A core update: its window on its site. */
		if (jstr(it, "kind") != NULL && strcmp(jstr(it, "kind"), "cms-update") == 0 &&
		    jstr(it, "site") != NULL) {
			struct sc_update *u = &sc->up[sc->nup];

			if (jtime(it, "start", &u->from) == -1 || jtime(it, "end", &u->to) == -1) {
				snprintf(err, errlen, "%s: benign: a cms-update needs start and end", path);
				goto done;
			}
			u->name = xstrdup(jstr(it, "name") ? jstr(it, "name") : "cms-update");
			u->site = xstrdup(jstr(it, "site"));
			sc->nup++;
		}
		ips = jstrings(cJSON_GetObjectItemCaseSensitive(it, "ips"), &n, 0);

		sc->benign = realloc(sc->benign, (sc->nbenign + n + 1) * sizeof(char *));
		if (sc->benign == NULL) {
			snprintf(err, errlen, "out of memory");
			free(ips);
			goto done;
		}
		memcpy(sc->benign + sc->nbenign, ips, n * sizeof(char *));
		sc->nbenign += n;
		free(ips);
	}
	qsort(sc->benign, sc->nbenign, sizeof(char *), str_cmp);
	atk = cJSON_GetObjectItemCaseSensitive(j, "attacks");
	if (cJSON_IsArray(atk)) {
		sc->a = xcalloc((size_t)cJSON_GetArraySize(atk), sizeof(*sc->a));
		cJSON_ArrayForEach(it, atk)
			add_attack(sc, it);
	} else {
		sc->a = xcalloc(sc->np + sc->ninc, sizeof(*sc->a));
		cJSON_ArrayForEach(it, cJSON_GetObjectItemCaseSensitive(j, "campaigns"))
			add_attack(sc, it);
		cJSON_ArrayForEach(it, cJSON_GetObjectItemCaseSensitive(j, "incidents"))
			add_attack(sc, it);
	}
	rc = 0;
done:
	cJSON_Delete(j);
	return rc;
}

int
score_load_clock(struct score *sc, const char *path, char *err, size_t errlen)
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

/* The store's table has the column (stores of every version are read). */
static int
has_column(sqlite3 *db, const char *table, const char *column)
{
	sqlite3_stmt *st = NULL;
	char sql[128];
	int found = 0;

	snprintf(sql, sizeof(sql), "PRAGMA table_info(%s)", table);
	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
		return 0;
	while (!found && sqlite3_step(st) == SQLITE_ROW)
		found = strcmp(col_text(st, 1), column) == 0;
	sqlite3_finalize(st);
	return found;
}

int
score_load_store(struct score *sc, sqlite3 *db, char *err, size_t errlen)
{
	sqlite3_stmt *st = NULL, *ss = NULL, *sk = NULL, *sv = NULL;
	size_t cap = 0;
	int rc = -1, r;
	int link = has_column(db, "campaigns", "link");
	char sql[512];

	/* Why each incident is a member: columns a newer correlator writes. */
	sc->have_via = has_column(db, "campaign_incidents", "via_type") &&
	    has_column(db, "campaign_incidents", "via_value");
	snprintf(sql, sizeof(sql), "SELECT id, kind, severity, title, first_seen, last_seen, "
	    "reported, %s FROM campaigns WHERE status != 'merged' AND reported > 0 "
	    "ORDER BY reported, id", link ? "link" : "''");
	if (prepare(db, sql, &st, err, errlen) == -1 ||
	    (sc->have_via && prepare(db, "SELECT via_type, via_value, count(*) FROM "
	    "campaign_incidents WHERE campaign_id = ? GROUP BY via_type, via_value "
	    "ORDER BY count(*) DESC, via_type, via_value LIMIT 16", &sv, err,
	    errlen) == -1) ||
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
		f->link = xstrdup(col_text(st, 7));
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
		if (!sc->have_via)
			continue;
		sqlite3_reset(sv);
		sqlite3_bind_text(sv, 1, f->id, -1, SQLITE_STATIC);
		f->via = xcalloc(SCORE_MAX_VIA, sizeof(*f->via));
		while (f->nvia < SCORE_MAX_VIA && (r = sqlite3_step(sv)) == SQLITE_ROW) {
			f->via[f->nvia].type = xstrdup(col_text(sv, 0));
			f->via[f->nvia].value = xstrdup(col_text(sv, 1));
			f->via[f->nvia].n = (long)sqlite3_column_int64(sv, 2);
			f->nvia++;
		}
		if (r != SQLITE_ROW && r != SQLITE_DONE)
			break;
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
	sqlite3_finalize(sv);
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

/* Record site on p's list of its campaigns' sites (absorbed when not planted for p). */
static void
note_found_site(struct sc_planted *p, char **seen, size_t *nseen, char *site)
{
	for (size_t i = 0; i < *nseen; i++)
		if (strcmp(seen[i], site) == 0)
			return;
	seen[(*nseen)++] = site;
	for (size_t k = 0; k < p->nsite; k++)
		if (strcmp(p->site[k], site) == 0)
			return;
	p->absorbed[p->nabsorbed++] = site;
}

void
score_match_campaigns(struct score *sc)
{
	for (size_t i = 0; i < sc->nf; i++) {
		struct sc_found *f = &sc->f[i];
		size_t best = 0;

		for (size_t k = 0; k < sc->np; k++) {
			size_t n;

			if (!found_compatible(&sc->p[k], f))
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
	/* The sites of a planted campaign's campaigns; those not planted for it are absorbed. */
	for (size_t k = 0; k < sc->np; k++) {
		struct sc_planted *p = &sc->p[k];
		size_t n = 0;
		char **seen;

		for (size_t i = 0; i < sc->nf; i++)
			n += sc->f[i].planted == (int)k ? sc->f[i].nsite : 0;
		seen = xcalloc(n, sizeof(char *));
		p->absorbed = xcalloc(n, sizeof(char *));
		for (size_t i = 0; i < sc->nf; i++)
			for (size_t j = 0; sc->f[i].planted == (int)k && j < sc->f[i].nsite; j++)
				note_found_site(p, seen, &p->found_sites, sc->f[i].site[j].id);
		free(seen);
	}
}

const struct sc_incident *
score_distractor_at(const struct score *sc, const char *site)
{
	for (size_t i = 0; i < sc->ninc; i++)
		if (sc->inc[i].distractor && strcmp(sc->inc[i].site, site) == 0)
			return &sc->inc[i];
	return NULL;
}

void
score_match_alerts(struct score *sc, sqlite3 *db)
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

/*
 * Attribute one store incident (site, kind, key, first and last seen, its
 * addresses) to the planted attacks it belongs to; count it once in the
 * totals (an attack's, the SOC scanner's, or neither).
 */
static int
is_update_kind(const char *kind)
{
	for (int i = 0; update_kinds[i] != NULL; i++)
		if (strcmp(update_kinds[i], kind) == 0)
			return 1;
	return 0;
}

/* Attribute to the web-root plants (then the core updates) it fits. 1 if any. */
static int
attribute_files(struct score *sc, const char *site, const char *kind, int sev,
    int64_t first, int64_t last)
{
	int any = 0;

	for (size_t x = 0; x < sc->nfp; x++) {
		struct sc_plant *fp = &sc->fp[x];

		if (strcmp(fp->site, site) == 0 && strcmp(fp->kind, kind) == 0 &&
		    overlaps(first, last, fp->from, fp->to)) {
			fp->incidents++;
			any = 1;
		}
	}
	if (any) {
		sc->inc_files++;
		return 1;
	}
	for (size_t x = 0; x < sc->nup; x++) {
		struct sc_update *u = &sc->up[x];

		if (strcmp(u->site, site) != 0 || !is_update_kind(kind) ||
		    !overlaps(first, last, u->from, u->to))
			continue;
		u->incidents++;
		if (sev > RONDA_SEV_LOW)
			u->above_low++;
		if (sev > u->worst) {
			u->worst = sev;
			free(u->worst_kind);
			u->worst_kind = xstrdup(kind);
		}
		any = 1;
	}
	if (any)
		sc->inc_updates++;
	return any;
}

static void
attribute(struct score *sc, const char *site, const char *kind, const char *key,
    int sev, int64_t first, int64_t last, char *const *ips, size_t nips)
{
	int any = 0, benign = nips > 0;
	size_t i;

	for (size_t x = 0; x < sc->na; x++) {
		struct sc_attack *a = &sc->a[x];

		for (size_t k = 0; k < a->nsite; k++) {
			int mine = 0;

			if (strcmp(a->site[k], site) != 0 ||
			    !overlaps(first, last, a->from[k], a->to[k]))
				continue;
			for (i = 0; i < nips && !mine; i++)
				mine = has_string(a->ips, a->nips, ips[i]);
			/* Keyed by the site (an injected page, a flood): by kind. */
			if (!mine && (nips == 0 || strcmp(key, site) == 0))
				mine = kind_compatible(a->kind, kind);
			if (mine) {
				a->incidents++;
				any = 1;
			}
			break;
		}
	}
	for (i = 0; i < nips && benign; i++)
		benign = has_string(sc->benign, sc->nbenign, ips[i]);
	if (any) {
		sc->inc_attributed++;
		return;
	}
	if (attribute_files(sc, site, kind, sev, first, last))
		return;
	if (benign) {
		sc->inc_benign++;
		return;
	}
	sc->inc_other++;
	for (i = 0; i < sc->nother && strcmp(sc->other[i].kind, kind) != 0; i++)
		;
	if (i == sc->nother && sc->nother < SCORE_MAX_KINDS)
		sc->other[sc->nother++].kind = xstrdup(kind);
	if (i < sc->nother)
		sc->other[i].n++;
}

static int
count_cmp(const void *x, const void *y)
{
	const struct sc_count *a = x, *b = y;

	if (a->n != b->n)
		return a->n > b->n ? -1 : 1;
	return strcmp(a->kind, b->kind);
}

int
score_match_incidents(struct score *sc, sqlite3 *db, char *err, size_t errlen)
{
	sqlite3_stmt *st = NULL;
	int r;

	if (prepare(db, "SELECT kind, severity FROM incidents WHERE site = ? AND first_seen "
	    "<= ? AND last_seen >= ? ORDER BY first_seen", &st, err, errlen) == -1)
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
	sqlite3_reset(st);
	/* A web-root plant: an incident of exactly its kind on its site, in its window. */
	for (size_t i = 0; i < sc->nfp; i++) {
		struct sc_plant *fp = &sc->fp[i];

		sqlite3_reset(st);
		sqlite3_bind_text(st, 1, fp->site, -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 2, fp->to + SCORE_AFTER);
		sqlite3_bind_int64(st, 3, fp->from - SCORE_BEFORE);
		while (sqlite3_step(st) == SQLITE_ROW)
			if (strcmp(fp->kind, col_text(st, 0)) == 0) {
				fp->found = 1;
				fp->found_kind = xstrdup(col_text(st, 0));
				fp->found_severity = xstrdup(col_text(st, 1));
				break;
			}
	}
	sqlite3_finalize(st);
	/* Every incident in the store, to the planted attacks. */
	if (prepare(db, "SELECT site, kind, key, first_seen, last_seen, attacker_ips, severity "
	    "FROM incidents ORDER BY first_seen, id", &st, err, errlen) == -1)
		return -1;
	while ((r = sqlite3_step(st)) == SQLITE_ROW) {
		cJSON *arr = cJSON_Parse(col_text(st, 5));
		size_t n = 0;
		char **ips = jstrings(arr, &n, 0);

		sc->store_incidents++;
		attribute(sc, col_text(st, 0), col_text(st, 1), col_text(st, 2),
		    ronda_severity_parse(col_text(st, 6)), sqlite3_column_int64(st, 3),
		    sqlite3_column_int64(st, 4), ips, n);
		for (size_t i = 0; i < n; i++)
			free(ips[i]);
		free(ips);
		cJSON_Delete(arr);
	}
	if (r != SQLITE_DONE) {
		snprintf(err, errlen, "incidents: %s", sqlite3_errmsg(db));
		sqlite3_finalize(st);
		return -1;
	}
	sqlite3_finalize(st);
	qsort(sc->other, sc->nother, sizeof(*sc->other), count_cmp);
	return 0;
}

static void
free_strings(char **v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

void
score_free(struct score *sc)
{
	for (size_t k = 0; k < sc->np; k++) {
		struct sc_planted *p = &sc->p[k];

		free_strings(p->site, p->nsite);
		free_strings(p->kinds, p->nkinds);
		free(p->from);
		free(p->to);
		free(p->hit);
		free(p->name);
		free(p->absorbed);
	}
	for (size_t i = 0; i < sc->nf; i++) {
		struct sc_found *f = &sc->f[i];

		for (size_t s = 0; s < f->nsite; s++)
			free(f->site[s].id);
		for (size_t v = 0; v < f->nvia; v++) {
			free(f->via[v].type);
			free(f->via[v].value);
		}
		free(f->via);
		free(f->site);
		free(f->id);
		free(f->kind);
		free(f->severity);
		free(f->title);
		free(f->link);
		free(f->members);
	}
	for (size_t i = 0; i < sc->ninc; i++) {
		free(sc->inc[i].name);
		free(sc->inc[i].site);
		free(sc->inc[i].kind);
		free(sc->inc[i].found_kind);
	}
	for (size_t i = 0; i < sc->na; i++) {
		struct sc_attack *a = &sc->a[i];

		free(a->name);
		free(a->kind);
		free(a->campaign);
		free_strings(a->site, a->nsite);
		free_strings(a->ips, a->nips);
		free(a->from);
		free(a->to);
	}
	for (size_t i = 0; i < sc->nm; i++) {
		free(sc->m[i].id);
		free(sc->m[i].into);
	}
	for (size_t i = 0; i < sc->nother; i++)
		free(sc->other[i].kind);
	for (size_t i = 0; i < sc->nfp; i++) {
		free(sc->fp[i].name);
		free(sc->fp[i].campaign);
		free(sc->fp[i].kind);
		free(sc->fp[i].site);
		free(sc->fp[i].found_kind);
		free(sc->fp[i].found_severity);
	}
	for (size_t i = 0; i < sc->nup; i++) {
		free(sc->up[i].name);
		free(sc->up[i].site);
		free(sc->up[i].worst_kind);
	}
	free(sc->fp);
	free(sc->up);
	free_strings(sc->benign, sc->nbenign);
	free(sc->p);
	free(sc->f);
	free(sc->inc);
	free(sc->a);
	free(sc->m);
	free(sc->scenario);
}
