/*
 * campaign_int.h — what the parts of the campaign stage share: its limits,
 * the structures (the stage, incidents held for linking, indicators and
 * their postings, campaigns, queued views) and the functions one part calls
 * in another (campaign.c: the API and the batch; campaign_link.c:
 * indicators, incidents, linking, merges; campaign_wave.c: families, day
 * marks, waves; campaign_life.c: severity, titles, alerts, status, expiry;
 * campaign_store.c: writing and restoring). Not for use outside
 * correlator/campaign*.c.
 */
#ifndef RONDA_CAMPAIGN_INT_H
#define RONDA_CAMPAIGN_INT_H

#include "campaign.h"

#include <stddef.h>
#include <stdint.h>

#include <sqlite3.h>

#define MAX_SITES 65535
#define IND_BUCKETS (1u << 16)
#define REC_BUCKETS (1u << 16)
#define POST_MAX 64		/* incidents listed per indicator (the newest) */
#define REF_MAX 160		/* indicators kept per incident (a pool's addresses) */
#define IND_SITES_MAX 1024	/* sites counted per indicator (enough to call it common) */
#define CAMP_IND_MAX 128	/* indicators listed per campaign */
#define BFS_MAX 8192		/* incidents one walk visits */
#define CAMP_MAX 20000		/* campaigns open at once (then no new one: counted) */
#define TOP_IPS 10		/* attacker_ips listed */
#define TOP_IND 8		/* indicators named in an alert */
#define DAY_MS (86400LL * 1000)
#define HIST_DAYS 14		/* days the wave baseline looks back */
#define HIST_MIN 7		/* days of history before the baseline replaces the floor */
#define NONE INT64_MIN

enum itype { T_IP, T_NET, T_PAYLOAD, T_WEBSHELL, T_GAMBLING, T_UA, T_USER, T_HOST, T_ASN,
	T_FOREIGN, T_FILE_HASH, T_FAMILY, T_N };
static const char *const itype_names[T_N] = {
	"ip", "net", "payload", "webshell", "gambling", "user_agent", "user",
	"host",		/* an attacker's host name, logged instead of an address */
	"asn",		/* its network operator (weak: one family, and only while rare) */
	"foreign",	/* the country of an address abroad: shown, never links */
	"file_hash",	/* SHA-256 of a planted file (web-root watch): a fingerprint */
	"family",	/* a webshell's family (wso, alfa): strong, within the window */
};

/* A merge's reason when no indicator: one family on the same sites. */
#define MERGE_SITES T_N

enum { ST_ACTIVE, ST_QUIET, ST_CLOSED, ST_MERGED };
static const char *const status_names[] = { "active", "quiet", "closed", "merged" };
/*
 * How a campaign was found: a rare indicator both sites carry (indicator), a
 * fingerprint of the attack itself (payload, shell, gambling domain), the
 * addresses of one pool on many sites (fleet: an indicator too common to
 * link strangers, linking only incidents of one family), or a wave.
 */
enum { LINK_INDICATOR, LINK_WAVE, LINK_FINGERPRINT, LINK_FLEET, LINK_N };
static const char *const link_names[LINK_N] = { "indicator", "wave", "fingerprint", "fleet" };

/* Why an incident is a member (campaign_incidents.via_type) besides an indicator. */
enum { VIA_FOUNDER = -1, VIA_WAVE = -2 };

/* Families, highest rank first: a mixed campaign takes the highest member's. */
static const struct family {
	const char *name;
	const char *en, *id;		/* title words */
	const char *kinds[9];
} families[] = {
	{ "webshell", "Webshell", "webshell", { "webshell", "webshell_file" } },
	{ "defacement", "Defacement", "deface situs", { "defacement" } },
	{ "gambling", "Gambling-spam injection", "injeksi spam judi online", { "gambling",
	    "gambling_injection", "cloaking" } },
	{ "sqli", "SQL injection", "injeksi SQL", { "sqli" } },
	{ "bruteforce", "Login brute force", "brute force login", { "ssh_bruteforce",
	    "ftp_bruteforce", "sudo_bruteforce", "su_bruteforce", "password_spray",
	    "compromise", "mail_bruteforce", "smtp_bruteforce" } },
	{ "cms_bruteforce", "CMS login brute force", "brute force login CMS",
	    { "cms_bruteforce" } },
	{ "scan", "Vulnerability scanning", "pemindaian celah keamanan", { "scan", "lfi",
	    "rce" } },
	{ "flood", "Request flood", "banjir permintaan", { "flood", "http_5xx_surge" } },
};
#define NFAM ((int)(sizeof(families) / sizeof(families[0])))

