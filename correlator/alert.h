/*
 * alert.h — alerts: raised by the campaign engine and the incident stage,
 * written to the outbox (the `alerts` table of the store) in the same
 * transaction as the change that caused them, then delivered to each
 * configured sink by the alert dispatcher (alertd.h).
 *
 * An alert's id is a hash of (type, campaign or incident id, seq_key), so
 * raising the same alert again (a replay after a crash, a second batch that
 * decides the same) inserts nothing: the id is also the idempotency key the
 * sinks send.
 */
#ifndef RONDA_ALERT_H
#define RONDA_ALERT_H

#include <stddef.h>
#include <stdint.h>

struct sqlite3;
struct ronda_incident;

enum ronda_alert_type {
	RONDA_ALERT_CAMPAIGN_NEW = 0,	/* a campaign reached min_sites */
	RONDA_ALERT_CAMPAIGN_GREW,	/* it reached new sites (throttled by the caller) */
	RONDA_ALERT_CAMPAIGN_SEVERITY,	/* its severity rose */
	RONDA_ALERT_INCIDENT_CRITICAL,	/* a critical single-site incident */
	RONDA_ALERT_NTYPES
};

struct ronda_alert_site {
	const char *id;
	const char *agency;		/* "" when not configured */
	const char *region;
	const char *timezone;		/* IANA name, "" = UTC */
	int64_t first_seen;		/* event time ms this site joined */
};

struct ronda_alert_indicator {
	const char *type;		/* ip, net, payload, webshell, gambling, user_agent, user */
	const char *value;
};

struct ronda_alert {
	int type;			/* enum ronda_alert_type */
	const char *campaign_id;	/* NULL for incident alerts */
	const char *incident_id;	/* incident alerts; NULL otherwise */
	const char *kind;		/* campaign kind or incident kind */
	const char *title;		/* the campaign's title; NULL: built from kind */
	int severity;			/* RONDA_SEV_* */
	int prev_severity;		/* CAMPAIGN_SEVERITY: the one before */
	int64_t first_seen, last_seen;	/* event time ms */
	const struct ronda_alert_site *sites;	/* all sites, in joining order */
	size_t nsites;
	size_t site_total;		/* sites in all when the list was cut; 0: nsites */
	const char *const *new_sites;	/* CAMPAIGN_GREW/NEW: the sites just reached */
	size_t nnew;
	const struct ronda_alert_indicator *ind;	/* top indicators, strongest first */
	size_t nind;
	const char *const *ips;		/* top attacker IPs */
	size_t nips;
	const char *const *abroad;	/* countries of attackers abroad (luar negeri) */
	size_t nabroad;
	const char *user;		/* incident alerts: the account, or NULL */
	int64_t seq_key;		/* tells repeated alerts apart: site count, severity */
};

/*
 * Build the alert's JSON (schemas/alert.schema.json) with its text in lang
 * (RONDA_LANG_ID / RONDA_LANG_EN) and insert it into the outbox inside the
 * caller's open transaction. now_ms is the wall clock (created). Returns 1
 * inserted, 0 already there (same id), -1 on error with err set.
 */
int ronda_alert_raise(struct sqlite3 *db, const struct ronda_alert *a, int lang,
    int64_t now_ms, char *err, size_t errlen);

/* The alert id ronda_alert_raise would give a (32 hex digits + NUL). */
void ronda_alert_make_id(char out[33], const struct ronda_alert *a);

/*
 * The alert's JSON as ronda_alert_raise would store it (malloc'd, NULL on
 * out of memory). For tests and tools.
 */
char *ronda_alert_json(const struct ronda_alert *a, int lang, int64_t now_ms);

/*
 * The incident stage's hook (engine.c, where dirty incidents are written in
 * the batch transaction): a critical incident raises INCIDENT_CRITICAL once
 * per (incident, reopen_count), with its site's agency, region and zone from
 * the site_info table. Below critical: nothing. Returns like ronda_alert_raise.
 */
int ronda_alert_incident(struct sqlite3 *db, const struct ronda_incident *inc, int lang,
    int64_t now_ms, char *err, size_t errlen);

struct ronda_buf;

/*
 * The message for people (the JSON's "text") and the title built from the
 * kind when a->title is NULL, appended to t in lang. Every string from the
 * stream goes through the terminal escaper. For the sinks that render the
 * stored JSON again in their own language (alert_format.c).
 */
void ronda_alert_text(struct ronda_buf *t, const struct ronda_alert *a, int lang);
void ronda_alert_title(struct ronda_buf *t, const struct ronda_alert *a, int lang);
/* "09:35 WITA", or "20 Nov 09:35 WITA" when ref_ms is on another local day. */
void ronda_alert_local_time(struct ronda_buf *t, const char *tzname, int64_t ms,
    int64_t ref_ms, int lang);
/* "KRITIS" / "CRITICAL", ... */
const char *ronda_alert_severity_word(int sev, int lang);
/* s with control characters and invalid UTF-8 escaped, cut to max bytes ("..."). */
void ronda_alert_text_put(struct ronda_buf *t, const char *s, size_t max);

/* Free the time zones cached for local times (at exit; for leak checkers). */
void ronda_alert_cleanup(void);

/* "campaign_new", ... and back (-1 unknown). */
const char *ronda_alert_type_name(int type);
int ronda_alert_type_parse(const char *s);

#endif
