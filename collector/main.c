/*
 * ronda-collector — tail web and auth logs, classify each line, and ship
 * security events to Kafka without losing a line.
 *
 * main.c parses options, loads the configuration, attaches the collector to
 * the event loop, and handles signals: SIGTERM/SIGINT flush and exit,
 * SIGHUP reloads the configuration (kept only if valid).
 */
#include <errno.h>
#include <event2/event.h>
#include <getopt.h>
#include <grp.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "collector.h"
#include "conf.h"
#include "ronda/config.h"
#include "ronda/log.h"
#include "ronda/parse.h"
#include "ronda/timeutil.h"
#include "webroot.h"

#define SHUTDOWN_FLUSH_MS 10000

static int quit;
static int reload;

static void
usage(FILE *out)
{
	fprintf(out,
	    "usage: ronda-collector -c FILE [--once] [--check-config] [-d]\n"
	    "       ronda-collector -c FILE --accept PATH [--for DURATION]\n"
	    "       ronda-collector --explain [-c FILE] [--type web|auth] [--format F] "
	    "[FILE...]\n"
	    "\n"
	    "Tails web and auth logs, classifies each line and ships security events\n"
	    "to Kafka. Offsets are checkpointed only after Kafka confirmed delivery.\n"
	    "\n"
	    "  -c, --config FILE   configuration (YAML)\n"
	    "      --check-config  validate the configuration and the rules, then exit\n"
	    "      --once          read every input to its end, wait for delivery, exit\n"
	    "      --accept PATH   changes under PATH (a web root, or a file or folder in\n"
	    "                      one) are the operator's: still reported, marked\n"
	    "                      accepted; the running collector sees it at once\n"
	    "      --for DURATION  with --accept: how long (30m, 2h; default 1h); 0 takes\n"
	    "                      PATH's current content as the baseline at once\n"
	    "      --explain       print one event (JSON) per input line, no Kafka\n"
	    "      --type T        with --explain: web or auth (default web)\n"
	    "      --format F      with --explain: combined, common, vhost_combined, syslog\n"
	    "  -d, --debug         debug logging\n"
	    "  -V, --version       print the version\n"
	    "  -h, --help          this help\n");
}

static void
print_errors(const struct ronda_cfg_errors *errs)
{
	for (size_t i = 0; i < errs->n; i++)
		fprintf(stderr, "%s\n", errs->v[i]);
}

static void
on_signal(evutil_socket_t sig, short what, void *arg)
{
	struct event_base *base = arg;

	(void)what;
	if (sig == SIGHUP)
		reload = 1;
	else
		quit = 1;
	event_base_loopbreak(base);
}

/*
 * Run as cfg's user and group from here on (when started as root): logs are
 * read through group membership (adm on Debian), the state DB must be the
 * user's. Exits on failure: running as root by mistake is worse than not
 * running.
 */
static void
drop_privileges(const struct ronda_collector_config *cfg)
{
	struct passwd *pw;
	struct group *gr;
	gid_t gid;

	if (cfg->user == NULL)
		return;
	if (geteuid() != 0) {
		log_info("not root: running as uid %u, user %s is not switched to",
		    (unsigned)geteuid(), cfg->user);
		return;
	}
	if ((pw = getpwnam(cfg->user)) == NULL)
		fatalx("%s: user: %s does not exist", cfg->path, cfg->user);
	gid = pw->pw_gid;
	if (cfg->group != NULL) {
		if ((gr = getgrnam(cfg->group)) == NULL)
			fatalx("%s: group: %s does not exist", cfg->path, cfg->group);
		gid = gr->gr_gid;
	}
	if (initgroups(pw->pw_name, gid) == -1 || setgid(gid) == -1 ||
	    setuid(pw->pw_uid) == -1)
		fatal("cannot switch to user %s", cfg->user);
	if (pw->pw_uid != 0 && setuid(0) != -1)
		fatalx("could regain root after switching to %s", cfg->user);
	log_info("running as %s (uid %u, gid %u)", cfg->user, (unsigned)pw->pw_uid,
	    (unsigned)gid);
}

