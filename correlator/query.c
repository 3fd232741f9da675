/*
 * query.c — the read-only queries behind `ronda` and the HTTP API.
 *
 * Every call runs in one read transaction (BEGIN ... COMMIT on a read-only
 * connection), so the rows it joins come from one committed batch of the
 * correlator. Filters become a WHERE clause with bound parameters only; no
 * value from a caller is ever pasted into SQL.
 */
#include "query_int.h"

const char *
ronda_query_severity_name(int rank)
{
	if (rank < 0 || rank > 4)
		return "none";
	return sev_names[rank];
}

int
ronda_query_severity_rank(const char *name)
{
	if (name == NULL)
		return -1;
	for (int i = 0; i <= 4; i++)
		if (strcmp(name, sev_names[i]) == 0)
			return i;
	return -1;
}

int
q_in_list(const char *s, const char *const *list)
{
	for (; *list != NULL; list++)
		if (strcmp(s, *list) == 0)
			return 1;
	return 0;
}

int
q_setmsg(struct ronda_query *q, int rc, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

int
q_setmsg(struct ronda_query *q, int rc, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(q->err, sizeof(q->err), fmt, ap);
	va_end(ap);
	return rc;
}

/* The store failed: name it and SQLite's reason. */
int
q_dberr(struct ronda_query *q)
{
	return q_setmsg(q, RONDA_QUERY_ERROR, "%s: %s", q->path, sqlite3_errmsg(q->db));
}

void
ronda_query_filter_init(struct ronda_query_filter *f)
{
	memset(f, 0, sizeof(*f));
	f->since = INT64_MIN;
	f->until = INT64_MAX;
}

/* ---- strings into JSON --------------------------------------------------- */

/*
 * Add a string that may hold any bytes (a log line, a user name): valid
 * UTF-8 goes in as it is (cJSON escapes quotes and controls), NUL and bytes
 * that are not UTF-8 become the text \xHH, as the collector writes them, so
 * the JSON stays valid UTF-8 and nothing is dropped silently.
 */
cJSON *
q_json_bytes(const unsigned char *p, size_t n)
{
	struct ronda_buf b;
	cJSON *s;
	size_t i = 0;
	int clean = 1;

	if (p == NULL)
		return cJSON_CreateString("");
	for (i = 0; i < n; ) {
		size_t l = p[i] < 0x80 ? (p[i] != 0) : ronda_utf8_seq_len(p + i, n - i);
		if (l == 0) {
			clean = 0;
			break;
		}
		i += l;
	}
	ronda_buf_init(&b, 0);
	if (clean) {
		ronda_buf_append(&b, p, n);
		ronda_buf_putc(&b, '\0');
		s = cJSON_CreateString(b.overflow ? "" : b.data);
		ronda_buf_release(&b);
		return s;
	}
	for (i = 0; i < n; ) {
		size_t l = p[i] < 0x80 ? (p[i] != 0) : ronda_utf8_seq_len(p + i, n - i);
		if (l == 0) {
			ronda_buf_printf(&b, "\\x%02x", p[i]);
			i++;
		} else {
			ronda_buf_append(&b, p + i, l);
			i += l;
		}
	}
	ronda_buf_putc(&b, '\0');
	s = cJSON_CreateString(b.overflow ? "" : b.data);
	ronda_buf_release(&b);
	return s;
}

cJSON *
q_col_json_str(sqlite3_stmt *st, int col)
{
	const unsigned char *p = sqlite3_column_text(st, col);
	return q_json_bytes(p, (size_t)sqlite3_column_bytes(st, col));
}

void
q_add_col_str(cJSON *o, const char *name, sqlite3_stmt *st, int col)
{
	cJSON_AddItemToObject(o, name, q_col_json_str(st, col));
}

static cJSON *
json_time(int64_t ms)
{
	char ts[RONDA_TS_LEN + 1];

	ronda_fmt_utc_ms(ts, ms);
	return cJSON_CreateString(ts);
}

void
q_add_time(cJSON *o, const char *name, int64_t ms)
{
	cJSON_AddItemToObject(o, name, json_time(ms));
}

/* A time that may be absent (0 in the store): null then. */
void
q_add_time_or_null(cJSON *o, const char *name, int64_t ms)
{
	if (ms > 0)
		q_add_time(o, name, ms);
	else
		cJSON_AddNullToObject(o, name);
}

/*
 * A JSON array column (attacker_ips, users, rule_ids): its string items, at
 * most max, each re-checked as UTF-8. Anything else in the column (a
 * corrupt row) gives an empty array rather than a wrong type.
 */
cJSON *
q_json_array_col(sqlite3_stmt *st, int col, int max)
{
	cJSON *out = cJSON_CreateArray(), *in, *it;
	const char *txt = (const char *)sqlite3_column_text(st, col);
	int n = 0;

	if (txt == NULL)
		return out;
	in = cJSON_Parse(txt);
	if (cJSON_IsArray(in)) {
		cJSON_ArrayForEach(it, in) {
			if (!cJSON_IsString(it) || n >= max)
				continue;
			cJSON_AddItemToArray(out, q_json_bytes((const unsigned char *)it->valuestring,
			    strlen(it->valuestring)));
			n++;
		}
	}
	cJSON_Delete(in);
	return out;
}

/* ---- statements ------------------------------------------------------ */

sqlite3_stmt *
q_prep(struct ronda_query *q, const char *sql)
{
	sqlite3_stmt *st = NULL;

	if (sqlite3_prepare_v2(q->db, sql, -1, &st, NULL) != SQLITE_OK) {
		q_dberr(q);
		return NULL;
	}
	return st;
}

int
q_begin(struct ronda_query *q)
{
	if (sqlite3_exec(q->db, "BEGIN", NULL, NULL, NULL) != SQLITE_OK)
		return q_dberr(q);
	return RONDA_QUERY_OK;
}

void
q_end(struct ronda_query *q)
{
	if (!sqlite3_get_autocommit(q->db))
		(void)sqlite3_exec(q->db, "COMMIT", NULL, NULL, NULL);
}

/* A WHERE clause under construction, with its bound values in order. */
void
q_w_init(struct where *w)
{
	ronda_buf_init(&w->sql, 4096);
	w->n = 0;
	ronda_buf_puts(&w->sql, " WHERE 1");
}

void
q_w_text(struct where *w, const char *clause, const char *s)
{
	if (w->n >= W_MAX)
		return;
	ronda_buf_puts(&w->sql, clause);
	w->v[w->n].is_text = 1;
	w->v[w->n].s = s;
	w->n++;
}

void
q_w_int(struct where *w, const char *clause, int64_t i)
{
	if (w->n >= W_MAX)
		return;
	ronda_buf_puts(&w->sql, clause);
	w->v[w->n].is_text = 0;
	w->v[w->n].i = i;
	w->n++;
}

void
q_w_bind(const struct where *w, sqlite3_stmt *st, int first)
{
	for (int i = 0; i < w->n; i++) {
		if (w->v[i].is_text)
			sqlite3_bind_text(st, first + i, w->v[i].s, -1, SQLITE_STATIC);
		else
			sqlite3_bind_int64(st, first + i, w->v[i].i);
	}
}

/* Severity at least min: " AND <col> IN ('high','critical')" with binds. */
void
q_w_severity(struct where *w, const char *col, int min)
{
	char clause[96];

	for (int r = min; r <= 4; r++) {
		snprintf(clause, sizeof(clause), "%s%s%s", r == min ? " AND " : "",
		    r == min ? col : "", r == min ? " IN (?" : ",?");
		q_w_text(w, clause, sev_names[r]);
	}
	ronda_buf_puts(&w->sql, ")");
}

/* ---- filters and cursors --------------------------------------------- */

int
q_check_text(struct ronda_query *q, const char *field, const char *v)
{
	size_t n = strlen(v);

	if (n == 0 || n > 253)
		return q_setmsg(q, RONDA_QUERY_BADARG, "%s: must be 1..253 characters", field);
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)v[i] < 0x20 || v[i] == 0x7f)
			return q_setmsg(q, RONDA_QUERY_BADARG, "%s: control character", field);
	return RONDA_QUERY_OK;
}

