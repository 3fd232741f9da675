/*
 * kafka.h — librdkafka configuration shared by every Ronda program.
 *
 * Production points `brokers` at a real cluster; tests and the demo point it
 * at ronda-devbroker. The code path is the same.
 */
#ifndef RONDA_KAFKA_H
#define RONDA_KAFKA_H

#include <stddef.h>
#include <librdkafka/rdkafka.h>

#include "ronda/config.h"

enum ronda_kafka_role {
	RONDA_KAFKA_PRODUCER,	/* idempotent, acks=all, lz4, never times a message out */
	RONDA_KAFKA_CONSUMER,	/* manual offsets (the caller stores them), no auto commit */
};

/*
 * Build a librdkafka configuration for role: Ronda's defaults first, then
 * bootstrap.servers = brokers, then every user property from props (which
 * win, so TLS/SASL or tuning can be set from the YAML `properties:`), then
 * group.id for consumers. Returns NULL with a message naming the bad property
 * in err. The caller owns the result (rd_kafka_new takes it on success).
 */
rd_kafka_conf_t *ronda_kafka_conf_new(enum ronda_kafka_role role, const char *brokers,
    const char *group, const struct ronda_kvlist *props, char *err, size_t errlen);

#endif
