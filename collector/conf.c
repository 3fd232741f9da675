#include "conf.h"

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <limits.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ronda/buf.h"
#include "ronda/listen.h"
#include "ronda/parse.h"
#include "ronda/tz.h"

static const char *const input_types[] = { "web", "auth", "journal", NULL };
static const char *const start_ats[] = { "end", "beginning", NULL };
static const char *const forwards[] = { "events", "all", NULL };
/* In the order of enum ronda_log_level, so the index is the level. */
static const char *const log_levels[] = { "error", "warn", "info", "debug", NULL };

#define IN(f) offsetof(struct ronda_collector_input, f)
#define WR(f) offsetof(struct ronda_collector_webroot, f)
#define WK(f) offsetof(struct ronda_collector_webroot_knobs, f)
#define KF(f) offsetof(struct ronda_collector_kafka, f)
#define CF(f) offsetof(struct ronda_collector_config, f)

static void input_check(struct ronda_cfg_ctx *, void *, int, const char *);

/* A log format must be one we parse; whether it fits the type is checked per input. */
static void
format_check(struct ronda_cfg_ctx *ctx, void *field, int line, const char *path)
{
	const char *f = *(char **)field;

	if (f != NULL && strcmp(f, "syslog") != 0 && ronda_web_format_parse(f) < 0)
		ronda_cfg_error(ctx, line, path, "\"%s\" is not a log format (combined, "
		    "common, vhost_combined, syslog)", f);
}

/* A time zone must exist where it is written, so its line can be named. */
/* metrics.listen: HOST:PORT on loopback (the endpoint has no authentication). */
static void
metrics_listen_check(struct ronda_cfg_ctx *ctx, void *field, int line, const char *path)
{
	const char *s = *(char **)field;
	struct ronda_listen_addr a;
	char err[160];

	if (s == NULL || s[0] == '\0')
		return;
	if (ronda_listen_parse(s, &a, err, sizeof(err)) == -1)
		ronda_cfg_error(ctx, line, path, "%s", err);
	else if (!ronda_listen_is_loopback(&a))
		ronda_cfg_error(ctx, line, path, "%s is not a loopback address: /metrics has "
		    "no authentication, so it listens on 127.0.0.1 or [::1] only", s);
}

static const struct ronda_cfg_key metrics_keys[] = {
	{ "listen", RONDA_CFG_STR, NULL, 0, 0, 0,
	  "loopback HOST:PORT for /metrics (e.g. 127.0.0.1:9471)", 0, NULL, NULL, 0,
	  metrics_listen_check },
	{ NULL, 0, NULL, 0, 0, 0, NULL, 0, NULL, NULL, 0, NULL }
};

static const struct ronda_cfg_key input_keys[] = {
	/* Required for web and auth (input_check), refused for journal. */
	{ "path", RONDA_CFG_STR, NULL, 0, 0, IN(path), "file or glob to tail", 0, NULL,
	  NULL, 0, NULL },
	{ "type", RONDA_CFG_ENUM, NULL, 0, 0, IN(type), "web, auth or journal",
	  RONDA_CFG_REQUIRED, input_types, NULL, 0, NULL },
	{ "format", RONDA_CFG_STR, NULL, 0, 0, IN(format),
	  "web: combined, common, vhost_combined; auth: syslog", 0, NULL, NULL, 0,
	  format_check },
	{ "site", RONDA_CFG_STR, NULL, 0, 0, IN(site), "site id override", 0, NULL,
	  NULL, 0, NULL },
	{ "agency", RONDA_CFG_STR, NULL, 0, 0, IN(agency), "agency override", 0, NULL,
	  NULL, 0, NULL },
	{ "timezone", RONDA_CFG_STR, NULL, 0, 0, IN(timezone), "zone override", 0,
	  NULL, NULL, 0, ronda_tz_cfg_check },
	{ "start_at", RONDA_CFG_ENUM, "end", 0, 0, IN(start_at),
	  "where a file (or the journal) seen at the very first start begins", 0,
	  start_ats, NULL, 0, NULL },
	{ "directory", RONDA_CFG_STR, NULL, 0, 0, IN(directory),
	  "journal: a journal folder; default: the system journal", 0, NULL, NULL, 0,
	  NULL },
	{ "files", RONDA_CFG_STRLIST, NULL, 0, 0, IN(files),
	  "journal: explicit journal files", 0, NULL, NULL, 0, NULL },
	{ "match", RONDA_CFG_STRLIST, NULL, 0, 0, IN(match),
	  "journal: FIELD=value terms, any of which selects an entry", 0, NULL, NULL, 0,
	  NULL },
	{ NULL, 0, NULL, 0, 0, 0, NULL, 0, NULL, NULL, 0, NULL }
};