int
q_check_limit(struct ronda_query *q, const struct ronda_query_filter *f, int64_t *limit)
{
	if (f->limit < 0)
		return q_setmsg(q, RONDA_QUERY_BADARG, "limit: must be 1..%d", RONDA_QUERY_LIMIT_MAX);
	if (f->offset < 0)
		return q_setmsg(q, RONDA_QUERY_BADARG, "offset: must be >= 0");
	*limit = f->limit == 0 ? RONDA_QUERY_LIMIT_DEFAULT : f->limit;
	if (*limit > RONDA_QUERY_LIMIT_MAX)
		*limit = RONDA_QUERY_LIMIT_MAX;
	if (f->since != INT64_MIN && f->until != INT64_MAX && f->since > f->until)
		return q_setmsg(q, RONDA_QUERY_BADARG, "since: after until");
	return RONDA_QUERY_OK;
}

static const char hexd[] = "0123456789abcdef";

/*
 * Cursor "<last_seen ms>.<hex of the id>": the last row of the previous
 * page. Keyset paging, so rows committed between two pages neither repeat
 * nor vanish from the pages after it.
 */
void
q_cursor_make(char out[RONDA_QUERY_CURSOR_MAX], int64_t last_seen, const char *id)
{
	size_t n;

	if (id[0] == '\0') {
		out[0] = '\0';
		return;
	}
	n = (size_t)snprintf(out, RONDA_QUERY_CURSOR_MAX, "%lld.", (long long)last_seen);

	for (const unsigned char *p = (const unsigned char *)id; *p != '\0'; p++) {
		if (n + 3 > RONDA_QUERY_CURSOR_MAX) {
			out[0] = '\0';		/* an id too long for a cursor: no cursor */
			return;
		}
		out[n++] = hexd[*p >> 4];
		out[n++] = hexd[*p & 15];
	}
	out[n] = '\0';
}