struct csite {
	char *id;
	const char *agency, *region, *tz;	/* borrowed from the config, or "" */
	struct csite *hnext;
	int idx;
};

struct crec;

struct isite {
	int site;
	int64_t ts;
};

struct ind {
	uint64_t h;
	struct ind *hnext;
	char *value;
	uint64_t mark;			/* scratch: shared_ind(), recount_inds() */
	int slot;			/* scratch: recount_inds() */
	uint8_t type;
	uint8_t strong;
	uint8_t allow;
	uint8_t common;			/* on more sites than the common limit (with w) */
	int refs;			/* incidents referring to it */
	struct crec **post;		/* the newest incidents carrying it */
	int npost, cappost;
	struct isite *sites;		/* sites seen on, with the newest time */
	int nsites, capsites;
	/* ind_weight() cached for (batch, clock, known sites); 0 = stale */
	uint64_t wbatch;
	int64_t wclock;
	int wknown;
	double w;
};

struct ref {
	struct ind *ind;
	int64_t ts;
};

struct camp;

struct crec {
	char id[33];
	char kind[32];
	int site;
	int family;
	int severity;
	int ignored;			/* every attacker IP it has is allowlisted */
	int64_t first_seen, last_seen;
	int64_t closed_seen;		/* its campaign closed at this last_seen, NONE */
	struct ref *refs;
	int nrefs, caprefs;
	struct camp *camp;
	struct crec *cnext, *cprev;	/* the campaign's members in memory */
	struct crec *hnext;
	uint64_t epoch;			/* walk marks */
	uint64_t evaluated;		/* batch whose walk already covered it */
	int touched;
	/* scratch of a walk: the link that reached it (NULL: the walk's start) */
	const struct ind *via;
	double via_w;
};

struct csite_entry {
	int site;
	int64_t first_seen, last_seen, incidents;
	int alerted;			/* named in an alert already */
	int dirty;
};

struct cind {
	uint8_t type;
	char *value;
	int64_t sites;
	double weight;
	int dirty;
};

struct member {
	char id[33];
	int site;
	int64_t joined;
	int via_type;			/* enum itype, VIA_FOUNDER or VIA_WAVE */
	char *via_value;		/* owned */
	double via_w;
};

struct merge {
	char from[33];
	int64_t at;
	uint8_t type;
	char *value;
};

struct camp {
	char id[33];
	char merged_into[33];
	int family;
	int link;
	int status;
	int severity;
	int max_sev;			/* worst member */
	int success;
	int64_t first_seen, last_seen, reported;
	int64_t incident_count;
	struct csite_entry *sites;
	int nsites, capsites;
	struct cind *inds;
	int ninds;
	struct crec *members;		/* in memory, through cnext */
	struct member *pending;		/* members to write */
	int npending, cappending;
	struct merge *merges;		/* merged into this one, to write */
	int nmerges, capmerges;
	int alerted_sev;		/* 0: campaign_new not raised yet */
	int64_t alerted_at;		/* event time of the last new/grew alert */
	int dirty;
	int written;			/* the campaigns row exists */
	int expired;			/* closed and past rejoining: leaves memory and state */
	struct camp *next;
};

/* A queued view: copied strings. */
struct qind {
	uint8_t type;
	int64_t ts;
	char *value;
};

struct qview {
	char id[33];
	char kind[32];
	char *site;
	int severity;
	int64_t first_seen, last_seen, key;
	int64_t new_from;		/* earliest new hit (0: unknown: last_seen) */
	struct qind *ind;
	size_t nind;
};

/* Day marks for the wave baseline: (family, day, site) seen, and counts per day. */
struct daymark {
	uint64_t key;			/* 0 = empty */
	int64_t day;
};

enum {
	Q_CAMP_PUT, Q_SITE_PUT, Q_SITE_DEL, Q_INC_PUT, Q_INC_MOVE, Q_IND_PUT, Q_IND_DEL,
	Q_MERGE_PUT, Q_STATE_PUT, Q_STATE_DEL, Q_META_PUT, Q_DAY_PUT, Q_DAY_PRUNE, NQ
};

