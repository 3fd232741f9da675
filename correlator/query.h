/*
 * query.h — read-only queries on the correlator's store for the analysts'
 * tools. The `ronda` CLI and the correlator's HTTP API build the same JSON
 * objects here, as schemas/incident, campaign, site and summary
 * .schema.json describe them (times RFC 3339 UTC), with the same filters.
 *
 * A handle is one SQLite connection opened SQLITE_OPEN_READONLY with a busy
 * timeout: safe while the correlator writes (WAL: a reader sees the last
 * committed batch and never blocks the writer). Each call reads in one
 * transaction, so a list and its total agree. One thread at a time per
 * handle; open one per thread.
 *
 * Every string in the returned objects may come from a log line (attacker
 * controlled): cJSON escapes it for JSON; anything printing it elsewhere
 * must escape it for its destination.
 */
#ifndef RONDA_QUERY_H
#define RONDA_QUERY_H

#include <stddef.h>
#include <stdint.h>

#include <cJSON.h>

#define RONDA_QUERY_LIMIT_DEFAULT 50
#define RONDA_QUERY_LIMIT_MAX 1000
#define RONDA_QUERY_CURSOR_MAX 96	/* bytes of a cursor, NUL included */

/* Results of the query calls. */
enum ronda_query_rc {
	RONDA_QUERY_OK = 0,
	RONDA_QUERY_NOTFOUND = 1,	/* no object with that id (HTTP 404) */
	RONDA_QUERY_BADARG = 2,		/* a filter, cursor or id that can never match (400) */
	RONDA_QUERY_ERROR = 3,		/* the store failed: busy past the timeout, I/O (500/503) */
};

/*
 * Filters shared by the list calls; ronda_query_filter_init() sets "none".
 * Strings are borrowed for the call. Unknown kind, severity or status values
 * are RONDA_QUERY_BADARG with a message naming the field.
 */
struct ronda_query_filter {
	int64_t since;		/* ms UTC: last_seen >= since; INT64_MIN = no bound */
	int64_t until;		/* ms UTC: first_seen < until; INT64_MAX = no bound */
	const char *site;	/* exact site id; NULL = any (incidents, campaigns with it, sites) */
	const char *kind;	/* incident kind / campaign kind; NULL = any */
	const char *severity;	/* minimum: "high" also matches critical; NULL = any */
	const char *status;	/* incidents: open, closed, reopened, or active (not closed);
				 * campaigns: candidate, active, quiet, closed, merged; NULL = any
				 * (campaign lists leave out merged unless asked for) */
	const char *triage;	/* new, acknowledged, assigned, closed (triage state); NULL = any */
	int64_t limit;		/* 0 = RONDA_QUERY_LIMIT_DEFAULT; capped at _MAX */
	int64_t offset;		/* rows to skip (ignored with a cursor) */
	const char *cursor;	/* next_cursor of the previous page; NULL/"" = first page */
};

/* One page of a list: where the next starts, and how many match in all. */
struct ronda_query_page {
	char next_cursor[RONDA_QUERY_CURSOR_MAX];	/* "" on the last page */
	int64_t total;		/* rows matching the filter, ignoring limit/offset/cursor */
};

struct ronda_query;

/* The "no filter" values (since INT64_MIN, until INT64_MAX, NULLs, 0s). */
void ronda_query_filter_init(struct ronda_query_filter *f);

/*
 * Open the store at path read-only. NULL with a one-line message in err:
 * "PATH: no such store" when the file is missing, "PATH: not a Ronda store"
 * when it has no Ronda schema, "PATH: store schema version N, this reads
 * 4..M" otherwise. Sets errno to ENOENT for the missing file.
 */
struct ronda_query *ronda_query_open(const char *path, char *err, size_t errlen);
/* Close; NULL is a no-op. */
void ronda_query_close(struct ronda_query *q);
/* The message of the last call that did not return RONDA_QUERY_OK. */
const char *ronda_query_errmsg(const struct ronda_query *q);

/*
 * The newest event time in the store (what its logs say, never a heartbeat
 * or the correlator's clock): the newest site clock, or in a store older
 * than version 6 the newest of the partition watermarks, incidents and
 * site events; ms UTC, 0 when the store is empty. What "now" means for
 * replayed, imported or simulated data (`--now latest`).
 */
int64_t ronda_query_latest(struct ronda_query *q);

/*
 * Incidents matching f, newest last_seen first (ties by id), as an array of
 * incident.schema.json objects in *out (caller frees; NULL on failure).
 * page (may be NULL) gets the cursor of the next page and the total.
 */
int ronda_query_incidents(struct ronda_query *q, const struct ronda_query_filter *f,
    cJSON **out, struct ronda_query_page *page);
/* One incident by id (32 hex digits, else BADARG) into *out (caller frees). */
int ronda_query_incident(struct ronda_query *q, const char *id, cJSON **out);

