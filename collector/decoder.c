/*
 * decoder.c — auth-log decoders as data (see ronda/auth.h, docs/rules.md).
 *
 *   decoders:
 *     - id: sshd.failed
 *       name: SSH authentication failed
 *       programs: [sshd, sshd-session, sshd-auth]   # "sshd*" is a prefix; none = any
 *       action: ssh_login_failed
 *       outcome: failure                             # success | failure | unknown
 *       method: password                             # when not captured
 *       user: root                                   # when not captured (rare)
 *       pattern: '^Failed (?P<method>\S+) for (?:invalid user )?(?P<user>.*) from (?P<src>\S+) port (?P<port>\d+)(?: ssh2)?$'
 *       source: "OpenSSH auth.c auth_log(), 3.9 .. 9.9"
 *       tests:
 *         match:
 *           - 'Nov 20 03:11:42 web1 sshd[812]: Failed password for root from 203.0.113.50 port 40022 ssh2'
 *           - line: '...'
 *             user: root
 *             src: 203.0.113.50
 *         nomatch: ['...']
 *
 * Every capture is a slice of the message: classifying allocates nothing.
 * The remote side (src, else host) becomes source.ip when it is an address
 * and source.domain when it is a host name; the collector never resolves
 * a name (an attacker's reverse DNS answers whatever it likes, and a lookup
 * per line would be the attacker's to trigger).
 */
#include "ronda/auth.h"

#include <arpa/inet.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define PCRE2_CODE_UNIT_WIDTH 8
#include <hs.h>
#include <pcre2.h>
#include <yaml.h>

#include "ronda/parse.h"
#include "ronda/timeutil.h"

#define DECODERS_MAX	4096
#define PATTERN_MAX	4096
#define TESTS_MAX	64
#define PROGRAMS_MAX	32
#define ID_MAX		128
#define OVECTOR_PAIRS	64
/*
 * PCRE2's backtracking budget per message. The shipped patterns need a few
 * hundred steps on real lines and under 100,000 on a 16 KiB hostile user
 * name; a pattern that needs more is badly written and the line is counted,
 * not decoded.
 */
#define MATCH_LIMIT	1000000
#define DEPTH_LIMIT	10000
#define JIT_STACK_MAX	(1024 * 1024)
/*
 * Hyperscan 5.4's AVX-512 scanner was seen (fuzz_auth, once in 630,000
 * runs) to fault reading at the page after a short message that ended a
 * heap block: the prefilter scans a copy with this much zeroed room after it.
 */
#define SCAN_PAD	64

enum cap { C_USER, C_SRC, C_HOST, C_PORT, C_METHOD, C_N };

static const char *const cap_names[C_N] = {
	[C_USER] = "user", [C_SRC] = "src", [C_HOST] = "host", [C_PORT] = "port",
	[C_METHOD] = "method",
};

/* What a test line must decode to (NULL: not checked; "" means absent). */
struct dtest {
	char *line;
	int lineno;
	char *want[C_N];
};

struct decoder {
	char *id, *name, *action, *source;
	const char *outcome;		/* static: "success", "failure", "unknown" */
	const char *method;		/* static normalised method, or NULL */
	char *user;			/* user.name when not captured ("ROOT LOGIN REFUSED"), or NULL */
	char **programs;
	size_t nprograms;
	char *pattern;
	int pattern_line;
	pcre2_code *re;
	uint32_t group[C_N];		/* capture group numbers, 0 = not in the pattern */
	struct dtest *match, *nomatch;
	size_t nmatch, nnomatch;
	const char *file;
	int line;
	unsigned cand_gen;		/* == set gen: Hyperscan says it may match */
	int always;			/* no prefilter: PCRE2 is always tried */
};

struct ronda_decoders {
	struct decoder *d;
	size_t n, cap;
	hs_database_t *db;
	hs_scratch_t *scratch;
	int db_given;		/* db came from the cache (ronda_decoders_prefilter_load) */
	char *pad;		/* the message copied with SCAN_PAD zero bytes after it */
	size_t padcap;
	pcre2_match_data *md;
	pcre2_match_context *mctx;
	pcre2_jit_stack *jstack;
	unsigned gen;
	unsigned long limit_hits;
	int nerr;
	struct ronda_cfg_errors *errs;
};

/* ---------------------------------------------------------------- errors */

static void
derr(struct ronda_decoders *s, const char *file, int line, const char *id,
    const char *fmt, ...) __attribute__((format(printf, 5, 6)));

static void
derr(struct ronda_decoders *s, const char *file, int line, const char *id,
    const char *fmt, ...)
{
	char msg[768];
	va_list ap;

	s->nerr++;
	if (s->errs == NULL)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	ronda_cfg_errors_addf(s->errs, "%s:%d: decoder %s: %s", file, line, id, msg);
}

static void *
xrealloc(void *p, size_t n)
{
	void *q = realloc(p, n);

	if (q == NULL && n != 0)
		abort();	/* load-time allocation of a bounded set */
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

/* ------------------------------------------------------------- the YAML */

static int
nline(const yaml_node_t *n)
{
	return (int)n->start_mark.line + 1;
}

/* A scalar without an embedded NUL (which would cut it silently). */
static int
scalar(const yaml_node_t *n)
{
	return n != NULL && n->type == YAML_SCALAR_NODE &&
	    strlen((const char *)n->data.scalar.value) == n->data.scalar.length;
}

static const char *
stext(const yaml_node_t *n)
{
	return (const char *)n->data.scalar.value;
}

static int
valid_id(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n > ID_MAX)
		return 0;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' ||
		    c == '-' || c == '_'))
			return 0;
	}
	return 1;
}

