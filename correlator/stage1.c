#include "stage1.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <librdkafka/rdkafka.h>

#include "consumer.h"
#include "incident.h"
#include "istream.h"
#include "ronda/kafka.h"
#include "ronda/log.h"
#include "ronda/timeutil.h"

#define FLUSH_MS 30000		/* a commit waits this long for the stream, then fails */
#define READ_MS 30000		/* reading the stream at an assignment, at most */

struct ronda_stage1 {
	const struct ronda_correlator_config *cfg;
	struct ronda_engine *eng;
	rd_kafka_t *prod;
	rd_kafka_topic_t *topic;
	struct ronda_consumer *cons;	/* its offsets go into each transaction */
	int in_txn;		/* a batch's transaction is open */
	int64_t failed;		/* deliveries failed since the last flush */
	char failmsg[256];
};

static void
on_delivery(rd_kafka_t *rk, const rd_kafka_message_t *m, void *opaque)
{
	struct ronda_stage1 *s = opaque;

	(void)rk;
	if (m->err != RD_KAFKA_RESP_ERR_NO_ERROR) {
		s->failed++;
		snprintf(s->failmsg, sizeof(s->failmsg), "%s", rd_kafka_err2str(m->err));
	}
}

/* The transaction's error as text, freed; -1. */
static int
txn_fail(struct ronda_stage1 *s, rd_kafka_error_t *error, const char *what)
{
	snprintf(s->failmsg, sizeof(s->failmsg), "%s: %s", what, rd_kafka_error_string(error));
	s->failed++;
	if (rd_kafka_error_txn_requires_abort(error)) {
		rd_kafka_error_t *e2 = rd_kafka_abort_transaction(s->prod, FLUSH_MS);
		if (e2 != NULL)
			rd_kafka_error_destroy(e2);
		s->in_txn = 0;
	}
	rd_kafka_error_destroy(error);
	return -1;
}

static int
s1_put(void *arg, const char *key, const char *payload, size_t len)
{
	struct ronda_stage1 *s = arg;
	rd_kafka_error_t *error;

	/* A batch is one transaction: readers (read_committed) see all of it or none. */
	if (!s->in_txn) {
		if ((error = rd_kafka_begin_transaction(s->prod)) != NULL)
			return txn_fail(s, error, "begin transaction");
		s->in_txn = 1;
	}
	for (;;) {
		if (rd_kafka_produce(s->topic, 0, RD_KAFKA_MSG_F_COPY, (void *)payload, len, key,
		    strlen(key), NULL) == 0)
			return 0;
		if (rd_kafka_last_error() != RD_KAFKA_RESP_ERR__QUEUE_FULL) {
			snprintf(s->failmsg, sizeof(s->failmsg), "%s",
			    rd_kafka_err2str(rd_kafka_last_error()));
			s->failed++;
			return -1;
		}
		rd_kafka_poll(s->prod, 100);
	}
}

static int
s1_flush(void *arg, char *err, size_t errlen)
{
	struct ronda_stage1 *s = arg;
	rd_kafka_error_t *error;

	if (s->in_txn && s->failed == 0 && s->cons != NULL) {
		rd_kafka_topic_partition_list_t *offs;
		rd_kafka_consumer_group_metadata_t *md;
		if (ronda_consumer_positions(s->cons, &offs, &md) == 0) {
			error = rd_kafka_send_offsets_to_transaction(s->prod, offs, md, FLUSH_MS);
			rd_kafka_consumer_group_metadata_destroy(md);
			rd_kafka_topic_partition_list_destroy(offs);
			if (error != NULL)
				(void)txn_fail(s, error, "offsets to the transaction");
		}
	}
	if (s->in_txn && s->failed == 0) {
		/* Flushes, then commits: every record of the batch is stored, or none counts. */
		if ((error = rd_kafka_commit_transaction(s->prod, FLUSH_MS)) != NULL)
			(void)txn_fail(s, error, "commit transaction");
		else
			s->in_txn = 0;
	}
	if (s->failed > 0) {
		snprintf(err, errlen, "incident stream %s: %s", s->cfg->kafka.incidents_topic,
		    s->failmsg);
		return -1;
	}
	return 0;
}

