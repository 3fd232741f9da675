/*
 * store.h — the correlator's SQLite store: offsets, the dedupe FIFO,
 * incidents with their indicators and evidence, counters and sites.
 *
 * Everything a batch changed is written between ronda_store_begin() and
 * ronda_store_commit(), together with the Kafka offsets that produced it, so
 * a crash leaves either the whole batch or none of it. WAL mode; the schema
 * (schemas/store.sql, embedded here) is migrated through PRAGMA user_version.
 */
#ifndef RONDA_STORE_H
#define RONDA_STORE_H

#include <stddef.h>
#include <stdint.h>

#include "dedupe.h"
#include "incident.h"

#define RONDA_STORE_VERSION 9

struct ronda_store;

struct ronda_store_offset {
	int32_t part;
	int64_t next_offset, watermark, replay_offset, replay_wm;
};

/* Open (creating and migrating) the store at path. NULL with err on failure. */
struct ronda_store *ronda_store_open(const char *path, char *err, size_t errlen);
void ronda_store_close(struct ronda_store *s);
/* The last error's message. */
const char *ronda_store_errmsg(const struct ronda_store *s);
/* The DDL compiled in (tests compare it with schemas/store.sql). */
const char *ronda_store_ddl(void);

/*
 * Cap the database at pages pages (PRAGMA max_page_count): writes past it
 * fail with "database or disk is full", as on a full disk. Returns the cap
 * in effect, -1 on error. For tests, and for operators who bound the file.
 */
int64_t ronda_store_set_max_pages(struct ronda_store *s, int64_t pages);
/* The database's page size in bytes, -1 on error. */
int64_t ronda_store_page_size(struct ronda_store *s);

int ronda_store_begin(struct ronda_store *s);
int ronda_store_commit(struct ronda_store *s);
void ronda_store_rollback(struct ronda_store *s);

/* Offsets of one topic: the stored row for part, 1 found / 0 none / -1 error. */
int ronda_store_offset_get(struct ronda_store *s, const char *topic, int32_t part,
    struct ronda_store_offset *out);
int ronda_store_offset_put(struct ronda_store *s, const char *topic,
    const struct ronda_store_offset *o);

/*
 * Dedupe FIFO mirror: the entries of d with seq >= from, appended as one
 * packed row (nothing when there are none). Prune drops the rows whose
 * entries all have seq <= upto_seq (a row straddling it stays; loading
 * skips what the cap has pushed out).
 */
int ronda_store_dedupe_append(struct ronda_store *s, const struct ronda_dedupe *d,
    int64_t from);
int ronda_store_dedupe_prune(struct ronda_store *s, int64_t upto_seq);
/* Restore the newest `cap` entries into d. */
int ronda_store_dedupe_load(struct ronda_store *s, struct ronda_dedupe *d, size_t cap);

/* Write an incident row and its pending indicators and evidence. */
int ronda_store_incident_put(struct ronda_store *s, const struct ronda_incident *inc);
/* Read an incident by id into out: 1 found, 0 not, -1 error. */
int ronda_store_incident_get(struct ronda_store *s, const char *id,
    struct ronda_incident *out);
/* Every incident not closed, through fn (startup). */
int ronda_store_incident_each_active(struct ronda_store *s,
    void (*fn)(void *arg, const struct ronda_incident *inc), void *arg);

/* Every incident id in the store, through fn (startup). */
int ronda_store_incident_each_id(struct ronda_store *s,
    void (*fn)(void *arg, const char *id), void *arg);

int ronda_store_counter_put(struct ronda_store *s, const char *name, int64_t v);
/* The counter's value, 0 when absent. */
int64_t ronda_store_counter_get(struct ronda_store *s, const char *name);

/* A site's row: its event clock and its processing-time liveness apart. */
struct ronda_store_site {
	const char *id;
	int known;
	int64_t last_event;		/* newest event time of its logs */
	int64_t last_heard;		/* correlator's clock at its last heartbeat, 0 never */
	int64_t late;			/* its events too late for the windows */
	int64_t events_heard;		/* correlator's clock at its last event, 0 never */
};

int ronda_store_site_put(struct ronda_store *s, const struct ronda_store_site *site);
/* Every stored site row, through fn (startup). 0 / -1. */
int ronda_store_site_each(struct ronda_store *s,
    void (*fn)(void *arg, const struct ronda_store_site *site), void *arg);
/* A setting for the readers (table settings), in the caller's transaction. */
int ronda_store_setting_put(struct ronda_store *s, const char *name, int64_t v);
/* Addresses that guessed logins (actors.h): one row each, written in the batch. */
int ronda_store_guesser_put(struct ronda_store *s, const char *ip, const char *sites,
    int64_t last);
int ronda_store_guesser_prune(struct ronda_store *s, int64_t before);
int ronda_store_guesser_each(struct ronda_store *s,
    void (*fn)(void *arg, const char *ip, const char *sites), void *arg);

/* A configured site's agency, region and IANA zone (written at startup). */
/* The configuration's allowlist replaces the stored one (in the caller's transaction). */
int ronda_store_allowlist_clear(struct ronda_store *s);
int ronda_store_allowlist_put(struct ronda_store *s, const char *type, const char *value);
int ronda_store_site_info_put(struct ronda_store *s, const char *id, const char *agency,
    const char *region, const char *timezone);

/*
 * The connection, for modules that keep their own tables in the store
 * (campaigns, the alert outbox) and write them inside the batch transaction.
 */
struct sqlite3;
struct sqlite3 *ronda_store_db(struct ronda_store *s);

#endif
