/*
 * campaign_store.c — the campaign stage in SQLite: the prepared statements,
 * writing campaign rows, sites, incidents, indicators, merges, state, meta
 * and wave days into the caller's batch transaction, and restoring the
 * stage from the store at startup.
 */
#include "campaign_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>
#include <cjson/cJSON.h>

#include "ronda/event.h"

static const char *const sql[NQ] = {
	[Q_CAMP_PUT] = "INSERT OR REPLACE INTO campaigns VALUES"
	    " (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
	[Q_SITE_PUT] = "INSERT OR REPLACE INTO campaign_sites VALUES (?, ?, ?, ?, ?)",
	[Q_SITE_DEL] = "DELETE FROM campaign_sites WHERE campaign_id = ?",
	[Q_INC_PUT] = "INSERT OR REPLACE INTO campaign_incidents"
	    " (campaign_id, incident_id, site, joined, via_type, via_value, via_weight)"
	    " VALUES (?, ?, ?, ?, ?, ?, ?)",
	[Q_INC_MOVE] = "UPDATE OR REPLACE campaign_incidents SET campaign_id = ?"
	    " WHERE campaign_id = ?",
	[Q_IND_PUT] = "INSERT OR REPLACE INTO campaign_indicators VALUES (?, ?, ?, ?, ?)",
	[Q_IND_DEL] = "DELETE FROM campaign_indicators WHERE campaign_id = ?",
	[Q_MERGE_PUT] = "INSERT OR REPLACE INTO campaign_merges VALUES (?, ?, ?, ?, ?)",
	[Q_STATE_PUT] = "INSERT OR REPLACE INTO campaign_state VALUES (?, ?, ?, ?, ?, ?)",
	[Q_STATE_DEL] = "DELETE FROM campaign_state WHERE campaign_id = ?",
	[Q_META_PUT] = "INSERT OR REPLACE INTO campaign_meta VALUES (?, ?)",
	[Q_DAY_PUT] = "INSERT OR IGNORE INTO campaign_wave_days VALUES (?, ?, ?)",
	[Q_DAY_PRUNE] = "DELETE FROM campaign_wave_days WHERE day < ?",
};

/* ---- the store ------------------------------------------------------------ */

static int
sqlfail(struct ronda_campaigns *c, const char *what, char *err, size_t errlen)
{
	snprintf(err, errlen, "campaigns: %s: %s", what, sqlite3_errmsg(c->db));
	return -1;
}

int
camp_prepare(struct ronda_campaigns *c, sqlite3 *db, char *err, size_t errlen)
{
	if (c->db == db && c->st[0] != NULL)
		return 0;
	for (int i = 0; i < NQ; i++) {
		sqlite3_finalize(c->st[i]);
		c->st[i] = NULL;
	}
	c->db = db;
	for (int i = 0; i < NQ; i++)
		if (sqlite3_prepare_v3(db, sql[i], -1, SQLITE_PREPARE_PERSISTENT, &c->st[i],
		    NULL) != SQLITE_OK)
			return sqlfail(c, sql[i], err, errlen);
	return 0;
}

static int
step(struct ronda_campaigns *c, int q, const char *what, char *err, size_t errlen)
{
	sqlite3_stmt *st = c->st[q];
	int rc = sqlite3_step(st);

	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	return rc == SQLITE_DONE ? 0 : sqlfail(c, what, err, errlen);
}

static int
by_site_rec(const void *a, const void *b)
{
	const struct crec *x = *(struct crec *const *)a, *y = *(struct crec *const *)b;

	if (x->site != y->site)
		return x->site < y->site ? -1 : 1;
	return strcmp(x->id, y->id);
}

/*
 * The campaign indicators' site counts: the campaign's sites whose member
 * incidents (those still held) carry each, never lower than stored before.
 */
