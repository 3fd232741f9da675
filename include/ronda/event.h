/*
 * event.h — Ronda's normalised security event and its JSON form (ECS names).
 *
 * A struct ronda_event is filled by the parsers with slices that point into
 * the caller's line buffer (nothing is copied on the hot path), then encoded
 * once to JSON. Every string field is a borrowed slice valid only as long as
 * the line it came from; ronda_event_reset() clears it for the next line.
 *
 * Example (web, combined format), abridged:
 *   {"@timestamp":"2026-11-20T15:04:05.000Z",
 *    "event":{"id":"3f0c…","kind":"event","category":["web"],"dataset":"web.access",
 *             "original":"203.0.113.9 - - [20/Nov/2026:23:04:05 +0800] \"GET /…"},
 *    "organization":{"id":"bontangkota.go.id","name":"Diskominfo Bontang"},
 *    "source":{"ip":"203.0.113.9"},"url":{"original":"/?s=slot+gacor","path":"/","query":"s=slot+gacor"},
 *    "http":{"request":{"method":"GET"},"response":{"status_code":200,"body":{"bytes":512}}},
 *    "log":{"file":{"path":"/var/log/nginx/access.log"},"offset":1234},
 *    "ronda":{"schema":1,"site":"bontangkota.go.id","region":"Kalimantan Timur",…}}
 */
#ifndef RONDA_EVENT_H
#define RONDA_EVENT_H

#include <stddef.h>
#include <stdint.h>

#include "ronda/buf.h"

/* A borrowed byte range (not NUL-terminated). n == 0 means absent. */
struct ronda_str {
	const char *p;
	size_t n;
};

#define RONDA_STR_NULL ((struct ronda_str){ NULL, 0 })
#define RONDA_STR_LIT(s) ((struct ronda_str){ (s), sizeof(s) - 1 })

enum ronda_event_type {
	RONDA_EVENT_WEB = 1,	/* an access-log line */
	RONDA_EVENT_AUTH = 2,	/* a syslog line from an auth log */
	RONDA_EVENT_METRIC = 3,	/* a per-site aggregate (event.kind "metric") */
};

/* ronda_event.flags */
#define RONDA_EVENT_PARSE_ERROR	0x01	/* the line did not parse (ronda.parse_error) */
#define RONDA_EVENT_TRUNCATED	0x02	/* the line was cut at max_line (ronda.truncated) */
#define RONDA_EVENT_TS_GUESSED	0x04	/* no usable time in the line: the previous line's of its file */

#define RONDA_EVENT_ID_LEN 32		/* hex characters of event.id */
#define RONDA_EVENT_MAX_RULES 16	/* rules listed per event (more are counted) */

/* Severity scale shared by rules, incidents and campaigns. */
enum ronda_severity {
	RONDA_SEV_NONE = 0,
	RONDA_SEV_LOW = 1,
	RONDA_SEV_MEDIUM = 2,
	RONDA_SEV_HIGH = 3,
	RONDA_SEV_CRITICAL = 4,
};

/* A rule that matched, as listed in the event (borrowed from the rule set). */
struct ronda_event_rule {
	const char *id;
	const char *name;
	const char *category;
	int severity;		/* enum ronda_severity */
};

/*
 * What the site answered others for the same URL (collector/cloak.c), on
 * search-bot lines only: ronda.cloak. Numbers only, nothing borrowed.
 */
struct ronda_event_cloak {
	int set;		/* 0: absent (no browser answer known) */
	int browser_status;	/* the last answer to a browser */
	int64_t browser_bytes;	/* -1 unknown (HEAD, "-") */
	int64_t browser_age_s;	/* this line's time minus the browser line's, >= 0 */
	int bot_status;		/* the previous search-bot answer, 0 none known */
	int64_t bot_bytes;	/* -1 unknown */
	int64_t bot_age_s;	/* this line's time minus that bot line's */
};

struct ronda_event {
	int type;		/* enum ronda_event_type */
	unsigned flags;		/* RONDA_EVENT_* */
	int64_t ts_ms;		/* event time, UTC milliseconds since the epoch */
	char id[RONDA_EVENT_ID_LEN + 1];

