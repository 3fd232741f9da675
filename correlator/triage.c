#include "triage.h"

#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ronda/buf.h"
#include "ronda/config.h"
#include "ronda/timeutil.h"

/*
 * The state machine (docs/api.md, "Triage"):
 *
 *   action   from                          to
 *   ack      new                           acknowledged
 *   assign   new, acknowledged, assigned   assigned (another assignee)
 *   close    anything but closed           closed, with a reason
 *   reopen   closed                        acknowledged (reason cleared)
 *   note     anything                      unchanged, a note appended
 *
 * Any other move is a 409. Detection's own status (open/closed/reopened,
 * active/quiet/...) is never touched.
 */

enum { ST_NEW, ST_ACK, ST_ASSIGNED, ST_CLOSED, NST };
static const char *const state_names[NST] = { "new", "acknowledged", "assigned", "closed" };
enum { A_ACK, A_ASSIGN, A_CLOSE, A_REOPEN, A_NOTE, NACT };
static const char *const action_names[NACT] = { "ack", "assign", "close", "reopen", "note" };
static const char *const reasons[] = { "resolved", "false_positive", "accepted_risk", NULL };
/* Indicator types a false positive suppresses (never user names: too weak). */
static const char *const suppress_types = "'ip', 'net', 'payload', 'webshell', 'gambling',"
	" 'user_agent', 'host'";

struct ronda_triage {
	sqlite3 *db;
};

/* The triage of one object as stored (strings owned). */
struct tstate {
	int state;
	char *assignee;		/* NULL none */
	char *reason;		/* NULL none */
};

/* ---- names and text ---------------------------------------------------- */

/* Valid UTF-8 without NUL: n bytes, *chars code points. */
static int
utf8_ok(const char *s, size_t n, size_t *chars)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0, c = 0, k;

	while (i < n) {
		if (p[i] == 0 || (k = ronda_utf8_seq_len(p + i, n - i)) == 0)
			return 0;
		i += k;
		c++;
	}
	if (chars != NULL)
		*chars = c;
	return 1;
}

/*
 * A name shows in every client's list: no C0/C1 controls, DEL, and none of
 * the bidirectional overrides that make a name read as another (U+202A..E,
 * U+2066..9).
 */
int
ronda_triage_name_ok(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t n = strlen(s), chars;

	if (!utf8_ok(s, n, &chars) || chars < 1 || chars > RONDA_TRIAGE_NAME_MAX)
		return 0;
	for (size_t i = 0; i < n; i++) {
		if (p[i] < 0x20 || p[i] == 0x7f)
			return 0;
		if (p[i] == 0xc2 && i + 1 < n && p[i + 1] >= 0x80 && p[i + 1] <= 0x9f)
			return 0;
		if (p[i] == 0xe2 && i + 2 < n && ((p[i + 1] == 0x80 && p[i + 2] >= 0xaa &&
		    p[i + 2] <= 0xae) || (p[i + 1] == 0x81 && p[i + 2] >= 0xa6 &&
		    p[i + 2] <= 0xa9)))
			return 0;
	}
	return 1;
}

/*
 * cJSON turns the escape \u0000 into a NUL that silently ends the string:
 * refuse it in the raw text (escapes are walked in pairs, so "\\u0000", a
 * backslash and the letters, is not mistaken for it). Raw control bytes
 * other than JSON's whitespace are not JSON either.
 */
static const char *
body_problem(const char *b, size_t n)
{
	size_t chars;

	if (!utf8_ok(b, n, &chars))
		return "the body is not UTF-8 text";
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)b[i];
		if (c < 0x20 && c != '\t' && c != '\n' && c != '\r')
			return "control character in the body";
		if (c == '\\' && i + 1 < n) {
			if (b[i + 1] == 'u' && i + 5 < n && memcmp(b + i + 2, "0000", 4) == 0)
				return "\\u0000 in a string";
			i++;
		}
	}
	return NULL;
}

/* "30d": 1h..365d, as the configuration writes durations. -1 when not. */
static int64_t
parse_suppress(const char *s)
{
	int64_t ms;

	if (strlen(s) > 16 || ronda_cfg_parse_duration(s, &ms) == -1 ||
	    ms < RONDA_TRIAGE_SUPPRESS_MIN_MS || ms > RONDA_TRIAGE_SUPPRESS_MAX_MS)
		return -1;
	return ms;
}

