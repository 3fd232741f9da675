#include "dlq.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cevent.h"
#include "ronda/kafka.h"
#include "ronda/log.h"

struct ronda_dlq {
	rd_kafka_t *rk;
	rd_kafka_topic_t *rkt;
	size_t max_copy;
	uint64_t queued, delivered, failed;
	struct ronda_ratelimit rl[RONDA_CEVENT_REJ_NKINDS];
};

static void
dlq_on_delivery(rd_kafka_t *rk, const rd_kafka_message_t *m, void *opaque)
{
	struct ronda_dlq *q = opaque;

	(void)rk;
	if (m->err != RD_KAFKA_RESP_ERR_NO_ERROR)
		q->failed++;
	else
		q->delivered++;
}

struct ronda_dlq *
ronda_dlq_new(const char *brokers, const char *topic, const struct ronda_kvlist *props,
    size_t max_copy, char *err, size_t errlen)
{
	struct ronda_dlq *q = calloc(1, sizeof(*q));
	rd_kafka_conf_t *conf = NULL;
	char msg[512];

	if (q == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	q->max_copy = max_copy;
	if ((conf = ronda_kafka_conf_new(RONDA_KAFKA_PRODUCER, brokers, NULL, props, err,
	    errlen)) == NULL)
		goto fail;
	/* A bad message is not worth waiting forever for: give up after 5 min. */
	rd_kafka_conf_set(conf, "message.timeout.ms", "300000", msg, sizeof(msg));
	rd_kafka_conf_set_opaque(conf, q);
	rd_kafka_conf_set_dr_msg_cb(conf, dlq_on_delivery);
	if ((q->rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, msg, sizeof(msg))) == NULL) {
		snprintf(err, errlen, "dlq producer: %s", msg);
		rd_kafka_conf_destroy(conf);
		goto fail;
	}
	if ((q->rkt = rd_kafka_topic_new(q->rk, topic, NULL)) == NULL) {
		snprintf(err, errlen, "dlq topic %s: %s", topic,
		    rd_kafka_err2str(rd_kafka_last_error()));
		goto fail;
	}
	return q;
fail:
	ronda_dlq_free(q);
	return NULL;
}

void
ronda_dlq_free(struct ronda_dlq *q)
{
	if (q == NULL)
		return;
	if (q->rkt != NULL)
		rd_kafka_topic_destroy(q->rkt);
	if (q->rk != NULL)
		rd_kafka_destroy(q->rk);
	free(q);
}

int
ronda_dlq_put(struct ronda_dlq *q, const char *src_topic, int32_t part, int64_t offset,
    const void *key, size_t keylen, const void *payload, size_t len, int reason,
    const char *why, long now)
{
	rd_kafka_headers_t *hdrs = rd_kafka_headers_new(5);
	const char *rname = ronda_cevent_reject_name(reason);
	char num[32];
	size_t n = len > q->max_copy ? q->max_copy : len;
	rd_kafka_resp_err_t rc;

	if (reason < 0 || reason >= RONDA_CEVENT_REJ_NKINDS)
		reason = RONDA_CEVENT_REJ_SCHEMA;
	if (ronda_ratelimit_ok(&q->rl[reason], now, 60))
		log_warnx("bad message %s[%d]@%" PRId64 " (%zu bytes): %s: %s%s",
		    src_topic, part, offset, len, rname, why,
		    q->rl[reason].suppressed ? " (more suppressed)" : "");
	rd_kafka_header_add(hdrs, "ronda-reason", -1, rname, -1);
	rd_kafka_header_add(hdrs, "ronda-error", -1, why, -1);
	rd_kafka_header_add(hdrs, "ronda-source-topic", -1, src_topic, -1);
	snprintf(num, sizeof(num), "%d", part);
	rd_kafka_header_add(hdrs, "ronda-source-partition", -1, num, -1);
	snprintf(num, sizeof(num), "%" PRId64, offset);
	rd_kafka_header_add(hdrs, "ronda-source-offset", -1, num, -1);
	if (n < len) {
		snprintf(num, sizeof(num), "%zu", len);
		rd_kafka_header_add(hdrs, "ronda-truncated", -1, num, -1);
	}
	rc = rd_kafka_producev(q->rk, RD_KAFKA_V_RKT(q->rkt),
	    RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
	    RD_KAFKA_V_VALUE((void *)(uintptr_t)payload, n),
	    RD_KAFKA_V_KEY((void *)(uintptr_t)key, keylen),
	    RD_KAFKA_V_HEADERS(hdrs), RD_KAFKA_V_END);
	if (rc != RD_KAFKA_RESP_ERR_NO_ERROR) {
		rd_kafka_headers_destroy(hdrs);
		q->failed++;
		return -1;
	}
	q->queued++;
	return 0;
}

void
ronda_dlq_poll(struct ronda_dlq *q)
{
	rd_kafka_poll(q->rk, 0);
}

void
ronda_dlq_flush(struct ronda_dlq *q, int timeout_ms)
{
	rd_kafka_flush(q->rk, timeout_ms);
}

void
ronda_dlq_stats(const struct ronda_dlq *q, uint64_t *queued, uint64_t *delivered,
    uint64_t *failed)
{
	*queued = q->queued;
	*delivered = q->delivered;
	*failed = q->failed;
}
