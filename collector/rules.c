/*
 * rules.c — the rule set: compiling the Hyperscan databases, matching a
 * line, the rules' own tests at load, and the set's lifecycle. The file
 * format is read by rules_load.c (its comment describes it), the
 * compiled databases are cached by rules_cache.c.
 */
#include "rules_int.h"

/* ------------------------------------------------------------- compile */

/* Check every pattern alone, so all bad ones are reported, not the first. */
void
rules_check_patterns(struct ronda_ruleset *rs)
{
	for (size_t i = 0; i < rs->npats; i++) {
		struct pat *p = &rs->pats[i];
		struct rule *r = &rs->rules[p->rule];
		hs_expr_info_t *info = NULL;
		hs_compile_error_t *cerr = NULL;

		if (hs_expression_info(p->expr, PATTERN_FLAGS, &info, &cerr) != HS_SUCCESS) {
			rules_rule_err(rs, r->file, p->line, r->id, "pattern does not compile: %s",
			    cerr && cerr->message ? cerr->message : "unknown error");
			hs_free_compile_error(cerr);
			continue;
		}
		if (info->min_width == 0)
			rules_rule_err(rs, r->file, p->line, r->id,
			    "pattern can match the empty string");
		free(info);
	}
}

int
rules_compile_field(struct ronda_ruleset *rs, int f)
{
	const char **exprs = NULL;
	unsigned *flags = NULL, *ids = NULL;
	unsigned n = 0;
	hs_compile_error_t *cerr = NULL;
	int rc = -1;

	exprs = rules_xrealloc(NULL, (rs->npats + 1) * sizeof(*exprs));
	flags = rules_xrealloc(NULL, (rs->npats + 1) * sizeof(*flags));
	ids = rules_xrealloc(NULL, (rs->npats + 1) * sizeof(*ids));
	for (size_t i = 0; i < rs->npats; i++) {
		if (!(rs->rules[rs->pats[i].rule].fields & (1u << f)))
			continue;
		exprs[n] = rs->pats[i].expr;
		flags[n] = PATTERN_FLAGS;
		ids[n] = (unsigned)i;
		n++;
	}
	if (n == 0) {
		rc = 0;		/* no rule looks at this field: never scanned */
		goto done;
	}
	if (hs_compile_multi(exprs, flags, ids, n, HS_MODE_BLOCK, NULL, &rs->db[f],
	    &cerr) != HS_SUCCESS) {
		if (cerr != NULL && cerr->expression >= 0 && (unsigned)cerr->expression < n) {
			struct pat *p = &rs->pats[ids[cerr->expression]];
			struct rule *r = &rs->rules[p->rule];
			rules_rule_err(rs, r->file, p->line, r->id, "pattern does not compile: %s",
			    cerr->message);
		} else {
			rules_errs_addf(rs, "rules: cannot build the %s database: %s", field_names[f],
			    cerr && cerr->message ? cerr->message : "unknown error");
		}
		hs_free_compile_error(cerr);
		rs->db[f] = NULL;
		goto done;
	}
	if (hs_alloc_scratch(rs->db[f], &rs->scratch) != HS_SUCCESS) {
		rules_errs_addf(rs, "rules: cannot allocate Hyperscan scratch");
		goto done;
	}
	rc = 0;
done:
	free(exprs);
	free(flags);
	free(ids);
	return rc;
}

/* ---------------------------------------------------------------- match */

static int
on_match(unsigned int id, unsigned long long from, unsigned long long to,
    unsigned int mflags, void *ctx)
{
	struct ronda_ruleset *rs = ctx;
	struct pat *p = &rs->pats[id];
	struct rule *r = &rs->rules[p->rule];

	(void)from;
	(void)to;
	(void)mflags;
	if (p->neg) {
		r->veto_gen = rs->gen;
	} else if (r->hit_gen != rs->gen) {
		r->hit_gen = rs->gen;
		rs->hits[rs->nhits++] = p->rule;	/* at most once per rule: fits */
	}
	return 0;
}

