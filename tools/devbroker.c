/*
 * ronda-devbroker — a Kafka cluster for one machine: the demo, the tests, a
 * laptop. It is librdkafka's built-in mock cluster (rdkafka_mock.h): the real
 * Kafka protocol on loopback TCP, held in memory, nothing persisted.
 *
 *   ronda-devbroker --topics ronda.events,ronda.alerts --partitions 3 \
 *       --bootstrap-file /tmp/broker.addr
 *   127.0.0.1:40233
 *
 * The first line of stdout is the bootstrap address (flushed at once, so a
 * script can read it through a pipe). Signals: TERM/INT stop; USR1 takes
 * every broker down (connections are cut and refused), USR2 brings them back,
 * so tests can simulate a Kafka outage without killing the cluster's data.
 *
 * Signals are taken synchronously with signalfd: they are blocked before
 * librdkafka starts its threads (which inherit the mask), so no thread ever
 * runs a handler and the main thread does all the work in plain code.
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>

#define MAX_TOPICS 64
#define MAX_BROKERS 16
#define MAX_PARTITIONS 1024
#define KAFKA_TOPIC_MAX 249	/* Kafka's own limit on a topic name */

static const char usage_text[] =
"usage: ronda-devbroker [--topics T1,T2,...] [--partitions N] [--brokers N]\n"
"                       [--bootstrap-file FILE] [--quiet]\n"
"\n"
"Start librdkafka's built-in mock Kafka cluster on 127.0.0.1 for the demo and\n"
"the tests, and print its bootstrap address as the first line of stdout.\n"
"\n"
"  --topics LIST          topics to create (comma-separated; repeatable).\n"
"                         Default: ronda.events,ronda.alerts\n"
"  --partitions N         partitions per topic (default 3, 1..1024)\n"
"  --brokers N            brokers in the cluster (default 1, 1..16)\n"
"  --bootstrap-file FILE  also write the address to FILE (atomically, via a\n"
"                         temporary file and rename); removed on exit\n"
"  --quiet                do not report signals on stderr\n"
"  --help                 this text\n"
"\n"
"IT KEEPS NOTHING. Every message lives in memory only and is gone when the\n"
"process exits. librdkafka 2.0's mock also keeps only about the last 5 MB (or\n"
"100k message sets) of each partition and silently drops older ones: a\n"
"consumer that falls further behind sees a gap. Never use it in production;\n"
"point kafka.brokers at a real Kafka cluster there.\n"
"\n"
"Signals: TERM or INT stop it; USR1 takes every broker down (connections\n"
"are cut and new ones refused, like an outage); USR2 brings them back up.\n";

struct opts {
	const char *topics[MAX_TOPICS];
	int ntopics;
	int partitions;
	int brokers;
	const char *bootstrap_file;
	int quiet;
	char *topic_stores[MAX_TOPICS];	/* strdup'd --topics arguments, split in place */
	int nstores;
};

static int
parse_int(const char *s, int lo, int hi, int *out)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0' || v < lo || v > hi)
		return -1;
	*out = (int)v;
	return 0;
}

/* Kafka accepts [A-Za-z0-9._-], 1..249 characters, and neither "." nor "..". */
static int
topic_name_ok(const char *t)
{
	size_t n = strlen(t);

	if (n == 0 || n > KAFKA_TOPIC_MAX || strcmp(t, ".") == 0 || strcmp(t, "..") == 0)
		return 0;
	for (size_t i = 0; i < n; i++) {
		char c = t[i];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-'))
			return 0;
	}
	return 1;
}

static int
add_topics(struct opts *o, const char *arg)
{
	char *copy, *tok, *save = NULL;

	if (o->nstores >= MAX_TOPICS || (copy = strdup(arg)) == NULL) {
		fprintf(stderr, "ronda-devbroker: --topics: too many\n");
		return -1;
	}
	o->topic_stores[o->nstores++] = copy;
	for (tok = strtok_r(copy, ",", &save); tok != NULL; tok = strtok_r(NULL, ",", &save)) {
		int dup = 0;
		if (!topic_name_ok(tok)) {
			fprintf(stderr, "ronda-devbroker: --topics: bad topic name '%s'\n", tok);
			return -1;
		}
		for (int i = 0; i < o->ntopics; i++)
			if (strcmp(o->topics[i], tok) == 0)
				dup = 1;
		if (dup)
			continue;
		if (o->ntopics >= MAX_TOPICS) {
			fprintf(stderr, "ronda-devbroker: --topics: at most %d topics\n",
			    MAX_TOPICS);
			return -1;
		}
		o->topics[o->ntopics++] = tok;
	}
	return 0;
}

