/*
 * agg.h — per-site aggregates and heartbeats, two kinds of metric event that
 * follow two clocks and never mix them.
 *
 * Aggregates (event.dataset "ronda.aggregate") are a function of the logs:
 * one per site per minute of event time (requests, responses by status
 * class, bytes, distinct source IPs, top talkers, top 404 paths, late lines),
 * @timestamp the minute's start, so the correlator sees floods and outages
 * without every line crossing the network. Heartbeats (event.dataset
 * "ronda.heartbeat") say the collector runs: one per site per interval of
 * the wall clock, @timestamp the collector's clock, with what the heartbeat
 * hook adds (open files, lag); they carry no request counts.
 *
 * Minutes close on event time, so a backlog read at full speed yields the
 * aggregates of the live stream. A site keeps up to a few minutes open; its
 * watermark is its newest line time, and a minute [b, b + interval) closes
 * when the watermark reaches b + 2 intervals (one interval of slack: web
 * servers log a request when it ends, so lines come a little out of order),
 * or, oldest first, when more minutes would be open than the cap. A line of
 * a closed minute is counted in the oldest open one and as `late`; a closed
 * minute is never sent twice (its event id derives from its start). The wall
 * clock closes minutes only for a site that received no line for an
 * interval plus a grace period (a quiet live site), which never happens
 * while a backlog is being read. Tables are capped (distinct IPs and 404
 * paths per minute); what the cap drops is counted and the minute says it
 * is capped.
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
	/* A metric event (aggregate or heartbeat) is ready (borrowed for the call). */
	void (*emit)(void *arg, const struct ronda_event *ev);
	/* Append the heartbeat object's members (e.g. "\"files\":[...]") to b. */
	void (*heartbeat)(void *arg, struct ronda_buf *b);
};

/* An aggregator for cfg's sites (one per distinct site of the inputs). */
struct ronda_agg *ronda_agg_new(const struct ronda_collector_config *cfg,
    const struct ronda_agg_ops *ops, void *arg);
void ronda_agg_free(struct ronda_agg *a);
/*
 * Count one parsed web line of input idx at its event time ev->ts_ms (other
 * event types and lines without a time are ignored). May emit the minutes
 * the line's time closes; never a heartbeat, never reads a clock.
 */
void ronda_agg_add(struct ronda_agg *a, size_t idx, const struct ronda_event *ev);
/*
 * Timer tick (about once a second). now_ms is the wall clock: a heartbeat
 * goes out for each site in the first tick of every wall-clock interval.
 * mono_ms is the monotonic clock: a site that received no line for an
 * interval plus a grace period has its open minutes sent.
 */
void ronda_agg_tick(struct ronda_agg *a, int64_t now_ms, int64_t mono_ms);
/* Send every open minute now (shutdown, --once). */
void ronda_agg_flush(struct ronda_agg *a);
/* Aggregates emitted and entries dropped by the caps. */
uint64_t ronda_agg_emitted(const struct ronda_agg *a);
uint64_t ronda_agg_capped(const struct ronda_agg *a);

#endif
