/*
 * agg.h — per-site aggregates: one metric event per site per minute of event
 * time (requests, responses by status class, bytes, distinct source IPs, top
 * talkers, top 404 paths) plus a heartbeat, so the correlator sees floods,
 * outages and silent sites without every line crossing the network.
 *
 * Buckets follow event time: a line of a later minute closes the current
 * bucket; a quiet site's bucket is closed by the wall-clock tick. Lines
 * older than the open bucket are counted in it and as `late`. Tables are
 * capped (distinct IPs and 404 paths per bucket); what the cap drops is
 * counted and the bucket says it is capped.
 */
#ifndef RONDA_AGG_H
#define RONDA_AGG_H

#include <stddef.h>
#include <stdint.h>

#include "ronda/buf.h"
#include "ronda/event.h"

struct ronda_collector_config;
struct ronda_agg;

struct ronda_agg_ops {
	/* A metric event is ready (borrowed for the call). */
	void (*emit)(void *arg, const struct ronda_event *ev);
	/* Append the heartbeat object's members (e.g. "\"files\":[...]") to b. */
	void (*heartbeat)(void *arg, struct ronda_buf *b);
};

/* An aggregator for cfg's sites (one per distinct site of the inputs). */
struct ronda_agg *ronda_agg_new(const struct ronda_collector_config *cfg,
    const struct ronda_agg_ops *ops, void *arg);
void ronda_agg_free(struct ronda_agg *a);
/* Count one parsed web line of input idx (other event types are ignored). */
void ronda_agg_add(struct ronda_agg *a, size_t idx, const struct ronda_event *ev);
/*
 * Wall-clock tick: close buckets older than one interval plus a grace
 * period, and send a heartbeat for every site that sent nothing in the last
 * interval. now_ms is wall-clock time.
 */
void ronda_agg_tick(struct ronda_agg *a, int64_t now_ms);
/* Close every open bucket now (shutdown, --once). */
void ronda_agg_flush(struct ronda_agg *a, int64_t now_ms);
/* Buckets emitted and entries dropped by the caps. */
uint64_t ronda_agg_emitted(const struct ronda_agg *a);
uint64_t ronda_agg_capped(const struct ronda_agg *a);

#endif
