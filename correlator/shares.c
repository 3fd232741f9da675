#include "shares.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

/* Evidence rows are keyed (incident, seq): each partition's share gets its own range. */
#define SEQ_PER_PART 100000

int
ronda_shares_init(sqlite3 *db, char *err, size_t errlen)
{
	char *msg = NULL;

	if (sqlite3_exec(db, "CREATE TABLE IF NOT EXISTS incident_shares ("
	    " share TEXT PRIMARY KEY, incident_id TEXT NOT NULL, part INTEGER NOT NULL,"
	    " version INTEGER NOT NULL, record TEXT NOT NULL);"
	    "CREATE INDEX IF NOT EXISTS incident_shares_by_incident"
	    " ON incident_shares (incident_id);", NULL, NULL, &msg) != SQLITE_OK) {
		snprintf(err, errlen, "incident_shares: %s", msg != NULL ? msg : "?");
		sqlite3_free(msg);
		return -1;
	}
	return 0;
}

static int
status_rank(int status)
{
	return status == RONDA_INCIDENT_REOPENED ? 2 : status == RONDA_INCIDENT_OPEN ? 1 : 0;
}

/* Add share s to the sum in out (out->id already set). */
static void
fold(struct ronda_incident *out, const struct ronda_incident *s, int first)
{
	if (first) {
		memcpy(out->site, s->site, sizeof(out->site));
		memcpy(out->kind, s->kind, sizeof(out->kind));
		memcpy(out->key, s->key, sizeof(out->key));
		out->first_seen = s->first_seen;
		out->last_seen = s->last_seen;
		out->severity = s->severity;
		out->status = s->status;
		out->part = s->part;
		out->site_known = s->site_known;
	}
	if (s->severity > out->severity)
		out->severity = s->severity;
	if (s->first_seen < out->first_seen)
		out->first_seen = s->first_seen;
	if (s->last_seen > out->last_seen || (s->last_seen == out->last_seen &&
	    s->part < out->part)) {
		out->last_seen = s->last_seen;
		out->part = s->part;
	}
	if (status_rank(s->status) > status_rank(out->status))
		out->status = s->status;
	if (s->reopen_count > out->reopen_count)
		out->reopen_count = s->reopen_count;
	out->site_known |= s->site_known;
	out->event_count += s->event_count;
	out->nevidence += s->nevidence;
	for (int i = 0; i < s->nips; i++)
		ronda_incident_set_add(out, "ip", s->ips[i]);
	for (int i = 0; i < s->nusers; i++)
		ronda_incident_set_add(out, "user", s->users[i]);
	for (int i = 0; i < s->nrules; i++)
		ronda_incident_set_add(out, "rule", s->rules[i]);
}

int
ronda_shares_apply(sqlite3 *db, struct ronda_istream_rec *r, const char *payload,
    size_t len, struct ronda_incident *out, char *err, size_t errlen)
{
	sqlite3_stmt *st = NULL;
	int rc, first = 1;

	memset(out, 0, sizeof(*out));
	if (sqlite3_prepare_v2(db, "SELECT version FROM incident_shares WHERE share = ?", -1,
	    &st, NULL) != SQLITE_OK)
		goto sqlfail;
	sqlite3_bind_text(st, 1, r->inc.id, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW && sqlite3_column_int64(st, 0) > r->version) {
		sqlite3_finalize(st);
		return 0;
	}
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		goto sqlfail;
	sqlite3_finalize(st);
	if (sqlite3_prepare_v2(db, "INSERT INTO incident_shares VALUES (?, ?, ?, ?, ?)"
	    " ON CONFLICT (share) DO UPDATE SET version = excluded.version,"
	    " record = excluded.record", -1, &st, NULL) != SQLITE_OK)
		goto sqlfail;
	sqlite3_bind_text(st, 1, r->inc.id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, r->id, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 3, r->inc.part);
	sqlite3_bind_int64(st, 4, r->version);
	sqlite3_bind_text(st, 5, payload, (int)len, SQLITE_STATIC);
	if (sqlite3_step(st) != SQLITE_DONE)
		goto sqlfail;
	sqlite3_finalize(st);
	/* The sum of every share kept, this one included (as just written). */
	memcpy(out->id, r->id, sizeof(out->id));
	if (sqlite3_prepare_v2(db, "SELECT record FROM incident_shares WHERE incident_id = ?"
	    " ORDER BY part", -1, &st, NULL) != SQLITE_OK)
		goto sqlfail;
	sqlite3_bind_text(st, 1, r->id, -1, SQLITE_STATIC);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct ronda_istream_rec x;
		char e2[128];
		if (ronda_istream_decode((const char *)sqlite3_column_text(st, 0),
		    (size_t)sqlite3_column_bytes(st, 0), &x, e2, sizeof(e2)) == -1 ||
		    x.type != RONDA_ISTREAM_SHARE) {
			ronda_istream_rec_clear(&x);
			continue;
		}
		fold(out, &x.inc, first);
		first = 0;
		ronda_istream_rec_clear(&x);
	}
	if (rc != SQLITE_DONE)
		goto sqlfail;
	sqlite3_finalize(st);
	out->new_from = r->inc.new_from;
	/* What this share brought: its evidence (in its partition's range) and indicators. */
	out->ev_pending = r->inc.ev_pending;
	out->ind_pending = r->inc.ind_pending;
	r->inc.ev_pending = NULL;
	r->inc.ind_pending = NULL;
	for (struct ronda_incident_evidence *e = out->ev_pending; e != NULL; e = e->next)
		if (e->seq < SEQ_PER_PART)
			e->seq += r->inc.part * SEQ_PER_PART;
	return 1;
sqlfail:
	snprintf(err, errlen, "incident_shares: %s", sqlite3_errmsg(db));
	sqlite3_finalize(st);
	return -1;
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
