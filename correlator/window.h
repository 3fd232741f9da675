/*
 * window.h — bounded keyed state for event-time sliding windows.
 *
 * Each key (a 128-bit hash of detector, site and subject, e.g. "ssh failures
 * of 203.0.113.9 on bontangkota.go.id") owns a short series of points
 * (event time, value hash) kept sorted by time, so events that arrive out of
 * order land where they belong. A series is capped (a detector never needs
 * more points than its threshold); in a "distinct" series each value hash
 * appears once with its newest time (user names tried, 404 paths asked).
 *
 * The whole store is capped in entries and bytes: when full, the least
 * recently updated key is evicted and counted. Expiry follows event time
 * (the watermark of the clock each key belongs to: the engine's event
 * streams), never the wall clock. Window code never calls time().
 */
#ifndef RONDA_WINDOW_H
#define RONDA_WINDOW_H

#include <stddef.h>
#include <stdint.h>

struct ronda_window;
struct ronda_window_entry;

/* A store holding at most max_entries keys and about max_bytes bytes. */
struct ronda_window *ronda_window_new(size_t max_entries, size_t max_bytes);
void ronda_window_free(struct ronda_window *w);

/*
 * The entry for (hi, lo), created empty when create is set (which may evict
 * the least recently used one); NULL when absent (or ENOMEM). The entry
 * becomes the most recently used (lazily: it moves up the LRU list at most
 * once per max(entries / 8, 64) gets, and meanwhile is marked, so eviction
 * and expiry give it a second chance; see window.c). Borrowed: valid until
 * the next _get with create or _expire.
 */
/*
 * Start loading the slot a get of hi will probe first: a caller with several
 * keys to look up prefetches them all, so their cache misses overlap.
 */
void ronda_window_prefetch(const struct ronda_window *w, uint64_t hi);

struct ronda_window_entry *ronda_window_get(struct ronda_window *w, uint64_t hi,
    uint64_t lo, int32_t clock, int create);

/*
 * Add a point. distinct: a point with the same h only moves to the newer
 * time. At most maxn (up to 65535) points are kept (the oldest go). 0, or
 * -1 on ENOMEM.
 */
int ronda_window_add(struct ronda_window *w, struct ronda_window_entry *e, int64_t ts,
    uint64_t h, int distinct, size_t maxn);

/* Points with from <= ts <= to. */
size_t ronda_window_count(const struct ronda_window_entry *e, int64_t from, int64_t to);

/* Sum of the values h of the points with from <= ts <= to (counts series). */
int64_t ronda_window_sum(const struct ronda_window_entry *e, int64_t from, int64_t to);

/* The largest number of points inside any closed interval of length span. */
size_t ronda_window_max_in_span(const struct ronda_window_entry *e, int64_t span);

/* Newest point time, or INT64_MIN for an empty series. */
int64_t ronda_window_last(const struct ronda_window_entry *e);

/*
 * Evict every key whose newest point is older than cutoff(arg, clock) for
 * its clock (the clock of the last get with create), walking from the least
 * recently used and stopping at the first key still live (cheap:
 * O(evicted), plus the live keys marked by a lazy get, which move up
 * instead). Returns the number evicted.
 */
size_t ronda_window_expire(struct ronda_window *w, int64_t (*cutoff)(void *arg,
    int32_t clock), void *arg);
/* Drop every key of a clock. */
void ronda_window_drop_clock(struct ronda_window *w, int32_t clock);
/*
 * Drop every key of the clocks for which dropped(arg, clock) is true, in one
 * walk (a rebalance revoking hundreds of partitions, each with its streams,
 * would otherwise walk the whole store once per clock).
 */
void ronda_window_drop_clocks(struct ronda_window *w, int (*dropped)(void *arg,
    int32_t clock), void *arg);
size_t ronda_window_entries(const struct ronda_window *w);
size_t ronda_window_bytes(const struct ronda_window *w);
/* Keys evicted because a cap was hit (not by expiry). */
uint64_t ronda_window_evicted(const struct ronda_window *w);

#endif
