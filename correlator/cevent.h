/*
 * cevent.h — the correlator's view of one event from the topic: the JSON
 * that common/event.c writes, decoded in one pass by a small validating JSON
 * scanner (no allocation), checked against the event schema's rules that
 * matter here, and copied into fixed, capped buffers so nothing points into
 * the message after decoding.
 *
 * Why not cJSON: measured on an 1.1 kB alert, cJSON_ParseWithLength plus
 * lookups ran at 86k events/s on one core (a third of it malloc/free, a fifth
 * strcmp); the correlator's target is 150k events/s for the whole pipeline.
 *
 * Hostile input: the message is attacker-influenced bytes (p, n), not
 * NUL-terminated; a message that is not JSON, breaks the schema or is larger
 * than the configured maximum is rejected with a reason, never a crash.
 */
#ifndef RONDA_CEVENT_H
#define RONDA_CEVENT_H

#include <stddef.h>
#include <stdint.h>

#define RONDA_CEVENT_ID_MAX	64	/* event.id characters accepted */
#define RONDA_CEVENT_SITE_MAX	253	/* organization.id (a DNS name) */
#define RONDA_CEVENT_HOST_MAX	253	/* host.name kept (longer: host_cut) */
#define RONDA_CEVENT_USER_MAX	64	/* user.name kept (longer is cut) */
#define RONDA_CEVENT_PATH_MAX	256	/* url.path kept (longer is cut) */
#define RONDA_CEVENT_UA_MAX	256	/* user_agent.original kept */
#define RONDA_CEVENT_ORIG_MAX	1024	/* event.original kept for evidence */
#define RONDA_CEVENT_RULES	16	/* rule ids / categories kept */
#define RONDA_CEVENT_RULE_MAX	64	/* one rule id or category */
#define RONDA_CEVENT_TOPIPS	10	/* ronda.metrics.top_ips kept */
#define RONDA_CEVENT_DOMAINS	8	/* ronda.file.domains kept */
#define RONDA_CEVENT_DOMAIN_MAX	253
#define RONDA_CEVENT_FAMILIES	4	/* ronda.file.families kept */
#define RONDA_CEVENT_EXCERPT_MAX 200	/* ronda.file.excerpts[0].text kept */

enum ronda_cevent_kind {
	RONDA_CEVENT_EVENT = 1,
	RONDA_CEVENT_ALERT = 2,
	RONDA_CEVENT_METRIC = 3,
};

enum ronda_cevent_outcome {
	RONDA_CEVENT_OUT_NONE = 0,
	RONDA_CEVENT_OUT_SUCCESS,
	RONDA_CEVENT_OUT_FAILURE,
	RONDA_CEVENT_OUT_UNKNOWN,
};

/* Why a message was rejected (the DLQ and the counters use these). */
enum ronda_cevent_reject {
	RONDA_CEVENT_OK = 0,
	RONDA_CEVENT_REJ_TOO_LARGE,
	RONDA_CEVENT_REJ_NOT_JSON,
	RONDA_CEVENT_REJ_SCHEMA,
	RONDA_CEVENT_REJ_NKINDS
};

/* The per-minute aggregate a collector sends for each site (event.kind "metric"). */
struct ronda_cevent_metrics {
	int64_t window_s;	/* ronda.metrics.window_s (60) */
	int64_t requests;	/* ronda.metrics.requests */
	int64_t status[6];	/* ronda.metrics.status."1xx".."5xx" at [1..5] */
	int64_t bytes;		/* ronda.metrics.bytes, -1 absent */
	int64_t distinct_ips;	/* ronda.metrics.distinct_ips, -1 absent */
	int heartbeat;		/* ronda.metrics.heartbeat present */
};

/*
 * A web-root change (event.dataset "file.integrity", collector/webroot.c):
 * the file below its root, its hash, what the markers found in it.
 */
