/*
 * detect.h — the per-site detectors. Each decoded event goes through every
 * detector that applies to it; a detector keeps its evidence in the window
 * store (keys are partition-local, so a replay of one partition rebuilds
 * exactly the state it had) and reports findings as hits to a sink.
 *
 * A hit says "this event belongs to incident (site, kind, key)"; the sink
 * (incident.c in the daemon, a recorder in tests, an incident stream in a
 * later stage) aggregates them. The only thing a detector asks the sink is
 * whether an incident is active at the event's time, so that once a brute
 * force is open every further failure is added to it.
 *
 * Detectors (defaults in ronda_detect_defaults, docs/correlator.md):
 *   <svc>_bruteforce  N failures of ssh/ftp/sudo/su/pam from one IP in T
 *   password_spray    many user names failing from one IP in T
 *   compromise        a success after failures from the same IP or /24 (critical)
 *   cms_bruteforce    N POSTs to CMS login endpoints from one IP in T
 *   scan              N distinct 404 paths from one IP in T
 *   webshell, sqli, lfi, rce, gambling, defacement
 *                     a rule hit of that category opens at once; a 200 on a
 *                     webshell, a 500 after destructive SQL, escalate to critical;
 *                     gambling is keyed by the site when the site serves the
 *                     page (words in the path) or a gambling site sent the
 *                     visitor, by the IP for search spam (words in the query)
 *   flood             a minute's requests >= factor x the trailing baseline
 *   http_5xx_surge    a minute's 5xx share >= ratio (the "blank site")
 *   webshell_file, gambling_injection, defacement, bulk_change
 *                     web-root changes and their markers (detect_file.c)
 *   cloaking          search bots answered unlike browsers (detect_file.c)
 * (silent_site is decided by the engine, which alone knows the clock.)
 */
#ifndef RONDA_DETECT_H
#define RONDA_DETECT_H

#include <stddef.h>
#include <stdint.h>

#include "cevent.h"
#include "window.h"

struct ronda_detect_config {
	int64_t bf_failures;		/* brute force: failures from one IP ... */
	int64_t bf_window;		/* ... within this many ms */
	int64_t spray_users;		/* distinct user names failing from one IP ... */
	int64_t spray_window;
	int64_t compromise_failures;	/* failures before a success that makes it a compromise */
	int64_t compromise_window;
	int64_t cms_attempts;		/* POSTs to a CMS login endpoint */
	int64_t cms_window;
	int64_t slow_attempts;		/* failures or CMS login POSTs from one IP ... */
	int64_t slow_window;		/* ... within this span: a low-severity brute force */
	int64_t fleet_sites;		/* a login of an address that guessed on this many sites ... */
	int64_t fleet_window;		/* ... within this span is a compromise (actors.h) */
	int64_t scan_paths;		/* distinct 404 paths */
	int64_t scan_window;
	int64_t flood_factor;		/* requests >= factor x baseline ... */
	int64_t flood_min_requests;	/* ... and at least this many */
	int64_t flood_baseline;		/* trailing baseline span (ms) */
	int64_t surge_5xx_pct;		/* 5xx share of requests, percent */
	int64_t surge_5xx_min;		/* and at least this many 5xx */
	int64_t silent_after;		/* no heartbeat for this long (ms) */
	int64_t quiet;			/* an incident closes after this quiet period */
	int64_t file_bulk;		/* changed files without a marker on one site ... */
	int64_t file_bulk_window;	/* ... within this span: a low bulk_change */
	int64_t cloak_answers;		/* search-bot answers unlike a browser's ... */
	int64_t cloak_referrals;	/* or addresses from a search result redirected ... */
	int64_t cloak_window;		/* ... within this span: cloaking */
};

#define RONDA_DETECT_MAX_IND 20
#define RONDA_DETECT_VALUE_MAX 208	/* bytes of a derived indicator value (indicator.h) */

