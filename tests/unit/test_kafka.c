/*
 * test_kafka.c — ronda_kafka_conf_new's defaults and errors, and the claim
 * behind ronda-devbroker: librdkafka 2.0's mock cluster, started in-process
 * here, carries our idempotent producer config and our manual-offset
 * consumer group config end to end (delivery, subscribe, rebalance,
 * committed offsets, outage and recovery, unknown topics refused).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>

#include "ronda/config.h"
#include "ronda/kafka.h"

#define TOPIC "ronda.events"
#define NPART 3

static int64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void
expect_prop(rd_kafka_conf_t *conf, const char *name, const char *want)
{
	char v[512];
	size_t n = sizeof(v);

	assert_int_equal(rd_kafka_conf_get(conf, name, v, &n), RD_KAFKA_CONF_OK);
	if (strcmp(v, want) != 0)
		fail_msg("%s = '%s', want '%s'", name, v, want);
}

static void
test_producer_defaults(void **state)
{
	char err[256] = "";
	rd_kafka_conf_t *conf;

	(void)state;
	conf = ronda_kafka_conf_new(RONDA_KAFKA_PRODUCER, "127.0.0.1:9092", NULL, NULL,
	    err, sizeof(err));
	assert_non_null(conf);
	expect_prop(conf, "bootstrap.servers", "127.0.0.1:9092");
	expect_prop(conf, "enable.idempotence", "true");
	expect_prop(conf, "acks", "-1");	/* librdkafka reports "all" as -1 */
	expect_prop(conf, "compression.type", "lz4");
	expect_prop(conf, "message.timeout.ms", "0");
	expect_prop(conf, "linger.ms", "10");
	expect_prop(conf, "batch.num.messages", "10000");
	expect_prop(conf, "batch.size", "262144");
	expect_prop(conf, "queue.buffering.max.messages", "100000");
	expect_prop(conf, "queue.buffering.max.kbytes", "16384");
	expect_prop(conf, "socket.keepalive.enable", "true");
	expect_prop(conf, "allow.auto.create.topics", "false");
	expect_prop(conf, "reconnect.backoff.max.ms", "10000");
	rd_kafka_conf_destroy(conf);
}

static void
test_consumer_defaults_and_group(void **state)
{
	char err[256] = "";
	rd_kafka_conf_t *conf;

	(void)state;
	conf = ronda_kafka_conf_new(RONDA_KAFKA_CONSUMER, "10.0.0.5:9092,10.0.0.6:9092",
	    "ronda-correlator", NULL, err, sizeof(err));
	assert_non_null(conf);
	expect_prop(conf, "bootstrap.servers", "10.0.0.5:9092,10.0.0.6:9092");
	expect_prop(conf, "group.id", "ronda-correlator");
	expect_prop(conf, "enable.auto.commit", "false");
	expect_prop(conf, "enable.auto.offset.store", "false");
	expect_prop(conf, "auto.offset.reset", "smallest");	/* "earliest" */
	expect_prop(conf, "partition.assignment.strategy", "cooperative-sticky");
	expect_prop(conf, "allow.auto.create.topics", "false");
	expect_prop(conf, "session.timeout.ms", "10000");
	rd_kafka_conf_destroy(conf);
}

static void
test_user_properties_override(void **state)
{
	char *k[] = { "linger.ms", "security.protocol", "compression.type" };
	char *v[] = { "50", "plaintext", "zstd" };
	struct ronda_kvlist props = { k, v, 3 };
	char err[256] = "";
	rd_kafka_conf_t *conf;

	(void)state;
	conf = ronda_kafka_conf_new(RONDA_KAFKA_PRODUCER, "127.0.0.1:9092", NULL, &props,
	    err, sizeof(err));
	assert_non_null(conf);
	expect_prop(conf, "linger.ms", "50");
	expect_prop(conf, "compression.type", "zstd");
	expect_prop(conf, "security.protocol", "plaintext");
	expect_prop(conf, "enable.idempotence", "true");	/* untouched default */
	rd_kafka_conf_destroy(conf);
}

