/*
 * rules_int.h — the rule set's insides, shared by its parts: rules_load.c
 * (files and folders, the YAML), rules.c (compiling, matching, self-tests,
 * lifecycle) and rules_cache.c (the compiled databases kept on disk).
 * Not for use outside collector/rules*.c.
 */
#ifndef RONDA_RULES_INT_H
#define RONDA_RULES_INT_H

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
	"login-success", "search-bot", "search-redirect", NULL
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

extern uint64_t rules_fc_seed;

void rules_errs_addf(struct ronda_ruleset *rs, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void rules_rule_err(struct ronda_ruleset *rs, const char *file, int line, const char *id, const char *fmt, ...) __attribute__((format(printf, 5, 6)));
void * rules_xrealloc(void *p, size_t n);
char * rules_xstrndup(const char *s, size_t n);
int rules_strlist_has_ci(const struct ronda_strlist *sl, const char *p, size_t n);
void rules_rule_free_fields(struct rule *r);
void rules_parse_text(struct ronda_ruleset *rs, const char *name, const char *text, size_t len);
void rules_load_path(struct ronda_ruleset *rs, const char *path);
void rules_check_patterns(struct ronda_ruleset *rs);
int rules_compile_field(struct ronda_ruleset *rs, int f);
void rules_run_tests(struct ronda_ruleset *rs);
struct ronda_ruleset * rules_ruleset_new(struct ronda_cfg_errors *errs);
uint64_t rules_cache_key(const struct ronda_ruleset *rs);
int rules_cache_load(struct ronda_ruleset *rs, uint64_t key);
void rules_cache_store(struct ronda_ruleset *rs, uint64_t key);

#endif