/* A configuration for --explain without -c: one input of the given kind. */
static struct ronda_collector_config *
explain_config(const char *path, const char *type, const char *format)
{
	struct ronda_cfg_errors errs = { 0 };
	struct ronda_collector_config *cfg;
	char tmpl[] = "/tmp/ronda-explain.XXXXXX";
	char text[512];
	int fd;

	if (path != NULL) {
		cfg = ronda_collector_config_load(path, &errs);
	} else {
		snprintf(text, sizeof(text),
		    "site: explain\nstate_db: /dev/null\ninputs:\n"
		    "  - path: /dev/stdin\n    type: %s\n    format: %s\n",
		    type ? type : "web",
		    format ? format : (type && strcmp(type, "auth") == 0 ? "syslog" :
		    "combined"));
		if ((fd = mkstemp(tmpl)) == -1)
			fatal("mkstemp");
		if (write(fd, text, strlen(text)) != (ssize_t)strlen(text))
			fatal("write %s", tmpl);
		close(fd);
		cfg = ronda_collector_config_load(tmpl, &errs);
		unlink(tmpl);
	}
	if (cfg == NULL) {
		print_errors(&errs);
		ronda_cfg_errors_free(&errs);
		exit(2);
	}
	ronda_cfg_errors_free(&errs);
	if (path != NULL && (type != NULL || format != NULL)) {
		/* Override the first input's kind from the command line. */
		struct ronda_collector_input *in = cfg->inputs.v;
		if (type != NULL)
			in->type = strcmp(type, "auth") == 0 ? RONDA_INPUT_AUTH :
			    RONDA_INPUT_WEB;
		if (in->type == RONDA_INPUT_WEB) {
			in->web_format = ronda_web_format_parse(format ? format : "combined");
			if (in->web_format < 0) {
				fprintf(stderr, "--format: %s is not a web format\n", format);
				exit(2);
			}
		}
	}
	return cfg;
}