static int
hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

int
q_cursor_parse(struct ronda_query *q, const char *c, int64_t *last_seen, char *id, size_t idlen)
{
	char *end;
	long long v;
	size_t n = 0;

	errno = 0;
	v = strtoll(c, &end, 10);
	if (errno != 0 || end == c || *end != '.' || v < 0 || c[0] == '-' || c[0] == '+')
		goto bad;
	for (end++; end[0] != '\0'; end += 2) {
		int hi = hexval((unsigned char)end[0]), lo;
		if (hi < 0 || (lo = hexval((unsigned char)end[1])) < 0 || n + 1 >= idlen)
			goto bad;
		id[n] = (char)(hi << 4 | lo);
		if (id[n] == '\0')
			goto bad;
		n++;
	}
	if (n == 0)
		goto bad;
	id[n] = '\0';
	*last_seen = v;
	return RONDA_QUERY_OK;
bad:
	return q_setmsg(q, RONDA_QUERY_BADARG, "cursor: not one this server made");
}

int
q_is_incident_id(const char *id)
{
	size_t n = strlen(id);

	if (n != 32)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (hexval((unsigned char)id[i]) < 0)
			return 0;
	return 1;
}

/* Campaign ids are the engine's; anything printable and short can be one. */
int
q_is_campaign_id(const char *id)
{
	size_t n = strlen(id);

	if (n == 0 || n > 64)
		return 0;
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)id[i] <= 0x20 || (unsigned char)id[i] >= 0x7f)
			return 0;
	return 1;
}

/* ---- open ------------------------------------------------------------- */

/*
 * ronda_allowlisted(ip): 1 when the address is in the stored allowlist (an
 * ip or net entry, CIDR or bare), as loaded by q_load_allow(); else 0.
 */
static void
sql_allowlisted(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	const struct ronda_query *q = sqlite3_user_data(ctx);
	const char *ip = (const char *)sqlite3_value_text(argv[0]);
	int r = 0;

	(void)argc;
	for (size_t i = 0; ip != NULL && i < q->nallow && !r; i++)
		r = ronda_indicator_ip_in(ip, q->allow[i]);
	sqlite3_result_int(ctx, r);
}

static void
free_allow(struct ronda_query *q)
{
	for (size_t i = 0; i < q->nallow; i++)
		free(q->allow[i]);
	free(q->allow);
	q->allow = NULL;
	q->nallow = 0;
}

/* The allowlist as the correlator last stored it; none in a version 4 store. */
void
q_load_allow(struct ronda_query *q)
{
	sqlite3_stmt *st;

	free_allow(q);
	if (sqlite3_prepare_v2(q->db, "SELECT value FROM allowlist WHERE type IN ('ip', 'net')"
	    " ORDER BY value", -1, &st, NULL) != SQLITE_OK)
		return;
	while (sqlite3_step(st) == SQLITE_ROW) {
		const char *v = (const char *)sqlite3_column_text(st, 0);
		char **nv;
		if (v == NULL || (nv = realloc(q->allow, (q->nallow + 1) * sizeof(*nv))) == NULL)
			continue;
		q->allow = nv;
		if ((q->allow[q->nallow] = strdup(v)) != NULL)
			q->nallow++;
	}
	sqlite3_finalize(st);
}

/* ronda_net(ip): the /24 (IPv4) or /48 (IPv6) an address is in, NULL if not an IP. */
static void
sql_net(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	const char *ip = (const char *)sqlite3_value_text(argv[0]);
	unsigned char a[16];
	char out[INET6_ADDRSTRLEN + 8];

	(void)argc;
	if (ip == NULL) {
		sqlite3_result_null(ctx);
		return;
	}
	if (inet_pton(AF_INET, ip, a) == 1) {
		snprintf(out, sizeof(out), "%u.%u.%u.0/24", a[0], a[1], a[2]);
	} else if (inet_pton(AF_INET6, ip, a) == 1) {
		memset(a + 6, 0, 10);
		if (inet_ntop(AF_INET6, a, out, INET6_ADDRSTRLEN) == NULL) {
			sqlite3_result_null(ctx);
			return;
		}
		strcat(out, "/48");
	} else {
		sqlite3_result_null(ctx);
		return;
	}
	sqlite3_result_text(ctx, out, -1, SQLITE_TRANSIENT);
}

