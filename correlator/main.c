/*
 * ronda-correlator — consumes the collectors' events from Kafka, drops
 * duplicates, runs the per-site detectors on event-time windows and keeps
 * incidents in SQLite, committing each batch with its offsets (exactly once
 * across crashes). See docs/correlator.md.
 *
 *   ronda-correlator -c /etc/ronda/correlator.yaml
 *   ronda-correlator -c FILE --check-config
 */
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>

#include "cconfig.h"
#include "consumer.h"
#include "dlq.h"
#include "engine.h"
#include "ronda/log.h"

static void
usage(void)
{
	fprintf(stderr, "usage: ronda-correlator -c FILE [--check-config] [-d] [-V]\n");
	exit(2);
}

static void
main_on_signal(evutil_socket_t sig, short what, void *arg)
{
	struct event_base *base = arg;

	(void)what;
	if (sig == SIGHUP) {
		log_info("SIGHUP: configuration changes take effect at restart");
		return;
	}
	log_info("signal %d: stopping", (int)sig);
	event_base_loopbreak(base);
}

int
main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "check-config", no_argument, NULL, 'n' },
		{ "debug", no_argument, NULL, 'd' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 }
	};
	struct ronda_correlator_config cfg;
	struct ronda_cfg_errors errs = { 0 };
	struct ronda_engine *eng = NULL;
	struct ronda_dlq *dlq = NULL;
	struct ronda_consumer *cons = NULL;
	struct event_base *base = NULL;
	struct event *sigs[3] = { NULL, NULL, NULL };
	const int signums[3] = { SIGTERM, SIGINT, SIGHUP };
	const char *path = NULL;
	char err[512];
	int check = 0, debug = 0, ch, rc = 1;

	while ((ch = getopt_long(argc, argv, "c:dV", opts, NULL)) != -1) {
		switch (ch) {
		case 'c': path = optarg; break;
		case 'n': check = 1; break;
		case 'd': debug = 1; break;
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
	signal(SIGPIPE, SIG_IGN);
	if ((eng = ronda_engine_new(&cfg, err, sizeof(err))) == NULL) {
		log_warnx("store: %s", err);
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
	if ((base = event_base_new()) == NULL) {
		log_warnx("event_base_new failed");
		goto out;
	}
	for (int i = 0; i < 3; i++) {
		sigs[i] = evsignal_new(base, signums[i], main_on_signal, base);
		if (sigs[i] == NULL || evsignal_add(sigs[i], NULL) == -1) {
			log_warnx("signal setup failed");
			goto out;
		}
	}
	if (ronda_consumer_attach(cons, base, err, sizeof(err)) == -1) {
		log_warnx("%s", err);
		goto out;
	}
	log_info("consuming %s from %s as %s into %s", cfg.kafka.topic, cfg.kafka.brokers,
	    cfg.kafka.group, cfg.store);
	event_base_dispatch(base);
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
	ronda_consumer_free(cons);
	ronda_dlq_free(dlq);
	ronda_engine_free(eng);
	for (int i = 0; i < 3; i++)
		if (sigs[i] != NULL)
			event_free(sigs[i]);
	if (base != NULL)
		event_base_free(base);
	ronda_correlator_config_free(&cfg);
	return rc;
}