struct ronda_stage1 *
ronda_stage1_new(const struct ronda_correlator_config *cfg, struct ronda_engine *eng,
    char *err, size_t errlen)
{
	struct ronda_stage1 *s = calloc(1, sizeof(*s));
	rd_kafka_conf_t *conf;
	rd_kafka_error_t *error;
	char msg[512], tid[1024], host[256] = "";
	struct ronda_engine_emit emit;

	if (s == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	s->cfg = cfg;
	s->eng = eng;
	(void)gethostname(host, sizeof(host) - 1);
	if ((conf = ronda_kafka_conf_new(RONDA_KAFKA_PRODUCER, cfg->kafka.brokers, NULL,
	    &cfg->kafka.properties, err, errlen)) == NULL)
		goto fail;
	/*
	 * Transactional: one id per member's store (the store lock makes it
	 * one process), the same across restarts, so a restarted member fences
	 * what its previous life left open. A message may wait as long as a
	 * commit does (a transaction needs a bound, unlike the collector).
	 */
	if (cfg->kafka.instance_id != NULL && cfg->kafka.instance_id[0] != '\0')
		snprintf(tid, sizeof(tid), "ronda-detect/%s/%s", cfg->kafka.group,
		    cfg->kafka.instance_id);
	else
		snprintf(tid, sizeof(tid), "ronda-detect/%s/%s:%s", cfg->kafka.group, host,
		    cfg->store);
	if (rd_kafka_conf_set(conf, "transactional.id", tid, msg, sizeof(msg)) != RD_KAFKA_CONF_OK ||
	    rd_kafka_conf_set(conf, "message.timeout.ms", "10000", msg, sizeof(msg)) !=
	    RD_KAFKA_CONF_OK ||
	    rd_kafka_conf_set(conf, "transaction.timeout.ms", "10000", msg, sizeof(msg)) !=
	    RD_KAFKA_CONF_OK) {
		snprintf(err, errlen, "kafka producer: %s", msg);
		rd_kafka_conf_destroy(conf);
		goto fail;
	}
	rd_kafka_conf_set_opaque(conf, s);
	rd_kafka_conf_set_dr_msg_cb(conf, on_delivery);
	if ((s->prod = rd_kafka_new(RD_KAFKA_PRODUCER, conf, msg, sizeof(msg))) == NULL) {
		snprintf(err, errlen, "kafka producer: %s", msg);
		rd_kafka_conf_destroy(conf);
		goto fail;
	}
	if ((error = rd_kafka_init_transactions(s->prod, READ_MS)) != NULL) {
		snprintf(err, errlen, "incident stream %s: init transactions (%s): %s",
		    cfg->kafka.incidents_topic, tid, rd_kafka_error_string(error));
		rd_kafka_error_destroy(error);
		goto fail;
	}
	if ((s->topic = rd_kafka_topic_new(s->prod, cfg->kafka.incidents_topic, NULL)) == NULL) {
		snprintf(err, errlen, "topic %s: %s", cfg->kafka.incidents_topic,
		    rd_kafka_err2str(rd_kafka_last_error()));
		goto fail;
	}
	emit = (struct ronda_engine_emit){ .arg = s, .put = s1_put, .flush = s1_flush };
	ronda_engine_set_emit(eng, &emit);
	return s;
fail:
	ronda_stage1_free(s);
	return NULL;
}

void
ronda_stage1_set_consumer(struct ronda_stage1 *s, struct ronda_consumer *c)
{
	s->cons = c;
}

void
ronda_stage1_free(struct ronda_stage1 *s)
{
	if (s == NULL)
		return;
	if (s->eng != NULL) {
		struct ronda_engine_emit none = { 0 };
		ronda_engine_set_emit(s->eng, &none);
	}
	if (s->topic != NULL)
		rd_kafka_topic_destroy(s->topic);
	if (s->prod != NULL) {
		if (s->in_txn) {
			/* A batch the store never committed: nobody may read it. */
			rd_kafka_error_t *error = rd_kafka_abort_transaction(s->prod, 5000);
			if (error != NULL)
				rd_kafka_error_destroy(error);
		}
		rd_kafka_destroy(s->prod);
	}
	free(s);
}

/* ---- reading the stream at an assignment -------------------------------- */

/*
 * A partition's state as read so far: its newest position and the newest
 * share of each share id. Read committed, every record is of a finished
 * batch, and a batch writes its shares with its positions, so the newest
 * share stands, behind a position or not (compaction may keep a share and
 * drop the positions around it).
 */
struct pstate {
	int32_t part;
	int have_pos;
	struct ronda_store_offset pos;
	struct ronda_istream_rec **shares;
	size_t n, cap;
};

static void
rec_free(struct ronda_istream_rec *r)
{
	if (r != NULL) {
		ronda_istream_rec_clear(r);
		free(r);
	}
}

/* Keep share r (taken), in place of the older one of its share id. 0 / -1. */
static int
keep(struct pstate *ps, struct ronda_istream_rec *r)
{
	for (size_t j = 0; j < ps->n; j++)
		if (strcmp(ps->shares[j]->inc.id, r->inc.id) == 0) {
			rec_free(ps->shares[j]);
			ps->shares[j] = r;
			return 0;
		}
	if (ps->n == ps->cap) {
		size_t nc = ps->cap ? ps->cap * 2 : 64;
		struct ronda_istream_rec **nv = realloc(ps->shares, nc * sizeof(*nv));
		if (nv == NULL) {
			rec_free(r);
			return -1;
		}
		ps->shares = nv;
		ps->cap = nc;
	}
	ps->shares[ps->n++] = r;
	return 0;
}

static struct pstate *
find_ps(struct pstate *v, size_t n, int32_t part)
{
	for (size_t i = 0; i < n; i++)
		if (v[i].part == part)
			return &v[i];
	return NULL;
}

/*
 * Read partition 0 of the stream from its start to the end it had when we
 * began; guessers are merged into the engine as they come (facts of the
 * logs: merging one twice, or one of an unfinished batch, changes nothing).
 */
static int
read_stream(struct ronda_stage1 *s, struct pstate *ps, size_t nps, char *err, size_t errlen)
{
	const char *topic = s->cfg->kafka.incidents_topic;
	rd_kafka_conf_t *conf;
	rd_kafka_t *rk = NULL;
	rd_kafka_topic_partition_list_t *tp = NULL;
	rd_kafka_resp_err_t rc;
	int64_t lo = 0, hi = 0, deadline = ronda_mono_ms() + READ_MS, records = 0;
	char msg[512], group[300];
	int ret = -1;

	/*
	 * A consumer of its own, assigned (not subscribed): the group id is
	 * librdkafka's requirement for assign(); nothing is ever committed.
	 */
	snprintf(group, sizeof(group), "%s.restore", s->cfg->kafka.group);
	if ((conf = ronda_kafka_conf_new(RONDA_KAFKA_CONSUMER, s->cfg->kafka.brokers, group,
	    &s->cfg->kafka.properties, err, errlen)) == NULL)
		return -1;
	rd_kafka_conf_set(conf, "receive.message.max.bytes", "134217728", msg, sizeof(msg));
	/* The end is where read_committed ends: the first offset of a batch still open. */
	rd_kafka_conf_set(conf, "enable.partition.eof", "true", msg, sizeof(msg));
	rd_kafka_conf_set(conf, "isolation.level", "read_committed", msg, sizeof(msg));
	if ((rk = rd_kafka_new(RD_KAFKA_CONSUMER, conf, msg, sizeof(msg))) == NULL) {
		snprintf(err, errlen, "kafka: %s", msg);
		rd_kafka_conf_destroy(conf);
		return -1;
	}
	rc = rd_kafka_query_watermark_offsets(rk, topic, 0, &lo, &hi, READ_MS);
	if (rc != RD_KAFKA_RESP_ERR_NO_ERROR) {
		snprintf(err, errlen, "incident stream %s: %s", topic, rd_kafka_err2str(rc));
		goto out;
	}
	if (hi <= lo) {
		ret = 0;
		goto out;
	}
	tp = rd_kafka_topic_partition_list_new(1);
	rd_kafka_topic_partition_list_add(tp, topic, 0)->offset = lo;
	if ((rc = rd_kafka_assign(rk, tp)) != RD_KAFKA_RESP_ERR_NO_ERROR) {
		snprintf(err, errlen, "incident stream %s: %s", topic, rd_kafka_err2str(rc));
		goto out;
	}
	/*
	 * Up to the end it had when we began, commit markers included: a batch
	 * left open by a member killed meanwhile holds the end back until its
	 * transaction times out (transaction.timeout.ms, 10 s), then the
	 * batches after it are read too.
	 */
	for (int64_t next = lo; next < hi;) {
		rd_kafka_message_t *m;
		if (ronda_mono_ms() > deadline) {
			snprintf(err, errlen, "incident stream %s: read to %" PRId64 " of %" PRId64
			    " in %d s", topic, next, hi, READ_MS / 1000);
			goto out;
		}
		if ((m = rd_kafka_consumer_poll(rk, 200)) == NULL)
			continue;
		if (m->err == RD_KAFKA_RESP_ERR__PARTITION_EOF) {
			if (m->offset > next)
				next = m->offset;
			rd_kafka_message_destroy(m);
			continue;
		}
		if (m->err != RD_KAFKA_RESP_ERR_NO_ERROR) {
			rd_kafka_message_destroy(m);
			continue;
		}
		next = m->offset + 1;
		records++;
		{
			struct ronda_istream_rec *r = malloc(sizeof(*r));
			struct pstate *p;
			char e2[128];
			if (r == NULL || ronda_istream_decode(m->payload, m->len, r, e2,
			    sizeof(e2)) == -1) {
				free(r);
				rd_kafka_message_destroy(m);
				continue;
			}
			p = r->type == RONDA_ISTREAM_SHARE || r->type == RONDA_ISTREAM_POSITION ?
			    find_ps(ps, nps, r->type == RONDA_ISTREAM_SHARE ? r->inc.part : r->part) :
			    NULL;
			if (p != NULL && r->type == RONDA_ISTREAM_POSITION &&
			    strcmp(r->topic, s->cfg->kafka.topic) == 0) {
				p->have_pos = 1;
				p->pos = r->off;
				rec_free(r);
			} else if (p != NULL && r->type == RONDA_ISTREAM_SHARE) {
				if (keep(p, r) == -1) {
					rd_kafka_message_destroy(m);
					snprintf(err, errlen, "out of memory");
					goto out;
				}
			} else if (r->type == RONDA_ISTREAM_GUESSER) {
				ronda_engine_restore_guesser(s->eng, r->ip, r->sites);
				rec_free(r);
			} else {
				rec_free(r);
			}
		}
		rd_kafka_message_destroy(m);
	}
	log_info("incident stream %s: read %" PRId64 " records (offsets %" PRId64 "..%" PRId64
	    ")", topic, records, lo, hi);
	ret = 0;
out:
	if (tp != NULL)
		rd_kafka_topic_partition_list_destroy(tp);
	if (rk != NULL) {
		rd_kafka_consumer_close(rk);
		rd_kafka_destroy(rk);
	}
	return ret;
}

int
ronda_stage1_assign(struct ronda_stage1 *s, const int32_t *parts, size_t n, int64_t *from,
    char *err, size_t errlen)
{
	struct pstate *ps = calloc(n > 0 ? n : 1, sizeof(*ps));
	int rc = -1;

	if (ps == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	for (size_t i = 0; i < n; i++)
		ps[i].part = parts[i];
	if (read_stream(s, ps, n, err, errlen) == -1)
		goto out;
	for (size_t i = 0; i < n; i++) {
		const struct ronda_incident **v = calloc(ps[i].n + 1, sizeof(*v));
		size_t open = 0;
		if (v == NULL) {
			snprintf(err, errlen, "out of memory");
			goto out;
		}
		for (size_t j = 0; j < ps[i].n; j++) {
			v[j] = &ps[i].shares[j]->inc;
			open += v[j]->status != RONDA_INCIDENT_CLOSED;
		}
		from[i] = ronda_engine_assign_from(s->eng, parts[i], ps[i].have_pos ? &ps[i].pos :
		    NULL, v, ps[i].n);
		log_info("%s[%d]: from the incident stream: %s, %zu incidents (%zu open)",
		    s->cfg->kafka.topic, (int)parts[i], ps[i].have_pos ? "a position" :
		    "no position (from the start)", ps[i].n, open);
		free(v);
	}
	rc = 0;
out:
	for (size_t i = 0; i < n; i++) {
		for (size_t j = 0; j < ps[i].n; j++)
			rec_free(ps[i].shares[j]);
		free(ps[i].shares);
	}
	free(ps);
	return rc;
}
