#include "consumer.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>

#include "ronda/kafka.h"
#include "ronda/log.h"
#include "ronda/timeutil.h"

struct ronda_consumer {
	const struct ronda_correlator_config *cfg;
	struct ronda_engine *eng;
	struct ronda_dlq *dlq;
	rd_kafka_t *rk;
	rd_kafka_queue_t *q;	/* the consumer queue, read in batches */
	struct event_base *base;
	struct event *tick;	/* more to read now, or the next batch deadline */
	struct event *wake;	/* the queue went from empty to non-empty */
	int wakefd[2];		/* librdkafka writes a byte to [1] */
	int64_t last_commit;	/* monotonic ms */
	int64_t last_liveness;	/* monotonic ms of the last silent-site check */
	int closed;
	char fatal[256];
	struct ronda_ratelimit rl_err;
	void (*on_commit)(void *arg, int ok);
	void *on_commit_arg;
	int64_t nassigned;	/* partitions assigned now */
	int subscribed;		/* joining the group (rd_kafka_subscribe succeeded) */
	int ever_assigned;	/* the rebalance callback was asked to assign once */
	/* Stage detect: an assignment's state from the incident stream (stage1.h). */
	int (*on_assign)(void *arg, const int32_t *parts, size_t n, int64_t *from, char *err,
	    size_t errlen);
	void *on_assign_arg;
};

/*
 * The assigned partitions, each with the engine's offset off(part) (one not
 * known yet: invalid, which Kafka leaves alone); *n how many are known.
 * NULL when there is no assignment to read.
 */
static rd_kafka_topic_partition_list_t *
assigned_offsets(struct ronda_consumer *c, int64_t (*off)(const struct ronda_engine *, int32_t),
    int *n)
{
	rd_kafka_topic_partition_list_t *parts = NULL;

	*n = 0;
	if (rd_kafka_assignment(c->rk, &parts) != RD_KAFKA_RESP_ERR_NO_ERROR || parts == NULL) {
		if (parts != NULL)
			rd_kafka_topic_partition_list_destroy(parts);
		return NULL;
	}
	for (int i = 0; i < parts->cnt; i++) {
		int64_t o = off(c->eng, parts->elems[i].partition);
		parts->elems[i].offset = o > 0 ? o : RD_KAFKA_OFFSET_INVALID;
		*n += o > 0;
	}
	return parts;
}

/*
 * The applied offsets to the group too (asynchronously, best effort): what
 * `kafka-consumer-groups --describe` shows as the correlators' lag. A
 * member starts from the store or the incident stream, never from these.
 */
static void
kafka_commit(struct ronda_consumer *c)
{
	rd_kafka_topic_partition_list_t *parts;
	int n;

	/* Stage detect commits them in its batch's transaction (stage1.c). */
	if (c->on_assign != NULL || c->closed ||
	    (parts = assigned_offsets(c, ronda_engine_committed, &n)) == NULL)
		return;
	if (n > 0)
		(void)rd_kafka_commit(c->rk, parts, 1);
	rd_kafka_topic_partition_list_destroy(parts);
}

static int
commit(struct ronda_consumer *c)
{
	char err[256];

	if (ronda_engine_commit(c->eng, err, sizeof(err)) == -1) {
		snprintf(c->fatal, sizeof(c->fatal), "store %s: commit failed: %s (nothing of "
		    "this batch is kept: a restart reads it again from Kafka)", c->cfg->store, err);
		if (c->base != NULL)
			event_base_loopbreak(c->base);
		if (c->on_commit != NULL)
			c->on_commit(c->on_commit_arg, 0);
		return -1;
	}
	c->last_commit = ronda_mono_ms();
	kafka_commit(c);
	if (c->on_commit != NULL)
		c->on_commit(c->on_commit_arg, 1);
	return 0;
}

