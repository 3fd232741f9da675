/*
 * api.h — the correlator's HTTP server (docs/api.md): the JSON API under
 * /api/v1/ (bearer tokens), /healthz and Prometheus /metrics.
 *
 * Reads never block consumption: the server runs in its own thread with its
 * own event_base and its own read-only SQLite connections (WAL: a reader
 * sees the last committed batch and never blocks the writer). The consumer
 * thread only publishes a small snapshot of its counters under a mutex,
 * after each batch commit and once a second.
 *
 *   consumer thread                       API thread
 *   commit batch ─► ronda_api_publish ─► [snapshot, mutex] ─► /metrics, /healthz
 *                                        store (read-only) ─► /api/v1/...
 */
#ifndef RONDA_API_H
#define RONDA_API_H

#include <stddef.h>
#include <stdint.h>

#include "cconfig.h"
#include "engine.h"

struct event_base;
struct ronda_consumer;
struct ronda_api;

/* What the consumer thread publishes. */
struct ronda_api_stats {
	int64_t counters[RONDA_CNT_N];	/* the engine's, as of the last commit */
	int64_t window_entries;
	int64_t window_bytes;
	int64_t lag;			/* messages behind the high watermarks; -1 unknown */
	int64_t partitions;		/* assigned to this member */
	int64_t commits;		/* batch commits by this process */
	int64_t commit_failures;
	int64_t last_commit;		/* wall clock ms of the last commit; 0 none yet */
	int64_t heartbeat;		/* monotonic ms of the last publish */
	int fatal;			/* a commit failed: the consumer is stopping */
};

/*
 * Start the API for cfg->api.listen: bind (so a busy port fails here), open
 * the store read-only, start the server thread, and attach the publisher to
 * the consumer's loop (a commit hook on cons and a 1 s timer on base; eng,
 * cons and base are borrowed and must outlive the API). NULL with err.
 */
struct ronda_api *ronda_api_start(const struct ronda_correlator_config *cfg,
    struct event_base *base, struct ronda_engine *eng, struct ronda_consumer *cons,
    char *err, size_t errlen);
/* Stop the server thread, close every connection and free. NULL is a no-op. */
void ronda_api_free(struct ronda_api *api);

/*
 * SIGHUP: answer with the bearer tokens of cfg from now on (cfg must outlive
 * api; the listener and limits take effect at restart). NULL api: nothing.
 */
void ronda_api_reload(struct ronda_api *api, const struct ronda_correlator_config *cfg);
/* "127.0.0.1:8470": the address bound (port 0 resolved). */
const char *ronda_api_address(const struct ronda_api *api);

/* Copy st into the shared snapshot (any thread). */
void ronda_api_publish(struct ronda_api *api, const struct ronda_api_stats *st);

/*
 * The Prometheus text for snapshot st and the store-derived gauges into b
 * (api_metrics.c). db is a read-only connection; sinks the configured alert
 * sinks (NULL-terminated). 0 / -1 when the store could not be read (what
 * could be written is in b).
 */
struct ronda_buf;
struct sqlite3;
int ronda_api_metrics_write(struct ronda_buf *b, const struct ronda_api_stats *st,
    struct sqlite3 *db, const char *const *sinks);

#endif
