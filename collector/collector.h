/*
 * collector.h — the running collector: state DB, tailer, pipeline, rules,
 * aggregates and the Kafka sink attached to one event_base.
 */
#ifndef RONDA_COLLECTOR_H
#define RONDA_COLLECTOR_H

#include <stddef.h>
#include <stdint.h>

#include "journal.h"
#include "pipeline.h"
#include "tail.h"
#include "webroot.h"

struct event_base;
struct ronda_collector_config;
struct ronda_collector;

/*
 * Build and attach a collector for cfg (borrowed; must outlive it). once:
 * read every input to its end, then report done (ronda_collector_done).
 * Returns NULL with a message in err.
 */
struct ronda_collector *ronda_collector_new(struct event_base *base,
    const struct ronda_collector_config *cfg, int once, char *err, size_t errlen);
/*
 * Stop reading, wait up to timeout_ms for Kafka to confirm what was sent,
 * write the final checkpoints and free. NULL is a no-op. Returns the number
 * of messages still unconfirmed (they are resent after a restart).
 */
size_t ronda_collector_free(struct ronda_collector *c, int timeout_ms);
/* --once: 1 when every input was read to its end and confirmed. */
int ronda_collector_done(const struct ronda_collector *c);
/* 1 when the sink hit an unrecoverable error (message in err). */
int ronda_collector_failed(struct ronda_collector *c, char *err, size_t errlen);
/* Log the counters (lines, events, parse errors, cut lines, queue, lag). */
void ronda_collector_log_stats(struct ronda_collector *c);

/* The counters behind the stats line and /metrics. */
struct ronda_collector_stats {
	struct ronda_pipeline_stats pipe;
	struct ronda_tail_stats tail;
	struct ronda_journal_stats journal;	/* zero without journal inputs */
	struct ronda_webroot_stats webroot;	/* zero without webroots */
	uint64_t kafka_sent, kafka_delivered, kafka_retried, kafka_full, kafka_errors;
	size_t kafka_queue;		/* queued in librdkafka, not yet confirmed */
	uint64_t aggregates_sent;
};
void ronda_collector_stats(struct ronda_collector *c, struct ronda_collector_stats *st);

/*
 * --explain: read lines from each file of paths (or stdin when n == 0) as
 * input 0 of cfg and write one event JSON per line to stdout, in order,
 * whether or not it would be forwarded. Returns 0, or -1 on a read error.
 */
int ronda_collector_explain(const struct ronda_collector_config *cfg,
    char *const *paths, size_t n, char *err, size_t errlen);

/*
 * --check-config: load the rules cfg names (every rule error is appended to
 * errs) and release them. 0 when they load, -1 otherwise.
 */
struct ronda_cfg_errors;
int ronda_collector_check_rules(const struct ronda_collector_config *cfg,
    struct ronda_cfg_errors *errs);

#endif
