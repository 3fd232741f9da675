/*
 * dlq.h — the dead-letter queue: a bad message (not JSON, against the event
 * schema, far too large) is copied to the DLQ topic with headers saying why
 * and where it came from, and logged at most once a minute per kind. The
 * correlator never stops for a bad message.
 *
 * Copies are best effort (at least once, outside the SQLite transaction): a
 * failed copy is counted. A message over max_copy bytes is cut to that size
 * and marked with the header ronda-truncated, so one 10 MB message cannot
 * fill the producer queue.
 */
#ifndef RONDA_DLQ_H
#define RONDA_DLQ_H

#include <stddef.h>
#include <stdint.h>

#include <librdkafka/rdkafka.h>

#include "ronda/config.h"

struct ronda_dlq;

/* A producer for topic on brokers (props as kafka.properties). NULL with err. */
struct ronda_dlq *ronda_dlq_new(const char *brokers, const char *topic,
    const struct ronda_kvlist *props, size_t max_copy, char *err, size_t errlen);
void ronda_dlq_free(struct ronda_dlq *q);

/*
 * Copy a bad message; reason is a cevent reject kind, why the detail. Logs
 * (rate-limited by kind, now = wall-clock seconds). 0 queued, -1 not.
 */
int ronda_dlq_put(struct ronda_dlq *q, const char *src_topic, int32_t part,
    int64_t offset, const void *key, size_t keylen, const void *payload, size_t len,
    int reason, const char *why, long now);

/* Serve delivery reports (call from the loop; never blocks). */
void ronda_dlq_poll(struct ronda_dlq *q);
/* Wait up to timeout_ms for queued copies (shutdown). */
void ronda_dlq_flush(struct ronda_dlq *q, int timeout_ms);
/* Copies queued, delivered, failed. */
void ronda_dlq_stats(const struct ronda_dlq *q, uint64_t *queued, uint64_t *delivered,
    uint64_t *failed);

#endif
