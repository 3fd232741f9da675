/*
 * score.h — what the two parts of `ronda-sim score` share: score_match.c
 * reads truth.json, clock.json and the correlator's store (read only) and
 * matches them; score.c holds the options, the thresholds and the reports.
 *
 * Matching. A found campaign F (store: status not merged, reported, i.e. it
 * reached min_sites) and a planted campaign P share a site when both list it
 * and F's time on that site (campaign_sites first/last seen) overlaps P's
 * window there, widened by SCORE_BEFORE before and SCORE_AFTER after
 * (consequences trail an attack: crawlers follow injected pages, the last
 * brute-force incident closes late). F belongs to the P of a compatible kind
 * family (P's kinds: one actor may use several) with which it shares the most
 * sites, if those are more than half of F's sites; otherwise F is made of
 * noise. A planted campaign's share is that of its best single campaign (the
 * SOC should see one wave, not pieces); the union over its campaigns is
 * printed too. The sites of P's campaigns that were not planted for P are
 * absorbed: they count against P's site precision.
 *
 * Incidents per planted attack: a store incident is attributed to a planted
 * attack (truth.json "attacks") when it is on one of the attack's sites,
 * its time there overlaps the attack's window (widened as above), and it
 * names one of the attack's addresses or is keyed by the site (no address)
 * and of a compatible kind.
 *
 * Web roots (truth.json "files", and "files": true on the campaigns and
 * incidents made of file attacks only): a plant (one attack at one site, and
 * the cloaking it makes the access log show) is found when a store incident
 * on its site has exactly its kind (webshell_file, gambling_injection,
 * defacement, cloaking) and overlaps its window widened as above. A store
 * incident none of the planted attacks explains is attributed to a plant the
 * same way, else to a core update (truth.json "benign", kind cms-update) when
 * it is on the update's site, in its window (widened), of a kind a changed
 * file can raise (bulk_change, defacement, webshell_file, gambling_injection):
 * an update must raise nothing above low, and one that does is a failure
 * whatever the options. Plants, and campaigns and incidents of file attacks
 * only, are reported but not held to a threshold unless --require-files: a
 * correlator without web-root detection still passes the other thresholds,
 * and a campaign it does find for them is matched, not noise.
 *
 * Time to first alert (with --clock, written by `ronda-sim --speed`): the
 * first alert (outbox `created`, wall clock) of P's campaigns or of those
 * merged into them, minus the wall time the line dated at the earliest
 * `reported` of them (the event that put the campaign over min_sites) was
 * due: wall_start + (reported - sim_start) / speed. That line reaches Kafka
 * after it is written, so the figure errs long.
 */
#ifndef RONDA_SIM_SCORE_H
#define RONDA_SIM_SCORE_H

#include <stddef.h>
#include <stdint.h>

#include <sqlite3.h>

#define SCORE_BEFORE (10 * 60000LL)
#define SCORE_AFTER (2 * 3600000LL)
#define SCORE_MAX_ITEMS 100000
#define SCORE_MAX_VIA 16	/* membership reasons kept per campaign */
#define SCORE_MAX_KINDS 16	/* unattributed incident kinds counted apart */

/* A planted campaign (truth.json "campaigns"). */
struct sc_planted {
	char *name;
	char **kinds;		/* kinds[0] is its kind; one actor may use several */
	size_t nkinds;
	char **site;
	int64_t *from, *to;
	size_t nsite;
	/* results */
	size_t best, uni;	/* sites found: best single campaign, union */
	int best_f;		/* index of the best campaign, -1 none */
	unsigned char *hit;	/* per site: some campaign found it */
	int64_t reported, first_alert;	/* 0 none */
	double latency_s;	/* < 0: unknown */
	size_t found_sites;	/* distinct sites of its campaigns */
	char **absorbed;	/* of those, the sites not planted for it (borrowed) */
	size_t nabsorbed;
	int files;		/* made of web-root attacks only */
};

struct sc_fsite {
	char *id;
	int64_t first, last;
};

/* Why incidents are members of a campaign (campaign_incidents.via_type/value). */
struct sc_via {
	char *type, *value;
	long n;			/* incidents */
};