static void
test_bad_property_named_in_error(void **state)
{
	char *k1[] = { "linger.ms", "no.such.property" };
	char *v1[] = { "5", "1" };
	char *k2[] = { "compression.type" };
	char *v2[] = { "brotli" };
	struct ronda_kvlist p1 = { k1, v1, 2 }, p2 = { k2, v2, 1 };
	char err[256] = "";

	(void)state;
	assert_null(ronda_kafka_conf_new(RONDA_KAFKA_PRODUCER, "127.0.0.1:9092", NULL, &p1,
	    err, sizeof(err)));
	assert_non_null(strstr(err, "kafka.properties.no.such.property: "));
	assert_non_null(strstr(err, "No such configuration property"));

	err[0] = '\0';
	assert_null(ronda_kafka_conf_new(RONDA_KAFKA_CONSUMER, "127.0.0.1:9092", "g", &p2,
	    err, sizeof(err)));
	assert_non_null(strstr(err, "kafka.properties.compression.type: "));
	assert_non_null(strstr(err, "brotli"));

	err[0] = '\0';
	assert_null(ronda_kafka_conf_new(RONDA_KAFKA_PRODUCER, "", NULL, NULL, err,
	    sizeof(err)));
	assert_string_equal(err, "kafka.brokers: empty");
	assert_null(ronda_kafka_conf_new(RONDA_KAFKA_PRODUCER, NULL, NULL, NULL, err,
	    sizeof(err)));
}

/* ---- against the mock cluster ---- */

struct mock {
	rd_kafka_t *host;
	rd_kafka_mock_cluster_t *mc;
	const char *bootstraps;
};

static int
mock_setup(void **state)
{
	struct mock *m = calloc(1, sizeof(*m));
	rd_kafka_conf_t *conf = rd_kafka_conf_new();
	char errstr[256];

	assert_non_null(m);
	/* Keep the host handle quiet about having no bootstrap.servers. */
	rd_kafka_conf_set(conf, "log_level", "3", errstr, sizeof(errstr));
	m->host = rd_kafka_new(RD_KAFKA_PRODUCER, conf, errstr, sizeof(errstr));
	assert_non_null(m->host);
	m->mc = rd_kafka_mock_cluster_new(m->host, 1);
	assert_non_null(m->mc);
	/* As ronda-devbroker does: offer Metadata v4 so auto-creation can be refused. */
	rd_kafka_mock_set_apiversion(m->mc, 3, 0, 4);
	assert_int_equal(rd_kafka_mock_topic_create(m->mc, TOPIC, NPART, 1), 0);
	m->bootstraps = rd_kafka_mock_cluster_bootstraps(m->mc);
	assert_non_null(strstr(m->bootstraps, "127.0.0.1:"));
	*state = m;
	return 0;
}

static int
mock_teardown(void **state)
{
	struct mock *m = *state;

	rd_kafka_mock_cluster_destroy(m->mc);
	rd_kafka_destroy(m->host);
	free(m);
	return 0;
}

struct dr_count {
	int ok;
	int failed;
	rd_kafka_resp_err_t last_err;
};

static void
test_on_delivery(rd_kafka_t *rk, const rd_kafka_message_t *msg, void *opaque)
{
	struct dr_count *c = opaque;

	(void)rk;
	if (msg->err == RD_KAFKA_RESP_ERR_NO_ERROR) {
		c->ok++;
	} else {
		c->failed++;
		c->last_err = msg->err;
	}
}

static rd_kafka_t *
new_producer(const char *bootstraps, struct dr_count *c, const struct ronda_kvlist *props)
{
	char err[512];
	rd_kafka_conf_t *conf;
	rd_kafka_t *rk;

	conf = ronda_kafka_conf_new(RONDA_KAFKA_PRODUCER, bootstraps, NULL, props, err,
	    sizeof(err));
	if (conf == NULL)
		fail_msg("%s", err);
	rd_kafka_conf_set(conf, "log_level", "2", err, sizeof(err));
	rd_kafka_conf_set_dr_msg_cb(conf, test_on_delivery);
	rd_kafka_conf_set_opaque(conf, c);
	rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, sizeof(err));
	if (rk == NULL)
		fail_msg("rd_kafka_new: %s", err);
	return rk;
}