struct ronda_cevent_file {
	int present;			/* ronda.file was there */
	char relpath[RONDA_CEVENT_PATH_MAX + 1];	/* ronda.file.relpath (cut) */
	char sha256[65];		/* file.hash.sha256, "" absent or malformed */
	int accepted;			/* ronda.file.accepted: the operator's own change */
	int nfam;
	char families[RONDA_CEVENT_FAMILIES][32];	/* ronda.file.families */
	int ndom;
	char domains[RONDA_CEVENT_DOMAINS][RONDA_CEVENT_DOMAIN_MAX + 1];	/* ronda.file.domains */
	char excerpt[RONDA_CEVENT_EXCERPT_MAX + 1];	/* the first excerpt's text (cut) */
};

/*
 * A search bot's answer next to a browser's for the same URL (ronda.cloak,
 * collector/cloak.c): a cloaker answers them differently.
 */
struct ronda_cevent_cloak {
	int present;
	int browser_status;
	int64_t browser_bytes;		/* -1 absent */
	int64_t age_s;			/* the browser's answer that long before, -1 absent */
};

struct ronda_cevent {
	char id[RONDA_CEVENT_ID_MAX + 1];
	uint64_t id_hi, id_lo;		/* 128-bit hash of id (dedupe key) */
	int64_t ts_ms;			/* @timestamp, UTC ms */
	int kind;			/* enum ronda_cevent_kind */
	char site[RONDA_CEVENT_SITE_MAX + 1];
	char host[RONDA_CEVENT_HOST_MAX + 1];	/* host.name, the sender's claim; "" absent */
	int host_cut;			/* host.name was longer than kept */
	int host_unlisted;		/* set by the engine: host not in its site's hosts */
	char dataset[32];		/* event.dataset (cut) */
	char action[48];		/* event.action (cut), "" absent */
	int outcome;			/* enum ronda_cevent_outcome */
	char ip[48];			/* source.ip as text, "" absent */
	unsigned char ip_bin[16];	/* IPv4 in the first 4 bytes */
	int ip_family;			/* 4, 6 or 0 when absent */
	char domain[254];		/* source.domain: a host name instead of an address, "" absent */
	char user[RONDA_CEVENT_USER_MAX + 1];
	char method[16];
	char path[RONDA_CEVENT_PATH_MAX + 1];
	char query[RONDA_CEVENT_PATH_MAX + 1];
	char ua[RONDA_CEVENT_UA_MAX + 1];
	char referrer[RONDA_CEVENT_PATH_MAX + 1];	/* http.request.referrer (cut) */
	int status;			/* http.response.status_code, 0 absent */
	int64_t bytes;			/* http.response.body.bytes, -1 absent */
	int severity;			/* ronda.severity or event.severity, 0 none */
	int nrules;
	char rule_id[RONDA_CEVENT_RULES][RONDA_CEVENT_RULE_MAX + 1];
	char rule_cat[RONDA_CEVENT_RULES][RONDA_CEVENT_RULE_MAX + 1];
	char original[RONDA_CEVENT_ORIG_MAX + 1];
	size_t original_len;		/* bytes kept in original */
	int original_cut;		/* the original line was longer */
	struct ronda_cevent_metrics m;	/* valid when kind == METRIC */
	struct ronda_cevent_file file;	/* valid when file.present */
	struct ronda_cevent_cloak cloak;	/* valid when cloak.present */
};

/*
 * Decode and validate one message p[0..n) into ev (overwritten). max is the
 * largest message accepted (bytes). Returns RONDA_CEVENT_OK, or a
 * RONDA_CEVENT_REJ_* with a short reason in err (which may quote nothing of
 * the input but a field name).
 */
int ronda_cevent_decode(const char *p, size_t n, size_t max, struct ronda_cevent *ev,
    char *err, size_t errlen);

/* Name of a reject reason ("too_large", "not_json", "schema"). */
const char *ronda_cevent_reject_name(int rej);

/* 128-bit hash of an event id as the dedupe key (stable across builds). */
void ronda_cevent_id_hash(const char *id, size_t n, uint64_t *hi, uint64_t *lo);

/*
 * Parse a textual IPv4/IPv6 address (ptr, len) into 16 bytes (IPv4 in the
 * first four). Returns 4, 6, or 0 when it is not an address.
 */
int ronda_cevent_parse_ip(const char *p, size_t n, unsigned char out[16]);

#endif
