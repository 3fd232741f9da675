#include "ronda/rules.h"

#include <dirent.h>
#include <fcntl.h>
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <limits.h>
#include <unistd.h>

#include <hs.h>
#include <yaml.h>

#include "hash.h"
#include "ronda/auth.h"
#include "ronda/normalize.h"
#include "ronda/parse.h"
#include "ronda/timeutil.h"

/*
 * A rule file is a YAML mapping with one key, `rules:`, holding a list of
 * rules (a bare top-level list is accepted too):
 *
 *   rules:
 *     - id: web.sqli.union-select
 *       name: SQL injection with UNION SELECT
 *       category: sqli
 *       severity: high
 *       applies_to: web
 *       fields: [query, path]
 *       patterns: ['\bunion\b.{0,40}?\bselect\b']
 *       not: ['...']              # a hit here vetoes the rule for this line
 *       method: [GET, POST]       # conditions (all must hold)
 *       status: ["200-299", 302]
 *       tags: [T1190]
 *       tests:
 *         match:   ['203.0.113.9 - - [20/Nov/2026:23:04:05 +0800] "GET /?id=1 union select ..." ...']
 *         nomatch: ['...']
 *
 * Every pattern of every rule is compiled into one Hyperscan database per
 * field, so a line costs one hs_scan per field that some rule looks at,
 * whatever the number of rules. Pattern ids index rs->pats, which names the
 * rule and whether the pattern is a veto.
 */

/* Caps: a rule set is operator input, but still bounded. */
#define RULES_MAX		4096
#define RULE_PATTERNS_MAX	64
#define RULE_TESTS_MAX		64
#define RULE_LIST_MAX		64	/* methods, programs, actions, tags, status ranges */
#define PATTERN_LEN_MAX		4096
#define TEST_LINE_MAX		16384
#define RULE_FILE_MAX		(8 * 1024 * 1024)
#define RULE_ID_MAX		128
#define SCRATCH_MAX		(64 * 1024)	/* each normalised field */

/* Hyperscan flags of every pattern: rules match the attack, not its case. */
#define PATTERN_FLAGS (HS_FLAG_CASELESS | HS_FLAG_DOTALL | HS_FLAG_SINGLEMATCH)

enum field {
	F_PATH,		/* normalised path (decoded, resolved, lower case) */
	F_QUERY,	/* normalised query ('+' as space, decoded, lower case) */
	F_URL,		/* normalised path + '?' + normalised query */
	F_RAW_URL,	/* url.original exactly as logged */
	F_UA,		/* user agent, decoded */
	F_REFERRER,	/* referrer, decoded */
	F_METHOD,	/* request method as logged */
	F_MESSAGE,	/* syslog message */
	F_USER,		/* auth user name */
	F_NFIELDS
};

static const char *const field_names[F_NFIELDS] = {
	[F_PATH] = "path", [F_QUERY] = "query", [F_URL] = "url",
	[F_RAW_URL] = "raw_url", [F_UA] = "user_agent", [F_REFERRER] = "referrer",
	[F_METHOD] = "method", [F_MESSAGE] = "message", [F_USER] = "user",
};

#define WEB_FIELDS ((1u << F_PATH) | (1u << F_QUERY) | (1u << F_URL) | \
    (1u << F_RAW_URL) | (1u << F_UA) | (1u << F_REFERRER) | (1u << F_METHOD))
#define AUTH_FIELDS ((1u << F_MESSAGE) | (1u << F_USER))

/*
 * The category vocabulary (schemas/event.schema.json lists the same words):
 * detectors downstream key on these, so a typo must fail the load.
 */
static const char *const categories[] = {
	"sqli", "xss", "lfi", "rfi", "rce", "ssti", "webshell", "scanner",
	"sensitive-file", "cms-login", "gambling-spam", "defacement",
	"brute-force", "recon", "file-upload", "privilege-escalation",
	"login-success", NULL
};

struct status_range {
	int lo, hi;
};

struct rule {
	char *id, *name, *category, *description;
	int severity;
	int type;		/* RONDA_EVENT_WEB / RONDA_EVENT_AUTH */
	unsigned fields;	/* 1 << enum field */
	struct ronda_strlist methods, programs, actions, tags;
	struct status_range *status;
	size_t nstatus;
	size_t npos, nneg;	/* positive and veto patterns */
	struct ronda_strlist test_match, test_nomatch;
	int *test_match_line, *test_nomatch_line;
	const char *file;	/* borrowed from rs->files */
	int line;

	/* Per-match state, compared with rs->gen so nothing is cleared per line. */
	unsigned hit_gen, veto_gen, ok_gen;
};

struct pat {
	uint32_t rule;
	int neg;
	char *expr;
	int line;
};

struct ronda_ruleset {
	struct rule *rules;
	size_t nrules, caprules;
	struct pat *pats;
	size_t npats, cappats;
	char **files;
	size_t nfiles;

	hs_database_t *db[F_NFIELDS];
	hs_scratch_t *scratch;

	struct ronda_decoders *dec;	/* the auth decoders (files with `decoders:`) */

	/* Rules without patterns, evaluated on conditions alone, by event type. */
	uint32_t *always[RONDA_EVENT_AUTH + 1];
	size_t nalways[RONDA_EVENT_AUTH + 1];

	/* Match scratch: hit list (rule indexes) and normalised fields. */
	uint32_t *hits;
	size_t nhits;
	unsigned gen;
	struct ronda_buf nb_path, nb_query, nb_url, nb_ua, nb_ref;

	int nerr;
	struct ronda_cfg_errors *errs;
	const char *cache_dir;	/* compiled databases are cached here (may be NULL) */
	struct fcache *fc[F_NFIELDS];	/* per-field result caches (NULL = none) */
	uint64_t fc_hits, fc_misses;
};

/* ---------------------------------------------------------------- errors */