static rd_kafka_t *
new_consumer(const char *bootstraps, const char *group)
{
	/*
	 * The mock holds every JoinGroup until session.timeout.ms has passed
	 * (it waits that long for all members to join), so each (re)join costs
	 * a whole session timeout: use Kafka's minimum, not our 10 s default.
	 */
	static char *k[] = { "session.timeout.ms" }, *v[] = { "6000" };
	static const struct ronda_kvlist props = { k, v, 1 };
	char err[512];
	rd_kafka_conf_t *conf;
	rd_kafka_t *rk;
	rd_kafka_topic_partition_list_t *topics;

	conf = ronda_kafka_conf_new(RONDA_KAFKA_CONSUMER, bootstraps, group, &props, err,
	    sizeof(err));
	if (conf == NULL)
		fail_msg("%s", err);
	rd_kafka_conf_set(conf, "log_level", "2", err, sizeof(err));
	rk = rd_kafka_new(RD_KAFKA_CONSUMER, conf, err, sizeof(err));
	if (rk == NULL)
		fail_msg("rd_kafka_new: %s", err);
	rd_kafka_poll_set_consumer(rk);
	topics = rd_kafka_topic_partition_list_new(1);
	rd_kafka_topic_partition_list_add(topics, TOPIC, RD_KAFKA_PARTITION_UA);
	assert_int_equal(rd_kafka_subscribe(rk, topics), 0);
	rd_kafka_topic_partition_list_destroy(topics);
	return rk;
}

/* Produce n messages "<prefix>-<i>" keyed by an attacker-style source IP. */
static void
produce_n(rd_kafka_t *rk, const char *prefix, int n)
{
	char val[64], key[32];

	for (int i = 0; i < n; i++) {
		int len = snprintf(val, sizeof(val), "%s-%d", prefix, i);
		int klen = snprintf(key, sizeof(key), "203.0.113.%d", i % 250);
		rd_kafka_resp_err_t e;
		do {
			e = rd_kafka_producev(rk, RD_KAFKA_V_TOPIC(TOPIC),
			    RD_KAFKA_V_VALUE(val, (size_t)len), RD_KAFKA_V_KEY(key, (size_t)klen),
			    RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY), RD_KAFKA_V_END);
			if (e == RD_KAFKA_RESP_ERR__QUEUE_FULL)
				rd_kafka_poll(rk, 10);
		} while (e == RD_KAFKA_RESP_ERR__QUEUE_FULL);
		assert_int_equal(e, RD_KAFKA_RESP_ERR_NO_ERROR);
	}
}

static void
wait_delivered(rd_kafka_t *rk, struct dr_count *c, int want, int timeout_ms)
{
	int64_t end = now_ms() + timeout_ms;

	while (c->ok + c->failed < want && now_ms() < end)
		rd_kafka_poll(rk, 50);
	if (c->ok != want)
		fail_msg("delivered %d of %d (%d failed: %s)", c->ok, want, c->failed,
		    rd_kafka_err2str(c->last_err));
}

/*
 * Consume until `want` messages with `prefix` arrived (counting each index
 * once in seen[]) or the deadline passes; store each offset after "processing"
 * it, as the correlator does. Returns the number of messages read in total.
 */
static int
consume_n(rd_kafka_t *rk, const char *prefix, int want, unsigned char *seen, int *dups,
    int *foreign, int timeout_ms)
{
	int64_t end = now_ms() + timeout_ms;
	size_t plen = strlen(prefix);
	int got = 0, total = 0;

	while (got < want && now_ms() < end) {
		rd_kafka_message_t *m = rd_kafka_consumer_poll(rk, 100);
		rd_kafka_topic_partition_list_t *off;
		char tmp[64];

		if (m == NULL)
			continue;
		if (m->err != RD_KAFKA_RESP_ERR_NO_ERROR) {
			rd_kafka_message_destroy(m);
			continue;
		}
		total++;
		snprintf(tmp, sizeof(tmp), "%.*s", (int)m->len, (const char *)m->payload);
		if (strncmp(tmp, prefix, plen) == 0 && tmp[plen] == '-') {
			int i = atoi(tmp + plen + 1);
			assert_true(i >= 0 && i < want);
			if (seen[i])
				(*dups)++;
			else
				got++;
			seen[i] = 1;
		} else {
			(*foreign)++;
		}
		off = rd_kafka_topic_partition_list_new(1);
		rd_kafka_topic_partition_list_add(off, rd_kafka_topic_name(m->rkt),
		    m->partition)->offset = m->offset + 1;
		assert_int_equal(rd_kafka_offsets_store(rk, off), 0);
		rd_kafka_topic_partition_list_destroy(off);
		rd_kafka_message_destroy(m);
	}
	return total;
}