static int
wal_exists(const char *path)
{
	char wal[1100];
	struct stat sb;

	snprintf(wal, sizeof(wal), "%s-wal", path);
	return stat(wal, &sb) == 0;
}

/*
 * Open read-only; immutable: as a file:...?immutable=1 URI (the path's
 * characters that mean something in a URI percent-encoded).
 */
static int
db_open(struct ronda_query *q, const char *path, int immutable)
{
	static const char hex[] = "0123456789ABCDEF";
	char uri[3 * 512 + 32];
	size_t n = 0;
	int rc;

	if (!immutable) {
		rc = sqlite3_open_v2(path, &q->db, SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX,
		    NULL);
	} else {
		n = (size_t)snprintf(uri, sizeof(uri), "file:");
		for (const unsigned char *p = (const unsigned char *)path; *p != '\0' &&
		    n + 4 < sizeof(uri) - 16; p++) {
			if (*p == '%' || *p == '?' || *p == '#' || *p < 0x21 || *p >= 0x7f) {
				uri[n++] = '%';
				uri[n++] = hex[*p >> 4];
				uri[n++] = hex[*p & 15];
			} else {
				uri[n++] = (char)*p;
			}
		}
		snprintf(uri + n, sizeof(uri) - n, "?immutable=1");
		rc = sqlite3_open_v2(uri, &q->db, SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX |
		    SQLITE_OPEN_URI, NULL);
	}
	if (rc != SQLITE_OK)
		return rc;
	sqlite3_busy_timeout(q->db, QUERY_BUSY_MS);
	sqlite3_create_function(q->db, "ronda_net", 1, SQLITE_UTF8 | SQLITE_DETERMINISTIC,
	    NULL, sql_net, NULL, NULL);
	sqlite3_create_function(q->db, "ronda_allowlisted", 1, SQLITE_UTF8, q, sql_allowlisted,
	    NULL, NULL);
	return SQLITE_OK;
}

struct ronda_query *
ronda_query_open(const char *path, char *err, size_t errlen)
{
	struct ronda_query *q;
	struct stat sb;
	sqlite3_stmt *st = NULL;
	int64_t ver = -1, tables = 0;

	if (stat(path, &sb) == -1) {
		int e = errno;
		snprintf(err, errlen, "%s: %s", path, e == ENOENT ? "no such store" :
		    strerror(e));
		errno = e;
		return NULL;
	}
	if (!S_ISREG(sb.st_mode)) {
		snprintf(err, errlen, "%s: not a Ronda store (not a file)", path);
		errno = EINVAL;
		return NULL;
	}
	if ((q = calloc(1, sizeof(*q))) == NULL) {
		snprintf(err, errlen, "%s: out of memory", path);
		return NULL;
	}
	snprintf(q->path, sizeof(q->path), "%s", path);
	for (int immutable = 0; ; immutable = 1) {
		if (db_open(q, path, immutable) != SQLITE_OK) {
			snprintf(err, errlen, "%s: %s", path, q->db ? sqlite3_errmsg(q->db) :
			    "cannot open");
			goto fail;
		}
		if (sqlite3_prepare_v2(q->db, "PRAGMA user_version", -1, &st, NULL) == SQLITE_OK &&
		    sqlite3_step(st) == SQLITE_ROW)
			break;
		int code = sqlite3_errcode(q->db) & 0xff;
		/*
		 * A WAL store whose folder this user cannot write, with no -wal
		 * file: SQLite cannot create the -shm it reads through. No
		 * -wal means no correlator is writing it (a writer keeps one
		 * open), so it is read as an immutable file.
		 */
		if (!immutable && (code == SQLITE_READONLY || code == SQLITE_CANTOPEN) &&
		    !wal_exists(path)) {
			sqlite3_finalize(st);
			st = NULL;
			sqlite3_close(q->db);
			q->db = NULL;
			continue;
		}
		snprintf(err, errlen, "%s: %s", path, code == SQLITE_NOTADB ?
		    "not a Ronda store" : sqlite3_errmsg(q->db));
		goto fail;
	}
	ver = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	st = NULL;
	if (sqlite3_prepare_v2(q->db, "SELECT count(*) FROM sqlite_master WHERE type = 'table'"
	    " AND name IN ('incidents', 'campaigns', 'sites')", -1, &st, NULL) == SQLITE_OK &&
	    sqlite3_step(st) == SQLITE_ROW)
		tables = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	st = NULL;
	if (ver == 0 || tables == 0) {
		snprintf(err, errlen, "%s: not a Ronda store", path);
		goto fail;
	}
	if (ver < QUERY_VERSION_MIN || ver > QUERY_VERSION_MAX || tables != 3) {
		snprintf(err, errlen, "%s: store schema version %lld, this reads %d..%d"
		    " (start the correlator once to migrate an older one)", path, (long long)ver,
		    QUERY_VERSION_MIN, QUERY_VERSION_MAX);
		goto fail;
	}
	q->has_triage = ver >= 8;
	q->has_via = ver >= 9;
	return q;
fail:
	sqlite3_finalize(st);
	ronda_query_close(q);
	errno = EINVAL;
	return NULL;
}