static void
consumer_on_rebalance(rd_kafka_t *rk, rd_kafka_resp_err_t why,
    rd_kafka_topic_partition_list_t *parts, void *opaque)
{
	struct ronda_consumer *c = opaque;
	int coop = strcmp(rd_kafka_rebalance_protocol(rk), "COOPERATIVE") == 0;
	rd_kafka_error_t *error = NULL;
	rd_kafka_resp_err_t rc = RD_KAFKA_RESP_ERR_NO_ERROR;

	if (why == RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS) {
		int64_t *from = NULL;
		c->ever_assigned = 1;
		if (c->on_assign != NULL && parts->cnt > 0) {
			int32_t *pv = calloc((size_t)parts->cnt, sizeof(*pv));
			char err[512] = "out of memory";
			from = calloc((size_t)parts->cnt, sizeof(*from));
			for (int i = 0; pv != NULL && i < parts->cnt; i++)
				pv[i] = parts->elems[i].partition;
			if (pv == NULL || from == NULL || c->on_assign(c->on_assign_arg, pv,
			    (size_t)parts->cnt, from, err, sizeof(err)) == -1) {
				/* Never start a partition without its state: stop, a restart retries. */
				snprintf(c->fatal, sizeof(c->fatal), "assignment: %s", err);
				if (c->base != NULL)
					event_base_loopbreak(c->base);
				free(pv);
				free(from);
				return;
			}
			free(pv);
		}
		for (int i = 0; i < parts->cnt; i++) {
			int64_t off = from != NULL ? from[i] :
			    ronda_engine_assign(c->eng, parts->elems[i].partition);
			parts->elems[i].offset = off >= 0 ? off : RD_KAFKA_OFFSET_BEGINNING;
			log_info("assigned %s[%d] from offset %" PRId64,
			    parts->elems[i].topic, parts->elems[i].partition, off < 0 ? 0 : off);
		}
		free(from);
		if (coop)
			error = rd_kafka_incremental_assign(rk, parts);
		else
			rc = rd_kafka_assign(rk, parts);
		c->nassigned = coop ? c->nassigned + parts->cnt : parts->cnt;
	} else {
		/* Store the revoked partitions' batch before another member takes them. */
		int32_t *v = calloc((size_t)parts->cnt + 1, sizeof(*v));
		(void)commit(c);
		for (int i = 0; i < parts->cnt; i++) {
			if (v != NULL)
				v[i] = parts->elems[i].partition;
			else
				ronda_engine_revoke(c->eng, parts->elems[i].partition);
			log_info("revoked %s[%d]", parts->elems[i].topic,
			    parts->elems[i].partition);
		}
		if (v != NULL)
			ronda_engine_revoke_many(c->eng, v, (size_t)parts->cnt);
		free(v);
		if (coop)
			error = rd_kafka_incremental_unassign(rk, parts);
		else
			rc = rd_kafka_assign(rk, NULL);
		c->nassigned = coop && c->nassigned > parts->cnt ? c->nassigned - parts->cnt : 0;
	}
	if (error != NULL) {
		log_warnx("rebalance: %s", rd_kafka_error_string(error));
		rd_kafka_error_destroy(error);
	} else if (rc != RD_KAFKA_RESP_ERR_NO_ERROR) {
		log_warnx("rebalance: %s", rd_kafka_err2str(rc));
	}
}

static void
consumer_on_error(rd_kafka_t *rk, int err, const char *reason, void *opaque)
{
	struct ronda_consumer *c = opaque;

	(void)rk;
	if (ronda_ratelimit_ok(&c->rl_err, (long)time(NULL), 60))
		log_warnx("kafka: %s: %s", rd_kafka_err2name(err), reason);
}

struct ronda_consumer *
ronda_consumer_new(const struct ronda_correlator_config *cfg, struct ronda_engine *eng,
    struct ronda_dlq *dlq, char *err, size_t errlen)
{
	struct ronda_consumer *c = calloc(1, sizeof(*c));
	rd_kafka_conf_t *conf;
	char msg[512];

