/*
 * incident.h — incidents: one per (site, kind, key) while it is active.
 *
 * Hits from the detectors are folded into incidents in memory: severity is the
 * highest seen, first/last seen are event times, the attacker keys and rule
 * ids are small capped sets, evidence lines are capped per incident, and every
 * indicator (ip, net, user, user_agent, path, rule) is queued once for the
 * store's indicators table, which the campaign stage queries.
 *
 * Status follows event time only, so a replay decides the same way: a hit
 * more than `quiet` ms after the incident's last event reopens it; the sweep
 * closes incidents whose site's event clock is `quiet` past their last
 * event. The table is capped: clean incidents are dropped from memory (the
 * store keeps them), closed ones first, then the least recently used, and
 * fetched back through the loader when hit again.
 */
#ifndef RONDA_INCIDENT_H
#define RONDA_INCIDENT_H

#include <stddef.h>
#include <stdint.h>

#include "detect.h"

#define RONDA_INCIDENT_SET 8		/* IPs, users, rule ids kept per incident */
#define RONDA_INCIDENT_IND 160		/* indicators recorded per incident (a pool: its addresses) */

enum ronda_incident_status {
	RONDA_INCIDENT_OPEN = 0,
	RONDA_INCIDENT_CLOSED = 1,
	RONDA_INCIDENT_REOPENED = 2,
};

struct ronda_incident_evidence {
	int64_t ts;
	int seq;
	int len;			/* of line, without its NUL */
	char *line;			/* owned: in the same allocation as the node */
	struct ronda_incident_evidence *next;
};

/*
 * value is the last field: the table allocates a pending indicator with only
 * as many bytes of it as the value needs (most are an IP or a rule id, not
 * 255 bytes), so never copy one by value.
 */
struct ronda_incident_ind {
	struct ronda_incident_ind *next;
	int64_t ts;
	char type[16];
	char value[256];
};

/*
 * The fields every lookup and hit touches come first, in one cache line:
 * a table of tens of thousands of 2.4 KiB incidents does not stay in cache.
 */
struct ronda_incident {
	uint64_t ka, kb;		/* the id's 128 bits (the table's key) */
	struct ronda_incident *hnext;	/* table bucket chain */
	uint64_t touch;			/* table clock at the last use (trim keeps the recent) */
	int64_t first_seen, last_seen;	/* event time, ms */
	int64_t event_count;
	int severity;
	int status;			/* enum ronda_incident_status */
	int dirty;
	int32_t part;			/* partition of the last hit */
	struct ronda_incident *dnext;	/* dirty list */
	int64_t reopen_count;
	int64_t new_from;		/* earliest hit since the last write (0: none) */
	char id[33];			/* hex hash of (site, kind, key) */
	char site[RONDA_CEVENT_SITE_MAX + 1];
	char kind[32];
	char key[80];
	int site_known;
	int nips, nusers, nrules;
	char ips[RONDA_INCIDENT_SET][48];
	char users[RONDA_INCIDENT_SET][RONDA_CEVENT_USER_MAX + 1];
	char rules[RONDA_INCIDENT_SET][RONDA_CEVENT_RULE_MAX + 1];
	int nevidence;			/* evidence lines recorded (stored + pending) */
	int nind;			/* indicators recorded */
	uint64_t indh[RONDA_INCIDENT_IND];	/* hashes of those, to skip repeats */
	int64_t indts[RONDA_INCIDENT_IND];	/* their earliest hit (written again when earlier) */
	/* Not yet written to the store (taken by ronda_incidents_take_pending). */
	struct ronda_incident_evidence *ev_pending;
	struct ronda_incident_ind *ind_pending;
};

struct ronda_incidents_config {
	int64_t quiet;			/* ms without events before it closes */
	int64_t max_evidence;		/* evidence lines per incident */
	int64_t max_evidence_len;	/* bytes per evidence line */
	int64_t max_memory;		/* incidents kept in memory */
	/*
	 * Detection as a consumer group: each partition keeps its own share
	 * of (site, kind, key), under ronda_incident_make_id_part (id and
	 * store row); `part` of such an incident never changes.
	 */
	int per_part;
};

