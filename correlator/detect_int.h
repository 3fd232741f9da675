/*
 * detect_int.h — what the detectors' files share (detect.c: logins, web
 * requests, metrics; detect_file.c: web-root changes and cloaking). Not an
 * interface for anything outside the detectors.
 */
#ifndef RONDA_DETECT_INT_H
#define RONDA_DETECT_INT_H

#include <stddef.h>
#include <stdint.h>

#include "detect.h"

struct ronda_detect {
	struct ronda_detect_config cfg;
	struct ronda_window *w;
	struct ronda_detect_sink sink;
	uint64_t hsite;		/* hash of the current event's site (window keys) */
	int32_t clock;		/* the current event's stream clock (window expiry) */
	int (*own)(void *arg, const char *ip);	/* keeps its own incidents (allowlist) */
	void *own_arg;
	struct ronda_geo *geo;		/* ASN and country of addresses, or NULL */
	struct ronda_actors *actors;	/* addresses that guessed, for a day, or NULL */
	const struct ronda_bots *bots;	/* crawlers' published ranges, or NULL */
};

/* Series kinds: part of every window key. */
enum series {
	S_FAIL_IP = 1,	/* auth failures of one service from one IP */
	S_FAIL_USER,	/* sudo/su failures of one local user (no IP) */
	S_SPRAY,	/* distinct user names failing from one IP */
	S_FAIL_ANY_IP,	/* auth failures of any service from one IP (compromise) */
	S_FAIL_NET,	/* auth failures from one /24 (compromise by network) */
	S_CMS,		/* CMS login POSTs from one IP */
	S_SCAN,		/* distinct 404 paths from one IP */
	S_REQS,		/* per-minute request counts of one site (h = count) */
	S_MEMBER,	/* hits of one source that joined (site, kind)'s incident */
	S_FILES,	/* distinct files changed on one site without a marker (bulk) */
	S_CLOAK,	/* distinct URLs a search bot was answered unlike a browser */
	S_CLOAK_REF,	/* distinct addresses sent from a search result to a redirect */
	S_FAKEBOT,	/* requests with a search bot's name from outside its ranges */
};

/*
 * Window key: hash of (series, partition, site, subject); the site's hash is
 * taken once per event (ronda_detect_event). Keys live only in memory (a
 * restart rebuilds the windows by replay), so their recipe is free to change.
 */
struct skey {
	uint64_t hi, lo;
};

/* The window series s of subject subj on the current event's site (created). */
struct ronda_window_entry *detect_series(struct ronda_detect *d, enum series s, int32_t part,
    const char *subj, size_t subjlen);
/* A hit of ev for incident (site, kind, key) with the event's own indicators. */
void detect_hit_init(struct ronda_detect *d, struct ronda_detect_hit *h,
    const struct ronda_cevent *ev, int32_t part, const char *kind, const char *key, int sev,
    int64_t count);
/* Add an indicator (type and value borrowed) while there is room; "" is none. */
void detect_ind_add(struct ronda_detect_hit *h, const char *type, const char *value);
/* The threshold detector over a source's series (detect.c explains it). */
void detect_threshold(struct ronda_detect *d, const struct ronda_cevent *ev, int32_t part,
    struct ronda_window_entry *e, const char *subj, const char *kind, const char *key,
    int sev, int64_t need, int64_t span, int64_t slow, int64_t slow_span, int emit);
/* Keep only the rule indicators: the requester is not the attacker. */
void detect_drop_requester(struct ronda_detect_hit *h);
/* Window points kept for a threshold of `need`. */
size_t detect_cap_of(int64_t need);

/* A web-root change (event.dataset file.integrity): detect_file.c. */
void detect_file(struct ronda_detect *d, const struct ronda_cevent *ev, int32_t part,
    int emit, int late);
/* A search bot's or a search referral's request (rules/web-cloaking.yaml). */
void detect_cloak(struct ronda_detect *d, const struct ronda_cevent *ev, int32_t part,
    int emit);

#endif
