/*
 * query_campaigns.c — campaigns: the lists and one campaign's timeline.
 */
#include "query_int.h"

/* ---- campaigns -------------------------------------------------------- */

#define CAMP_COLS "id, kind, link, title, severity, status, merged_into, first_seen," \
	" last_seen, reported, site_count, incident_count, attacker_ips"

struct camp_sub {
	sqlite3_stmt *sites, *ind, *merges, *incs;
};

static void
camp_sub_free(struct camp_sub *c)
{
	sqlite3_finalize(c->sites);
	sqlite3_finalize(c->ind);
	sqlite3_finalize(c->merges);
	sqlite3_finalize(c->incs);
}

static int
camp_sub_prep(struct ronda_query *q, struct camp_sub *c)
{
	c->sites = q_prep(q, "SELECT cs.site, COALESCE(si.agency, ''), COALESCE(si.region, ''),"
	    " COALESCE(si.timezone, ''), cs.first_seen, cs.last_seen, cs.incidents"
	    " FROM campaign_sites cs LEFT JOIN site_info si ON si.id = cs.site"
	    " WHERE cs.campaign_id = ? ORDER BY cs.first_seen, cs.site");
	c->ind = q_prep(q, "SELECT type, value, sites, weight FROM campaign_indicators"
	    " WHERE campaign_id = ? ORDER BY sites DESC, weight DESC, type, value LIMIT 64");
	c->merges = q_prep(q, "SELECT from_id, at, type, value FROM campaign_merges"
	    " WHERE into_id = ? ORDER BY at, from_id");
	c->incs = q_prep(q, "SELECT incident_id FROM campaign_incidents WHERE campaign_id = ?"
	    " ORDER BY joined, incident_id");
	if (c->sites == NULL || c->ind == NULL || c->merges == NULL || c->incs == NULL) {
		camp_sub_free(c);
		memset(c, 0, sizeof(*c));
		return RONDA_QUERY_ERROR;
	}
	return RONDA_QUERY_OK;
}

/* Run st (bound to the campaign id) and add one object per row through fn. */
static int
each_row(struct ronda_query *q, sqlite3_stmt *st, const char *id, cJSON *arr,
    void (*fn)(sqlite3_stmt *st, cJSON *o))
{
	int rc;

	sqlite3_reset(st);
	sqlite3_bind_text(st, 1, id, -1, SQLITE_TRANSIENT);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		cJSON *o = cJSON_CreateObject();
		fn(st, o);
		cJSON_AddItemToArray(arr, o);
	}
	return rc == SQLITE_DONE ? RONDA_QUERY_OK : q_dberr(q);
}

/* Run st (bound to the campaign id) and add its first column of each row as a string. */
static int
each_id(struct ronda_query *q, sqlite3_stmt *st, const char *id, cJSON *arr)
{
	int rc;

	sqlite3_reset(st);
	sqlite3_bind_text(st, 1, id, -1, SQLITE_TRANSIENT);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		cJSON_AddItemToArray(arr, q_col_json_str(st, 0));
	return rc == SQLITE_DONE ? RONDA_QUERY_OK : q_dberr(q);
}

static void
camp_site_row(sqlite3_stmt *st, cJSON *o)
{
	q_add_col_str(o, "site", st, 0);
	q_add_col_str(o, "agency", st, 1);
	q_add_col_str(o, "region", st, 2);
	q_add_col_str(o, "timezone", st, 3);
	q_add_time(o, "first_seen", sqlite3_column_int64(st, 4));
	q_add_time(o, "last_seen", sqlite3_column_int64(st, 5));
	cJSON_AddNumberToObject(o, "incidents", (double)sqlite3_column_int64(st, 6));
}