static int64_t
committed_sum(rd_kafka_t *rk)
{
	rd_kafka_topic_partition_list_t *l = rd_kafka_topic_partition_list_new(NPART);
	int64_t sum = 0;

	for (int p = 0; p < NPART; p++)
		rd_kafka_topic_partition_list_add(l, TOPIC, p);
	assert_int_equal(rd_kafka_committed(rk, l, 10000), 0);
	for (int p = 0; p < l->cnt; p++)
		if (l->elems[p].offset >= 0)
			sum += l->elems[p].offset;
	rd_kafka_topic_partition_list_destroy(l);
	return sum;
}

/*
 * The collector's producer config against the mock: 1000 idempotent acks=all
 * lz4 messages delivered; a consumer group reads them all once, stores and
 * commits offsets; a new member of the same group resumes after them.
 */
static void
test_mock_idempotent_produce_and_group_commit(void **state)
{
	struct mock *m = *state;
	struct dr_count dc = { 0, 0, 0 };
	unsigned char seen[1000] = { 0 }, seen2[100] = { 0 };
	int dups = 0, foreign = 0;
	rd_kafka_t *p, *c;

	p = new_producer(m->bootstraps, &dc, NULL);
	produce_n(p, "a", 1000);
	wait_delivered(p, &dc, 1000, 30000);
	assert_int_equal(dc.failed, 0);

	c = new_consumer(m->bootstraps, "g-commit");
	consume_n(c, "a", 1000, seen, &dups, &foreign, 30000);
	for (int i = 0; i < 1000; i++)
		if (!seen[i])
			fail_msg("message a-%d never consumed", i);
	assert_int_equal(dups, 0);
	assert_int_equal(foreign, 0);
	assert_int_equal(rd_kafka_commit(c, NULL, 0), 0);
	assert_int_equal(committed_sum(c), 1000);
	assert_int_equal(rd_kafka_consumer_close(c), 0);
	rd_kafka_destroy(c);

	/* A restart of the group member: resumes at the committed offsets. */
	produce_n(p, "b", 100);
	dc.ok = dc.failed = 0;
	wait_delivered(p, &dc, 100, 30000);
	c = new_consumer(m->bootstraps, "g-commit");
	consume_n(c, "b", 100, seen2, &dups, &foreign, 30000);
	for (int i = 0; i < 100; i++)
		if (!seen2[i])
			fail_msg("message b-%d never consumed", i);
	/* Give stray re-deliveries of "a-*" a moment to show up. */
	memset(seen, 0, sizeof(seen));
	consume_n(c, "a", 1, seen, &dups, &foreign, 1000);
	assert_int_equal(dups, 0);
	assert_int_equal(foreign, 0);
	assert_int_equal(seen[0], 0);
	assert_int_equal(rd_kafka_consumer_close(c), 0);
	rd_kafka_destroy(c);
	rd_kafka_destroy(p);
}

static int
assigned_count(rd_kafka_t *rk)
{
	rd_kafka_topic_partition_list_t *a = NULL;
	int n;

	if (rd_kafka_assignment(rk, &a) != 0)
		return -1;
	n = a->cnt;
	rd_kafka_topic_partition_list_destroy(a);
	return n;
}

/* Two members of one group split the partitions (cooperative-sticky rebalance). */
static void
test_mock_group_rebalance_two_members(void **state)
{
	struct mock *m = *state;
	rd_kafka_t *c1, *c2;
	int64_t end;
	int n1 = 0, n2 = 0;

	c1 = new_consumer(m->bootstraps, "g-rebalance");
	end = now_ms() + 30000;
	while (now_ms() < end && (n1 = assigned_count(c1)) != NPART) {
		rd_kafka_message_t *msg = rd_kafka_consumer_poll(c1, 100);
		if (msg != NULL)
			rd_kafka_message_destroy(msg);
	}
	assert_int_equal(n1, NPART);

	c2 = new_consumer(m->bootstraps, "g-rebalance");
	end = now_ms() + 60000;
	while (now_ms() < end) {
		rd_kafka_message_t *msg;
		if ((msg = rd_kafka_consumer_poll(c1, 50)) != NULL)
			rd_kafka_message_destroy(msg);
		if ((msg = rd_kafka_consumer_poll(c2, 50)) != NULL)
			rd_kafka_message_destroy(msg);
		n1 = assigned_count(c1);
		n2 = assigned_count(c2);
		if (n1 > 0 && n2 > 0 && n1 + n2 == NPART)
			break;
	}
	if (!(n1 > 0 && n2 > 0 && n1 + n2 == NPART))
		fail_msg("after rebalance: member 1 has %d, member 2 has %d partitions", n1, n2);
	assert_string_equal(rd_kafka_rebalance_protocol(c1), "COOPERATIVE");
	assert_int_equal(rd_kafka_consumer_close(c2), 0);
	rd_kafka_destroy(c2);
	assert_int_equal(rd_kafka_consumer_close(c1), 0);
	rd_kafka_destroy(c1);
}

