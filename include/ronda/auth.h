/*
 * auth.h — auth-log decoders: data files (rules/auth/NAME.yaml) that turn an
 * auth message (sshd, PAM, sudo, su, FTP and mail daemons, dropbear, audit
 * records) into a structured event.
 *
 * A decoder names the programs it applies to, a PCRE2 pattern over the
 * syslog message with named captures (user, src, host, port, method), the
 * event.action and event.outcome it gives, and test lines that must and must
 * not match, checked at load. docs/rules.md describes the format.
 *
 * Matching: one Hyperscan database, compiled in prefilter mode from every
 * pattern, finds the decoders that may match a message in one scan; PCRE2
 * (JIT) then runs only those, in load order, and the first that matches
 * gives its captures. Hyperscan cannot capture, and PCRE2 alone would run
 * every pattern on every line: together a line costs one scan plus, nearly
 * always, one capture match.
 */
#ifndef RONDA_AUTH_H
#define RONDA_AUTH_H

#include <stddef.h>
#include <stdint.h>

#include "ronda/config.h"
#include "ronda/event.h"

struct ronda_decoders;

/* An empty set; errors of the later calls are appended to errs ("file:line: ..."). */
struct ronda_decoders *ronda_decoders_new(struct ronda_cfg_errors *errs);

/*
 * Parse a `decoders:` list (a libyaml sequence node of doc) read from file
 * (a name kept by the caller for the set's lifetime). Errors are reported,
 * counted, and refuse the whole set at ronda_decoders_finish.
 */
struct yaml_document_s;
struct yaml_node_s;
void ronda_decoders_parse(struct ronda_decoders *d, const char *file,
    struct yaml_document_s *doc, struct yaml_node_s *list);

/*
 * Compile every pattern and run every decoder's own tests. 0 when the set is
 * good; -1 when anything was wrong (every problem reported). Then errors are
 * no longer reported anywhere (errs may be freed).
 */
int ronda_decoders_finish(struct ronda_decoders *d);

/* Number of errors reported so far. */
int ronda_decoders_errors(const struct ronda_decoders *d);

void ronda_decoders_free(struct ronda_decoders *d);
size_t ronda_decoders_count(const struct ronda_decoders *d);

/* What listings show about decoder i (borrowed). */
struct ronda_decoder_info {
	const char *id, *name, *action, *outcome, *source, *file;
	int line;
	size_t ntests;
};
int ronda_decoders_get(const struct ronda_decoders *d, size_t i,
    struct ronda_decoder_info *out);

/*
 * From ev->program and ev->message (set by the syslog parser), set
 * ev->action, ev->outcome, ev->user_name, ev->source_ip or
 * ev->source_domain, ev->source_port, ev->auth_method and ev->decoder (the
 * id of the decoder), with slices into the message. Returns 1 when a decoder
 * matched, 0 when none did (or d is NULL). Never reads outside the message.
 * Not thread-safe (one match scratch per set).
 */
int ronda_auth_classify(struct ronda_decoders *d, struct ronda_event *ev);

/*
 * The compiled prefilter, for the rules' database cache: a hash of every
 * pattern (add it to the cache key), the database as bytes (after
 * ronda_decoders_finish; *out malloc'd), and the same bytes given back to a
 * set not yet finished, which then skips compiling it. -1 when the bytes do
 * not fit this set (the cache is then ignored).
 */
uint64_t ronda_decoders_hash(const struct ronda_decoders *d, uint64_t h);
int ronda_decoders_prefilter_save(const struct ronda_decoders *d, char **out, size_t *outlen);
int ronda_decoders_prefilter_load(struct ronda_decoders *d, const char *bytes, size_t len);

/* Messages whose match hit PCRE2's backtracking limit (a hostile line), counted. */
unsigned long ronda_decoders_limit_hits(const struct ronda_decoders *d);

#endif
