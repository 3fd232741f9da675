/*
 * The Kafka sink: each alert produced to the alerts topic (ronda.alerts)
 * with its id as the key, confirmed by the delivery report (acks=all,
 * idempotent producer, common/kafka.c). librdkafka retries inside
 * message.timeout.ms; a report with an error is one failed attempt for the
 * dispatcher, which backs off and produces it again.
 */
#include "alertd.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ronda/kafka.h"

/* How long librdkafka keeps trying one message before reporting it failed. */
#define MESSAGE_TIMEOUT "30000"

struct kafka_sink {
	rd_kafka_t *rk;
	rd_kafka_topic_t *rkt;
	ronda_alert_done_fn done;
	void *ctx;
	int out;
};

static void
kafka_on_delivery(rd_kafka_t *rk, const rd_kafka_message_t *m, void *opaque)
{
	struct kafka_sink *k = opaque;
	struct ronda_alert_result r;
	char why[160];

	(void)rk;
	if (!k->out)
		return;
	k->out = 0;
	memset(&r, 0, sizeof(r));
	r.ok = m->err == RD_KAFKA_RESP_ERR_NO_ERROR;
	if (!r.ok) {
		snprintf(why, sizeof(why), "kafka %s: %s", rd_kafka_topic_name(k->rkt),
		    rd_kafka_err2str(m->err));
		r.err = why;
	}
	k->done(k->ctx, &r);
}

static int
kafka_send(void *arg, const char *id, const char *json, size_t len,
    ronda_alert_done_fn done, void *ctx, char *err, size_t errlen)
{
	struct kafka_sink *k = arg;
	rd_kafka_resp_err_t rc;

	k->done = done;
	k->ctx = ctx;
	rc = rd_kafka_producev(k->rk, RD_KAFKA_V_RKT(k->rkt),
	    RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
	    RD_KAFKA_V_KEY((void *)(uintptr_t)id, strlen(id)),
	    RD_KAFKA_V_VALUE((void *)(uintptr_t)json, len), RD_KAFKA_V_END);
	if (rc != RD_KAFKA_RESP_ERR_NO_ERROR) {
		snprintf(err, errlen, "kafka %s: %s", rd_kafka_topic_name(k->rkt),
		    rd_kafka_err2str(rc));
		return RONDA_SINK_FAILED;
	}
	k->out = 1;
	return RONDA_SINK_STARTED;
}

static void
kafka_poll(void *arg)
{
	struct kafka_sink *k = arg;

	rd_kafka_poll(k->rk, 0);
}

static void
kafka_drain(void *arg, int ms)
{
	struct kafka_sink *k = arg;

	/* Delivery reports during the flush reach done (and are recorded). */
	rd_kafka_flush(k->rk, ms);
}

static void
kafka_free(void *arg)
{
	struct kafka_sink *k = arg;

	if (k == NULL)
		return;
	/* Whatever is still out is sent again at the next start: no report wanted. */
	k->out = 0;
	if (k->rkt != NULL)
		rd_kafka_topic_destroy(k->rkt);
	if (k->rk != NULL) {
		rd_kafka_purge(k->rk, RD_KAFKA_PURGE_F_QUEUE | RD_KAFKA_PURGE_F_INFLIGHT);
		rd_kafka_destroy(k->rk);
	}
	free(k);
}

int
ronda_alert_kafka_new(struct ronda_alert_sink *out, const char *brokers,
    const struct ronda_kvlist *props, const char *topic, char *err, size_t errlen)
{
	struct kafka_sink *k = calloc(1, sizeof(*k));
	rd_kafka_conf_t *conf = NULL;
	char msg[512];

	if (k == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	if ((conf = ronda_kafka_conf_new(RONDA_KAFKA_PRODUCER, brokers, NULL, props, err,
	    errlen)) == NULL)
		goto fail;
	/* One alert out at a time: waiting to batch it with others only delays it. */
	if (rd_kafka_conf_set(conf, "message.timeout.ms", MESSAGE_TIMEOUT, msg,
	    sizeof(msg)) != RD_KAFKA_CONF_OK ||
	    rd_kafka_conf_set(conf, "linger.ms", "0", msg, sizeof(msg)) != RD_KAFKA_CONF_OK) {
		snprintf(err, errlen, "alert producer: %s", msg);
		rd_kafka_conf_destroy(conf);
		goto fail;
	}
	rd_kafka_conf_set_opaque(conf, k);
	rd_kafka_conf_set_dr_msg_cb(conf, kafka_on_delivery);
	if ((k->rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, msg, sizeof(msg))) == NULL) {
		snprintf(err, errlen, "alert producer: %s", msg);
		rd_kafka_conf_destroy(conf);
		goto fail;
	}
	if ((k->rkt = rd_kafka_topic_new(k->rk, topic, NULL)) == NULL) {
		snprintf(err, errlen, "alert topic %s: %s", topic,
		    rd_kafka_err2str(rd_kafka_last_error()));
		goto fail;
	}
	memset(out, 0, sizeof(*out));
	snprintf(out->name, sizeof(out->name), "kafka");
	out->arg = k;
	out->send = kafka_send;
	out->poll = kafka_poll;
	out->drain = kafka_drain;
	out->free = kafka_free;
	return 0;
fail:
	kafka_free(k);
	return -1;
}