/* ---- the request ------------------------------------------------------- */

struct request {
	int action;
	const char *assignee, *reason, *note, *suppress;	/* into the cJSON tree */
	int64_t suppress_ms;
};

static int
parse_request(const char *object, cJSON *j, struct request *r, char *msg, size_t msglen)
{
	static const char *const fields[] = { "action", "assignee", "reason", "note",
		"suppress", NULL };
	const char **slot[] = { NULL, &r->assignee, &r->reason, &r->note, &r->suppress };
	const char *action = NULL;
	size_t n;

	memset(r, 0, sizeof(*r));
	r->action = -1;
	if (!cJSON_IsObject(j)) {
		snprintf(msg, msglen, "the body must be a JSON object");
		return -1;
	}
	for (const cJSON *c = j->child; c != NULL; c = c->next) {
		int f;
		for (f = 0; fields[f] != NULL; f++)
			if (c->string != NULL && strcmp(c->string, fields[f]) == 0)
				break;
		if (fields[f] == NULL) {
			snprintf(msg, msglen, "unknown field (the fields are action, assignee, "
			    "reason, note, suppress)");
			return -1;
		}
		if (!cJSON_IsString(c) || c->valuestring == NULL) {
			snprintf(msg, msglen, "%s: must be a string", fields[f]);
			return -1;
		}
		if ((f == 0 ? action : *slot[f]) != NULL) {
			snprintf(msg, msglen, "%s: given twice", fields[f]);
			return -1;
		}
		if (f == 0)
			action = c->valuestring;
		else
			*slot[f] = c->valuestring;
	}
	if (action == NULL) {
		snprintf(msg, msglen, "action: missing (ack, assign, close, reopen, note)");
		return -1;
	}
	for (int a = 0; a < NACT; a++)
		if (strcmp(action, action_names[a]) == 0)
			r->action = a;
	if (r->action < 0) {
		snprintf(msg, msglen, "action: unknown (ack, assign, close, reopen, note)");
		return -1;
	}
	if (r->action == A_ASSIGN) {
		if (r->assignee == NULL) {
			snprintf(msg, msglen, "assignee: missing");
			return -1;
		}
		if (!ronda_triage_name_ok(r->assignee)) {
			snprintf(msg, msglen, "assignee: 1..%d characters of UTF-8 text without "
			    "control characters", RONDA_TRIAGE_NAME_MAX);
			return -1;
		}
	} else if (r->assignee != NULL) {
		snprintf(msg, msglen, "assignee: only with action assign");
		return -1;
	}
	if (r->action == A_CLOSE) {
		int ok = 0;
		if (r->reason == NULL) {
			snprintf(msg, msglen, "reason: missing (resolved, false_positive, "
			    "accepted_risk)");
			return -1;
		}
		for (int i = 0; reasons[i] != NULL; i++)
			ok |= strcmp(r->reason, reasons[i]) == 0;
		if (!ok) {
			snprintf(msg, msglen, "reason: one of resolved, false_positive, "
			    "accepted_risk");
			return -1;
		}
	} else if (r->reason != NULL) {
		snprintf(msg, msglen, "reason: only with action close");
		return -1;
	}
	if (r->action == A_NOTE && r->note == NULL) {
		snprintf(msg, msglen, "note: missing");
		return -1;
	}
	if (r->note != NULL) {
		n = strlen(r->note);
		if (n < 1 || n > RONDA_TRIAGE_NOTE_MAX || !utf8_ok(r->note, n, NULL)) {
			snprintf(msg, msglen, "note: 1..%d bytes of UTF-8 text",
			    RONDA_TRIAGE_NOTE_MAX);
			return -1;
		}
	}
	if (r->suppress != NULL) {
		if (strcmp(object, "campaign") != 0 || r->action != A_CLOSE ||
		    strcmp(r->reason, "false_positive") != 0) {
			snprintf(msg, msglen, "suppress: only when closing a campaign as "
			    "false_positive");
			return -1;
		}
		if ((r->suppress_ms = parse_suppress(r->suppress)) < 0) {
			snprintf(msg, msglen, "suppress: a duration from 1h to 365d (30d, 12h)");
			return -1;
		}
	}
	return 0;
}