struct ronda_detect_hit {
	const char *site;
	const char *kind;
	const char *key;		/* IP, user, network, or the site itself */
	int severity;			/* enum ronda_severity */
	int64_t ts;			/* event time (ms) */
	int64_t count;			/* events this hit adds to the incident */
	int32_t part;
	const char *ip;			/* attacker IP, may be NULL */
	const char *user;		/* user name tried, may be NULL */
	int nrules;
	const char *const *rule_ids;
	const char *evidence;		/* the original line (not NUL-terminated), may be NULL */
	size_t evidence_len;
	/*
	 * Indicators (campaign.h links by them): ip, net (/24, /48), user,
	 * user_agent (only one that is not a browser, crawler or generic tool),
	 * rule, path, payload (indicator.h), webshell (the path of a shell that
	 * answered 2xx), gambling (word set, or the referring gambling domain).
	 * Values point into the event or into the hit's own buffers.
	 */
	int nind;
	struct { const char *type, *value; } ind[RONDA_DETECT_MAX_IND];
	char net[64];
	char payload[RONDA_DETECT_VALUE_MAX];
	char gwords[RONDA_DETECT_VALUE_MAX];
	char gdomain[RONDA_DETECT_VALUE_MAX];
	char asn[16];			/* "AS4134" */
	char country[3];		/* "CN" */
};

struct ronda_detect_sink {
	void *arg;
	void (*hit)(void *arg, const struct ronda_detect_hit *h);
	/*
	 * If (h->site, h->kind, h->key) is an incident still active at h->ts,
	 * apply h to it and return 1; else do nothing and return 0 (one lookup
	 * where an "is it active?" then a hit took two).
	 */
	int (*hit_active)(void *arg, const struct ronda_detect_hit *h);
};

struct ronda_detect;

/* Fill cfg with the defaults. */
void ronda_detect_defaults(struct ronda_detect_config *cfg);

/* Detectors over window store w (borrowed) reporting to sink (copied). */
struct ronda_detect *ronda_detect_new(const struct ronda_detect_config *cfg,
    struct ronda_window *w, const struct ronda_detect_sink *sink);
void ronda_detect_free(struct ronda_detect *d);

/*
 * Feed one event read from partition part. With emit 0 only the windows are
 * updated (a replay rebuilding state after a restart); with emit 1 hits go to
 * the sink. A late event (its windows have closed) skips the windowed
 * detectors but still opens signature incidents.
 */
void ronda_detect_event(struct ronda_detect *d, const struct ronda_cevent *ev,
    int32_t part, int emit, int late);
/*
 * The same, with the window keys' expiry following `clock` (the engine's
 * event-stream clock) instead of the partition.
 */
void ronda_detect_event_on(struct ronda_detect *d, const struct ronda_cevent *ev,
    int32_t part, int32_t clock, int emit, int late);

/* The longest span any detector looks back (for expiry and replay). */
int64_t ronda_detect_horizon(const struct ronda_detect_config *cfg);

/*
 * With geo (borrowed; NULL: none), hits of an address carry its ASN
 * ("asn" = "AS4134") and, when it is abroad (luar negeri: a known country
 * that is not geoip.home_country), its country ("foreign" = "CN").
 */
struct ronda_geo;
void ronda_detect_set_geo(struct ronda_detect *d, struct ronda_geo *geo);

/*
 * With actors (borrowed; NULL: none), every address that joins a brute-force
 * incident is noted there, and a login of one that guessed on fleet_sites
 * sites within fleet_window is a compromise wherever it lands.
 */
struct ronda_actors;
void ronda_detect_set_actors(struct ronda_detect *d, struct ronda_actors *actors);

/*
 * own(arg, ip): 1 when an address keeps incidents of its own (the
 * allowlist: the SOC's scanner is not part of an attacker pool). NULL: none.
 */
void ronda_detect_set_own(struct ronda_detect *d, int (*own)(void *arg, const char *ip),
    void *arg);

/*
 * With bots (borrowed; NULL: none), a request naming a crawler from outside
 * the crawler's published ranges keeps its address as an indicator.
 */
struct ronda_bots;
void ronda_detect_set_bots(struct ronda_detect *d, const struct ronda_bots *bots);

/* Incident kind for a rule category ("webshell", ...), or NULL. */
const char *ronda_detect_kind_of_category(const char *category);

#endif