static void
errs_addf(struct ronda_ruleset *rs, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void
errs_addf(struct ronda_ruleset *rs, const char *fmt, ...)
{
	char *msg = NULL;
	va_list ap;

	rs->nerr++;
	if (rs->errs == NULL)
		return;
	va_start(ap, fmt);
	if (vasprintf(&msg, fmt, ap) == -1)
		msg = NULL;
	va_end(ap);
	if (msg != NULL)
		ronda_cfg_errors_addf(rs->errs, "%s", msg);
	free(msg);
}

/* "file:line: rule <id>: message" */
static void
rule_err(struct ronda_ruleset *rs, const char *file, int line, const char *id,
    const char *fmt, ...) __attribute__((format(printf, 5, 6)));

static void
rule_err(struct ronda_ruleset *rs, const char *file, int line, const char *id,
    const char *fmt, ...)
{
	char msg[768];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	errs_addf(rs, "%s:%d: rule %s: %s", file, line, id, msg);
}

/* ------------------------------------------------------------ utilities */

static void *
xrealloc(void *p, size_t n)
{
	void *q = realloc(p, n);

	if (q == NULL && n != 0)
		abort();	/* startup-time allocation of a bounded set */
	return q;
}

static char *
xstrndup(const char *s, size_t n)
{
	char *d = strndup(s, n);

	if (d == NULL)
		abort();
	return d;
}

static void
strlist_push(struct ronda_strlist *sl, const char *s, size_t n)
{
	sl->v = xrealloc(sl->v, (sl->n + 1) * sizeof(char *));
	sl->v[sl->n++] = xstrndup(s, n);
}

static void
strlist_free(struct ronda_strlist *sl)
{
	for (size_t i = 0; i < sl->n; i++)
		free(sl->v[i]);
	free(sl->v);
	sl->v = NULL;
	sl->n = 0;
}

static int
strlist_has_ci(const struct ronda_strlist *sl, const char *p, size_t n)
{
	for (size_t i = 0; i < sl->n; i++)
		if (strlen(sl->v[i]) == n && strncasecmp(sl->v[i], p, n) == 0)
			return 1;
	return 0;
}

static int
valid_id(const char *s, size_t n)
{
	if (n == 0 || n > RULE_ID_MAX)
		return 0;
	if (!((s[0] >= 'a' && s[0] <= 'z') || (s[0] >= '0' && s[0] <= '9')))
		return 0;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' ||
		    c == '-' || c == '_'))
			return 0;
	}
	return 1;
}

/* ----------------------------------------------------------- YAML walk */

struct yctx {
	struct ronda_ruleset *rs;
	const char *file;
	yaml_document_t *doc;
};

static int
nline(const yaml_node_t *n)
{
	return (int)n->start_mark.line + 1;
}

static const char *
ntext(const yaml_node_t *n)
{
	return (const char *)n->data.scalar.value;
}

static size_t
nlen(const yaml_node_t *n)
{
	return n->data.scalar.length;
}

/* A scalar with no embedded NUL (which would truncate it silently). */
static int
clean_scalar(const yaml_node_t *n)
{
	return n != NULL && n->type == YAML_SCALAR_NODE &&
	    strlen(ntext(n)) == nlen(n);
}

/*
 * Collect a scalar or a list of scalars into sl (at most max items).
 * Returns 0, or -1 after reporting.
 */
static int
get_list(struct yctx *y, yaml_node_t *v, const char *id, const char *key,
    struct ronda_strlist *sl, int keep_nul)
{
	if (v->type == YAML_SCALAR_NODE) {
		if (!keep_nul && !clean_scalar(v)) {
			rule_err(y->rs, y->file, nline(v), id, "%s: NUL byte in value", key);
			return -1;
		}
		strlist_push(sl, ntext(v), nlen(v));
		return 0;
	}
	if (v->type != YAML_SEQUENCE_NODE) {
		rule_err(y->rs, y->file, nline(v), id, "%s: expected a list of strings", key);
		return -1;
	}
	for (yaml_node_item_t *it = v->data.sequence.items.start;
	    it < v->data.sequence.items.top; it++) {
		yaml_node_t *e = yaml_document_get_node(y->doc, *it);
		if (e == NULL || e->type != YAML_SCALAR_NODE) {
			rule_err(y->rs, y->file, e ? nline(e) : nline(v), id,
			    "%s: expected a string in the list", key);
			return -1;
		}
		if (!keep_nul && !clean_scalar(e)) {
			rule_err(y->rs, y->file, nline(e), id, "%s: NUL byte in value", key);
			return -1;
		}
		if (sl->n >= (keep_nul ? RULE_TESTS_MAX : RULE_LIST_MAX)) {
			rule_err(y->rs, y->file, nline(e), id, "%s: too many entries (max %d)",
			    key, keep_nul ? RULE_TESTS_MAX : RULE_LIST_MAX);
			return -1;
		}
		strlist_push(sl, ntext(e), nlen(e));
	}
	return 0;
}

static int
get_str(struct yctx *y, yaml_node_t *v, const char *id, const char *key, char **out)
{
	if (!clean_scalar(v) || nlen(v) == 0) {
		rule_err(y->rs, y->file, nline(v), id, "%s: expected a non-empty string", key);
		return -1;
	}
	free(*out);
	*out = xstrndup(ntext(v), nlen(v));
	return 0;
}

