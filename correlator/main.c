/*
 * ronda-correlator — consumes the collectors' events from Kafka, drops
 * duplicates, runs the per-site detectors on event-time windows and keeps
 * incidents in SQLite, committing each batch with its offsets (exactly once
 * across crashes). See docs/correlator.md.
 *
 *   ronda-correlator -c /etc/ronda/correlator.yaml
 *   ronda-correlator -c FILE --check-config
 *   ronda-correlator -c FILE --input FILE [--partitions N]
 *
 * --input feeds the engine from a file of "key<TAB>json" (or bare JSON)
 * lines instead of Kafka, for offline replays and for measuring the engine
 * without a broker: line i of the keys hashing to partition p gets the next
 * offset of p, so a second run over the same file is recognised as
 * already applied. It prints the throughput on stderr.
 */
#include <getopt.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>

#include "alert.h"
#include "alertd.h"
#include "api.h"
#include "cconfig.h"
#include "consumer.h"
#include "dlq.h"
#include "engine.h"
#include "stage1.h"
#include "storelock.h"
#include "ronda/log.h"
#include "ronda/privilege.h"
#include "ronda/timeutil.h"

static void
usage(void)
{
	fprintf(stderr, "usage: ronda-correlator -c FILE [--check-config] [-d] [-V]\n"
	    "       ronda-correlator -c FILE --input FILE [--partitions N]\n");
	exit(2);
}

static volatile sig_atomic_t input_stop;

static void
input_on_signal(int sig)
{
	(void)sig;
	input_stop = 1;
}

/*
 * The engine fed from a file: same decode, dedupe, detectors and commits as
 * from Kafka, with a file position standing in for the broker. Bad lines are
 * counted (no DLQ without a broker). Returns the exit status.
 */
static int
run_input(const struct ronda_correlator_config *cfg, struct ronda_engine *eng,
    const char *path, int nparts)
{
	FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "r");
	int64_t *next = calloc((size_t)nparts, sizeof(*next));
	int64_t *from = calloc((size_t)nparts, sizeof(*from));
	char *line = NULL, err[256];
	size_t cap = 0;
	ssize_t n;
	int64_t t0 = ronda_mono_ms(), lines = 0, bytes = 0, t1;
	int rc = 1;

	if (f == NULL || next == NULL || from == NULL) {
		log_warn("%s", path);
		goto out;
	}
	signal(SIGTERM, input_on_signal);
	signal(SIGINT, input_on_signal);
	for (int32_t p = 0; p < nparts; p++) {
		/* As from Kafka: lines before the replay offset are not read again. */
		from[p] = ronda_engine_assign(eng, p);
	}
	while (!input_stop && (n = getline(&line, &cap, f)) > 0) {
		const char *payload = line, *tab;
		size_t len = (size_t)n;
		int32_t part = 0;
		int reason;

		if (len > 0 && line[len - 1] == '\n')
			len--;
		if ((tab = memchr(line, '\t', len)) != NULL && line[0] != '{') {
			part = (int32_t)(ronda_hash64(line, (size_t)(tab - line), 0) %
			    (uint64_t)nparts);
			payload = tab + 1;
			len -= (size_t)(payload - line);
		}
		lines++;
		bytes += n;
		if (next[part] < from[part]) {
			next[part]++;
			continue;
		}
		(void)ronda_engine_process(eng, part, next[part]++, payload, len, &reason,
		    err, sizeof(err));
		if (ronda_engine_pending(eng) >= cfg->batch.max_events &&
		    ronda_engine_commit(eng, err, sizeof(err)) == -1) {
			log_warnx("store %s: commit failed: %s", cfg->store, err);
			goto out;
		}
	}
	if (ronda_engine_commit(eng, err, sizeof(err)) == -1) {
		log_warnx("store %s: commit failed: %s", cfg->store, err);
		goto out;
	}
	t1 = ronda_mono_ms();
	fprintf(stderr, "input: %" PRId64 " lines (%" PRId64 " bytes) in %.3f s: %.0f lines/s;"
	    " events %" PRId64 ", duplicates %" PRId64 "\n", lines, bytes,
	    (double)(t1 - t0) / 1000.0,
	    t1 > t0 ? (double)lines * 1000.0 / (double)(t1 - t0) : 0.0,
	    ronda_engine_counter(eng, RONDA_CNT_EVENTS),
	    ronda_engine_counter(eng, RONDA_CNT_DUPLICATES));
	rc = 0;
out:
	free(line);
	free(next);
	free(from);
	if (f != NULL && f != stdin)
		fclose(f);
	return rc;
}

