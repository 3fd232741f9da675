/*
 * marker_load.c — reading web-root marker files (docs/markers.md).
 *
 *   markers:
 *     - id: file.webshell.eval-decoded
 *       name: eval of decoded input
 *       category: webshell          # webshell cloaking gambling hidden-link
 *                                   # htaccess-redirect sitemap upload-script defacement
 *       severity: critical          # low medium high critical
 *       family: wso                 # optional: the shell family
 *       paths: ['\.(php\d?|phtml|phar|inc)$']   # one must match the relative path
 *       not_paths: ['^wp-includes/']            # any vetoes
 *       patterns: ['...']           # content; min_matches distinct ones needed (default 1)
 *       min_matches: 1
 *       requires: ['...']           # content; every one must match too
 *       near: 600                   # ... within 600 bytes of one another
 *       not: ['...']                # content; any vetoes
 *       max_size: 4k                # only files this small (full size on disk)
 *       foreign_hosts: 1            # link targets off the site needed
 *       tests:
 *         match:   [{path: wp-content/uploads/a.php, content: "<?php ...", domains: [x.example]}]
 *         nomatch: [{path: index.php, content: "<?php ..."}]
 *
 * Everything is checked before anything is compiled, and every problem is
 * reported as "file:line: marker <id>: message", so an operator fixes a
 * whole file in one pass.
 */
#include "marker_int.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <yaml.h>

#include "ronda/event.h"

const char *const mk_categories[CAT_N + 1] = {
	[CAT_WEBSHELL] = "webshell", [CAT_CLOAKING] = "cloaking",
	[CAT_GAMBLING] = "gambling", [CAT_HIDDEN_LINK] = "hidden-link",
	[CAT_HTACCESS] = "htaccess-redirect", [CAT_SITEMAP] = "sitemap",
	[CAT_UPLOAD] = "upload-script", [CAT_DEFACEMENT] = "defacement",
	[CAT_N] = NULL,
};

/* ---------------------------------------------------------------- errors */

void
mk_errs_addf(struct ronda_markers *ms, const char *fmt, ...)
{
	char *msg = NULL;
	va_list ap;

	ms->nerr++;
	if (ms->errs == NULL)
		return;
	va_start(ap, fmt);
	if (vasprintf(&msg, fmt, ap) == -1)
		msg = NULL;
	va_end(ap);
	if (msg != NULL)
		ronda_cfg_errors_addf(ms->errs, "%s", msg);
	free(msg);
}

void
mk_err(struct ronda_markers *ms, const char *file, int line, const char *id,
    const char *fmt, ...)
{
	char msg[768];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	mk_errs_addf(ms, "%s:%d: marker %s: %s", file, line, id, msg);
}

/* ------------------------------------------------------------ utilities */

void *
mk_xrealloc(void *p, size_t n)
{
	void *q = realloc(p, n);

	if (q == NULL && n != 0)
		abort();	/* load-time allocation of a bounded set */
	return q;
}

char *
mk_xstrndup(const char *s, size_t n)
{
	char *d = strndup(s, n);

	if (d == NULL)
		abort();
	return d;
}