/*
 * What a journal input reads when it names no match: what Debian's rsyslog
 * writes to /var/log/auth.log (facilities auth and authpriv), plus
 * everything sshd's unit logs whatever its facility (SyslogFacility).
 */
static const char *const journal_default_match[] = {
	"SYSLOG_FACILITY=4", "SYSLOG_FACILITY=10", "_SYSTEMD_UNIT=ssh.service",
	"_SYSTEMD_UNIT=sshd.service", NULL
};

/*
 * The web-root durations: a bare number is milliseconds (the contract
 * writes `settle: 200`), a suffixed one is read as every other duration.
 */
static int
webroot_ms(const char *s, int64_t *ms)
{
	size_t i = 0;

	if (s == NULL || s[0] == '\0')
		return -1;
	while (s[i] >= '0' && s[i] <= '9')
		i++;
	if (s[i] == '\0') {
		if (i > 15)
			return -1;
		*ms = strtoll(s, NULL, 10);
		return 0;
	}
	return ronda_cfg_parse_duration(s, ms);
}

static void
webroot_ms_check(struct ronda_cfg_ctx *ctx, const char *s, int64_t min, int64_t max,
    int line, const char *path)
{
	int64_t v;

	if (s == NULL)
		return;
	if (webroot_ms(s, &v) == -1)
		ronda_cfg_error(ctx, line, path, "expected milliseconds or a duration (e.g. "
		    "200, 500ms, 30s, 1h), got \"%s\"", s);
	else if (v < min || v > max)
		ronda_cfg_error(ctx, line, path, "%s is out of range (%lld to %lld ms)", s,
		    (long long)min, (long long)max);
}

#define WR_SCAN_MIN	1000
#define WR_SCAN_MAX	(INT64_C(7) * 86400 * 1000)
#define WR_SETTLE_MAX	60000

static void
webroot_scan_check(struct ronda_cfg_ctx *ctx, void *field, int line, const char *path)
{
	webroot_ms_check(ctx, *(char **)field, WR_SCAN_MIN, WR_SCAN_MAX, line, path);
}

static void
webroot_settle_check(struct ronda_cfg_ctx *ctx, void *field, int line, const char *path)
{
	webroot_ms_check(ctx, *(char **)field, 0, WR_SETTLE_MAX, line, path);
}

/* After the section: the durations as milliseconds (their errors are reported). */
static void
webroot_knobs_check(struct ronda_cfg_ctx *ctx, void *obj, int line, const char *path)
{
	struct ronda_collector_webroot_knobs *k = obj;

	(void)ctx;
	(void)line;
	(void)path;
	if (webroot_ms(k->scan_interval_s, &k->scan_interval) == -1 ||
	    k->scan_interval < WR_SCAN_MIN || k->scan_interval > WR_SCAN_MAX)
		k->scan_interval = 3600000;
	if (webroot_ms(k->settle_s, &k->settle) == -1 || k->settle < 0 ||
	    k->settle > WR_SETTLE_MAX)
		k->settle = 200;
}

static const struct ronda_cfg_key webroot_knob_keys[] = {
	{ "scan_interval", RONDA_CFG_STR, "1h", 0, 0, WK(scan_interval_s),
	  "ms (or a duration) between full backstop scans of each web root", 0, NULL,
	  NULL, 0, webroot_scan_check },
	{ "max_scan", RONDA_CFG_SIZE, "1M", 4096, 64 * 1024 * 1024, WK(max_scan),
	  "bytes of a changed file given to the content markers", 0, NULL, NULL, 0,
	  NULL },
	{ "max_hash", RONDA_CFG_SIZE, "64M", 0, INT64_C(1) << 40, WK(max_hash),
	  "larger files are compared by size, mtime, ctime and inode only", 0, NULL,
	  NULL, 0, NULL },
	{ "max_watches", RONDA_CFG_INT, "65536", 0, 8 * 1024 * 1024, WK(max_watches),
	  "inotify watches (one per folder) at most; past it: scan-only, counted", 0,
	  NULL, NULL, 0, NULL },
	{ "settle", RONDA_CFG_STR, "200ms", 0, 0, WK(settle_s),
	  "ms a file must be quiet after an inotify event before it is read", 0, NULL,
	  NULL, 0, webroot_settle_check },
	{ "markers", RONDA_CFG_STRLIST, NULL, 0, 0, WK(markers),
	  "marker files or folders; empty = the shipped rules/webroot", 0, NULL, NULL,
	  0, NULL },
	{ NULL, 0, NULL, 0, 0, 0, NULL, 0, NULL, NULL, 0, NULL }
};