/* event.action: [a-z0-9_]+, a service prefix before the first '_'. */
static int
valid_action(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n > 64 || s[0] == '_' || strchr(s, '_') == NULL)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') ||
		    s[i] == '_'))
			return 0;
	return 1;
}

static const char *
outcome_of(const char *s)
{
	if (strcmp(s, "success") == 0)
		return "success";
	if (strcmp(s, "failure") == 0)
		return "failure";
	if (strcmp(s, "unknown") == 0)
		return "unknown";
	return NULL;
}

/* The method vocabulary (ronda.auth.method): a prefix decides. */
static const char *
method_of(const char *p, size_t n)
{
	static const char *const tab[] = {
		"password", "publickey", "keyboard-interactive", "none", "hostbased",
		"gssapi",
	};

	for (size_t i = 0; i < sizeof(tab) / sizeof(tab[0]); i++) {
		size_t l = strlen(tab[i]);
		if (n >= l && strncasecmp(p, tab[i], l) == 0)
			return tab[i];
	}
	return "other";
}

static void
test_free(struct dtest *t)
{
	free(t->line);
	for (int c = 0; c < C_N; c++)
		free(t->want[c]);
}

static void
decoder_free(struct decoder *x)
{
	free(x->id);
	free(x->name);
	free(x->action);
	free(x->source);
	free(x->user);
	for (size_t i = 0; i < x->nprograms; i++)
		free(x->programs[i]);
	free(x->programs);
	free(x->pattern);
	pcre2_code_free(x->re);
	for (size_t i = 0; i < x->nmatch; i++)
		test_free(&x->match[i]);
	for (size_t i = 0; i < x->nnomatch; i++)
		test_free(&x->nomatch[i]);
	free(x->match);
	free(x->nomatch);
}

/* One test: a line, or a mapping {line: ..., user: ..., src: ...}. */
static int
parse_test(struct ronda_decoders *s, struct decoder *x, yaml_document_t *doc,
    yaml_node_t *e, struct dtest *t, int with_want)
{
	memset(t, 0, sizeof(*t));
	t->lineno = nline(e);
	if (scalar(e)) {
		t->line = xstrndup(stext(e), e->data.scalar.length);
		return 0;
	}
	if (e->type != YAML_MAPPING_NODE) {
		derr(s, x->file, nline(e), x->id, "tests: expected a line or a mapping");
		return -1;
	}
	for (yaml_node_pair_t *p = e->data.mapping.pairs.start;
	    p < e->data.mapping.pairs.top; p++) {
		yaml_node_t *k = yaml_document_get_node(doc, p->key);
		yaml_node_t *v = yaml_document_get_node(doc, p->value);
		int c;

		if (!scalar(k) || v == NULL || !scalar(v)) {
			derr(s, x->file, nline(e), x->id, "tests: expected key: string pairs");
			return -1;
		}
		if (strcmp(stext(k), "line") == 0) {
			free(t->line);
			t->line = xstrndup(stext(v), v->data.scalar.length);
			continue;
		}
		for (c = 0; c < C_N; c++)
			if (strcmp(stext(k), cap_names[c]) == 0)
				break;
		if (c == C_N || !with_want) {
			derr(s, x->file, nline(k), x->id, "tests: %s: unknown key", stext(k));
			return -1;
		}
		free(t->want[c]);
		t->want[c] = xstrndup(stext(v), v->data.scalar.length);
	}
	if (t->line == NULL) {
		derr(s, x->file, nline(e), x->id, "tests: a mapping needs `line:`");
		return -1;
	}
	return 0;
}

static int
parse_tests(struct ronda_decoders *s, struct decoder *x, yaml_document_t *doc,
    yaml_node_t *v)
{
	if (v->type != YAML_MAPPING_NODE) {
		derr(s, x->file, nline(v), x->id, "tests: expected match: and nomatch: lists");
		return -1;
	}
	for (yaml_node_pair_t *p = v->data.mapping.pairs.start;
	    p < v->data.mapping.pairs.top; p++) {
		yaml_node_t *k = yaml_document_get_node(doc, p->key);
		yaml_node_t *l = yaml_document_get_node(doc, p->value);
		int is_match;
		struct dtest **arr;
		size_t *n;

		if (!scalar(k) || l == NULL) {
			derr(s, x->file, nline(v), x->id, "tests: bad key");
			return -1;
		}
		is_match = strcmp(stext(k), "match") == 0;
		if (!is_match && strcmp(stext(k), "nomatch") != 0) {
			derr(s, x->file, nline(k), x->id,
			    "tests: %s: unknown key (match, nomatch)", stext(k));
			return -1;
		}
		if (l->type != YAML_SEQUENCE_NODE) {
			derr(s, x->file, nline(l), x->id, "tests: %s: expected a list", stext(k));
			return -1;
		}
		arr = is_match ? &x->match : &x->nomatch;
		n = is_match ? &x->nmatch : &x->nnomatch;
		for (yaml_node_item_t *it = l->data.sequence.items.start;
		    it < l->data.sequence.items.top; it++) {
			yaml_node_t *e = yaml_document_get_node(doc, *it);
			if (e == NULL)
				continue;
			if (*n >= TESTS_MAX) {
				derr(s, x->file, nline(e), x->id, "tests: more than %d", TESTS_MAX);
				return -1;
			}
			*arr = xrealloc(*arr, (*n + 1) * sizeof(**arr));
			if (parse_test(s, x, doc, e, &(*arr)[*n], is_match) == -1) {
				test_free(&(*arr)[*n]);	/* what it parsed before the error */
				return -1;
			}
			(*n)++;
		}
	}
	return 0;
}