/* The next state, or -1 when the action makes no sense from st. */
static int
transition(const struct tstate *st, const struct request *r, char *msg, size_t msglen)
{
	switch (r->action) {
	case A_ACK:
		if (st->state == ST_NEW)
			return ST_ACK;
		snprintf(msg, msglen, "ack: already %s", state_names[st->state]);
		return -1;
	case A_ASSIGN:
		if (st->state == ST_CLOSED) {
			snprintf(msg, msglen, "assign: closed (reopen it first)");
			return -1;
		}
		if (st->state == ST_ASSIGNED && st->assignee != NULL &&
		    strcmp(st->assignee, r->assignee) == 0) {
			snprintf(msg, msglen, "assign: already assigned to that analyst");
			return -1;
		}
		return ST_ASSIGNED;
	case A_CLOSE:
		if (st->state == ST_CLOSED) {
			snprintf(msg, msglen, "close: already closed");
			return -1;
		}
		return ST_CLOSED;
	case A_REOPEN:
		if (st->state != ST_CLOSED) {
			snprintf(msg, msglen, "reopen: not closed");
			return -1;
		}
		return ST_ACK;
	default:
		return st->state;
	}
}

/* ---- the store --------------------------------------------------------- */

struct ronda_triage *
ronda_triage_open(const char *path, int busy_ms, char *err, size_t errlen)
{
	struct ronda_triage *t = calloc(1, sizeof(*t));
	sqlite3_stmt *st = NULL;
	int ok;

	if (t == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	if (sqlite3_open_v2(path, &t->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX,
	    NULL) != SQLITE_OK) {
		snprintf(err, errlen, "%s: %s", path, t->db != NULL ? sqlite3_errmsg(t->db) :
		    "cannot open");
		goto fail;
	}
	sqlite3_busy_timeout(t->db, busy_ms);
	/* The engine made the store WAL and migrated it before the API starts. */
	ok = sqlite3_prepare_v2(t->db, "SELECT count(*) FROM sqlite_master WHERE name IN"
	    " ('triage', 'triage_notes', 'audit', 'suppressions')", -1, &st, NULL) ==
	    SQLITE_OK && sqlite3_step(st) == SQLITE_ROW && sqlite3_column_int(st, 0) == 4;
	sqlite3_finalize(st);
	if (!ok) {
		snprintf(err, errlen, "%s: no triage tables (schema version 8)", path);
		goto fail;
	}
	return t;
fail:
	ronda_triage_free(t);
	return NULL;
}

void
ronda_triage_free(struct ronda_triage *t)
{
	if (t == NULL)
		return;
	sqlite3_close(t->db);
	free(t);
}

static int
step_rc(int rc)
{
	return (rc & 0xff) == SQLITE_BUSY || (rc & 0xff) == SQLITE_LOCKED ?
	    RONDA_TRIAGE_BUSY : RONDA_TRIAGE_ERROR;
}

static cJSON *
json_time(int64_t ms)
{
	char ts[RONDA_TS_LEN + 1];

	ronda_fmt_utc_ms(ts, ms);
	return cJSON_CreateString(ts);
}

static cJSON *
col_str_or_null(sqlite3_stmt *st, int col)
{
	if (sqlite3_column_type(st, col) == SQLITE_NULL)
		return cJSON_CreateNull();
	return cJSON_CreateString((const char *)sqlite3_column_text(st, col));
}

cJSON *
ronda_triage_json(sqlite3_stmt *row, sqlite3_stmt *notes, const char *object,
    const char *id, int full)
{
	cJSON *o = cJSON_CreateObject(), *arr, *it;
	int rc = SQLITE_DONE;

	if (o == NULL)
		return NULL;
	if (row != NULL) {
		sqlite3_reset(row);
		sqlite3_bind_text(row, 1, object, -1, SQLITE_STATIC);
		sqlite3_bind_text(row, 2, id, -1, SQLITE_TRANSIENT);
		rc = sqlite3_step(row);
	}
	if (rc == SQLITE_ROW) {
		cJSON_AddItemToObject(o, "state", col_str_or_null(row, 0));
		cJSON_AddItemToObject(o, "assignee", col_str_or_null(row, 1));
		cJSON_AddItemToObject(o, "reason", col_str_or_null(row, 2));
		if (full) {
			cJSON_AddItemToObject(o, "updated_at",
			    json_time(sqlite3_column_int64(row, 3)));
			cJSON_AddItemToObject(o, "updated_by", col_str_or_null(row, 4));
		}
	} else if (rc == SQLITE_DONE) {
		cJSON_AddStringToObject(o, "state", "new");
		cJSON_AddNullToObject(o, "assignee");
		cJSON_AddNullToObject(o, "reason");
		if (full) {
			cJSON_AddNullToObject(o, "updated_at");
			cJSON_AddNullToObject(o, "updated_by");
		}
	} else {
		goto fail;
	}
	if (row != NULL)
		sqlite3_reset(row);
	if (!full)
		return o;
	if ((arr = cJSON_AddArrayToObject(o, "notes")) == NULL)
		goto fail;
	if (notes == NULL)
		return o;
	sqlite3_reset(notes);
	sqlite3_bind_text(notes, 1, object, -1, SQLITE_STATIC);
	sqlite3_bind_text(notes, 2, id, -1, SQLITE_TRANSIENT);
	while ((rc = sqlite3_step(notes)) == SQLITE_ROW) {
		if ((it = cJSON_CreateObject()) == NULL)
			goto fail;
		cJSON_AddItemToArray(arr, it);
		cJSON_AddItemToObject(it, "at", json_time(sqlite3_column_int64(notes, 0)));
		cJSON_AddItemToObject(it, "by", col_str_or_null(notes, 1));
		cJSON_AddItemToObject(it, "text", col_str_or_null(notes, 2));
	}
	sqlite3_reset(notes);
	if (rc != SQLITE_DONE)
		goto fail;
	return o;
fail:
	if (row != NULL)
		sqlite3_reset(row);
	cJSON_Delete(o);
	return NULL;
}

static void
tstate_clear(struct tstate *s)
{
	free(s->assignee);
	free(s->reason);
	memset(s, 0, sizeof(*s));
}

static char *
col_dup(sqlite3_stmt *st, int col)
{
	const unsigned char *p = sqlite3_column_text(st, col);

	return p != NULL ? strdup((const char *)p) : NULL;
}

/* Run sql with text binds (NULL binds NULL), expecting no rows. SQLite rc. */
static int
run(sqlite3 *db, const char *sql, const char *const *binds, int nbinds,
    const int64_t *ints, int nints)
{
	sqlite3_stmt *st;
	int rc;

	if ((rc = sqlite3_prepare_v2(db, sql, -1, &st, NULL)) != SQLITE_OK)
		return rc;
	for (int i = 0; i < nbinds; i++)
		sqlite3_bind_text(st, i + 1, binds[i], -1, SQLITE_STATIC);
	for (int i = 0; i < nints; i++)
		sqlite3_bind_int64(st, nbinds + i + 1, ints[i]);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	return rc == SQLITE_ROW ? SQLITE_DONE : rc;
}

/* count(*) or the first integer of sql's first row into *v. SQLite rc. */
static int
one_int(sqlite3 *db, const char *sql, const char *const *binds, int nbinds, int64_t iv,
    int64_t *v)
{
	sqlite3_stmt *st;
	int rc;

	if ((rc = sqlite3_prepare_v2(db, sql, -1, &st, NULL)) != SQLITE_OK)
		return rc;
	for (int i = 0; i < nbinds; i++)
		sqlite3_bind_text(st, i + 1, binds[i], -1, SQLITE_STATIC);
	if (iv != INT64_MIN)
		sqlite3_bind_int64(st, nbinds + 1, iv);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		*v = sqlite3_column_int64(st, 0);
		rc = SQLITE_DONE;
	}
	sqlite3_finalize(st);
	return rc;
}