/*
 * Brokers down: nothing is delivered and, with message.timeout.ms=0, nothing
 * fails either; the messages wait. Brokers up: every one arrives, once.
 */
static void
test_mock_outage_holds_then_delivers_once(void **state)
{
	struct mock *m = *state;
	struct dr_count dc = { 0, 0, 0 };
	unsigned char seen[500] = { 0 };
	int dups = 0, foreign = 0;
	rd_kafka_t *p, *c;
	int64_t end;

	p = new_producer(m->bootstraps, &dc, NULL);
	produce_n(p, "warm", 1);
	wait_delivered(p, &dc, 1, 30000);
	dc.ok = 0;

	assert_int_equal(rd_kafka_mock_broker_set_down(m->mc, -1), 0);
	produce_n(p, "out", 500);
	end = now_ms() + 3000;
	while (now_ms() < end)
		rd_kafka_poll(p, 100);
	assert_int_equal(dc.ok, 0);
	assert_int_equal(dc.failed, 0);
	assert_int_equal(rd_kafka_outq_len(p), 500);

	assert_int_equal(rd_kafka_mock_broker_set_up(m->mc, -1), 0);
	wait_delivered(p, &dc, 500, 60000);

	c = new_consumer(m->bootstraps, "g-outage");
	consume_n(c, "out", 500, seen, &dups, &foreign, 30000);
	for (int i = 0; i < 500; i++)
		if (!seen[i])
			fail_msg("message out-%d lost in the outage", i);
	/* Anything duplicated by a retry would arrive right behind. */
	consume_n(c, "none", 1, seen, &dups, &foreign, 1000);
	assert_int_equal(dups, 0);
	assert_int_equal(rd_kafka_consumer_close(c), 0);
	rd_kafka_destroy(c);
	rd_kafka_destroy(p);
}

/* A topic nobody created is an error, not a silently auto-created topic. */
static void
test_mock_unknown_topic_refused(void **state)
{
	struct mock *m = *state;
	char *k[] = { "topic.metadata.propagation.max.ms" };
	char *v[] = { "1000" };
	struct ronda_kvlist props = { k, v, 1 };
	struct dr_count dc = { 0, 0, 0 };
	rd_kafka_t *p;
	rd_kafka_resp_err_t e;
	int64_t end;

	p = new_producer(m->bootstraps, &dc, &props);
	e = rd_kafka_producev(p, RD_KAFKA_V_TOPIC("ronda.evnets"),
	    RD_KAFKA_V_VALUE("x", 1), RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
	    RD_KAFKA_V_END);
	assert_int_equal(e, RD_KAFKA_RESP_ERR_NO_ERROR);
	end = now_ms() + 20000;
	while (dc.ok + dc.failed == 0 && now_ms() < end)
		rd_kafka_poll(p, 100);
	assert_int_equal(dc.ok, 0);
	assert_int_equal(dc.failed, 1);
	assert_true(dc.last_err == RD_KAFKA_RESP_ERR__UNKNOWN_TOPIC ||
	    dc.last_err == RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART);
	rd_kafka_destroy(p);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_producer_defaults),
		cmocka_unit_test(test_consumer_defaults_and_group),
		cmocka_unit_test(test_user_properties_override),
		cmocka_unit_test(test_bad_property_named_in_error),
		cmocka_unit_test_setup_teardown(test_mock_idempotent_produce_and_group_commit,
		    mock_setup, mock_teardown),
		cmocka_unit_test_setup_teardown(test_mock_group_rebalance_two_members,
		    mock_setup, mock_teardown),
		cmocka_unit_test_setup_teardown(test_mock_outage_holds_then_delivers_once,
		    mock_setup, mock_teardown),
		cmocka_unit_test_setup_teardown(test_mock_unknown_topic_refused,
		    mock_setup, mock_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