/* Lower-case letters, digits, '.', '-', '_'; starts with a letter or digit. */
static int
valid_name(const char *s, size_t n, size_t max)
{
	if (n == 0 || n > max)
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

static void
test_free(struct mk_test *t)
{
	free(t->path);
	free(t->content);
	free(t->own_domain);
	for (size_t i = 0; i < t->ndomains; i++)
		free(t->domains[i]);
	free(t->domains);
}

void
mk_marker_free_fields(struct marker *mk)
{
	free(mk->id);
	free(mk->name);
	free(mk->category);
	free(mk->family);
	free(mk->description);
	for (size_t i = 0; i < mk->ntmatch; i++)
		test_free(&mk->tmatch[i]);
	for (size_t i = 0; i < mk->ntnomatch; i++)
		test_free(&mk->tnomatch[i]);
	free(mk->tmatch);
	free(mk->tnomatch);
}

/* ----------------------------------------------------------- YAML walk */

struct yctx {
	struct ronda_markers *ms;
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
	return n != NULL && n->type == YAML_SCALAR_NODE && strlen(ntext(n)) == nlen(n);
}

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

static int
get_str(struct yctx *y, yaml_node_t *v, const char *id, const char *key, char **out)
{
	if (!clean_scalar(v) || nlen(v) == 0) {
		mk_err(y->ms, y->file, nline(v), id, "%s: expected a non-empty string", key);
		return -1;
	}
	free(*out);
	*out = mk_xstrndup(ntext(v), nlen(v));
	return 0;
}

/* A whole number in [min, max]. */
static int
get_int(struct yctx *y, yaml_node_t *v, const char *id, const char *key, long min,
    long max, int *out)
{
	char *end;
	long n;

	errno = 0;
	if (clean_scalar(v) && nlen(v) > 0) {
		n = strtol(ntext(v), &end, 10);
		if (*end == '\0' && errno == 0 && n >= min && n <= max) {
			*out = (int)n;
			return 0;
		}
	}
	mk_err(y->ms, y->file, nline(v), id, "%s: expected a whole number from %ld to %ld",
	    key, min, max);
	return -1;
}

/*
 * Append a scalar or every scalar of a list as patterns of kind to the set.
 * Returns 0, or -1 after reporting.
 */
static int
get_patterns(struct yctx *y, struct marker *mk, uint32_t mi, yaml_node_t *v,
    const char *key, int kind)
{
	yaml_node_item_t one, *start, *top;
	int rc = 0;

	if (v->type == YAML_SCALAR_NODE) {
		one = 0;
		start = &one;
		top = &one + 1;
	} else if (v->type == YAML_SEQUENCE_NODE) {
		start = v->data.sequence.items.start;
		top = v->data.sequence.items.top;
	} else {
		mk_err(y->ms, y->file, nline(v), mk->id, "%s: expected a list of patterns", key);
		return -1;
	}
	for (yaml_node_item_t *it = start; it < top; it++) {
		yaml_node_t *e = v->type == YAML_SCALAR_NODE ? v :
		    yaml_document_get_node(y->doc, *it);
		int ispath = kind == K_PATH || kind == K_NOTPATH;
		unsigned have = ispath ? mk->npath + mk->nnotpath :
		    mk->npos + mk->nreq + mk->nnot;
		struct mk_pat *p;

		if (e == NULL)
			continue;
		if (!clean_scalar(e) || nlen(e) == 0) {
			mk_err(y->ms, y->file, nline(e), mk->id,
			    "%s: a pattern must be a non-empty string", key);
			rc = -1;
			continue;
		}
		if (nlen(e) > MARKER_PATTERN_MAX) {
			mk_err(y->ms, y->file, nline(e), mk->id, "%s: pattern longer than %d bytes",
			    key, MARKER_PATTERN_MAX);
			rc = -1;
			continue;
		}
		if (have >= (ispath ? MARKER_PATHS_MAX : MARKER_PATTERNS_MAX)) {
			mk_err(y->ms, y->file, nline(e), mk->id, "%s: too many patterns (max %d)",
			    key, ispath ? MARKER_PATHS_MAX : MARKER_PATTERNS_MAX);
			return -1;
		}
		if (y->ms->npats == y->ms->cappats) {
			y->ms->cappats = y->ms->cappats ? y->ms->cappats * 2 : 256;
			y->ms->pats = mk_xrealloc(y->ms->pats, y->ms->cappats * sizeof(*p));
		}
		p = &y->ms->pats[y->ms->npats++];
		memset(p, 0, sizeof(*p));
		p->marker = mi;
		p->kind = kind;
		p->expr = mk_xstrndup(ntext(e), nlen(e));
		p->line = nline(e);
		switch (kind) {
		case K_POS: mk->npos++; break;
		case K_REQ: mk->nreq++; break;
		case K_NOT: mk->nnot++; break;
		case K_PATH: mk->npath++; break;
		default: mk->nnotpath++; break;
		}
	}
	return rc;
}

/* One test case: {path, content, size, own_domain, domains}. */
static int
get_test(struct yctx *y, struct marker *mk, yaml_node_t *e, struct mk_test *t, int match)
{
	int rc = 0, seen_path = 0;

	memset(t, 0, sizeof(*t));
	t->line = nline(e);
	if (e->type != YAML_MAPPING_NODE) {
		mk_err(y->ms, y->file, nline(e), mk->id,
		    "tests: each case is a mapping {path: ..., content: ...}");
		return -1;
	}
	for (yaml_node_pair_t *p = e->data.mapping.pairs.start;
	    p < e->data.mapping.pairs.top; p++) {
		yaml_node_t *k = yaml_document_get_node(y->doc, p->key);
		yaml_node_t *v = yaml_document_get_node(y->doc, p->value);
		const char *key;

		if (k == NULL || v == NULL)
			continue;
		if (!clean_scalar(k)) {
			mk_err(y->ms, y->file, nline(k), mk->id, "tests: keys must be plain names");
			rc = -1;
			continue;
		}
		key = ntext(k);
		if (strcmp(key, "path") == 0) {
			seen_path = 1;
			if (get_str(y, v, mk->id, "tests.path", &t->path) == -1)
				rc = -1;
		} else if (strcmp(key, "content") == 0) {
			if (v->type != YAML_SCALAR_NODE) {
				mk_err(y->ms, y->file, nline(v), mk->id,
				    "tests.content: expected a string");
				rc = -1;
			} else if (nlen(v) > MARKER_TEST_MAX) {
				mk_err(y->ms, y->file, nline(v), mk->id,
				    "tests.content: longer than %d bytes", MARKER_TEST_MAX);
				rc = -1;
			} else {
				/* NUL bytes are kept: binary content is a case worth testing. */
				free(t->content);
				t->content = mk_xrealloc(NULL, nlen(v) + 1);
				memcpy(t->content, ntext(v), nlen(v) + 1);
				t->len = nlen(v);
			}
		} else if (strcmp(key, "size") == 0) {
			int64_t sz;
			if (!clean_scalar(v) || ronda_cfg_parse_size(ntext(v), &sz) == -1 || sz < 0) {
				mk_err(y->ms, y->file, nline(v), mk->id,
				    "tests.size: expected a size in bytes (\"4k\", 100)");
				rc = -1;
			} else {
				t->size = (uint64_t)sz;
			}
		} else if (strcmp(key, "own_domain") == 0) {
			if (get_str(y, v, mk->id, "tests.own_domain", &t->own_domain) == -1)
				rc = -1;
		} else if (strcmp(key, "domains") == 0 && match) {
			if (v->type != YAML_SEQUENCE_NODE) {
				mk_err(y->ms, y->file, nline(v), mk->id,
				    "tests.domains: expected a list of host names");
				rc = -1;
				continue;
			}
			for (yaml_node_item_t *it = v->data.sequence.items.start;
			    it < v->data.sequence.items.top; it++) {
				yaml_node_t *d = yaml_document_get_node(y->doc, *it);
				if (d == NULL || !clean_scalar(d) || nlen(d) == 0 ||
				    nlen(d) > RONDA_MARKER_DOMAIN_MAX ||
				    t->ndomains >= RONDA_MARKER_DOMAINS) {
					mk_err(y->ms, y->file, d ? nline(d) : nline(v), mk->id,
					    "tests.domains: at most %d host names",
					    RONDA_MARKER_DOMAINS);
					rc = -1;
					break;
				}
				t->domains = mk_xrealloc(t->domains,
				    (t->ndomains + 1) * sizeof(char *));
				t->domains[t->ndomains++] = mk_xstrndup(ntext(d), nlen(d));
			}
		} else {
			mk_err(y->ms, y->file, nline(k), mk->id, "tests.%s: unknown key%s", key,
			    strcmp(key, "domains") == 0 ? " (domains: are for match cases)" : "");
			rc = -1;
		}
	}
	if (!seen_path) {
		mk_err(y->ms, y->file, t->line, mk->id, "tests: a case needs path:");
		rc = -1;
	}
	if (t->content == NULL) {
		t->content = mk_xstrndup("", 0);
		t->len = 0;
	}
	if (t->size == 0 || t->size < t->len)
		t->size = t->len;
	return rc;
}

static int
get_tests(struct yctx *y, struct marker *mk, yaml_node_t *v)
{
	int rc = 0;

	if (v->type != YAML_MAPPING_NODE) {
		mk_err(y->ms, y->file, nline(v), mk->id,
		    "tests: expected a mapping with match: and nomatch:");
		return -1;
	}
	for (yaml_node_pair_t *p = v->data.mapping.pairs.start;
	    p < v->data.mapping.pairs.top; p++) {
		yaml_node_t *k = yaml_document_get_node(y->doc, p->key);
		yaml_node_t *e = yaml_document_get_node(y->doc, p->value);
		struct mk_test **list;
		size_t *n;
		int match;

		if (k == NULL || e == NULL)
			continue;
		if (clean_scalar(k) && strcmp(ntext(k), "match") == 0) {
			list = &mk->tmatch;
			n = &mk->ntmatch;
			match = 1;
		} else if (clean_scalar(k) && strcmp(ntext(k), "nomatch") == 0) {
			list = &mk->tnomatch;
			n = &mk->ntnomatch;
			match = 0;
		} else {
			mk_err(y->ms, y->file, nline(k), mk->id, "tests.%s: unknown key",
			    clean_scalar(k) ? ntext(k) : "?");
			rc = -1;
			continue;
		}
		if (e->type != YAML_SEQUENCE_NODE) {
			mk_err(y->ms, y->file, nline(e), mk->id, "tests.%s: expected a list of cases",
			    ntext(k));
			rc = -1;
			continue;
		}
		for (yaml_node_item_t *it = e->data.sequence.items.start;
		    it < e->data.sequence.items.top; it++) {
			yaml_node_t *c = yaml_document_get_node(y->doc, *it);
			if (c == NULL)
				continue;
			if (*n >= MARKER_TESTS_MAX) {
				mk_err(y->ms, y->file, nline(c), mk->id,
				    "tests.%s: too many cases (max %d)", ntext(k), MARKER_TESTS_MAX);
				rc = -1;
				break;
			}
			*list = mk_xrealloc(*list, (*n + 1) * sizeof(**list));
			if (get_test(y, mk, c, &(*list)[*n], match) == -1)
				rc = -1;
			(*n)++;
		}
	}
	return rc;
}

static const char *const marker_keys[] = {
	"id", "name", "category", "severity", "family", "description", "references",
	"paths", "not_paths", "patterns", "min_matches", "requires", "not", "max_size",
	"foreign_hosts", "near", "tests", NULL
};

/* Parse one marker mapping. Errors are reported; the marker is dropped then. */
static void
parse_marker(struct yctx *y, yaml_node_t *m, size_t index)
{
	struct ronda_markers *ms = y->ms;
	struct marker mk;
	yaml_node_t *v;
	char idbuf[32];
	const char *id;
	int bad = 0, seen[24] = { 0 }, min_line = 0, near_line = 0;
	uint32_t mi = (uint32_t)ms->n;
	size_t pats_before = ms->npats;

	memset(&mk, 0, sizeof(mk));
	mk.file = y->file;
	mk.line = nline(m);
	mk.cat = -1;
	snprintf(idbuf, sizeof(idbuf), "#%zu", index + 1);
	if (m->type != YAML_MAPPING_NODE) {
		mk_err(ms, y->file, nline(m), idbuf, "a marker must be a mapping");
		return;
	}
	if (ms->n >= MARKERS_MAX) {
		mk_err(ms, y->file, nline(m), idbuf, "too many markers (max %d)", MARKERS_MAX);
		return;
	}

	/* The id first, so every later message can name the marker. */
	v = map_get(y->doc, m, "id");
	if (v == NULL) {
		mk_err(ms, y->file, nline(m), idbuf, "id: required key is missing");
		bad = 1;
		mk.id = mk_xstrndup(idbuf, strlen(idbuf));
	} else if (!clean_scalar(v) || !valid_name(ntext(v), nlen(v), RONDA_MARKER_ID_MAX)) {
		mk_err(ms, y->file, nline(v), idbuf,
		    "id: expected lower-case letters, digits, '.', '-', '_' (at most %d)",
		    RONDA_MARKER_ID_MAX);
		bad = 1;
		mk.id = mk_xstrndup(idbuf, strlen(idbuf));
	} else {
		mk.id = mk_xstrndup(ntext(v), nlen(v));
	}
	id = mk.id;

	for (yaml_node_pair_t *p = m->data.mapping.pairs.start;
	    p < m->data.mapping.pairs.top; p++) {
		yaml_node_t *k = yaml_document_get_node(y->doc, p->key);
		const char *key;
		int ki;

		v = yaml_document_get_node(y->doc, p->value);
		if (k == NULL || v == NULL)
			continue;
		if (!clean_scalar(k)) {
			mk_err(ms, y->file, nline(k), id, "keys must be plain names");
			bad = 1;
			continue;
		}
		key = ntext(k);
		for (ki = 0; marker_keys[ki] != NULL; ki++)
			if (strcmp(marker_keys[ki], key) == 0)
				break;
		if (marker_keys[ki] == NULL) {
			mk_err(ms, y->file, nline(k), id, "%s: unknown key", key);
			bad = 1;
			continue;
		}
		if (seen[ki]++) {
			mk_err(ms, y->file, nline(k), id, "%s: given twice", key);
			bad = 1;
			continue;
		}
		if (strcmp(key, "id") == 0 || strcmp(key, "references") == 0) {
			continue;	/* references: free text for people */
		} else if (strcmp(key, "name") == 0) {
			bad |= get_str(y, v, id, key, &mk.name) == -1;
		} else if (strcmp(key, "description") == 0) {
			bad |= get_str(y, v, id, key, &mk.description) == -1;
		} else if (strcmp(key, "category") == 0) {
			if (get_str(y, v, id, key, &mk.category) == -1) {
				bad = 1;
				continue;
			}
			for (int c = 0; c < CAT_N; c++)
				if (strcmp(mk_categories[c], mk.category) == 0)
					mk.cat = c;
			if (mk.cat < 0) {
				mk_err(ms, y->file, nline(v), id, "category: \"%s\" is not one of webshell, "
				    "cloaking, gambling, hidden-link, htaccess-redirect, sitemap, "
				    "upload-script, defacement", mk.category);
				bad = 1;
			}
		} else if (strcmp(key, "severity") == 0) {
			if (!clean_scalar(v) || (mk.severity = ronda_severity_parse(ntext(v))) < 1) {
				mk_err(ms, y->file, nline(v), id,
				    "severity: expected low, medium, high or critical");
				bad = 1;
			}
		} else if (strcmp(key, "family") == 0) {
			if (!clean_scalar(v) || !valid_name(ntext(v), nlen(v), MARKER_FAMILY_MAX)) {
				mk_err(ms, y->file, nline(v), id,
				    "family: expected lower-case letters, digits, '.', '-', '_' "
				    "(at most %d)", MARKER_FAMILY_MAX);
				bad = 1;
			} else {
				mk.family = mk_xstrndup(ntext(v), nlen(v));
			}
		} else if (strcmp(key, "paths") == 0) {
			bad |= get_patterns(y, &mk, mi, v, key, K_PATH) == -1;
		} else if (strcmp(key, "not_paths") == 0) {
			bad |= get_patterns(y, &mk, mi, v, key, K_NOTPATH) == -1;
		} else if (strcmp(key, "patterns") == 0) {
			bad |= get_patterns(y, &mk, mi, v, key, K_POS) == -1;
		} else if (strcmp(key, "requires") == 0) {
			bad |= get_patterns(y, &mk, mi, v, key, K_REQ) == -1;
		} else if (strcmp(key, "not") == 0) {
			bad |= get_patterns(y, &mk, mi, v, key, K_NOT) == -1;
		} else if (strcmp(key, "min_matches") == 0) {
			min_line = nline(v);
			bad |= get_int(y, v, id, key, 1, MARKER_PATTERNS_MAX, &mk.min_matches) == -1;
		} else if (strcmp(key, "near") == 0) {
			near_line = nline(v);
			bad |= get_int(y, v, id, key, 1, MARKER_NEAR_MAX, &mk.near) == -1;
		} else if (strcmp(key, "foreign_hosts") == 0) {
			bad |= get_int(y, v, id, key, 1, MARKER_FOREIGN_MAX, &mk.foreign_hosts) == -1;
		} else if (strcmp(key, "max_size") == 0) {
			int64_t sz;
			if (!clean_scalar(v) || ronda_cfg_parse_size(ntext(v), &sz) == -1 || sz <= 0) {
				mk_err(ms, y->file, nline(v), id,
				    "max_size: expected a size (\"4k\", \"1M\", bytes)");
				bad = 1;
			} else {
				mk.max_size = (uint64_t)sz;
			}
		} else if (strcmp(key, "tests") == 0) {
			bad |= get_tests(y, &mk, v) == -1;
		}
	}

	/* Required keys and the rules that span keys. */
	if (!seen[1]) {
		mk_err(ms, y->file, mk.line, id, "name: required key is missing");
		bad = 1;
	}
	if (!seen[2]) {
		mk_err(ms, y->file, mk.line, id, "category: required key is missing");
		bad = 1;
	}
	if (!seen[3]) {
		mk_err(ms, y->file, mk.line, id, "severity: required key is missing");
		bad = 1;
	}
	if (mk.npos == 0 && mk.nreq == 0 && mk.npath == 0 && !bad) {
		mk_err(ms, y->file, mk.line, id,
		    "a marker needs patterns, requires or paths (what it looks for)");
		bad = 1;
	}
	if (mk.min_matches > 0 && (unsigned)mk.min_matches > mk.npos && !bad) {
		mk_err(ms, y->file, min_line, id, "min_matches: %d, but only %u patterns",
		    mk.min_matches, mk.npos);
		bad = 1;
	}
	if (mk.near > 0 && mk.nreq < 2 && !bad) {
		mk_err(ms, y->file, near_line, id, "near: needs two requires: or more");
		bad = 1;
	}
	if (mk.min_matches == 0 && mk.npos > 0)
		mk.min_matches = 1;
	if (!bad && (mk.ntmatch == 0 || mk.ntnomatch == 0)) {
		mk_err(ms, y->file, mk.line, id, "tests: at least one match and one nomatch "
		    "case are required");
		bad = 1;
	}
	for (size_t i = 0; i < ms->n && !bad; i++) {
		if (strcmp(ms->m[i].id, id) == 0) {
			mk_err(ms, y->file, mk.line, id, "duplicate id (first at %s:%d)",
			    ms->m[i].file, ms->m[i].line);
			bad = 1;
		}
	}
	if (bad) {
		while (ms->npats > pats_before)
			free(ms->pats[--ms->npats].expr);
		mk_marker_free_fields(&mk);
		return;
	}
	mk.pfirst = (uint32_t)pats_before;
	mk.pend = (uint32_t)ms->npats;
	if (ms->n == ms->cap) {
		ms->cap = ms->cap ? ms->cap * 2 : 64;
		ms->m = mk_xrealloc(ms->m, ms->cap * sizeof(*ms->m));
	}
	ms->m[ms->n++] = mk;
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
			if (clean_scalar(k) && strcmp(ntext(k), "markers") == 0) {
				if (list != NULL)
					mk_errs_addf(y->ms, "%s:%d: markers: given twice", y->file,
					    nline(k));
				list = yaml_document_get_node(y->doc, p->value);
			} else {
				mk_errs_addf(y->ms, "%s:%d: %s: unknown key (a marker file holds "
				    "`markers:`)", y->file, nline(k),
				    clean_scalar(k) ? ntext(k) : "?");
			}
		}
		if (list == NULL)
			return;
		if (list->type == YAML_SCALAR_NODE && nlen(list) == 0)
			return;	/* "markers:" with nothing: an empty file */
	}
	if (list->type != YAML_SEQUENCE_NODE) {
		mk_errs_addf(y->ms, "%s:%d: markers: expected a list of markers", y->file,
		    nline(list));
		return;
	}
	for (yaml_node_item_t *it = list->data.sequence.items.start;
	    it < list->data.sequence.items.top; it++, i++) {
		yaml_node_t *m = yaml_document_get_node(y->doc, *it);
		if (m != NULL)
			parse_marker(y, m, i);
	}
}

