/*
 * query_incidents.c — incidents (lists and one with its evidence), their
 * triage state, the audit trail and the suppressions.
 */
#include "query_int.h"

/* ---- triage ----------------------------------------------------------- */

/*
 * The object's triage (lists: short; full: with notes, triage.h), or NULL
 * when the store failed. A store older than version 8 says "new".
 */
static cJSON *
triage_of(struct ronda_query *q, const char *object, const char *id, int full)
{
	if (q->has_triage && q->trow == NULL &&
	    (sqlite3_prepare_v3(q->db, RONDA_TRIAGE_ROW_SQL, -1, SQLITE_PREPARE_PERSISTENT,
	    &q->trow, NULL) != SQLITE_OK || sqlite3_prepare_v3(q->db, RONDA_TRIAGE_NOTES_SQL,
	    -1, SQLITE_PREPARE_PERSISTENT, &q->tnotes, NULL) != SQLITE_OK)) {
		sqlite3_finalize(q->trow);
		q->trow = NULL;
		return NULL;
	}
	return ronda_triage_json(q->has_triage ? q->trow : NULL, q->has_triage ? q->tnotes :
	    NULL, object, id, full);
}

/* Add "triage" to o (the object of table's row id). OK or the store's error. */
int
q_add_triage(struct ronda_query *q, cJSON *o, const char *object, const char *id, int full)
{
	cJSON *t = triage_of(q, object, id, full);

	if (t == NULL)
		return q_dberr(q);
	cJSON_DeleteItemFromObject(o, "triage");
	cJSON_AddItemToObject(o, "triage", t);
	return RONDA_QUERY_OK;
}

/* triage= of a list: the rows of table (incidents, campaigns) in that state. */
int
q_w_triage(struct ronda_query *q, struct where *w, const char *object, const char *table,
    const char *state)
{
	char clause[256];

	if (state == NULL || state[0] == '\0')
		return RONDA_QUERY_OK;
	if (!q_in_list(state, triage_states))
		return q_setmsg(q, RONDA_QUERY_BADARG,
		    "triage: one of new, acknowledged, assigned, closed");
	if (!q->has_triage) {
		q_w_text(w, " AND 'new' = ?", state);
		return RONDA_QUERY_OK;
	}
	snprintf(clause, sizeof(clause), " AND COALESCE((SELECT t.state FROM triage t WHERE"
	    " t.object = '%s' AND t.object_id = %s.id), 'new') = ?", object, table);
	q_w_text(w, clause, state);
	return RONDA_QUERY_OK;
}

/* ---- incidents -------------------------------------------------------- */

#define INC_COLS "id, site, kind, key, severity, status, first_seen, last_seen," \
	" event_count, reopen_count, site_known, attacker_ips, users, rule_ids"