static void
recount_inds(struct ronda_campaigns *c, struct camp *k)
{
	struct crec **m = NULL;
	size_t n = 0, cap = 0;
	int64_t cnt[CAMP_IND_MAX];
	int last[CAMP_IND_MAX];

	for (struct crec *r = k->members; r != NULL; r = r->cnext)
		if (camp_growz((void **)&m, &cap, n + 1, sizeof(*m)) == 0)
			m[n++] = r;
	if (n == 0) {
		free(m);
		return;
	}
	c->epoch++;
	for (int i = 0; i < k->ninds; i++) {
		struct ind *x = camp_ind_get(c, k->inds[i].type, k->inds[i].value, 0);
		cnt[i] = 0;
		last[i] = -1;
		if (x != NULL) {
			x->mark = c->epoch;
			x->slot = i;
		}
	}
	/* Members grouped by site: each site counts once per indicator. */
	qsort(m, n, sizeof(*m), by_site_rec);
	for (size_t i = 0; i < n; i++)
		for (int j = 0; j < m[i]->nrefs; j++) {
			const struct ind *x = m[i]->refs[j].ind;
			if (x->mark != c->epoch || last[x->slot] == m[i]->site)
				continue;
			cnt[x->slot]++;
			last[x->slot] = m[i]->site;
		}
	for (int i = 0; i < k->ninds; i++)
		if (cnt[i] > k->inds[i].sites) {
			k->inds[i].sites = cnt[i];
			k->inds[i].dirty = 1;
		}
	free(m);
}

static void
bind_text(sqlite3_stmt *st, int i, const char *s)
{
	sqlite3_bind_text(st, i, s != NULL ? s : "", -1, SQLITE_TRANSIENT);
}

static char *
ips_json(const struct camp *k)
{
	const struct cind *ips[TOP_IPS];
	size_t n = camp_top_ips(k, ips, TOP_IPS);
	cJSON *a = cJSON_CreateArray();
	char *s;

	if (a == NULL)
		return NULL;
	for (size_t i = 0; i < n; i++)
		cJSON_AddItemToArray(a, cJSON_CreateString(ips[i]->value));
	s = cJSON_PrintUnformatted(a);
	cJSON_Delete(a);
	return s;
}

static char *
alerted_json(const struct ronda_campaigns *c, const struct camp *k)
{
	cJSON *a = cJSON_CreateArray();
	char *s;

	if (a == NULL)
		return NULL;
	for (int i = 0; i < k->nsites; i++)
		if (k->sites[i].alerted)
			cJSON_AddItemToArray(a, cJSON_CreateString(c->sites[k->sites[i].site]->id));
	s = cJSON_PrintUnformatted(a);
	cJSON_Delete(a);
	return s;
}

static int
write_row(struct ronda_campaigns *c, struct camp *k, char *err, size_t errlen)
{
	sqlite3_stmt *st = c->st[Q_CAMP_PUT];
	char title[256], *ips = ips_json(k);
	int rc;

	if (ips == NULL) {
		snprintf(err, errlen, "campaigns: out of memory");
		return -1;
	}
	camp_sort_sites(k);
	camp_make_title(c, k, title, sizeof(title));
	k->severity = camp_severity(c, k);
	bind_text(st, 1, k->id);
	bind_text(st, 2, families[k->family >= 0 ? k->family : 0].name);
	bind_text(st, 3, link_names[k->link]);
	bind_text(st, 4, title);
	bind_text(st, 5, ronda_severity_name(k->severity));
	bind_text(st, 6, status_names[k->status]);
	bind_text(st, 7, k->merged_into);
	sqlite3_bind_int64(st, 8, k->first_seen);
	sqlite3_bind_int64(st, 9, k->last_seen);
	sqlite3_bind_int64(st, 10, k->reported);
	sqlite3_bind_int64(st, 11, k->nsites);
	sqlite3_bind_int64(st, 12, k->incident_count);
	bind_text(st, 13, ips);
	rc = step(c, Q_CAMP_PUT, "campaign put", err, errlen);
	cJSON_free(ips);
	k->written = 1;
	return rc;
}