void
ronda_query_close(struct ronda_query *q)
{
	if (q == NULL)
		return;
	sqlite3_finalize(q->trow);
	sqlite3_finalize(q->tnotes);
	sqlite3_close(q->db);
	free_allow(q);
	free(q);
}

const char *
ronda_query_errmsg(const struct ronda_query *q)
{
	return q->err;
}

int64_t
q_one_int(struct ronda_query *q, const char *sql, int64_t dflt)
{
	sqlite3_stmt *st = q_prep(q, sql);
	int64_t v = dflt;

	if (st != NULL && sqlite3_step(st) == SQLITE_ROW &&
	    sqlite3_column_type(st, 0) != SQLITE_NULL)
		v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return v;
}

/*
 * Whether the store keeps its sites' two clocks apart (schema version 6: the
 * columns late and events_heard, last_heartbeat on the correlator's clock).
 * Asked in each read, not once at open: the correlator may migrate the store
 * under a long-lived reader (the API).
 */
static int
clocks_apart(struct ronda_query *q)
{
	return q_one_int(q, "SELECT count(*) FROM pragma_table_info('sites')"
	    " WHERE name IN ('late', 'events_heard')", 0) == 2;
}

/* The correlator's detectors.silent_after as it last stored it, else the default. */
static int64_t
silent_after(struct ronda_query *q)
{
	int64_t v = QUERY_SILENT_AFTER;

	if (q_one_int(q, "SELECT count(*) FROM sqlite_master WHERE type = 'table'"
	    " AND name = 'settings'", 0) == 1)
		v = q_one_int(q, "SELECT value FROM settings WHERE name = 'silent_after_ms'",
		    QUERY_SILENT_AFTER);
	return v > 0 ? v : QUERY_SILENT_AFTER;
}

/*
 * The newest event time in the store (event time only). From version 6 on
 * it is the newest site clock: a site's clock follows confirmed event times
 * only, and heartbeats never move it, whereas a partition watermark also
 * holds a single line that lied about its time (so it comes last). Older
 * stores stamped last_event and the watermarks with heartbeat times too:
 * there the old rule stays (the newest of the three). silent_site
 * incidents are stamped on the correlator's clock (processing time) and
 * never count.
 */
int64_t
q_latest(struct ronda_query *q)
{
	int64_t wm, ls, se;
	int apart = clocks_apart(q);

	se = q_one_int(q, "SELECT max(last_event) FROM sites", 0);
	if (se > 0 && apart)
		return se;
	ls = q_one_int(q, "SELECT max(last_seen) FROM incidents WHERE kind <> 'silent_site'", 0);
	wm = q_one_int(q, "SELECT max(watermark) FROM offsets", 0);
	if (apart)		/* no site clock yet: the incidents, then the watermarks */
		return ls > 0 ? ls : wm > 0 ? wm : 0;
	if (ls > wm)
		wm = ls;
	if (se > wm)
		wm = se;
	return wm > 0 ? wm : 0;
}

int64_t
ronda_query_latest(struct ronda_query *q)
{
	int64_t v;

	if (q_begin(q) != RONDA_QUERY_OK)
		return 0;
	v = q_latest(q);
	q_end(q);
	return v;
}

/* ---- sites ------------------------------------------------------------ */

/*
 * Every site anyone knows of: heartbeats/events (sites), the configuration
 * (site_info) and incidents (a site may have only those). %s is the late
 * and events_heard columns, or zeros in a store older than version 6.
 */
#define SITES_SQL "WITH inc(site, total, open, silent) AS (SELECT site, count(*),"	\
	"  sum(status <> 'closed'), max(CASE WHEN kind = 'silent_site' AND status <> 'closed'" \
	"  THEN last_seen END) FROM incidents GROUP BY site),"				\
	" camp(site, n) AS (SELECT cs.site, count(*) FROM campaign_sites cs"		\
	"  JOIN campaigns c ON c.id = cs.campaign_id WHERE c.status IN ('active', 'quiet')" \
	"  GROUP BY cs.site),"								\
	" ids(id) AS (SELECT id FROM sites UNION SELECT id FROM site_info"		\
	"  UNION SELECT site FROM inc)"							\
	" SELECT ids.id, s.known, si.id IS NOT NULL, COALESCE(si.agency, ''),"		\
	"  COALESCE(si.region, ''), COALESCE(si.timezone, ''), COALESCE(s.last_event, 0),"	\
	"  COALESCE(s.last_heartbeat, 0), COALESCE(inc.total, 0), COALESCE(inc.open, 0),"	\
	"  inc.silent, COALESCE(camp.n, 0), %s"						\
	" FROM ids LEFT JOIN sites s ON s.id = ids.id LEFT JOIN site_info si ON si.id = ids.id" \
	" LEFT JOIN inc ON inc.site = ids.id LEFT JOIN camp ON camp.site = ids.id"	\
	" WHERE ?1 IS NULL OR ids.id = ?1 ORDER BY ids.id"

