/*
 * campaign.h — the campaign stage: links incidents across sites into
 * campaigns and waves, and raises the campaign alerts.
 *
 * It consumes the incident stream through one narrow view (struct
 * ronda_incident_view: id, site, kind, severity, first/last seen and the
 * indicators new since the incident's last view), so it can be fed from the
 * incident stage in the same process (today: at each batch commit) or from
 * an incident topic later. Everything it decides is written into the
 * caller's open SQLite transaction (tables campaigns, campaign_sites,
 * campaign_incidents, campaign_indicators, campaign_merges, the alert outbox
 * and its own campaign_state, campaign_meta, campaign_wave_days), so a batch
 * replayed after a crash decides the same and inserts nothing twice (alert
 * ids are deterministic). docs/correlator.md, "Campaigns", says how it links.
 *
 * Memory is bounded: incidents are kept for linking while they are within
 * link_window (at most max_incidents), indicators while an incident holds
 * them, campaigns until closed; what a cap drops is counted.
 */
#ifndef RONDA_CAMPAIGN_H
#define RONDA_CAMPAIGN_H

#include <stddef.h>
#include <stdint.h>

#include "cconfig.h"

struct sqlite3;
struct ronda_campaigns;

struct ronda_campaigns_config {
	int64_t min_sites;		/* sites before a campaign is reported */
	int64_t window;			/* ms: min_sites first hit within this span */
	int64_t link_window;		/* ms: incidents this close in time link; also the wave span */
	int64_t dormancy;		/* ms: a campaign takes incidents sharing its
					   fingerprints (payload, shell, domain) this long after
					   its last activity, closed or not */
	int64_t quiet, close;		/* ms without member activity: quiet, closed */
	int64_t common_share;		/* % of known sites: an indicator on more never links */
	int64_t wave_floor;		/* sites in a wave span before there is history */
	int64_t wave_factor;		/* x the learned baseline */
	int64_t interval;		/* ms: at most one growth alert per campaign */
	int64_t lateness;		/* ms: status and expiry judged this far behind the newest time */
	int64_t max_incidents;		/* incidents kept for linking */
	int lang;			/* RONDA_LANG_ID / RONDA_LANG_EN: titles and alert text */
	const struct ronda_allow_cfg *allow;	/* never link (ip and net match by CIDR) */
	size_t nallow;
	const struct ronda_site_cfg *sites;	/* agency, region, zone of known sites */
	size_t nsites;
};

/* One indicator of an incident (borrowed strings). */
struct ronda_incident_view_ind {
	const char *type;		/* ip, net, payload, webshell, gambling, user_agent, user */
	const char *value;
	int64_t ts;			/* event time it was first seen on the incident */
};

/* An incident as the campaign stage sees it (borrowed for the call). */
struct ronda_incident_view {
	const char *id;			/* 32 hex */
	const char *site;
	const char *kind;		/* incident kind (ssh_bruteforce, webshell, ...) */
	int severity;			/* RONDA_SEV_* */
	int64_t first_seen, last_seen;	/* event time ms */
	int64_t new_from;		/* its earliest hit since the last view (0: unknown) */
	const struct ronda_incident_view_ind *ind;	/* new since the last view; others ignored */
	size_t nind;
};

/*
 * Counters of what the stage did and what its caps dropped (evicted and
 * dropped also in campaign_meta, cumulative across restarts).
 */
struct ronda_campaigns_stats {
	int64_t incidents;		/* incidents held for linking now */
	int64_t indicators;		/* indicators held now */
	int64_t campaigns;		/* campaigns open now (reported, not closed) */
	int64_t evicted;		/* incidents dropped by max_incidents before link_window */
	int64_t dropped;		/* indicators, postings or campaigns a per-object cap dropped */
	int64_t alerts;			/* alerts inserted into the outbox */
};

/* A stage with cfg copied (the arrays it points to are borrowed). NULL: out of memory. */
struct ronda_campaigns *ronda_campaigns_new(const struct ronda_campaigns_config *cfg);
void ronda_campaigns_free(struct ronda_campaigns *c);

/*
 * SIGHUP: a new allowlist and site list (agency, region, zone; borrowed,
 * must outlive c or the next reload). Indicators already held are judged
 * against the new allowlist at once; links already made stay.
 */
void ronda_campaigns_reload(struct ronda_campaigns *c, const struct ronda_allow_cfg *allow,
    size_t nallow, const struct ronda_site_cfg *sites, size_t nsites);

/*
 * Triage suppressions (triage.h: indicators of campaigns closed as false
 * positives, still active): a second allowlist, judged like the first
 * (borrowed, must outlive c or the next call; NULL, 0 for none). Indicators
 * already held are judged again at once; links already made stay.
 */
void ronda_campaigns_set_suppressions(struct ronda_campaigns *c,
    const struct ronda_allow_cfg *sup, size_t nsup);

/*
 * Restore the state the last committed batch left in db: open campaigns,
 * the incidents within link_window with their indicators, wave history.
 * Call once, before the first view. 0, or -1 with err.
 */
int ronda_campaigns_restore(struct ronda_campaigns *c, struct sqlite3 *db, char *err,
    size_t errlen);

/*
 * Queue one incident view for the next commit (copied). 0, or -1 when out of
 * memory (the view is lost: the caller fails the batch).
 */
int ronda_campaigns_add(struct ronda_campaigns *c, const struct ronda_incident_view *v);

/*
 * Apply the queued views in event-time order, link, find waves, move status
 * on, raise alerts, and write every change into db inside the caller's open
 * transaction. now_event is the stream's event time (ms; the newest the
 * caller has seen, or INT64_MIN), now_wall the wall clock for the alerts'
 * created field. 0, or -1 with err (the caller rolls back; the in-memory
 * state is then ahead of the store and the caller must not go on).
 */
int ronda_campaigns_commit(struct ronda_campaigns *c, struct sqlite3 *db, int64_t now_event,
    int64_t now_wall, char *err, size_t errlen);

void ronda_campaigns_stats(const struct ronda_campaigns *c, struct ronda_campaigns_stats *out);

/* The family an incident kind belongs to ("bruteforce" for ssh_bruteforce), NULL: none. */
const char *ronda_campaign_family(const char *kind);

#endif