static const char *
keep_name(struct ronda_markers *ms, const char *name)
{
	ms->files = mk_xrealloc(ms->files, (ms->nfiles + 1) * sizeof(char *));
	ms->files[ms->nfiles] = mk_xstrndup(name, strlen(name));
	return ms->files[ms->nfiles++];
}

void
mk_parse_text(struct ronda_markers *ms, const char *name, const char *text, size_t len)
{
	yaml_parser_t parser;
	struct yctx y = { .ms = ms, .file = keep_name(ms, name) };

	if (!yaml_parser_initialize(&parser)) {
		mk_errs_addf(ms, "%s: cannot initialise the YAML parser", name);
		return;
	}
	yaml_parser_set_input_string(&parser, (const unsigned char *)text, len);
	for (;;) {
		yaml_document_t doc;
		yaml_node_t *root;

		if (!yaml_parser_load(&parser, &doc)) {
			mk_errs_addf(ms, "%s:%d: yaml: %s%s%s", y.file,
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

/* ---------------------------------------------------- files and folders */

static void
load_file(struct ronda_markers *ms, const char *path)
{
	FILE *fp;
	char *text = NULL;
	size_t len;
	struct stat st;
	char err[PATH_MAX + 256];

	if ((fp = fopen(path, "r")) == NULL) {
		mk_errs_addf(ms, "%s: cannot open: %s", path, strerror(errno));
		return;
	}
	if (fstat(fileno(fp), &st) == -1 || !S_ISREG(st.st_mode)) {
		mk_errs_addf(ms, "%s: not a regular file", path);
		goto done;
	}
	/* A marker someone else can edit decides what the watch overlooks. */
	if (ronda_cfg_check_trusted(fileno(fp), path, err, sizeof(err)) == -1) {
		mk_errs_addf(ms, "%s", err);
		goto done;
	}
	if (st.st_size > MARKER_FILE_MAX) {
		mk_errs_addf(ms, "%s: larger than %d bytes", path, MARKER_FILE_MAX);
		goto done;
	}
	text = mk_xrealloc(NULL, (size_t)st.st_size + 1);
	len = fread(text, 1, (size_t)st.st_size, fp);
	if (ferror(fp)) {
		mk_errs_addf(ms, "%s: read error: %s", path, strerror(errno));
		goto done;
	}
	mk_parse_text(ms, path, text, len);
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

void
mk_load_path(struct ronda_markers *ms, const char *path)
{
	struct dirent **names = NULL;
	struct stat st;
	char err[PATH_MAX + 256];
	int n, dfd;

	if (stat(path, &st) == -1) {
		mk_errs_addf(ms, "%s: cannot open: %s", path, strerror(errno));
		return;
	}
	if (!S_ISDIR(st.st_mode)) {
		load_file(ms, path);
		return;
	}
	/* Whoever can write the folder can add a marker file to it. */
	if ((dfd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) == -1) {
		mk_errs_addf(ms, "%s: cannot read the folder: %s", path, strerror(errno));
		return;
	}
	if (ronda_cfg_check_trusted(dfd, path, err, sizeof(err)) == -1) {
		mk_errs_addf(ms, "%s", err);
		close(dfd);
		return;
	}
	close(dfd);
	n = scandir(path, &names, yaml_name, alphasort);
	if (n == -1) {
		mk_errs_addf(ms, "%s: cannot read the folder: %s", path, strerror(errno));
		return;
	}
	/* A watch without markers sees changes but no planted content: say so. */
	if (n == 0)
		mk_errs_addf(ms, "%s: no marker files (*.yaml, *.yml) in this folder", path);
	for (int i = 0; i < n; i++) {
		char *full = NULL;
		if (asprintf(&full, "%s/%s", path, names[i]->d_name) != -1) {
			load_file(ms, full);
			free(full);
		}
		free(names[i]);
	}
	free(names);
}

/*
 * The installed folder, else the source tree's when the program runs from
 * build/bin/, build/tests/ or their build/san/ twins (as conf.c finds the
 * shipped web rules).
 */
int
mk_shipped_dir(char *buf, size_t len)
{
	static const char *const rel[] = { "/../../rules/webroot", "/../../../rules/webroot",
	    NULL };
	char exe[PATH_MAX], cand[PATH_MAX + 32];
	struct stat sb;
	ssize_t n;

	if (stat(RONDA_DATADIR "/rules/webroot", &sb) == 0 && S_ISDIR(sb.st_mode)) {
		snprintf(buf, len, "%s", RONDA_DATADIR "/rules/webroot");
		return 0;
	}
	if ((n = readlink("/proc/self/exe", exe, sizeof(exe) - 1)) <= 0)
		return -1;
	exe[n] = '\0';
	if (strrchr(exe, '/') != NULL)
		*strrchr(exe, '/') = '\0';
	for (int i = 0; rel[i] != NULL; i++) {
		char *real;
		snprintf(cand, sizeof(cand), "%s%s", exe, rel[i]);
		if (stat(cand, &sb) != 0 || !S_ISDIR(sb.st_mode))
			continue;
		if ((real = realpath(cand, NULL)) == NULL)
			continue;
		snprintf(buf, len, "%s", real);
		free(real);
		return 0;
	}
	return -1;
}