/*
 * Per-field result cache. Real traffic repeats itself: a few hundred user
 * agents and referrers, the same pages and assets, the same methods. For a
 * value seen before, the pattern ids it matched are replayed instead of
 * normalising and scanning it again. Direct-mapped, fixed size (no growth
 * with input), keyed by the raw bytes (normalisation is a pure function of
 * them) with a per-process seed, so an attacker can only cause misses.
 */
#define FC_SLOTS	4096
#define FC_KEY_MAX	200
#define FC_IDS		6

struct fc_entry {
	uint64_t h;
	uint16_t len;
	uint8_t used;
	uint8_t nids;
	uint32_t ids[FC_IDS];
	char key[FC_KEY_MAX];
};

/*
 * The path's and the query's normalised forms go into every event, so their
 * caches keep those too (normalisation only shrinks: it fits when the key
 * does), and a hit skips ronda_normalize as well as the scan.
 */
struct fc_norm {
	uint16_t len;
	uint8_t kept;
	char s[FC_KEY_MAX];
};

struct fcache {
	struct fc_entry e[FC_SLOTS];
	struct fc_norm *norm;	/* FC_SLOTS of them, or NULL */
};

/* Recording context for a scan whose result will be cached. */
struct fc_rec {
	struct ronda_ruleset *rs;
	uint32_t ids[FC_IDS];
	unsigned n;
	int over;
};

uint64_t rules_fc_seed;

static int
on_match_rec(unsigned int id, unsigned long long from, unsigned long long to,
    unsigned int mflags, void *ctx)
{
	struct fc_rec *rec = ctx;

	if (rec->n < FC_IDS)
		rec->ids[rec->n++] = id;
	else
		rec->over = 1;
	return on_match(id, from, to, mflags, rec->rs);
}

/*
 * Look k up in field f's cache: on a hit, replay its matches and return 1;
 * on a miss return 0 with *slot and *h set for fc_scan_store().
 */
static int
fc_replay(struct ronda_ruleset *rs, int f, const char *k, size_t n,
    struct fc_entry **slot, uint64_t *h)
{
	struct fc_entry *e;

	*slot = NULL;
	if (rs->fc[f] == NULL || n == 0 || n > FC_KEY_MAX)
		return 0;
	/* The same bytes hash the same for every field: callers may pass *h in. */
	if (*h == 0)
		*h = ronda_qhash(k, n, rules_fc_seed) | 1;
	e = &rs->fc[f]->e[*h & (FC_SLOTS - 1)];
	*slot = e;
	if (!e->used || e->h != *h || e->len != n || memcmp(e->key, k, n) != 0) {
		rs->fc_misses++;
		return 0;
	}
	rs->fc_hits++;
	for (unsigned i = 0; i < e->nids; i++)
		on_match(e->ids[i], 0, 0, 0, rs);
	return 1;
}

/*
 * Scan data for field f, remembering the result under key k when it fits
 * (and data itself as k's normalised form when the cache keeps those).
 */
static void
fc_scan_store(struct ronda_ruleset *rs, int f, struct fc_entry *slot, uint64_t h,
    const char *k, size_t kn, const char *data, size_t dn)
{
	struct fc_rec rec = { .rs = rs };

	if (rs->db[f] == NULL)
		return;
	if (dn > 0 && data != NULL)
		hs_scan(rs->db[f], data, dn > UINT32_MAX ? UINT32_MAX : (unsigned)dn, 0,
		    rs->scratch, on_match_rec, &rec);
	if (slot == NULL || rec.over)
		return;
	if (rs->fc[f]->norm != NULL) {
		struct fc_norm *nm = &rs->fc[f]->norm[slot - rs->fc[f]->e];
		nm->kept = dn <= FC_KEY_MAX;
		if (nm->kept) {
			nm->len = (uint16_t)dn;
			if (dn > 0)
				memcpy(nm->s, data, dn);
		}
	}
	slot->used = 1;
	slot->h = h;
	slot->len = (uint16_t)kn;
	memcpy(slot->key, k, kn);
	slot->nids = (uint8_t)rec.n;
	memcpy(slot->ids, rec.ids, rec.n * sizeof(rec.ids[0]));
}

