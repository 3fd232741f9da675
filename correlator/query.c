/*
 * query.c — the read-only queries behind `ronda` and the HTTP API.
 *
 * Every call runs in one read transaction (BEGIN ... COMMIT on a read-only
 * connection), so the rows it joins come from one committed batch of the
 * correlator. Filters become a WHERE clause with bound parameters only; no
 * value from a caller is ever pasted into SQL.
 */
#include "query.h"

#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <sqlite3.h>

#include "indicator.h"
#include "triage.h"
#include "ronda/buf.h"
#include "ronda/timeutil.h"
#include "ronda/tz.h"

#define QUERY_BUSY_MS 2000
#define QUERY_VERSION_MIN 4
#define QUERY_VERSION_MAX 8
#define QUERY_TOP 10		/* top IPs / networks in a summary */
#define QUERY_NOTABLE 20	/* high/critical incidents listed in a summary */
#define QUERY_CAMPAIGN_EVIDENCE 3	/* evidence lines per site in a campaign timeline */
#define QUERY_CAMPAIGN_EV_MAX 60
#define QUERY_SILENT_AFTER (15 * 60 * 1000)	/* silent_after when the store has no setting */

struct ronda_query {
	sqlite3 *db;
	char path[512];
	char err[512];
	char **allow;		/* the stored allowlist's ip and net values (summary) */
	size_t nallow;
	int has_triage;		/* schema version 8: triage, audit, suppressions */
	sqlite3_stmt *trow, *tnotes;	/* triage reads, prepared at the first use */
};

static const char *const triage_states[] = { "new", "acknowledged", "assigned", "closed",
	NULL };

static const char *const sev_names[] = { "none", "low", "medium", "high", "critical" };

static const char *const incident_kinds[] = {
	"ssh_bruteforce", "ftp_bruteforce", "mail_bruteforce", "smtp_bruteforce",
	"sudo_bruteforce", "su_bruteforce", "password_spray", "compromise", "cms_bruteforce", "scan", "webshell", "sqli",
	"lfi", "rce", "gambling", "defacement", "flood", "http_5xx_surge", "silent_site",
	NULL
};
static const char *const incident_statuses[] = { "open", "closed", "reopened", "active", NULL };
static const char *const campaign_statuses[] = {
	"candidate", "active", "quiet", "closed", "merged", NULL
};

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

static int
in_list(const char *s, const char *const *list)
{
	for (; *list != NULL; list++)
		if (strcmp(s, *list) == 0)
			return 1;
	return 0;
}

static int
setmsg(struct ronda_query *q, int rc, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int
setmsg(struct ronda_query *q, int rc, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(q->err, sizeof(q->err), fmt, ap);
	va_end(ap);
	return rc;
}

/* The store failed: name it and SQLite's reason. */
static int
dberr(struct ronda_query *q)
{
	return setmsg(q, RONDA_QUERY_ERROR, "%s: %s", q->path, sqlite3_errmsg(q->db));
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
static cJSON *
json_bytes(const unsigned char *p, size_t n)
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

static cJSON *
col_json_str(sqlite3_stmt *st, int col)
{
	const unsigned char *p = sqlite3_column_text(st, col);
	return json_bytes(p, (size_t)sqlite3_column_bytes(st, col));
}

static void
add_col_str(cJSON *o, const char *name, sqlite3_stmt *st, int col)
{
	cJSON_AddItemToObject(o, name, col_json_str(st, col));
}

static cJSON *
json_time(int64_t ms)
{
	char ts[RONDA_TS_LEN + 1];

	ronda_fmt_utc_ms(ts, ms);
	return cJSON_CreateString(ts);
}

static void
add_time(cJSON *o, const char *name, int64_t ms)
{
	cJSON_AddItemToObject(o, name, json_time(ms));
}

/* A time that may be absent (0 in the store): null then. */
static void
add_time_or_null(cJSON *o, const char *name, int64_t ms)
{
	if (ms > 0)
		add_time(o, name, ms);
	else
		cJSON_AddNullToObject(o, name);
}

/*
 * A JSON array column (attacker_ips, users, rule_ids): its string items, at
 * most max, each re-checked as UTF-8. Anything else in the column (a
 * corrupt row) gives an empty array rather than a wrong type.
 */
static cJSON *
json_array_col(sqlite3_stmt *st, int col, int max)
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
			cJSON_AddItemToArray(out, json_bytes((const unsigned char *)it->valuestring,
			    strlen(it->valuestring)));
			n++;
		}
	}
	cJSON_Delete(in);
	return out;
}

/* ---- statements ------------------------------------------------------ */

static sqlite3_stmt *
prep(struct ronda_query *q, const char *sql)
{
	sqlite3_stmt *st = NULL;

	if (sqlite3_prepare_v2(q->db, sql, -1, &st, NULL) != SQLITE_OK) {
		dberr(q);
		return NULL;
	}
	return st;
}

static int
begin(struct ronda_query *q)
{
	if (sqlite3_exec(q->db, "BEGIN", NULL, NULL, NULL) != SQLITE_OK)
		return dberr(q);
	return RONDA_QUERY_OK;
}

static void
end(struct ronda_query *q)
{
	if (!sqlite3_get_autocommit(q->db))
		(void)sqlite3_exec(q->db, "COMMIT", NULL, NULL, NULL);
}

/* A WHERE clause under construction, with its bound values in order. */
#define W_MAX 24
struct where {
	struct ronda_buf sql;
	int n;
	struct {
		int is_text;
		const char *s;
		int64_t i;
	} v[W_MAX];
};

static void
w_init(struct where *w)
{
	ronda_buf_init(&w->sql, 4096);
	w->n = 0;
	ronda_buf_puts(&w->sql, " WHERE 1");
}

