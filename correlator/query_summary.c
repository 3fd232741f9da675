/*
 * query_summary.c — the daily summary per agency: incidents by kind and
 * severity, campaigns, top attacker IPs and networks, the serious incidents.
 */
#include "query_int.h"

/* ---- summary ---------------------------------------------------------- */

static void
sev_init(cJSON *o)
{
	for (int r = 1; r <= 4; r++)
		cJSON_AddNumberToObject(o, sev_names[r], 0);
}

/* The agency object named name in arr, created with its empty counters when new. */
static cJSON *
agency_get(cJSON *arr, const char *name, const char *region)
{
	cJSON *it, *o;

	cJSON_ArrayForEach(it, arr) {
		cJSON *n = cJSON_GetObjectItemCaseSensitive(it, "agency");
		if (cJSON_IsString(n) && strcmp(n->valuestring, name) == 0)
			return it;
	}
	o = cJSON_CreateObject();
	cJSON_AddItemToObject(o, "agency", q_json_bytes((const unsigned char *)name, strlen(name)));
	cJSON_AddItemToObject(o, "region", q_json_bytes((const unsigned char *)region,
	    strlen(region)));
	cJSON_AddNumberToObject(o, "incidents", 0);
	cJSON_AddNumberToObject(o, "events", 0);
	cJSON_AddObjectToObject(o, "by_kind");
	sev_init(cJSON_AddObjectToObject(o, "by_severity"));
	cJSON_AddArrayToObject(o, "sites");
	cJSON_AddArrayToObject(o, "campaigns");
	cJSON_AddArrayToObject(o, "top_ips");
	cJSON_AddArrayToObject(o, "top_networks");
	cJSON_AddItemToArray(arr, o);
	return o;
}

static void
bump(cJSON *o, const char *name, double by)
{
	cJSON *n = cJSON_GetObjectItemCaseSensitive(o, name);

	if (n == NULL)
		cJSON_AddNumberToObject(o, name, by);
	else
		cJSON_SetNumberValue(n, n->valuedouble + by);
}


static double
num(const cJSON *o, const char *name)
{
	const cJSON *n = cJSON_GetObjectItemCaseSensitive(o, name);
	return cJSON_IsNumber(n) ? n->valuedouble : 0;
}

/* Agencies with the most serious incidents first, then the most, then by name. */
static int
agency_cmp(const void *a, const void *b)
{
	const cJSON *x = *(const cJSON *const *)a, *y = *(const cJSON *const *)b;
	const cJSON *sx = cJSON_GetObjectItemCaseSensitive(x, "by_severity");
	const cJSON *sy = cJSON_GetObjectItemCaseSensitive(y, "by_severity");
	double d;

	if ((d = num(sy, "critical") - num(sx, "critical")) != 0 ||
	    (d = num(sy, "high") - num(sx, "high")) != 0 ||
	    (d = num(y, "incidents") - num(x, "incidents")) != 0)
		return d > 0 ? 1 : -1;
	return strcmp(cJSON_GetObjectItemCaseSensitive(x, "agency")->valuestring,
	    cJSON_GetObjectItemCaseSensitive(y, "agency")->valuestring);
}

static void
sort_agencies(cJSON *arr)
{
	int n = cJSON_GetArraySize(arr), i = 0;
	cJSON **v, *it;

	if (n < 2 || (v = calloc((size_t)n, sizeof(*v))) == NULL)
		return;
	cJSON_ArrayForEach(it, arr)
		v[i++] = it;
	qsort(v, (size_t)n, sizeof(*v), agency_cmp);
	while (cJSON_GetArraySize(arr) > 0)
		cJSON_DetachItemFromArray(arr, 0);
	for (i = 0; i < n; i++)
		cJSON_AddItemToArray(arr, v[i]);
	free(v);
}

