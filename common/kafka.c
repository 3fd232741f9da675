#include "ronda/kafka.h"

#include <stdio.h>
#include <string.h>

/*
 * Ronda's producer: nothing may be lost, and the log files are the buffer.
 * The collector holds a line until its delivery report arrives, so a message
 * never times out (message.timeout.ms=0) and librdkafka retries through an
 * outage of minutes, reconnecting at most every 10 s. The local queue is
 * capped (100k messages / 16 MiB of events): when it is full the collector
 * stops reading instead of growing. 16 MiB is ~18,000 forward-all events of
 * ~900 bytes, 60 ms at 300k lines/s, and keeps the collector's peak RSS near
 * 50 MB when it reads faster than Kafka takes (64 MiB let it reach 107 MB
 * with its threads on two cores). Message sets of at most 256 KiB (not
 * librdkafka's 1 MB): the set being built and compressed stays in the
 * core's cache; the collector spent ~5% less CPU per line and peaked ~8 MB
 * lower on one core, and 5 requests in flight still carry 8 partitions x
 * 256 KiB each. lz4 because event JSON compresses ~5x and lz4 costs little
 * CPU on the agencies' small servers.
 */
static const char *const producer_defaults[][2] = {
	{ "enable.idempotence", "true" },
	{ "acks", "all" },
	{ "compression.type", "lz4" },
	{ "linger.ms", "10" },
	{ "batch.num.messages", "10000" },
	{ "batch.size", "262144" },
	{ "message.timeout.ms", "0" },
	{ "queue.buffering.max.messages", "100000" },
	{ "queue.buffering.max.kbytes", "16384" },
	{ "retry.backoff.ms", "250" },
	{ NULL, NULL },
};

/*
 * Ronda's consumer: the correlator stores an offset only after the events
 * before it are committed to SQLite (rd_kafka_offsets_store), then commits
 * itself, so a restart neither loses nor doubles anything. Cooperative-sticky
 * moves only the partitions that must move when a correlator joins or leaves
 * (tested against librdkafka 2.0.2's mock too). A 10 s session (Kafka's
 * pre-3.0 default, not 45 s) hands a dead correlator's partitions over
 * sooner; heartbeats come from librdkafka's own thread, so slow batches do
 * not count against it (max.poll.interval.ms does). Fetches wait at
 * most 100 ms so alerts stay timely at low rates. The pre-fetch queue holds
 * up to 128 MiB / 200,000 messages, plus one 16 MiB fetch in flight: once
 * either cap is reached librdkafka 2.0 stops fetching until its broker
 * thread next wakes, up to 1 s later (librdkafka#2879; fetch.queue.backoff.ms
 * only exists from 2.4), so the queue must hold a second of the correlator's
 * work or it runs dry while the backlog waits (32 MiB capped a backlog at
 * 28k events/s).
 */
static const char *const consumer_defaults[][2] = {
	{ "enable.auto.commit", "false" },
	{ "enable.auto.offset.store", "false" },
	{ "auto.offset.reset", "earliest" },
	{ "partition.assignment.strategy", "cooperative-sticky" },
	{ "session.timeout.ms", "10000" },
	{ "fetch.wait.max.ms", "100" },
	{ "fetch.min.bytes", "1" },
	{ "fetch.max.bytes", "16777216" },
	{ "max.partition.fetch.bytes", "1048576" },
	{ "queued.min.messages", "200000" },
	{ "queued.max.messages.kbytes", "131072" },
	{ "enable.partition.eof", "false" },
	{ NULL, NULL },
};

/*
 * Both roles. A typo in a topic name must fail loudly instead of creating a
 * new, silently unread topic. Keepalive and bounded exponential reconnect
 * backoff (100 ms .. 10 s) for links that die quietly behind NAT.
 */
static const char *const common_defaults[][2] = {
	{ "client.id", "ronda" },
	{ "allow.auto.create.topics", "false" },
	{ "socket.keepalive.enable", "true" },
	{ "reconnect.backoff.ms", "100" },
	{ "reconnect.backoff.max.ms", "10000" },
	{ NULL, NULL },
};

static int
set_table(rd_kafka_conf_t *conf, const char *const tab[][2], char *err, size_t errlen)
{
	char msg[512];

	for (size_t i = 0; tab[i][0] != NULL; i++) {
		if (rd_kafka_conf_set(conf, tab[i][0], tab[i][1], msg, sizeof(msg)) !=
		    RD_KAFKA_CONF_OK) {
			/* Only a librdkafka without a feature we rely on (lz4) lands here. */
			snprintf(err, errlen, "kafka: default %s=%s: %s", tab[i][0],
			    tab[i][1], msg);
			return -1;
		}
	}
	return 0;
}

rd_kafka_conf_t *
ronda_kafka_conf_new(enum ronda_kafka_role role, const char *brokers, const char *group,
    const struct ronda_kvlist *props, char *err, size_t errlen)
{
	rd_kafka_conf_t *conf;
	char msg[512];

	if (brokers == NULL || *brokers == '\0') {
		snprintf(err, errlen, "kafka.brokers: empty");
		return NULL;
	}
	if (role != RONDA_KAFKA_PRODUCER && role != RONDA_KAFKA_CONSUMER) {
		snprintf(err, errlen, "kafka: unknown role %d", (int)role);
		return NULL;
	}
	if ((conf = rd_kafka_conf_new()) == NULL) {
		snprintf(err, errlen, "kafka: out of memory");
		return NULL;
	}
	if (set_table(conf, common_defaults, err, errlen) == -1)
		goto fail;
	if (set_table(conf, role == RONDA_KAFKA_PRODUCER ? producer_defaults :
	    consumer_defaults, err, errlen) == -1)
		goto fail;
	if (rd_kafka_conf_set(conf, "bootstrap.servers", brokers, msg, sizeof(msg)) !=
	    RD_KAFKA_CONF_OK) {
		snprintf(err, errlen, "kafka.brokers: %s", msg);
		goto fail;
	}
	for (size_t i = 0; props != NULL && i < props->n; i++) {
		if (rd_kafka_conf_set(conf, props->k[i], props->v[i], msg, sizeof(msg)) !=
		    RD_KAFKA_CONF_OK) {
			snprintf(err, errlen, "kafka.properties.%s: %s", props->k[i], msg);
			goto fail;
		}
	}
	if (role == RONDA_KAFKA_CONSUMER && group != NULL && *group != '\0' &&
	    rd_kafka_conf_set(conf, "group.id", group, msg, sizeof(msg)) != RD_KAFKA_CONF_OK) {
		snprintf(err, errlen, "kafka.group: %s", msg);
		goto fail;
	}
	return conf;

fail:
	rd_kafka_conf_destroy(conf);
	return NULL;
}