/* Write the address to path through path.tmp + rename, so a reader never sees half of it. */
static int
write_bootstrap_file(const char *path, const char *addr)
{
	char tmp[PATH_MAX];
	FILE *f;

	if ((size_t)snprintf(tmp, sizeof(tmp), "%s.tmp.%ld", path, (long)getpid()) >=
	    sizeof(tmp)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	if ((f = fopen(tmp, "w")) == NULL)
		return -1;
	if (fprintf(f, "%s\n", addr) < 0 || fflush(f) != 0 || fsync(fileno(f)) != 0) {
		int e = errno;
		fclose(f);
		unlink(tmp);
		errno = e;
		return -1;
	}
	if (fclose(f) != 0 || rename(tmp, path) != 0) {
		int e = errno;
		unlink(tmp);
		errno = e;
		return -1;
	}
	return 0;
}

/* librdkafka's own log lines from the host handle: only errors are worth showing. */
static void
devbroker_on_log(const rd_kafka_t *rk, int level, const char *fac, const char *buf)
{
	(void)rk;
	if (level <= 3)
		fprintf(stderr, "ronda-devbroker: rdkafka %s: %s\n", fac, buf);
}

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "topics", required_argument, NULL, 't' },
		{ "partitions", required_argument, NULL, 'p' },
		{ "brokers", required_argument, NULL, 'b' },
		{ "bootstrap-file", required_argument, NULL, 'f' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct opts o;
	rd_kafka_conf_t *conf = NULL;
	rd_kafka_t *rk = NULL;
	rd_kafka_mock_cluster_t *mc = NULL;
	const char *addr;
	char errstr[512];
	sigset_t mask;
	int sfd = -1, ch, rc = 1, file_written = 0;

	memset(&o, 0, sizeof(o));
	o.partitions = 3;
	o.brokers = 1;
	while ((ch = getopt_long(argc, argv, "t:p:b:f:qh", longopts, NULL)) != -1) {
		switch (ch) {
		case 't':
			if (add_topics(&o, optarg) == -1)
				goto done;
			break;
		case 'p':
			if (parse_int(optarg, 1, MAX_PARTITIONS, &o.partitions) == -1) {
				fprintf(stderr, "ronda-devbroker: --partitions: want 1..%d\n",
				    MAX_PARTITIONS);
				rc = 2;
				goto done;
			}
			break;
		case 'b':
			if (parse_int(optarg, 1, MAX_BROKERS, &o.brokers) == -1) {
				fprintf(stderr, "ronda-devbroker: --brokers: want 1..%d\n",
				    MAX_BROKERS);
				rc = 2;
				goto done;
			}
			break;
		case 'f':
			o.bootstrap_file = optarg;
			break;
		case 'q':
			o.quiet = 1;
			break;
		case 'h':
			fputs(usage_text, stdout);
			rc = 0;
			goto done;
		default:
			fputs(usage_text, stderr);
			rc = 2;
			goto done;
		}
	}
	if (optind != argc) {
		fputs(usage_text, stderr);
		rc = 2;
		goto done;
	}
	if (o.ntopics == 0 && add_topics(&o, "ronda.events,ronda.alerts") == -1)
		goto done;

	/*
	 * Block the signals before librdkafka creates any thread: the threads
	 * inherit the mask, so every one of these signals stays pending for
	 * the signalfd below instead of being delivered to a random thread.
	 */
	sigemptyset(&mask);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGHUP);
	sigaddset(&mask, SIGUSR1);
	sigaddset(&mask, SIGUSR2);
	if (sigprocmask(SIG_BLOCK, &mask, NULL) == -1 ||
	    (sfd = signalfd(-1, &mask, SFD_CLOEXEC)) == -1) {
		fprintf(stderr, "ronda-devbroker: signalfd: %s\n", strerror(errno));
		goto done;
	}
	signal(SIGPIPE, SIG_IGN);

	/*
	 * The mock cluster needs a host rd_kafka_t for its bookkeeping; a
	 * producer with no bootstrap.servers never connects anywhere itself.
	 */
	conf = rd_kafka_conf_new();
	rd_kafka_conf_set_log_cb(conf, devbroker_on_log);
	if (rd_kafka_conf_set(conf, "client.id", "ronda-devbroker", errstr,
	    sizeof(errstr)) != RD_KAFKA_CONF_OK) {
		fprintf(stderr, "ronda-devbroker: %s\n", errstr);
		goto done;
	}
	if ((rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, errstr, sizeof(errstr))) == NULL) {
		fprintf(stderr, "ronda-devbroker: rd_kafka_new: %s\n", errstr);
		goto done;
	}
	conf = NULL;	/* rd_kafka_new took it */
	if ((mc = rd_kafka_mock_cluster_new(rk, o.brokers)) == NULL) {
		fprintf(stderr, "ronda-devbroker: cannot start the mock cluster\n");
		goto done;
	}
	/*
	 * The mock answers Metadata only up to v2 unless told otherwise, and
	 * before v4 a request cannot say AllowAutoTopicCreation=false, so every
	 * metadata lookup of an unknown topic created it. Its handler reads the
	 * v4 flag, so offer v4: a client with allow.auto.create.topics=false
	 * (all of Ronda's) then gets UNKNOWN_TOPIC_OR_PART for a mistyped
	 * topic. Clients that leave the flag at its default (a producer's is
	 * true, e.g. plain kcat) still auto-create, as on a real broker with
	 * auto.create.topics.enable=true: the mock has no broker-side switch.
	 */
	rd_kafka_mock_set_apiversion(mc, 3 /* Metadata */, 0, 4);
	for (int i = 0; i < o.ntopics; i++) {
		int rf = o.brokers < 3 ? o.brokers : 3;
		rd_kafka_resp_err_t err = rd_kafka_mock_topic_create(mc, o.topics[i],
		    o.partitions, rf);
		if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
			fprintf(stderr, "ronda-devbroker: topic %s: %s\n", o.topics[i],
			    rd_kafka_err2str(err));
			goto done;
		}
	}

	addr = rd_kafka_mock_cluster_bootstraps(mc);
	if (o.bootstrap_file != NULL) {
		if (write_bootstrap_file(o.bootstrap_file, addr) == -1) {
			fprintf(stderr, "ronda-devbroker: %s: %s\n", o.bootstrap_file,
			    strerror(errno));
			goto done;
		}
		file_written = 1;
	}
	printf("%s\n", addr);
	fflush(stdout);
	if (!o.quiet)
		fprintf(stderr, "ronda-devbroker: %d broker(s) at %s, %d topic(s) x %d "
		    "partition(s), in memory only\n", o.brokers, addr, o.ntopics,
		    o.partitions);

	for (;;) {
		struct signalfd_siginfo si;
		ssize_t n = read(sfd, &si, sizeof(si));

		if (n == -1 && errno == EINTR)
			continue;
		if (n != (ssize_t)sizeof(si)) {
			fprintf(stderr, "ronda-devbroker: signalfd read: %s\n",
			    n == -1 ? strerror(errno) : "short read");
			goto done;
		}
		if (si.ssi_signo == SIGUSR1) {
			rd_kafka_mock_broker_set_down(mc, -1);
			if (!o.quiet)
				fprintf(stderr, "ronda-devbroker: brokers DOWN (SIGUSR1)\n");
		} else if (si.ssi_signo == SIGUSR2) {
			rd_kafka_mock_broker_set_up(mc, -1);
			if (!o.quiet)
				fprintf(stderr, "ronda-devbroker: brokers UP (SIGUSR2)\n");
		} else if (si.ssi_signo == SIGHUP) {
			continue;	/* nothing to reload; survive a closed terminal */
		} else {
			if (!o.quiet)
				fprintf(stderr, "ronda-devbroker: stopping (%s); all messages "
				    "are discarded\n", strsignal((int)si.ssi_signo));
			break;
		}
	}
	rc = 0;

done:
	if (file_written)
		unlink(o.bootstrap_file);
	if (mc != NULL)
		rd_kafka_mock_cluster_destroy(mc);
	if (rk != NULL)
		rd_kafka_destroy(rk);
	if (conf != NULL)
		rd_kafka_conf_destroy(conf);
	if (sfd != -1)
		close(sfd);
	for (int i = 0; i < o.nstores; i++)
		free(o.topic_stores[i]);
	return rc;
}
