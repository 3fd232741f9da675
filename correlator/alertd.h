/*
 * alertd.h — the alert dispatcher: delivers the outbox (the store's `alerts`
 * table, written by alert.c inside the batch transactions) to every
 * configured sink and records each confirmation in `alert_deliveries`.
 *
 * Runs on the correlator's event loop and its store connection, between
 * batches (never inside the batch transaction: a write is skipped while one
 * is open). Each sink takes one alert at a time, in seq order, and retries
 * it with exponential backoff (1 s, 2 s, 4 s, ... up to max_backoff) until
 * the sink confirms: a webhook 2xx, an SMTP server's 250 after the message,
 * a Kafka delivery report without error, a file line written and fsync'ed. Nothing is ever given up: a sink that keeps
 * refusing blocks its own queue (pending grows, last_error says why) and no
 * other sink's.
 *
 * At least once: the confirmation is recorded after the sink gave it, so a
 * crash between the two sends that alert again at the next start. Every copy
 * carries the alert id (Kafka key, webhook Idempotency-Key header, "id" in
 * the JSON) to recognise repeats.
 *
 * Table alert_deliveries, one row per (sink, alert): attempts, next_try,
 * last_error, delivered (wall clock ms; 0 = not yet; -1 = a marker: the sink
 * was first configured when this was the newest alert, it starts after it).
 * A sink's cursor is its highest alert_seq with delivered <> 0; everything
 * above it is pending (see RONDA_ALERTD_PENDING_SQL).
 */
#ifndef RONDA_ALERTD_H
#define RONDA_ALERTD_H

#include <stddef.h>
#include <stdint.h>

#include "cconfig.h"

struct event_base;
struct sqlite3;
struct ronda_alertd;

/* What a sink reports for one alert. */
struct ronda_alert_result {
	int ok;				/* the sink confirmed */
	int permanent;			/* a refusal a retry is unlikely to fix (4xx) */
	int64_t retry_after;		/* ms the sink asked us to wait, 0 none */
	const char *err;		/* why not (borrowed for the call) */
};

typedef void (*ronda_alert_done_fn)(void *ctx, const struct ronda_alert_result *r);

enum {
	RONDA_SINK_FAILED = -1,		/* not sent: err says why */
	RONDA_SINK_DONE = 0,		/* confirmed before send returned */
	RONDA_SINK_STARTED = 1,		/* done(ctx, ...) is called exactly once later */
};

#define RONDA_ALERTD_MAX_SINKS 16

/*
 * A sink: kafka, webhook (json, telegram, slack), email, file
 * (alert_kafka.c, alert_webhook.c, alert_smtp.c, alert_file.c), or a fake
 * in tests. The dispatcher never has two messages out at one sink.
 */
struct ronda_alert_sink {
	char name[32];			/* the alert_deliveries.sink value */
	void *arg;
	/*
	 * ms: merge the alerts of one campaign (or, without one, all the
	 * others) within each interval into one digest message; 0 off. Set by
	 * the caller; the dispatcher builds the digests (alert_format.h).
	 */
	int64_t digest;
	/*
	 * Start delivering a message: one alert's outbox JSON or a digest's,
	 * json[0..len) NUL-terminated; id is its idempotency key. Both are
	 * copied if kept.
	 */
	int (*send)(void *arg, const char *id, const char *json, size_t len,
	    ronda_alert_done_fn done, void *ctx, char *err, size_t errlen);
	void (*poll)(void *arg);			/* from the tick; may be NULL */
	/* Shutting down: wait up to ms for what is out (may call done); may be NULL. */
	void (*drain)(void *arg, int ms);
	void (*free)(void *arg);
};

/*
 * The sinks: fill out, 0 / -1 with err. The webhook and e-mail sinks copy
 * what they need from c (a reloaded config may free it); lang is the
 * sink's language (c->language or alerts.language).
 */
int ronda_alert_webhook_new(struct ronda_alert_sink *out, struct event_base *base,
    const struct ronda_alert_sink_cfg *c, int lang, char *err, size_t errlen);
int ronda_alert_smtp_new(struct ronda_alert_sink *out, struct event_base *base,
    const struct ronda_alert_sink_cfg *c, int lang, char *err, size_t errlen);
int ronda_alert_kafka_new(struct ronda_alert_sink *out, const char *brokers,
    const struct ronda_kvlist *props, const char *topic, char *err, size_t errlen);