	/* Where the line came from (set by the collector, not the parser). */
	const char *site;	/* organization.id */
	const char *agency;	/* organization.name */
	const char *region;
	const char *timezone;	/* IANA name of the site's zone */
	const char *host_name;	/* host.name: the collector's host */
	const char *file_path;	/* log.file.path */
	uint64_t offset;	/* log.offset: byte offset of the line in the file */
	const char *dataset;	/* event.dataset: "web.access", "auth.syslog" */
	struct ronda_str original;	/* event.original: the whole line */

	/* Web access log fields (parse_web). */
	struct ronda_str vhost;		/* url.domain (vhost_combined) */
	int vhost_port;			/* url.port, 0 if absent */
	struct ronda_str client_ip;	/* source.ip */
	struct ronda_str remote_user;	/* user.name for web */
	struct ronda_str method;	/* http.request.method */
	struct ronda_str url;		/* url.original */
	struct ronda_str path;		/* url.path (raw) */
	struct ronda_str query;		/* url.query (raw, without '?') */
	struct ronda_str http_version;	/* http.version ("1.1") */
	int status;			/* http.response.status_code, 0 if absent */
	int64_t bytes;			/* http.response.body.bytes, -1 if absent */
	struct ronda_str referrer;	/* http.request.referrer */
	struct ronda_str user_agent;	/* user_agent.original */

	/* Syslog fields (parse_syslog). */
	struct ronda_str log_host;	/* the host in the syslog header (observer.hostname) */
	struct ronda_str program;	/* process.name */
	int64_t pid;			/* process.pid, -1 if absent */
	struct ronda_str message;	/* message: the text after "prog[pid]: " */

	/* Auth classification (auth classifier; zero when not an auth action). */
	const char *action;		/* event.action: "ssh_login_failed", ... */
	const char *outcome;		/* event.outcome: "success", "failure", "unknown" */
	struct ronda_str user_name;	/* user.name (the account tried) */
	struct ronda_str source_ip;	/* source.ip for auth (overrides client_ip) */
	struct ronda_str source_domain;	/* source.domain: a host name logged instead of an address */
	int source_port;		/* source.port, 0 if absent */
	const char *auth_method;	/* ronda.auth.method: "password", "publickey", ... */
	const char *decoder;		/* ronda.auth.decoder: the id of the decoder that matched */

	/* Normalised request used for matching (collector-owned scratch). */
	struct ronda_str norm_path;	/* ronda.normalized.path */
	struct ronda_str norm_query;	/* ronda.normalized.query */

	struct ronda_event_cloak cloak;	/* ronda.cloak (collector/cloak.c) */

	/* Rules that matched (rule engine). Keep these three groups last: see ronda_event_reset. */
	struct ronda_event_rule rules[RONDA_EVENT_MAX_RULES];
	int nrules;
	int severity;			/* highest severity of the matched rules */

	/* Metric events (aggregates) carry their body as pre-encoded JSON members. */
	struct ronda_str metric_json;	/* a JSON object, emitted as ronda.metrics */
};

/*
 * Clear the event for a new line: every field reads as absent. The rule
 * slots past nrules are left as they were (nrules says what counts).
 */
void ronda_event_reset(struct ronda_event *ev);

/*
 * Compute the deterministic event.id of a line: a 128-bit hash (hex) of the
 * site, the file identity (device, inode, fingerprint) and the line's byte
 * offset. The same line of the same file always gets the same id.
 */
void ronda_event_make_id(char out[RONDA_EVENT_ID_LEN + 1], const char *site,
    uint64_t dev, uint64_t ino, uint64_t fingerprint, uint64_t offset);

/* The site's part of every id: compute it once per site for ..._seeded(). */
uint64_t ronda_event_id_seed(const char *site);
/* ronda_event_make_id() with the site given as ronda_event_id_seed(site). */
void ronda_event_make_id_seeded(char out[RONDA_EVENT_ID_LEN + 1], uint64_t seed,
    uint64_t dev, uint64_t ino, uint64_t fingerprint, uint64_t offset);

/*
 * Append the event as one JSON object (no trailing newline) to b.
 * 0 on success, -1 when the buffer's cap was hit.
 */
int ronda_event_to_json(const struct ronda_event *ev, struct ronda_buf *b);

/* Severity name ("low", ...) and back; -1 for an unknown name. */
const char *ronda_severity_name(int sev);
int ronda_severity_parse(const char *name);

#endif