/* Run sql (binds: the filter's, then extra ints) and call fn for each row. */
static int
sum_rows(struct ronda_query *q, const char *sql, const struct where *w, const int64_t *extra,
    int nextra, void (*fn)(sqlite3_stmt *st, void *arg), void *arg)
{
	sqlite3_stmt *st = q_prep(q, sql);
	int rc;

	if (st == NULL)
		return RONDA_QUERY_ERROR;
	q_w_bind(w, st, 1);
	for (int i = 0; i < nextra; i++)
		sqlite3_bind_int64(st, w->n + 1 + i, extra[i]);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		fn(st, arg);
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? RONDA_QUERY_OK : q_dberr(q);
}

struct sum_ctx {
	cJSON *root, *agencies, *totals;
};

static const char *
coltxt(sqlite3_stmt *st, int col)
{
	const char *s = (const char *)sqlite3_column_text(st, col);
	return s != NULL ? s : "";
}

/* agency, region, kind, severity, incidents, events */
static void
sum_counts(sqlite3_stmt *st, void *arg)
{
	struct sum_ctx *c = arg;
	cJSON *a = agency_get(c->agencies, coltxt(st, 0), coltxt(st, 1));
	double n = (double)sqlite3_column_int64(st, 4), ev = (double)sqlite3_column_int64(st, 5);
	const char *kind = coltxt(st, 2), *sev = coltxt(st, 3);

	bump(a, "incidents", n);
	bump(a, "events", ev);
	bump(cJSON_GetObjectItemCaseSensitive(a, "by_kind"), kind, n);
	if (ronda_query_severity_rank(sev) > 0) {
		bump(cJSON_GetObjectItemCaseSensitive(a, "by_severity"), sev, n);
		bump(cJSON_GetObjectItemCaseSensitive(c->totals, "by_severity"), sev, n);
	}
	bump(c->totals, "incidents", n);
	bump(c->totals, "events", ev);
	bump(cJSON_GetObjectItemCaseSensitive(c->totals, "by_kind"), kind, n);
}

/* agency, region, site, incidents, open, max severity rank */
static void
sum_sites(sqlite3_stmt *st, void *arg)
{
	struct sum_ctx *c = arg;
	cJSON *a = agency_get(c->agencies, coltxt(st, 0), coltxt(st, 1)), *o;

	o = cJSON_CreateObject();
	q_add_col_str(o, "site", st, 2);
	cJSON_AddNumberToObject(o, "incidents", (double)sqlite3_column_int64(st, 3));
	cJSON_AddNumberToObject(o, "open", (double)sqlite3_column_int64(st, 4));
	cJSON_AddStringToObject(o, "max_severity",
	    ronda_query_severity_name(sqlite3_column_int(st, 5)));
	cJSON_AddItemToArray(cJSON_GetObjectItemCaseSensitive(a, "sites"), o);
	bump(c->totals, "sites_hit", 1);
}

/* agency, region, ip, incidents, sites */
static void
sum_agency_ips(sqlite3_stmt *st, void *arg)
{
	struct sum_ctx *c = arg;
	cJSON *a = agency_get(c->agencies, coltxt(st, 0), coltxt(st, 1)), *o;

	o = cJSON_CreateObject();
	q_add_col_str(o, "ip", st, 2);
	cJSON_AddNumberToObject(o, "incidents", (double)sqlite3_column_int64(st, 3));
	cJSON_AddNumberToObject(o, "sites", (double)sqlite3_column_int64(st, 4));
	cJSON_AddItemToArray(cJSON_GetObjectItemCaseSensitive(a, "top_ips"), o);
}

/* agency, region, network, ips, incidents, sites */
static void
sum_agency_nets(sqlite3_stmt *st, void *arg)
{
	struct sum_ctx *c = arg;
	cJSON *a = agency_get(c->agencies, coltxt(st, 0), coltxt(st, 1)), *o;

	o = cJSON_CreateObject();
	q_add_col_str(o, "network", st, 2);
	cJSON_AddNumberToObject(o, "ips", (double)sqlite3_column_int64(st, 3));
	cJSON_AddNumberToObject(o, "incidents", (double)sqlite3_column_int64(st, 4));
	cJSON_AddNumberToObject(o, "sites", (double)sqlite3_column_int64(st, 5));
	cJSON_AddItemToArray(cJSON_GetObjectItemCaseSensitive(a, "top_networks"), o);
}

