/*
 * metrics.h — the collector's Prometheus /metrics, served on a loopback
 * address from the collector's own event loop when `metrics: {listen:
 * "127.0.0.1:9471"}` is configured (off by default). No authentication:
 * the configuration only accepts loopback addresses.
 */
#ifndef RONDA_COLLECTOR_METRICS_H
#define RONDA_COLLECTOR_METRICS_H

#include <stddef.h>

struct event_base;
struct ronda_collector;
struct ronda_metrics;

/*
 * Serve /metrics for c (borrowed: free the server first) on listen
 * ("HOST:PORT") from base. NULL with "metrics: bind ...: why" in err.
 */
struct ronda_metrics *ronda_metrics_new(struct event_base *base, const char *listen,
    struct ronda_collector *c, char *err, size_t errlen);
/* Close the listener and its connections. NULL is a no-op. */
void ronda_metrics_free(struct ronda_metrics *m);
/* The address bound ("127.0.0.1:9471"; port 0 resolved). */
const char *ronda_metrics_address(const struct ronda_metrics *m);

#endif