/*
 * Normalise a path in place: "//" and "/./" collapse, a trailing '/' goes.
 * Returns -1 when it holds a ".." component (a web root or an exclusion
 * must say where it is, not climb out of it).
 */
static int
path_normalise(char *p)
{
	char *o = p, *s = p;

	while (*s != '\0') {
		if (*s == '/') {
			while (*s == '/')
				s++;
			if (o == p || o[-1] != '/')
				*o++ = '/';
			continue;
		}
		if (s[0] == '.' && (s[1] == '/' || s[1] == '\0') && (o == p || o[-1] == '/')) {
			s++;
			continue;
		}
		if (s[0] == '.' && s[1] == '.' && (s[2] == '/' || s[2] == '\0') &&
		    (o == p || o[-1] == '/'))
			return -1;
		*o++ = *s++;
	}
	while (o > p + 1 && o[-1] == '/')
		o--;
	*o = '\0';
	return 0;
}

static void
webroot_check(struct ronda_cfg_ctx *ctx, void *obj, int line, const char *path)
{
	struct ronda_collector_webroot *wr = obj;
	char kp[512];

	wr->line = line;
	snprintf(kp, sizeof(kp), "%s.path", path);
	if (wr->path == NULL) {
		/* reported as a required key */
	} else if (wr->path[0] != '/') {
		ronda_cfg_error(ctx, line, kp, "must be an absolute path");
	} else if (path_normalise(wr->path) == -1) {
		ronda_cfg_error(ctx, line, kp, "must not contain \"..\"");
	} else if (strcmp(wr->path, "/") == 0) {
		ronda_cfg_error(ctx, line, kp, "/ is not a web root: name the site's folder");
	} else if (strlen(wr->path) > 1024) {
		ronda_cfg_error(ctx, line, kp, "longer than 1024 bytes");
	}
	for (size_t i = 0; i < wr->exclude.n; i++) {
		char *e = wr->exclude.v[i];
		snprintf(kp, sizeof(kp), "%s.exclude[%zu]", path, i);
		if (e[0] == '/')
			ronda_cfg_error(ctx, line, kp, "\"%s\" must be relative to the web "
			    "root (wp-content/cache, not /var/www/...)", e);
		else if (path_normalise(e) == -1)
			ronda_cfg_error(ctx, line, kp, "must not contain \"..\"");
		else if (e[0] == '\0' || strcmp(e, "/") == 0)
			ronda_cfg_error(ctx, line, kp, "empty: to watch nothing, remove the "
			    "web root");
	}
}

static const struct ronda_cfg_key webroot_keys[] = {
	{ "path", RONDA_CFG_STR, NULL, 0, 0, WR(path),
	  "the web root (absolute; never left through a symlink)", RONDA_CFG_REQUIRED,
	  NULL, NULL, 0, NULL },
	{ "site", RONDA_CFG_STR, NULL, 0, 0, WR(site), "site id override", 0, NULL,
	  NULL, 0, NULL },
	{ "exclude", RONDA_CFG_STRLIST, NULL, 0, 0, WR(exclude),
	  "relative folder prefixes (fnmatch globs) not watched", 0, NULL, NULL, 0,
	  NULL },
	{ NULL, 0, NULL, 0, 0, 0, NULL, 0, NULL, NULL, 0, NULL }
};

static const struct ronda_cfg_key kafka_keys[] = {
	{ "brokers", RONDA_CFG_STR, "127.0.0.1:9092", 0, 0, KF(brokers),
	  "bootstrap servers", 0, NULL, NULL, 0, NULL },
	{ "topic", RONDA_CFG_STR, "ronda.events", 0, 0, KF(topic), "events topic", 0,
	  NULL, NULL, 0, NULL },
	{ "properties", RONDA_CFG_MAP, NULL, 0, 0, KF(properties),
	  "librdkafka properties (TLS, SASL, ...)", 0, NULL, NULL, 0, NULL },
	{ NULL, 0, NULL, 0, 0, 0, NULL, 0, NULL, NULL, 0, NULL }
};