static void
w_text(struct where *w, const char *clause, const char *s)
{
	if (w->n >= W_MAX)
		return;
	ronda_buf_puts(&w->sql, clause);
	w->v[w->n].is_text = 1;
	w->v[w->n].s = s;
	w->n++;
}

static void
w_int(struct where *w, const char *clause, int64_t i)
{
	if (w->n >= W_MAX)
		return;
	ronda_buf_puts(&w->sql, clause);
	w->v[w->n].is_text = 0;
	w->v[w->n].i = i;
	w->n++;
}

static void
w_bind(const struct where *w, sqlite3_stmt *st, int first)
{
	for (int i = 0; i < w->n; i++) {
		if (w->v[i].is_text)
			sqlite3_bind_text(st, first + i, w->v[i].s, -1, SQLITE_STATIC);
		else
			sqlite3_bind_int64(st, first + i, w->v[i].i);
	}
}

/* Severity at least min: " AND <col> IN ('high','critical')" with binds. */
static void
w_severity(struct where *w, const char *col, int min)
{
	char clause[96];

	for (int r = min; r <= 4; r++) {
		snprintf(clause, sizeof(clause), "%s%s%s", r == min ? " AND " : "",
		    r == min ? col : "", r == min ? " IN (?" : ",?");
		w_text(w, clause, sev_names[r]);
	}
	ronda_buf_puts(&w->sql, ")");
}

/* ---- filters and cursors --------------------------------------------- */

static int
check_text(struct ronda_query *q, const char *field, const char *v)
{
	size_t n = strlen(v);

	if (n == 0 || n > 253)
		return setmsg(q, RONDA_QUERY_BADARG, "%s: must be 1..253 characters", field);
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)v[i] < 0x20 || v[i] == 0x7f)
			return setmsg(q, RONDA_QUERY_BADARG, "%s: control character", field);
	return RONDA_QUERY_OK;
}

static int
check_limit(struct ronda_query *q, const struct ronda_query_filter *f, int64_t *limit)
{
	if (f->limit < 0)
		return setmsg(q, RONDA_QUERY_BADARG, "limit: must be 1..%d", RONDA_QUERY_LIMIT_MAX);
	if (f->offset < 0)
		return setmsg(q, RONDA_QUERY_BADARG, "offset: must be >= 0");
	*limit = f->limit == 0 ? RONDA_QUERY_LIMIT_DEFAULT : f->limit;
	if (*limit > RONDA_QUERY_LIMIT_MAX)
		*limit = RONDA_QUERY_LIMIT_MAX;
	if (f->since != INT64_MIN && f->until != INT64_MAX && f->since > f->until)
		return setmsg(q, RONDA_QUERY_BADARG, "since: after until");
	return RONDA_QUERY_OK;
}

static const char hexd[] = "0123456789abcdef";

/*
 * Cursor "<last_seen ms>.<hex of the id>": the last row of the previous
 * page. Keyset paging, so rows committed between two pages neither repeat
 * nor vanish from the pages after it.
 */
static void
cursor_make(char out[RONDA_QUERY_CURSOR_MAX], int64_t last_seen, const char *id)
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

static int
cursor_parse(struct ronda_query *q, const char *c, int64_t *last_seen, char *id, size_t idlen)
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
	return setmsg(q, RONDA_QUERY_BADARG, "cursor: not one this server made");
}

static int
is_incident_id(const char *id)
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
static int
is_campaign_id(const char *id)
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
 * ip or net entry, CIDR or bare), as loaded by load_allow(); else 0.
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
static void
load_allow(struct ronda_query *q)
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

static int64_t
one_int(struct ronda_query *q, const char *sql, int64_t dflt)
{
	sqlite3_stmt *st = prep(q, sql);
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
	return one_int(q, "SELECT count(*) FROM pragma_table_info('sites')"
	    " WHERE name IN ('late', 'events_heard')", 0) == 2;
}