static int
load_state(sqlite3 *db, const char *object, const char *id, struct tstate *s)
{
	sqlite3_stmt *st;
	int rc;

	memset(s, 0, sizeof(*s));
	if ((rc = sqlite3_prepare_v2(db, "SELECT state, assignee, reason FROM triage"
	    " WHERE object = ? AND object_id = ?", -1, &st, NULL)) != SQLITE_OK)
		return rc;
	sqlite3_bind_text(st, 1, object, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, id, -1, SQLITE_STATIC);
	if ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const char *name = (const char *)sqlite3_column_text(st, 0);
		for (int i = 0; i < NST; i++)
			if (name != NULL && strcmp(name, state_names[i]) == 0)
				s->state = i;
		s->assignee = col_dup(st, 1);
		s->reason = col_dup(st, 2);
		rc = SQLITE_DONE;
	}
	sqlite3_finalize(st);
	return rc;
}

/* {"state":..,"assignee":..,"reason":..} as the audit stores it (malloc'd). */
static char *
state_text(const struct tstate *s)
{
	cJSON *o = cJSON_CreateObject();
	char *t;

	if (o == NULL)
		return NULL;
	cJSON_AddStringToObject(o, "state", state_names[s->state]);
	if (s->assignee != NULL)
		cJSON_AddStringToObject(o, "assignee", s->assignee);
	else
		cJSON_AddNullToObject(o, "assignee");
	if (s->reason != NULL)
		cJSON_AddStringToObject(o, "reason", s->reason);
	else
		cJSON_AddNullToObject(o, "reason");
	t = cJSON_PrintUnformatted(o);
	cJSON_Delete(o);
	return t;
}