/* "404", "200-299", "4xx". Returns 0 or -1. */
static int
parse_status(const char *s, struct status_range *r)
{
	char *end;
	long lo, hi;

	if (strlen(s) == 3 && s[0] >= '1' && s[0] <= '5' &&
	    (s[1] == 'x' || s[1] == 'X') && (s[2] == 'x' || s[2] == 'X')) {
		r->lo = (s[0] - '0') * 100;
		r->hi = r->lo + 99;
		return 0;
	}
	errno = 0;
	lo = strtol(s, &end, 10);
	if (end == s || errno != 0)
		return -1;
	hi = lo;
	if (*end == '-') {
		const char *h = end + 1;
		hi = strtol(h, &end, 10);
		if (end == h || errno != 0)
			return -1;
	}
	if (*end != '\0' || lo < 100 || hi > 999 || lo > hi)
		return -1;
	r->lo = (int)lo;
	r->hi = (int)hi;
	return 0;
}

static int
add_pattern(struct yctx *y, struct rule *r, uint32_t ri, yaml_node_t *e, int neg)
{
	struct ronda_ruleset *rs = y->rs;
	struct pat *p;

	if (!clean_scalar(e) || nlen(e) == 0) {
		rule_err(rs, y->file, nline(e), r->id,
		    "%s: a pattern must be a non-empty string", neg ? "not" : "patterns");
		return -1;
	}
	if (nlen(e) > PATTERN_LEN_MAX) {
		rule_err(rs, y->file, nline(e), r->id, "pattern longer than %d bytes",
		    PATTERN_LEN_MAX);
		return -1;
	}
	if (r->npos + r->nneg >= RULE_PATTERNS_MAX) {
		rule_err(rs, y->file, nline(e), r->id, "too many patterns (max %d)",
		    RULE_PATTERNS_MAX);
		return -1;
	}
	if (rs->npats == rs->cappats) {
		rs->cappats = rs->cappats ? rs->cappats * 2 : 256;
		rs->pats = xrealloc(rs->pats, rs->cappats * sizeof(*rs->pats));
	}
	p = &rs->pats[rs->npats++];
	p->rule = ri;
	p->neg = neg;
	p->expr = xstrndup(ntext(e), nlen(e));
	p->line = nline(e);
	if (neg)
		r->nneg++;
	else
		r->npos++;
	return 0;
}

static int
get_patterns(struct yctx *y, struct rule *r, uint32_t ri, yaml_node_t *v, int neg)
{
	int rc = 0;

	if (v->type == YAML_SCALAR_NODE)
		return add_pattern(y, r, ri, v, neg);
	if (v->type != YAML_SEQUENCE_NODE) {
		rule_err(y->rs, y->file, nline(v), r->id, "%s: expected a list of patterns",
		    neg ? "not" : "patterns");
		return -1;
	}
	for (yaml_node_item_t *it = v->data.sequence.items.start;
	    it < v->data.sequence.items.top; it++) {
		yaml_node_t *e = yaml_document_get_node(y->doc, *it);
		if (e == NULL)
			continue;
		if (add_pattern(y, r, ri, e, neg) == -1)
			rc = -1;
	}
	return rc;
}

static int
get_tests(struct yctx *y, struct rule *r, yaml_node_t *v)
{
	if (v->type != YAML_MAPPING_NODE) {
		rule_err(y->rs, y->file, nline(v), r->id,
		    "tests: expected a mapping with match: and nomatch:");
		return -1;
	}
	for (yaml_node_pair_t *p = v->data.mapping.pairs.start;
	    p < v->data.mapping.pairs.top; p++) {
		yaml_node_t *k = yaml_document_get_node(y->doc, p->key);
		yaml_node_t *e = yaml_document_get_node(y->doc, p->value);
		struct ronda_strlist *sl;
		int **lines;
		size_t before;

		if (k == NULL || e == NULL)
			continue;
		if (!clean_scalar(k)) {
			rule_err(y->rs, y->file, nline(k), r->id, "tests: keys must be plain names");
			return -1;
		}
		if (strcmp(ntext(k), "match") == 0) {
			sl = &r->test_match;
			lines = &r->test_match_line;
		} else if (strcmp(ntext(k), "nomatch") == 0) {
			sl = &r->test_nomatch;
			lines = &r->test_nomatch_line;
		} else {
			rule_err(y->rs, y->file, nline(k), r->id, "tests.%s: unknown key",
			    ntext(k));
			return -1;
		}
		before = sl->n;
		if (get_list(y, e, r->id, ntext(k), sl, 1) == -1)
			return -1;
		*lines = xrealloc(*lines, (sl->n ? sl->n : 1) * sizeof(int));
		/* Line of each entry, for "file:line" of a failing test. */
		if (e->type == YAML_SEQUENCE_NODE) {
			size_t i = before;
			for (yaml_node_item_t *it = e->data.sequence.items.start;
			    it < e->data.sequence.items.top && i < sl->n; it++, i++) {
				yaml_node_t *t = yaml_document_get_node(y->doc, *it);
				(*lines)[i] = t ? nline(t) : nline(e);
			}
		} else if (sl->n > before) {
			(*lines)[before] = nline(e);
		}
		for (size_t i = before; i < sl->n; i++) {
			if (strlen(sl->v[i]) > TEST_LINE_MAX) {
				rule_err(y->rs, y->file, (*lines)[i], r->id,
				    "test line longer than %d bytes", TEST_LINE_MAX);
				return -1;
			}
		}
	}
	return 0;
}

static void
rule_free_fields(struct rule *r)
{
	free(r->id);
	free(r->name);
	free(r->category);
	free(r->description);
	strlist_free(&r->methods);
	strlist_free(&r->programs);
	strlist_free(&r->actions);
	strlist_free(&r->tags);
	strlist_free(&r->test_match);
	strlist_free(&r->test_nomatch);
	free(r->test_match_line);
	free(r->test_nomatch_line);
	free(r->status);
}

/* Find the value of key name in a mapping, or NULL. */
static yaml_node_t *
map_get(yaml_document_t *doc, yaml_node_t *map, const char *name)
{
	for (yaml_node_pair_t *p = map->data.mapping.pairs.start;
	    p < map->data.mapping.pairs.top; p++) {
		yaml_node_t *k = yaml_document_get_node(doc, p->key);
		if (clean_scalar(k) && strcmp(ntext(k), name) == 0)
			return yaml_document_get_node(doc, p->value);
	}
	return NULL;
}

