#include "rules_int.h"

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

/* ---------------------------------------------------------------- errors */

void
rules_errs_addf(struct ronda_ruleset *rs, const char *fmt, ...)
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
void
rules_rule_err(struct ronda_ruleset *rs, const char *file, int line, const char *id,
    const char *fmt, ...)
{
	char msg[768];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	rules_errs_addf(rs, "%s:%d: rule %s: %s", file, line, id, msg);
}

/* ------------------------------------------------------------ utilities */

void *
rules_xrealloc(void *p, size_t n)
{
	void *q = realloc(p, n);

	if (q == NULL && n != 0)
		abort();	/* startup-time allocation of a bounded set */
	return q;
}

char *
rules_xstrndup(const char *s, size_t n)
{
	char *d = strndup(s, n);

	if (d == NULL)
		abort();
	return d;
}

static void
strlist_push(struct ronda_strlist *sl, const char *s, size_t n)
{
	sl->v = rules_xrealloc(sl->v, (sl->n + 1) * sizeof(char *));
	sl->v[sl->n++] = rules_xstrndup(s, n);
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

int
rules_strlist_has_ci(const struct ronda_strlist *sl, const char *p, size_t n)
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
			rules_rule_err(y->rs, y->file, nline(v), id, "%s: NUL byte in value", key);
			return -1;
		}
		strlist_push(sl, ntext(v), nlen(v));
		return 0;
	}
	if (v->type != YAML_SEQUENCE_NODE) {
		rules_rule_err(y->rs, y->file, nline(v), id, "%s: expected a list of strings", key);
		return -1;
	}
	for (yaml_node_item_t *it = v->data.sequence.items.start;
	    it < v->data.sequence.items.top; it++) {
		yaml_node_t *e = yaml_document_get_node(y->doc, *it);
		if (e == NULL || e->type != YAML_SCALAR_NODE) {
			rules_rule_err(y->rs, y->file, e ? nline(e) : nline(v), id,
			    "%s: expected a string in the list", key);
			return -1;
		}
		if (!keep_nul && !clean_scalar(e)) {
			rules_rule_err(y->rs, y->file, nline(e), id, "%s: NUL byte in value", key);
			return -1;
		}
		if (sl->n >= (keep_nul ? RULE_TESTS_MAX : RULE_LIST_MAX)) {
			rules_rule_err(y->rs, y->file, nline(e), id, "%s: too many entries (max %d)",
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
		rules_rule_err(y->rs, y->file, nline(v), id, "%s: expected a non-empty string", key);
		return -1;
	}
	free(*out);
	*out = rules_xstrndup(ntext(v), nlen(v));
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
		rules_rule_err(rs, y->file, nline(e), r->id,
		    "%s: a pattern must be a non-empty string", neg ? "not" : "patterns");
		return -1;
	}
	if (nlen(e) > PATTERN_LEN_MAX) {
		rules_rule_err(rs, y->file, nline(e), r->id, "pattern longer than %d bytes",
		    PATTERN_LEN_MAX);
		return -1;
	}
	if (r->npos + r->nneg >= RULE_PATTERNS_MAX) {
		rules_rule_err(rs, y->file, nline(e), r->id, "too many patterns (max %d)",
		    RULE_PATTERNS_MAX);
		return -1;
	}
	if (rs->npats == rs->cappats) {
		rs->cappats = rs->cappats ? rs->cappats * 2 : 256;
		rs->pats = rules_xrealloc(rs->pats, rs->cappats * sizeof(*rs->pats));
	}
	p = &rs->pats[rs->npats++];
	p->rule = ri;
	p->neg = neg;
	p->expr = rules_xstrndup(ntext(e), nlen(e));
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
		rules_rule_err(y->rs, y->file, nline(v), r->id, "%s: expected a list of patterns",
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
		rules_rule_err(y->rs, y->file, nline(v), r->id,
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
			rules_rule_err(y->rs, y->file, nline(k), r->id, "tests: keys must be plain names");
			return -1;
		}
		if (strcmp(ntext(k), "match") == 0) {
			sl = &r->test_match;
			lines = &r->test_match_line;
		} else if (strcmp(ntext(k), "nomatch") == 0) {
			sl = &r->test_nomatch;
			lines = &r->test_nomatch_line;
		} else {
			rules_rule_err(y->rs, y->file, nline(k), r->id, "tests.%s: unknown key",
			    ntext(k));
			return -1;
		}
		before = sl->n;
		if (get_list(y, e, r->id, ntext(k), sl, 1) == -1)
			return -1;
		*lines = rules_xrealloc(*lines, (sl->n ? sl->n : 1) * sizeof(int));
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
				rules_rule_err(y->rs, y->file, (*lines)[i], r->id,
				    "test line longer than %d bytes", TEST_LINE_MAX);
				return -1;
			}
		}
	}
	return 0;
}