/* A time in ms since an earlier one, or null when there is none. */
static void
add_age_or_null(cJSON *o, const char *name, int64_t now, int64_t ms)
{
	if (ms > 0)
		cJSON_AddNumberToObject(o, name, (double)(now > ms ? now - ms : 0));
	else
		cJSON_AddNullToObject(o, name);
}

int
ronda_query_sites(struct ronda_query *q, const struct ronda_query_filter *f, int64_t now,
    cJSON **out)
{
	sqlite3_stmt *st = NULL;
	cJSON *arr = NULL, *o;
	char sql[2048];
	int64_t newest, after;
	int rc, apart, by_site = f != NULL && f->site != NULL && f->site[0] != '\0';

	*out = NULL;
	if (by_site && (rc = q_check_text(q, "site", f->site)) != RONDA_QUERY_OK)
		return rc;
	if ((rc = q_begin(q)) != RONDA_QUERY_OK)
		return rc;
	newest = q_latest(q);
	after = silent_after(q);
	apart = clocks_apart(q);
	/*
	 * Before version 6 the last heartbeat was the collector's stamp, read
	 * as event time: liveness counted back from the newest event then, and
	 * still does for such a store.
	 */
	if (!apart)
		now = newest;
	snprintf(sql, sizeof(sql), SITES_SQL, apart ?
	    "COALESCE(s.late, 0), COALESCE(s.events_heard, 0)" : "0, 0");
	if ((st = q_prep(q, sql)) == NULL) {
		rc = RONDA_QUERY_ERROR;
		goto done;
	}
	if (by_site)
		sqlite3_bind_text(st, 1, f->site, -1, SQLITE_STATIC);
	arr = cJSON_CreateArray();
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		int64_t last_event = sqlite3_column_int64(st, 6);
		int64_t heard = sqlite3_column_int64(st, 7);
		int64_t late = sqlite3_column_int64(st, 12);
		int64_t ev_heard = sqlite3_column_int64(st, 13);
		/*
		 * An open silent_site incident stamped after the last heartbeat:
		 * none came since it was raised (the engine stamps it with the
		 * moment the silence passed silent_after, on its own clock).
		 */
		int open_silent = sqlite3_column_type(st, 10) != SQLITE_NULL &&
		    sqlite3_column_int64(st, 10) > heard;
		int silent = open_silent || (heard > 0 && now - heard > after);
		/*
		 * Stalled: the collector reports, but the site's events stopped
		 * arriving (its log stopped, or nothing happened there). A site
		 * whose events never arrived is not called stalled: nothing
		 * tells a log not yet written from one that stopped.
		 */
		int stalled = !silent && heard > 0 && ev_heard > 0 && now - ev_heard > after;
		int configured = sqlite3_column_int(st, 2) != 0;

		o = cJSON_CreateObject();
		q_add_col_str(o, "id", st, 0);
		/* known: configured in the correlator (the sites row says so too). */
		cJSON_AddBoolToObject(o, "known", configured ||
		    (sqlite3_column_type(st, 1) != SQLITE_NULL && sqlite3_column_int(st, 1)));
		q_add_col_str(o, "agency", st, 3);
		q_add_col_str(o, "region", st, 4);
		q_add_col_str(o, "timezone", st, 5);
		/* Event time: what the site's logs say. */
		q_add_time_or_null(o, "last_event", last_event);
		if (last_event > 0 && newest >= last_event)
			cJSON_AddNumberToObject(o, "lag_ms", (double)(newest - last_event));
		else
			cJSON_AddNullToObject(o, "lag_ms");
		cJSON_AddNumberToObject(o, "late", (double)(late > 0 ? late : 0));
		/* Processing time: when the correlator heard the site. */
		q_add_time_or_null(o, "last_heard", heard);
		add_age_or_null(o, "heard_age_ms", now, heard);
		q_add_time_or_null(o, "events_heard", ev_heard);
		/* The names of versions before 6, kept for their readers. */
		q_add_time_or_null(o, "last_heartbeat", heard);
		add_age_or_null(o, "heartbeat_age_ms", now, heard);
		cJSON_AddNumberToObject(o, "silent_after_ms", (double)after);
		cJSON_AddBoolToObject(o, "silent", silent);
		cJSON_AddBoolToObject(o, "stalled", stalled);
		cJSON_AddNumberToObject(o, "incidents", (double)sqlite3_column_int64(st, 8));
		cJSON_AddNumberToObject(o, "open_incidents", (double)sqlite3_column_int64(st, 9));
		cJSON_AddNumberToObject(o, "active_campaigns",
		    (double)sqlite3_column_int64(st, 11));
		cJSON_AddItemToArray(arr, o);
	}
	if (rc != SQLITE_DONE) {
		rc = q_dberr(q);
		cJSON_Delete(arr);
		arr = NULL;
		goto done;
	}
	if (by_site && cJSON_GetArraySize(arr) == 0) {
		rc = q_setmsg(q, RONDA_QUERY_NOTFOUND, "site %s: no such site", f->site);
		cJSON_Delete(arr);
		arr = NULL;
		goto done;
	}
	rc = RONDA_QUERY_OK;
	*out = arr;