static const char *const rule_keys[] = {
	"id", "name", "category", "severity", "applies_to", "fields", "patterns",
	"not", "method", "status", "program", "action", "tags", "description",
	"references", "tests", NULL
};

/* Parse one rule mapping. Errors are reported; the rule is dropped then. */
static void
parse_rule(struct yctx *y, yaml_node_t *m, size_t index)
{
	struct ronda_ruleset *rs = y->rs;
	struct rule r;
	yaml_node_t *v;
	char idbuf[64];
	const char *id;
	int bad = 0, seen[32] = { 0 };
	uint32_t ri = (uint32_t)rs->nrules;
	size_t pats_before = rs->npats;
	struct ronda_strlist fields = { 0 }, status = { 0 }, refs = { 0 };

	memset(&r, 0, sizeof(r));
	r.file = y->file;
	r.line = nline(m);
	snprintf(idbuf, sizeof(idbuf), "#%zu", index + 1);
	if (m->type != YAML_MAPPING_NODE) {
		rule_err(rs, y->file, nline(m), idbuf, "a rule must be a mapping");
		return;
	}
	if (rs->nrules >= RULES_MAX) {
		rule_err(rs, y->file, nline(m), idbuf, "too many rules (max %d)", RULES_MAX);
		return;
	}

	/* The id first, so every later message can name the rule. */
	v = map_get(y->doc, m, "id");
	if (v == NULL) {
		rule_err(rs, y->file, nline(m), idbuf, "id: required key is missing");
		bad = 1;
		r.id = xstrndup(idbuf, strlen(idbuf));
	} else if (!clean_scalar(v) || !valid_id(ntext(v), nlen(v))) {
		rule_err(rs, y->file, nline(v), idbuf,
		    "id: expected lower-case letters, digits, '.', '-', '_' (at most %d)",
		    RULE_ID_MAX);
		bad = 1;
		r.id = xstrndup(idbuf, strlen(idbuf));
	} else {
		r.id = xstrndup(ntext(v), nlen(v));
	}
	id = r.id;

	for (yaml_node_pair_t *p = m->data.mapping.pairs.start;
	    p < m->data.mapping.pairs.top; p++) {
		yaml_node_t *k = yaml_document_get_node(y->doc, p->key);
		const char *key;
		int ki;

		v = yaml_document_get_node(y->doc, p->value);
		if (k == NULL || v == NULL)
			continue;
		if (!clean_scalar(k)) {
			rule_err(rs, y->file, nline(k), id, "keys must be plain names");
			bad = 1;
			continue;
		}
		key = ntext(k);
		for (ki = 0; rule_keys[ki] != NULL; ki++)
			if (strcmp(rule_keys[ki], key) == 0)
				break;
		if (rule_keys[ki] == NULL) {
			rule_err(rs, y->file, nline(k), id, "%s: unknown key", key);
			bad = 1;
			continue;
		}
		if (seen[ki]++) {
			rule_err(rs, y->file, nline(k), id, "%s: given twice", key);
			bad = 1;
			continue;
		}
		if (strcmp(key, "id") == 0)
			continue;
		if (strcmp(key, "name") == 0) {
			bad |= get_str(y, v, id, key, &r.name) == -1;
		} else if (strcmp(key, "description") == 0) {
			bad |= get_str(y, v, id, key, &r.description) == -1;
		} else if (strcmp(key, "references") == 0) {
			bad |= get_list(y, v, id, key, &refs, 0) == -1;
		} else if (strcmp(key, "category") == 0) {
			if (get_str(y, v, id, key, &r.category) == -1) {
				bad = 1;
				continue;
			}
			for (ki = 0; categories[ki] != NULL; ki++)
				if (strcmp(categories[ki], r.category) == 0)
					break;
			if (categories[ki] == NULL) {
				rule_err(rs, y->file, nline(v), id,
				    "category: \"%s\" is not in the category vocabulary", r.category);
				bad = 1;
			}
		} else if (strcmp(key, "severity") == 0) {
			if (!clean_scalar(v) || (r.severity = ronda_severity_parse(ntext(v))) < 1) {
				rule_err(rs, y->file, nline(v), id,
				    "severity: expected low, medium, high or critical");
				bad = 1;
			}
		} else if (strcmp(key, "applies_to") == 0) {
			if (clean_scalar(v) && strcmp(ntext(v), "web") == 0) {
				r.type = RONDA_EVENT_WEB;
			} else if (clean_scalar(v) && strcmp(ntext(v), "auth") == 0) {
				r.type = RONDA_EVENT_AUTH;
			} else {
				rule_err(rs, y->file, nline(v), id, "applies_to: expected web or auth");
				bad = 1;
			}
		} else if (strcmp(key, "fields") == 0) {
			bad |= get_list(y, v, id, key, &fields, 0) == -1;
		} else if (strcmp(key, "patterns") == 0) {
			bad |= get_patterns(y, &r, ri, v, 0) == -1;
		} else if (strcmp(key, "not") == 0) {
			bad |= get_patterns(y, &r, ri, v, 1) == -1;
		} else if (strcmp(key, "method") == 0) {
			bad |= get_list(y, v, id, key, &r.methods, 0) == -1;
		} else if (strcmp(key, "status") == 0) {
			bad |= get_list(y, v, id, key, &status, 0) == -1;
		} else if (strcmp(key, "program") == 0) {
			bad |= get_list(y, v, id, key, &r.programs, 0) == -1;
		} else if (strcmp(key, "action") == 0) {
			bad |= get_list(y, v, id, key, &r.actions, 0) == -1;
		} else if (strcmp(key, "tags") == 0) {
			bad |= get_list(y, v, id, key, &r.tags, 0) == -1;
		} else if (strcmp(key, "tests") == 0) {
			bad |= get_tests(y, &r, v) == -1;
		}
	}

	/* Required keys and the rules that span keys. */
	if (!seen[1]) {
		rule_err(rs, y->file, r.line, id, "name: required key is missing");
		bad = 1;
	}
	if (!seen[2]) {
		rule_err(rs, y->file, r.line, id, "category: required key is missing");
		bad = 1;
	}
	if (!seen[3]) {
		rule_err(rs, y->file, r.line, id, "severity: required key is missing");
		bad = 1;
	}
	if (!seen[4]) {
		rule_err(rs, y->file, r.line, id, "applies_to: required key is missing");
		bad = 1;
	}
	for (size_t i = 0; i < fields.n; i++) {
		int f;
		for (f = 0; f < F_NFIELDS; f++)
			if (strcmp(field_names[f], fields.v[i]) == 0)
				break;
		if (f == F_NFIELDS) {
			rule_err(rs, y->file, r.line, id, "fields: unknown field \"%s\"",
			    fields.v[i]);
			bad = 1;
			continue;
		}
		r.fields |= 1u << f;
	}
	if (r.type != 0 && r.fields != 0 &&
	    (r.fields & ~(r.type == RONDA_EVENT_WEB ? WEB_FIELDS : AUTH_FIELDS)) != 0) {
		rule_err(rs, y->file, r.line, id,
		    "fields: a %s rule can look at %s", r.type == RONDA_EVENT_WEB ? "web" : "auth",
		    r.type == RONDA_EVENT_WEB ?
		    "path, query, url, raw_url, user_agent, referrer, method" : "message, user");
		bad = 1;
	}
	if ((r.npos > 0 || r.nneg > 0) && r.fields == 0 && !bad) {
		rule_err(rs, y->file, r.line, id, "fields: patterns need the fields they look at");
		bad = 1;
	}
	if (r.npos == 0 && r.nneg > 0) {
		rule_err(rs, y->file, r.line, id, "not: needs at least one pattern to veto");
		bad = 1;
	}
	if (r.type == RONDA_EVENT_WEB && (r.programs.n || r.actions.n)) {
		rule_err(rs, y->file, r.line, id, "program/action apply to auth rules only");
		bad = 1;
	}
	if (r.type == RONDA_EVENT_AUTH && (r.methods.n || status.n)) {
		rule_err(rs, y->file, r.line, id, "method/status apply to web rules only");
		bad = 1;
	}
	if (r.npos == 0 && !r.methods.n && !status.n && !r.programs.n && !r.actions.n &&
	    !bad) {
		rule_err(rs, y->file, r.line, id,
		    "a rule needs patterns or at least one condition (method, status, program, action)");
		bad = 1;
	}
	if (r.test_match.n == 0 && !bad) {
		rule_err(rs, y->file, r.line, id,
		    "tests: at least one line that must match is required");
		bad = 1;
	}
	if (status.n > 0) {
		r.status = xrealloc(NULL, status.n * sizeof(*r.status));
		for (size_t i = 0; i < status.n; i++) {
			if (parse_status(status.v[i], &r.status[i]) == -1) {
				rule_err(rs, y->file, r.line, id,
				    "status: \"%s\" is not a code, a range like 200-299, or 4xx",
				    status.v[i]);
				bad = 1;
			}
		}
		r.nstatus = status.n;
	}
	for (size_t i = 0; i < rs->nrules && !bad; i++) {
		if (strcmp(rs->rules[i].id, id) == 0) {
			rule_err(rs, y->file, r.line, id, "duplicate id (first at %s:%d)",
			    rs->rules[i].file, rs->rules[i].line);
			bad = 1;
		}
	}
	strlist_free(&fields);
	strlist_free(&status);
	strlist_free(&refs);

	if (bad) {
		while (rs->npats > pats_before)
			free(rs->pats[--rs->npats].expr);
		rule_free_fields(&r);
		return;
	}
	if (rs->nrules == rs->caprules) {
		rs->caprules = rs->caprules ? rs->caprules * 2 : 64;
		rs->rules = xrealloc(rs->rules, rs->caprules * sizeof(*rs->rules));
	}
	rs->rules[rs->nrules++] = r;
}