void
rules_rule_free_fields(struct rule *r)
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
		rules_rule_err(rs, y->file, nline(m), idbuf, "a rule must be a mapping");
		return;
	}
	if (rs->nrules >= RULES_MAX) {
		rules_rule_err(rs, y->file, nline(m), idbuf, "too many rules (max %d)", RULES_MAX);
		return;
	}

	/* The id first, so every later message can name the rule. */
	v = map_get(y->doc, m, "id");
	if (v == NULL) {
		rules_rule_err(rs, y->file, nline(m), idbuf, "id: required key is missing");
		bad = 1;
		r.id = rules_xstrndup(idbuf, strlen(idbuf));
	} else if (!clean_scalar(v) || !valid_id(ntext(v), nlen(v))) {
		rules_rule_err(rs, y->file, nline(v), idbuf,
		    "id: expected lower-case letters, digits, '.', '-', '_' (at most %d)",
		    RULE_ID_MAX);
		bad = 1;
		r.id = rules_xstrndup(idbuf, strlen(idbuf));
	} else {
		r.id = rules_xstrndup(ntext(v), nlen(v));
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
			rules_rule_err(rs, y->file, nline(k), id, "keys must be plain names");
			bad = 1;
			continue;
		}
		key = ntext(k);
		for (ki = 0; rule_keys[ki] != NULL; ki++)
			if (strcmp(rule_keys[ki], key) == 0)
				break;
		if (rule_keys[ki] == NULL) {
			rules_rule_err(rs, y->file, nline(k), id, "%s: unknown key", key);
			bad = 1;
			continue;
		}
		if (seen[ki]++) {
			rules_rule_err(rs, y->file, nline(k), id, "%s: given twice", key);
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
				rules_rule_err(rs, y->file, nline(v), id,
				    "category: \"%s\" is not in the category vocabulary", r.category);
				bad = 1;
			}
		} else if (strcmp(key, "severity") == 0) {
			if (!clean_scalar(v) || (r.severity = ronda_severity_parse(ntext(v))) < 1) {
				rules_rule_err(rs, y->file, nline(v), id,
				    "severity: expected low, medium, high or critical");
				bad = 1;
			}
		} else if (strcmp(key, "applies_to") == 0) {
			if (clean_scalar(v) && strcmp(ntext(v), "web") == 0) {
				r.type = RONDA_EVENT_WEB;
			} else if (clean_scalar(v) && strcmp(ntext(v), "auth") == 0) {
				r.type = RONDA_EVENT_AUTH;
			} else {
				rules_rule_err(rs, y->file, nline(v), id, "applies_to: expected web or auth");
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
		rules_rule_err(rs, y->file, r.line, id, "name: required key is missing");
		bad = 1;
	}
	if (!seen[2]) {
		rules_rule_err(rs, y->file, r.line, id, "category: required key is missing");
		bad = 1;
	}
	if (!seen[3]) {
		rules_rule_err(rs, y->file, r.line, id, "severity: required key is missing");
		bad = 1;
	}
	if (!seen[4]) {
		rules_rule_err(rs, y->file, r.line, id, "applies_to: required key is missing");
		bad = 1;
	}
	for (size_t i = 0; i < fields.n; i++) {
		int f;
		for (f = 0; f < F_NFIELDS; f++)
			if (strcmp(field_names[f], fields.v[i]) == 0)
				break;
		if (f == F_NFIELDS) {
			rules_rule_err(rs, y->file, r.line, id, "fields: unknown field \"%s\"",
			    fields.v[i]);
			bad = 1;
			continue;
		}
		r.fields |= 1u << f;
	}
	if (r.type != 0 && r.fields != 0 &&
	    (r.fields & ~(r.type == RONDA_EVENT_WEB ? WEB_FIELDS : AUTH_FIELDS)) != 0) {
		rules_rule_err(rs, y->file, r.line, id,
		    "fields: a %s rule can look at %s", r.type == RONDA_EVENT_WEB ? "web" : "auth",
		    r.type == RONDA_EVENT_WEB ?
		    "path, query, url, raw_url, user_agent, referrer, method" : "message, user");
		bad = 1;
	}
	if ((r.npos > 0 || r.nneg > 0) && r.fields == 0 && !bad) {
		rules_rule_err(rs, y->file, r.line, id, "fields: patterns need the fields they look at");
		bad = 1;
	}
	if (r.npos == 0 && r.nneg > 0) {
		rules_rule_err(rs, y->file, r.line, id, "not: needs at least one pattern to veto");
		bad = 1;
	}
	if (r.type == RONDA_EVENT_WEB && (r.programs.n || r.actions.n)) {
		rules_rule_err(rs, y->file, r.line, id, "program/action apply to auth rules only");
		bad = 1;
	}
	if (r.type == RONDA_EVENT_AUTH && (r.methods.n || status.n)) {
		rules_rule_err(rs, y->file, r.line, id, "method/status apply to web rules only");
		bad = 1;
	}
	if (r.npos == 0 && !r.methods.n && !status.n && !r.programs.n && !r.actions.n &&
	    !bad) {
		rules_rule_err(rs, y->file, r.line, id,
		    "a rule needs patterns or at least one condition (method, status, program, action)");
		bad = 1;
	}
	if (r.test_match.n == 0 && !bad) {
		rules_rule_err(rs, y->file, r.line, id,
		    "tests: at least one line that must match is required");
		bad = 1;
	}
	if (status.n > 0) {
		r.status = rules_xrealloc(NULL, status.n * sizeof(*r.status));
		for (size_t i = 0; i < status.n; i++) {
			if (parse_status(status.v[i], &r.status[i]) == -1) {
				rules_rule_err(rs, y->file, r.line, id,
				    "status: \"%s\" is not a code, a range like 200-299, or 4xx",
				    status.v[i]);
				bad = 1;
			}
		}
		r.nstatus = status.n;
	}
	for (size_t i = 0; i < rs->nrules && !bad; i++) {
		if (strcmp(rs->rules[i].id, id) == 0) {
			rules_rule_err(rs, y->file, r.line, id, "duplicate id (first at %s:%d)",
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
		rules_rule_free_fields(&r);
		return;
	}
	if (rs->nrules == rs->caprules) {
		rs->caprules = rs->caprules ? rs->caprules * 2 : 64;
		rs->rules = rules_xrealloc(rs->rules, rs->caprules * sizeof(*rs->rules));
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
			} else if (clean_scalar(k) && strcmp(ntext(k), "markers") == 0) {
				/* rules/webroot/: the web-root markers' (marker_load.c), not ours */
			} else {
				rules_errs_addf(y->rs, "%s:%d: %s: unknown key (a rule file holds `rules:`, "
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
		rules_errs_addf(y->rs, "%s:%d: rules: expected a list of rules", y->file, nline(list));
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
	rs->files = rules_xrealloc(rs->files, (rs->nfiles + 1) * sizeof(char *));
	rs->files[rs->nfiles] = rules_xstrndup(name, strlen(name));
	return rs->files[rs->nfiles++];
}

/* Parse every document of a rule file held in memory. */
void
rules_parse_text(struct ronda_ruleset *rs, const char *name, const char *text, size_t len)
{
	yaml_parser_t parser;
	struct yctx y = { .rs = rs, .file = keep_name(rs, name) };

	if (!yaml_parser_initialize(&parser)) {
		rules_errs_addf(rs, "%s: cannot initialise the YAML parser", name);
		return;
	}
	yaml_parser_set_input_string(&parser, (const unsigned char *)text, len);
	for (;;) {
		yaml_document_t doc;
		yaml_node_t *root;

		if (!yaml_parser_load(&parser, &doc)) {
			rules_errs_addf(rs, "%s:%d: yaml: %s%s%s", y.file,
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
		rules_errs_addf(rs, "%s: cannot open: %s", path, strerror(errno));
		return;
	}
	if (fstat(fileno(fp), &st) == -1 || !S_ISREG(st.st_mode)) {
		rules_errs_addf(rs, "%s: not a regular file", path);
		goto done;
	}
	/* A rule someone else can edit is code someone else runs on our input. */
	{
		char err[PATH_MAX + 256];
		if (ronda_cfg_check_trusted(fileno(fp), path, err, sizeof(err)) == -1) {
			rules_errs_addf(rs, "%s", err);
			goto done;
		}
	}
	if (st.st_size > RULE_FILE_MAX) {
		rules_errs_addf(rs, "%s: larger than %d bytes", path, RULE_FILE_MAX);
		goto done;
	}
	text = rules_xrealloc(NULL, (size_t)st.st_size + 1);
	len = fread(text, 1, (size_t)st.st_size, fp);
	if (ferror(fp)) {
		rules_errs_addf(rs, "%s: read error: %s", path, strerror(errno));
		goto done;
	}
	rules_parse_text(rs, path, text, len);
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
			rules_errs_addf(rs, "%s: cannot read the folder: %s", path, strerror(errno));
			return 0;
		}
		if (ronda_cfg_check_trusted(dfd, path, err, sizeof(err)) == -1) {
			rules_errs_addf(rs, "%s", err);
			close(dfd);
			return 0;
		}
		close(dfd);
	}
	n = scandir(path, &names, yaml_name, alphasort);
	if (n == -1) {
		rules_errs_addf(rs, "%s: cannot read the folder: %s", path, strerror(errno));
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

void
rules_load_path(struct ronda_ruleset *rs, const char *path)
{
	struct stat st;

	if (stat(path, &st) == -1) {
		rules_errs_addf(rs, "%s: cannot open: %s", path, strerror(errno));
		return;
	}
	if (!S_ISDIR(st.st_mode)) {
		load_file(rs, path);
		return;
	}
	/* A collector without rules ships no attack at all: say so, do not start. */
	if (load_folder(rs, path, 0) == 0 && rs->nerr == 0)
		rules_errs_addf(rs, "%s: no rule files (*.yaml, *.yml) in this folder", path);
}
