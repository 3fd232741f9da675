/*
 * consumer.h — the Kafka side of the correlator: a consumer group member
 * polled from a libevent timer (never blocking the loop), feeding the engine
 * and committing batches to SQLite every `batch.interval` or
 * `batch.max_events`, whichever comes first.
 *
 * Offsets live in SQLite, not in Kafka: on assignment each partition is
 * positioned at the engine's replay offset (rd_kafka_assign /
 * incremental_assign with explicit offsets); on revocation the batch is
 * committed before the partition goes. Kafka-committed offsets are never
 * read.
 */
#ifndef RONDA_CONSUMER_H
#define RONDA_CONSUMER_H

#include <stddef.h>

#include "cconfig.h"
#include "dlq.h"
#include "engine.h"

struct event_base;
struct ronda_consumer;

/* A consumer feeding eng, copying bad messages to dlq (both borrowed). */
struct ronda_consumer *ronda_consumer_new(const struct ronda_correlator_config *cfg,
    struct ronda_engine *eng, struct ronda_dlq *dlq, char *err, size_t errlen);
/* Subscribe and start the poll timer on base. 0 / -1. */
int ronda_consumer_attach(struct ronda_consumer *c, struct event_base *base,
    char *err, size_t errlen);
/* Commit what is pending and leave the group (shutdown). 0 / -1. */
int ronda_consumer_close(struct ronda_consumer *c, char *err, size_t errlen);
/*
 * At exit only: with librdkafka < 2.3 a consumer that never got an assignment
 * is closed but its handle left to the process exit (consumer.c says why).
 */
void ronda_consumer_free(struct ronda_consumer *c);
/* A commit failed: the loop was stopped and this says why (else NULL). */
const char *ronda_consumer_fatal(const struct ronda_consumer *c);

/*
 * Call fn(arg, ok) after each batch commit (ok 1) or failed one (ok 0), on
 * the loop's thread: the HTTP API publishes its metrics snapshot there.
 */
void ronda_consumer_on_commit(struct ronda_consumer *c, void (*fn)(void *arg, int ok),
    void *arg);
/* The partitions assigned now (kept by the rebalance callback: no librdkafka call). */
int64_t ronda_consumer_assigned(const struct ronda_consumer *c);
/*
 * The partitions assigned now and how many messages they are behind their
 * high watermarks (librdkafka's cached watermarks: no broker round trip);
 * *lag is -1 when no assigned partition has both a position and a watermark yet.
 */
void ronda_consumer_lag(struct ronda_consumer *c, int64_t *partitions, int64_t *lag);

/*
 * Stage detect: the assigned partitions with the engine's next offsets
 * (ronda_engine_next) and the group's metadata (member, generation), for a
 * transaction that commits them with its batch and is refused when this
 * member is no longer the owner. 0 with both to free, -1.
 */
struct rd_kafka_topic_partition_list_s;
struct rd_kafka_consumer_group_metadata_s;
int ronda_consumer_positions(struct ronda_consumer *c,
    struct rd_kafka_topic_partition_list_s **out,
    struct rd_kafka_consumer_group_metadata_s **md);

/*
 * Stage detect: fn gives the offsets of newly assigned partitions (their
 * state read from the incident stream) instead of the store; -1 stops the
 * consumer (the partitions are not started without their state).
 */
void ronda_consumer_on_assign(struct ronda_consumer *c, int (*fn)(void *arg,
    const int32_t *parts, size_t n, int64_t *from, char *err, size_t errlen), void *arg);

#endif