/* The incident object of the row at st (INC_COLS), with indicators and evidence. */
static int
incident_obj(struct ronda_query *q, sqlite3_stmt *st, sqlite3_stmt *ind, sqlite3_stmt *ev,
    cJSON **out)
{
	cJSON *o = cJSON_CreateObject(), *arr, *it, *abroad;
	int64_t n;
	int rc;

	q_add_col_str(o, "id", st, 0);
	q_add_col_str(o, "site", st, 1);
	cJSON_AddBoolToObject(o, "site_known", sqlite3_column_int(st, 10) != 0);
	q_add_col_str(o, "kind", st, 2);
	q_add_col_str(o, "key", st, 3);
	q_add_col_str(o, "severity", st, 4);
	q_add_col_str(o, "status", st, 5);
	n = sqlite3_column_int64(st, 9);
	cJSON_AddNumberToObject(o, "reopen_count", (double)(n < 0 ? 0 : n));
	q_add_time(o, "first_seen", sqlite3_column_int64(st, 6));
	q_add_time(o, "last_seen", sqlite3_column_int64(st, 7));
	n = sqlite3_column_int64(st, 8);
	cJSON_AddNumberToObject(o, "event_count", (double)(n < 1 ? 1 : n));
	cJSON_AddItemToObject(o, "attacker_ips", q_json_array_col(st, 11, 8));
	cJSON_AddItemToObject(o, "users", q_json_array_col(st, 12, 8));
	cJSON_AddItemToObject(o, "rule_ids", q_json_array_col(st, 13, 8));

	/* Countries of its addresses abroad (luar negeri; GeoIP, "foreign" indicators). */
	abroad = cJSON_AddArrayToObject(o, "abroad");
	arr = cJSON_AddArrayToObject(o, "indicators");
	sqlite3_reset(ind);
	sqlite3_bind_text(ind, 1, (const char *)sqlite3_column_text(st, 0), -1, SQLITE_TRANSIENT);
	while ((rc = sqlite3_step(ind)) == SQLITE_ROW) {
		it = cJSON_CreateObject();
		q_add_col_str(it, "type", ind, 0);
		q_add_col_str(it, "value", ind, 1);
		q_add_time(it, "first_seen", sqlite3_column_int64(ind, 2));
		cJSON_AddItemToArray(arr, it);
		if (sqlite3_column_type(ind, 0) == SQLITE_TEXT &&
		    strcmp((const char *)sqlite3_column_text(ind, 0), "foreign") == 0)
			cJSON_AddItemToArray(abroad, q_col_json_str(ind, 1));
	}
	if (rc != SQLITE_DONE)
		goto fail;
	arr = cJSON_AddArrayToObject(o, "evidence");
	sqlite3_reset(ev);
	sqlite3_bind_text(ev, 1, (const char *)sqlite3_column_text(st, 0), -1, SQLITE_TRANSIENT);
	while ((rc = sqlite3_step(ev)) == SQLITE_ROW) {
		it = cJSON_CreateObject();
		q_add_time(it, "ts", sqlite3_column_int64(ev, 0));
		q_add_col_str(it, "line", ev, 1);
		cJSON_AddItemToArray(arr, it);
	}
	if (rc != SQLITE_DONE)
		goto fail;
	if ((rc = q_add_triage(q, o, "incident", (const char *)sqlite3_column_text(st, 0), 0)) !=
	    RONDA_QUERY_OK) {
		cJSON_Delete(o);
		return rc;
	}
	*out = o;
	return RONDA_QUERY_OK;
fail:
	cJSON_Delete(o);
	return q_dberr(q);
}

static int
incident_subqueries(struct ronda_query *q, sqlite3_stmt **ind, sqlite3_stmt **ev)
{
	*ind = q_prep(q, "SELECT type, value, first_seen FROM indicators WHERE incident_id = ?"
	    " ORDER BY first_seen, type, value LIMIT 64");
	*ev = q_prep(q, "SELECT ts, line FROM evidence WHERE incident_id = ? ORDER BY seq");
	if (*ind == NULL || *ev == NULL) {
		sqlite3_finalize(*ind);
		sqlite3_finalize(*ev);
		return RONDA_QUERY_ERROR;
	}
	return RONDA_QUERY_OK;
}

/* The WHERE clause of an incident filter (without the cursor). */
int
q_incident_where(struct ronda_query *q, const struct ronda_query_filter *f, struct where *w)
{
	int rc;

	q_w_init(w);
	if (f->since != INT64_MIN)
		q_w_int(w, " AND last_seen >= ?", f->since);
	if (f->until != INT64_MAX)
		q_w_int(w, " AND first_seen < ?", f->until);
	if (f->site != NULL && f->site[0] != '\0') {
		if ((rc = q_check_text(q, "site", f->site)) != RONDA_QUERY_OK)
			return rc;
		q_w_text(w, " AND site = ?", f->site);
	}
	if (f->kind != NULL && f->kind[0] != '\0') {
		if (!q_in_list(f->kind, incident_kinds))
			return q_setmsg(q, RONDA_QUERY_BADARG, "kind: unknown incident kind");
		q_w_text(w, " AND kind = ?", f->kind);
	}
	if (f->severity != NULL && f->severity[0] != '\0') {
		int r = ronda_query_severity_rank(f->severity);
		if (r < 1)
			return q_setmsg(q, RONDA_QUERY_BADARG,
			    "severity: one of low, medium, high, critical");
		q_w_severity(w, "severity", r);
	}
	if (f->status != NULL && f->status[0] != '\0') {
		if (!q_in_list(f->status, incident_statuses))
			return q_setmsg(q, RONDA_QUERY_BADARG,
			    "status: one of open, closed, reopened, active");
		if (strcmp(f->status, "active") == 0)
			q_w_text(w, " AND status <> ?", "closed");
		else
			q_w_text(w, " AND status = ?", f->status);
	}
	return q_w_triage(q, w, "incident", "incidents", f->triage);
}