static void
parse_document(struct yctx *y, yaml_node_t *root)
{
	yaml_node_t *list = root;
	size_t i = 0;

	if (root->type == YAML_MAPPING_NODE) {
		list = NULL;
		for (yaml_node_pair_t *p = root->data.mapping.pairs.start;
		    p < root->data.mapping.pairs.top; p++) {
			yaml_node_t *k = yaml_document_get_node(y->doc, p->key);
			if (k == NULL)
				continue;
			if (clean_scalar(k) && strcmp(ntext(k), "rules") == 0) {
				list = yaml_document_get_node(y->doc, p->value);
			} else if (clean_scalar(k) && strcmp(ntext(k), "decoders") == 0) {
				yaml_node_t *v = yaml_document_get_node(y->doc, p->value);
				if (v != NULL)
					ronda_decoders_parse(y->rs->dec, y->file, y->doc, v);
			} else {
				errs_addf(y->rs, "%s:%d: %s: unknown key (a rule file holds `rules:`, "
				    "a decoder file `decoders:`)",
				    y->file, nline(k), k->type == YAML_SCALAR_NODE ? ntext(k) : "?");
			}
		}
		if (list == NULL)
			return;
		if (list->type == YAML_SCALAR_NODE && nlen(list) == 0)
			return;	/* "rules:" with nothing: an empty file */
	}
	if (list->type != YAML_SEQUENCE_NODE) {
		errs_addf(y->rs, "%s:%d: rules: expected a list of rules", y->file, nline(list));
		return;
	}
	for (yaml_node_item_t *it = list->data.sequence.items.start;
	    it < list->data.sequence.items.top; it++, i++) {
		yaml_node_t *m = yaml_document_get_node(y->doc, *it);
		if (m != NULL)
			parse_rule(y, m, i);
	}
}

