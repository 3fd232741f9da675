/*
 * conf.h — the collector's configuration: one struct, parsed and validated
 * completely (strict YAML, file:line: key: message errors) before the loop.
 */
#ifndef RONDA_COLLECTOR_CONF_H
#define RONDA_COLLECTOR_CONF_H

#include <stdint.h>

#include "ronda/config.h"

struct ronda_tz;

enum ronda_input_type { RONDA_INPUT_WEB = 0, RONDA_INPUT_AUTH = 1, RONDA_INPUT_JOURNAL = 2 };
enum ronda_start_at { RONDA_START_END = 0, RONDA_START_BEGINNING = 1 };
enum ronda_forward { RONDA_FORWARD_EVENTS = 0, RONDA_FORWARD_ALL = 1 };

struct ronda_collector_input {
	char *path;		/* a file or a glob; re-scanned for new files (not journal) */
	int type;		/* enum ronda_input_type */
	char *format;		/* web: combined|common|vhost_combined; auth: syslog */
	/* journal: where to read (neither: the system journal) and what. */
	char *directory;	/* a journal folder (sd_journal_open_directory) */
	struct ronda_strlist files;	/* explicit journal files (sd_journal_open_files) */
	struct ronda_strlist match;	/* FIELD=value terms, OR-ed; empty: the auth default */
	char *site;		/* optional override of the top-level site */
	char *agency;		/* optional override */
	char *timezone;		/* optional override */
	int start_at;		/* enum ronda_start_at, for files seen at the very first start */

	/* Resolved by validation (not YAML keys). */
	int web_format;		/* enum ronda_web_format when type is web */
	struct ronda_tz *tz;	/* owned */
	const char *site_id;	/* site or the top-level site (borrowed) */
	const char *agency_name;
	const char *tz_name;
	char *journal_key;	/* journal: its state DB key ("journal:" source), owned */
	int line;		/* where the input is written (for later errors) */
};

/* One web root to watch (webroots: list; see webroot.h). */
struct ronda_collector_webroot {
	char *path;		/* absolute, normalised: no trailing '/', no "." or ".." */
	char *site;		/* optional override of the top-level site */
	struct ronda_strlist exclude;	/* relative folder prefixes (fnmatch globs allowed) */

	/* Resolved by validation (not YAML keys). */
	const char *site_id;	/* site or the top-level site (borrowed) */
	int line;
};

/* The web-root watch's global knobs (webroot: section). */
struct ronda_collector_webroot_knobs {
	/*
	 * Durations as written ("3600000" is milliseconds, "1h" works too),
	 * turned into the int64_t fields below by validation.
	 */
	char *scan_interval_s;
	char *settle_s;
	int64_t scan_interval;	/* ms between full backstop scans */
	int64_t settle;		/* ms a file must be quiet before it is read */
	int64_t max_scan;	/* bytes of a changed file given to the markers */
	int64_t max_hash;	/* larger files: compared by metadata only */
	int64_t max_watches;	/* inotify watches at most; past it scan-only, counted */
	struct ronda_strlist markers;	/* marker files or folders; empty = shipped */
};

struct ronda_collector_kafka {
	char *brokers;
	char *topic;
	struct ronda_kvlist properties;
};

struct ronda_collector_config {
	char *site;
	char *agency;
	char *region;
	char *timezone;
	char *state_db;
	char *host_name;	/* host.name in events; default: gethostname() */
	struct ronda_collector_kafka kafka;
	int forward;		/* enum ronda_forward */
	struct ronda_cfg_array inputs;	/* struct ronda_collector_input */
	struct ronda_cfg_array webroots;	/* struct ronda_collector_webroot */
	struct ronda_collector_webroot_knobs webroot;
	struct ronda_strlist rules;	/* rule files or folders; empty = shipped rules */
	char *rules_cache;	/* folder for compiled rule databases; default beside state_db */
	int64_t max_line;	/* bytes; longer lines are cut and flagged */
	int64_t scan_interval;	/* ms between stat() backstop rescans */
	int64_t rotate_wait;	/* ms a rotated file is kept open after its last growth */
	int64_t max_inflight;	/* lines per file sent but not yet confirmed */
	int64_t stats_interval;	/* ms between counter log lines */
	int64_t aggregate_interval;	/* ms per site aggregate event */
	struct {
		char *listen;	/* loopback HOST:PORT for /metrics; NULL or "" = off */
	} metrics;
	char *user;		/* drop privileges to this user after opening files */
	char *group;
	int log_level;		/* enum ronda_log_level */

	char *path;		/* the file it was loaded from */
	struct ronda_tz *tz;	/* top-level zone, owned */
};

/*
 * Load and validate path into a new config. On failure returns NULL and
 * appends every problem to errs ("file:line: key: message").
 */
struct ronda_collector_config *ronda_collector_config_load(const char *path,
    struct ronda_cfg_errors *errs);
/* Free; NULL is a no-op. */
void ronda_collector_config_free(struct ronda_collector_config *cfg);

#endif