static int
valid_id(const char *object, const char *id)
{
	size_t n = strlen(id);

	if (strcmp(object, "incident") == 0)
		return n == 32 && strspn(id, "0123456789abcdef") == 32;
	if (n == 0 || n > 64)
		return 0;
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)id[i] <= 0x20 || (unsigned char)id[i] >= 0x7f)
			return 0;
	return 1;
}

/*
 * A campaign closed as a false positive: each indicator its link rests on
 * becomes a suppression until now + ms. Rows made are added to arr.
 */
static int
suppress(sqlite3 *db, const char *id, const char *who, int64_t now, int64_t ms, cJSON *arr,
    char *msg, size_t msglen)
{
	char sql[512];
	sqlite3_stmt *st = NULL, *ins = NULL;
	int64_t active = 0, n = 0;
	int rc;

	snprintf(sql, sizeof(sql), "SELECT count(*) FROM campaign_indicators WHERE"
	    " campaign_id = ? AND type IN (%s)", suppress_types);
	if ((rc = one_int(db, sql, &id, 1, INT64_MIN, &n)) != SQLITE_DONE ||
	    (rc = one_int(db, "SELECT count(*) FROM suppressions WHERE until > ?", NULL, 0, now,
	    &active)) != SQLITE_DONE)
		return step_rc(rc);
	if (active + n > RONDA_TRIAGE_SUPPRESS_MAX) {
		snprintf(msg, msglen, "suppress: %lld suppressions are active, at most %d",
		    (long long)active, RONDA_TRIAGE_SUPPRESS_MAX);
		return RONDA_TRIAGE_CONFLICT;
	}
	snprintf(sql, sizeof(sql), "SELECT type, value FROM campaign_indicators WHERE"
	    " campaign_id = ? AND type IN (%s) ORDER BY type, value", suppress_types);
	if ((rc = sqlite3_prepare_v2(db, sql, -1, &st, NULL)) != SQLITE_OK ||
	    (rc = sqlite3_prepare_v2(db, "INSERT INTO suppressions (type, value, until,"
	    " campaign_id, created_by, created_at) VALUES (?, ?, ?, ?, ?, ?)", -1, &ins,
	    NULL)) != SQLITE_OK)
		goto done;
	sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		cJSON *o;
		sqlite3_reset(ins);
		sqlite3_bind_value(ins, 1, sqlite3_column_value(st, 0));
		sqlite3_bind_value(ins, 2, sqlite3_column_value(st, 1));
		sqlite3_bind_int64(ins, 3, now + ms);
		sqlite3_bind_text(ins, 4, id, -1, SQLITE_STATIC);
		sqlite3_bind_text(ins, 5, who, -1, SQLITE_STATIC);
		sqlite3_bind_int64(ins, 6, now);
		if ((rc = sqlite3_step(ins)) != SQLITE_DONE)
			goto done;
		if ((o = cJSON_CreateObject()) != NULL) {
			cJSON_AddItemToArray(arr, o);
			cJSON_AddStringToObject(o, "type", (const char *)sqlite3_column_text(st, 0));
			cJSON_AddStringToObject(o, "value",
			    (const char *)sqlite3_column_text(st, 1));
			cJSON_AddItemToObject(o, "until", json_time(now + ms));
		}
	}
	if (rc == SQLITE_DONE)
		rc = SQLITE_OK;