static const char *
keep_name(struct ronda_ruleset *rs, const char *name)
{
	rs->files = xrealloc(rs->files, (rs->nfiles + 1) * sizeof(char *));
	rs->files[rs->nfiles] = xstrndup(name, strlen(name));
	return rs->files[rs->nfiles++];
}

/* Parse every document of a rule file held in memory. */
static void
parse_text(struct ronda_ruleset *rs, const char *name, const char *text, size_t len)
{
	yaml_parser_t parser;
	struct yctx y = { .rs = rs, .file = keep_name(rs, name) };

	if (!yaml_parser_initialize(&parser)) {
		errs_addf(rs, "%s: cannot initialise the YAML parser", name);
		return;
	}
	yaml_parser_set_input_string(&parser, (const unsigned char *)text, len);
	for (;;) {
		yaml_document_t doc;
		yaml_node_t *root;

		if (!yaml_parser_load(&parser, &doc)) {
			errs_addf(rs, "%s:%d: yaml: %s%s%s", y.file,
			    (int)parser.problem_mark.line + 1,
			    parser.problem ? parser.problem : "syntax error",
			    parser.context ? " " : "", parser.context ? parser.context : "");
			break;
		}
		root = yaml_document_get_root_node(&doc);
		if (root == NULL) {
			yaml_document_delete(&doc);
			break;
		}
		y.doc = &doc;
		parse_document(&y, root);
		yaml_document_delete(&doc);
	}
	yaml_parser_delete(&parser);
}

static void
load_file(struct ronda_ruleset *rs, const char *path)
{
	FILE *fp;
	char *text = NULL;
	size_t len = 0;
	struct stat st;

	if ((fp = fopen(path, "r")) == NULL) {
		errs_addf(rs, "%s: cannot open: %s", path, strerror(errno));
		return;
	}
	if (fstat(fileno(fp), &st) == -1 || !S_ISREG(st.st_mode)) {
		errs_addf(rs, "%s: not a regular file", path);
		goto done;
	}
	/* A rule someone else can edit is code someone else runs on our input. */
	{
		char err[PATH_MAX + 256];
		if (ronda_cfg_check_trusted(fileno(fp), path, err, sizeof(err)) == -1) {
			errs_addf(rs, "%s", err);
			goto done;
		}
	}
	if (st.st_size > RULE_FILE_MAX) {
		errs_addf(rs, "%s: larger than %d bytes", path, RULE_FILE_MAX);
		goto done;
	}
	text = xrealloc(NULL, (size_t)st.st_size + 1);
	len = fread(text, 1, (size_t)st.st_size, fp);
	if (ferror(fp)) {
		errs_addf(rs, "%s: read error: %s", path, strerror(errno));
		goto done;
	}
	parse_text(rs, path, text, len);
done:
	free(text);
	fclose(fp);
}

static int
yaml_name(const struct dirent *d)
{
	size_t n = strlen(d->d_name);

	if (d->d_name[0] == '.')
		return 0;
	return (n > 5 && strcmp(d->d_name + n - 5, ".yaml") == 0) ||
	    (n > 4 && strcmp(d->d_name + n - 4, ".yml") == 0);
}

static int
sub_folder(const struct dirent *d)
{
	return d->d_name[0] != '.' && (d->d_type == DT_DIR || d->d_type == DT_UNKNOWN);
}

/*
 * The *.yaml of a folder in name order, then (depth 0 only) those of its
 * sub-folders in name order: the shipped set keeps the auth decoders in
 * rules/auth/. Returns the number of files read.
 */
static int
load_folder(struct ronda_ruleset *rs, const char *path, int depth)
{
	struct dirent **names = NULL;
	int n, files = 0;

	/* Whoever can write the folder can add a rule file to it. */
	{
		char err[PATH_MAX + 256];
		int dfd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (dfd == -1) {
			errs_addf(rs, "%s: cannot read the folder: %s", path, strerror(errno));
			return 0;
		}
		if (ronda_cfg_check_trusted(dfd, path, err, sizeof(err)) == -1) {
			errs_addf(rs, "%s", err);
			close(dfd);
			return 0;
		}
		close(dfd);
	}
	n = scandir(path, &names, yaml_name, alphasort);
	if (n == -1) {
		errs_addf(rs, "%s: cannot read the folder: %s", path, strerror(errno));
		return 0;
	}
	for (int i = 0; i < n; i++) {
		char *full = NULL;
		if (asprintf(&full, "%s/%s", path, names[i]->d_name) != -1) {
			load_file(rs, full);
			free(full);
		}
		free(names[i]);
	}
	free(names);
	files += n;
	if (depth > 0)
		return files;
	n = scandir(path, &names, sub_folder, alphasort);
	for (int i = 0; i < n; i++) {
		char *full = NULL;
		struct stat st;
		if (asprintf(&full, "%s/%s", path, names[i]->d_name) != -1) {
			/* lstat: a symlinked folder is not followed out of the rules. */
			if (lstat(full, &st) == 0 && S_ISDIR(st.st_mode))
				files += load_folder(rs, full, depth + 1);
			free(full);
		}
		free(names[i]);
	}
	free(names);
	return files;
}

static void
load_path(struct ronda_ruleset *rs, const char *path)
{
	struct stat st;

	if (stat(path, &st) == -1) {
		errs_addf(rs, "%s: cannot open: %s", path, strerror(errno));
		return;
	}
	if (!S_ISDIR(st.st_mode)) {
		load_file(rs, path);
		return;
	}
	/* A collector without rules ships no attack at all: say so, do not start. */
	if (load_folder(rs, path, 0) == 0 && rs->nerr == 0)
		errs_addf(rs, "%s: no rule files (*.yaml, *.yml) in this folder", path);
}