int ronda_alert_file_new(struct ronda_alert_sink *out, const char *path, char *err,
    size_t errlen);

/* A URL split (ronda_alert_url_parse). */
struct ronda_alert_url {
	char scheme[8];			/* lower case */
	char host[256];			/* without [] for IPv6 */
	int port;			/* the scheme's default when absent */
	char path[2048];		/* with the query; "/" when absent */
};

/*
 * Split SCHEME://HOST[:PORT][/PATH][?QUERY] where SCHEME is one of the
 * comma-separated schemes (e.g. "http,https", "smtp,smtps"). Refused:
 * other schemes, user:password@ (credentials go in headers or their own
 * keys), fragments, spaces, control and non-ASCII bytes, bad ports.
 * 0 / -1 with err.
 */
int ronda_alert_url_parse(const char *url, const char *schemes, struct ronda_alert_url *u,
    char *err, size_t errlen);
/* The same for a webhook (http or https) into separate buffers. */
int ronda_alert_parse_url(const char *url, char *host, size_t hostlen, int *port,
    char *path, size_t pathlen, char *err, size_t errlen);

/*
 * A secret from the config: value itself, else the first line of file
 * (at most 4 KiB, trailing white space cut), else the environment variable
 * env. *out malloc'd ("" when none is given). 0 / -1 with err.
 */
int ronda_alert_secret(const char *value, const char *file, const char *env, char **out,
    char *err, size_t errlen);

/* The names of the sinks cfg configures, into out (at most max). Their count. */
size_t ronda_alertd_sink_names(const struct ronda_correlator_config *cfg,
    const char **out, size_t max);

/*
 * A dispatcher over db (borrowed; the engine's store connection) with no
 * sink yet. max_backoff caps the wait between tries (ms).
 */
struct ronda_alertd *ronda_alertd_new(struct sqlite3 *db, int64_t max_backoff,
    char *err, size_t errlen);
/*
 * Add a sink (the dispatcher takes it and frees it). A sink never seen in
 * alert_deliveries starts after the newest alert in the outbox (a marker row
 * is written); one seen before resumes where it stopped, with the attempts
 * of its head alert. 0 / -1 with err.
 */
int ronda_alertd_add(struct ronda_alertd *d, const struct ronda_alert_sink *s,
    char *err, size_t errlen);
/* The sinks of cfg->alerts, added. 0 / -1 with err. */
int ronda_alertd_add_configured(struct ronda_alertd *d,
    const struct ronda_correlator_config *cfg, struct event_base *base,
    char *err, size_t errlen);
/* Poll and deliver from a timer on base. 0 / -1. */
int ronda_alertd_attach(struct ronda_alertd *d, struct event_base *base);
/*
 * One step, at wall-clock now_ms: start the next delivery at each idle sink
 * whose head is due. What the timer does; tests call it directly.
 */
void ronda_alertd_run(struct ronda_alertd *d, int64_t now_ms);
/* The wall clock for results reported later (tests); NULL: ronda_now_ms. */
void ronda_alertd_set_clock(struct ronda_alertd *d, int64_t (*clock)(void));
/* Give deliveries that are out up to ms to confirm, then free all; NULL ok. */
void ronda_alertd_free(struct ronda_alertd *d, int ms);

/* Alerts the sink has not confirmed (SQL below on the dispatcher's db); -1 error. */
int64_t ronda_alertd_pending(struct ronda_alertd *d, const char *sink);
/* The same on any connection to the store (the API, the CLI). */
int64_t ronda_alertd_pending_db(struct sqlite3 *db, const char *sink);
#define RONDA_ALERTD_PENDING_SQL \
	"SELECT count(*) FROM alerts WHERE seq > coalesce((SELECT alert_seq" \
	" FROM alert_deliveries WHERE sink = ?1 AND delivered <> 0" \
	" ORDER BY alert_seq DESC LIMIT 1), 0)"

/* Wait before try attempts + 1, after attempts (>= 1) failures: 1 s doubling, capped. */
int64_t ronda_alertd_backoff(int attempts, int64_t max_backoff);

/* Per-sink numbers of this run (for logs and /metrics). */
struct ronda_alertd_stats {
	int64_t delivered, failures;
	int64_t head_attempts;		/* tries of the alert at the head */
};
int ronda_alertd_stats(struct ronda_alertd *d, const char *sink,
    struct ronda_alertd_stats *out);

#endif