static const struct ronda_cfg_key collector_keys[] = {
	{ "site", RONDA_CFG_STR, NULL, 0, 0, CF(site), "site id of the events",
	  RONDA_CFG_REQUIRED, NULL, NULL, 0, NULL },
	{ "agency", RONDA_CFG_STR, NULL, 0, 0, CF(agency), "agency display name", 0,
	  NULL, NULL, 0, NULL },
	{ "region", RONDA_CFG_STR, NULL, 0, 0, CF(region), "region", 0, NULL, NULL, 0,
	  NULL },
	{ "timezone", RONDA_CFG_STR, "", 0, 0, CF(timezone),
	  "IANA zone for lines without one", 0, NULL, NULL, 0, ronda_tz_cfg_check },
	{ "state_db", RONDA_CFG_STR, "/var/lib/ronda/collector.db", 0, 0, CF(state_db),
	  "SQLite checkpoint file", 0, NULL, NULL, 0, NULL },
	{ "host_name", RONDA_CFG_STR, NULL, 0, 0, CF(host_name), "host.name", 0, NULL,
	  NULL, 0, NULL },
	{ "kafka", RONDA_CFG_SECTION, NULL, 0, 0, CF(kafka), "Kafka", 0, NULL,
	  kafka_keys, 0, NULL },
	{ "forward", RONDA_CFG_ENUM, "events", 0, 0, CF(forward),
	  "events: classified lines only; all: every line", 0, forwards, NULL, 0, NULL },
	{ "inputs", RONDA_CFG_LIST, NULL, 0, 0, CF(inputs), "logs to tail",
	  0, NULL, input_keys, sizeof(struct ronda_collector_input),
	  input_check },
	{ "webroots", RONDA_CFG_LIST, NULL, 0, 0, CF(webroots), "web roots to watch",
	  0, NULL, webroot_keys, sizeof(struct ronda_collector_webroot),
	  webroot_check },
	{ "webroot", RONDA_CFG_SECTION, NULL, 0, 0, CF(webroot),
	  "the web-root watch's knobs", 0, NULL, webroot_knob_keys, 0,
	  webroot_knobs_check },
	{ "rules", RONDA_CFG_STRLIST, NULL, 0, 0, CF(rules), "rule files or folders", 0,
	  NULL, NULL, 0, NULL },
	{ "rules_cache", RONDA_CFG_STR, NULL, 0, 0, CF(rules_cache),
	  "folder for compiled rule databases", 0, NULL, NULL, 0, NULL },
	{ "max_line", RONDA_CFG_SIZE, "64k", 256, 16 * 1024 * 1024, CF(max_line),
	  "longest line kept whole", 0, NULL, NULL, 0, NULL },
	{ "scan_interval", RONDA_CFG_DURATION, "1s", 10, 3600000, CF(scan_interval),
	  "stat() backstop period", 0, NULL, NULL, 0, NULL },
	{ "rotate_wait", RONDA_CFG_DURATION, "5s", 0, 3600000, CF(rotate_wait),
	  "how long a rotated file stays open after its last growth", 0, NULL, NULL, 0,
	  NULL },
	{ "max_inflight", RONDA_CFG_INT, "65536", 16, 4194304, CF(max_inflight),
	  "unconfirmed lines per file before reading pauses", 0, NULL, NULL, 0, NULL },
	{ "stats_interval", RONDA_CFG_DURATION, "60s", 1000, 86400000,
	  CF(stats_interval), "counter log period", 0, NULL, NULL, 0, NULL },
	{ "aggregate_interval", RONDA_CFG_DURATION, "60s", 1000, 3600000,
	  CF(aggregate_interval), "per-site aggregate period", 0, NULL, NULL, 0, NULL },
	{ "metrics", RONDA_CFG_SECTION, NULL, 0, 0, CF(metrics),
	  "Prometheus /metrics (off unless metrics.listen is set)", 0, NULL, metrics_keys,
	  0, NULL },
	{ "user", RONDA_CFG_STR, NULL, 0, 0, CF(user), "drop privileges to this user", 0,
	  NULL, NULL, 0, NULL },
	{ "group", RONDA_CFG_STR, NULL, 0, 0, CF(group), "and this group", 0, NULL,
	  NULL, 0, NULL },
	{ "log_level", RONDA_CFG_ENUM, "info", 0, 0, CF(log_level),
	  "error, warn, info or debug", 0, log_levels, NULL, 0, NULL },
	{ NULL, 0, NULL, 0, 0, 0, NULL, 0, NULL, NULL, 0, NULL }
};