struct ronda_campaigns {
	struct ronda_campaigns_config cfg;
	const struct ronda_allow_cfg *sup;	/* triage suppressions: a second allowlist */
	size_t nsup;
	/* sites */
	struct csite **sites;
	int nsites, capsites;
	struct csite *site_b[4096];
	int nknown;			/* configured sites */
	/* indicators and incidents */
	struct ind *ind_b[IND_BUCKETS];
	int64_t nind;
	struct crec *rec_b[REC_BUCKETS];
	int64_t nrec;
	/* campaigns open (and merged/closed ones until written) */
	struct camp *camps;
	int64_t ncamps;
	/* the batch */
	struct qview *q;
	size_t nq, capq;
	struct crec **touched;
	size_t ntouched, captouched;
	struct crec **walk;		/* BFS queue */
	size_t capwalk;
	uint64_t epoch, batch;
	/* clocks */
	int64_t clock;			/* newest event time seen */
	int64_t history_start;		/* day of the first incident, NONE */
	/* wave history */
	struct daymark *marks;
	size_t capmarks, nmarks;
	uint64_t *smark;		/* scratch: shared_sites() */
	size_t capsmark, nsmark;
	int64_t daycount[NFAM][HIST_DAYS + 2];	/* sites per day, ring by day */
	int64_t dayof[NFAM][HIST_DAYS + 2];
	struct { int fam; int64_t day; int site; } *newdays;
	size_t nnewdays, capnewdays;
	int64_t pruned_day;
	/* store */
	sqlite3 *db;
	sqlite3_stmt *st[NQ];
	struct ronda_campaigns_stats stats;
	int64_t now_wall;
};

/* ---- campaign.c: helpers ------------------------------------------------- */

/* Grow *p (capacity *cap, int) to hold need items of size bytes: 0, or -1 (p kept). */
int camp_grow(void **p, int *cap, int need, size_t size);
/* The same for a size_t capacity. */
int camp_growz(void **p, size_t *cap, size_t need, size_t size);
/* The day (since the epoch, UTC) of event time ms, rounding down. */
int64_t camp_day_of(int64_t ms);
/* The event time status and expiry are judged at, or NONE before any event. */
int64_t camp_judged(const struct ronda_campaigns *c);
/* Index of site id in c->sites (added when create), or -1. */
int camp_site_get(struct ronda_campaigns *c, const char *id, int create);

/* ---- campaign_link.c: indicators and incidents --------------------------- */

/* enum itype of an indicator type name, or -1. */
int camp_itype_parse(const char *s);
/* 1 when the allowlist or the suppressions hold (type, value). */
int camp_allowed(const struct ronda_campaigns *c, int type, const char *value);
/* The indicator (type, value) held, added when create; NULL: none or out of memory. */
struct ind *camp_ind_get(struct ronda_campaigns *c, int type, const char *value, int create);
/* Free an indicator already out of its bucket. */
void camp_ind_free_one(struct ind *x);
/* Note that x was seen on site at ts (its weight goes stale). */
void camp_ind_note_site(struct ind *x, int site, int64_t ts);
/* The incident held under id, or NULL. */
struct crec *camp_rec_find(struct ronda_campaigns *c, const char *id);
/* A new incident held for linking (the stage owns it); NULL: out of memory. */
struct crec *camp_rec_new(struct ronda_campaigns *c, const char *id, const char *kind, int site, int family);
/* Add indicator x seen at ts to r; 1 when it is new on r. */
int camp_rec_ref(struct ronda_campaigns *c, struct crec *r, struct ind *x, int64_t ts);
/* Set r->ignored: every attacker IP it has is allowlisted. */
void camp_rec_judge_ignored(struct crec *r);
/* 1 when r's campaign closed and r has not been active since. */
int camp_dormant(const struct crec *r);
/* 1 when r would have joined closed campaign k before it closed. */
int camp_rejoinable(const struct ronda_campaigns *c, const struct camp *k, const struct crec *r);
/* A closed campaign becomes active again. */
void camp_reopen(struct camp *k);
/* Take r out of its campaign's members (if any). */
void camp_member_unlink(struct crec *r);
/* Make r a member of k in memory. */
void camp_member_link(struct camp *k, struct crec *r);
/* Drop r: out of its bucket, its campaign and its indicators' postings; freed. */
void camp_rec_free(struct ronda_campaigns *c, struct crec *r);

/* ---- campaign_link.c: campaigns and linking ------------------------------ */

