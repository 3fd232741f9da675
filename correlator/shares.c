#include "shares.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "ronda/buf.h"

/* Evidence rows are keyed (incident, seq): each partition's share gets its own range. */
#define SEQ_PER_PART 100000

struct ronda_shares {
	sqlite3 *db;
	sqlite3_stmt *ver, *put, *each;
	struct ronda_buf sets[3];	/* ips, users, rules of the share being kept */
};

/*
 * The numbers and small sets of each share in columns (the sets one per
 * line), so summing an incident reads rows, not records: a pool's incident
 * has a share per partition, and each new record of any of them sums all.
 */
static const char ddl[] =
    "CREATE TABLE IF NOT EXISTS incident_shares ("
    " share TEXT PRIMARY KEY, incident_id TEXT NOT NULL, part INTEGER NOT NULL,"
    " version INTEGER NOT NULL, site TEXT NOT NULL, kind TEXT NOT NULL, key TEXT NOT NULL,"
    " severity INTEGER NOT NULL, status INTEGER NOT NULL, first_seen INTEGER NOT NULL,"
    " last_seen INTEGER NOT NULL, events INTEGER NOT NULL, reopens INTEGER NOT NULL,"
    " site_known INTEGER NOT NULL, nevidence INTEGER NOT NULL,"
    " ips TEXT NOT NULL, users TEXT NOT NULL, rules TEXT NOT NULL);"
    "CREATE INDEX IF NOT EXISTS incident_shares_by_incident"
    " ON incident_shares (incident_id);";