int
camp_write_camp(struct ronda_campaigns *c, struct camp *k, char *err, size_t errlen)
{
	sqlite3_stmt *st;
	char *alerted;
	int rc;

	if (k->status == ST_MERGED) {
		if (write_row(c, k, err, errlen) == -1)
			return -1;
		st = c->st[Q_SITE_DEL];
		bind_text(st, 1, k->id);
		if (step(c, Q_SITE_DEL, "campaign sites delete", err, errlen) == -1)
			return -1;
		st = c->st[Q_IND_DEL];
		bind_text(st, 1, k->id);
		if (step(c, Q_IND_DEL, "campaign indicators delete", err, errlen) == -1)
			return -1;
		st = c->st[Q_INC_MOVE];
		bind_text(st, 1, k->merged_into);
		bind_text(st, 2, k->id);
		if (step(c, Q_INC_MOVE, "campaign incidents move", err, errlen) == -1)
			return -1;
		st = c->st[Q_STATE_DEL];
		bind_text(st, 1, k->id);
		return step(c, Q_STATE_DEL, "campaign state delete", err, errlen);
	}
	recount_inds(c, k);
	if (write_row(c, k, err, errlen) == -1)
		return -1;
	for (int i = 0; i < k->nsites; i++) {
		struct csite_entry *s = &k->sites[i];
		if (!s->dirty)
			continue;
		st = c->st[Q_SITE_PUT];
		bind_text(st, 1, k->id);
		bind_text(st, 2, c->sites[s->site]->id);
		sqlite3_bind_int64(st, 3, s->first_seen);
		sqlite3_bind_int64(st, 4, s->last_seen);
		sqlite3_bind_int64(st, 5, s->incidents);
		if (step(c, Q_SITE_PUT, "campaign site put", err, errlen) == -1)
			return -1;
		s->dirty = 0;
	}
	for (int i = 0; i < k->npending; i++) {
		struct member *m = &k->pending[i];
		int vt = m->via_type;
		st = c->st[Q_INC_PUT];
		bind_text(st, 1, k->id);
		bind_text(st, 2, m->id);
		bind_text(st, 3, c->sites[m->site]->id);
		sqlite3_bind_int64(st, 4, m->joined);
		bind_text(st, 5, vt == VIA_FOUNDER ? "founder" : vt == VIA_WAVE ? "wave" :
		    vt >= 0 && vt < T_N ? itype_names[vt] : "");
		bind_text(st, 6, m->via_value);
		sqlite3_bind_double(st, 7, m->via_w);
		if (step(c, Q_INC_PUT, "campaign incident put", err, errlen) == -1)
			return -1;
	}
	for (int i = 0; i < k->npending; i++)
		free(k->pending[i].via_value);
	k->npending = 0;
	for (int i = 0; i < k->ninds; i++) {
		struct cind *ci = &k->inds[i];
		if (!ci->dirty)
			continue;
		st = c->st[Q_IND_PUT];
		bind_text(st, 1, k->id);
		bind_text(st, 2, itype_names[ci->type]);
		bind_text(st, 3, ci->value);
		sqlite3_bind_int64(st, 4, ci->sites);
		sqlite3_bind_double(st, 5, ci->weight);
		if (step(c, Q_IND_PUT, "campaign indicator put", err, errlen) == -1)
			return -1;
		ci->dirty = 0;
	}
	for (int i = 0; i < k->nmerges; i++) {
		struct merge *m = &k->merges[i];
		st = c->st[Q_MERGE_PUT];
		bind_text(st, 1, m->from);
		bind_text(st, 2, k->id);
		sqlite3_bind_int64(st, 3, m->at);
		bind_text(st, 4, m->type < T_N ? itype_names[m->type] : "sites");
		bind_text(st, 5, m->value);
		if (step(c, Q_MERGE_PUT, "campaign merge put", err, errlen) == -1)
			return -1;
		free(m->value);
	}
	k->nmerges = 0;
	/*
	 * A closed campaign keeps its state row while it can be rejoined (see
	 * camp_rejoinable), so a restart restores it as the uninterrupted run
	 * kept it.
	 */
	if (k->status == ST_CLOSED && k->expired) {
		st = c->st[Q_STATE_DEL];
		bind_text(st, 1, k->id);
		return step(c, Q_STATE_DEL, "campaign state delete", err, errlen);
	}
	if ((alerted = alerted_json(c, k)) == NULL) {
		snprintf(err, errlen, "campaigns: out of memory");
		return -1;
	}
	st = c->st[Q_STATE_PUT];
	bind_text(st, 1, k->id);
	sqlite3_bind_int(st, 2, k->max_sev);
	sqlite3_bind_int(st, 3, k->success);
	sqlite3_bind_int(st, 4, k->alerted_sev);
	sqlite3_bind_int64(st, 5, k->alerted_at);
	bind_text(st, 6, alerted);
	rc = step(c, Q_STATE_PUT, "campaign state put", err, errlen);
	cJSON_free(alerted);
	return rc;
}