int
q_list_page(struct ronda_query *q, const struct ronda_query_filter *f, struct where *w,
    const struct lister *l, cJSON **out, struct ronda_query_page *page)
{
	struct ronda_buf sql;
	sqlite3_stmt *st = NULL;
	cJSON *arr = NULL, *o;
	int64_t limit = 0, cur_ls = 0, nrows = 0;
	int64_t prev_ls = 0;
	char cur_id[RONDA_QUERY_CURSOR_MAX], prev_id[RONDA_QUERY_CURSOR_MAX] = "";
	int rc, have_cursor = f->cursor != NULL && f->cursor[0] != '\0';

	*out = NULL;
	if (page != NULL) {
		page->next_cursor[0] = '\0';
		page->total = 0;
	}
	if ((rc = q_check_limit(q, f, &limit)) != RONDA_QUERY_OK)
		return rc;
	if (have_cursor && (rc = q_cursor_parse(q, f->cursor, &cur_ls, cur_id,
	    sizeof(cur_id))) != RONDA_QUERY_OK)
		return rc;
	if (w->sql.overflow || w->n >= W_MAX)
		return q_setmsg(q, RONDA_QUERY_BADARG, "filter: too many conditions");

	ronda_buf_init(&sql, 8192);
	if (page != NULL) {
		ronda_buf_printf(&sql, "SELECT count(*) %s%s", l->from, w->sql.data);
		if ((st = q_prep(q, sql.data)) == NULL)
			goto dbfail;
		q_w_bind(w, st, 1);
		if (sqlite3_step(st) != SQLITE_ROW)
			goto dbfail;
		page->total = sqlite3_column_int64(st, 0);
		sqlite3_finalize(st);
		st = NULL;
	}
	ronda_buf_reset(&sql);
	ronda_buf_printf(&sql, "%s%s%s ORDER BY last_seen DESC, id DESC LIMIT ? OFFSET ?",
	    l->select, w->sql.data, have_cursor ?
	    " AND (last_seen < ? OR (last_seen = ? AND id < ?))" : "");
	if ((st = q_prep(q, sql.data)) == NULL)
		goto dbfail;
	q_w_bind(w, st, 1);
	if (have_cursor) {
		sqlite3_bind_int64(st, w->n + 1, cur_ls);
		sqlite3_bind_int64(st, w->n + 2, cur_ls);
		sqlite3_bind_text(st, w->n + 3, cur_id, -1, SQLITE_STATIC);
	}
	sqlite3_bind_int64(st, sqlite3_bind_parameter_count(st) - 1, limit + 1);
	sqlite3_bind_int64(st, sqlite3_bind_parameter_count(st), have_cursor ? 0 : f->offset);
	arr = cJSON_CreateArray();
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (nrows == limit) {
			/* One row more than asked: there is a next page. */
			if (page != NULL)
				q_cursor_make(page->next_cursor, prev_ls, prev_id);
			break;
		}
		if ((rc = l->fn(q, st, l->arg, &o)) != RONDA_QUERY_OK)
			goto fail;
		cJSON_AddItemToArray(arr, o);
		prev_ls = sqlite3_column_int64(st, l->lscol);
		/* An id too long for a cursor (never one of the correlator's): no next page. */
		if ((size_t)sqlite3_column_bytes(st, l->idcol) < sizeof(prev_id))
			snprintf(prev_id, sizeof(prev_id), "%s",
			    (const char *)sqlite3_column_text(st, l->idcol));
		else
			prev_id[0] = '\0';
		nrows++;
	}
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		goto dbfail;
	sqlite3_finalize(st);
	ronda_buf_release(&sql);
	*out = arr;
	return RONDA_QUERY_OK;
dbfail:
	rc = q_dberr(q);
fail:
	sqlite3_finalize(st);
	ronda_buf_release(&sql);
	cJSON_Delete(arr);
	return rc;
}

static int
incident_row(struct ronda_query *q, sqlite3_stmt *st, void *arg, cJSON **out)
{
	sqlite3_stmt **sub = arg;

	return incident_obj(q, st, sub[0], sub[1], out);
}

int
ronda_query_incidents(struct ronda_query *q, const struct ronda_query_filter *f,
    cJSON **out, struct ronda_query_page *page)
{
	struct where w;
	sqlite3_stmt *sub[2] = { NULL, NULL };
	struct lister l = {
		"SELECT " INC_COLS " FROM incidents", "FROM incidents", 0, 7, incident_row, sub
	};
	int rc;

	*out = NULL;
	if ((rc = q_incident_where(q, f, &w)) != RONDA_QUERY_OK)
		goto done;
	if ((rc = q_begin(q)) != RONDA_QUERY_OK)
		goto done;
	if ((rc = incident_subqueries(q, &sub[0], &sub[1])) == RONDA_QUERY_OK)
		rc = q_list_page(q, f, &w, &l, out, page);
	sqlite3_finalize(sub[0]);
	sqlite3_finalize(sub[1]);
	q_end(q);
done:
	ronda_buf_release(&w.sql);
	return rc;
}