struct ronda_shares *
ronda_shares_new(sqlite3 *db, char *err, size_t errlen)
{
	struct ronda_shares *sh = calloc(1, sizeof(*sh));
	char *msg = NULL;

	if (sh == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	sh->db = db;
	for (int i = 0; i < 3; i++)
		ronda_buf_init(&sh->sets[i], 0);
	if (sqlite3_exec(db, ddl, NULL, NULL, &msg) != SQLITE_OK ||
	    sqlite3_prepare_v3(db, "SELECT version FROM incident_shares WHERE share = ?", -1,
	    SQLITE_PREPARE_PERSISTENT, &sh->ver, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v3(db, "INSERT INTO incident_shares VALUES"
	    " (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
	    " ON CONFLICT (share) DO UPDATE SET version = excluded.version,"
	    " severity = excluded.severity, status = excluded.status,"
	    " first_seen = excluded.first_seen, last_seen = excluded.last_seen,"
	    " events = excluded.events, reopens = excluded.reopens,"
	    " site_known = excluded.site_known, nevidence = excluded.nevidence,"
	    " ips = excluded.ips, users = excluded.users, rules = excluded.rules", -1,
	    SQLITE_PREPARE_PERSISTENT, &sh->put, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v3(db, "SELECT part, severity, status, first_seen, last_seen, events,"
	    " reopens, site_known, nevidence, ips, users, rules FROM incident_shares"
	    " WHERE incident_id = ? ORDER BY part", -1, SQLITE_PREPARE_PERSISTENT, &sh->each,
	    NULL) != SQLITE_OK) {
		snprintf(err, errlen, "incident_shares: %s", msg != NULL ? msg : sqlite3_errmsg(db));
		sqlite3_free(msg);
		ronda_shares_free(sh);
		return NULL;
	}
	return sh;
}

void
ronda_shares_free(struct ronda_shares *sh)
{
	if (sh == NULL)
		return;
	sqlite3_finalize(sh->ver);
	sqlite3_finalize(sh->put);
	sqlite3_finalize(sh->each);
	for (int i = 0; i < 3; i++)
		ronda_buf_release(&sh->sets[i]);
	free(sh);
}

static int
status_rank(int status)
{
	return status == RONDA_INCIDENT_REOPENED ? 2 : status == RONDA_INCIDENT_OPEN ? 1 : 0;
}

/* A set's members, one per line (a member never holds a newline: cut at one). */
static void
set_text(struct ronda_buf *b, const char *v, size_t stride, int n)
{
	ronda_buf_reset(b);
	for (int i = 0; i < n; i++)
		ronda_buf_printf(b, "%s%.*s", i > 0 ? "\n" : "", (int)strcspn(v + (size_t)i * stride,
		    "\n"), v + (size_t)i * stride);
}

static void
set_add_lines(struct ronda_incident *out, const char *type, const unsigned char *text)
{
	char v[300];

	while (text != NULL && *text != '\0') {
		size_t l = strcspn((const char *)text, "\n");
		if (l > 0 && l < sizeof(v)) {
			memcpy(v, text, l);
			v[l] = '\0';
			ronda_incident_set_add(out, type, v);
		}
		text += l;
		if (*text == '\n')
			text++;
	}
}

/* Add the share in the current row of each to the sum in out. */
static void
fold_row(struct ronda_incident *out, sqlite3_stmt *st, int first)
{
	int32_t part = sqlite3_column_int(st, 0);
	int sev = sqlite3_column_int(st, 1), status = sqlite3_column_int(st, 2);
	int64_t fs = sqlite3_column_int64(st, 3), ls = sqlite3_column_int64(st, 4);

	if (first) {
		out->first_seen = fs;
		out->last_seen = ls;
		out->severity = sev;
		out->status = status;
		out->part = part;
	}
	if (sev > out->severity)
		out->severity = sev;
	if (fs < out->first_seen)
		out->first_seen = fs;
	if (ls > out->last_seen || (ls == out->last_seen && part < out->part)) {
		out->last_seen = ls;
		out->part = part;
	}
	if (status_rank(status) > status_rank(out->status))
		out->status = status;
	if (sqlite3_column_int64(st, 6) > out->reopen_count)
		out->reopen_count = sqlite3_column_int64(st, 6);
	out->site_known |= sqlite3_column_int(st, 7);
	out->event_count += sqlite3_column_int64(st, 5);
	out->nevidence += sqlite3_column_int(st, 8);
	set_add_lines(out, "ip", sqlite3_column_text(st, 9));
	set_add_lines(out, "user", sqlite3_column_text(st, 10));
	set_add_lines(out, "rule", sqlite3_column_text(st, 11));
}

static int
sqlfail(struct ronda_shares *sh, sqlite3_stmt *st, char *err, size_t errlen)
{
	snprintf(err, errlen, "incident_shares: %s", sqlite3_errmsg(sh->db));
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	return -1;
}

int
ronda_shares_apply(struct ronda_shares *sh, struct ronda_istream_rec *r,
    struct ronda_incident *out, char *err, size_t errlen)
{
	const struct ronda_incident *in = &r->inc;
	sqlite3_stmt *st = sh->ver;
	int rc, first = 1;

	memset(out, 0, sizeof(*out));
	sqlite3_bind_text(st, 1, in->id, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return sqlfail(sh, st, err, errlen);
	if (rc == SQLITE_ROW && sqlite3_column_int64(st, 0) > r->version) {
		sqlite3_reset(st);
		sqlite3_clear_bindings(st);
		return 0;
	}
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	set_text(&sh->sets[0], &in->ips[0][0], sizeof(in->ips[0]), in->nips);
	set_text(&sh->sets[1], &in->users[0][0], sizeof(in->users[0]), in->nusers);
	set_text(&sh->sets[2], &in->rules[0][0], sizeof(in->rules[0]), in->nrules);
	st = sh->put;
	sqlite3_bind_text(st, 1, in->id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, r->id, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 3, in->part);
	sqlite3_bind_int64(st, 4, r->version);
	sqlite3_bind_text(st, 5, in->site, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 6, in->kind, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 7, in->key, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 8, in->severity);
	sqlite3_bind_int(st, 9, in->status);
	sqlite3_bind_int64(st, 10, in->first_seen);
	sqlite3_bind_int64(st, 11, in->last_seen);
	sqlite3_bind_int64(st, 12, in->event_count);
	sqlite3_bind_int64(st, 13, in->reopen_count);
	sqlite3_bind_int(st, 14, in->site_known);
	sqlite3_bind_int(st, 15, in->nevidence);
	for (int i = 0; i < 3; i++)
		sqlite3_bind_text(st, 16 + i, sh->sets[i].data != NULL ? sh->sets[i].data : "",
		    (int)sh->sets[i].len, SQLITE_STATIC);
	if (sqlite3_step(st) != SQLITE_DONE)
		return sqlfail(sh, st, err, errlen);
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	/* The sum of every share kept, this one included (as just written). */
	memcpy(out->id, r->id, sizeof(out->id));
	memcpy(out->site, in->site, sizeof(out->site));
	memcpy(out->kind, in->kind, sizeof(out->kind));
	memcpy(out->key, in->key, sizeof(out->key));
	st = sh->each;
	sqlite3_bind_text(st, 1, r->id, -1, SQLITE_STATIC);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		fold_row(out, st, first);
		first = 0;
	}
	if (rc != SQLITE_DONE)
		return sqlfail(sh, st, err, errlen);
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	out->new_from = in->new_from;
	/* What this share brought: its evidence (in its partition's range) and indicators. */
	out->ev_pending = r->inc.ev_pending;
	out->ind_pending = r->inc.ind_pending;
	r->inc.ev_pending = NULL;
	r->inc.ind_pending = NULL;
	for (struct ronda_incident_evidence *e = out->ev_pending; e != NULL; e = e->next)
		if (e->seq < SEQ_PER_PART)
			e->seq += r->inc.part * SEQ_PER_PART;
	return 1;
}

void
ronda_shares_out_clear(struct ronda_incident *out)
{
	struct ronda_istream_rec r;

	memset(&r, 0, sizeof(r));
	r.inc.ev_pending = out->ev_pending;
	r.inc.ind_pending = out->ind_pending;
	ronda_istream_rec_clear(&r);
	out->ev_pending = NULL;
	out->ind_pending = NULL;
}
