/*
 * rules.h — detection rules (YAML) compiled into Hyperscan/Vectorscan
 * databases, one database per field, so each field of a line is scanned once
 * whatever the number of rules.
 */
#ifndef RONDA_RULES_H
#define RONDA_RULES_H

#include <stddef.h>
#include <stdint.h>

#include "ronda/config.h"
#include "ronda/event.h"

struct ronda_ruleset;

/*
 * Load every rule file named in paths (files, or folders whose *.yaml are
 * read in name order), validate (unknown keys, bad category/severity,
 * duplicate ids, patterns that do not compile), compile the databases and run
 * each rule's own tests. Every problem is appended to errs as
 * "file:line: rule <id>: message". Returns the set, or NULL when anything
 * was wrong.
 */
struct ronda_ruleset *ronda_rules_load(const struct ronda_strlist *paths,
    struct ronda_cfg_errors *errs);
/*
 * The same, keeping the compiled databases in cache_dir (a folder only this
 * user may write; otherwise the cache is not used) so that a restart with
 * unchanged rules skips the compilation. cache_dir may be NULL.
 */
struct ronda_ruleset *ronda_rules_load_cached(const struct ronda_strlist *paths,
    const char *cache_dir, struct ronda_cfg_errors *errs);

/* Field values answered from the per-field result cache, and those scanned. */
void ronda_rules_cache_stats(const struct ronda_ruleset *rs, uint64_t *hits,
    uint64_t *misses);

/* Free; NULL is a no-op. */
void ronda_rules_free(struct ronda_ruleset *rs);
/* Number of rules loaded. */
size_t ronda_rules_count(const struct ronda_ruleset *rs);

/*
 * The auth decoders loaded with the rules (files holding `decoders:`, e.g.
 * rules/auth/NAME.yaml; a folder's sub-folders are read too), for
 * ronda_auth_classify(). Borrowed from rs; NULL when rs is NULL.
 */
struct ronda_decoders;
struct ronda_decoders *ronda_rules_decoders(struct ronda_ruleset *rs);

/*
 * Match a parsed (and for auth, classified) event against the rules that
 * apply to its type: normalises the request fields into ev->norm_path /
 * ev->norm_query (scratch memory owned by rs, valid until the next call),
 * fills ev->rules / ev->nrules / ev->severity. Returns the number of rules
 * matched. Not thread-safe (one scratch per set).
 */
int ronda_rules_match(struct ronda_ruleset *rs, struct ronda_event *ev);

/* The same from a rule file held in memory (tests, fuzzing); name is used in messages. */
struct ronda_ruleset *ronda_rules_load_string(const char *name, const char *text,
    size_t len, struct ronda_cfg_errors *errs);

/* What --explain and rule listings show about one rule (borrowed from rs). */
struct ronda_rule_info {
	const char *id, *name, *category, *description;	/* description may be NULL */
	int severity;			/* enum ronda_severity */
	const char *applies_to;		/* "web" or "auth" */
	const char *const *tags;	/* ntags MITRE ATT&CK ids and other tags */
	size_t ntags;
	const char *file;		/* where the rule was defined */
	int line;
	size_t npatterns, ntests;
};

/* Describe rule i (0 <= i < count, in load order) into out. 0, or -1 if out of range. */
int ronda_rules_get(const struct ronda_ruleset *rs, size_t i, struct ronda_rule_info *out);

/*
 * Whether rule i matched the event of the last ronda_rules_match() call; this
 * sees every matched rule even when more than RONDA_EVENT_MAX_RULES matched.
 */
int ronda_rules_matched(const struct ronda_ruleset *rs, size_t i);

/* The category vocabulary, NULL-terminated (the same words as schemas/event.schema.json). */
const char *const *ronda_rules_categories(void);

#endif