/* ------------------------------------------------------------- compile */

/* Check every pattern alone, so all bad ones are reported, not the first. */
static void
check_patterns(struct ronda_ruleset *rs)
{
	for (size_t i = 0; i < rs->npats; i++) {
		struct pat *p = &rs->pats[i];
		struct rule *r = &rs->rules[p->rule];
		hs_expr_info_t *info = NULL;
		hs_compile_error_t *cerr = NULL;

		if (hs_expression_info(p->expr, PATTERN_FLAGS, &info, &cerr) != HS_SUCCESS) {
			rule_err(rs, r->file, p->line, r->id, "pattern does not compile: %s",
			    cerr && cerr->message ? cerr->message : "unknown error");
			hs_free_compile_error(cerr);
			continue;
		}
		if (info->min_width == 0)
			rule_err(rs, r->file, p->line, r->id,
			    "pattern can match the empty string");
		free(info);
	}
}

static int
compile_field(struct ronda_ruleset *rs, int f)
{
	const char **exprs = NULL;
	unsigned *flags = NULL, *ids = NULL;
	unsigned n = 0;
	hs_compile_error_t *cerr = NULL;
	int rc = -1;

	exprs = xrealloc(NULL, (rs->npats + 1) * sizeof(*exprs));
	flags = xrealloc(NULL, (rs->npats + 1) * sizeof(*flags));
	ids = xrealloc(NULL, (rs->npats + 1) * sizeof(*ids));
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
			rule_err(rs, r->file, p->line, r->id, "pattern does not compile: %s",
			    cerr->message);
		} else {
			errs_addf(rs, "rules: cannot build the %s database: %s", field_names[f],
			    cerr && cerr->message ? cerr->message : "unknown error");
		}
		hs_free_compile_error(cerr);
		rs->db[f] = NULL;
		goto done;
	}
	if (hs_alloc_scratch(rs->db[f], &rs->scratch) != HS_SUCCESS) {
		errs_addf(rs, "rules: cannot allocate Hyperscan scratch");
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

static uint64_t fc_seed;

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
		*h = ronda_qhash(k, n, fc_seed) | 1;
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
		if (r->methods.n && !strlist_has_ci(&r->methods, ev->method.p, ev->method.n))
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
	if (r->programs.n && !strlist_has_ci(&r->programs, ev->program.p, ev->program.n))
		return 0;
	if (r->actions.n &&
	    (ev->action == NULL || !strlist_has_ci(&r->actions, ev->action, strlen(ev->action))))
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

static void
run_tests(struct ronda_ruleset *rs)
{
	struct ronda_event *ev;

	ev = xrealloc(NULL, sizeof(*ev));
	for (size_t i = 0; i < rs->nrules; i++) {
		struct rule *r = &rs->rules[i];

		for (size_t t = 0; t < r->test_match.n; t++) {
			if (test_event(rs, r, ev, r->test_match.v[t]) == -1) {
				rule_err(rs, r->file, r->test_match_line[t], r->id,
				    "test line does not parse as a %s line",
				    r->type == RONDA_EVENT_WEB ? "combined-format" : "syslog");
				continue;
			}
			ronda_rules_match(rs, ev);
			if (r->ok_gen != rs->gen)
				rule_err(rs, r->file, r->test_match_line[t], r->id,
				    "test line does not match");
		}
		for (size_t t = 0; t < r->test_nomatch.n; t++) {
			if (test_event(rs, r, ev, r->test_nomatch.v[t]) == -1) {
				rule_err(rs, r->file, r->test_nomatch_line[t], r->id,
				    "test line does not parse as a %s line",
				    r->type == RONDA_EVENT_WEB ? "combined-format" : "syslog");
				continue;
			}
			ronda_rules_match(rs, ev);
			if (r->ok_gen == rs->gen)
				rule_err(rs, r->file, r->test_nomatch_line[t], r->id,
				    "test line matches but must not");
		}
	}
	free(ev);
}

/* ------------------------------------------------------------ lifecycle */

static struct ronda_ruleset *
ruleset_new(struct ronda_cfg_errors *errs)
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

/* ---------------------------------------------------- database cache */

/*
 * Compiling the databases takes seconds; a restart should not. The compiled
 * form (hs_serialize_database) is kept in a file named after a hash of
 * everything that goes into it: Hyperscan's version, the flags, and every
 * pattern with its rule's fields and its id. Any change to a rule gives
 * another name. The file is written only after the rules passed their own
 * tests, into a folder only the collector may write (checked: a cache an
 * attacker could replace would blind detection).
 */
#define CACHE_MAGIC "RONDAHS1"

static uint64_t
cache_key(const struct ronda_ruleset *rs)
{
	uint64_t h = ronda_hash64(hs_version(), strlen(hs_version()), PATTERN_FLAGS);

	for (size_t i = 0; i < rs->npats; i++) {
		const struct pat *p = &rs->pats[i];
		uint64_t v[3] = { rs->rules[p->rule].fields, (uint64_t)p->neg, i };
		h = ronda_hash64(p->expr, strlen(p->expr), h);
		h = ronda_hash64(v, sizeof(v), h);
	}
	return h;
}

static int
cache_dir_safe(const char *dir)
{
	struct stat sb;

	return dir != NULL && stat(dir, &sb) == 0 && S_ISDIR(sb.st_mode) &&
	    (sb.st_mode & (S_IWGRP | S_IWOTH)) == 0 && sb.st_uid == geteuid();
}

/* Load every field's database from the cache. 0, or -1 (nothing loaded). */
static int
cache_load(struct ronda_ruleset *rs, uint64_t key)
{
	char path[PATH_MAX], magic[8];
	FILE *fp;
	int ok = 0;

	if (!cache_dir_safe(rs->cache_dir))
		return -1;
	snprintf(path, sizeof(path), "%s/rules-%016llx.hsdb", rs->cache_dir,
	    (unsigned long long)key);
	if ((fp = fopen(path, "rb")) == NULL)
		return -1;
	if (fread(magic, 1, 8, fp) != 8 || memcmp(magic, CACHE_MAGIC, 8) != 0)
		goto done;
	for (int f = 0; f < F_NFIELDS; f++) {
		uint64_t len;
		char *b;
		if (fread(&len, sizeof(len), 1, fp) != 1 || len > (256u << 20))
			goto done;
		if (len == 0)
			continue;
		if ((b = malloc(len)) == NULL)
			goto done;
		if (fread(b, 1, len, fp) != len ||
		    hs_deserialize_database(b, len, &rs->db[f]) != HS_SUCCESS ||
		    hs_alloc_scratch(rs->db[f], &rs->scratch) != HS_SUCCESS) {
			free(b);
			goto done;
		}
		free(b);
	}
	ok = 1;
done:
	fclose(fp);
	if (!ok) {
		for (int f = 0; f < F_NFIELDS; f++) {
			hs_free_database(rs->db[f]);
			rs->db[f] = NULL;
		}
		return -1;
	}
	return 0;
}

/* Write the compiled databases (atomically) and drop older cache files. */
static void
cache_store(struct ronda_ruleset *rs, uint64_t key)
{
	char path[PATH_MAX], tmp[PATH_MAX + 8], name[64];
	FILE *fp;
	int ok = 1;
	DIR *d;
	struct dirent *de;

	if (!cache_dir_safe(rs->cache_dir))
		return;
	snprintf(path, sizeof(path), "%s/rules-%016llx.hsdb", rs->cache_dir,
	    (unsigned long long)key);
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	{
		int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
		if (fd == -1)
			return;
		if ((fp = fdopen(fd, "wb")) == NULL) {
			close(fd);
			unlink(tmp);
			return;
		}
	}
	fwrite(CACHE_MAGIC, 1, 8, fp);
	for (int f = 0; f < F_NFIELDS && ok; f++) {
		char *b = NULL;
		size_t n = 0;
		uint64_t len = 0;
		if (rs->db[f] != NULL &&
		    hs_serialize_database(rs->db[f], &b, &n) != HS_SUCCESS) {
			ok = 0;
			break;
		}
		len = n;
		ok = fwrite(&len, sizeof(len), 1, fp) == 1 && (n == 0 ||
		    fwrite(b, 1, n, fp) == n);
		free(b);
	}
	if (fclose(fp) != 0 || !ok || rename(tmp, path) != 0) {
		unlink(tmp);
		return;
	}
	snprintf(name, sizeof(name), "rules-%016llx.hsdb", (unsigned long long)key);
	if ((d = opendir(rs->cache_dir)) == NULL)
		return;
	while ((de = readdir(d)) != NULL) {
		if (strncmp(de->d_name, "rules-", 6) == 0 && strcmp(de->d_name, name) != 0 &&
		    strstr(de->d_name, ".hsdb") != NULL) {
			char old[PATH_MAX];
			snprintf(old, sizeof(old), "%s/%s", rs->cache_dir, de->d_name);
			unlink(old);
		}
	}
	closedir(d);
}

/* Validate, compile and self-test what was parsed. rs or NULL (freed). */
static struct ronda_ruleset *
ruleset_finish(struct ronda_ruleset *rs)
{
	uint64_t key = 0;
	int cached = 0;

	if (rs->nerr > 0 || ronda_decoders_errors(rs->dec) > 0)
		goto fail;
	/* The decoders first: the auth rules' own tests need them. */
	if (ronda_decoders_finish(rs->dec) != 0)
		goto fail;
	if (rs->cache_dir != NULL) {
		key = cache_key(rs);
		cached = cache_load(rs, key) == 0;
	}
	if (!cached) {
		check_patterns(rs);
		if (rs->nerr > 0)
			goto fail;
		for (int f = 0; f < F_NFIELDS; f++)
			if (compile_field(rs, f) == -1)
				goto fail;
	}
	if (fc_seed == 0)
		fc_seed = ronda_hash64(&rs, sizeof(rs), (uint64_t)time(NULL)) | 1;
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
	rs->hits = xrealloc(NULL, (rs->nrules + 1) * sizeof(*rs->hits));
	for (int t = RONDA_EVENT_WEB; t <= RONDA_EVENT_AUTH; t++)
		rs->always[t] = xrealloc(NULL, (rs->nrules + 1) * sizeof(*rs->always[t]));
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
	run_tests(rs);
	if (rs->nerr > 0)
		goto fail;
	if (rs->cache_dir != NULL && !cached)
		cache_store(rs, key);
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
	struct ronda_ruleset *rs = ruleset_new(errs);

	if (rs == NULL)
		return NULL;
	rs->cache_dir = cache_dir;
	for (size_t i = 0; paths != NULL && i < paths->n; i++)
		load_path(rs, paths->v[i]);
	return ruleset_finish(rs);
}

struct ronda_ruleset *
ronda_rules_load_string(const char *name, const char *text, size_t len,
    struct ronda_cfg_errors *errs)
{
	struct ronda_ruleset *rs = ruleset_new(errs);

	if (rs == NULL)
		return NULL;
	if (len > RULE_FILE_MAX)
		errs_addf(rs, "%s: larger than %d bytes", name, RULE_FILE_MAX);
	else
		parse_text(rs, name, text, len);
	return ruleset_finish(rs);
}

void
ronda_rules_free(struct ronda_ruleset *rs)
{
	if (rs == NULL)
		return;
	for (size_t i = 0; i < rs->nrules; i++)
		rule_free_fields(&rs->rules[i]);
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