/* The normalised form a cache hit on slot kept, or a null string when none. */
static struct ronda_str
fc_norm_of(const struct ronda_ruleset *rs, int f, const struct fc_entry *slot)
{
	const struct fc_norm *nm;

	if (rs->fc[f] == NULL || rs->fc[f]->norm == NULL || slot == NULL)
		return RONDA_STR_NULL;
	nm = &rs->fc[f]->norm[slot - rs->fc[f]->e];
	if (!nm->kept)
		return RONDA_STR_NULL;
	return (struct ronda_str){ nm->s, nm->len };
}

static void
scan(struct ronda_ruleset *rs, int f, const char *p, size_t n)
{
	if (rs->db[f] == NULL || n == 0 || p == NULL)
		return;
	if (n > UINT32_MAX)
		n = UINT32_MAX;
	hs_scan(rs->db[f], p, (unsigned)n, 0, rs->scratch, on_match, rs);
}

/*
 * Normalise into b when some rule looks at field f. A field cut at the cap
 * still gets scanned: the prefix is what an attacker could not hide.
 */
static struct ronda_str
norm(struct ronda_buf *b, const struct ronda_str *in, unsigned flags)
{
	ronda_buf_reset(b);
	if (in->n == 0)
		return RONDA_STR_NULL;
	ronda_normalize(in->p, in->n, flags, b);
	return (struct ronda_str){ b->data, b->len };
}

static int
conditions_hold(const struct rule *r, const struct ronda_event *ev)
{
	if (r->type == RONDA_EVENT_WEB) {
		if (r->methods.n && !rules_strlist_has_ci(&r->methods, ev->method.p, ev->method.n))
			return 0;
		if (r->nstatus) {
			size_t i;
			for (i = 0; i < r->nstatus; i++)
				if (ev->status >= r->status[i].lo && ev->status <= r->status[i].hi)
					break;
			if (i == r->nstatus)
				return 0;
		}
		return 1;
	}
	if (r->programs.n && !rules_strlist_has_ci(&r->programs, ev->program.p, ev->program.n))
		return 0;
	if (r->actions.n &&
	    (ev->action == NULL || !rules_strlist_has_ci(&r->actions, ev->action, strlen(ev->action))))
		return 0;
	return 1;
}

static void
add_to_event(struct ronda_event *ev, const struct rule *r)
{
	struct ronda_event_rule er = { r->id, r->name, r->category, r->severity };
	int i;

	if (r->severity > ev->severity)
		ev->severity = r->severity;
	/* Keep the list sorted by severity so a full list keeps the worst. */
	if (ev->nrules == RONDA_EVENT_MAX_RULES) {
		if (ev->rules[ev->nrules - 1].severity >= r->severity)
			return;
		ev->nrules--;
	}
	for (i = ev->nrules; i > 0 && ev->rules[i - 1].severity < r->severity; i--)
		ev->rules[i] = ev->rules[i - 1];
	ev->rules[i] = er;
	ev->nrules++;
}

