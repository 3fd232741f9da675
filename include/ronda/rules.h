/*
 * rules.h — detection rules (YAML) compiled into Hyperscan/Vectorscan
 * databases, one database per field, so each field of a line is scanned once
 * whatever the number of rules.
 */
#ifndef RONDA_RULES_H
#define RONDA_RULES_H

#include <stddef.h>

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
/* Free; NULL is a no-op. */
void ronda_rules_free(struct ronda_ruleset *rs);
/* Number of rules loaded. */
size_t ronda_rules_count(const struct ronda_ruleset *rs);

/*
 * Match a parsed (and for auth, classified) event against the rules that
 * apply to its type: normalises the request fields into ev->norm_path /
 * ev->norm_query (scratch memory owned by rs, valid until the next call),
 * fills ev->rules / ev->nrules / ev->severity. Returns the number of rules
 * matched. Not thread-safe (one scratch per set).
 */
int ronda_rules_match(struct ronda_ruleset *rs, struct ronda_event *ev);

#endif