done:
	sqlite3_finalize(st);
	sqlite3_finalize(ins);
	return rc == SQLITE_OK ? RONDA_TRIAGE_OK : step_rc(rc);
}

int
ronda_triage_apply(struct ronda_triage *t, const char *object, const char *id,
    const char *who, const char *body, size_t len, int64_t now, cJSON **out, char *msg,
    size_t msglen)
{
	struct request r;
	struct tstate before = { 0 }, after = { 0 };
	cJSON *j = NULL, *reply = NULL, *tri = NULL, *sup = NULL;
	sqlite3_stmt *row = NULL, *notes = NULL;
	const char *problem, *end = NULL;
	char *btext = NULL, *atext = NULL;
	int64_t exists = 0, nnotes = 0, lifted = 0;
	int rc = RONDA_TRIAGE_ERROR, src, next;

	*out = NULL;
	msg[0] = '\0';
	if (strcmp(object, "incident") != 0 && strcmp(object, "campaign") != 0) {
		snprintf(msg, msglen, "no such object");
		return RONDA_TRIAGE_NOTFOUND;
	}
	if (!valid_id(object, id)) {
		snprintf(msg, msglen, "%s id: %s", object, strcmp(object, "incident") == 0 ?
		    "32 hex digits" : "1..64 printable characters");
		return RONDA_TRIAGE_BADREQ;
	}
	if (len > RONDA_TRIAGE_BODY_MAX) {
		snprintf(msg, msglen, "the body is larger than %d bytes", RONDA_TRIAGE_BODY_MAX);
		return RONDA_TRIAGE_BADREQ;
	}
	if ((problem = body_problem(body, len)) != NULL) {
		snprintf(msg, msglen, "%s", problem);
		return RONDA_TRIAGE_BADREQ;
	}
	if ((j = cJSON_ParseWithLengthOpts(body, len, &end, 0)) == NULL) {
		snprintf(msg, msglen, "the body is not JSON");
		return RONDA_TRIAGE_BADREQ;
	}
	for (; end != NULL && end < body + len; end++)
		if (*end != ' ' && *end != '\t' && *end != '\r' && *end != '\n') {
			snprintf(msg, msglen, "text after the JSON value");
			cJSON_Delete(j);
			return RONDA_TRIAGE_BADREQ;
		}
	if (parse_request(object, j, &r, msg, msglen) == -1) {
		cJSON_Delete(j);
		return RONDA_TRIAGE_BADREQ;
	}

	/* One short transaction: the batch writer waits for it, never longer. */
	if ((src = sqlite3_exec(t->db, "BEGIN IMMEDIATE", NULL, NULL, NULL)) != SQLITE_OK) {
		rc = step_rc(src);
		snprintf(msg, msglen, "%s", sqlite3_errmsg(t->db));
		goto out;
	}
	if ((src = one_int(t->db, strcmp(object, "incident") == 0 ?
	    "SELECT count(*) FROM incidents WHERE id = ?" :
	    "SELECT count(*) FROM campaigns WHERE id = ?", &id, 1, INT64_MIN, &exists)) !=
	    SQLITE_DONE || (src = load_state(t->db, object, id, &before)) != SQLITE_DONE)
		goto dbfail;
	if (exists == 0) {
		snprintf(msg, msglen, "%s %s: no such %s", object, id, object);
		rc = RONDA_TRIAGE_NOTFOUND;
		goto rollback;
	}
	if ((next = transition(&before, &r, msg, msglen)) < 0) {
		rc = RONDA_TRIAGE_CONFLICT;
		goto rollback;
	}
	after.state = next;
	after.assignee = r.action == A_ASSIGN ? strdup(r.assignee) :
	    before.assignee != NULL ? strdup(before.assignee) : NULL;
	after.reason = r.action == A_CLOSE ? strdup(r.reason) :
	    r.action == A_NOTE && before.reason != NULL ? strdup(before.reason) : NULL;
	if ((btext = state_text(&before)) == NULL || (atext = state_text(&after)) == NULL ||
	    (r.action == A_ASSIGN && after.assignee == NULL) ||
	    (r.action == A_CLOSE && after.reason == NULL)) {
		snprintf(msg, msglen, "out of memory");
		goto rollback;
	}
	/* A note alone leaves the triage row (state, updated_at) as it was. */
	if (r.action != A_NOTE) {
		const char *b[] = { object, id, state_names[after.state], after.assignee,
			after.reason, who };
		if ((src = run(t->db, "INSERT OR REPLACE INTO triage (object, object_id, state,"
		    " assignee, reason, updated_by, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
		    b, 6, &now, 1)) != SQLITE_DONE)
			goto dbfail;
	}
	if (r.note != NULL) {
		const char *b[] = { object, id };
		const char *nb[] = { object, id, who, r.note };
		if ((src = one_int(t->db, "SELECT count(*) FROM triage_notes WHERE object = ?"
		    " AND object_id = ?", b, 2, INT64_MIN, &nnotes)) != SQLITE_DONE)
			goto dbfail;
		if (nnotes >= RONDA_TRIAGE_NOTES_MAX) {
			snprintf(msg, msglen, "note: this %s has %d notes, the most kept", object,
			    RONDA_TRIAGE_NOTES_MAX);
			rc = RONDA_TRIAGE_CONFLICT;
			goto rollback;
		}
		if ((src = run(t->db, "INSERT INTO triage_notes (object, object_id, who, text, at)"
		    " VALUES (?, ?, ?, ?, ?)", nb, 4, &now, 1)) != SQLITE_DONE)
			goto dbfail;
	}
	if (r.suppress != NULL) {
		if ((sup = cJSON_CreateArray()) == NULL) {
			snprintf(msg, msglen, "out of memory");
			goto rollback;
		}
		if ((rc = suppress(t->db, id, who, now, r.suppress_ms, sup, msg, msglen)) !=
		    RONDA_TRIAGE_OK) {
			if (msg[0] == '\0')
				snprintf(msg, msglen, "%s", sqlite3_errmsg(t->db));
			goto rollback;
		}
	}
	/* Reopening a false positive: it was not one, its suppressions end now. */
	if (r.action == A_REOPEN && strcmp(object, "campaign") == 0) {
		sqlite3_stmt *st;
		if ((src = sqlite3_prepare_v2(t->db, "UPDATE suppressions SET until = ?1"
		    " WHERE campaign_id = ?2 AND until > ?1", -1, &st, NULL)) != SQLITE_OK)
			goto dbfail;
		sqlite3_bind_int64(st, 1, now);
		sqlite3_bind_text(st, 2, id, -1, SQLITE_STATIC);
		src = sqlite3_step(st);
		sqlite3_finalize(st);
		if (src != SQLITE_DONE)
			goto dbfail;
		lifted = sqlite3_changes(t->db);
	}
	{
		const char *b[] = { who, object, id, action_names[r.action], btext, atext,
			r.note };
		if ((src = run(t->db, "INSERT INTO audit (who, object, object_id, action, before,"
		    " after, note, at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)", b, 7, &now, 1)) !=
		    SQLITE_DONE)
			goto dbfail;
	}
	/* The reply: the triage as this transaction leaves it. */
	if ((src = sqlite3_prepare_v2(t->db, RONDA_TRIAGE_ROW_SQL, -1, &row, NULL)) !=
	    SQLITE_OK || (src = sqlite3_prepare_v2(t->db, RONDA_TRIAGE_NOTES_SQL, -1, &notes,
	    NULL)) != SQLITE_OK)
		goto dbfail;
	if ((tri = ronda_triage_json(row, notes, object, id, 1)) == NULL) {
		src = sqlite3_errcode(t->db);
		goto dbfail;
	}
	if ((src = sqlite3_exec(t->db, "COMMIT", NULL, NULL, NULL)) != SQLITE_OK)
		goto dbfail;
	if ((reply = cJSON_CreateObject()) == NULL) {
		/* Committed: the client sees 500 but the action stands (as the audit says). */
		snprintf(msg, msglen, "out of memory");
		rc = RONDA_TRIAGE_ERROR;
		goto out;
	}
	cJSON_AddBoolToObject(reply, "ok", 1);
	cJSON_AddItemToObject(reply, "triage", tri);
	tri = NULL;
	if (sup != NULL) {
		cJSON_AddItemToObject(reply, "suppressions", sup);
		sup = NULL;
	}
	if (r.action == A_REOPEN && strcmp(object, "campaign") == 0)
		cJSON_AddNumberToObject(reply, "suppressions_lifted", (double)lifted);
	*out = reply;
	rc = RONDA_TRIAGE_OK;
	goto out;
dbfail:
	rc = step_rc(src);
	snprintf(msg, msglen, "%s", sqlite3_errmsg(t->db));
rollback:
	if (!sqlite3_get_autocommit(t->db))
		(void)sqlite3_exec(t->db, "ROLLBACK", NULL, NULL, NULL);
out:
	sqlite3_finalize(row);
	sqlite3_finalize(notes);
	cJSON_Delete(tri);
	cJSON_Delete(sup);
	cJSON_Delete(j);
	free(btext);
	free(atext);
	tstate_clear(&before);
	tstate_clear(&after);
	return rc;
}