int
ronda_rules_match(struct ronda_ruleset *rs, struct ronda_event *ev)
{
	int matched = 0;

	ev->nrules = 0;
	ev->severity = 0;
	if (rs == NULL)
		return 0;
	if (++rs->gen == 0) {
		/* Wrapped: old marks could look current. */
		for (size_t i = 0; i < rs->nrules; i++)
			rs->rules[i].hit_gen = rs->rules[i].veto_gen = rs->rules[i].ok_gen = 0;
		rs->gen = 1;
	}
	rs->nhits = 0;

	if (ev->type == RONDA_EVENT_WEB) {
		struct fc_entry *slot;
		uint64_t h = 0;
		int hit;

		/*
		 * The normalised path and query go into the event in any case:
		 * from the cache on a hit (with the matches), else computed.
		 */
		hit = fc_replay(rs, F_PATH, ev->path.p, ev->path.n, &slot, &h);
		ev->norm_path = hit ? fc_norm_of(rs, F_PATH, slot) : RONDA_STR_NULL;
		if (ev->norm_path.p == NULL)
			ev->norm_path = norm(&rs->nb_path, &ev->path,
			    RONDA_NORM_PATH | RONDA_NORM_LOWER);
		if (!hit)
			fc_scan_store(rs, F_PATH, slot, h, ev->path.p, ev->path.n,
			    ev->norm_path.p, ev->norm_path.n);
		h = 0;
		hit = fc_replay(rs, F_QUERY, ev->query.p, ev->query.n, &slot, &h);
		ev->norm_query = hit ? fc_norm_of(rs, F_QUERY, slot) : RONDA_STR_NULL;
		if (ev->norm_query.p == NULL)
			ev->norm_query = norm(&rs->nb_query, &ev->query,
			    RONDA_NORM_QUERY | RONDA_NORM_LOWER);
		if (!hit)
			fc_scan_store(rs, F_QUERY, slot, h, ev->query.p, ev->query.n,
			    ev->norm_query.p, ev->norm_query.n);
		h = 0;
		if (rs->db[F_URL] != NULL &&
		    !fc_replay(rs, F_URL, ev->url.p, ev->url.n, &slot, &h)) {
			ronda_buf_reset(&rs->nb_url);
			ronda_buf_append(&rs->nb_url, ev->norm_path.p, ev->norm_path.n);
			if (ev->norm_query.n > 0) {
				ronda_buf_putc(&rs->nb_url, '?');
				ronda_buf_append(&rs->nb_url, ev->norm_query.p, ev->norm_query.n);
			}
			fc_scan_store(rs, F_URL, slot, h, ev->url.p, ev->url.n,
			    rs->nb_url.data, rs->nb_url.len);
		}
		/* h still holds the URL's hash (or 0): the same bytes as raw_url. */
		if (!fc_replay(rs, F_RAW_URL, ev->url.p, ev->url.n, &slot, &h))
			fc_scan_store(rs, F_RAW_URL, slot, h, ev->url.p, ev->url.n,
			    ev->url.p, ev->url.n);
		h = 0;
		if (rs->db[F_UA] != NULL &&
		    !fc_replay(rs, F_UA, ev->user_agent.p, ev->user_agent.n, &slot, &h)) {
			struct ronda_str s = norm(&rs->nb_ua, &ev->user_agent, RONDA_NORM_LOWER);
			fc_scan_store(rs, F_UA, slot, h, ev->user_agent.p, ev->user_agent.n,
			    s.p, s.n);
		}
		h = 0;
		if (rs->db[F_REFERRER] != NULL &&
		    !fc_replay(rs, F_REFERRER, ev->referrer.p, ev->referrer.n, &slot, &h)) {
			struct ronda_str s = norm(&rs->nb_ref, &ev->referrer,
			    RONDA_NORM_QUERY | RONDA_NORM_LOWER);
			fc_scan_store(rs, F_REFERRER, slot, h, ev->referrer.p, ev->referrer.n,
			    s.p, s.n);
		}
		h = 0;
		if (!fc_replay(rs, F_METHOD, ev->method.p, ev->method.n, &slot, &h))
			fc_scan_store(rs, F_METHOD, slot, h, ev->method.p, ev->method.n,
			    ev->method.p, ev->method.n);
	} else if (ev->type == RONDA_EVENT_AUTH) {
		scan(rs, F_MESSAGE, ev->message.p, ev->message.n);
		scan(rs, F_USER, ev->user_name.p, ev->user_name.n);
	} else {
		return 0;
	}

	for (size_t i = 0; i < rs->nhits; i++) {
		struct rule *r = &rs->rules[rs->hits[i]];
		if (r->type != ev->type || r->veto_gen == rs->gen || !conditions_hold(r, ev))
			continue;
		r->ok_gen = rs->gen;
		add_to_event(ev, r);
		matched++;
	}
	for (size_t i = 0; i < rs->nalways[ev->type]; i++) {
		struct rule *r = &rs->rules[rs->always[ev->type][i]];
		if (!conditions_hold(r, ev))
			continue;
		r->ok_gen = rs->gen;
		add_to_event(ev, r);
		matched++;
	}
	return matched;
}