done:
	sqlite3_finalize(st);
	q_end(q);
	return rc;
}

/* ---- times ------------------------------------------------------------ */

static int
ndigits(const char *p, int n, unsigned *out)
{
	unsigned v = 0;

	for (int i = 0; i < n; i++) {
		if (p[i] < '0' || p[i] > '9')
			return -1;
		v = v * 10 + (unsigned)(p[i] - '0');
	}
	*out = v;
	return 0;
}

static unsigned
month_days(unsigned y, unsigned m)
{
	static const unsigned char d[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };

	if (m == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0))
		return 29;
	return d[m - 1];
}

static int
time_err(char *err, size_t errlen, const char *s, const char *why)
{
	char shown[64];
	struct ronda_buf b;

	/* The value may be anything a user or a URL sent: shown escaped, cut. */
	ronda_buf_init(&b, 48);
	ronda_buf_term_str(&b, s, strnlen(s, 40));
	snprintf(shown, sizeof(shown), "%s%s", b.len > 0 ? b.data : "", strlen(s) > 40 ? "..." : "");
	ronda_buf_release(&b);
	snprintf(err, errlen, "bad time '%s': %s", shown, why);
	return -1;
}

int
ronda_query_parse_time(const char *s, int64_t now_ms, const char *zone, int64_t *out,
    char *err, size_t errlen)
{
	size_t n = s != NULL ? strlen(s) : 0;
	unsigned y, mo, d, h = 0, mi = 0, sec = 0, frac = 0;
	size_t i;
	int64_t local, off = 0;
	int has_off = 0;
	struct ronda_tz *tz;
	char tzerr[256];

	if (n == 0)
		return time_err(err, errlen, "", "empty");
	if (strcmp(s, "now") == 0) {
		*out = now_ms;
		return 0;
	}
	/* A duration back from now: digits and one unit. */
	if (s[0] >= '0' && s[0] <= '9' && (n < 5 || s[4] != '-')) {
		uint64_t v = 0;
		int64_t unit;

		for (i = 0; i < n && s[i] >= '0' && s[i] <= '9'; i++) {
			v = v * 10 + (uint64_t)(s[i] - '0');
			if (v > 100000000u)
				return time_err(err, errlen, s, "too far back");
		}
		if (i + 1 != n)
			return time_err(err, errlen, s,
			    "want a number and a unit (90m, 24h, 7d), or a date (2026-11-16)");
		switch (s[i]) {
		case 's': unit = 1000; break;
		case 'm': unit = 60 * 1000; break;
		case 'h': unit = 3600 * 1000; break;
		case 'd': unit = 86400 * 1000; break;
		case 'w': unit = 7 * 86400 * 1000LL; break;
		default:
			return time_err(err, errlen, s, "unit is one of s, m, h, d, w");
		}
		if (v == 0)
			return time_err(err, errlen, s, "zero");
		*out = now_ms - (int64_t)v * unit;
		return 0;
	}
	/* A date, or a date and a wall time, in zone unless an offset follows. */
	if (n < 10 || ndigits(s, 4, &y) || s[4] != '-' || ndigits(s + 5, 2, &mo) ||
	    s[7] != '-' || ndigits(s + 8, 2, &d))
		return time_err(err, errlen, s,
		    "want a number and a unit (90m, 24h, 7d), or a date (2026-11-16)");
	if (mo < 1 || mo > 12 || d < 1 || d > month_days(y, mo) || y < 1970)
		return time_err(err, errlen, s, "no such date");
	i = 10;
	if (n > 10) {
		if ((s[10] != 'T' && s[10] != 't' && s[10] != ' ') || n < 16 ||
		    ndigits(s + 11, 2, &h) || s[13] != ':' || ndigits(s + 14, 2, &mi) ||
		    h > 23 || mi > 59)
			return time_err(err, errlen, s, "want YYYY-MM-DD[THH:MM[:SS]][Z|+08:00]");
		i = 16;
		if (i < n && s[i] == ':') {
			if (i + 3 > n || ndigits(s + i + 1, 2, &sec) || sec > 59)
				return time_err(err, errlen, s,
				    "want YYYY-MM-DD[THH:MM[:SS]][Z|+08:00]");
			i += 3;
			if (i < n && s[i] == '.') {
				size_t fd = 0;
				for (i++; i < n && s[i] >= '0' && s[i] <= '9'; i++, fd++)
					if (fd < 3)
						frac = frac * 10 + (unsigned)(s[i] - '0');
				if (fd == 0)
					return time_err(err, errlen, s, "empty fraction");
				for (; fd < 3; fd++)
					frac *= 10;
			}
		}
		if (i < n && (s[i] == 'Z' || s[i] == 'z') && i + 1 == n) {
			zone = NULL;		/* UTC as written */
			i++;
		} else if (i < n && (s[i] == '+' || s[i] == '-')) {
			unsigned oh, om;
			if (i + 6 != n || ndigits(s + i + 1, 2, &oh) || s[i + 3] != ':' ||
			    ndigits(s + i + 4, 2, &om) || oh > 23 || om > 59)
				return time_err(err, errlen, s, "offset: want +HH:MM");
			off = (int64_t)(oh * 3600 + om * 60) * (s[i] == '-' ? -1 : 1);
			has_off = 1;
			i = n;
		}
		if (i != n)
			return time_err(err, errlen, s, "trailing characters");
	}
	if (has_off) {
		*out = (ronda_timegm(y, mo, d, h, mi, sec) - off) * 1000 + frac;
		return 0;
	}
	local = ronda_timegm(y, mo, d, h, mi, sec);
	if (zone == NULL || zone[0] == '\0' || strcmp(zone, "UTC") == 0) {
		*out = local * 1000 + frac;
		return 0;
	}
	if ((tz = ronda_tz_new(zone, tzerr, sizeof(tzerr))) == NULL)
		return time_err(err, errlen, s, tzerr);
	*out = ronda_tz_local_to_utc(tz, local) * 1000 + frac;
	ronda_tz_free(tz);
	return 0;
}