/* allowlisted IPs, their incidents: into totals */
static void
sum_allowed(sqlite3_stmt *st, void *arg)
{
	cJSON_SetNumberValue(cJSON_GetObjectItemCaseSensitive(arg, "allowlisted_ips"),
	    (double)sqlite3_column_int64(st, 0));
	cJSON_SetNumberValue(cJSON_GetObjectItemCaseSensitive(arg, "allowlisted_incidents"),
	    (double)sqlite3_column_int64(st, 1));
}

/* ip, incidents, sites, agencies */
static void
sum_ips(sqlite3_stmt *st, void *arg)
{
	cJSON *o = cJSON_CreateObject();

	q_add_col_str(o, "ip", st, 0);
	cJSON_AddNumberToObject(o, "incidents", (double)sqlite3_column_int64(st, 1));
	cJSON_AddNumberToObject(o, "sites", (double)sqlite3_column_int64(st, 2));
	cJSON_AddNumberToObject(o, "agencies", (double)sqlite3_column_int64(st, 3));
	cJSON_AddItemToArray(arg, o);
}

/* country, incidents, sites: attackers abroad (GeoIP "foreign" indicators) */
static void
sum_abroad(sqlite3_stmt *st, void *arg)
{
	cJSON *o = cJSON_CreateObject();

	q_add_col_str(o, "country", st, 0);
	cJSON_AddNumberToObject(o, "incidents", (double)sqlite3_column_int64(st, 1));
	cJSON_AddNumberToObject(o, "sites", (double)sqlite3_column_int64(st, 2));
	cJSON_AddItemToArray(arg, o);
}

/* incidents with an address abroad: into totals */
static void
sum_abroad_total(sqlite3_stmt *st, void *arg)
{
	cJSON_SetNumberValue(cJSON_GetObjectItemCaseSensitive(arg, "abroad_incidents"),
	    (double)sqlite3_column_int64(st, 0));
}

/* network, ips, incidents, sites, agencies */
static void
sum_nets(sqlite3_stmt *st, void *arg)
{
	cJSON *o = cJSON_CreateObject();

	q_add_col_str(o, "network", st, 0);
	cJSON_AddNumberToObject(o, "ips", (double)sqlite3_column_int64(st, 1));
	cJSON_AddNumberToObject(o, "incidents", (double)sqlite3_column_int64(st, 2));
	cJSON_AddNumberToObject(o, "sites", (double)sqlite3_column_int64(st, 3));
	cJSON_AddNumberToObject(o, "agencies", (double)sqlite3_column_int64(st, 4));
	cJSON_AddItemToArray(arg, o);
}

/* CAMP summary row: id, title, kind, link, severity, status, first, last, sites, incidents, agencies */
static void
sum_campaigns(sqlite3_stmt *st, void *arg)
{
	cJSON *o = cJSON_CreateObject();

	q_add_col_str(o, "id", st, 0);
	q_add_col_str(o, "title", st, 1);
	q_add_col_str(o, "kind", st, 2);
	q_add_col_str(o, "link", st, 3);
	q_add_col_str(o, "severity", st, 4);
	q_add_col_str(o, "status", st, 5);
	q_add_time(o, "first_seen", sqlite3_column_int64(st, 6));
	q_add_time(o, "last_seen", sqlite3_column_int64(st, 7));
	cJSON_AddNumberToObject(o, "site_count", (double)sqlite3_column_int64(st, 8));
	cJSON_AddNumberToObject(o, "incident_count", (double)sqlite3_column_int64(st, 9));
	cJSON_AddNumberToObject(o, "agencies", (double)sqlite3_column_int64(st, 10));
	cJSON_AddItemToObject(o, "attacker_ips", q_json_array_col(st, 11, 5));
	cJSON_AddItemToArray(arg, o);
}