/* ---------------------------------------------------------- self tests */

/*
 * A fixed "now" for the year inference of RFC 3164 test lines, so a rule's
 * tests give the same answer every day of the year.
 */
#define TEST_NOW_MS INT64_C(1795000000000)	/* 2026-11-18 */

/* Parse one test line as the collector would. 0, or -1 when it does not parse. */
static int
test_event(struct ronda_ruleset *rs, const struct rule *r, struct ronda_event *ev,
    const char *line)
{
	size_t n = strlen(line);

	ronda_event_reset(ev);
	ev->original = (struct ronda_str){ line, n };
	if (r->type == RONDA_EVENT_WEB) {
		ev->type = RONDA_EVENT_WEB;
		ev->dataset = "web.access";
		return ronda_parse_web(ev, line, n, RONDA_WEB_COMBINED);
	}
	ev->type = RONDA_EVENT_AUTH;
	ev->dataset = "auth.syslog";
	if (ronda_parse_syslog(ev, line, n, NULL, TEST_NOW_MS) == -1)
		return -1;
	ronda_auth_classify(rs->dec, ev);
	return 0;
}

void
rules_run_tests(struct ronda_ruleset *rs)
{
	struct ronda_event *ev;

	ev = rules_xrealloc(NULL, sizeof(*ev));
	for (size_t i = 0; i < rs->nrules; i++) {
		struct rule *r = &rs->rules[i];

		for (size_t t = 0; t < r->test_match.n; t++) {
			if (test_event(rs, r, ev, r->test_match.v[t]) == -1) {
				rules_rule_err(rs, r->file, r->test_match_line[t], r->id,
				    "test line does not parse as a %s line",
				    r->type == RONDA_EVENT_WEB ? "combined-format" : "syslog");
				continue;
			}
			ronda_rules_match(rs, ev);
			if (r->ok_gen != rs->gen)
				rules_rule_err(rs, r->file, r->test_match_line[t], r->id,
				    "test line does not match");
		}
		for (size_t t = 0; t < r->test_nomatch.n; t++) {
			if (test_event(rs, r, ev, r->test_nomatch.v[t]) == -1) {
				rules_rule_err(rs, r->file, r->test_nomatch_line[t], r->id,
				    "test line does not parse as a %s line",
				    r->type == RONDA_EVENT_WEB ? "combined-format" : "syslog");
				continue;
			}
			ronda_rules_match(rs, ev);
			if (r->ok_gen == rs->gen)
				rules_rule_err(rs, r->file, r->test_nomatch_line[t], r->id,
				    "test line matches but must not");
		}
	}
	free(ev);
}

/* ------------------------------------------------------------ lifecycle */

struct ronda_ruleset *
rules_ruleset_new(struct ronda_cfg_errors *errs)
{
	struct ronda_ruleset *rs = calloc(1, sizeof(*rs));

	if (rs == NULL)
		return NULL;
	rs->errs = errs;
	if ((rs->dec = ronda_decoders_new(errs)) == NULL) {
		free(rs);
		return NULL;
	}
	ronda_buf_init(&rs->nb_path, SCRATCH_MAX);
	ronda_buf_init(&rs->nb_query, SCRATCH_MAX);
	ronda_buf_init(&rs->nb_url, 2 * SCRATCH_MAX + 1);
	ronda_buf_init(&rs->nb_ua, SCRATCH_MAX);
	ronda_buf_init(&rs->nb_ref, SCRATCH_MAX);
	return rs;
}