/* ---- ids cut short ---------------------------------------------------- */

int
ronda_query_resolve(struct ronda_query *q, enum ronda_query_what what, const char *prefix,
    char *out, size_t outlen)
{
	const char *table = what == RONDA_QUERY_CAMPAIGN ? "campaigns" : "incidents";
	const char *noun = what == RONDA_QUERY_CAMPAIGN ? "campaign" : "incident";
	char sql[160], upper[80];
	sqlite3_stmt *st = NULL;
	size_t n = prefix != NULL ? strlen(prefix) : 0;
	int rc, found = 0, exact = 0;

	if (n < 4 || n > 64 || (what == RONDA_QUERY_CAMPAIGN ? !q_is_campaign_id(prefix) : 0))
		return q_setmsg(q, RONDA_QUERY_BADARG, "%s id: give at least 4 characters", noun);
	if (what == RONDA_QUERY_INCIDENT) {
		for (size_t i = 0; i < n; i++)
			if (hexval((unsigned char)prefix[i]) < 0 || n > 32)
				return q_setmsg(q, RONDA_QUERY_BADARG, "incident id: hex digits, up to 32");
	}
	/* The ids in [prefix, prefix with its last byte + 1): an index range. */
	memcpy(upper, prefix, n + 1);
	upper[n - 1]++;
	snprintf(sql, sizeof(sql), "SELECT id FROM %s WHERE id >= ? AND id < ? ORDER BY id LIMIT 2",
	    table);
	if ((rc = q_begin(q)) != RONDA_QUERY_OK)
		return rc;
	if ((st = q_prep(q, sql)) == NULL) {
		rc = RONDA_QUERY_ERROR;
		goto done;
	}
	sqlite3_bind_text(st, 1, prefix, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, upper, -1, SQLITE_STATIC);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const char *id = (const char *)sqlite3_column_text(st, 0);
		if (found++ == 0)
			snprintf(out, outlen, "%s", id);
		if (strcmp(id, prefix) == 0)
			exact = 1;	/* the whole id, though a longer one starts with it */
	}
	if (exact) {
		snprintf(out, outlen, "%s", prefix);
		found = 1;
	}
	if (rc != SQLITE_DONE)
		rc = q_dberr(q);
	else if (found == 0)
		rc = q_setmsg(q, RONDA_QUERY_NOTFOUND, "%s %s: no such %s", noun, prefix, noun);
	else if (found > 1)
		rc = q_setmsg(q, RONDA_QUERY_BADARG, "%s %s: several ids start with it; give more",
		    noun, prefix);
	else
		rc = RONDA_QUERY_OK;
done:
	sqlite3_finalize(st);
	q_end(q);
	return rc;
}