int
camp_meta_put(struct ronda_campaigns *c, const char *name, int64_t v, char *err, size_t errlen)
{
	sqlite3_stmt *st = c->st[Q_META_PUT];

	bind_text(st, 1, name);
	sqlite3_bind_int64(st, 2, v);
	return step(c, Q_META_PUT, "campaign meta put", err, errlen);
}

int
camp_write_days(struct ronda_campaigns *c, char *err, size_t errlen)
{
	sqlite3_stmt *st;

	for (size_t i = 0; i < c->nnewdays; i++) {
		st = c->st[Q_DAY_PUT];
		bind_text(st, 1, families[c->newdays[i].fam].name);
		sqlite3_bind_int64(st, 2, c->newdays[i].day);
		bind_text(st, 3, c->sites[c->newdays[i].site]->id);
		if (step(c, Q_DAY_PUT, "wave day put", err, errlen) == -1)
			return -1;
	}
	c->nnewdays = 0;
	if (c->clock != NONE && camp_day_of(c->clock) != c->pruned_day) {
		c->pruned_day = camp_day_of(c->clock);
		st = c->st[Q_DAY_PRUNE];
		sqlite3_bind_int64(st, 1, c->pruned_day - HIST_DAYS - 2);
		if (step(c, Q_DAY_PRUNE, "wave day prune", err, errlen) == -1)
			return -1;
	}
	return 0;
}

/* ---- restore --------------------------------------------------------------- */

static int
q_prep(sqlite3 *db, const char *q, sqlite3_stmt **st, char *err, size_t errlen)
{
	if (sqlite3_prepare_v2(db, q, -1, st, NULL) != SQLITE_OK) {
		snprintf(err, errlen, "campaigns restore: %s", sqlite3_errmsg(db));
		return -1;
	}
	return 0;
}

static const char *
col(sqlite3_stmt *st, int i)
{
	const unsigned char *t = sqlite3_column_text(st, i);

	return t != NULL ? (const char *)t : "";
}

static struct camp *
camp_find(struct ronda_campaigns *c, const char *id)
{
	for (struct camp *k = c->camps; k != NULL; k = k->next)
		if (strcmp(k->id, id) == 0)
			return k;
	return NULL;
}