/* Looks an incident up in the store (when it is not in memory): 1 found, 0 not. */
struct ronda_incidents_loader {
	void *arg;
	int (*load)(void *arg, const char *id, struct ronda_incident *out);
};

/* Knows whether a site is configured (unknown sites are flagged). */
typedef int (*ronda_incidents_known_fn)(void *arg, const char *site);

struct ronda_incidents;

struct ronda_incidents *ronda_incidents_new(const struct ronda_incidents_config *cfg,
    const struct ronda_incidents_loader *loader, ronda_incidents_known_fn known,
    void *known_arg);
void ronda_incidents_free(struct ronda_incidents *t);

/* A detect sink that feeds this table (arg = the table). */
struct ronda_detect_sink ronda_incidents_sink(struct ronda_incidents *t);

/* Apply one hit (what the sink does). */
void ronda_incidents_hit(struct ronda_incidents *t, const struct ronda_detect_hit *h);
/* Active at ts: exists, and ts is within quiet of its last event. */
/* h joins (site, kind, key) if that is an incident active at h->ts: 1, else 0 (nothing done). */
int ronda_incidents_hit_active(struct ronda_incidents *t, const struct ronda_detect_hit *h);
int ronda_incidents_active(struct ronda_incidents *t, const char *site, const char *kind,
    const char *key, int64_t ts);
/* The same for the share of partition part (per_part; else part is ignored). */
int ronda_incidents_active_in(struct ronda_incidents *t, const char *site, const char *kind,
    const char *key, int32_t part, int64_t ts);

/*
 * Close incidents whose clock wm(arg, inc) (the engine's: their site's event
 * time) is quiet past last_seen; INT64_MIN means no clock yet (skipped).
 */
void ronda_incidents_sweep(struct ronda_incidents *t, int64_t (*wm)(void *arg,
    const struct ronda_incident *inc), void *arg);

/*
 * Every dirty incident through fn (to be stored), then marked clean with its
 * pending evidence/indicators freed after fn returns. fn returns 0 / -1; on
 * -1 the walk stops and the rest stay dirty. Also trims memory to the cap.
 */
int ronda_incidents_flush(struct ronda_incidents *t,
    int (*fn)(void *arg, struct ronda_incident *inc), void *arg);

/*
 * An incident id present in the store (startup): only ids noted here or
 * seen by this table are looked up through the loader when not in memory.
 */
void ronda_incidents_note_stored(struct ronda_incidents *t, const char *id);

/* Restore a stored incident (startup). Ownership of nothing passes. */
void ronda_incidents_restore(struct ronda_incidents *t, const struct ronda_incident *inc);
/* The same, marked to be written at the next flush (taken over from elsewhere). */
void ronda_incidents_restore_dirty(struct ronda_incidents *t, const struct ronda_incident *inc);
/* Forget the clean incidents of a partition (revoked, or about to be restored); how many. */
size_t ronda_incidents_drop_part(struct ronda_incidents *t, int32_t part);

/* The incident for (site, kind, key) in memory, or NULL (borrowed). */
const struct ronda_incident *ronda_incidents_find(struct ronda_incidents *t,
    const char *site, const char *kind, const char *key);

/* Number in memory, number of dirty ones. */
size_t ronda_incidents_count(const struct ronda_incidents *t);
size_t ronda_incidents_dirty(const struct ronda_incidents *t);

/* The deterministic id of (site, kind, key). */
void ronda_incident_make_id(char out[33], const char *site, const char *kind,
    const char *key);
/* The id of partition part's share of it (per_part tables). */
void ronda_incident_make_id_part(char out[33], const char *site, const char *kind,
    const char *key, int32_t part);

/* Add v to the IP/user/rule set fed by indicator type (others: nothing). */
void ronda_incident_set_add(struct ronda_incident *inc, const char *type, const char *v);

/* Status name and back. */
const char *ronda_incident_status_name(int status);
int ronda_incident_status_parse(const char *s);

#endif
