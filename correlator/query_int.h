/*
 * query_int.h — what the parts of the read-only queries share (query.c:
 * opening, statements, filters, strings into JSON, sites, times, ids;
 * query_incidents.c, query_campaigns.c, query_summary.c). Not for use
 * outside correlator/query*.c.
 */
#ifndef RONDA_QUERY_INT_H
#define RONDA_QUERY_INT_H

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
#define QUERY_VERSION_MAX 9
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
	int has_via;		/* schema version 9: campaign_incidents.via_* */
	sqlite3_stmt *trow, *tnotes;	/* triage reads, prepared at the first use */
};

static const char *const triage_states[] = { "new", "acknowledged", "assigned", "closed",
	NULL };

static const char *const sev_names[] = { "none", "low", "medium", "high", "critical" };

static const char *const incident_kinds[] = {
	"ssh_bruteforce", "ftp_bruteforce", "mail_bruteforce", "smtp_bruteforce",
	"sudo_bruteforce", "su_bruteforce", "password_spray", "compromise", "cms_bruteforce", "scan", "webshell", "sqli",
	"lfi", "rce", "gambling", "defacement", "flood", "http_5xx_surge", "silent_site",
	"webshell_file", "gambling_injection", "cloaking", "bulk_change", NULL
};
static const char *const incident_statuses[] = { "open", "closed", "reopened", "active", NULL };
static const char *const campaign_statuses[] = {
	"candidate", "active", "quiet", "closed", "merged", NULL
};


#define W_MAX 24	/* bound parameters of one WHERE */

struct where {
	struct ronda_buf sql;
	int n;
	struct {
		int is_text;
		const char *s;
		int64_t i;
	} v[W_MAX];
};

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

int q_in_list(const char *s, const char *const *list);
int q_setmsg(struct ronda_query *q, int rc, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
int q_dberr(struct ronda_query *q);
cJSON * q_json_bytes(const unsigned char *p, size_t n);
cJSON * q_col_json_str(sqlite3_stmt *st, int col);
void q_add_col_str(cJSON *o, const char *name, sqlite3_stmt *st, int col);
void q_add_time(cJSON *o, const char *name, int64_t ms);
void q_add_time_or_null(cJSON *o, const char *name, int64_t ms);
cJSON * q_json_array_col(sqlite3_stmt *st, int col, int max);
sqlite3_stmt * q_prep(struct ronda_query *q, const char *sql);
int q_begin(struct ronda_query *q);
void q_end(struct ronda_query *q);
void q_w_init(struct where *w);
void q_w_text(struct where *w, const char *clause, const char *s);
void q_w_int(struct where *w, const char *clause, int64_t i);
void q_w_bind(const struct where *w, sqlite3_stmt *st, int first);
void q_w_severity(struct where *w, const char *col, int min);
int q_check_text(struct ronda_query *q, const char *field, const char *v);
int q_check_limit(struct ronda_query *q, const struct ronda_query_filter *f, int64_t *limit);
void q_cursor_make(char out[RONDA_QUERY_CURSOR_MAX], int64_t last_seen, const char *id);
int q_cursor_parse(struct ronda_query *q, const char *c, int64_t *last_seen, char *id, size_t idlen);
int q_is_incident_id(const char *id);
int q_is_campaign_id(const char *id);
void q_load_allow(struct ronda_query *q);
int64_t q_one_int(struct ronda_query *q, const char *sql, int64_t dflt);
int64_t q_latest(struct ronda_query *q);
int q_add_triage(struct ronda_query *q, cJSON *o, const char *object, const char *id, int full);
int q_w_triage(struct ronda_query *q, struct where *w, const char *object, const char *table, const char *state);
int q_incident_where(struct ronda_query *q, const struct ronda_query_filter *f, struct where *w);
int q_list_page(struct ronda_query *q, const struct ronda_query_filter *f, struct where *w, const struct lister *l, cJSON **out, struct ronda_query_page *page);

#endif