	if (c == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	c->cfg = cfg;
	c->eng = eng;
	c->dlq = dlq;
	c->wakefd[0] = c->wakefd[1] = -1;
	if ((conf = ronda_kafka_conf_new(RONDA_KAFKA_CONSUMER, cfg->kafka.brokers,
	    ronda_correlator_group(cfg), &cfg->kafka.properties, err, errlen)) == NULL)
		goto fail;
	/* Messages up to max_message are decoded; larger ones must still be fetched
	 * (and sent to the DLQ), so the fetch limit is far above it. */
	rd_kafka_conf_set(conf, "receive.message.max.bytes", "134217728", msg, sizeof(msg));
	/*
	 * Static membership: a member restarted with the same id within
	 * session.timeout.ms gets its partitions back without a rebalance.
	 */
	if (cfg->kafka.instance_id != NULL && cfg->kafka.instance_id[0] != '\0' &&
	    rd_kafka_conf_set(conf, "group.instance.id", cfg->kafka.instance_id, msg,
	    sizeof(msg)) != RD_KAFKA_CONF_OK) {
		snprintf(err, errlen, "kafka.instance_id: %s", msg);
		rd_kafka_conf_destroy(conf);
		goto fail;
	}
	rd_kafka_conf_set_opaque(conf, c);
	rd_kafka_conf_set_rebalance_cb(conf, consumer_on_rebalance);
	rd_kafka_conf_set_error_cb(conf, consumer_on_error);
	if ((c->rk = rd_kafka_new(RD_KAFKA_CONSUMER, conf, msg, sizeof(msg))) == NULL) {
		snprintf(err, errlen, "kafka consumer: %s", msg);
		rd_kafka_conf_destroy(conf);
		goto fail;
	}
	rd_kafka_poll_set_consumer(c->rk);
	c->q = rd_kafka_queue_get_consumer(c->rk);
	return c;
fail:
	ronda_consumer_free(c);
	return NULL;
}

static void
handle(struct ronda_consumer *c, rd_kafka_message_t *m)
{
	char err[256];
	int reason, r;

	if (m->err != RD_KAFKA_RESP_ERR_NO_ERROR) {
		if (ronda_ratelimit_ok(&c->rl_err, (long)time(NULL), 60))
			log_warnx("consume: %s", rd_kafka_message_errstr(m));
		return;
	}
	r = ronda_engine_process(c->eng, m->partition, m->offset, m->payload, m->len,
	    &reason, err, sizeof(err));
	if (r == RONDA_ENGINE_REJECTED && c->dlq != NULL) {
		if (ronda_dlq_put(c->dlq, rd_kafka_topic_name(m->rkt), m->partition, m->offset,
		    m->key, m->key_len, m->payload, m->len, reason, err,
		    (long)time(NULL)) == 0)
			ronda_engine_count(c->eng, RONDA_CNT_DLQ, 1);
	}
}

/*
 * Take up to poll_max messages from the queue in batches of 500 (one lock
 * round per batch, not per message) and commit when the batch is full.
 * Rebalance callbacks are served by the same call. Returns 1 when the queue
 * may hold more, 0 when it ran dry, -1 when a commit failed (loop stopped).
 */
static int
consume(struct ronda_consumer *c)
{
	rd_kafka_message_t *v[500];
	int64_t n = 0;

	while (n < c->cfg->kafka.poll_max) {
		size_t want = sizeof(v) / sizeof(v[0]);
		ssize_t got;
		int stop = 0;
		if ((int64_t)want > c->cfg->kafka.poll_max - n)
			want = (size_t)(c->cfg->kafka.poll_max - n);
		got = rd_kafka_consume_batch_queue(c->q, 0, v, want);
		if (got <= 0)
			return 0;
		for (ssize_t i = 0; i < got; i++) {
			if (!stop) {
				handle(c, v[i]);
				n++;
				if (ronda_engine_pending(c->eng) >= c->cfg->batch.max_events &&
				    commit(c) == -1)
					stop = 1;
			}
			rd_kafka_message_destroy(v[i]);
		}
		if (stop)
			return -1;
	}
	return 1;
}

/* Idle: look at the DLQ's delivery reports and the batch deadline this often. */
#define IDLE_TICK_MS 100
#define LIVENESS_MS 1000	/* silent collectors are looked for this often when idle */
/*
 * A batch commits at batch.max_events, or batch.interval after the last
 * commit once the queue has run dry; while a backlog keeps the queue full
 * (each round stops at poll_max) it may grow to this many intervals. Each
 * commit rewrites every incident the batch touched and the B-tree pages
 * under them, so a backlog is worked off in fewer, larger transactions
 * (3 s instead of 1 s took 9% off the CPU of a 1M-event backlog), while a
 * correlator that keeps up commits every interval as before. Exactly-once
 * does not depend on the size: each batch's state and offsets still commit
 * in one transaction.
 */
#define BEHIND_INTERVALS 5

/*
 * The loop's one reader. It runs when the queue's event fd says messages
 * (or a rebalance) arrived, and from the timer: at once while a round of
 * poll_max left messages behind (other events get their turn in between),
 * else at the batch deadline or after IDLE_TICK_MS. No fixed-period polling: an idle
 * correlator wakes ten times a second, a busy one never waits for a timer.
 */
static void
consumer_run(struct ronda_consumer *c)
{
	struct timeval tv = { 0, 0 };
	int64_t now, wait = IDLE_TICK_MS;
	int more;

	if (c->closed)
		return;
	if ((more = consume(c)) == -1)
		return;
	if (c->dlq != NULL)
		ronda_dlq_poll(c->dlq);
	now = ronda_mono_ms();
	if (ronda_engine_pending(c->eng) > 0) {
		int64_t due = c->last_commit + c->cfg->batch.interval * (more ? BEHIND_INTERVALS : 1);
		if (now >= due) {
			if (commit(c) == -1)
				return;
		} else if (due - now < wait) {
			wait = due - now;
		}
	} else if (now - c->last_liveness >= LIVENESS_MS) {
		/* Nothing to apply: a collector gone silent still needs its commit. */
		c->last_liveness = now;
		if (ronda_engine_liveness_due(c->eng, ronda_now_ms()) && commit(c) == -1)
			return;
	}
	if (!more) {
		tv.tv_sec = (time_t)(wait / 1000);
		tv.tv_usec = (suseconds_t)(wait % 1000) * 1000;
	}
	evtimer_add(c->tick, &tv);
}

static void
consumer_on_tick(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	consumer_run(arg);
}

static void
consumer_on_wake(evutil_socket_t fd, short what, void *arg)
{
	char buf[64];

	(void)what;
	while (read(fd, buf, sizeof(buf)) > 0)
		;
	consumer_run(arg);
}

int
ronda_consumer_attach(struct ronda_consumer *c, struct event_base *base, char *err,
    size_t errlen)
{
	rd_kafka_topic_partition_list_t *topics;
	rd_kafka_resp_err_t rc;
	struct timeval tv = { 0, 0 };

	c->base = base;
	topics = rd_kafka_topic_partition_list_new(1);
	rd_kafka_topic_partition_list_add(topics, ronda_engine_topic(c->eng),
	    RD_KAFKA_PARTITION_UA);
	rc = rd_kafka_subscribe(c->rk, topics);
	rd_kafka_topic_partition_list_destroy(topics);
	if (rc != RD_KAFKA_RESP_ERR_NO_ERROR) {
		snprintf(err, errlen, "subscribe %s: %s", ronda_engine_topic(c->eng),
		    rd_kafka_err2str(rc));
		return -1;
	}
	c->subscribed = 1;
	if ((c->tick = evtimer_new(base, consumer_on_tick, c)) == NULL) {
		snprintf(err, errlen, "evtimer_new failed");
		return -1;
	}
	/*
	 * librdkafka writes a byte to the pipe when the consumer queue goes from
	 * empty to non-empty: the loop sleeps until then instead of polling.
	 */
	if (pipe2(c->wakefd, O_NONBLOCK | O_CLOEXEC) == -1) {
		snprintf(err, errlen, "pipe: %s", strerror(errno));
		return -1;
	}
	if ((c->wake = event_new(base, c->wakefd[0], EV_READ | EV_PERSIST, consumer_on_wake,
	    c)) == NULL || event_add(c->wake, NULL) == -1) {
		snprintf(err, errlen, "event_new failed");
		return -1;
	}
	rd_kafka_queue_io_event_enable(c->q, c->wakefd[1], "1", 1);
	c->last_commit = ronda_mono_ms();
	evtimer_add(c->tick, &tv);
	return 0;
}

int
ronda_consumer_close(struct ronda_consumer *c, char *err, size_t errlen)
{
	int rc = 0;

	if (c == NULL || c->closed)
		return 0;
	c->closed = 1;
	if (c->tick != NULL)
		evtimer_del(c->tick);
	if (c->wake != NULL)
		event_del(c->wake);
	if (c->fatal[0] == '\0' && commit(c) == -1) {
		snprintf(err, errlen, "%s", c->fatal);
		rc = -1;
	}
	/* Leaving the group runs the revoke callback, which commits again (cheap). */
	rd_kafka_consumer_close(c->rk);
	return rc;
}

/*
 * librdkafka before 2.3.0 (Debian 12 ships 2.0.2) aborts in rd_kafka_destroy()
 * (rd_kafka_sticky_assignor_state_destroy: assertion `assignor_state',
 * librdkafka#4381, fixed in 2.3.0) when a member of a cooperative-sticky (or
 * sticky) group had its JoinGroup answered but never received an
 * assignment: the brokers went away before the SyncGroup answer, or the
 * group's leader died and the SyncGroup waits for it. The process died with
 * SIGABRT (exit 134) after the store's last commit, and systemd counted a
 * failure. Such a handle is closed (it left the group) but not destroyed:
 * the process is exiting and its threads end with it. The first assignment
 * (even an empty one) runs the rebalance callback after the assignor's state
 * exists, so a member that saw it is destroyed as usual.
 */
static rd_kafka_t *kafka_abandoned;	/* reachable: not a leak to LeakSanitizer */

static int
destroy_would_abort(const struct ronda_consumer *c)
{
	return c->subscribed && !c->ever_assigned && rd_kafka_version() < 0x020300ff;
}

void
ronda_consumer_free(struct ronda_consumer *c)
{
	if (c == NULL)
		return;
	if (c->tick != NULL)
		event_free(c->tick);
	if (c->wake != NULL)
		event_free(c->wake);
	if (c->q != NULL) {
		if (c->wakefd[1] != -1)
			rd_kafka_queue_io_event_enable(c->q, -1, NULL, 0);
		rd_kafka_queue_destroy(c->q);
	}
	if (c->rk != NULL && destroy_would_abort(c)) {
		if (!c->closed)
			rd_kafka_consumer_close(c->rk);	/* what rd_kafka_destroy would do */
		log_info("kafka: no partition was ever assigned: the consumer is closed "
		    "but not destroyed (librdkafka %s would abort, librdkafka#4381)",
		    rd_kafka_version_str());
		kafka_abandoned = c->rk;
	} else if (c->rk != NULL) {
		rd_kafka_destroy(c->rk);
	}
	for (int i = 0; i < 2; i++)
		if (c->wakefd[i] != -1)
			close(c->wakefd[i]);
	free(c);
}

const char *
ronda_consumer_fatal(const struct ronda_consumer *c)
{
	return c->fatal[0] != '\0' ? c->fatal : NULL;
}

void
ronda_consumer_on_commit(struct ronda_consumer *c, void (*fn)(void *arg, int ok),
    void *arg)
{
	c->on_commit = fn;
	c->on_commit_arg = arg;
}

int
ronda_consumer_positions(struct ronda_consumer *c, struct rd_kafka_topic_partition_list_s **out,
    struct rd_kafka_consumer_group_metadata_s **md)
{
	rd_kafka_topic_partition_list_t *parts;
	int n;

