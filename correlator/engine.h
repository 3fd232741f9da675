/*
 * engine.h — the correlator's pipeline for one consumer, without Kafka:
 * decode -> dedupe -> watermark/lateness -> detectors -> incidents, and the
 * batch commit that writes all of it with the offsets in one transaction.
 *
 * Exactly once: the store holds, per partition, the next offset to apply and
 * a replay offset from which the window state can be rebuilt. On assignment
 * the consumer seeks to the replay offset; messages before the committed
 * offset only rebuild windows (no counters, no incidents), because their
 * effects are already in the store. The dedupe set remembers where each id
 * was first delivered, so a replay applies the first delivery and skips the
 * duplicates exactly as the first run did. All window state is partition-
 * local, so the interleaving of partitions does not change the result.
 */
#ifndef RONDA_ENGINE_H
#define RONDA_ENGINE_H

#include <stddef.h>
#include <stdint.h>

#include "cconfig.h"
#include "cevent.h"
#include "store.h"

struct ronda_engine;

enum ronda_engine_result {
	RONDA_ENGINE_APPLIED = 0,	/* processed */
	RONDA_ENGINE_DUPLICATE,		/* id already seen: dropped, counted */
	RONDA_ENGINE_REPLAYED,		/* before the committed offset: windows only */
	RONDA_ENGINE_REJECTED,		/* bad message: counted; the caller copies it to the DLQ */
};

/* Counters, persisted with each batch (names in ronda_engine_counter_name). */
enum ronda_engine_counter {
	RONDA_CNT_EVENTS, RONDA_CNT_DUPLICATES, RONDA_CNT_NOT_JSON, RONDA_CNT_SCHEMA,
	RONDA_CNT_TOO_LARGE, RONDA_CNT_LATE, RONDA_CNT_FUTURE, RONDA_CNT_GAP,
	RONDA_CNT_WINDOW_EVICTED, RONDA_CNT_DEDUPE_EVICTED, RONDA_CNT_UNKNOWN_SITE,
	RONDA_CNT_DLQ, RONDA_CNT_BATCHES, RONDA_CNT_METRICS, RONDA_CNT_HOST_MISMATCH,
	RONDA_CNT_HEARTBEATS, RONDA_CNT_STREAM_OVERFLOW,
	RONDA_CNT_N
};

/*
 * Stage detect: where the batch's shares, positions and site clocks go (the
 * incident stream, istream.h). put queues one record; flush returns once
 * every queued record is stored by Kafka (0) or failed (-1 with err). The
 * store commits only after a flush: the stream is never behind it.
 */
struct ronda_engine_emit {
	void *arg;
	int (*put)(void *arg, const char *key, const char *payload, size_t len);
	int (*flush)(void *arg, char *err, size_t errlen);
};
void ronda_engine_set_emit(struct ronda_engine *e, const struct ronda_engine_emit *emit);
/* The topic it consumes: kafka.topic, or kafka.incidents_topic for stage campaigns. */
const char *ronda_engine_topic(const struct ronda_engine *e);
/*
 * The next offset of part whose effects the store (and, for stage detect,
 * the incident stream) hold; -1 when not assigned. Also committed to Kafka
 * after each batch, for the group's lag in Kafka's own tools: the store and
 * the stream stay the truth a member starts from.
 */
int64_t ronda_engine_committed(const struct ronda_engine *e, int32_t part);
/* The next offset of part applied in memory (the batch being committed), -1. */
int64_t ronda_engine_next(const struct ronda_engine *e, int32_t part);
/* Stage detect: an address's guessing sites from the stream, merged (actors.h). */
void ronda_engine_restore_guesser(struct ronda_engine *e, const char *ip, const char *sites);
/*
 * Stage detect: partition part assigned, with its state as the incident
 * stream has it: the position (NULL: none, from the beginning) and the
 * latest share of each incident before it. Returns the offset to read from
 * (-1: the beginning). The shares are copied; their pending lists ignored.
 */
struct ronda_incident;
int64_t ronda_engine_assign_from(struct ronda_engine *e, int32_t part,
    const struct ronda_store_offset *o, const struct ronda_incident *const *shares,
    size_t n);

/* Open the store and restore state. cfg is borrowed for the engine's life. */
struct ronda_engine *ronda_engine_new(const struct ronda_correlator_config *cfg,
    char *err, size_t errlen);
void ronda_engine_free(struct ronda_engine *e);

/*
 * SIGHUP: take the sites (known, hosts, agency, region, zone) and the
 * campaign allowlist of cfg, which must outlive e (or the next reload); the
 * rest of cfg takes effect at restart. Written to the store first: -1 with
 * a message, nothing changed, when the store refuses.
 */
int ronda_engine_reload(struct ronda_engine *e, const struct ronda_correlator_config *cfg,
    char *err, size_t errlen);

/*
 * A partition was assigned: returns the offset to start reading from (the
 * replay offset, or -1 for "from the beginning" when nothing is stored).
 */
int64_t ronda_engine_assign(struct ronda_engine *e, int32_t part);
/* A partition was revoked: its window state is dropped (commit first). */
void ronda_engine_revoke(struct ronda_engine *e, int32_t part);
/* Several partitions revoked at once (one walk of the window state). */
void ronda_engine_revoke_many(struct ronda_engine *e, const int32_t *parts, size_t n);

/*
 * Process one message. On RONDA_ENGINE_REJECTED, *reason is the reject kind
 * (RONDA_CEVENT_REJ_*) and err says why.
 */
int ronda_engine_process(struct ronda_engine *e, int32_t part, int64_t offset,
    const char *payload, size_t len, int *reason, char *err, size_t errlen);

/* Count a message copied to the DLQ (after the producer took it). */
void ronda_engine_count(struct ronda_engine *e, int counter, int64_t n);

/*
 * A site's collector went silent (not heard for silent_after of now, the
 * correlator's clock) and no commit raised it yet: the caller commits even
 * with nothing pending. 1 / 0.
 */
int ronda_engine_liveness_due(struct ronda_engine *e, int64_t now);

/* Events applied since the last commit. */
int64_t ronda_engine_pending(const struct ronda_engine *e);
/* Commit the batch: state, counters and offsets in one transaction. 0 / -1. */
int ronda_engine_commit(struct ronda_engine *e, char *err, size_t errlen);

int64_t ronda_engine_counter(const struct ronda_engine *e, int counter);
const char *ronda_engine_counter_name(int counter);
/*
 * The store's connection (borrowed), for modules on the same loop that keep
 * tables in it outside the batch transaction (the alert dispatcher).
 */
struct sqlite3;
struct sqlite3 *ronda_engine_db(struct ronda_engine *e);
/*
 * The engine's GeoIP instance (geo.h; borrowed, never NULL, the same object
 * for the engine's life: a reload swaps the databases inside it). Without a
 * geoip section it answers "unknown" for every address.
 */
struct ronda_geo;
struct ronda_geo *ronda_engine_geo(struct ronda_engine *e);

/* Window state size (entries, bytes). */
void ronda_engine_window_stats(const struct ronda_engine *e, size_t *entries,
    size_t *bytes);

#endif