/* Validate, compile and self-test what was parsed. rs or NULL (freed). */
static struct ronda_ruleset *
ruleset_finish(struct ronda_ruleset *rs)
{
	uint64_t key = 0;
	int cached = 0;

	if (rs->nerr > 0 || ronda_decoders_errors(rs->dec) > 0)
		goto fail;
	/* The cache holds the decoders' prefilter too: load it before they finish. */
	if (rs->cache_dir != NULL) {
		key = rules_cache_key(rs);
		cached = rules_cache_load(rs, key) == 0;
	}
	/* The decoders before the rules' tests: the auth rules' tests need them. */
	if (ronda_decoders_finish(rs->dec) != 0)
		goto fail;
	if (!cached) {
		rules_check_patterns(rs);
		if (rs->nerr > 0)
			goto fail;
		for (int f = 0; f < F_NFIELDS; f++)
			if (rules_compile_field(rs, f) == -1)
				goto fail;
	}
	if (rules_fc_seed == 0)
		rules_fc_seed = ronda_hash64(&rs, sizeof(rs), (uint64_t)time(NULL)) | 1;
	{
		static const int cached_fields[] = { F_PATH, F_QUERY, F_URL, F_RAW_URL, F_UA,
		    F_REFERRER, F_METHOD };
		for (size_t i = 0; i < sizeof(cached_fields) / sizeof(cached_fields[0]); i++) {
			int f = cached_fields[i];
			if (rs->db[f] == NULL)
				continue;
			rs->fc[f] = calloc(1, sizeof(struct fcache));
			if (rs->fc[f] != NULL && (f == F_PATH || f == F_QUERY) &&
			    (rs->fc[f]->norm = calloc(FC_SLOTS, sizeof(struct fc_norm))) == NULL) {
				free(rs->fc[f]);
				rs->fc[f] = NULL;
			}
		}
	}
	rs->hits = rules_xrealloc(NULL, (rs->nrules + 1) * sizeof(*rs->hits));
	for (int t = RONDA_EVENT_WEB; t <= RONDA_EVENT_AUTH; t++)
		rs->always[t] = rules_xrealloc(NULL, (rs->nrules + 1) * sizeof(*rs->always[t]));
	for (size_t i = 0; i < rs->nrules; i++) {
		int t = rs->rules[i].type;
		if (rs->rules[i].npos == 0 && t >= RONDA_EVENT_WEB && t <= RONDA_EVENT_AUTH)
			rs->always[t][rs->nalways[t]++] = (uint32_t)i;
	}
	/* Warm the scratch buffers so the hot path never allocates. */
	ronda_buf_reserve(&rs->nb_path, 4096);
	ronda_buf_reserve(&rs->nb_query, 4096);
	ronda_buf_reserve(&rs->nb_url, 8192);
	ronda_buf_reserve(&rs->nb_ua, 1024);
	ronda_buf_reserve(&rs->nb_ref, 1024);
	rules_run_tests(rs);
	if (rs->nerr > 0)
		goto fail;
	if (rs->cache_dir != NULL && !cached)
		rules_cache_store(rs, key);
	rs->cache_dir = NULL;
	rs->errs = NULL;
	return rs;
fail:
	ronda_rules_free(rs);
	return NULL;
}

struct ronda_ruleset *
ronda_rules_load(const struct ronda_strlist *paths, struct ronda_cfg_errors *errs)
{
	return ronda_rules_load_cached(paths, NULL, errs);
}