static int
add_program(struct ronda_decoders *s, struct decoder *x, yaml_node_t *e, int at)
{
	if (!scalar(e) || e->data.scalar.length == 0 || e->data.scalar.length > 64 ||
	    strpbrk(stext(e), " \t[]:") != NULL) {
		derr(s, x->file, e ? nline(e) : at, x->id,
		    "programs: expected a program name (\"sshd\", \"sshd*\")");
		return -1;
	}
	if (x->nprograms >= PROGRAMS_MAX) {
		derr(s, x->file, nline(e), x->id, "programs: more than %d", PROGRAMS_MAX);
		return -1;
	}
	x->programs = xrealloc(x->programs, (x->nprograms + 1) * sizeof(char *));
	x->programs[x->nprograms++] = xstrndup(stext(e), e->data.scalar.length);
	return 0;
}

static int
parse_programs(struct ronda_decoders *s, struct decoder *x, yaml_document_t *doc,
    yaml_node_t *v)
{
	if (v->type == YAML_SCALAR_NODE)
		return add_program(s, x, v, nline(v));
	if (v->type != YAML_SEQUENCE_NODE) {
		derr(s, x->file, nline(v), x->id, "programs: expected a list of names");
		return -1;
	}
	for (yaml_node_item_t *it = v->data.sequence.items.start;
	    it < v->data.sequence.items.top; it++)
		if (add_program(s, x, yaml_document_get_node(doc, *it), nline(v)) == -1)
			return -1;
	return 0;
}

static const char *const decoder_keys[] = {
	"id", "name", "programs", "action", "outcome", "method", "user", "pattern", "source",
	"description", "tests", NULL
};

/* One decoder mapping; a bad one is reported and dropped. */
static void
parse_decoder(struct ronda_decoders *s, const char *file, yaml_document_t *doc,
    yaml_node_t *m, size_t index)
{
	struct decoder x;
	char idbuf[32];
	int bad = 0;
	unsigned seen = 0;

	memset(&x, 0, sizeof(x));
	x.file = file;
	x.line = nline(m);
	snprintf(idbuf, sizeof(idbuf), "#%zu", index + 1);
	x.id = xstrndup(idbuf, strlen(idbuf));
	if (m->type != YAML_MAPPING_NODE) {
		derr(s, file, nline(m), x.id, "a decoder must be a mapping");
		goto drop;
	}
	/* The id first, so every other message names it. */
	for (yaml_node_pair_t *p = m->data.mapping.pairs.start;
	    p < m->data.mapping.pairs.top; p++) {
		yaml_node_t *k = yaml_document_get_node(doc, p->key);
		yaml_node_t *v = yaml_document_get_node(doc, p->value);
		if (scalar(k) && strcmp(stext(k), "id") == 0 && v != NULL) {
			if (!scalar(v) || !valid_id(stext(v))) {
				derr(s, file, nline(v), x.id,
				    "id: expected [a-z0-9._-], at most %d characters", ID_MAX);
				goto drop;
			}
			free(x.id);
			x.id = xstrndup(stext(v), v->data.scalar.length);
		}
	}
	for (size_t i = 0; i < s->n; i++)
		if (strcmp(s->d[i].id, x.id) == 0) {
			derr(s, file, x.line, x.id, "duplicate id (first in %s:%d)",
			    s->d[i].file, s->d[i].line);
			goto drop;
		}
	for (yaml_node_pair_t *p = m->data.mapping.pairs.start;
	    p < m->data.mapping.pairs.top; p++) {
		yaml_node_t *k = yaml_document_get_node(doc, p->key);
		yaml_node_t *v = yaml_document_get_node(doc, p->value);
		const char *key;
		size_t ki;

		if (!scalar(k) || v == NULL) {
			derr(s, file, nline(m), x.id, "bad key");
			bad = 1;
			continue;
		}
		key = stext(k);
		for (ki = 0; decoder_keys[ki] != NULL; ki++)
			if (strcmp(decoder_keys[ki], key) == 0)
				break;
		if (decoder_keys[ki] == NULL) {
			derr(s, file, nline(k), x.id, "%s: unknown key", key);
			bad = 1;
			continue;
		}
		if (seen & (1u << ki)) {
			derr(s, file, nline(k), x.id, "%s: given twice", key);
			bad = 1;
			continue;
		}
		seen |= 1u << ki;
		if (strcmp(key, "id") == 0)
			continue;
		if (strcmp(key, "tests") == 0) {
			bad |= parse_tests(s, &x, doc, v) != 0;
			continue;
		}
		if (strcmp(key, "programs") == 0) {
			bad |= parse_programs(s, &x, doc, v) != 0;
			continue;
		}
		if (!scalar(v) || v->data.scalar.length == 0) {
			derr(s, file, nline(v), x.id, "%s: expected a non-empty string", key);
			bad = 1;
			continue;
		}
		if (strcmp(key, "name") == 0) {
			x.name = xstrndup(stext(v), v->data.scalar.length);
		} else if (strcmp(key, "source") == 0) {
			x.source = xstrndup(stext(v), v->data.scalar.length);
		} else if (strcmp(key, "description") == 0) {
			/* documentation only */
		} else if (strcmp(key, "action") == 0) {
			if (!valid_action(stext(v))) {
				derr(s, file, nline(v), x.id,
				    "action: expected service_what ([a-z0-9_], e.g. ssh_login_failed)");
				bad = 1;
			} else {
				x.action = xstrndup(stext(v), v->data.scalar.length);
			}
		} else if (strcmp(key, "outcome") == 0) {
			if ((x.outcome = outcome_of(stext(v))) == NULL) {
				derr(s, file, nline(v), x.id,
				    "outcome: expected success, failure or unknown");
				bad = 1;
			}
		} else if (strcmp(key, "method") == 0) {
			x.method = method_of(stext(v), v->data.scalar.length);
		} else if (strcmp(key, "user") == 0) {
			x.user = xstrndup(stext(v), v->data.scalar.length);
		} else if (strcmp(key, "pattern") == 0) {
			if (v->data.scalar.length > PATTERN_MAX) {
				derr(s, file, nline(v), x.id, "pattern: longer than %d", PATTERN_MAX);
				bad = 1;
			} else {
				x.pattern = xstrndup(stext(v), v->data.scalar.length);
				x.pattern_line = nline(v);
			}
		}
	}
	if (!bad && (x.action == NULL || x.outcome == NULL || x.pattern == NULL)) {
		derr(s, file, x.line, x.id, "needs action, outcome and pattern");
		bad = 1;
	}
	if (!bad && x.nmatch == 0) {
		derr(s, file, x.line, x.id, "needs at least one tests: match: line");
		bad = 1;
	}
	if (bad)
		goto drop;
	if (x.name == NULL)
		x.name = xstrndup(x.id, strlen(x.id));
	if (s->n >= DECODERS_MAX) {
		derr(s, file, x.line, x.id, "more than %d decoders", DECODERS_MAX);
		goto drop;
	}
	if (s->n == s->cap) {
		s->cap = s->cap ? 2 * s->cap : 64;
		s->d = xrealloc(s->d, s->cap * sizeof(*s->d));
	}
	s->d[s->n++] = x;
	return;
drop:
	decoder_free(&x);
}

