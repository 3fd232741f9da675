/*
 * dedupe.h — the set of event ids already processed, so an event a collector
 * resends after a crash is dropped and counted, not counted twice.
 *
 * In memory: a FIFO ring of the last `cap` ids (with the partition and offset
 * where each was first seen, so a replay after a restart can tell the first
 * delivery from a duplicate) and a hash index over it. Every id gets a
 * sequence number; the store mirrors the ring in a table keyed by it, so
 * persisting is an append and pruning is a range delete. The ids are 128-bit
 * hashes of event.id (see cevent.h).
 */
#ifndef RONDA_DEDUPE_H
#define RONDA_DEDUPE_H

#include <stddef.h>
#include <stdint.h>

struct ronda_dedupe;

struct ronda_dedupe_entry {
	uint64_t hi, lo;
	int64_t seq;		/* position in the FIFO, increasing */
	int64_t ts;		/* event time (ms) */
	int64_t off;		/* Kafka offset of the first delivery */
	int32_t part;		/* Kafka partition of the first delivery */
};

/* A set holding at most cap ids (>= 16). NULL on ENOMEM. */
struct ronda_dedupe *ronda_dedupe_new(size_t cap);
void ronda_dedupe_free(struct ronda_dedupe *d);

/* The entry for an id, or NULL (borrowed; valid until the next insert). */
const struct ronda_dedupe_entry *ronda_dedupe_find(const struct ronda_dedupe *d,
    uint64_t hi, uint64_t lo);

/*
 * Add an id not in the set (the caller checked with _find). The oldest id is
 * evicted when the set is full (counted). Returns the new entry's seq.
 */
int64_t ronda_dedupe_add(struct ronda_dedupe *d, uint64_t hi, uint64_t lo, int64_t ts,
    int32_t part, int64_t off);

/* Restore an entry as stored (startup); entries must come in seq order. */
void ronda_dedupe_restore(struct ronda_dedupe *d, const struct ronda_dedupe_entry *e);

/*
 * Drop ids older than cutoff_ts from the head of the FIFO (the horizon).
 * Stops at the first newer one, so it is O(dropped).
 */
void ronda_dedupe_expire(struct ronda_dedupe *d, int64_t cutoff_ts);

/* Every seq <= this value has left the set (for the store's range delete). */
int64_t ronda_dedupe_evicted_upto(const struct ronda_dedupe *d);
/* The next seq to be given. */
int64_t ronda_dedupe_next_seq(const struct ronda_dedupe *d);
/* Entries with seq >= from, oldest first, through fn (for persisting). */
void ronda_dedupe_each_since(const struct ronda_dedupe *d, int64_t from,
    void (*fn)(void *arg, const struct ronda_dedupe_entry *e), void *arg);
size_t ronda_dedupe_count(const struct ronda_dedupe *d);
/* Ids pushed out by the cap (not by the horizon) since creation. */
uint64_t ronda_dedupe_evicted_cap(const struct ronda_dedupe *d);
/* Bytes allocated. */
size_t ronda_dedupe_bytes(const struct ronda_dedupe *d);

#endif