/* ---- suppressions for the engine ------------------------------------- */

void
ronda_triage_suppressions_free(struct ronda_allow_cfg *v, size_t n)
{
	if (v == NULL)
		return;
	for (size_t i = 0; i < n; i++) {
		free(v[i].type);
		free(v[i].value);
	}
	free(v);
}

int
ronda_triage_suppressions_load(struct sqlite3 *db, int64_t now, struct ronda_allow_cfg **out,
    size_t *n, int64_t *next_expiry)
{
	struct ronda_allow_cfg *v = NULL, *nv;
	sqlite3_stmt *st = NULL;
	size_t k = 0, cap = 0;
	int rc;

	*out = NULL;
	*n = 0;
	*next_expiry = INT64_MAX;
	/* An indicator suppressed twice stays so until the later of the two. */
	rc = sqlite3_prepare_v2(db, "SELECT type, value, max(until) FROM suppressions"
	    " WHERE until > ? GROUP BY type, value ORDER BY type, value LIMIT ?", -1, &st, NULL);
	if (rc != SQLITE_OK) {
		/* A store from before version 8 has no table: nothing is suppressed. */
		sqlite3_stmt *t = NULL;
		int missing = sqlite3_prepare_v2(db, "SELECT 1 FROM sqlite_master WHERE"
		    " name = 'suppressions'", -1, &t, NULL) == SQLITE_OK &&
		    sqlite3_step(t) == SQLITE_DONE;
		sqlite3_finalize(t);
		return missing ? 0 : -1;
	}
	sqlite3_bind_int64(st, 1, now);
	sqlite3_bind_int64(st, 2, RONDA_TRIAGE_SUPPRESS_MAX);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		int64_t until = sqlite3_column_int64(st, 2);
		if (k == cap) {
			cap = cap == 0 ? 16 : cap * 2;
			if ((nv = realloc(v, cap * sizeof(*v))) == NULL) {
				rc = SQLITE_NOMEM;
				break;
			}
			v = nv;
		}
		v[k].type = col_dup(st, 0);
		v[k].value = col_dup(st, 1);
		k++;
		if (v[k - 1].type == NULL || v[k - 1].value == NULL) {
			rc = SQLITE_NOMEM;
			break;
		}
		if (until < *next_expiry)
			*next_expiry = until;
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		ronda_triage_suppressions_free(v, k);
		*next_expiry = INT64_MAX;
		return -1;
	}
	*out = v;
	*n = k;
	return 0;
}