void
ronda_decoders_parse(struct ronda_decoders *s, const char *file,
    struct yaml_document_s *doc, struct yaml_node_s *list)
{
	size_t i = 0;

	if (list->type == YAML_SCALAR_NODE && list->data.scalar.length == 0)
		return;	/* "decoders:" with nothing */
	if (list->type != YAML_SEQUENCE_NODE) {
		derr(s, file, nline(list), "-", "decoders: expected a list of decoders");
		return;
	}
	for (yaml_node_item_t *it = list->data.sequence.items.start;
	    it < list->data.sequence.items.top; it++, i++) {
		yaml_node_t *m = yaml_document_get_node(doc, *it);
		if (m != NULL)
			parse_decoder(s, file, doc, m, i);
	}
}

/* ------------------------------------------------------------- compile */

static int
compile_one(struct ronda_decoders *s, struct decoder *x)
{
	int ecode;
	PCRE2_SIZE eoff;
	uint32_t ncap = 0, nnames = 0, esize = 0;
	PCRE2_SPTR table = NULL;

	x->re = pcre2_compile((PCRE2_SPTR)x->pattern, strlen(x->pattern),
	    PCRE2_DOLLAR_ENDONLY, &ecode, &eoff, NULL);
	if (x->re == NULL) {
		PCRE2_UCHAR msg[256];
		pcre2_get_error_message(ecode, msg, sizeof(msg));
		derr(s, x->file, x->pattern_line, x->id, "pattern: %s at offset %zu",
		    (const char *)msg, (size_t)eoff);
		return -1;
	}
	pcre2_pattern_info(x->re, PCRE2_INFO_CAPTURECOUNT, &ncap);
	if (ncap >= OVECTOR_PAIRS) {
		derr(s, x->file, x->pattern_line, x->id,
		    "pattern: more than %d capturing groups (use (?:...))", OVECTOR_PAIRS - 1);
		return -1;
	}
	pcre2_pattern_info(x->re, PCRE2_INFO_NAMECOUNT, &nnames);
	pcre2_pattern_info(x->re, PCRE2_INFO_NAMEENTRYSIZE, &esize);
	pcre2_pattern_info(x->re, PCRE2_INFO_NAMETABLE, &table);
	for (uint32_t i = 0; i < nnames; i++) {
		PCRE2_SPTR e = table + (size_t)i * esize;
		uint32_t g = ((uint32_t)e[0] << 8) | e[1];
		const char *name = (const char *)e + 2;
		int c;

		for (c = 0; c < C_N; c++)
			if (strcmp(name, cap_names[c]) == 0)
				break;
		if (c == C_N) {
			derr(s, x->file, x->pattern_line, x->id,
			    "pattern: capture (?P<%s>) is not one of user, src, host, port, method",
			    name);
			return -1;
		}
		x->group[c] = g;
	}
	/* JIT is an optimisation: without it (no executable memory) PCRE2 interprets. */
	(void)pcre2_jit_compile(x->re, PCRE2_JIT_COMPLETE);
	return 0;
}