/* The correlator's detectors.silent_after as it last stored it, else the default. */
static int64_t
silent_after(struct ronda_query *q)
{
	int64_t v = QUERY_SILENT_AFTER;

	if (one_int(q, "SELECT count(*) FROM sqlite_master WHERE type = 'table'"
	    " AND name = 'settings'", 0) == 1)
		v = one_int(q, "SELECT value FROM settings WHERE name = 'silent_after_ms'",
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
static int64_t
latest(struct ronda_query *q)
{
	int64_t wm, ls, se;
	int apart = clocks_apart(q);

	se = one_int(q, "SELECT max(last_event) FROM sites", 0);
	if (se > 0 && apart)
		return se;
	ls = one_int(q, "SELECT max(last_seen) FROM incidents WHERE kind <> 'silent_site'", 0);
	wm = one_int(q, "SELECT max(watermark) FROM offsets", 0);
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

	if (begin(q) != RONDA_QUERY_OK)
		return 0;
	v = latest(q);
	end(q);
	return v;
}

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
static int
add_triage(struct ronda_query *q, cJSON *o, const char *object, const char *id, int full)
{
	cJSON *t = triage_of(q, object, id, full);

	if (t == NULL)
		return dberr(q);
	cJSON_DeleteItemFromObject(o, "triage");
	cJSON_AddItemToObject(o, "triage", t);
	return RONDA_QUERY_OK;
}

/* triage= of a list: the rows of table (incidents, campaigns) in that state. */
static int
w_triage(struct ronda_query *q, struct where *w, const char *object, const char *table,
    const char *state)
{
	char clause[256];

	if (state == NULL || state[0] == '\0')
		return RONDA_QUERY_OK;
	if (!in_list(state, triage_states))
		return setmsg(q, RONDA_QUERY_BADARG,
		    "triage: one of new, acknowledged, assigned, closed");
	if (!q->has_triage) {
		w_text(w, " AND 'new' = ?", state);
		return RONDA_QUERY_OK;
	}
	snprintf(clause, sizeof(clause), " AND COALESCE((SELECT t.state FROM triage t WHERE"
	    " t.object = '%s' AND t.object_id = %s.id), 'new') = ?", object, table);
	w_text(w, clause, state);
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
	cJSON *o = cJSON_CreateObject(), *arr, *it;
	int64_t n;
	int rc;

	add_col_str(o, "id", st, 0);
	add_col_str(o, "site", st, 1);
	cJSON_AddBoolToObject(o, "site_known", sqlite3_column_int(st, 10) != 0);
	add_col_str(o, "kind", st, 2);
	add_col_str(o, "key", st, 3);
	add_col_str(o, "severity", st, 4);
	add_col_str(o, "status", st, 5);
	n = sqlite3_column_int64(st, 9);
	cJSON_AddNumberToObject(o, "reopen_count", (double)(n < 0 ? 0 : n));
	add_time(o, "first_seen", sqlite3_column_int64(st, 6));
	add_time(o, "last_seen", sqlite3_column_int64(st, 7));
	n = sqlite3_column_int64(st, 8);
	cJSON_AddNumberToObject(o, "event_count", (double)(n < 1 ? 1 : n));
	cJSON_AddItemToObject(o, "attacker_ips", json_array_col(st, 11, 8));
	cJSON_AddItemToObject(o, "users", json_array_col(st, 12, 8));
	cJSON_AddItemToObject(o, "rule_ids", json_array_col(st, 13, 8));

	arr = cJSON_AddArrayToObject(o, "indicators");
	sqlite3_reset(ind);
	sqlite3_bind_text(ind, 1, (const char *)sqlite3_column_text(st, 0), -1, SQLITE_TRANSIENT);
	while ((rc = sqlite3_step(ind)) == SQLITE_ROW) {
		it = cJSON_CreateObject();
		add_col_str(it, "type", ind, 0);
		add_col_str(it, "value", ind, 1);
		add_time(it, "first_seen", sqlite3_column_int64(ind, 2));
		cJSON_AddItemToArray(arr, it);
	}
	if (rc != SQLITE_DONE)
		goto fail;
	arr = cJSON_AddArrayToObject(o, "evidence");
	sqlite3_reset(ev);
	sqlite3_bind_text(ev, 1, (const char *)sqlite3_column_text(st, 0), -1, SQLITE_TRANSIENT);
	while ((rc = sqlite3_step(ev)) == SQLITE_ROW) {
		it = cJSON_CreateObject();
		add_time(it, "ts", sqlite3_column_int64(ev, 0));
		add_col_str(it, "line", ev, 1);
		cJSON_AddItemToArray(arr, it);
	}
	if (rc != SQLITE_DONE)
		goto fail;
	if ((rc = add_triage(q, o, "incident", (const char *)sqlite3_column_text(st, 0), 0)) !=
	    RONDA_QUERY_OK) {
		cJSON_Delete(o);
		return rc;
	}
	*out = o;
	return RONDA_QUERY_OK;
fail:
	cJSON_Delete(o);
	return dberr(q);
}

static int
incident_subqueries(struct ronda_query *q, sqlite3_stmt **ind, sqlite3_stmt **ev)
{
	*ind = prep(q, "SELECT type, value, first_seen FROM indicators WHERE incident_id = ?"
	    " ORDER BY first_seen, type, value LIMIT 64");
	*ev = prep(q, "SELECT ts, line FROM evidence WHERE incident_id = ? ORDER BY seq");
	if (*ind == NULL || *ev == NULL) {
		sqlite3_finalize(*ind);
		sqlite3_finalize(*ev);
		return RONDA_QUERY_ERROR;
	}
	return RONDA_QUERY_OK;
}

/* The WHERE clause of an incident filter (without the cursor). */
static int
incident_where(struct ronda_query *q, const struct ronda_query_filter *f, struct where *w)
{
	int rc;

	w_init(w);
	if (f->since != INT64_MIN)
		w_int(w, " AND last_seen >= ?", f->since);
	if (f->until != INT64_MAX)
		w_int(w, " AND first_seen < ?", f->until);
	if (f->site != NULL && f->site[0] != '\0') {
		if ((rc = check_text(q, "site", f->site)) != RONDA_QUERY_OK)
			return rc;
		w_text(w, " AND site = ?", f->site);
	}
	if (f->kind != NULL && f->kind[0] != '\0') {
		if (!in_list(f->kind, incident_kinds))
			return setmsg(q, RONDA_QUERY_BADARG, "kind: unknown incident kind");
		w_text(w, " AND kind = ?", f->kind);
	}
	if (f->severity != NULL && f->severity[0] != '\0') {
		int r = ronda_query_severity_rank(f->severity);
		if (r < 1)
			return setmsg(q, RONDA_QUERY_BADARG,
			    "severity: one of low, medium, high, critical");
		w_severity(w, "severity", r);
	}
	if (f->status != NULL && f->status[0] != '\0') {
		if (!in_list(f->status, incident_statuses))
			return setmsg(q, RONDA_QUERY_BADARG,
			    "status: one of open, closed, reopened, active");
		if (strcmp(f->status, "active") == 0)
			w_text(w, " AND status <> ?", "closed");
		else
			w_text(w, " AND status = ?", f->status);
	}
	return w_triage(q, w, "incident", "incidents", f->triage);
}

/*
 * A page of a list: the rows of `sel FROM table WHERE ... ORDER BY
 * last_seen DESC, id DESC`, with keyset or offset paging, each row turned
 * into an object by fn. idcol and lscol name the row's id and last_seen
 * columns in sel's result.
 */
struct lister {
	const char *select;	/* "SELECT cols FROM table" */
	const char *from;	/* "FROM table" for the count */
	int idcol, lscol;
	int (*fn)(struct ronda_query *q, sqlite3_stmt *st, void *arg, cJSON **out);
	void *arg;
};

static int
list_page(struct ronda_query *q, const struct ronda_query_filter *f, struct where *w,
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
	if ((rc = check_limit(q, f, &limit)) != RONDA_QUERY_OK)
		return rc;
	if (have_cursor && (rc = cursor_parse(q, f->cursor, &cur_ls, cur_id,
	    sizeof(cur_id))) != RONDA_QUERY_OK)
		return rc;
	if (w->sql.overflow || w->n >= W_MAX)
		return setmsg(q, RONDA_QUERY_BADARG, "filter: too many conditions");

	ronda_buf_init(&sql, 8192);
	if (page != NULL) {
		ronda_buf_printf(&sql, "SELECT count(*) %s%s", l->from, w->sql.data);
		if ((st = prep(q, sql.data)) == NULL)
			goto dbfail;
		w_bind(w, st, 1);
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
	if ((st = prep(q, sql.data)) == NULL)
		goto dbfail;
	w_bind(w, st, 1);
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
				cursor_make(page->next_cursor, prev_ls, prev_id);
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
	rc = dberr(q);
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
	if ((rc = incident_where(q, f, &w)) != RONDA_QUERY_OK)
		goto done;
	if ((rc = begin(q)) != RONDA_QUERY_OK)
		goto done;
	if ((rc = incident_subqueries(q, &sub[0], &sub[1])) == RONDA_QUERY_OK)
		rc = list_page(q, f, &w, &l, out, page);
	sqlite3_finalize(sub[0]);
	sqlite3_finalize(sub[1]);
	end(q);
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
	if (id == NULL || !is_incident_id(id))
		return setmsg(q, RONDA_QUERY_BADARG, "incident id: 32 hex digits");
	if ((rc = begin(q)) != RONDA_QUERY_OK)
		return rc;
	if ((rc = incident_subqueries(q, &ind, &ev)) != RONDA_QUERY_OK)
		goto done;
	if ((st = prep(q, "SELECT " INC_COLS " FROM incidents WHERE id = ?")) == NULL) {
		rc = RONDA_QUERY_ERROR;
		goto done;
	}
	sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	switch (sqlite3_step(st)) {
	case SQLITE_ROW:
		rc = incident_obj(q, st, ind, ev, out);
		if (rc == RONDA_QUERY_OK && (rc = add_triage(q, *out, "incident", id, 1)) !=
		    RONDA_QUERY_OK) {
			cJSON_Delete(*out);
			*out = NULL;
		}
		break;
	case SQLITE_DONE:
		rc = setmsg(q, RONDA_QUERY_NOTFOUND, "incident %s: no such incident", id);
		break;
	default:
		rc = dberr(q);
	}
done:
	sqlite3_finalize(st);
	sqlite3_finalize(ind);
	sqlite3_finalize(ev);
	end(q);
	return rc;
}

int
ronda_query_incident_campaigns(struct ronda_query *q, const char *id, cJSON **out)
{
	sqlite3_stmt *st;
	cJSON *arr, *o;
	int rc;

	*out = NULL;
	if (id == NULL || !is_incident_id(id))
		return setmsg(q, RONDA_QUERY_BADARG, "incident id: 32 hex digits");
	if ((rc = begin(q)) != RONDA_QUERY_OK)
		return rc;
	st = prep(q, "SELECT c.id, c.title, c.kind, c.severity, c.status, c.site_count"
	    " FROM campaign_incidents ci JOIN campaigns c ON c.id = ci.campaign_id"
	    " WHERE ci.incident_id = ? AND c.status <> 'merged' ORDER BY ci.joined, c.id");
	if (st == NULL) {
		end(q);
		return RONDA_QUERY_ERROR;
	}
	sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	arr = cJSON_CreateArray();
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		o = cJSON_CreateObject();
		add_col_str(o, "id", st, 0);
		add_col_str(o, "title", st, 1);
		add_col_str(o, "kind", st, 2);
		add_col_str(o, "severity", st, 3);
		add_col_str(o, "status", st, 4);
		cJSON_AddNumberToObject(o, "site_count", (double)sqlite3_column_int64(st, 5));
		cJSON_AddItemToArray(arr, o);
	}
	if (rc != SQLITE_DONE) {
		rc = dberr(q);
		cJSON_Delete(arr);
	} else {
		rc = RONDA_QUERY_OK;
		*out = arr;
	}
	sqlite3_finalize(st);
	end(q);
	return rc;
}

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
	c->sites = prep(q, "SELECT cs.site, COALESCE(si.agency, ''), COALESCE(si.region, ''),"
	    " COALESCE(si.timezone, ''), cs.first_seen, cs.last_seen, cs.incidents"
	    " FROM campaign_sites cs LEFT JOIN site_info si ON si.id = cs.site"
	    " WHERE cs.campaign_id = ? ORDER BY cs.first_seen, cs.site");
	c->ind = prep(q, "SELECT type, value, sites, weight FROM campaign_indicators"
	    " WHERE campaign_id = ? ORDER BY sites DESC, weight DESC, type, value LIMIT 64");
	c->merges = prep(q, "SELECT from_id, at, type, value FROM campaign_merges"
	    " WHERE into_id = ? ORDER BY at, from_id");
	c->incs = prep(q, "SELECT incident_id FROM campaign_incidents WHERE campaign_id = ?"
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
	return rc == SQLITE_DONE ? RONDA_QUERY_OK : dberr(q);
}

/* Run st (bound to the campaign id) and add its first column of each row as a string. */
static int
each_id(struct ronda_query *q, sqlite3_stmt *st, const char *id, cJSON *arr)
{
	int rc;

	sqlite3_reset(st);
	sqlite3_bind_text(st, 1, id, -1, SQLITE_TRANSIENT);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		cJSON_AddItemToArray(arr, col_json_str(st, 0));
	return rc == SQLITE_DONE ? RONDA_QUERY_OK : dberr(q);
}

static void
camp_site_row(sqlite3_stmt *st, cJSON *o)
{
	add_col_str(o, "site", st, 0);
	add_col_str(o, "agency", st, 1);
	add_col_str(o, "region", st, 2);
	add_col_str(o, "timezone", st, 3);
	add_time(o, "first_seen", sqlite3_column_int64(st, 4));
	add_time(o, "last_seen", sqlite3_column_int64(st, 5));
	cJSON_AddNumberToObject(o, "incidents", (double)sqlite3_column_int64(st, 6));
}

static void
camp_ind_row(sqlite3_stmt *st, cJSON *o)
{
	add_col_str(o, "type", st, 0);
	add_col_str(o, "value", st, 1);
	cJSON_AddNumberToObject(o, "sites", (double)sqlite3_column_int64(st, 2));
	cJSON_AddNumberToObject(o, "weight", sqlite3_column_double(st, 3));
}

static void
camp_merge_row(sqlite3_stmt *st, cJSON *o)
{
	add_col_str(o, "id", st, 0);
	add_time(o, "at", sqlite3_column_int64(st, 1));
	add_col_str(o, "type", st, 2);
	add_col_str(o, "value", st, 3);
}

/* The campaign object of the row at st (CAMP_COLS): sites, indicators, merges. */
static int
campaign_obj(struct ronda_query *q, sqlite3_stmt *st, struct camp_sub *c, cJSON **out)
{
	cJSON *o = cJSON_CreateObject();
	char id[256];
	int rc;

	snprintf(id, sizeof(id), "%s", (const char *)sqlite3_column_text(st, 0));
	add_col_str(o, "id", st, 0);
	add_col_str(o, "kind", st, 1);
	add_col_str(o, "link", st, 2);
	add_col_str(o, "title", st, 3);
	add_col_str(o, "severity", st, 4);
	add_col_str(o, "status", st, 5);
	if (sqlite3_column_bytes(st, 6) > 0)
		add_col_str(o, "merged_into", st, 6);
	else
		cJSON_AddNullToObject(o, "merged_into");
	add_time(o, "first_seen", sqlite3_column_int64(st, 7));
	add_time(o, "last_seen", sqlite3_column_int64(st, 8));
	add_time_or_null(o, "reported", sqlite3_column_int64(st, 9));
	cJSON_AddNumberToObject(o, "site_count", (double)sqlite3_column_int64(st, 10));
	cJSON_AddNumberToObject(o, "incident_count", (double)sqlite3_column_int64(st, 11));
	cJSON_AddItemToObject(o, "attacker_ips", json_array_col(st, 12, 16));
	if ((rc = each_row(q, c->sites, id, cJSON_AddArrayToObject(o, "sites"),
	    camp_site_row)) != RONDA_QUERY_OK ||
	    (rc = each_row(q, c->ind, id, cJSON_AddArrayToObject(o, "indicators"),
	    camp_ind_row)) != RONDA_QUERY_OK ||
	    (rc = each_row(q, c->merges, id, cJSON_AddArrayToObject(o, "merged_from"),
	    camp_merge_row)) != RONDA_QUERY_OK ||
	    (rc = each_id(q, c->incs, id, cJSON_AddArrayToObject(o, "incident_ids"))) !=
	    RONDA_QUERY_OK || (rc = add_triage(q, o, "campaign", id, 0)) != RONDA_QUERY_OK) {
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
	w_init(&w);
	if (f->since != INT64_MIN)
		w_int(&w, " AND last_seen >= ?", f->since);
	if (f->until != INT64_MAX)
		w_int(&w, " AND first_seen < ?", f->until);
	if (f->site != NULL && f->site[0] != '\0') {
		if ((rc = check_text(q, "site", f->site)) != RONDA_QUERY_OK)
			goto done;
		w_text(&w, " AND id IN (SELECT campaign_id FROM campaign_sites WHERE site = ?)",
		    f->site);
	}
	if (f->kind != NULL && f->kind[0] != '\0') {
		if ((rc = check_text(q, "kind", f->kind)) != RONDA_QUERY_OK)
			goto done;
		w_text(&w, " AND kind = ?", f->kind);
	}
	if (f->severity != NULL && f->severity[0] != '\0') {
		int r = ronda_query_severity_rank(f->severity);
		if (r < 1) {
			rc = setmsg(q, RONDA_QUERY_BADARG,
			    "severity: one of low, medium, high, critical");
			goto done;
		}
		w_severity(&w, "severity", r);
	}
	if (f->status != NULL && f->status[0] != '\0') {
		if (!in_list(f->status, campaign_statuses)) {
			rc = setmsg(q, RONDA_QUERY_BADARG,
			    "status: one of candidate, active, quiet, closed, merged");
			goto done;
		}
		w_text(&w, " AND status = ?", f->status);
	} else {
		/* A merged campaign lives on in the one it merged into. */
		w_text(&w, " AND status <> ?", "merged");
	}
	if ((rc = w_triage(q, &w, "campaign", "campaigns", f->triage)) != RONDA_QUERY_OK)
		goto done;
	if ((rc = begin(q)) != RONDA_QUERY_OK)
		goto done;
	if ((rc = camp_sub_prep(q, &c)) == RONDA_QUERY_OK)
		rc = list_page(q, f, &w, &l, out, page);
	camp_sub_free(&c);
	end(q);
done:
	ronda_buf_release(&w.sql);
	return rc;
}

/*
 * The timeline of one campaign: its incidents in joining order (with the
 * incident's own times and counts), and up to QUERY_CAMPAIGN_EVIDENCE
 * evidence lines from each site, oldest first.
 */
static int
campaign_timeline(struct ronda_query *q, const char *id, cJSON *o)
{
	sqlite3_stmt *st;
	cJSON *arr, *it;
	int rc;

	st = prep(q, "SELECT ci.incident_id, ci.site, ci.joined, i.kind, i.severity, i.status,"
	    " i.key, i.first_seen, i.last_seen, i.event_count"
	    " FROM campaign_incidents ci LEFT JOIN incidents i ON i.id = ci.incident_id"
	    " WHERE ci.campaign_id = ? ORDER BY ci.joined, ci.site, ci.incident_id LIMIT 1000");
	if (st == NULL)
		return RONDA_QUERY_ERROR;
	sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	arr = cJSON_AddArrayToObject(o, "incidents");
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		it = cJSON_CreateObject();
		add_col_str(it, "id", st, 0);
		add_col_str(it, "site", st, 1);
		add_time(it, "joined", sqlite3_column_int64(st, 2));
		if (sqlite3_column_type(st, 3) == SQLITE_NULL) {
			/* The incident row is gone (should not happen): say what we know. */
			cJSON_AddNullToObject(it, "kind");
		} else {
			add_col_str(it, "kind", st, 3);
			add_col_str(it, "severity", st, 4);
			add_col_str(it, "status", st, 5);
			add_col_str(it, "key", st, 6);
			add_time(it, "first_seen", sqlite3_column_int64(st, 7));
			add_time(it, "last_seen", sqlite3_column_int64(st, 8));
			cJSON_AddNumberToObject(it, "event_count",
			    (double)sqlite3_column_int64(st, 9));
		}
		cJSON_AddItemToArray(arr, it);
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return dberr(q);

	st = prep(q, "SELECT site, incident_id, ts, line FROM ("
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
		add_col_str(it, "site", st, 0);
		add_col_str(it, "incident_id", st, 1);
		add_time(it, "ts", sqlite3_column_int64(st, 2));
		add_col_str(it, "line", st, 3);
		cJSON_AddItemToArray(arr, it);
	}
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? RONDA_QUERY_OK : dberr(q);
}

int
ronda_query_campaign(struct ronda_query *q, const char *id, cJSON **out)
{
	struct camp_sub c = { NULL, NULL, NULL, NULL };
	sqlite3_stmt *st = NULL;
	int rc;

	*out = NULL;
	if (id == NULL || !is_campaign_id(id))
		return setmsg(q, RONDA_QUERY_BADARG, "campaign id: 1..64 printable characters");
	if ((rc = begin(q)) != RONDA_QUERY_OK)
		return rc;
	if ((rc = camp_sub_prep(q, &c)) != RONDA_QUERY_OK)
		goto done;
	if ((st = prep(q, "SELECT " CAMP_COLS " FROM campaigns WHERE id = ?")) == NULL) {
		rc = RONDA_QUERY_ERROR;
		goto done;
	}
	sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	switch (sqlite3_step(st)) {
	case SQLITE_ROW:
		rc = campaign_obj(q, st, &c, out);
		if (rc == RONDA_QUERY_OK && ((rc = campaign_timeline(q, id, *out)) !=
		    RONDA_QUERY_OK || (rc = add_triage(q, *out, "campaign", id, 1)) !=
		    RONDA_QUERY_OK)) {
			cJSON_Delete(*out);
			*out = NULL;
		}
		break;
	case SQLITE_DONE:
		rc = setmsg(q, RONDA_QUERY_NOTFOUND, "campaign %s: no such campaign", id);
		break;
	default:
		rc = dberr(q);
	}
done:
	sqlite3_finalize(st);
	camp_sub_free(&c);
	end(q);
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
		return setmsg(q, RONDA_QUERY_BADARG, "limit: 1..%d", RONDA_QUERY_LIMIT_MAX);
	if (object_id != NULL && (rc = check_text(q, "object_id", object_id)) != RONDA_QUERY_OK)
		return rc;
	if ((arr = cJSON_CreateArray()) == NULL)
		return setmsg(q, RONDA_QUERY_ERROR, "out of memory");
	if (!q->has_triage) {
		*out = arr;
		return RONDA_QUERY_OK;
	}
	if ((rc = begin(q)) != RONDA_QUERY_OK) {
		cJSON_Delete(arr);
		return rc;
	}
	st = prep(q, object_id != NULL ?
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
		add_time(o, "at", sqlite3_column_int64(st, 1));
		add_col_str(o, "who", st, 2);
		add_col_str(o, "object", st, 3);
		add_col_str(o, "object_id", st, 4);
		add_col_str(o, "action", st, 5);
		/* The triage writer's own JSON; text if it ever is not. */
		for (int c = 6; c <= 7; c++) {
			const char *t = (const char *)sqlite3_column_text(st, c);
			j = t != NULL ? cJSON_Parse(t) : NULL;
			if (j != NULL)
				cJSON_AddItemToObject(o, c == 6 ? "before" : "after", j);
			else
				add_col_str(o, c == 6 ? "before" : "after", st, c);
		}
		if (sqlite3_column_type(st, 8) == SQLITE_NULL)
			cJSON_AddNullToObject(o, "note");
		else
			add_col_str(o, "note", st, 8);
	}
	rc = rc == SQLITE_DONE ? RONDA_QUERY_OK : rc == SQLITE_ROW ?
	    setmsg(q, RONDA_QUERY_ERROR, "out of memory") : dberr(q);
done:
	sqlite3_finalize(st);
	end(q);
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
		return setmsg(q, RONDA_QUERY_ERROR, "out of memory");
	if (!q->has_triage) {
		*out = arr;
		return RONDA_QUERY_OK;
	}
	if ((rc = begin(q)) != RONDA_QUERY_OK) {
		cJSON_Delete(arr);
		return rc;
	}
	/* At most RONDA_TRIAGE_SUPPRESS_MAX are active; expired ones: the newest. */
	st = prep(q, "SELECT id, type, value, until, campaign_id, created_by, created_at"
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
		add_col_str(o, "type", st, 1);
		add_col_str(o, "value", st, 2);
		add_time(o, "until", sqlite3_column_int64(st, 3));
		cJSON_AddBoolToObject(o, "active", sqlite3_column_int64(st, 3) > now);
		add_col_str(o, "campaign_id", st, 4);
		add_col_str(o, "created_by", st, 5);
		add_time(o, "created_at", sqlite3_column_int64(st, 6));
	}
	rc = rc == SQLITE_DONE ? RONDA_QUERY_OK : rc == SQLITE_ROW ?
	    setmsg(q, RONDA_QUERY_ERROR, "out of memory") : dberr(q);
done:
	sqlite3_finalize(st);
	end(q);
	if (rc != RONDA_QUERY_OK)
		cJSON_Delete(arr);
	else
		*out = arr;
	return rc;
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
	if (by_site && (rc = check_text(q, "site", f->site)) != RONDA_QUERY_OK)
		return rc;
	if ((rc = begin(q)) != RONDA_QUERY_OK)
		return rc;
	newest = latest(q);
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
	if ((st = prep(q, sql)) == NULL) {
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
		add_col_str(o, "id", st, 0);
		/* known: configured in the correlator (the sites row says so too). */
		cJSON_AddBoolToObject(o, "known", configured ||
		    (sqlite3_column_type(st, 1) != SQLITE_NULL && sqlite3_column_int(st, 1)));
		add_col_str(o, "agency", st, 3);
		add_col_str(o, "region", st, 4);
		add_col_str(o, "timezone", st, 5);
		/* Event time: what the site's logs say. */
		add_time_or_null(o, "last_event", last_event);
		if (last_event > 0 && newest >= last_event)
			cJSON_AddNumberToObject(o, "lag_ms", (double)(newest - last_event));
		else
			cJSON_AddNullToObject(o, "lag_ms");
		cJSON_AddNumberToObject(o, "late", (double)(late > 0 ? late : 0));
		/* Processing time: when the correlator heard the site. */
		add_time_or_null(o, "last_heard", heard);
		add_age_or_null(o, "heard_age_ms", now, heard);
		add_time_or_null(o, "events_heard", ev_heard);
		/* The names of versions before 6, kept for their readers. */
		add_time_or_null(o, "last_heartbeat", heard);
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
		rc = dberr(q);
		cJSON_Delete(arr);
		arr = NULL;
		goto done;
	}
	if (by_site && cJSON_GetArraySize(arr) == 0) {
		rc = setmsg(q, RONDA_QUERY_NOTFOUND, "site %s: no such site", f->site);
		cJSON_Delete(arr);
		arr = NULL;
		goto done;
	}
	rc = RONDA_QUERY_OK;
	*out = arr;
done:
	sqlite3_finalize(st);
	end(q);
	return rc;
}

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
	cJSON_AddItemToObject(o, "agency", json_bytes((const unsigned char *)name, strlen(name)));
	cJSON_AddItemToObject(o, "region", json_bytes((const unsigned char *)region,
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
	sqlite3_stmt *st = prep(q, sql);
	int rc;

	if (st == NULL)
		return RONDA_QUERY_ERROR;
	w_bind(w, st, 1);
	for (int i = 0; i < nextra; i++)
		sqlite3_bind_int64(st, w->n + 1 + i, extra[i]);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		fn(st, arg);
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? RONDA_QUERY_OK : dberr(q);
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
	add_col_str(o, "site", st, 2);
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
	add_col_str(o, "ip", st, 2);
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
	add_col_str(o, "network", st, 2);
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

	add_col_str(o, "ip", st, 0);
	cJSON_AddNumberToObject(o, "incidents", (double)sqlite3_column_int64(st, 1));
	cJSON_AddNumberToObject(o, "sites", (double)sqlite3_column_int64(st, 2));
	cJSON_AddNumberToObject(o, "agencies", (double)sqlite3_column_int64(st, 3));
	cJSON_AddItemToArray(arg, o);
}

/* network, ips, incidents, sites, agencies */
static void
sum_nets(sqlite3_stmt *st, void *arg)
{
	cJSON *o = cJSON_CreateObject();

	add_col_str(o, "network", st, 0);
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

	add_col_str(o, "id", st, 0);
	add_col_str(o, "title", st, 1);
	add_col_str(o, "kind", st, 2);
	add_col_str(o, "link", st, 3);
	add_col_str(o, "severity", st, 4);
	add_col_str(o, "status", st, 5);
	add_time(o, "first_seen", sqlite3_column_int64(st, 6));
	add_time(o, "last_seen", sqlite3_column_int64(st, 7));
	cJSON_AddNumberToObject(o, "site_count", (double)sqlite3_column_int64(st, 8));
	cJSON_AddNumberToObject(o, "incident_count", (double)sqlite3_column_int64(st, 9));
	cJSON_AddNumberToObject(o, "agencies", (double)sqlite3_column_int64(st, 10));
	cJSON_AddItemToObject(o, "attacker_ips", json_array_col(st, 11, 5));
	cJSON_AddItemToArray(arg, o);
}

/* Each summary campaign's sites, in the order they were hit. */
static int
sum_campaign_sites(struct ronda_query *q, cJSON *camps)
{
	sqlite3_stmt *st = prep(q, "SELECT cs.site, COALESCE(si.agency, ''), cs.first_seen"
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
			add_col_str(o, "site", st, 0);
			add_col_str(o, "agency", st, 1);
			add_time(o, "first_seen", sqlite3_column_int64(st, 2));
			cJSON_AddItemToArray(arr, o);
		}
		if (r != SQLITE_DONE) {
			rc = dberr(q);
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
	    col_json_str(st, 2));
}

/* Split up to max values joined by 0x1f into a JSON array. */
static cJSON *
split_us(const char *k, int max)
{
	cJSON *arr = cJSON_CreateArray();
	const char *e;

	while (k[0] != '\0' && cJSON_GetArraySize(arr) < max) {
		e = strchr(k, 0x1f);
		cJSON_AddItemToArray(arr, json_bytes((const unsigned char *)k,
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

	add_col_str(o, "kind", st, 0);
	add_col_str(o, "key", st, 1);
	cJSON_AddStringToObject(o, "severity", ronda_query_severity_name(sqlite3_column_int(st, 2)));
	cJSON_AddNumberToObject(o, "incidents", (double)sqlite3_column_int64(st, 3));
	cJSON_AddNumberToObject(o, "sites", (double)sqlite3_column_int64(st, 4));
	cJSON_AddNumberToObject(o, "agencies", (double)sqlite3_column_int64(st, 5));
	cJSON_AddNumberToObject(o, "events", (double)sqlite3_column_int64(st, 6));
	add_time(o, "first_seen", sqlite3_column_int64(st, 7));
	add_time(o, "last_seen", sqlite3_column_int64(st, 8));
	if (sqlite3_column_type(st, 9) == SQLITE_NULL)
		cJSON_AddNullToObject(o, "campaign_id");
	else
		add_col_str(o, "campaign_id", st, 9);
	add_col_str(o, "incident_id", st, 10);
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
	if ((rc = incident_where(q, f, &w)) != RONDA_QUERY_OK)
		goto done;
	if (since != INT64_MIN && until != INT64_MAX && since > until) {
		rc = setmsg(q, RONDA_QUERY_BADARG, "since: after until");
		goto done;
	}
	if ((rc = begin(q)) != RONDA_QUERY_OK)
		goto done;
	load_allow(q);

	root = cJSON_CreateObject();
	add_time(root, "generated", ronda_now_ms());
	if (since != INT64_MIN)
		add_time(root, "since", since);
	else
		cJSON_AddNullToObject(root, "since");
	if (until != INT64_MAX)
		add_time(root, "until", until);
	else
		cJSON_AddNullToObject(root, "until");
	add_time_or_null(root, "latest_event", latest(q));
	c.root = root;
	c.totals = cJSON_AddObjectToObject(root, "totals");
	cJSON_AddNumberToObject(c.totals, "incidents", 0);
	cJSON_AddNumberToObject(c.totals, "events", 0);
	cJSON_AddNumberToObject(c.totals, "sites_known",
	    (double)one_int(q, "SELECT count(*) FROM (SELECT id FROM site_info UNION"
	    " SELECT id FROM sites)", 0));
	cJSON_AddNumberToObject(c.totals, "sites_hit", 0);
	cJSON_AddNumberToObject(c.totals, "campaigns", 0);
	cJSON_AddNumberToObject(c.totals, "allowlisted_ips", 0);
	cJSON_AddNumberToObject(c.totals, "allowlisted_incidents", 0);
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
			rc = setmsg(q, RONDA_QUERY_ERROR, "summary: query too long");	\
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
	end(q);
done:
	ronda_buf_release(&w.sql);
	ronda_buf_release(&sql);
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

	if (n < 4 || n > 64 || (what == RONDA_QUERY_CAMPAIGN ? !is_campaign_id(prefix) : 0))
		return setmsg(q, RONDA_QUERY_BADARG, "%s id: give at least 4 characters", noun);
	if (what == RONDA_QUERY_INCIDENT) {
		for (size_t i = 0; i < n; i++)
			if (hexval((unsigned char)prefix[i]) < 0 || n > 32)
				return setmsg(q, RONDA_QUERY_BADARG, "incident id: hex digits, up to 32");
	}
	/* The ids in [prefix, prefix with its last byte + 1): an index range. */
	memcpy(upper, prefix, n + 1);
	upper[n - 1]++;
	snprintf(sql, sizeof(sql), "SELECT id FROM %s WHERE id >= ? AND id < ? ORDER BY id LIMIT 2",
	    table);
	if ((rc = begin(q)) != RONDA_QUERY_OK)
		return rc;
	if ((st = prep(q, sql)) == NULL) {
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
		rc = dberr(q);
	else if (found == 0)
		rc = setmsg(q, RONDA_QUERY_NOTFOUND, "%s %s: no such %s", noun, prefix, noun);
	else if (found > 1)
		rc = setmsg(q, RONDA_QUERY_BADARG, "%s %s: several ids start with it; give more",
		    noun, prefix);
	else
		rc = RONDA_QUERY_OK;
done:
	sqlite3_finalize(st);
	end(q);
	return rc;
}