static int
restore_camp(struct ronda_campaigns *c, sqlite3 *db, sqlite3_stmt *row, char *err,
    size_t errlen)
{
	sqlite3_stmt *st = NULL;
	struct camp *k = camp_new(c);
	int rc = -1;

	if (k == NULL) {
		snprintf(err, errlen, "campaigns restore: out of memory");
		return -1;
	}
	snprintf(k->id, sizeof(k->id), "%s", col(row, 0));
	k->family = camp_family_parse(col(row, 1));
	k->link = LINK_INDICATOR;
	for (int l = 0; l < LINK_N; l++)
		if (strcmp(col(row, 2), link_names[l]) == 0)
			k->link = l;
	k->severity = ronda_severity_parse(col(row, 3));
	k->status = strcmp(col(row, 4), "quiet") == 0 ? ST_QUIET :
	    strcmp(col(row, 4), "closed") == 0 ? ST_CLOSED : ST_ACTIVE;
	k->first_seen = sqlite3_column_int64(row, 5);
	k->last_seen = sqlite3_column_int64(row, 6);
	k->reported = sqlite3_column_int64(row, 7);
	k->incident_count = sqlite3_column_int64(row, 8);
	k->written = 1;
	if (q_prep(db, "SELECT max_severity, success, alerted_severity, alerted_at,"
	    " alerted_sites FROM campaign_state WHERE campaign_id = ?", &st, err, errlen) == -1)
		return -1;
	sqlite3_bind_text(st, 1, k->id, -1, SQLITE_STATIC);
	{
		cJSON *al = NULL;
		if (sqlite3_step(st) == SQLITE_ROW) {
			k->max_sev = sqlite3_column_int(st, 0);
			k->success = sqlite3_column_int(st, 1);
			k->alerted_sev = sqlite3_column_int(st, 2);
			k->alerted_at = sqlite3_column_int64(st, 3);
			al = cJSON_Parse(col(st, 4));
		} else {
			k->max_sev = k->severity;
		}
		sqlite3_finalize(st);
		st = NULL;
		if (q_prep(db, "SELECT site, first_seen, last_seen, incidents FROM campaign_sites"
		    " WHERE campaign_id = ?", &st, err, errlen) == -1) {
			cJSON_Delete(al);
			return -1;
		}
		sqlite3_bind_text(st, 1, k->id, -1, SQLITE_STATIC);
		while (sqlite3_step(st) == SQLITE_ROW) {
			int s = camp_site_get(c, col(st, 0), 1);
			struct csite_entry *e = s >= 0 ? camp_site(k, s, 1) : NULL;
			const cJSON *it;
			if (e == NULL)
				continue;
			e->first_seen = sqlite3_column_int64(st, 1);
			e->last_seen = sqlite3_column_int64(st, 2);
			e->incidents = sqlite3_column_int64(st, 3);
			cJSON_ArrayForEach(it, al)
				if (cJSON_IsString(it) && strcmp(it->valuestring, col(st, 0)) == 0)
					e->alerted = 1;
		}
		cJSON_Delete(al);
	}
	sqlite3_finalize(st);
	st = NULL;
	if (q_prep(db, "SELECT type, value, sites, weight FROM campaign_indicators"
	    " WHERE campaign_id = ?", &st, err, errlen) == -1)
		return -1;
	sqlite3_bind_text(st, 1, k->id, -1, SQLITE_STATIC);
	while (sqlite3_step(st) == SQLITE_ROW) {
		int t = camp_itype_parse(col(st, 0));
		struct cind *ci = t >= 0 ? camp_ind(k, t, col(st, 1), 1) : NULL;
		if (ci == NULL)
			continue;
		ci->sites = sqlite3_column_int64(st, 2);
		ci->weight = sqlite3_column_double(st, 3);
	}
	rc = 0;
	sqlite3_finalize(st);
	return rc;
}

static int
restore_incidents(struct ronda_campaigns *c, sqlite3 *db, char *err, size_t errlen)
{
	sqlite3_stmt *inc = NULL, *ind = NULL, *mem = NULL, *cl = NULL;
	int64_t lo = camp_judged(c) == NONE ? NONE : camp_judged(c) - c->cfg.link_window;
	int rc = -1, r;

	if (q_prep(db, "SELECT id, site, kind, severity, first_seen, last_seen FROM incidents"
	    " WHERE last_seen >= ? ORDER BY first_seen, id", &inc, err, errlen) == -1 ||
	    q_prep(db, "SELECT type, value, first_seen FROM indicators WHERE incident_id = ?",
	    &ind, err, errlen) == -1 ||
	    q_prep(db, "SELECT campaign_id FROM campaign_incidents WHERE incident_id = ?",
	    &mem, err, errlen) == -1 ||
	    q_prep(db, "SELECT last_seen FROM campaigns WHERE id = ? AND status = 'closed'",
	    &cl, err, errlen) == -1)
		goto out;
	sqlite3_bind_int64(inc, 1, lo == NONE ? INT64_MIN : lo);
	while ((r = sqlite3_step(inc)) == SQLITE_ROW) {
		int fam = camp_family_of(col(inc, 2)), site;
		struct crec *x;
		if (fam < 0 || (site = camp_site_get(c, col(inc, 1), 1)) < 0)
			continue;
		if ((x = camp_rec_new(c, col(inc, 0), col(inc, 2), site, fam)) == NULL)
			break;
		x->severity = ronda_severity_parse(col(inc, 3));
		x->first_seen = sqlite3_column_int64(inc, 4);
		x->last_seen = sqlite3_column_int64(inc, 5);
		sqlite3_bind_text(ind, 1, x->id, -1, SQLITE_STATIC);
		while (sqlite3_step(ind) == SQLITE_ROW) {
			int t = camp_itype_parse(col(ind, 0));
			struct ind *xi;
			if (t < 0 || (xi = camp_ind_get(c, t, col(ind, 1), 1)) == NULL)
				continue;
			(void)camp_rec_ref(c, x, xi, sqlite3_column_int64(ind, 2));
		}
		sqlite3_reset(ind);
		for (int i = 0; i < x->nrefs; i++)
			camp_ind_note_site(x->refs[i].ind, x->site, x->last_seen);
		camp_rec_judge_ignored(x);
		sqlite3_bind_text(mem, 1, x->id, -1, SQLITE_STATIC);
		while (sqlite3_step(mem) == SQLITE_ROW) {
			struct camp *k = camp_find(c, col(mem, 0));
			if (k != NULL) {
				camp_member_link(k, x);
				continue;
			}
			sqlite3_bind_text(cl, 1, col(mem, 0), -1, SQLITE_TRANSIENT);
			if (sqlite3_step(cl) == SQLITE_ROW) {
				int64_t at = sqlite3_column_int64(cl, 0);
				if (x->closed_seen == NONE || at > x->closed_seen)
					x->closed_seen = at;
			}
			sqlite3_reset(cl);
		}
		sqlite3_reset(mem);
		if (x->camp != NULL)
			x->closed_seen = NONE;
	}
	if (r != SQLITE_DONE && r != SQLITE_ROW) {
		snprintf(err, errlen, "campaigns restore: %s", sqlite3_errmsg(db));
		goto out;
	}
	rc = 0;
out:
	sqlite3_finalize(inc);
	sqlite3_finalize(ind);
	sqlite3_finalize(mem);
	sqlite3_finalize(cl);
	return rc;
}