/*
 * The prefilter: every pattern Hyperscan can approximate, in one database.
 * A pattern it refuses even in prefilter mode (rare PCRE-only syntax) is
 * tried by PCRE2 on every message of its programs instead.
 */
static int
compile_prefilter(struct ronda_decoders *s)
{
	const char **exprs = xrealloc(NULL, (s->n + 1) * sizeof(char *));
	unsigned *flags = xrealloc(NULL, (s->n + 1) * sizeof(unsigned));
	unsigned *ids = xrealloc(NULL, (s->n + 1) * sizeof(unsigned));
	unsigned k = 0;
	hs_compile_error_t *cerr = NULL;
	int rc = 0;

	for (size_t i = 0; i < s->n; i++) {
		hs_expr_info_t *info = NULL;
		unsigned f = HS_FLAG_PREFILTER | HS_FLAG_SINGLEMATCH | HS_FLAG_ALLOWEMPTY;

		if (hs_expression_info(s->d[i].pattern, f, &info, &cerr) != HS_SUCCESS) {
			hs_free_compile_error(cerr);
			cerr = NULL;
			s->d[i].always = 1;
			continue;
		}
		/* A pattern that may match an empty message is a candidate anyway. */
		if (info->min_width == 0)
			s->d[i].always = 1;
		free(info);
		if (s->d[i].always)
			continue;
		exprs[k] = s->d[i].pattern;
		flags[k] = f;
		ids[k] = (unsigned)i;
		k++;
	}
	if (k > 0 && hs_compile_multi(exprs, flags, ids, k, HS_MODE_BLOCK, NULL, &s->db,
	    &cerr) != HS_SUCCESS) {
		/* Each compiled alone above: a limit of the whole (size), not a pattern. */
		derr(s, s->d[0].file, s->d[0].line, "-", "prefilter database: %s",
		    cerr && cerr->message ? cerr->message : "compile error");
		hs_free_compile_error(cerr);
		rc = -1;
	} else if (s->db != NULL && hs_alloc_scratch(s->db, &s->scratch) != HS_SUCCESS) {
		derr(s, s->d[0].file, s->d[0].line, "-", "prefilter: cannot allocate scratch");
		rc = -1;
	}
	free(exprs);
	free(flags);
	free(ids);
	return rc;
}

/* ----------------------------------------------------------------- match */

static struct ronda_str
mk(const char *p, size_t n)
{
	struct ronda_str s = { n ? p : NULL, n };

	return s;
}

static int
starts(struct ronda_str s, const char *lit)
{
	size_t l = strlen(lit);

	return s.n >= l && memcmp(s.p, lit, l) == 0;
}

static long
find(struct ronda_str s, size_t from, const char *lit)
{
	size_t l = strlen(lit);
	const char *hit;

	if (from > s.n || s.n - from < l)
		return -1;
	hit = memmem(s.p + from, s.n - from, lit, l);
	return hit == NULL ? -1 : (long)(hit - s.p);
}

/*
 * 1 when s is an IPv4 or IPv6 address; *ip is set to it ("::ffff:1.2.3.4"
 * becomes "1.2.3.4", "[::1]" becomes "::1").
 */
static int
ip_of(struct ronda_str s, struct ronda_str *ip)
{
	char tmp[INET6_ADDRSTRLEN];
	unsigned char bin[16];

	if (s.n >= 2 && s.p[0] == '[' && s.p[s.n - 1] == ']')
		s = mk(s.p + 1, s.n - 2);
	if (s.n == 0 || s.n >= sizeof(tmp))
		return 0;
	memcpy(tmp, s.p, s.n);
	tmp[s.n] = '\0';
	if (inet_pton(AF_INET, tmp, bin) == 1) {
		*ip = s;
		return 1;
	}
	if (inet_pton(AF_INET6, tmp, bin) != 1)
		return 0;
	if (s.n > 7 && strncasecmp(tmp, "::ffff:", 7) == 0 &&
	    inet_pton(AF_INET, tmp + 7, bin) == 1)
		s = mk(s.p + 7, s.n - 7);
	*ip = s;
	return 1;
}

/*
 * A host name as a daemon logs a peer's reverse DNS: letters, digits, '-',
 * '_' and '.', labels of 1..63, at most 253 in all, at least one letter (so
 * "999.1.1.1" is neither an address nor a name), not "unknown" (postfix's
 * and PAM's word for "no name").
 */
static int
host_of(struct ronda_str s, struct ronda_str *host)
{
	size_t label = 0;
	int letter = 0;

	if (s.n > 0 && s.p[s.n - 1] == '.')
		s.n--;		/* the root's dot */
	if (s.n == 0 || s.n > 253 || s.p[0] == '.' || s.p[0] == '-')
		return 0;
	for (size_t i = 0; i < s.n; i++) {
		char c = s.p[i];
		if (c == '.') {
			if (label == 0)
				return 0;
			label = 0;
			continue;
		}
		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'))
			letter = 1;
		else if (!((c >= '0' && c <= '9') || c == '-' || c == '_'))
			return 0;
		if (++label > 63)
			return 0;
	}
	if (!letter || label == 0 || (s.n == 7 && strncasecmp(s.p, "unknown", 7) == 0))
		return 0;
	*host = s;
	return 1;
}

