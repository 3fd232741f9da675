/*
 * triage.h — the analysts' layer over detection: acknowledge, assign,
 * close with a reason, reopen, notes, and suppressions made from a campaign
 * closed as a false positive. docs/api.md, "Triage", is the contract.
 *
 * The write path (ronda_triage_apply) runs on the API thread with a
 * read-write SQLite connection of its own: one short BEGIN IMMEDIATE
 * transaction per action holding the triage row, the note, the audit row and
 * the suppressions, so the consumer's batch commits wait at most for a few
 * row inserts. Bodies are attacker-controlled when a token leaks: they are
 * parsed strictly (known fields only, strings only, capped, UTF-8, no NUL,
 * no control characters in names).
 *
 * The readers (query.c) build the same triage objects with
 * ronda_triage_json() from statements prepared on their own connections; the
 * engine loads the active suppressions with ronda_triage_suppressions_load().
 */
#ifndef RONDA_TRIAGE_H
#define RONDA_TRIAGE_H

#include <stddef.h>
#include <stdint.h>

#include <cJSON.h>

#include "cconfig.h"

#define RONDA_TRIAGE_BODY_MAX 65536	/* bytes of a request body */
#define RONDA_TRIAGE_NAME_MAX 64	/* characters of an assignee or analyst name */
#define RONDA_TRIAGE_NOTE_MAX 4096	/* bytes of one note */
#define RONDA_TRIAGE_NOTES_MAX 500	/* notes kept per object (then 409) */
#define RONDA_TRIAGE_SUPPRESS_MAX 10000	/* active suppressions (then 409) */
#define RONDA_TRIAGE_SUPPRESS_MIN_MS (3600LL * 1000)
#define RONDA_TRIAGE_SUPPRESS_MAX_MS (365LL * 86400 * 1000)

/* Results of ronda_triage_apply(), each an HTTP status. */
enum ronda_triage_rc {
	RONDA_TRIAGE_OK = 200,
	RONDA_TRIAGE_BADREQ = 400,	/* bad JSON, field, action, reason, duration */
	RONDA_TRIAGE_NOTFOUND = 404,	/* no incident/campaign with that id */
	RONDA_TRIAGE_CONFLICT = 409,	/* the action makes no sense in the current state */
	RONDA_TRIAGE_BUSY = 503,	/* the store stayed locked past the busy timeout */
	RONDA_TRIAGE_ERROR = 500,	/* the store failed otherwise */
};

/* Reading a triage row and its notes (for ronda_triage_json), bound (object, id). */
#define RONDA_TRIAGE_ROW_SQL "SELECT state, assignee, reason, updated_at, updated_by" \
	" FROM triage WHERE object = ? AND object_id = ?"
#define RONDA_TRIAGE_NOTES_SQL "SELECT at, who, text FROM triage_notes" \
	" WHERE object = ? AND object_id = ? ORDER BY id"

struct sqlite3;
struct sqlite3_stmt;
struct ronda_triage;

/*
 * Open the store at path read-write for triage writes (the schema must be
 * there: the engine creates it). busy_ms: how long a write waits for the
 * batch writer. NULL with err on failure.
 */
struct ronda_triage *ronda_triage_open(const char *path, int busy_ms, char *err,
    size_t errlen);
void ronda_triage_free(struct ronda_triage *t);

/*
 * Apply the action in body (len bytes of JSON) to the incident or campaign
 * (object "incident" / "campaign") id, as analyst who, at now (wall clock,
 * ms UTC). On RONDA_TRIAGE_OK, *out is the reply {"ok":true,"triage":{...}}
 * (plus "suppressions" when some were made or lifted; caller frees); else
 * msg holds a one-line reason. Nothing is written unless it returns OK.
 */
int ronda_triage_apply(struct ronda_triage *t, const char *object, const char *id,
    const char *who, const char *body, size_t len, int64_t now, cJSON **out, char *msg,
    size_t msglen);

/*
 * The triage object of (object, id): row and notes are statements prepared
 * from RONDA_TRIAGE_ROW_SQL and RONDA_TRIAGE_NOTES_SQL (NULL: a store without
 * triage tables, every object "new" without notes). Without full, the short
 * form of lists {"state","assignee","reason"}; with it, also updated_at,
 * updated_by and notes. NULL when the store failed or out of memory.
 */
cJSON *ronda_triage_json(struct sqlite3_stmt *row, struct sqlite3_stmt *notes,
    const char *object, const char *id, int full);

/* 1 when s is a name an analyst or assignee may have: 1..64 UTF-8 characters, no controls. */
int ronda_triage_name_ok(const char *s);

/*
 * The suppressions active at now (until > now), at most
 * RONDA_TRIAGE_SUPPRESS_MAX, as an allowlist array in *out (n entries, strings
 * owned: free with ronda_triage_suppressions_free); *next_expiry gets the
 * earliest until among them (INT64_MAX none). A store without the table has
 * none. 0, or -1 on a store error.
 */
int ronda_triage_suppressions_load(struct sqlite3 *db, int64_t now,
    struct ronda_allow_cfg **out, size_t *n, int64_t *next_expiry);
void ronda_triage_suppressions_free(struct ronda_allow_cfg *v, size_t n);

#endif