int
ronda_campaigns_restore(struct ronda_campaigns *c, sqlite3 *db, char *err, size_t errlen)
{
	sqlite3_stmt *st = NULL;
	int rc = -1;

	if (q_prep(db, "SELECT name, value FROM campaign_meta", &st, err, errlen) == -1)
		return -1;
	while (sqlite3_step(st) == SQLITE_ROW) {
		if (strcmp(col(st, 0), "clock") == 0)
			c->clock = sqlite3_column_int64(st, 1);
		else if (strcmp(col(st, 0), "history_start") == 0)
			c->history_start = sqlite3_column_int64(st, 1);
		else if (strcmp(col(st, 0), "evicted") == 0)
			c->stats.evicted = sqlite3_column_int64(st, 1);
		else if (strcmp(col(st, 0), "dropped") == 0)
			c->stats.dropped = sqlite3_column_int64(st, 1);
	}
	sqlite3_finalize(st);
	st = NULL;
	if (c->clock != NONE) {
		if (q_prep(db, "SELECT family, day, site FROM campaign_wave_days WHERE day >= ?",
		    &st, err, errlen) == -1)
			return -1;
		sqlite3_bind_int64(st, 1, camp_day_of(c->clock) - HIST_DAYS - 1);
		while (sqlite3_step(st) == SQLITE_ROW) {
			int f = camp_family_parse(col(st, 0)), s = camp_site_get(c, col(st, 2), 1);
			if (f >= 0 && s >= 0)
				(void)camp_day_mark(c, f, sqlite3_column_int64(st, 1), s);
		}
		sqlite3_finalize(st);
		st = NULL;
		c->pruned_day = camp_day_of(c->clock);
	}
	if (q_prep(db, "SELECT id, kind, link, severity, status, first_seen, last_seen,"
	    " reported, incident_count FROM campaigns WHERE status IN ('active', 'quiet')"
	    " OR (status = 'closed' AND id IN (SELECT campaign_id FROM campaign_state))"
	    " ORDER BY id", &st, err, errlen) == -1)
		return -1;
	while (sqlite3_step(st) == SQLITE_ROW)
		if (restore_camp(c, db, st, err, errlen) == -1)
			goto out;
	{
		/* Rebuilding the lists drops what the first run dropped: counted once. */
		struct ronda_campaigns_stats keep = c->stats;
		if (restore_incidents(c, db, err, errlen) == -1)
			goto out;
		c->stats = keep;
	}
	rc = camp_prepare(c, db, err, errlen);
out:
	sqlite3_finalize(st);
	return rc;
}