/* A new empty campaign on c->camps (the stage owns it); NULL: out of memory. */
struct camp *camp_new(struct ronda_campaigns *c);
/* Free a campaign already off c->camps. */
void camp_free_one(struct camp *k);
/* k's entry for site (added when create), or NULL. */
struct csite_entry *camp_site(struct camp *k, int site, int create);
/* k's indicator (type, value) (added when create), or NULL. */
struct cind *camp_ind(struct camp *k, int type, const char *value, int create);
/* Note r's indicators on k (those that can link, and every IP). */
void camp_note_inds(struct ronda_campaigns *c, struct camp *k, const struct crec *r);
/* Fold member r's times, severity and family into k and its site. */
void camp_touch_member(struct ronda_campaigns *c, struct camp *k, const struct crec *r);
/*
 * Make r a member of k, to be written with k, and say why: via_type (enum
 * itype, VIA_FOUNDER, VIA_WAVE), via_value (the indicator's value, the
 * family for a wave), its weight.
 */
void camp_add(struct ronda_campaigns *c, struct camp *k, struct crec *r, int via_type,
    const char *via_value, double via_w);
/* 1 when one actor's attack spans both families (password guessing on any door). */
int camp_families_related(int fa, int fb);
/* 1 when r shares a rare strong indicator with an incident on another site. */
int camp_rec_explained(struct ronda_campaigns *c, const struct crec *r);
/* 1 for a fingerprint of the attack itself: payload, shell path, gambling domain. */
int camp_is_fingerprint(int type, const char *value);
/* qsort: incidents by first_seen, then id. */
int camp_by_first(const void *a, const void *b);
/* When the need-th site of recs[0..n) (sorted by first_seen) was hit within span, or NONE. */
int64_t camp_reached_at(const struct ronda_campaigns *c, struct crec **recs, size_t n, int64_t span, int64_t need);
/* A new campaign of recs[0..n) (sorted by first_seen), reported at `at`; NULL: capped. */
struct camp *camp_create(struct ronda_campaigns *c, struct crec **recs, size_t n, int link, int64_t at);
/* Walk the component of start; join, merge or found a campaign. */
void camp_link_from(struct ronda_campaigns *c, struct crec *start);
/* qsort: campaign pointers by id. */
int camp_by_camp_id_ptr(const void *a, const void *b);
/* Merge open campaigns of one family that are one attack. */
void camp_same_attack(struct ronda_campaigns *c);

/* ---- campaign_wave.c ----------------------------------------------------- */

/* Index in families of an incident kind, or -1. */
int camp_family_of(const char *kind);
/* Index in families of a family name, or -1. */
int camp_family_parse(const char *name);
/* Count (fam, day, site) once for the baseline; 1 when it is new. */
int camp_day_mark(struct ronda_campaigns *c, int fam, int64_t day, int site);
/* Mark (fam, day of ms, site) and queue it for campaign_wave_days when new. */
void camp_day_note(struct ronda_campaigns *c, int fam, int64_t ms, int site);
/* Add unlinked incidents to waves, reopen closed ones, found new ones. */
void camp_waves(struct ronda_campaigns *c);

/* ---- campaign_life.c ----------------------------------------------------- */

/* k's severity: its worst member, raised by success and by reach. */
int camp_severity(const struct ronda_campaigns *c, const struct camp *k);
/* Sort k's sites in joining order (first hit, then site order). */
void camp_sort_sites(struct camp *k);
/* k's title into out (n bytes), in the configured language. */
void camp_make_title(const struct ronda_campaigns *c, const struct camp *k, char *out, size_t n);
/* k's IPs, most sites first, into out (at most max, borrowed); how many. */
size_t camp_top_ips(const struct camp *k, const struct cind **out, size_t max);
/* Raise what k's alerts call for now: 0, or -1 with err. */
int camp_alerts(struct ronda_campaigns *c, struct camp *k, char *err, size_t errlen);
/* Step k to active, quiet or closed by its idle time. */
void camp_status_step(struct ronda_campaigns *c, struct camp *k);
/* Drop incidents, indicators and campaigns no link can use any more. */
void camp_expire(struct ronda_campaigns *c);

/* ---- campaign_store.c ---------------------------------------------------- */

/* Prepare the statements on db (again when db changed): 0, or -1 with err. */
int camp_prepare(struct ronda_campaigns *c, sqlite3 *db, char *err, size_t errlen);
/* Write dirty k (row, sites, incidents, indicators, merges, state): 0, or -1 with err. */
int camp_write_camp(struct ronda_campaigns *c, struct camp *k, char *err, size_t errlen);
/* Store campaign_meta name = v: 0, or -1 with err. */
int camp_meta_put(struct ronda_campaigns *c, const char *name, int64_t v, char *err, size_t errlen);
/* Write the new wave day marks and prune old days: 0, or -1 with err. */
int camp_write_days(struct ronda_campaigns *c, char *err, size_t errlen);

#endif