/* A campaign the correlator found. */
struct sc_found {
	char *id, *kind, *severity, *title;
	char *link;		/* the path that found it: indicator, wave, fingerprint, fleet */
	char *members;		/* its incidents' kinds, comma-separated */
	int64_t first_seen, last_seen, reported;
	struct sc_fsite *site;
	size_t nsite, sitecap;
	struct sc_via *via;	/* at most SCORE_MAX_VIA, most members first */
	size_t nvia;
	int planted;		/* index, -1: noise */
	size_t shared;		/* sites shared with that planted campaign */
};

/* A planted single-site incident (truth.json "incidents"). */
struct sc_incident {
	char *name, *site, *kind;
	int64_t from, to;
	int distractor;		/* unrelated: no campaign may absorb its site */
	int found;
	char *found_kind;	/* the store's incident kind that matched */
	int files;		/* a web-root attack's */
};

/* A web-root plant at one site (truth.json "files"). */
struct sc_plant {
	char *name, *campaign, *kind, *site;
	int64_t from, to;
	int found;
	char *found_kind, *found_severity;
	long incidents;		/* store incidents attributed to it */
};

/* A WordPress core update (truth.json "benign", kind cms-update): benign. */
struct sc_update {
	char *name, *site;
	int64_t from, to;
	long incidents;		/* store incidents attributed to it */
	long above_low;		/* ... of severity above low */
	int worst;		/* their worst severity */
	char *worst_kind;
};

/* A planted attack (truth.json "attacks", or an older file's campaigns and incidents). */
struct sc_attack {
	char *name, *kind, *campaign;
	int distractor;
	char **site;
	int64_t *from, *to;	/* its span at each site */
	size_t nsite;
	char **ips;		/* sorted */
	size_t nips;
	long incidents;		/* store incidents attributed to it */
};

struct sc_merged {
	char *id, *into;
	int64_t reported;
};

struct sc_count {
	char *kind;
	long n;
};

struct score {
	char *scenario;
	int64_t seed;
	struct sc_planted *p;
	size_t np;
	struct sc_found *f;
	size_t nf;
	struct sc_incident *inc;
	size_t ninc;
	struct sc_attack *a;
	size_t na;
	char **benign;		/* the SOC scanner's addresses, sorted */
	size_t nbenign;
	struct sc_plant *fp;	/* web-root plants */
	size_t nfp;
	struct sc_update *up;	/* core updates */
	size_t nup;
	struct sc_merged *m;
	size_t nm;
	int have_clock;
	double sim_start, wall_start, speed;
	int max_sev;		/* worst severity of a reported campaign */
	int have_via;		/* the store records why incidents are members */
	long store_incidents;	/* every incident in the store */
	long inc_attributed, inc_benign, inc_other;	/* ... to a planted attack, the scanner, neither */
	long inc_files, inc_updates;	/* ... to a web-root plant, a core update */
	struct sc_count other[SCORE_MAX_KINDS];	/* kinds of the "neither", most first */
	size_t nother;
};

/* Read truth.json into sc. 0, or -1 with err. */
int score_load_truth(struct score *sc, const char *path, char *err, size_t errlen);
/* Read clock.json into sc. 0, or -1 with err. */
int score_load_clock(struct score *sc, const char *path, char *err, size_t errlen);
/* Read the store's campaigns (with their sites, members and reasons). 0 / -1 with err. */
int score_load_store(struct score *sc, sqlite3 *db, char *err, size_t errlen);
/* Found campaigns to planted ones, their absorbed sites. */
void score_match_campaigns(struct score *sc);
/* First alerts of the planted campaigns (and their latency with a clock). */
void score_match_alerts(struct score *sc, sqlite3 *db);
/*
 * Planted incidents and web-root plants found, and store incidents per
 * planted attack, plant and core update. 0 / -1 with err.
 */
int score_match_incidents(struct score *sc, sqlite3 *db, char *err, size_t errlen);
/* The distractor incident planted on site, or NULL. */
const struct sc_incident *score_distractor_at(const struct score *sc, const char *site);
/* Free what sc holds. */
void score_free(struct score *sc);

#endif