/*
 * A journal match term is FIELD=value, FIELD as journald names fields:
 * capitals, digits and underscores, not starting with a digit, at most 64
 * bytes (sd_journal_add_match refuses anything else, without saying why).
 */
static int
match_term_ok(const char *t)
{
	const char *eq = strchr(t, '=');
	size_t n;

	if (eq == NULL || (n = (size_t)(eq - t)) == 0 || n > 64 ||
	    (t[0] >= '0' && t[0] <= '9'))
		return 0;
	for (size_t i = 0; i < n; i++)
		if (!((t[i] >= 'A' && t[i] <= 'Z') || (t[i] >= '0' && t[i] <= '9') ||
		    t[i] == '_'))
			return 0;
	return 1;
}

/* The cross-key checks of a journal input; fills the default match. */
static void
journal_input_check(struct ronda_cfg_ctx *ctx, struct ronda_collector_input *in,
    int line, const char *path)
{
	char kp[512];

	if (in->path != NULL) {
		snprintf(kp, sizeof(kp), "%s.path", path);
		ronda_cfg_error(ctx, line, kp, "a journal input has no path: name a "
		    "journal folder with directory, journal files with files, or "
		    "neither for the system journal");
	}
	if (in->format != NULL) {
		snprintf(kp, sizeof(kp), "%s.format", path);
		ronda_cfg_error(ctx, line, kp, "a journal input has no format: its "
		    "entries are read field by field");
	}
	if (in->directory != NULL && in->files.n > 0) {
		snprintf(kp, sizeof(kp), "%s.files", path);
		ronda_cfg_error(ctx, line, kp, "give directory or files, not both");
	}
	if (in->directory != NULL && in->directory[0] != '/') {
		snprintf(kp, sizeof(kp), "%s.directory", path);
		ronda_cfg_error(ctx, line, kp, "must be an absolute path");
	}
	for (size_t i = 0; i < in->files.n; i++) {
		if (in->files.v[i][0] == '/')
			continue;
		snprintf(kp, sizeof(kp), "%s.files[%zu]", path, i);
		ronda_cfg_error(ctx, line, kp, "must be an absolute path");
	}
	for (size_t i = 0; i < in->match.n; i++) {
		if (match_term_ok(in->match.v[i]))
			continue;
		snprintf(kp, sizeof(kp), "%s.match[%zu]", path, i);
		ronda_cfg_error(ctx, line, kp, "\"%s\" is not FIELD=value (FIELD in "
		    "capitals, digits and underscores, e.g. SYSLOG_FACILITY=4)",
		    in->match.v[i]);
	}
	if (in->match.n == 0) {
		size_t n = 0;
		while (journal_default_match[n] != NULL)
			n++;
		if ((in->match.v = calloc(n, sizeof(char *))) == NULL)
			return;
		for (size_t i = 0; i < n; i++)
			if ((in->match.v[in->match.n] = strdup(journal_default_match[i]))
			    != NULL)
				in->match.n++;
	}
}

/* Cross-key checks of one input: its format must fit its type. */
static void
input_check(struct ronda_cfg_ctx *ctx, void *obj, int line, const char *path)
{
	struct ronda_collector_input *in = obj;
	char kp[512];

	in->line = line;
	if (in->type == RONDA_INPUT_JOURNAL) {
		journal_input_check(ctx, in, line, path);
		return;
	}
	if (in->directory != NULL || in->files.n > 0 || in->match.n > 0) {
		snprintf(kp, sizeof(kp), "%s.%s", path, in->directory != NULL ?
		    "directory" : in->files.n > 0 ? "files" : "match");
		ronda_cfg_error(ctx, line, kp, "only a journal input (type: journal) "
		    "has this key");
	}
	if (in->path == NULL) {
		snprintf(kp, sizeof(kp), "%s.path", path);
		ronda_cfg_error(ctx, line, kp, "required key is missing");
	}
	snprintf(kp, sizeof(kp), "%s.format", path);
	if (in->type == RONDA_INPUT_WEB) {
		if (in->format == NULL)
			in->format = strdup("combined");
		in->web_format = ronda_web_format_parse(in->format);
		if (in->web_format < 0 && strcmp(in->format, "syslog") == 0)
			ronda_cfg_error(ctx, line, kp,
			    "\"%s\" is not a web format (combined, common, vhost_combined)",
			    in->format);
	} else {
		if (in->format == NULL)
			in->format = strdup("syslog");
		if (in->format != NULL && strcmp(in->format, "syslog") != 0)
			ronda_cfg_error(ctx, line, kp,
			    "\"%s\" is not an auth format (syslog)", in->format);
	}
	if (in->path != NULL && in->path[0] != '/') {
		snprintf(kp, sizeof(kp), "%s.path", path);
		ronda_cfg_error(ctx, line, kp, "must be an absolute path");
	}
}