static void
camp_ind_row(sqlite3_stmt *st, cJSON *o)
{
	q_add_col_str(o, "type", st, 0);
	q_add_col_str(o, "value", st, 1);
	cJSON_AddNumberToObject(o, "sites", (double)sqlite3_column_int64(st, 2));
	cJSON_AddNumberToObject(o, "weight", sqlite3_column_double(st, 3));
}

static void
camp_merge_row(sqlite3_stmt *st, cJSON *o)
{
	q_add_col_str(o, "id", st, 0);
	q_add_time(o, "at", sqlite3_column_int64(st, 1));
	q_add_col_str(o, "type", st, 2);
	q_add_col_str(o, "value", st, 3);
}

/* The campaign object of the row at st (CAMP_COLS): sites, indicators, merges. */
static int
campaign_obj(struct ronda_query *q, sqlite3_stmt *st, struct camp_sub *c, cJSON **out)
{
	cJSON *o = cJSON_CreateObject();
	char id[256];
	int rc;

	snprintf(id, sizeof(id), "%s", (const char *)sqlite3_column_text(st, 0));
	q_add_col_str(o, "id", st, 0);
	q_add_col_str(o, "kind", st, 1);
	q_add_col_str(o, "link", st, 2);
	q_add_col_str(o, "title", st, 3);
	q_add_col_str(o, "severity", st, 4);
	q_add_col_str(o, "status", st, 5);
	if (sqlite3_column_bytes(st, 6) > 0)
		q_add_col_str(o, "merged_into", st, 6);
	else
		cJSON_AddNullToObject(o, "merged_into");
	q_add_time(o, "first_seen", sqlite3_column_int64(st, 7));
	q_add_time(o, "last_seen", sqlite3_column_int64(st, 8));
	q_add_time_or_null(o, "reported", sqlite3_column_int64(st, 9));
	cJSON_AddNumberToObject(o, "site_count", (double)sqlite3_column_int64(st, 10));
	cJSON_AddNumberToObject(o, "incident_count", (double)sqlite3_column_int64(st, 11));
	cJSON_AddItemToObject(o, "attacker_ips", q_json_array_col(st, 12, 16));
	if ((rc = each_row(q, c->sites, id, cJSON_AddArrayToObject(o, "sites"),
	    camp_site_row)) != RONDA_QUERY_OK ||
	    (rc = each_row(q, c->ind, id, cJSON_AddArrayToObject(o, "indicators"),
	    camp_ind_row)) != RONDA_QUERY_OK ||
	    (rc = each_row(q, c->merges, id, cJSON_AddArrayToObject(o, "merged_from"),
	    camp_merge_row)) != RONDA_QUERY_OK ||
	    (rc = each_id(q, c->incs, id, cJSON_AddArrayToObject(o, "incident_ids"))) !=
	    RONDA_QUERY_OK || (rc = q_add_triage(q, o, "campaign", id, 0)) != RONDA_QUERY_OK) {
		cJSON_Delete(o);
		return rc;
	}
	*out = o;
	return RONDA_QUERY_OK;
}

static int
campaign_row(struct ronda_query *q, sqlite3_stmt *st, void *arg, cJSON **out)
{
	return campaign_obj(q, st, arg, out);
}