/* Each summary campaign's sites, in the order they were hit. */
static int
sum_campaign_sites(struct ronda_query *q, cJSON *camps)
{
	sqlite3_stmt *st = q_prep(q, "SELECT cs.site, COALESCE(si.agency, ''), cs.first_seen"
	    " FROM campaign_sites cs LEFT JOIN site_info si ON si.id = cs.site"
	    " WHERE cs.campaign_id = ? ORDER BY cs.first_seen, cs.site");
	cJSON *c;
	int rc = RONDA_QUERY_OK;

	if (st == NULL)
		return RONDA_QUERY_ERROR;
	cJSON_ArrayForEach(c, camps) {
		cJSON *arr = cJSON_AddArrayToObject(c, "sites"), *o;
		int r;
		sqlite3_reset(st);
		sqlite3_bind_text(st, 1, cJSON_GetObjectItemCaseSensitive(c, "id")->valuestring, -1,
		    SQLITE_TRANSIENT);
		while ((r = sqlite3_step(st)) == SQLITE_ROW) {
			o = cJSON_CreateObject();
			q_add_col_str(o, "site", st, 0);
			q_add_col_str(o, "agency", st, 1);
			q_add_time(o, "first_seen", sqlite3_column_int64(st, 2));
			cJSON_AddItemToArray(arr, o);
		}
		if (r != SQLITE_DONE) {
			rc = q_dberr(q);
			break;
		}
	}
	sqlite3_finalize(st);
	return rc;
}

/* agency, region, campaign id */
static void
sum_agency_campaigns(sqlite3_stmt *st, void *arg)
{
	struct sum_ctx *c = arg;
	cJSON *a = agency_get(c->agencies, coltxt(st, 0), coltxt(st, 1));

	cJSON_AddItemToArray(cJSON_GetObjectItemCaseSensitive(a, "campaigns"),
	    q_col_json_str(st, 2));
}

/* Split up to max values joined by 0x1f into a JSON array. */
static cJSON *
split_us(const char *k, int max)
{
	cJSON *arr = cJSON_CreateArray();
	const char *e;

	while (k[0] != '\0' && cJSON_GetArraySize(arr) < max) {
		e = strchr(k, 0x1f);
		cJSON_AddItemToArray(arr, q_json_bytes((const unsigned char *)k,
		    e != NULL ? (size_t)(e - k) : strlen(k)));
		k = e != NULL ? e + 1 : "";
	}
	return arr;
}

/*
 * kind, key, max severity rank, incidents, sites, agencies, events, first,
 * last, campaign, example id, sites (up to 5, joined by 0x1f)
 */
static void
sum_notable(sqlite3_stmt *st, void *arg)
{
	cJSON *o = cJSON_CreateObject();

	q_add_col_str(o, "kind", st, 0);
	q_add_col_str(o, "key", st, 1);
	cJSON_AddStringToObject(o, "severity", ronda_query_severity_name(sqlite3_column_int(st, 2)));
	cJSON_AddNumberToObject(o, "incidents", (double)sqlite3_column_int64(st, 3));
	cJSON_AddNumberToObject(o, "sites", (double)sqlite3_column_int64(st, 4));
	cJSON_AddNumberToObject(o, "agencies", (double)sqlite3_column_int64(st, 5));
	cJSON_AddNumberToObject(o, "events", (double)sqlite3_column_int64(st, 6));
	q_add_time(o, "first_seen", sqlite3_column_int64(st, 7));
	q_add_time(o, "last_seen", sqlite3_column_int64(st, 8));
	if (sqlite3_column_type(st, 9) == SQLITE_NULL)
		cJSON_AddNullToObject(o, "campaign_id");
	else
		q_add_col_str(o, "campaign_id", st, 9);
	q_add_col_str(o, "incident_id", st, 10);
	cJSON_AddItemToObject(o, "site_list", split_us(coltxt(st, 11), 5));
	cJSON_AddItemToArray(arg, o);
}

/*
 * The incidents of the filter (SUM_CTE_HEAD, the WHERE clause, SUM_CTE_TAIL),
 * with their agency, as CTE `inc`; `ips` has
 * one row per (incident, attacker IP). A corrupt attacker_ips column counts
 * as no IPs rather than failing the report.
 */
#define SUM_CTE_HEAD "WITH f AS (SELECT id, site, kind, key, severity, status, first_seen," \
	" last_seen, event_count, attacker_ips FROM incidents"
