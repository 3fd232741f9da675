/*
 * marker_int.h — the marker set's insides, shared by its parts:
 * marker_load.c (files, folders, the YAML), marker.c (compiling, scanning,
 * link targets, the markers' own tests, lifecycle) and marker_cache.c (the
 * compiled databases kept on disk).
 * Not for use outside collector/marker*.c.
 */
#ifndef RONDA_MARKER_INT_H
#define RONDA_MARKER_INT_H

#include "marker.h"

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#define PCRE2_CODE_UNIT_WIDTH 8
#include <hs.h>
#include <pcre2.h>

/* Caps: a marker set is operator input, but still bounded. */
#define MARKERS_MAX		1024
#define MARKER_PATTERNS_MAX	128	/* patterns + requires + not of one marker */
#define MARKER_PATHS_MAX	32	/* paths + not_paths of one marker */
#define MARKER_TESTS_MAX	32	/* per kind (match, nomatch) */
#define MARKER_TEST_MAX		(64 * 1024)	/* bytes of one test's content */
#define MARKER_PATTERN_MAX	4096
#define MARKER_FILE_MAX		(8 * 1024 * 1024)
#define MARKER_FAMILY_MAX	32
#define MARKER_FOREIGN_MAX	64
#define MARKER_NEAR_MAX		65536

/*
 * Content patterns: caseless (PHP function names, HTML and Indonesian
 * words are), '.' crosses newlines, '^'/'$' are line anchors (.htaccess
 * directives start a line). A pattern that needs case writes (?-i).
 * Hyperscan reports where a match ends; where it starts is found again by
 * PCRE2 for the few matches that become excerpts (HS_FLAG_SOM_LEFTMOST
 * refuses most patterns with a bounded gap, "eval\s*\([^;]{0,80}\$_POST").
 * Path patterns and vetoes need only whether they matched.
 */
#define MK_CONTENT_FLAGS	(HS_FLAG_CASELESS | HS_FLAG_DOTALL | HS_FLAG_MULTILINE)
#define MK_VETO_FLAGS		(HS_FLAG_CASELESS | HS_FLAG_DOTALL | HS_FLAG_MULTILINE | \
				 HS_FLAG_SINGLEMATCH)
#define MK_PATH_FLAGS		(HS_FLAG_CASELESS | HS_FLAG_DOTALL | HS_FLAG_SINGLEMATCH)
#define MK_PCRE2_FLAGS		(PCRE2_CASELESS | PCRE2_DOTALL | PCRE2_MULTILINE)

/* What a pattern is for. */
enum mk_kind {
	K_POS,		/* patterns: counted towards min_matches */
	K_REQ,		/* requires: every one must match */
	K_NOT,		/* not: any match vetoes the marker */
	K_PATH,		/* paths: one must match the relative path */
	K_NOTPATH,	/* not_paths: any match vetoes */
};

/* What a marker's excerpt shows, in order of preference. */
enum mk_ex {
	EX_NONE,
	EX_REQ,		/* its first `requires:` match */
	EX_POS,		/* its first `patterns:` match */
	EX_NEAR,	/* where its `requires:` met within `near:` */
};

/* The marker categories (schemas/event.schema.json, marker.h). */
enum mk_cat {
	CAT_WEBSHELL, CAT_CLOAKING, CAT_GAMBLING, CAT_HIDDEN_LINK, CAT_HTACCESS,
	CAT_SITEMAP, CAT_UPLOAD, CAT_DEFACEMENT, CAT_N
};

extern const char *const mk_categories[CAT_N + 1];

/* One test case: a file the marker must (or must not) hit. */
struct mk_test {
	char *path;
	char *content;		/* may hold NUL bytes: len of them */
	size_t len;
	uint64_t size;		/* full size on disk (default len) */
	char *own_domain;	/* may be NULL */
	char **domains;		/* hosts the result must list (match tests) */
	size_t ndomains;
	int line;
};

struct marker {
	char *id, *name, *category, *family, *description;
	int cat;		/* enum mk_cat */
	int severity;
	int min_matches;	/* distinct K_POS patterns needed (>= 1 when any) */
	int foreign_hosts;	/* link targets off the site needed (0: not a condition) */
	uint64_t max_size;	/* 0: any size */
	int near;		/* requires: all within this many bytes (0: anywhere) */
	uint32_t pfirst, pend;	/* its patterns: set->pats[pfirst..pend) */
	unsigned npos, nreq, nnot, npath, nnotpath;
	struct mk_test *tmatch, *tnomatch;
	size_t ntmatch, ntnomatch;
	const char *file;	/* borrowed from set->files */
	int line;

	/* Per-scan state, valid when its gen equals set->gen (nothing is cleared per file). */
	unsigned gen;		/* content matches */
	unsigned pos_hits, req_hits;
	int vetoed;
	int near_ok;		/* the requires matched within `near` of each other */
	int have_ex;		/* enum mk_ex: what ex_pat/ex_to show */
	uint32_t ex_pat;
	uint64_t ex_to;
	uint64_t lo, hi;	/* first and last end of a K_POS / K_REQ match */
	unsigned path_gen;	/* path matches */
	int path_hit, path_veto;
	unsigned ok_gen;	/* the marker hit the file scanned last */
};

struct mk_pat {
	uint32_t marker;
	int kind;		/* enum mk_kind */
	char *expr;
	int line;
	unsigned gen;		/* last scan it matched in (distinct counting) */
	uint64_t last_to;	/* end of its latest match in that scan */
	pcre2_code *re;		/* K_POS / K_REQ: the same pattern, to find a match's start */
	uint32_t maxw;		/* longest match (capped at MK_BACK_MAX) */
};

/* Bytes before a match's end searched for its start (and taken as its span). */
#define MK_BACK_MAX	8192

struct ronda_markers {
	struct marker *m;
	size_t n, cap;
	struct mk_pat *pats;
	size_t npats, cappats;
	char **files;
	size_t nfiles;

	hs_database_t *cdb;	/* content: K_POS, K_REQ, K_NOT */
	hs_database_t *pdb;	/* relative path: K_PATH, K_NOTPATH */
	hs_scratch_t *scratch;
	unsigned gen;
	unsigned char *pad;	/* padded copy of the content scanned */
	size_t padcap;
	uint64_t *regions;	/* fill_domains' [lo, hi) pairs: one per marker */
	pcre2_match_data *md;
	pcre2_match_context *mctx;

	int nerr;
	struct ronda_cfg_errors *errs;
};

void mk_errs_addf(struct ronda_markers *ms, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* "file:line: marker <id>: message" */
void mk_err(struct ronda_markers *ms, const char *file, int line, const char *id,
    const char *fmt, ...) __attribute__((format(printf, 5, 6)));
void *mk_xrealloc(void *p, size_t n);
char *mk_xstrndup(const char *s, size_t n);
void mk_marker_free_fields(struct marker *mk);
/* Parse every document of a marker file held in memory. */
void mk_parse_text(struct ronda_markers *ms, const char *name, const char *text, size_t len);
/* Read a marker file, or the *.yaml of a folder in name order. */
void mk_load_path(struct ronda_markers *ms, const char *path);
/* The shipped markers' folder into buf; 0, or -1 when none was found. */
int mk_shipped_dir(char *buf, size_t len);
/* marker_cache.c: the key of what ms would compile; load into ms (0/-1); store. */
uint64_t mk_cache_key(const struct ronda_markers *ms);
int mk_cache_load(struct ronda_markers *ms, const char *dir, uint64_t key);
void mk_cache_store(const struct ronda_markers *ms, const char *dir, uint64_t key);

#endif