/*
 * The campaigns an incident is part of (merged ones left out), as an array
 * of {id, title, kind, severity, status, site_count} in joining order into
 * *out: how `ronda incident` leads on to the campaign. OK (maybe empty),
 * BADARG for a malformed id.
 */
int ronda_query_incident_campaigns(struct ronda_query *q, const char *id, cJSON **out);

/* What ronda_query_resolve() looks up. */
enum ronda_query_what {
	RONDA_QUERY_INCIDENT = 0,
	RONDA_QUERY_CAMPAIGN = 1,
};

/*
 * The full id of the incident or campaign whose id is or starts with prefix
 * (4 characters or more, as the CLI shows ids cut short), into out: OK;
 * NOTFOUND; BADARG when the prefix is too short or several ids start with it.
 */
int ronda_query_resolve(struct ronda_query *q, enum ronda_query_what what,
    const char *prefix, char *out, size_t outlen);

/*
 * Campaigns matching f (site: campaigns that reached it), newest last_seen
 * first, as an array of campaign.schema.json objects (sites, indicators, top
 * IPs, merged_from, incident_ids; without the incidents and evidence lines).
 */
int ronda_query_campaigns(struct ronda_query *q, const struct ronda_query_filter *f,
    cJSON **out, struct ronda_query_page *page);
/*
 * One campaign with its timeline: the campaign object plus its incidents and
 * sample evidence lines. A merged campaign's id returns the campaign as
 * stored (status "merged", merged_into set); callers may follow merged_into.
 */
int ronda_query_campaign(struct ronda_query *q, const char *id, cJSON **out);

/*
 * The triage audit, newest first: at most limit rows (1.._MAX), only those
 * of object_id when not NULL, as an array of {id, at, who, object,
 * object_id, action, before, after, note} in *out (caller frees). A store
 * older than version 8 has an empty audit.
 */
int ronda_query_audit(struct ronda_query *q, const char *object_id, int64_t limit,
    cJSON **out);

/*
 * Suppressions made by triage (a campaign closed as a false positive), those
 * active at now (wall clock, ms UTC) or, with all, expired ones too; newest
 * first, as an array of {id, type, value, until, active, campaign_id,
 * created_by, created_at} in *out (caller frees).
 */
int ronda_query_suppressions(struct ronda_query *q, int64_t now, int all, cJSON **out);

/*
 * Every known site (heartbeats, configured sites, sites seen in incidents),
 * by id, as an array of site.schema.json objects, with its two clocks
 * apart. Event time: last_event (the newest time its logs wrote), lag_ms
 * (ronda_query_latest() minus last_event), late (its events too late for
 * the windows). Processing time: last_heard (the correlator's clock when
 * the site's collector last reported; last_heartbeat is the same),
 * events_heard (when an event of the site last arrived), heard_age_ms.
 * now is the reader's wall clock (ms UTC), what liveness is judged by:
 * silent when heard once and not for silent_after (the correlator's
 * setting, stored in the table settings; 15 minutes when absent), or an
 * open silent_site incident raised after the last heartbeat; stalled when
 * heard within silent_after but no event arrived for silent_after. A store
 * older than version 6 kept heartbeats in event time: there now is
 * ronda_query_latest() and late, events_heard are 0/null. Only f->site is
 * used (NOTFOUND when that site is unknown).
 */
int ronda_query_sites(struct ronda_query *q, const struct ronda_query_filter *f,
    int64_t now, cJSON **out);

/*
 * The summary.schema.json object for [since, until) (INT64_MIN/INT64_MAX in f
 * mean the whole store): per agency, incidents by kind and severity, active
 * campaigns, top attacker IPs and networks. f->site, kind, severity narrow
 * the incidents counted.
 */
int ronda_query_summary(struct ronda_query *q, const struct ronda_query_filter *f,
    cJSON **out);

/*
 * Parse a --since/--until/?since= value into ms UTC:
 *   "90m", "24h", "7d", "2w", "45s"  -> now_ms minus that (units s m h d w)
 *   "now"                            -> now_ms
 *   "2026-11-16"                     -> midnight of that day in zone
 *   "2026-11-16T08:00", "2026-11-16 08:00:00" -> that wall time in zone
 *   "2026-11-16T08:00:00Z", "2026-11-16T08:00+08:00", fractions -> as written
 * zone is an IANA name for times without an offset (NULL or "" = UTC; the
 * CLI passes the operator's zone). 0, or -1 with "bad time 'X': why" in err.
 */
int ronda_query_parse_time(const char *s, int64_t now_ms, const char *zone,
    int64_t *out, char *err, size_t errlen);

/* The name of a severity rank 0..4 ("none", "low", ... "critical") and back (-1 unknown). */
const char *ronda_query_severity_name(int rank);
int ronda_query_severity_rank(const char *name);

#endif