void
ronda_collector_config_free(struct ronda_collector_config *cfg)
{
	struct ronda_collector_input *ins;

	if (cfg == NULL)
		return;
	ins = cfg->inputs.v;
	for (size_t i = 0; i < cfg->inputs.n; i++) {
		ronda_tz_free(ins[i].tz);
		free(ins[i].journal_key);
	}
	ronda_tz_free(cfg->tz);
	ronda_cfg_free(collector_keys, cfg);
	free(cfg->path);
	free(cfg);
}

/*
 * No `rules:` key: the shipped rules, from the installed folder, or from the
 * source tree when the program runs from build/bin/ or build/san/bin/.
 */
static int
default_rules(struct ronda_collector_config *cfg)
{
	static const char *const rel[] = { "/../../rules", "/../../../rules", NULL };
	char exe[PATH_MAX], cand[PATH_MAX + 32];
	struct stat sb;
	ssize_t n;
	char *dir = NULL;

	if (stat(RONDA_DATADIR "/rules", &sb) == 0 && S_ISDIR(sb.st_mode)) {
		dir = strdup(RONDA_DATADIR "/rules");
	} else if ((n = readlink("/proc/self/exe", exe, sizeof(exe) - 1)) > 0) {
		exe[n] = '\0';
		if (strrchr(exe, '/') != NULL)
			*strrchr(exe, '/') = '\0';
		for (int i = 0; rel[i] != NULL && dir == NULL; i++) {
			snprintf(cand, sizeof(cand), "%s%s", exe, rel[i]);
			if (stat(cand, &sb) == 0 && S_ISDIR(sb.st_mode))
				dir = realpath(cand, NULL);
		}
	}
	if (dir == NULL)
		return -1;
	cfg->rules.v = malloc(sizeof(char *));
	if (cfg->rules.v == NULL) {
		free(dir);
		return -1;
	}
	cfg->rules.v[0] = dir;
	cfg->rules.n = 1;
	return 0;
}

/*
 * Each journal input's state DB key says which journal it reads: its
 * folder, its files, or the system journal. The cursor is a position in
 * that journal, whatever the input selects from it (match, site), so two
 * inputs on one journal would share (and fight over) one cursor: refused.
 */
static int
journal_keys(struct ronda_collector_config *cfg, struct ronda_cfg_errors *errs)
{
	struct ronda_collector_input *ins = cfg->inputs.v;
	int bad = 0;

	for (size_t i = 0; i < cfg->inputs.n; i++) {
		struct ronda_collector_input *in = &ins[i];
		struct ronda_buf b;

		if (in->type != RONDA_INPUT_JOURNAL)
			continue;
		ronda_buf_init(&b, 1024 * 1024);
		if (in->directory != NULL) {
			ronda_buf_printf(&b, "journal:directory:%s", in->directory);
		} else if (in->files.n > 0) {
			ronda_buf_puts(&b, "journal:files");
			for (size_t k = 0; k < in->files.n; k++)
				ronda_buf_printf(&b, "%c%s", k == 0 ? ':' : ',',
				    in->files.v[k]);
		} else {
			ronda_buf_puts(&b, "journal:system");
		}
		if (b.overflow || b.data == NULL ||
		    (in->journal_key = strdup(b.data)) == NULL) {
			ronda_cfg_errors_addf(errs, "%s:%d: inputs[%zu]: out of memory",
			    cfg->path, in->line, i);
			bad = 1;
		}
		ronda_buf_release(&b);
		for (size_t k = 0; k < i && in->journal_key != NULL; k++) {
			if (ins[k].journal_key == NULL ||
			    strcmp(ins[k].journal_key, in->journal_key) != 0)
				continue;
			ronda_cfg_errors_addf(errs, "%s:%d: inputs[%zu]: reads the same "
			    "journal as inputs[%zu] (line %d): one input per journal, "
			    "with every match term in its match list", cfg->path,
			    in->line, i, k, ins[k].line);
			bad = 1;
			break;
		}
	}
	return bad ? -1 : 0;
}