/* Stage detect: newly assigned partitions' state from the incident stream. */
static int
stage1_assign(void *arg, const int32_t *parts, size_t n, int64_t *from, char *err,
    size_t errlen)
{
	return ronda_stage1_assign(arg, parts, n, from, err, errlen);
}

/*
 * The alert dispatcher on the loop, with the engine's store connection: the
 * outbox to every configured sink. Started before the consumer, so a sink
 * seen for the first time is marked before any alert can be raised.
 */
static struct ronda_alertd *
alerts_start(const struct ronda_correlator_config *cfg, struct ronda_engine *eng,
    struct event_base *base)
{
	struct ronda_alertd *d;
	char err[512] = "out of memory";

	if ((d = ronda_alertd_new(ronda_engine_db(eng), cfg->alerts.webhook.max_backoff,
	    err, sizeof(err))) == NULL ||
	    ronda_alertd_add_configured(d, cfg, base, err, sizeof(err)) == -1 ||
	    ronda_alertd_attach(d, base) == -1) {
		log_warnx("alerts: %s", err);
		ronda_alertd_free(d, 0);
		return NULL;
	}
	return d;
}

/* What a SIGHUP reloads, and every configuration loaded (freed at exit). */
struct running {
	const char *path;
	struct event_base *base;
	struct ronda_engine *eng;
	struct ronda_alertd *alertd;
	struct ronda_api *api;
	struct ronda_correlator_config **cfgs;	/* [0] the first, [n-1] the current */
	size_t ncfgs;
};

/* Keys a reload does not apply, named in the log when they changed. */
static void
restart_only(const struct ronda_correlator_config *a, const struct ronda_correlator_config *b)
{
	const struct { const char *name; const char *x, *y; } s[] = {
		{ "kafka.brokers", a->kafka.brokers, b->kafka.brokers },
		{ "kafka.topic", a->kafka.topic, b->kafka.topic },
		{ "kafka.group", a->kafka.group, b->kafka.group },
		{ "kafka.incidents_topic", a->kafka.incidents_topic, b->kafka.incidents_topic },
		{ "kafka.campaigns_group", a->kafka.campaigns_group, b->kafka.campaigns_group },
		{ "kafka.instance_id", a->kafka.instance_id, b->kafka.instance_id },
		{ "store", a->store, b->store },
		{ "api.listen", a->api.listen, b->api.listen },
	};

	for (size_t i = 0; i < sizeof(s) / sizeof(s[0]); i++)
		if ((s[i].x == NULL) != (s[i].y == NULL) ||
		    (s[i].x != NULL && strcmp(s[i].x, s[i].y) != 0))
			log_warnx("reload: %s changed: takes effect at restart", s[i].name);
	if (a->stage != b->stage || a->standby != b->standby)
		log_warnx("reload: stage/standby changed: take effect at restart");
	if (memcmp(&a->detectors, &b->detectors, sizeof(a->detectors)) != 0 ||
	    memcmp(&a->windows, &b->windows, sizeof(a->windows)) != 0)
		log_warnx("reload: detectors/windows changed: take effect at restart");
}

/*
 * SIGHUP: sites, the campaign allowlist, the alert sinks and the API tokens
 * from the file again, all or nothing: a file with any error is refused
 * and the running configuration kept, like the collector.
 */
static void
reload(struct running *r)
{
	struct ronda_correlator_config *n = calloc(1, sizeof(*n)), **v;
	struct ronda_correlator_config *cur = r->cfgs[r->ncfgs - 1];
	struct ronda_cfg_errors errs = { 0 };
	struct ronda_alertd *ad;
	char err[512];

	if (n == NULL || (v = realloc(r->cfgs, (r->ncfgs + 1) * sizeof(*v))) == NULL) {
		free(n);
		log_warnx("reload: out of memory; keeping the running configuration");
		return;
	}
	r->cfgs = v;
	if (ronda_correlator_config_load(r->path, n, &errs) == -1) {
		for (size_t i = 0; i < errs.n; i++)
			log_warnx("%s", errs.v[i]);
		log_warnx("reload: %s has errors; keeping the running configuration", r->path);
		goto drop;
	}
	if (ronda_engine_reload(r->eng, n, err, sizeof(err)) == -1) {
		log_warnx("reload: %s; keeping the running configuration", err);
		goto drop;
	}
	/* The sinks: the old dispatcher stops (its outbox rows stay), a new one starts. */
	if (cur->stage == RONDA_STAGE_DETECT)
		goto sinks_done;	/* alerts are the campaign stage's (the running stage) */
	ronda_alertd_free(r->alertd, 2000);
	if ((ad = alerts_start(n, r->eng, r->base)) == NULL) {
		log_warnx("reload: the new alert sinks did not start; back to the running ones");
		r->alertd = alerts_start(cur, r->eng, r->base);
	} else {
		r->alertd = ad;
	}
sinks_done:
	ronda_api_reload(r->api, n);
	restart_only(cur, n);
	ronda_cfg_errors_free(&errs);
	r->cfgs[r->ncfgs++] = n;
	log_info("configuration reloaded from %s: %zu sites, %zu allowlist entries, "
	    "%zu API tokens", r->path, n->sites.n, n->campaigns.allowlist.n, n->api.tokens.n);
	return;
drop:
	ronda_cfg_errors_free(&errs);
	ronda_correlator_config_free(n);
	free(n);
}