int
ronda_query_campaigns(struct ronda_query *q, const struct ronda_query_filter *f,
    cJSON **out, struct ronda_query_page *page)
{
	struct where w;
	struct camp_sub c = { NULL, NULL, NULL, NULL };
	struct lister l = {
		"SELECT " CAMP_COLS " FROM campaigns", "FROM campaigns", 0, 8, campaign_row, &c
	};
	int rc;

	*out = NULL;
	q_w_init(&w);
	if (f->since != INT64_MIN)
		q_w_int(&w, " AND last_seen >= ?", f->since);
	if (f->until != INT64_MAX)
		q_w_int(&w, " AND first_seen < ?", f->until);
	if (f->site != NULL && f->site[0] != '\0') {
		if ((rc = q_check_text(q, "site", f->site)) != RONDA_QUERY_OK)
			goto done;
		q_w_text(&w, " AND id IN (SELECT campaign_id FROM campaign_sites WHERE site = ?)",
		    f->site);
	}
	if (f->kind != NULL && f->kind[0] != '\0') {
		if ((rc = q_check_text(q, "kind", f->kind)) != RONDA_QUERY_OK)
			goto done;
		q_w_text(&w, " AND kind = ?", f->kind);
	}
	if (f->severity != NULL && f->severity[0] != '\0') {
		int r = ronda_query_severity_rank(f->severity);
		if (r < 1) {
			rc = q_setmsg(q, RONDA_QUERY_BADARG,
			    "severity: one of low, medium, high, critical");
			goto done;
		}
		q_w_severity(&w, "severity", r);
	}
	if (f->status != NULL && f->status[0] != '\0') {
		if (!q_in_list(f->status, campaign_statuses)) {
			rc = q_setmsg(q, RONDA_QUERY_BADARG,
			    "status: one of candidate, active, quiet, closed, merged");
			goto done;
		}
		q_w_text(&w, " AND status = ?", f->status);
	} else {
		/* A merged campaign lives on in the one it merged into. */
		q_w_text(&w, " AND status <> ?", "merged");
	}
	if ((rc = q_w_triage(q, &w, "campaign", "campaigns", f->triage)) != RONDA_QUERY_OK)
		goto done;
	if ((rc = q_begin(q)) != RONDA_QUERY_OK)
		goto done;
	if ((rc = camp_sub_prep(q, &c)) == RONDA_QUERY_OK)
		rc = q_list_page(q, f, &w, &l, out, page);
	camp_sub_free(&c);
	q_end(q);
done:
	ronda_buf_release(&w.sql);
	return rc;
}

/*
 * The timeline of one campaign: its incidents in joining order (with the
 * incident's own times and counts, and why each is a member: "via", the
 * indicator that linked it and its rarity weight, or the wave, or the
 * founder), and up to QUERY_CAMPAIGN_EVIDENCE evidence lines from each
 * site, oldest first.
 */