int
ronda_query_incident(struct ronda_query *q, const char *id, cJSON **out)
{
	sqlite3_stmt *st = NULL, *ind = NULL, *ev = NULL;
	int rc;

	*out = NULL;
	if (id == NULL || !q_is_incident_id(id))
		return q_setmsg(q, RONDA_QUERY_BADARG, "incident id: 32 hex digits");
	if ((rc = q_begin(q)) != RONDA_QUERY_OK)
		return rc;
	if ((rc = incident_subqueries(q, &ind, &ev)) != RONDA_QUERY_OK)
		goto done;
	if ((st = q_prep(q, "SELECT " INC_COLS " FROM incidents WHERE id = ?")) == NULL) {
		rc = RONDA_QUERY_ERROR;
		goto done;
	}
	sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	switch (sqlite3_step(st)) {
	case SQLITE_ROW:
		rc = incident_obj(q, st, ind, ev, out);
		if (rc == RONDA_QUERY_OK && (rc = q_add_triage(q, *out, "incident", id, 1)) !=
		    RONDA_QUERY_OK) {
			cJSON_Delete(*out);
			*out = NULL;
		}
		break;
	case SQLITE_DONE:
		rc = q_setmsg(q, RONDA_QUERY_NOTFOUND, "incident %s: no such incident", id);
		break;
	default:
		rc = q_dberr(q);
	}
done:
	sqlite3_finalize(st);
	sqlite3_finalize(ind);
	sqlite3_finalize(ev);
	q_end(q);
	return rc;
}

int
ronda_query_incident_campaigns(struct ronda_query *q, const char *id, cJSON **out)
{
	sqlite3_stmt *st;
	cJSON *arr, *o;
	int rc;

	*out = NULL;
	if (id == NULL || !q_is_incident_id(id))
		return q_setmsg(q, RONDA_QUERY_BADARG, "incident id: 32 hex digits");
	if ((rc = q_begin(q)) != RONDA_QUERY_OK)
		return rc;
	st = q_prep(q, "SELECT c.id, c.title, c.kind, c.severity, c.status, c.site_count"
	    " FROM campaign_incidents ci JOIN campaigns c ON c.id = ci.campaign_id"
	    " WHERE ci.incident_id = ? AND c.status <> 'merged' ORDER BY ci.joined, c.id");
	if (st == NULL) {
		q_end(q);
		return RONDA_QUERY_ERROR;
	}
	sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	arr = cJSON_CreateArray();
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		o = cJSON_CreateObject();
		q_add_col_str(o, "id", st, 0);
		q_add_col_str(o, "title", st, 1);
		q_add_col_str(o, "kind", st, 2);
		q_add_col_str(o, "severity", st, 3);
		q_add_col_str(o, "status", st, 4);
		cJSON_AddNumberToObject(o, "site_count", (double)sqlite3_column_int64(st, 5));
		cJSON_AddItemToArray(arr, o);
	}
	if (rc != SQLITE_DONE) {
		rc = q_dberr(q);
		cJSON_Delete(arr);
	} else {
		rc = RONDA_QUERY_OK;
		*out = arr;
	}
	sqlite3_finalize(st);
	q_end(q);
	return rc;
}

/* ---- audit and suppressions ------------------------------------------ */