/* A decimal port 1..65535 filling s, else 0. */
static int
port_of(struct ronda_str s)
{
	int v = 0;

	if (s.n == 0 || s.n > 5)
		return 0;
	for (size_t i = 0; i < s.n; i++) {
		if (s.p[i] < '0' || s.p[i] > '9')
			return 0;
		v = v * 10 + (s.p[i] - '0');
	}
	return v <= 65535 ? v : 0;
}

static int
program_ok(const struct decoder *x, struct ronda_str p)
{
	if (x->nprograms == 0)
		return 1;
	for (size_t i = 0; i < x->nprograms; i++) {
		const char *g = x->programs[i];
		size_t l = strlen(g);
		if (l > 0 && g[l - 1] == '*') {
			if (p.n >= l - 1 && memcmp(p.p, g, l - 1) == 0)
				return 1;
		} else if (p.n == l && memcmp(p.p, g, l) == 0) {
			return 1;
		}
	}
	return 0;
}

static int
on_candidate(unsigned int id, unsigned long long from, unsigned long long to,
    unsigned int flags, void *ctx)
{
	struct ronda_decoders *s = ctx;

	(void)from;
	(void)to;
	(void)flags;
	s->d[id].cand_gen = s->gen;
	return 0;
}

static struct ronda_str
group_of(const struct ronda_decoders *s, const struct decoder *x, int c,
    struct ronda_str m)
{
	PCRE2_SIZE *ov = pcre2_get_ovector_pointer(s->md);
	uint32_t g = x->group[c];

	if (g == 0 || ov[2 * g] == PCRE2_UNSET || ov[2 * g + 1] < ov[2 * g] ||
	    ov[2 * g + 1] > m.n)
		return mk(NULL, 0);
	return mk(m.p + ov[2 * g], ov[2 * g + 1] - ov[2 * g]);
}

/* Trim the blanks around an attacker-chosen capture ("user=root  " in PAM). */
static struct ronda_str
trimmed(struct ronda_str s)
{
	while (s.n > 0 && (s.p[0] == ' ' || s.p[0] == '\t')) {
		s.p++;
		s.n--;
	}
	while (s.n > 0 && (s.p[s.n - 1] == ' ' || s.p[s.n - 1] == '\t'))
		s.n--;
	return mk(s.p, s.n);
}

/*
 * The message a decoder sees: rsyslog's "message repeated N times: [ M]"
 * is M, and the old Red Hat tag the parser left in the message
 * ("sshd(pam_unix)[19939]: authentication failure; ...") is dropped.
 */
static struct ronda_str
message_of(const struct ronda_event *ev)
{
	struct ronda_str m = ev->message;
	long k;

	if (starts(m, "message repeated ") && (k = find(m, 0, " times: [ ")) >= 0 && k < 40) {
		m = mk(m.p + k + 10, m.n - (size_t)k - 10);
		while (m.n > 0 && (m.p[m.n - 1] == ' ' || m.p[m.n - 1] == '\r'))
			m.n--;
		if (m.n > 0 && m.p[m.n - 1] == ']')
			m.n--;
	}
	if (ev->program.n == 0 && (k = find(m, 0, "(pam_")) > 0 && k <= 64 &&
	    find(mk(m.p, (size_t)k), 0, " ") < 0) {
		long e = find(m, (size_t)k, ": ");
		if (e >= 0 && e <= 128)
			m = mk(m.p + e + 2, m.n - (size_t)e - 2);
	}
	while (m.n > 0 && (m.p[m.n - 1] == ' ' || m.p[m.n - 1] == '\t' ||
	    m.p[m.n - 1] == '\r' || m.p[m.n - 1] == '\n'))
		m.n--;
	return m;
}

/* Set ev from decoder x's match on m. */
static void
fill(struct ronda_decoders *s, const struct decoder *x, struct ronda_event *ev,
    struct ronda_str m)
{
	struct ronda_str v, r;

	ev->action = x->action;
	ev->outcome = x->outcome;
	ev->decoder = x->id;
	ev->user_name = trimmed(group_of(s, x, C_USER, m));
	if (ev->user_name.n == 0 && x->user != NULL)
		ev->user_name = mk(x->user, strlen(x->user));
	ev->source_ip = mk(NULL, 0);
	ev->source_domain = mk(NULL, 0);
	for (int c = C_SRC; c <= C_HOST; c++) {
		v = trimmed(group_of(s, x, c, m));
		if (v.n == 0)
			continue;
		if (ip_of(v, &r)) {
			ev->source_ip = r;
			break;
		}
		if (host_of(v, &r)) {
			ev->source_domain = r;
			break;
		}
	}
	ev->source_port = port_of(group_of(s, x, C_PORT, m));
	v = group_of(s, x, C_METHOD, m);
	ev->auth_method = v.n > 0 ? method_of(v.p, v.n) : x->method;
}