static int
campaign_timeline(struct ronda_query *q, const char *id, cJSON *o)
{
	sqlite3_stmt *st;
	cJSON *arr, *it;
	int rc;

	st = q_prep(q, q->has_via ?
	    "SELECT ci.incident_id, ci.site, ci.joined, i.kind, i.severity, i.status,"
	    " i.key, i.first_seen, i.last_seen, i.event_count, ci.via_type, ci.via_value,"
	    " ci.via_weight"
	    " FROM campaign_incidents ci LEFT JOIN incidents i ON i.id = ci.incident_id"
	    " WHERE ci.campaign_id = ? ORDER BY ci.joined, ci.site, ci.incident_id LIMIT 1000" :
	    "SELECT ci.incident_id, ci.site, ci.joined, i.kind, i.severity, i.status,"
	    " i.key, i.first_seen, i.last_seen, i.event_count, '', '', 0"
	    " FROM campaign_incidents ci LEFT JOIN incidents i ON i.id = ci.incident_id"
	    " WHERE ci.campaign_id = ? ORDER BY ci.joined, ci.site, ci.incident_id LIMIT 1000");
	if (st == NULL)
		return RONDA_QUERY_ERROR;
	sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	arr = cJSON_AddArrayToObject(o, "incidents");
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		it = cJSON_CreateObject();
		q_add_col_str(it, "id", st, 0);
		q_add_col_str(it, "site", st, 1);
		q_add_time(it, "joined", sqlite3_column_int64(st, 2));
		if (sqlite3_column_type(st, 3) == SQLITE_NULL) {
			/* The incident row is gone (should not happen): say what we know. */
			cJSON_AddNullToObject(it, "kind");
		} else {
			q_add_col_str(it, "kind", st, 3);
			q_add_col_str(it, "severity", st, 4);
			q_add_col_str(it, "status", st, 5);
			q_add_col_str(it, "key", st, 6);
			q_add_time(it, "first_seen", sqlite3_column_int64(st, 7));
			q_add_time(it, "last_seen", sqlite3_column_int64(st, 8));
			cJSON_AddNumberToObject(it, "event_count",
			    (double)sqlite3_column_int64(st, 9));
		}
		{
			const char *vt = (const char *)sqlite3_column_text(st, 10);
			cJSON *via = cJSON_AddObjectToObject(it, "via");
			if (vt == NULL || vt[0] == '\0') {
				cJSON_AddNullToObject(via, "type");	/* a store before v9 */
			} else {
				q_add_col_str(via, "type", st, 10);
				q_add_col_str(via, "value", st, 11);
				cJSON_AddNumberToObject(via, "weight",
				    (double)(int)(sqlite3_column_double(st, 12) * 1000 + 0.5) / 1000);
			}
		}
		cJSON_AddItemToArray(arr, it);
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return q_dberr(q);

	st = q_prep(q, "SELECT site, incident_id, ts, line FROM ("
	    " SELECT ci.site AS site, e.incident_id AS incident_id, e.ts AS ts, e.line AS line,"
	    "  row_number() OVER (PARTITION BY ci.site ORDER BY e.ts, e.incident_id, e.seq) AS rn"
	    " FROM campaign_incidents ci JOIN evidence e ON e.incident_id = ci.incident_id"
	    " WHERE ci.campaign_id = ?) WHERE rn <= ? ORDER BY ts, site LIMIT ?");
	if (st == NULL)
		return RONDA_QUERY_ERROR;
	sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 2, QUERY_CAMPAIGN_EVIDENCE);
	sqlite3_bind_int(st, 3, QUERY_CAMPAIGN_EV_MAX);
	arr = cJSON_AddArrayToObject(o, "evidence");
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		it = cJSON_CreateObject();
		q_add_col_str(it, "site", st, 0);
		q_add_col_str(it, "incident_id", st, 1);
		q_add_time(it, "ts", sqlite3_column_int64(st, 2));
		q_add_col_str(it, "line", st, 3);
		cJSON_AddItemToArray(arr, it);
	}
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? RONDA_QUERY_OK : q_dberr(q);
}

int
ronda_query_campaign(struct ronda_query *q, const char *id, cJSON **out)
{
	struct camp_sub c = { NULL, NULL, NULL, NULL };
	sqlite3_stmt *st = NULL;
	int rc;

	*out = NULL;
	if (id == NULL || !q_is_campaign_id(id))
		return q_setmsg(q, RONDA_QUERY_BADARG, "campaign id: 1..64 printable characters");
	if ((rc = q_begin(q)) != RONDA_QUERY_OK)
		return rc;
	if ((rc = camp_sub_prep(q, &c)) != RONDA_QUERY_OK)
		goto done;
	if ((st = q_prep(q, "SELECT " CAMP_COLS " FROM campaigns WHERE id = ?")) == NULL) {
		rc = RONDA_QUERY_ERROR;
		goto done;
	}
	sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	switch (sqlite3_step(st)) {
	case SQLITE_ROW:
		rc = campaign_obj(q, st, &c, out);
		if (rc == RONDA_QUERY_OK && ((rc = campaign_timeline(q, id, *out)) !=
		    RONDA_QUERY_OK || (rc = q_add_triage(q, *out, "campaign", id, 1)) !=
		    RONDA_QUERY_OK)) {
			cJSON_Delete(*out);
			*out = NULL;
		}
		break;
	case SQLITE_DONE:
		rc = q_setmsg(q, RONDA_QUERY_NOTFOUND, "campaign %s: no such campaign", id);
		break;
	default:
		rc = q_dberr(q);
	}
done:
	sqlite3_finalize(st);
	camp_sub_free(&c);
	q_end(q);
	return rc;
}
