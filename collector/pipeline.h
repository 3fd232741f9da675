/*
 * pipeline.h — one log line to one event: parse, classify auth messages,
 * normalise and match the rules, decide whether it is forwarded, encode JSON.
 * Shared by the live collector and --explain so both say the same thing.
 */
#ifndef RONDA_PIPELINE_H
#define RONDA_PIPELINE_H

#include <stddef.h>
#include <stdint.h>

#include "ronda/buf.h"
#include "ronda/event.h"

struct ronda_collector_config;
struct ronda_ruleset;
struct ronda_agg;

struct ronda_pipeline;

/* What ronda_pipeline_line() found (for counters). */
struct ronda_pipeline_stats {
	uint64_t lines;
	uint64_t parse_errors;
	uint64_t truncated;
	uint64_t auth_actions;
	uint64_t rule_hits;	/* lines that matched at least one rule */
	uint64_t forwarded;
	uint64_t filtered;	/* not forwarded (forward: events) */
	uint64_t encode_errors;
	uint64_t shrunk;	/* events cut to the sink's size limit (also in truncated) */
	uint64_t untimed;	/* no time, no earlier timed line in their file: set aside */
};

/*
 * An auth entry its source already split into fields (the journal): the
 * pipeline takes them as they are instead of parsing the line, which is
 * then only event.original. Slices are borrowed like the line.
 */
struct ronda_pipeline_fields {
	const char *dataset;	/* event.dataset, e.g. "auth.journal" */
	int64_t ts_ms;		/* exact UTC event time, 0 unknown */
	struct ronda_str log_host, program, message;
	int64_t pid;		/* -1 absent */
};

/* One line as the pipeline needs it. */
struct ronda_pipeline_line {
	const char *p;
	size_t n;
	uint64_t offset;
	int truncated;
	const char *path;
	uint64_t dev, ino, fp;	/* identity of the logical file, for event.id */
	int64_t mtime_ms;	/* the file's modification time, 0 unknown (see below) */
	const struct ronda_pipeline_fields *fields;	/* NULL: parse p (auth inputs) */
};

/*
 * A pipeline for cfg's inputs (borrowed), with rules (borrowed, may be NULL)
 * and an aggregator (borrowed, may be NULL) that sees every web line.
 */
struct ronda_pipeline *ronda_pipeline_new(const struct ronda_collector_config *cfg,
    struct ronda_ruleset *rules, struct ronda_agg *agg);
void ronda_pipeline_free(struct ronda_pipeline *p);

/*
 * Turn line l of input idx into an event (an auth line with l->fields is
 * not parsed: its fields are taken as given, and the line is only
 * event.original). The JSON is appended to out (what
 * out held before stays; on -1 nothing is added) and the Kafka key (source
 * IP, else the site) goes to *key (borrowed from the line or the config).
 *
 * Event time is the line's own. A line without a usable time takes the time
 * of the previous timed line of the same file (flagged time_guessed); when
 * its file had none since start it is set aside: counted in untimed, not
 * aggregated, not forwarded. The wall clock never becomes an event's time:
 * now_ms only stands in for l->mtime_ms, the reference of the year of RFC
 * 3164 syslog lines, when that is 0.
 *
 * Returns 1 when the event is to be forwarded, 0 when forward: events
 * filters it out or it was set aside (force = 1 always encodes and returns
 * 1; a line set aside is then encoded with no time, @timestamp at the
 * epoch), -1 when it could not be encoded (counted). The last event stays
 * readable through ronda_pipeline_event() until the next call.
 */
int ronda_pipeline_line(struct ronda_pipeline *p, size_t idx,
    const struct ronda_pipeline_line *l, int64_t now_ms, int force,
    struct ronda_buf *out, struct ronda_str *key);
const struct ronda_event *ronda_pipeline_event(const struct ronda_pipeline *p);
/*
 * Events (JSON plus key) larger than max bytes are shipped cut: the fields
 * taken from the line dropped and event.original cut to fit, flagged
 * truncated. 0 (the default) = no limit.
 */
void ronda_pipeline_set_event_max(struct ronda_pipeline *p, size_t max);
const struct ronda_pipeline_stats *ronda_pipeline_stats(const struct ronda_pipeline *p);
/* The cloaking memory's counters (collector/cloak.h; borrowed, live). */
struct ronda_cloak_stats;
const struct ronda_cloak_stats *ronda_pipeline_cloak_stats(const struct ronda_pipeline *p);

#endif