/* Index of the first decoder that matches m, or -1. */
static long
first_match(struct ronda_decoders *s, const struct ronda_event *ev, struct ronda_str m)
{
	if (++s->gen == 0)
		s->gen = 1;
	if (s->db != NULL && m.n + SCAN_PAD > s->padcap) {
		size_t cap = m.n + SCAN_PAD > 4096 ? m.n + SCAN_PAD : 4096;
		char *p = realloc(s->pad, cap);
		if (p != NULL) {
			s->pad = p;
			s->padcap = cap;
		}
	}
	if (s->db != NULL && m.n + SCAN_PAD <= s->padcap) {
		if (m.n > 0)
			memcpy(s->pad, m.p, m.n);
		memset(s->pad + m.n, 0, SCAN_PAD);
	}
	if (s->db != NULL && (m.n + SCAN_PAD > s->padcap ||
	    hs_scan(s->db, s->pad, (unsigned)m.n, 0, s->scratch, on_candidate, s) != HS_SUCCESS)) {
		/* A scan error (never expected): fall back to trying every decoder. */
		for (size_t i = 0; i < s->n; i++)
			s->d[i].cand_gen = s->gen;
	}
	for (size_t i = 0; i < s->n; i++) {
		struct decoder *x = &s->d[i];
		int rc;

		if ((x->cand_gen != s->gen && !x->always) || !program_ok(x, ev->program))
			continue;
		rc = pcre2_match(x->re, (PCRE2_SPTR)(m.p ? m.p : ""), m.n, 0, 0, s->md, s->mctx);
		if (rc >= 0)
			return (long)i;
		if (rc == PCRE2_ERROR_MATCHLIMIT || rc == PCRE2_ERROR_DEPTHLIMIT ||
		    rc == PCRE2_ERROR_HEAPLIMIT || rc == PCRE2_ERROR_JIT_STACKLIMIT)
			s->limit_hits++;
	}
	return -1;
}

int
ronda_auth_classify(struct ronda_decoders *s, struct ronda_event *ev)
{
	struct ronda_str m;
	long i;

	if (s == NULL || ev->message.n == 0 || ev->message.p == NULL || s->n == 0 ||
	    ev->message.n > UINT32_MAX)
		return 0;
	m = message_of(ev);
	if ((i = first_match(s, ev, m)) < 0)
		return 0;
	fill(s, &s->d[i], ev, m);
	return 1;
}

/* --------------------------------------------------------- self-tests */

#define TEST_NOW_MS INT64_C(1795000000000)	/* 2026-11-18: the tests' year */

static int
same(struct ronda_str got, const char *want)
{
	return got.n == strlen(want) && (got.n == 0 || memcmp(got.p, want, got.n) == 0);
}

static void
check_want(struct ronda_decoders *s, const struct decoder *x, const struct dtest *t,
    const struct ronda_event *ev)
{
	for (int c = 0; c < C_N; c++) {
		const char *w = t->want[c];
		char got[64];
		struct ronda_str g;

		if (w == NULL)
			continue;
		switch (c) {
		case C_USER:
			g = ev->user_name;
			break;
		case C_SRC:
		case C_HOST:
			/* What the pattern captured (the match data is still the winner's). */
			g = trimmed(group_of(s, x, c, message_of(ev)));
			break;
		case C_PORT:
			snprintf(got, sizeof(got), "%d", ev->source_port);
			g = ev->source_port > 0 ? mk(got, strlen(got)) : mk(NULL, 0);
			break;
		default:
			g = ev->auth_method ? mk(ev->auth_method, strlen(ev->auth_method)) :
			    mk(NULL, 0);
			break;
		}
		if (!same(g, w))
			derr(s, x->file, t->lineno, x->id, "test line: %s is \"%.*s\", expected \"%s\"",
			    cap_names[c], (int)(g.n > 200 ? 200 : g.n), g.p ? g.p : "", w);
	}
}

static int
parse_test_line(struct ronda_event *ev, const char *line)
{
	ronda_event_reset(ev);
	ev->type = RONDA_EVENT_AUTH;
	return ronda_parse_syslog(ev, line, strlen(line), NULL, TEST_NOW_MS);
}

static void
run_tests(struct ronda_decoders *s)
{
	struct ronda_event *ev = xrealloc(NULL, sizeof(*ev));

	for (size_t i = 0; i < s->n; i++) {
		struct decoder *x = &s->d[i];

		for (size_t t = 0; t < x->nmatch; t++) {
			const struct dtest *dt = &x->match[t];
			if (parse_test_line(ev, dt->line) != 0) {
				derr(s, x->file, dt->lineno, x->id, "test line does not parse as a log line");
				continue;
			}
			if (!ronda_auth_classify(s, ev)) {
				derr(s, x->file, dt->lineno, x->id, "test line does not match");
				continue;
			}
			if (strcmp(ev->decoder, x->id) != 0) {
				derr(s, x->file, dt->lineno, x->id,
				    "test line is decoded by %s, which comes first", ev->decoder);
				continue;
			}
			check_want(s, x, dt, ev);
		}
		for (size_t t = 0; t < x->nnomatch; t++) {
			const struct dtest *dt = &x->nomatch[t];
			if (parse_test_line(ev, dt->line) != 0)
				continue;	/* not a log line: certainly not this decoder */
			if (ronda_auth_classify(s, ev) && strcmp(ev->decoder, x->id) == 0)
				derr(s, x->file, dt->lineno, x->id, "test line matches but must not");
		}
	}
	free(ev);
}

