/*
 * istream.h — the incident stream (topic ronda.incidents): what detection
 * (stage 1, N members of one consumer group over ronda.events) tells the
 * campaign stage (stage 2, the analysts' store) and its own successors.
 *
 * Three record types, JSON, each a Kafka message on partition 0 (one
 * ordered log: a position record follows the shares it covers):
 *
 *   share     one partition's share of an incident (id = the incident's,
 *             share = its id mixed with the partition): counts, times,
 *             sets, status, and the evidence and indicators new since the
 *             share's last record. `version` is the events partition's
 *             next offset when it was written: a replayed record has the
 *             same or a lower one and is recognised.
 *   position  where a partition of ronda.events stands after the shares
 *             before it: next offset, replay offset and the watermarks
 *             (the engine's stored offset row). A member assigned the
 *             partition starts from it.
 *   site      a site's clocks as a member sees them from one partition
 *             (newest event time, processing times, late events).
 *   guesser   an address that joined brute-force incidents and the sites
 *             it guessed on (actors.h): facts of the logs, merged by every
 *             member at each assignment, so the fleet memory (24 h) moves
 *             with a partition.
 *
 * See docs/scaling.md.
 */
#ifndef RONDA_ISTREAM_H
#define RONDA_ISTREAM_H

#include <stddef.h>
#include <stdint.h>

#include "incident.h"
#include "store.h"

#define RONDA_ISTREAM_VERSION 1

enum ronda_istream_type {
	RONDA_ISTREAM_SHARE = 1,
	RONDA_ISTREAM_POSITION,
	RONDA_ISTREAM_SITE,
	RONDA_ISTREAM_GUESSER,
};

struct ronda_istream_rec {
	int type;
	/* share: the incident is the share (inc.id = share id); id the incident's */
	char id[33];
	int64_t version;
	int64_t clock;			/* the writer's newest site clock (event time) */
	struct ronda_incident inc;	/* ev_pending/ind_pending owned (ronda_istream_rec_clear) */
	/* position */
	char topic[256];
	struct ronda_store_offset off;
	/* site */
	struct ronda_store_site site;	/* site.id points into site_id */
	char site_id[RONDA_CEVENT_SITE_MAX + 1];
	int32_t part;
	/* guesser: an address that guessed logins, its sites (actors.h text) */
	char ip[64];
	char sites[320];
	int64_t last;
};

/*
 * Encode into *out (malloc'd, NUL-terminated, *len bytes); the Kafka key
 * goes to key (at least 256 bytes: the keys of a compacted topic, one per
 * share id, position/TOPIC/P, site/P/SITE, guesser/IP). 0 / -1.
 */
int ronda_istream_share(const struct ronda_incident *share, int64_t version, int64_t clock,
    char **out, size_t *len, char *key, size_t keylen);
int ronda_istream_position(const char *topic, const struct ronda_store_offset *o,
    char **out, size_t *len, char *key, size_t keylen);
int ronda_istream_site(const struct ronda_store_site *s, int32_t part, char **out,
    size_t *len, char *key, size_t keylen);
int ronda_istream_guesser(const char *ip, const char *sites, int64_t last, char **out,
    size_t *len, char *key, size_t keylen);

/* Decode; -1 with err when it is not a record of this version. */
int ronda_istream_decode(const char *payload, size_t len, struct ronda_istream_rec *r,
    char *err, size_t errlen);
/* Free what a decoded share owns (evidence and indicators). */
void ronda_istream_rec_clear(struct ronda_istream_rec *r);

#endif