int
main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "check-config", no_argument, NULL, 'C' },
		{ "once", no_argument, NULL, 'o' },
		{ "explain", no_argument, NULL, 'e' },
		{ "type", required_argument, NULL, 't' },
		{ "format", required_argument, NULL, 'f' },
		{ "accept", required_argument, NULL, 'a' },
		{ "for", required_argument, NULL, 'F' },
		{ "debug", no_argument, NULL, 'd' },
		{ "version", no_argument, NULL, 'V' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	const char *cfgpath = NULL, *type = NULL, *format = NULL, *accept = NULL;
	const char *accept_for = NULL;
	int check = 0, once = 0, explain = 0, debug = 0, ch, rc = 0;
	struct ronda_collector_config *cfg;
	struct ronda_cfg_errors errs = { 0 };
	struct ronda_collector *col;
	struct event_base *base;
	struct event *sigev[4];
	static const int sigs[4] = { SIGTERM, SIGINT, SIGHUP, 0 };
	char err[1024];

	ronda_log_init("ronda-collector", RONDA_LOG_INFO);
	while ((ch = getopt_long(argc, argv, "c:dVh", opts, NULL)) != -1) {
		switch (ch) {
		case 'c': cfgpath = optarg; break;
		case 'C': check = 1; break;
		case 'o': once = 1; break;
		case 'e': explain = 1; break;
		case 't': type = optarg; break;
		case 'f': format = optarg; break;
		case 'a': accept = optarg; break;
		case 'F': accept_for = optarg; break;
		case 'd': debug = 1; break;
		case 'V': printf("ronda-collector %s\n", RONDA_VERSION); return 0;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (type != NULL && strcmp(type, "web") != 0 && strcmp(type, "auth") != 0) {
		fprintf(stderr, "--type: must be web or auth\n");
		return 2;
	}

	if (explain) {
		cfg = explain_config(cfgpath, type, format);
		ronda_log_init("ronda-collector", debug ? RONDA_LOG_DEBUG : cfg->log_level);
		if (ronda_collector_explain(cfg, argv + optind, (size_t)(argc - optind), err,
		    sizeof(err)) == -1) {
			fprintf(stderr, "ronda-collector: %s\n", err);
			rc = 1;
		}
		ronda_collector_config_free(cfg);
		return rc;
	}
	if (cfgpath == NULL || optind != argc) {
		usage(stderr);
		return 2;
	}
	if ((cfg = ronda_collector_config_load(cfgpath, &errs)) == NULL) {
		print_errors(&errs);
		ronda_cfg_errors_free(&errs);
		return 2;
	}
	if (accept_for != NULL && accept == NULL) {
		fprintf(stderr, "--for goes with --accept PATH\n");
		ronda_collector_config_free(cfg);
		return 2;
	}
	if (accept != NULL) {
		/*
		 * Written to the state DB for the running collector (as the
		 * operator, who may be root: SQLite keeps the DB's owner on the
		 * files it creates beside it).
		 */
		int64_t for_ms = 3600000;
		char msg[1024];
		if (accept_for != NULL && ronda_cfg_parse_duration(accept_for, &for_ms) == -1) {
			fprintf(stderr, "--for: expected a duration (30m, 2h, 0), got \"%s\"\n",
			    accept_for);
			ronda_collector_config_free(cfg);
			return 2;
		}
		rc = ronda_webroot_accept(cfg, accept, for_ms, ronda_now_ms(), msg, sizeof(msg));
		fprintf(rc == 0 ? stdout : stderr, "%s%s\n", rc == 0 ? "" : "ronda-collector: ",
		    msg);
		ronda_collector_config_free(cfg);
		return rc == 0 ? 0 : rc == -2 ? 2 : 1;
	}
	if (check) {
		/* The rules are part of the configuration: load them too. */
		if (ronda_collector_check_rules(cfg, &errs) == -1) {
			print_errors(&errs);
			ronda_cfg_errors_free(&errs);
			ronda_collector_config_free(cfg);
			return 2;
		}
		printf("configuration OK\n");
		ronda_collector_config_free(cfg);
		return 0;
	}
	ronda_log_init("ronda-collector", debug ? RONDA_LOG_DEBUG : cfg->log_level);
	signal(SIGPIPE, SIG_IGN);

	if ((base = event_base_new()) == NULL)
		fatalx("cannot create the event loop");
	for (int i = 0; sigs[i] != 0; i++) {
		sigev[i] = evsignal_new(base, sigs[i], on_signal, base);
		if (sigev[i] == NULL || event_add(sigev[i], NULL) == -1)
			fatalx("cannot install signal handlers");
	}
	drop_privileges(cfg);
	if ((col = ronda_collector_new(base, cfg, once, err, sizeof(err))) == NULL) {
		fprintf(stderr, "ronda-collector: %s\n", err);
		return 1;
	}
	log_info("started (version %s, %zu inputs, forward %s, kafka %s topic %s)",
	    RONDA_VERSION, cfg->inputs.n, cfg->forward == RONDA_FORWARD_ALL ? "all" :
	    "events", cfg->kafka.brokers, cfg->kafka.topic);

	for (;;) {
		event_base_dispatch(base);
		if (ronda_collector_failed(col, err, sizeof(err))) {
			log_warnx("kafka: fatal error: %s; exiting (unconfirmed lines are "
			    "resent after a restart)", err);
			rc = 1;
			break;
		}
		if (quit || (once && ronda_collector_done(col)))
			break;
		if (reload) {
			struct ronda_collector_config *ncfg;
			struct ronda_collector *ncol;
			reload = 0;
			ncfg = ronda_collector_config_load(cfgpath, &errs);
			if (ncfg == NULL || ronda_collector_check_rules(ncfg, &errs) == -1) {
				log_warnx("reload: %s has errors; keeping the running "
				    "configuration", cfgpath);
				for (size_t i = 0; i < errs.n; i++)
					log_warnx("%s", errs.v[i]);
				ronda_cfg_errors_free(&errs);
				ronda_collector_config_free(ncfg);
				continue;
			}
			/*
			 * Swap: flush and checkpoint the old collector, start the
			 * new one from the checkpoints. Lines not confirmed in time
			 * are resent (same event ids).
			 */
			ronda_collector_free(col, SHUTDOWN_FLUSH_MS);
			ncol = ronda_collector_new(base, ncfg, once, err, sizeof(err));
			if (ncol == NULL) {
				log_warnx("reload: %s; restarting with the old configuration",
				    err);
				ronda_collector_config_free(ncfg);
				if ((col = ronda_collector_new(base, cfg, once, err,
				    sizeof(err))) == NULL)
					fatalx("%s", err);
				continue;
			}
			ronda_collector_config_free(cfg);
			cfg = ncfg;
			col = ncol;
			log_info("configuration reloaded from %s", cfgpath);
		}
	}
	ronda_collector_log_stats(col);
	{
		size_t left = ronda_collector_free(col, SHUTDOWN_FLUSH_MS);
		if (left > 0)
			log_warnx("%zu messages not confirmed by Kafka at exit; they "
			    "will be sent again after a restart", left);
		else
			log_info("stopped; every line read was confirmed by Kafka");
		if (once && left > 0)
			rc = 1;
	}
	/*
	 * Everything is flushed and checkpointed: a second TERM from an impatient
	 * supervisor must not turn the clean exit into a kill (libevent puts the
	 * default action back when its signal events go). Ignore them from here,
	 * with the signals blocked so none slips in between.
	 */
	{
		sigset_t set, old;
		sigemptyset(&set);
		for (int i = 0; sigs[i] != 0; i++)
			sigaddset(&set, sigs[i]);
		sigprocmask(SIG_BLOCK, &set, &old);
		for (int i = 0; sigs[i] != 0; i++) {
			event_free(sigev[i]);
			signal(sigs[i], SIG_IGN);
		}
		sigprocmask(SIG_SETMASK, &old, NULL);
	}
	event_base_free(base);
	ronda_collector_config_free(cfg);
	return rc;
}