/* ------------------------------------------------------------ lifecycle */

struct ronda_decoders *
ronda_decoders_new(struct ronda_cfg_errors *errs)
{
	struct ronda_decoders *s = calloc(1, sizeof(*s));

	if (s == NULL)
		return NULL;
	s->errs = errs;
	return s;
}

int
ronda_decoders_finish(struct ronda_decoders *s)
{
	if (s->nerr > 0)
		goto out;
	for (size_t i = 0; i < s->n; i++)
		(void)compile_one(s, &s->d[i]);
	if (s->nerr > 0)
		goto out;
	if (!s->db_given && compile_prefilter(s) == -1)
		goto out;
	/* A set without decoders (web rules only) has no database at all. */
	if (s->db_given && s->db != NULL &&
	    hs_alloc_scratch(s->db, &s->scratch) != HS_SUCCESS) {
		derr(s, s->d[0].file, s->d[0].line, "-", "prefilter: cannot allocate scratch");
		goto out;
	}
	s->md = pcre2_match_data_create(OVECTOR_PAIRS, NULL);
	s->mctx = pcre2_match_context_create(NULL);
	if (s->md == NULL || s->mctx == NULL)
		abort();
	pcre2_set_match_limit(s->mctx, MATCH_LIMIT);
	pcre2_set_depth_limit(s->mctx, DEPTH_LIMIT);
	/* JIT's default 32 KiB stack is short for a long line; without a stack, the default. */
	if ((s->jstack = pcre2_jit_stack_create(32 * 1024, JIT_STACK_MAX, NULL)) != NULL)
		pcre2_jit_stack_assign(s->mctx, NULL, s->jstack);
	run_tests(s);
	s->limit_hits = 0;
out:
	s->errs = NULL;
	return s->nerr > 0 ? -1 : 0;
}

int
ronda_decoders_errors(const struct ronda_decoders *s)
{
	return s->nerr;
}

void
ronda_decoders_free(struct ronda_decoders *s)
{
	if (s == NULL)
		return;
	for (size_t i = 0; i < s->n; i++)
		decoder_free(&s->d[i]);
	free(s->d);
	hs_free_database(s->db);
	hs_free_scratch(s->scratch);
	pcre2_match_data_free(s->md);
	pcre2_match_context_free(s->mctx);
	pcre2_jit_stack_free(s->jstack);
	free(s->pad);
	free(s);
}

size_t
ronda_decoders_count(const struct ronda_decoders *s)
{
	return s != NULL ? s->n : 0;
}

int
ronda_decoders_get(const struct ronda_decoders *s, size_t i, struct ronda_decoder_info *out)
{
	const struct decoder *x;

	if (s == NULL || i >= s->n)
		return -1;
	x = &s->d[i];
	out->id = x->id;
	out->name = x->name;
	out->action = x->action;
	out->outcome = x->outcome;
	out->source = x->source;
	out->file = x->file;
	out->line = x->line;
	out->ntests = x->nmatch + x->nnomatch;
	return 0;
}

/* ------------------------------------------------------- the cache */

uint64_t
ronda_decoders_hash(const struct ronda_decoders *s, uint64_t h)
{
	static const char tag[] = "decoders/prefilter/1";

	h = ronda_hash64(tag, sizeof(tag) - 1, h);
	for (size_t i = 0; i < s->n; i++)
		h = ronda_hash64(s->d[i].pattern, strlen(s->d[i].pattern) + 1, h);
	return h;
}

/*
 * The blob: the number of decoders (4 bytes), one byte per decoder (1 when
 * it is tried on every message), then hs_serialize_database's bytes.
 */
int
ronda_decoders_prefilter_save(const struct ronda_decoders *s, char **out, size_t *outlen)
{
	char *db = NULL, *b;
	size_t dn = 0;
	uint32_t n = (uint32_t)s->n;

	*out = NULL;
	*outlen = 0;
	if (s->db != NULL && hs_serialize_database(s->db, &db, &dn) != HS_SUCCESS)
		return -1;
	if ((b = malloc(4 + s->n + dn)) == NULL) {
		free(db);
		return -1;
	}
	memcpy(b, &n, 4);
	for (size_t i = 0; i < s->n; i++)
		b[4 + i] = (char)s->d[i].always;
	if (dn > 0)
		memcpy(b + 4 + s->n, db, dn);
	free(db);
	*out = b;
	*outlen = 4 + s->n + dn;
	return 0;
}

int
ronda_decoders_prefilter_load(struct ronda_decoders *s, const char *b, size_t len)
{
	uint32_t n;

	if (len < 4)
		return -1;
	memcpy(&n, b, 4);
	if (n != s->n || len < 4 + (size_t)n || s->db != NULL)
		return -1;
	if (len > 4 + (size_t)n &&
	    hs_deserialize_database(b + 4 + n, len - 4 - n, &s->db) != HS_SUCCESS) {
		s->db = NULL;
		return -1;
	}
	for (size_t i = 0; i < s->n; i++)
		s->d[i].always = b[4 + i] != 0;
	s->db_given = 1;
	return 0;
}

unsigned long
ronda_decoders_limit_hits(const struct ronda_decoders *s)
{
	return s != NULL ? s->limit_hits : 0;
}