#define SUM_CTE_TAIL "),"							\
	" inc AS (SELECT f.id AS id, f.site AS site, f.kind AS kind, f.severity AS severity," \
	"  f.status AS status, f.key AS key, f.first_seen AS first_seen,"		\
	"  f.last_seen AS last_seen, f.event_count AS event_count,"			\
	"  f.attacker_ips AS attacker_ips, COALESCE(si.agency, '') AS agency,"		\
	"  COALESCE(si.region, '') AS region FROM f LEFT JOIN site_info si ON si.id = f.site),"	\
	" ips AS (SELECT inc.id AS id, inc.site AS site, inc.agency AS agency,"		\
	"  inc.region AS region, j.value AS ip FROM inc, json_each(CASE WHEN"		\
	"  json_valid(inc.attacker_ips) THEN inc.attacker_ips ELSE '[]' END) j"		\
	"  WHERE j.type = 'text' AND NOT ronda_allowlisted(j.value)) "

#define SEV_RANK(col) "(CASE " col " WHEN 'low' THEN 1 WHEN 'medium' THEN 2" \
	" WHEN 'high' THEN 3 WHEN 'critical' THEN 4 ELSE 0 END)"

int
ronda_query_summary(struct ronda_query *q, const struct ronda_query_filter *f, cJSON **out)
{
	struct where w;
	struct ronda_buf sql;
	struct sum_ctx c;
	cJSON *root = NULL, *arr;
	int64_t since = f->since, until = f->until, camp[2];
	int rc;

	*out = NULL;
	ronda_buf_init(&sql, 1 << 16);
	if ((rc = q_incident_where(q, f, &w)) != RONDA_QUERY_OK)
		goto done;
	if (since != INT64_MIN && until != INT64_MAX && since > until) {
		rc = q_setmsg(q, RONDA_QUERY_BADARG, "since: after until");
		goto done;
	}
	if ((rc = q_begin(q)) != RONDA_QUERY_OK)
		goto done;
	q_load_allow(q);

	root = cJSON_CreateObject();
	q_add_time(root, "generated", ronda_now_ms());
	if (since != INT64_MIN)
		q_add_time(root, "since", since);
	else
		cJSON_AddNullToObject(root, "since");
	if (until != INT64_MAX)
		q_add_time(root, "until", until);
	else
		cJSON_AddNullToObject(root, "until");
	q_add_time_or_null(root, "latest_event", q_latest(q));
	c.root = root;
	c.totals = cJSON_AddObjectToObject(root, "totals");
	cJSON_AddNumberToObject(c.totals, "incidents", 0);
	cJSON_AddNumberToObject(c.totals, "events", 0);
	cJSON_AddNumberToObject(c.totals, "sites_known",
	    (double)q_one_int(q, "SELECT count(*) FROM (SELECT id FROM site_info UNION"
	    " SELECT id FROM sites)", 0));
	cJSON_AddNumberToObject(c.totals, "sites_hit", 0);
	cJSON_AddNumberToObject(c.totals, "campaigns", 0);
	cJSON_AddNumberToObject(c.totals, "allowlisted_ips", 0);
	cJSON_AddNumberToObject(c.totals, "allowlisted_incidents", 0);
	cJSON_AddNumberToObject(c.totals, "abroad_incidents", 0);
	sev_init(cJSON_AddObjectToObject(c.totals, "by_severity"));
	cJSON_AddObjectToObject(c.totals, "by_kind");
	c.agencies = cJSON_AddArrayToObject(root, "agencies");

#define RUN(tail, fn, arg, extra, nextra) do {						\
		ronda_buf_reset(&sql);							\
		ronda_buf_puts(&sql, SUM_CTE_HEAD);					\
		ronda_buf_puts(&sql, w.sql.data);					\
		ronda_buf_puts(&sql, SUM_CTE_TAIL);					\
		ronda_buf_puts(&sql, tail);						\
		if (sql.overflow) {							\
			rc = q_setmsg(q, RONDA_QUERY_ERROR, "summary: query too long");	\
			goto fail;							\
		}									\
		if ((rc = sum_rows(q, sql.data, &w, extra, nextra, fn, arg)) != RONDA_QUERY_OK) \
			goto fail;							\
	} while (0)

	RUN("SELECT agency, region, kind, severity, count(*), sum(event_count) FROM inc"
	    " GROUP BY agency, region, kind, severity ORDER BY agency, kind, severity",
	    sum_counts, &c, NULL, 0);
	RUN("SELECT agency, region, site, count(*), sum(status <> 'closed'),"
	    " max(" SEV_RANK("severity") ") FROM inc GROUP BY agency, region, site"
	    " ORDER BY agency, count(*) DESC, site", sum_sites, &c, NULL, 0);
	/* Per agency the IPs that hit most of its sites, then most incidents. */
	RUN("SELECT agency, region, ip, n, s FROM (SELECT agency, region, ip,"
	    " count(DISTINCT id) AS n, count(DISTINCT site) AS s, row_number() OVER"
	    " (PARTITION BY agency ORDER BY count(DISTINCT site) DESC, count(DISTINCT id) DESC,"
	    " ip) AS rn FROM ips GROUP BY agency, region, ip) WHERE rn <= 10 ORDER BY agency, rn",
	    sum_agency_ips, &c, NULL, 0);
	RUN("SELECT agency, region, net, nip, n, s FROM (SELECT agency, region,"
	    " ronda_net(ip) AS net, count(DISTINCT ip) AS nip, count(DISTINCT id) AS n,"
	    " count(DISTINCT site) AS s, row_number() OVER (PARTITION BY agency ORDER BY"
	    " count(DISTINCT site) DESC, count(DISTINCT ip) DESC, count(DISTINCT id) DESC,"
	    " ronda_net(ip)) AS rn FROM ips WHERE ronda_net(ip) IS NOT NULL"
	    " GROUP BY agency, region, net) WHERE rn <= 10 ORDER BY agency, rn",
	    sum_agency_nets, &c, NULL, 0);

	arr = cJSON_AddArrayToObject(root, "top_ips");
	RUN("SELECT ip, count(DISTINCT id), count(DISTINCT site), count(DISTINCT agency)"
	    " FROM ips GROUP BY ip ORDER BY 3 DESC, 2 DESC, ip LIMIT 10", sum_ips, arr, NULL, 0);
	/*
	 * Addresses on the allowlist (the SOC's own scanners) are left out of
	 * every ranking above and below; how much they did is counted here.
	 */
	RUN("SELECT count(DISTINCT j.value), count(DISTINCT inc.id) FROM inc, json_each(CASE"
	    " WHEN json_valid(inc.attacker_ips) THEN inc.attacker_ips ELSE '[]' END) j"
	    " WHERE j.type = 'text' AND ronda_allowlisted(j.value)", sum_allowed, c.totals,
	    NULL, 0);
	/* From abroad (luar negeri): the countries of attacker addresses, with GeoIP. */
	arr = cJSON_AddArrayToObject(root, "abroad");
	RUN("SELECT i.value, count(DISTINCT inc.id), count(DISTINCT inc.site) FROM inc"
	    " JOIN indicators i ON i.incident_id = inc.id AND i.type = 'foreign'"
	    " GROUP BY i.value ORDER BY 2 DESC, 3 DESC, i.value LIMIT 20", sum_abroad, arr,
	    NULL, 0);
	RUN("SELECT count(*) FROM inc WHERE EXISTS (SELECT 1 FROM indicators i"
	    " WHERE i.incident_id = inc.id AND i.type = 'foreign')", sum_abroad_total,
	    c.totals, NULL, 0);
	arr = cJSON_AddArrayToObject(root, "top_networks");
	RUN("SELECT ronda_net(ip) AS net, count(DISTINCT ip), count(DISTINCT id),"
	    " count(DISTINCT site), count(DISTINCT agency) FROM ips WHERE net IS NOT NULL"
	    " GROUP BY net ORDER BY 4 DESC, 2 DESC, 3 DESC, net LIMIT 10", sum_nets, arr, NULL, 0);

	/*
	 * Campaigns that were under way in the period: reported ones (not
	 * candidates, not merged away), whether still active, quiet or closed.
	 */
	camp[0] = since;
	camp[1] = until;
	arr = cJSON_AddArrayToObject(root, "campaigns");
	RUN(", camp AS (SELECT * FROM campaigns WHERE status NOT IN ('candidate', 'merged')"
	    " AND last_seen >= ? AND first_seen < ?)"
	    " SELECT camp.id, title, kind, link, severity, status, first_seen, last_seen,"
	    " site_count, incident_count, (SELECT count(DISTINCT COALESCE(si.agency, cs.site))"
	    "  FROM campaign_sites cs LEFT JOIN site_info si ON si.id = cs.site"
	    "  WHERE cs.campaign_id = camp.id), attacker_ips"
	    " FROM camp ORDER BY " SEV_RANK("severity") " DESC, site_count DESC, first_seen, id",
	    sum_campaigns, arr, camp, 2);
	if ((rc = sum_campaign_sites(q, arr)) != RONDA_QUERY_OK)
		goto fail;
	cJSON_SetNumberValue(cJSON_GetObjectItemCaseSensitive(c.totals, "campaigns"),
	    cJSON_GetArraySize(arr));
	RUN(", camp AS (SELECT * FROM campaigns WHERE status NOT IN ('candidate', 'merged')"
	    " AND last_seen >= ? AND first_seen < ?)"
	    " SELECT DISTINCT COALESCE(si.agency, ''), COALESCE(si.region, ''), camp.id"
	    " FROM camp JOIN campaign_sites cs ON cs.campaign_id = camp.id"
	    " LEFT JOIN site_info si ON si.id = cs.site"
	    " WHERE COALESCE(si.agency, '') IN (SELECT agency FROM inc)"
	    " ORDER BY 1, camp.first_seen, camp.id", sum_agency_campaigns, &c, camp, 2);

	/*
	 * The serious incidents grouped by kind and key (the attacker IP,
	 * network or account: one scanner on fourteen sites is one line),
	 * those outside any campaign first (the campaigns are reported as
	 * such), then worst, widest and earliest first. An allowlisted key
	 * (the SOC's scanner) is not among them: the totals count it.
	 */
	arr = cJSON_AddArrayToObject(root, "notable");
	RUN(", sev AS (SELECT inc.*, " SEV_RANK("severity") " AS r,"
	    "  (SELECT ci.campaign_id FROM campaign_incidents ci JOIN campaigns c"
	    "   ON c.id = ci.campaign_id WHERE ci.incident_id = inc.id AND c.status <> 'merged'"
	    "   ORDER BY ci.joined LIMIT 1) AS camp"
	    "  FROM inc WHERE severity IN ('high', 'critical') AND NOT ronda_allowlisted(key)),"
	    " ks AS (SELECT kind, key, site, agency, max(r) AS r, count(*) AS n,"
	    "  sum(event_count) AS ev, min(first_seen) AS fs, max(last_seen) AS ls,"
	    "  max(camp) AS camp, min(id) AS id FROM sev GROUP BY kind, key, site, agency),"
	    " ranked AS (SELECT ks.*, row_number() OVER (PARTITION BY kind, key"
	    "  ORDER BY fs, site) AS sr FROM ks)"
	    " SELECT kind, key, max(r), sum(n), count(*), count(DISTINCT agency), sum(ev), min(fs),"
	    "  max(ls), max(camp), min(CASE WHEN sr = 1 THEN id END),"
	    "  group_concat(CASE WHEN sr <= 5 THEN site END, char(31))"
	    " FROM ranked GROUP BY kind, key"
	    " ORDER BY max(camp) IS NOT NULL, max(r) DESC, count(*) DESC, min(fs), kind, key"
	    " LIMIT 20", sum_notable, arr, NULL, 0);
#undef RUN
	sort_agencies(c.agencies);
	*out = root;
	root = NULL;
	rc = RONDA_QUERY_OK;
fail:
	cJSON_Delete(root);
	q_end(q);
done:
	ronda_buf_release(&w.sql);
	ronda_buf_release(&sql);
	return rc;
}