static void
main_on_signal(evutil_socket_t sig, short what, void *arg)
{
	struct running *r = arg;

	(void)what;
	if (sig == SIGHUP) {
		reload(r);
		return;
	}
	log_info("signal %d: stopping", (int)sig);
	event_base_loopbreak(r->base);
}

int
main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "check-config", no_argument, NULL, 'n' },
		{ "debug", no_argument, NULL, 'd' },
		{ "version", no_argument, NULL, 'V' },
		{ "input", required_argument, NULL, 'i' },
		{ "partitions", required_argument, NULL, 'p' },
		{ NULL, 0, NULL, 0 }
	};
	struct ronda_correlator_config cfg;
	struct running run = { 0 };
	struct ronda_cfg_errors errs = { 0 };
	struct ronda_engine *eng = NULL;
	struct ronda_storelock *lock = NULL;
	struct ronda_dlq *dlq = NULL;
	struct ronda_consumer *cons = NULL;
	struct ronda_stage1 *s1 = NULL;
	struct ronda_alertd *alertd = NULL;
	struct ronda_api *api = NULL;
	struct event_base *base = NULL;
	struct event *sigs[3] = { NULL, NULL, NULL };
	const int signums[3] = { SIGTERM, SIGINT, SIGHUP };
	const char *path = NULL, *input = NULL;
	int nparts = 1;
	char err[512];
	int check = 0, debug = 0, ch, rc = 1;

	/*
	 * A TERM while the store and Kafka are being set up (before libevent
	 * takes the signals) is a request to stop, not a crash: noted here and
	 * honoured before the loop starts, so the exit status stays 0.
	 */
	signal(SIGTERM, input_on_signal);
	signal(SIGINT, input_on_signal);
	while ((ch = getopt_long(argc, argv, "c:dV", opts, NULL)) != -1) {
		switch (ch) {
		case 'c': path = optarg; break;
		case 'n': check = 1; break;
		case 'd': debug = 1; break;
		case 'i': input = optarg; break;
		case 'p':
			nparts = atoi(optarg);
			if (nparts < 1 || nparts > 4096)
				usage();
			break;
		case 'V': printf("ronda-correlator %s\n", RONDA_VERSION); return 0;
		default: usage();
		}
	}
	if (path == NULL || optind != argc)
		usage();
	ronda_log_init("ronda-correlator", debug ? RONDA_LOG_DEBUG : RONDA_LOG_INFO);
	memset(&cfg, 0, sizeof(cfg));
	if (ronda_correlator_config_load(path, &cfg, &errs) == -1) {
		for (size_t i = 0; i < errs.n; i++)
			fprintf(stderr, "%s\n", errs.v[i]);
		ronda_cfg_errors_free(&errs);
		ronda_correlator_config_free(&cfg);
		return 2;
	}
	ronda_cfg_errors_free(&errs);
	if (check) {
		printf("configuration OK\n");
		ronda_correlator_config_free(&cfg);
		return 0;
	}
	ronda_privilege_refuse_root();	/* before the store is created as root */
	signal(SIGPIPE, SIG_IGN);
	/*
	 * One writer per store (--input runs too), held until exit. A standby
	 * waits here for the active one to stop; a TERM ends its wait (exit 0).
	 */
	if ((lock = ronda_storelock_take(cfg.store, cfg.standby ? RONDA_STORELOCK_FOREVER :
	    RONDA_STORELOCK_NOWAIT, &input_stop, err, sizeof(err))) == NULL) {
		if (cfg.standby && input_stop) {
			log_info("signal while waiting for the store: stopping");
			rc = 0;
		} else {
			log_warnx("%s", err);
		}
		goto out;
	}
	if ((eng = ronda_engine_new(&cfg, err, sizeof(err))) == NULL) {
		log_warnx("store: %s", err);
		goto out;
	}
	if (input != NULL) {
		if (cfg.stage == RONDA_STAGE_DETECT) {
			/* Its output is the incident stream, which a file run has not. */
			log_warnx("--input: %s has stage: detect; a file is read by stage all "
			    "(or campaigns, from a copy of the incident stream)", path);
			goto out;
		}
		rc = run_input(&cfg, eng, input, nparts);
		goto out;
	}
	if ((dlq = ronda_dlq_new(cfg.kafka.brokers, cfg.kafka.dlq_topic,
	    &cfg.kafka.properties, 900 * 1024, err, sizeof(err))) == NULL) {
		log_warnx("%s", err);
		goto out;
	}
	if ((cons = ronda_consumer_new(&cfg, eng, dlq, err, sizeof(err))) == NULL) {
		log_warnx("%s", err);
		goto out;
	}
	/* Stage detect: incidents go to the stream; an assignment's state comes from it. */
	if (cfg.stage == RONDA_STAGE_DETECT) {
		if ((s1 = ronda_stage1_new(&cfg, eng, err, sizeof(err))) == NULL) {
			log_warnx("%s", err);
			goto out;
		}
		ronda_consumer_on_assign(cons, stage1_assign, s1);
		ronda_stage1_set_consumer(s1, cons);
	}
	if ((base = event_base_new()) == NULL) {
		log_warnx("event_base_new failed");
		goto out;
	}
	for (int i = 0; i < 3; i++) {
		sigs[i] = evsignal_new(base, signums[i], main_on_signal, &run);
		if (sigs[i] == NULL || evsignal_add(sigs[i], NULL) == -1) {
			log_warnx("signal setup failed");
			goto out;
		}
	}
	/* Alerts are the campaign stage's (stage all or campaigns). */
	if (cfg.stage != RONDA_STAGE_DETECT && (alertd = alerts_start(&cfg, eng, base)) == NULL)
		goto out;
	run.path = path;
	run.base = base;
	run.eng = eng;
	if ((run.cfgs = malloc(sizeof(*run.cfgs))) == NULL)
		goto out;
	run.cfgs[run.ncfgs++] = &cfg;
	if (input_stop) {
		log_info("signal before the loop started: stopping");
		rc = 0;
		goto out;
	}
	if (ronda_consumer_attach(cons, base, err, sizeof(err)) == -1) {
		log_warnx("%s", err);
		goto out;
	}
	if (cfg.api.listen[0] != '\0' &&
	    (api = ronda_api_start(&cfg, base, eng, cons, err, sizeof(err))) == NULL) {
		log_warnx("api: %s", err);
		goto out;
	}
	log_info("consuming %s from %s as %s into %s (stage %s)", ronda_engine_topic(eng),
	    cfg.kafka.brokers, ronda_correlator_group(&cfg), cfg.store,
	    ronda_stage_name(cfg.stage));
	run.alertd = alertd;
	run.api = api;
	event_base_dispatch(base);
	alertd = run.alertd;
	if (ronda_consumer_fatal(cons) != NULL) {
		log_warnx("%s", ronda_consumer_fatal(cons));
		goto out;
	}
	if (ronda_consumer_close(cons, err, sizeof(err)) == -1) {
		log_warnx("%s", err);
		goto out;
	}
	ronda_dlq_flush(dlq, 5000);
	log_info("stopped: %lld events, %lld duplicates, %lld rejected",
	    (long long)ronda_engine_counter(eng, RONDA_CNT_EVENTS),
	    (long long)ronda_engine_counter(eng, RONDA_CNT_DUPLICATES),
	    (long long)(ronda_engine_counter(eng, RONDA_CNT_NOT_JSON) +
	    ronda_engine_counter(eng, RONDA_CNT_SCHEMA) +
	    ronda_engine_counter(eng, RONDA_CNT_TOO_LARGE)));
	rc = 0;
out:
	ronda_api_free(api);
	ronda_consumer_free(cons);
	ronda_stage1_free(s1);
	ronda_dlq_free(dlq);
	ronda_alertd_free(alertd, 2000);
	ronda_engine_free(eng);
	ronda_storelock_release(lock);	/* after the store's last write */
	ronda_alert_cleanup();
	for (int i = 0; i < 3; i++)
		if (sigs[i] != NULL)
			event_free(sigs[i]);
	if (base != NULL)
		event_base_free(base);
	ronda_correlator_config_free(&cfg);
	for (size_t i = 1; i < run.ncfgs; i++) {
		ronda_correlator_config_free(run.cfgs[i]);
		free(run.cfgs[i]);
	}
	free(run.cfgs);
	return rc;
}