/*
 * Each web root's site, and no file in two baselines: a root may not be
 * given twice nor lie inside another.
 */
static int
webroots_resolve(struct ronda_collector_config *cfg, struct ronda_cfg_errors *errs)
{
	struct ronda_collector_webroot *wr = cfg->webroots.v;
	int bad = 0;

	for (size_t i = 0; i < cfg->webroots.n; i++) {
		wr[i].site_id = wr[i].site ? wr[i].site : cfg->site;
		for (size_t k = 0; k < i; k++) {
			const char *a = wr[k].path, *b = wr[i].path;
			size_t na, nb;
			if (a == NULL || b == NULL)
				continue;
			na = strlen(a);
			nb = strlen(b);
			if (strcmp(a, b) == 0 ||
			    (na < nb && strncmp(a, b, na) == 0 && b[na] == '/') ||
			    (nb < na && strncmp(a, b, nb) == 0 && a[nb] == '/')) {
				ronda_cfg_errors_addf(errs, "%s:%d: webroots[%zu].path: %s "
				    "overlaps webroots[%zu] (line %d, %s): a file belongs to "
				    "one web root (exclude the inner folder instead)",
				    cfg->path, wr[i].line, i, b, k, wr[k].line, a);
				bad = 1;
			}
		}
	}
	return bad ? -1 : 0;
}

struct ronda_collector_config *
ronda_collector_config_load(const char *path, struct ronda_cfg_errors *errs)
{
	struct ronda_collector_config *cfg;
	struct ronda_collector_input *ins;
	char err[256], host[256];
	int bad = 0;

	if ((cfg = calloc(1, sizeof(*cfg))) == NULL)
		return NULL;
	cfg->path = strdup(path);
	if (ronda_cfg_load(path, collector_keys, cfg, errs) == -1)
		bad = 1;
	if (!bad && cfg->inputs.n == 0 && cfg->webroots.n == 0) {
		ronda_cfg_errors_addf(errs, "%s: inputs: at least one input (or a web "
		    "root under webroots) is needed", path);
		bad = 1;
	}
	if (bad)
		goto fail;

	if ((cfg->tz = ronda_tz_new(cfg->timezone, err, sizeof(err))) == NULL) {
		ronda_cfg_errors_addf(errs, "%s: timezone: %s", path, err);
		bad = 1;
	}
	ins = cfg->inputs.v;
	for (size_t i = 0; i < cfg->inputs.n; i++) {
		struct ronda_collector_input *in = &ins[i];
		in->site_id = in->site ? in->site : cfg->site;
		in->agency_name = in->agency ? in->agency : cfg->agency;
		in->tz_name = in->timezone ? in->timezone : cfg->timezone;
		if (in->timezone != NULL) {
			in->tz = ronda_tz_new(in->timezone, err, sizeof(err));
			if (in->tz == NULL) {
				ronda_cfg_errors_addf(errs, "%s: inputs[%zu].timezone: %s",
				    path, i, err);
				bad = 1;
			}
		}
	}
	if (journal_keys(cfg, errs) == -1)
		bad = 1;
	if (webroots_resolve(cfg, errs) == -1)
		bad = 1;
	if (cfg->rules.n == 0 && default_rules(cfg) == -1) {
		ronda_cfg_errors_addf(errs, "%s: rules: no rules given and the shipped "
		    "rules were not found in " RONDA_DATADIR "/rules", path);
		bad = 1;
	}
	if (cfg->host_name == NULL) {
		if (gethostname(host, sizeof(host)) == -1)
			strcpy(host, "localhost");
		host[sizeof(host) - 1] = '\0';
		cfg->host_name = strdup(host);
	}
	if (bad)
		goto fail;
	return cfg;
fail:
	ronda_collector_config_free(cfg);
	return NULL;
}