struct ronda_ruleset *
ronda_rules_load_cached(const struct ronda_strlist *paths, const char *cache_dir,
    struct ronda_cfg_errors *errs)
{
	struct ronda_ruleset *rs = rules_ruleset_new(errs);

	if (rs == NULL)
		return NULL;
	rs->cache_dir = cache_dir;
	for (size_t i = 0; paths != NULL && i < paths->n; i++)
		rules_load_path(rs, paths->v[i]);
	return ruleset_finish(rs);
}

struct ronda_ruleset *
ronda_rules_load_string(const char *name, const char *text, size_t len,
    struct ronda_cfg_errors *errs)
{
	struct ronda_ruleset *rs = rules_ruleset_new(errs);

	if (rs == NULL)
		return NULL;
	if (len > RULE_FILE_MAX)
		rules_errs_addf(rs, "%s: larger than %d bytes", name, RULE_FILE_MAX);
	else
		rules_parse_text(rs, name, text, len);
	return ruleset_finish(rs);
}

void
ronda_rules_free(struct ronda_ruleset *rs)
{
	if (rs == NULL)
		return;
	for (size_t i = 0; i < rs->nrules; i++)
		rules_rule_free_fields(&rs->rules[i]);
	free(rs->rules);
	for (size_t i = 0; i < rs->npats; i++)
		free(rs->pats[i].expr);
	free(rs->pats);
	for (size_t i = 0; i < rs->nfiles; i++)
		free(rs->files[i]);
	free(rs->files);
	for (int f = 0; f < F_NFIELDS; f++)
		hs_free_database(rs->db[f]);
	hs_free_scratch(rs->scratch);
	for (int f = 0; f < F_NFIELDS; f++) {
		if (rs->fc[f] != NULL)
			free(rs->fc[f]->norm);
		free(rs->fc[f]);
	}
	free(rs->hits);
	for (int t = RONDA_EVENT_WEB; t <= RONDA_EVENT_AUTH; t++)
		free(rs->always[t]);
	ronda_decoders_free(rs->dec);
	ronda_buf_release(&rs->nb_path);
	ronda_buf_release(&rs->nb_query);
	ronda_buf_release(&rs->nb_url);
	ronda_buf_release(&rs->nb_ua);
	ronda_buf_release(&rs->nb_ref);
	free(rs);
}

struct ronda_decoders *
ronda_rules_decoders(struct ronda_ruleset *rs)
{
	return rs != NULL ? rs->dec : NULL;
}

size_t
ronda_rules_count(const struct ronda_ruleset *rs)
{
	return rs != NULL ? rs->nrules : 0;
}

int
ronda_rules_get(const struct ronda_ruleset *rs, size_t i, struct ronda_rule_info *out)
{
	const struct rule *r;

	if (rs == NULL || i >= rs->nrules)
		return -1;
	r = &rs->rules[i];
	memset(out, 0, sizeof(*out));
	out->id = r->id;
	out->name = r->name;
	out->category = r->category;
	out->description = r->description;
	out->severity = r->severity;
	out->applies_to = r->type == RONDA_EVENT_WEB ? "web" : "auth";
	out->tags = (const char *const *)r->tags.v;
	out->ntags = r->tags.n;
	out->file = r->file;
	out->line = r->line;
	out->npatterns = r->npos + r->nneg;
	out->ntests = r->test_match.n + r->test_nomatch.n;
	return 0;
}

int
ronda_rules_matched(const struct ronda_ruleset *rs, size_t i)
{
	if (rs == NULL || i >= rs->nrules)
		return 0;
	return rs->rules[i].ok_gen == rs->gen;
}

const char *const *
ronda_rules_categories(void)
{
	return categories;
}

void
ronda_rules_cache_stats(const struct ronda_ruleset *rs, uint64_t *hits, uint64_t *misses)
{
	*hits = rs != NULL ? rs->fc_hits : 0;
	*misses = rs != NULL ? rs->fc_misses : 0;
}