int
ronda_query_audit(struct ronda_query *q, const char *object_id, int64_t limit, cJSON **out)
{
	sqlite3_stmt *st = NULL;
	cJSON *arr, *o, *j;
	int rc;

	*out = NULL;
	if (limit < 1 || limit > RONDA_QUERY_LIMIT_MAX)
		return q_setmsg(q, RONDA_QUERY_BADARG, "limit: 1..%d", RONDA_QUERY_LIMIT_MAX);
	if (object_id != NULL && (rc = q_check_text(q, "object_id", object_id)) != RONDA_QUERY_OK)
		return rc;
	if ((arr = cJSON_CreateArray()) == NULL)
		return q_setmsg(q, RONDA_QUERY_ERROR, "out of memory");
	if (!q->has_triage) {
		*out = arr;
		return RONDA_QUERY_OK;
	}
	if ((rc = q_begin(q)) != RONDA_QUERY_OK) {
		cJSON_Delete(arr);
		return rc;
	}
	st = q_prep(q, object_id != NULL ?
	    "SELECT id, at, who, object, object_id, action, before, after, note FROM audit"
	    " WHERE object_id = ?2 ORDER BY id DESC LIMIT ?1" :
	    "SELECT id, at, who, object, object_id, action, before, after, note FROM audit"
	    " ORDER BY id DESC LIMIT ?1");
	if (st == NULL) {
		rc = RONDA_QUERY_ERROR;
		goto done;
	}
	sqlite3_bind_int64(st, 1, limit);
	if (object_id != NULL)
		sqlite3_bind_text(st, 2, object_id, -1, SQLITE_STATIC);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if ((o = cJSON_CreateObject()) == NULL)
			break;
		cJSON_AddItemToArray(arr, o);
		cJSON_AddNumberToObject(o, "id", (double)sqlite3_column_int64(st, 0));
		q_add_time(o, "at", sqlite3_column_int64(st, 1));
		q_add_col_str(o, "who", st, 2);
		q_add_col_str(o, "object", st, 3);
		q_add_col_str(o, "object_id", st, 4);
		q_add_col_str(o, "action", st, 5);
		/* The triage writer's own JSON; text if it ever is not. */
		for (int c = 6; c <= 7; c++) {
			const char *t = (const char *)sqlite3_column_text(st, c);
			j = t != NULL ? cJSON_Parse(t) : NULL;
			if (j != NULL)
				cJSON_AddItemToObject(o, c == 6 ? "before" : "after", j);
			else
				q_add_col_str(o, c == 6 ? "before" : "after", st, c);
		}
		if (sqlite3_column_type(st, 8) == SQLITE_NULL)
			cJSON_AddNullToObject(o, "note");
		else
			q_add_col_str(o, "note", st, 8);
	}
	rc = rc == SQLITE_DONE ? RONDA_QUERY_OK : rc == SQLITE_ROW ?
	    q_setmsg(q, RONDA_QUERY_ERROR, "out of memory") : q_dberr(q);
done:
	sqlite3_finalize(st);
	q_end(q);
	if (rc != RONDA_QUERY_OK)
		cJSON_Delete(arr);
	else
		*out = arr;
	return rc;
}

int
ronda_query_suppressions(struct ronda_query *q, int64_t now, int all, cJSON **out)
{
	sqlite3_stmt *st = NULL;
	cJSON *arr, *o;
	int rc;

	*out = NULL;
	if ((arr = cJSON_CreateArray()) == NULL)
		return q_setmsg(q, RONDA_QUERY_ERROR, "out of memory");
	if (!q->has_triage) {
		*out = arr;
		return RONDA_QUERY_OK;
	}
	if ((rc = q_begin(q)) != RONDA_QUERY_OK) {
		cJSON_Delete(arr);
		return rc;
	}
	/* At most RONDA_TRIAGE_SUPPRESS_MAX are active; expired ones: the newest. */
	st = q_prep(q, "SELECT id, type, value, until, campaign_id, created_by, created_at"
	    " FROM suppressions WHERE until > ?1 OR ?2 ORDER BY id DESC LIMIT 10000");
	if (st == NULL) {
		rc = RONDA_QUERY_ERROR;
		goto done;
	}
	sqlite3_bind_int64(st, 1, now);
	sqlite3_bind_int(st, 2, all != 0);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if ((o = cJSON_CreateObject()) == NULL)
			break;
		cJSON_AddItemToArray(arr, o);
		cJSON_AddNumberToObject(o, "id", (double)sqlite3_column_int64(st, 0));
		q_add_col_str(o, "type", st, 1);
		q_add_col_str(o, "value", st, 2);
		q_add_time(o, "until", sqlite3_column_int64(st, 3));
		cJSON_AddBoolToObject(o, "active", sqlite3_column_int64(st, 3) > now);
		q_add_col_str(o, "campaign_id", st, 4);
		q_add_col_str(o, "created_by", st, 5);
		q_add_time(o, "created_at", sqlite3_column_int64(st, 6));
	}
	rc = rc == SQLITE_DONE ? RONDA_QUERY_OK : rc == SQLITE_ROW ?
	    q_setmsg(q, RONDA_QUERY_ERROR, "out of memory") : q_dberr(q);
done:
	sqlite3_finalize(st);
	q_end(q);
	if (rc != RONDA_QUERY_OK)
		cJSON_Delete(arr);
	else
		*out = arr;
	return rc;
}