	*out = NULL;
	*md = NULL;
	if ((c->closed && c->nassigned == 0) ||
	    (parts = assigned_offsets(c, ronda_engine_next, &n)) == NULL)
		return -1;
	if ((*md = rd_kafka_consumer_group_metadata(c->rk)) == NULL) {
		rd_kafka_topic_partition_list_destroy(parts);
		return -1;
	}
	*out = parts;
	return 0;
}

void
ronda_consumer_on_assign(struct ronda_consumer *c, int (*fn)(void *arg, const int32_t *parts,
    size_t n, int64_t *from, char *err, size_t errlen), void *arg)
{
	c->on_assign = fn;
	c->on_assign_arg = arg;
}

int64_t
ronda_consumer_assigned(const struct ronda_consumer *c)
{
	return c->nassigned;
}

void
ronda_consumer_lag(struct ronda_consumer *c, int64_t *partitions, int64_t *lag)
{
	rd_kafka_topic_partition_list_t *parts = NULL;
	int known = 0;

	*partitions = 0;
	*lag = -1;
	if (c->closed || rd_kafka_assignment(c->rk, &parts) != RD_KAFKA_RESP_ERR_NO_ERROR ||
	    parts == NULL) {
		if (parts != NULL)
			rd_kafka_topic_partition_list_destroy(parts);
		return;
	}
	*partitions = parts->cnt;
	(void)rd_kafka_position(c->rk, parts);
	for (int i = 0; i < parts->cnt; i++) {
		int64_t lo, hi, pos = parts->elems[i].offset;
		if (rd_kafka_get_watermark_offsets(c->rk, parts->elems[i].topic,
		    parts->elems[i].partition, &lo, &hi) != RD_KAFKA_RESP_ERR_NO_ERROR ||
		    hi < 0)
			continue;
		if (pos < 0 && lo == hi)
			pos = hi;	/* nothing consumed from an empty partition */
		if (pos < 0)
			continue;
		if (!known)
			*lag = 0;
		known = 1;
		*lag += hi > pos ? hi - pos : 0;
	}
	rd_kafka_topic_partition_list_destroy(parts);
}
