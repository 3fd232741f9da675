/*
 * sink.h — where the collector's events go: a struct of function pointers so
 * the pipeline does not care whether it is Kafka (production, tests against
 * ronda-devbroker) or a buffer in a unit test.
 */
#ifndef RONDA_SINK_H
#define RONDA_SINK_H

#include <stddef.h>
#include <stdint.h>

struct ronda_kvlist;

#define RONDA_SINK_NO_TICKET UINT64_MAX	/* a message nobody waits for (aggregates) */

/* Called once per message when the sink confirmed it (ticket as given). */
struct ronda_sink_cb {
	void (*on_delivered)(void *arg, uint64_t ticket);
	void *arg;
};

/* One message of a batch; the sink copies key and payload. */
struct ronda_sink_msg {
	const char *key;
	size_t keylen;
	const char *payload;
	size_t len;
	uint64_t ticket;
	int refused;		/* set by produce_batch: not queued */
};

struct ronda_sink {
	/*
	 * Queue one message (payload copied). 0, or -1 when the sink is full
	 * (try again after poll) or failed permanently (see errmsg).
	 */
	int (*produce)(struct ronda_sink *s, const char *key, size_t keylen,
	    const char *payload, size_t len, uint64_t ticket);
	/*
	 * Queue n messages in one call, in order (keys and payloads copied):
	 * cheaper per message than produce(). Returns how many were queued;
	 * each one that was not has refused set and may be offered again
	 * after poll.
	 */
	size_t (*produce_batch)(struct ronda_sink *s, struct ronda_sink_msg *m, size_t n);
	/* Serve delivery confirmations; never blocks. */
	void (*poll)(struct ronda_sink *s);
	/* Wait up to timeout_ms for everything queued. 0 when all delivered. */
	int (*flush)(struct ronda_sink *s, int timeout_ms);
	/* Messages queued and not yet confirmed. */
	size_t (*queued)(struct ronda_sink *s);
	/* 1 when the sink cannot recover (e.g. a fatal idempotence error). */
	int (*fatal)(struct ronda_sink *s, char *err, size_t errlen);
	void (*free)(struct ronda_sink *s);

	size_t max_message;	/* largest payload + key it accepts, 0 = no limit */
	uint64_t sent;		/* messages queued */
	uint64_t delivered;	/* messages confirmed */
	uint64_t retried;	/* delivery failures re-queued */
	uint64_t full;		/* produce calls refused for a full queue */
	uint64_t errors;	/* client errors reported (broker down, auth, ...) */
};

/*
 * A Kafka sink producing to topic through brokers with the Ronda producer
 * defaults plus props. Returns NULL with a message in err.
 */
struct ronda_sink *ronda_sink_kafka_new(const char *brokers, const char *topic,
    const struct ronda_kvlist *props, const struct ronda_sink_cb *cb, char *err,
    size_t errlen);

#endif
