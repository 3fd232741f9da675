/*
 * api.c — the correlator's HTTP server: routing, bearer tokens, JSON
 * replies, /healthz, /metrics, and the publisher that runs on the consumer's
 * loop. The endpoints and their parameters are in docs/api.md.
 *
 * Threads: everything here runs on the API thread except the publisher
 * (api_on_commit, api_on_tick, run by the consumer's loop), which touches
 * only api->pub and the mutex-protected snapshot.
 */
#include "api.h"

#include <math.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cJSON.h>
#include <event2/buffer.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <event2/thread.h>
#include <sqlite3.h>

#include "alertd.h"
#include "api_qs.h"
#include "consumer.h"
#include "dashboard.h"
#include "query.h"
#include "triage.h"
#include "ronda/buf.h"
#include "ronda/httpd.h"
#include "ronda/log.h"
#include "ronda/prom.h"
#include "ronda/timeutil.h"

#define API_RESPONSE_MAX (64u << 20)	/* a page bigger than this asks for a smaller limit */
#define API_RESPONSE_KEEP (1u << 20)	/* scratch kept between requests */
#define API_STALE_MS 15000		/* no publish for this long: the consumer is stuck */
#define API_TICK_MS 1000
#define API_BACKLOG 4096
#define API_WRITE_BUSY_MS 3000		/* a triage write waits this long for the batch writer */

/*
 * Replies to /api/ GETs are kept for a short while, keyed by the request
 * URI: the store changes only at batch commits, so a reply stays exact
 * until the next commit; a dashboard polling the summary, or many analysts
 * opening the same page, cost one query instead of one each.
 */
#define API_CACHE_N 32
#define API_CACHE_TTL_MS 2000
#define API_CACHE_MAX_BODY (512u << 10)

struct cache_entry {
	char *uri;		/* NULL: free slot */
	char *body;
	size_t len;
	int64_t at;		/* monotonic ms */
	int64_t commits;	/* snapshot commits when it was made */
};

static const int tracked_codes[] = { 200, 400, 401, 403, 404, 405, 409, 415, 500, 503 };
#define NCODES (sizeof(tracked_codes) / sizeof(tracked_codes[0]))

struct ronda_api {
	const struct ronda_correlator_config *cfg;
	struct event_base *base;	/* the API thread's own */
	struct ronda_httpd *httpd;
	struct ronda_query *q;		/* read-only, API thread only */
	sqlite3 *db;			/* read-only, API thread only: /metrics, /healthz */
	pthread_t thread;
	int started;
	const char *sinks[RONDA_ALERTD_MAX_SINKS + 1];	/* configured alert sinks */

	pthread_mutex_t mu;
	struct ronda_api_stats snap;	/* under mu */
	const struct ronda_strlist *tokens;	/* under mu: swapped by a reload */
	const struct ronda_cfg_array *analysts;	/* under mu: likewise (may also write) */
	struct ronda_triage *tri;	/* read-write, API thread only: triage writes */
	int64_t writes;			/* triage writes; a write empties the reply cache */

	/* The publisher, on the consumer's loop. */
	struct ronda_engine *eng;
	struct ronda_consumer *cons;
	struct event *tick;		/* on the consumer's base */
	struct ronda_api_stats pub;

	/* API thread only. */
	struct cache_entry cache[API_CACHE_N];
	const char *cur_uri;		/* the request being answered, for the cache */
	int64_t cur_commits;
	uint64_t cache_hits, cache_misses;
	uint64_t codes[NCODES + 1];	/* last: any other status */
	int64_t read_errors;
	struct ronda_ratelimit rl_auth, rl_err;
	struct ronda_buf out;
};

/* ---- the publisher (consumer thread) ----------------------------------- */

void
ronda_api_publish(struct ronda_api *api, const struct ronda_api_stats *st)
{
	pthread_mutex_lock(&api->mu);
	api->snap = *st;
	pthread_mutex_unlock(&api->mu);
}

static void
publish(struct ronda_api *api, int committed, int lag)
{
	struct ronda_api_stats *p = &api->pub;
	size_t entries, bytes;

	if (committed) {
		for (int c = 0; c < RONDA_CNT_N; c++)
			p->counters[c] = ronda_engine_counter(api->eng, c);
	}
	ronda_engine_window_stats(api->eng, &entries, &bytes);
	p->window_entries = (int64_t)entries;
	p->window_bytes = (int64_t)bytes;
	/* Not from the commit hook: it may run inside a rebalance callback. */
	if (lag)
		ronda_consumer_lag(api->cons, &p->partitions, &p->lag);
	p->partitions = ronda_consumer_assigned(api->cons);
	p->heartbeat = ronda_mono_ms();
	ronda_api_publish(api, p);
}

static void
api_on_commit(void *arg, int ok)
{
	struct ronda_api *api = arg;

	if (ok) {
		api->pub.commits++;
		api->pub.last_commit = ronda_now_ms();
	} else {
		api->pub.commit_failures++;
		api->pub.fatal = 1;
	}
	publish(api, ok, 0);
}

static void
api_on_tick(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	publish(arg, 0, 1);
}

/* ---- replies ----------------------------------------------------------- */

static void
count_code(struct ronda_api *api, int code)
{
	size_t i;

	for (i = 0; i < NCODES; i++)
		if (tracked_codes[i] == code)
			break;
	api->codes[i]++;
}

static const char *
reason(int code)
{
	switch (code) {
	case 200: return "OK";
	case 400: return "Bad Request";
	case 401: return "Unauthorized";
	case 403: return "Forbidden";
	case 404: return "Not Found";
	case 405: return "Method Not Allowed";
	case 409: return "Conflict";
	case 415: return "Unsupported Media Type";
	case 503: return "Service Unavailable";
	default: return "Internal Server Error";
	}
}

static void
send_buf(struct ronda_api *api, struct evhttp_request *req, int code, const char *ctype,
    const struct ronda_buf *b)
{
	struct evkeyvalq *h = evhttp_request_get_output_headers(req);

	evhttp_add_header(h, "Content-Type", ctype);
	evhttp_add_header(h, "Cache-Control", "no-store");
	evhttp_add_header(h, "X-Content-Type-Options", "nosniff");
	if (b->len > 0)
		evbuffer_add(evhttp_request_get_output_buffer(req), b->data, b->len);
	evhttp_send_reply(req, code, reason(code), NULL);
	count_code(api, code);
}

/*
 * cJSON written with Ronda's own string escaper: control characters (a log
 * line's ESC) become \u001b, and bytes that are not UTF-8 become the text
 * \xHH, so every reply is valid JSON and valid UTF-8 whatever the logs held.
 */
static int
json_write(struct ronda_buf *b, const cJSON *j)
{
	const cJSON *c;
	int rc = 0;

	switch (j->type & 0xff) {
	case cJSON_False:
		return ronda_buf_puts(b, "false");
	case cJSON_True:
		return ronda_buf_puts(b, "true");
	case cJSON_Number: {
		double d = j->valuedouble;
		if (!isfinite(d))
			return ronda_buf_puts(b, "null");
		if (d == floor(d) && fabs(d) < 9007199254740992.0)
			return ronda_buf_put_i64(b, (int64_t)d);
		return ronda_buf_printf(b, "%.17g", d);
	}
	case cJSON_String:
		if (j->valuestring == NULL)
			return ronda_buf_puts(b, "null");
		return ronda_buf_json_str(b, j->valuestring, strlen(j->valuestring));
	case cJSON_Array:
		rc |= ronda_buf_putc(b, '[');
		for (c = j->child; c != NULL && rc == 0; c = c->next) {
			if (c != j->child)
				rc |= ronda_buf_putc(b, ',');
			rc |= json_write(b, c);
		}
		return rc | ronda_buf_putc(b, ']');
	case cJSON_Object:
		rc |= ronda_buf_putc(b, '{');
		for (c = j->child; c != NULL && rc == 0; c = c->next) {
			const char *k = c->string != NULL ? c->string : "";
			if (c != j->child)
				rc |= ronda_buf_putc(b, ',');
			rc |= ronda_buf_json_str(b, k, strlen(k));
			rc |= ronda_buf_putc(b, ':');
			rc |= json_write(b, c);
		}
		return rc | ronda_buf_putc(b, '}');
	default:
		return ronda_buf_puts(b, "null");
	}
}

static void
scratch_reset(struct ronda_api *api)
{
	if (api->out.cap > API_RESPONSE_KEEP) {
		ronda_buf_release(&api->out);
		ronda_buf_init(&api->out, API_RESPONSE_MAX);
	}
	ronda_buf_reset(&api->out);
	api->out.overflow = 0;
}

static void
send_error(struct ronda_api *api, struct evhttp_request *req, int code, const char *msg)
{
	static const char *const names[] = { "bad_request", "unauthorized", "not_found",
	    "method_not_allowed", "unavailable", "internal", "forbidden", "conflict",
	    "unsupported_media_type" };
	const char *name;
	struct ronda_buf *b = &api->out;

	switch (code) {
	case 400: name = names[0]; break;
	case 401: name = names[1]; break;
	case 404: name = names[2]; break;
	case 405: name = names[3]; break;
	case 503: name = names[4]; break;
	case 403: name = names[6]; break;
	case 409: name = names[7]; break;
	case 415: name = names[8]; break;
	default: name = names[5]; break;
	}
	scratch_reset(api);
	ronda_buf_printf(b, "{\"error\":\"%s\",\"status\":%d,\"message\":", name, code);
	ronda_buf_json_str(b, msg, strlen(msg));
	ronda_buf_puts(b, "}\n");
	send_buf(api, req, code, "application/json; charset=utf-8", b);
}

static struct cache_entry *
cache_find(struct ronda_api *api, const char *uri)
{
	int64_t now = ronda_mono_ms();

	for (size_t i = 0; i < API_CACHE_N; i++) {
		struct cache_entry *e = &api->cache[i];
		if (e->uri != NULL && strcmp(e->uri, uri) == 0)
			return e->commits == api->cur_commits && now - e->at < API_CACHE_TTL_MS ?
			    e : NULL;
	}
	return NULL;
}

static void
cache_put(struct ronda_api *api, const char *uri, const struct ronda_buf *b)
{
	struct cache_entry *e = NULL;
	char *u, *body;

	if (b->len > API_CACHE_MAX_BODY)
		return;
	for (size_t i = 0; i < API_CACHE_N && e == NULL; i++)
		if (api->cache[i].uri != NULL && strcmp(api->cache[i].uri, uri) == 0)
			e = &api->cache[i];
	for (size_t i = 0; i < API_CACHE_N && e == NULL; i++)
		if (api->cache[i].uri == NULL)
			e = &api->cache[i];
	if (e == NULL) {	/* the oldest goes */
		e = &api->cache[0];
		for (size_t i = 1; i < API_CACHE_N; i++)
			if (api->cache[i].at < e->at)
				e = &api->cache[i];
	}
	if ((u = strdup(uri)) == NULL || (body = malloc(b->len + 1)) == NULL) {
		free(u);
		return;
	}
	memcpy(body, b->data, b->len);
	free(e->uri);
	free(e->body);
	e->uri = u;
	e->body = body;
	e->len = b->len;
	e->at = ronda_mono_ms();
	e->commits = api->cur_commits;
}

static void
cache_free(struct ronda_api *api)
{
	for (size_t i = 0; i < API_CACHE_N; i++) {
		free(api->cache[i].uri);
		free(api->cache[i].body);
	}
}

/* A triage write changed the store between commits: no kept reply is exact now. */
static void
cache_drop(struct ronda_api *api)
{
	cache_free(api);
	memset(api->cache, 0, sizeof(api->cache));
}

/* Send j (owned; freed here) as 200 JSON, or 500 when it does not fit. */
static void
send_json(struct ronda_api *api, struct evhttp_request *req, cJSON *j)
{
	int rc;

	scratch_reset(api);
	rc = json_write(&api->out, j);
	cJSON_Delete(j);
	if (rc != 0 || ronda_buf_putc(&api->out, '\n') != 0) {
		send_error(api, req, 500, "response larger than the API sends: ask for a "
		    "smaller limit");
		return;
	}
	if (api->cur_uri != NULL)
		cache_put(api, api->cur_uri, &api->out);
	send_buf(api, req, 200, "application/json; charset=utf-8", &api->out);
}

/* ---- authentication ----------------------------------------------------- */

/*
 * Compare a presented token with a configured one in time that depends only
 * on the configured token's length, never on where the bytes differ.
 */
static int
token_equal(const char *given, size_t glen, const char *want)
{
	size_t wlen = strlen(want);
	unsigned char diff = (unsigned char)(glen != wlen);

	for (size_t i = 0; i < wlen; i++) {
		unsigned char g = i < glen ? (unsigned char)given[i] : 0;
		diff |= (unsigned char)(g ^ (unsigned char)want[i]);
	}
	return diff == 0;
}

/* What a request's token allows. */
enum { ROLE_NONE = 0, ROLE_READ, ROLE_ANALYST };

/*
 * The role of the request's "Authorization: Bearer <token>": an analyst's
 * token (who gets the analyst's name, borrowed from a configuration that
 * stays alive) or a read-only one, else ROLE_NONE.
 */
static int
authorized(struct ronda_api *api, struct evhttp_request *req, int *presented,
    const char **who)
{
	const struct ronda_strlist *toks;
	const struct ronda_cfg_array *an;
	const struct ronda_analyst_cfg *av;
	const char *h = evhttp_find_header(evhttp_request_get_input_headers(req),
	    "Authorization");
	const char *tok;
	size_t tlen;
	int read = 0, role = ROLE_NONE;

	*presented = h != NULL;
	*who = NULL;
	if (h == NULL || strncasecmp(h, "Bearer ", 7) != 0)
		return ROLE_NONE;
	for (tok = h + 7; *tok == ' '; tok++)
		;
	tlen = strlen(tok);
	while (tlen > 0 && tok[tlen - 1] == ' ')
		tlen--;
	if (tlen == 0)
		return ROLE_NONE;
	/* Every token is compared: the time does not tell which one matched. */
	pthread_mutex_lock(&api->mu);
	toks = api->tokens;	/* a reload keeps every list it replaced alive */
	an = api->analysts;
	pthread_mutex_unlock(&api->mu);
	for (size_t i = 0; i < toks->n; i++)
		read |= token_equal(tok, tlen, toks->v[i]);
	av = an->v;
	for (size_t i = 0; i < an->n; i++)
		if (token_equal(tok, tlen, av[i].token) && *who == NULL)
			*who = av[i].name;
	if (*who != NULL)
		role = ROLE_ANALYST;
	else if (read)
		role = ROLE_READ;
	return role;
}

static void
send_unauthorized(struct ronda_api *api, struct evhttp_request *req, int presented)
{
	struct evkeyvalq *h = evhttp_request_get_output_headers(req);

	char *peer = NULL;
	ev_uint16_t port = 0;

	if (ronda_ratelimit_ok(&api->rl_auth, (long)time(NULL), 60)) {
		evhttp_connection_get_peer(evhttp_request_get_connection(req), &peer, &port);
		log_warnx("api: %s bearer token from %s port %u (logged once a minute)",
		    presented ? "a wrong" : "no", peer != NULL ? peer : "?", (unsigned)port);
	}
	evhttp_add_header(h, "WWW-Authenticate", presented ?
	    "Bearer realm=\"ronda\", error=\"invalid_token\"" : "Bearer realm=\"ronda\"");
	send_error(api, req, 401, presented ? "the bearer token is not valid" :
	    "this path needs an Authorization: Bearer <token> header");
}

/* ---- /api/v1 ----------------------------------------------------------- */

static const char *const list_params[] = {
	"since", "until", "now", "site", "kind", "severity", "status", "triage", "limit",
	"cursor", "offset", NULL
};
static const char *const audit_params[] = { "limit", "object_id", NULL };
static const char *const suppression_params[] = { "all", NULL };
static const char *const summary_params[] = {
	"since", "until", "now", "site", "kind", "severity", NULL
};
static const char *const site_params[] = { "site", NULL };
static const char *const no_params[] = { NULL };

/* A decimal integer lo..hi, nothing else. 0 / -1. */
static int
parse_int(const char *s, int64_t lo, int64_t hi, int64_t *out)
{
	int64_t v = 0;

	if (s[0] == '\0' || strlen(s) > 12)
		return -1;
	for (const char *p = s; *p != '\0'; p++) {
		if (*p < '0' || *p > '9')
			return -1;
		v = v * 10 + (*p - '0');
	}
	if (v < lo || v > hi)
		return -1;
	*out = v;
	return 0;
}

/*
 * Fill f from the query string, as `ronda` reads its options: relative
 * times count back from now= (the wall clock by default, "latest" for the
 * newest event in the store, or a time); times without an offset are UTC.
 * since_default (e.g. "24h") applies when since= is absent. The strings in
 * f point into qs. 0, or -1 with the message for a 400 in err.
 */
static int
build_filter(struct ronda_api *api, const struct ronda_api_qs *qs,
    const char *since_default, struct ronda_query_filter *f, char *err, size_t errlen)
{
	const char *v;
	int64_t now = ronda_now_ms();
	char terr[200];

	ronda_query_filter_init(f);
	if ((v = ronda_api_qs_get(qs, "now")) != NULL) {
		if (strcmp(v, "latest") == 0) {
			if ((now = ronda_query_latest(api->q)) == 0)
				now = ronda_now_ms();
		} else if (ronda_query_parse_time(v, now, NULL, &now, terr, sizeof(terr)) == -1) {
			snprintf(err, errlen, "now: %s", terr);
			return -1;
		}
	}
	if ((v = ronda_api_qs_get(qs, "since")) == NULL)
		v = since_default;
	if (v != NULL &&
	    ronda_query_parse_time(v, now, NULL, &f->since, terr, sizeof(terr)) == -1) {
		snprintf(err, errlen, "since: %s", terr);
		return -1;
	}
	if ((v = ronda_api_qs_get(qs, "until")) != NULL &&
	    ronda_query_parse_time(v, now, NULL, &f->until, terr, sizeof(terr)) == -1) {
		snprintf(err, errlen, "until: %s", terr);
		return -1;
	}
	f->site = ronda_api_qs_get(qs, "site");
	f->kind = ronda_api_qs_get(qs, "kind");
	f->severity = ronda_api_qs_get(qs, "severity");
	f->status = ronda_api_qs_get(qs, "status");
	f->triage = ronda_api_qs_get(qs, "triage");
	f->cursor = ronda_api_qs_get(qs, "cursor");
	if ((v = ronda_api_qs_get(qs, "limit")) != NULL &&
	    parse_int(v, 1, RONDA_QUERY_LIMIT_MAX, &f->limit) == -1) {
		snprintf(err, errlen, "limit: expected an integer from 1 to %d",
		    RONDA_QUERY_LIMIT_MAX);
		return -1;
	}
	if (f->limit == 0)
		f->limit = RONDA_QUERY_LIMIT_DEFAULT;
	if ((v = ronda_api_qs_get(qs, "offset")) != NULL &&
	    parse_int(v, 0, 1000000000, &f->offset) == -1) {
		snprintf(err, errlen, "offset: expected an integer from 0 to 1000000000");
		return -1;
	}
	if (f->cursor != NULL && ronda_api_qs_get(qs, "offset") != NULL) {
		snprintf(err, errlen, "cursor and offset: give one of them");
		return -1;
	}
	return 0;
}

/* Append "&name=value" (value percent-encoded) to link. */
static void
link_add(char *link, size_t len, const char *name, const char *value)
{
	size_t o = strlen(link);

	if (value == NULL || o + strlen(name) + 3 >= len)
		return;
	snprintf(link + o, len - o, "%s%s=", link[o - 1] == '?' ? "" : "&", name);
	if (ronda_api_qs_encode(link, len, value) == -1)
		link[o] = '\0';	/* cannot happen with the 2 kB link and capped values */
}

/*
 * The link to the next page: the same filters, since/until as the absolute
 * times they meant on this page (so "24h" does not slide between pages).
 */
static void
next_link(char *link, size_t len, const char *path, const struct ronda_query_filter *f,
    const char *cursor)
{
	char ts[RONDA_TS_LEN + 1], lim[24];

	snprintf(link, len, "%s?", path);
	if (f->since != INT64_MIN) {
		ronda_fmt_utc_ms(ts, f->since);
		link_add(link, len, "since", ts);
	}
	if (f->until != INT64_MAX) {
		ronda_fmt_utc_ms(ts, f->until);
		link_add(link, len, "until", ts);
	}
	link_add(link, len, "site", f->site);
	link_add(link, len, "kind", f->kind);
	link_add(link, len, "severity", f->severity);
	link_add(link, len, "status", f->status);
	link_add(link, len, "triage", f->triage);
	snprintf(lim, sizeof(lim), "%lld", (long long)f->limit);
	link_add(link, len, "limit", lim);
	link_add(link, len, "cursor", cursor);
}

static void
query_failed(struct ronda_api *api, struct evhttp_request *req, int rc, const char *what)
{
	const char *msg = ronda_query_errmsg(api->q);
	char m[600];

	if (rc == RONDA_QUERY_NOTFOUND) {
		send_error(api, req, 404, msg);
	} else if (rc == RONDA_QUERY_BADARG) {
		send_error(api, req, 400, msg);
	} else {
		api->read_errors++;
		if (ronda_ratelimit_ok(&api->rl_err, (long)time(NULL), 60))
			log_warnx("api: %s: %s", what, msg);
		snprintf(m, sizeof(m), "the store could not be read: %s", msg);
		send_error(api, req, 503, m);
	}
}

static void
send_list(struct ronda_api *api, struct evhttp_request *req, const char *path,
    const char *key, cJSON *items, const struct ronda_query_filter *f,
    const struct ronda_query_page *page)
{
	cJSON *o = cJSON_CreateObject();
	char link[2048];

	if (o == NULL) {
		cJSON_Delete(items);
		send_error(api, req, 500, "out of memory");
		return;
	}
	cJSON_AddItemToObject(o, key, items);
	cJSON_AddNumberToObject(o, "count", cJSON_GetArraySize(items));
	cJSON_AddNumberToObject(o, "total", (double)page->total);
	cJSON_AddNumberToObject(o, "limit", (double)f->limit);
	if (page->next_cursor[0] != '\0') {
		next_link(link, sizeof(link), path, f, page->next_cursor);
		cJSON_AddStringToObject(o, "next_cursor", page->next_cursor);
		cJSON_AddStringToObject(o, "next", link);
	} else {
		cJSON_AddNullToObject(o, "next_cursor");
		cJSON_AddNullToObject(o, "next");
	}
	send_json(api, req, o);
}

static void
api_list(struct ronda_api *api, struct evhttp_request *req, const char *path,
    const struct ronda_api_qs *qs, int campaigns)
{
	struct ronda_query_filter f;
	struct ronda_query_page page;
	cJSON *items = NULL;
	char err[400];
	int rc;

	if (ronda_api_qs_check(qs, list_params, err, sizeof(err)) == -1 ||
	    build_filter(api, qs, NULL, &f, err, sizeof(err)) == -1) {
		send_error(api, req, 400, err);
		return;
	}
	memset(&page, 0, sizeof(page));
	rc = campaigns ? ronda_query_campaigns(api->q, &f, &items, &page) :
	    ronda_query_incidents(api->q, &f, &items, &page);
	if (rc != RONDA_QUERY_OK) {
		cJSON_Delete(items);
		query_failed(api, req, rc, path);
		return;
	}
	send_list(api, req, path, campaigns ? "campaigns" : "incidents", items, &f, &page);
}

static void
api_one(struct ronda_api *api, struct evhttp_request *req, const char *id,
    const struct ronda_api_qs *qs, int campaign)
{
	cJSON *o = NULL;
	char err[400];
	int rc;

	if (ronda_api_qs_check(qs, no_params, err, sizeof(err)) == -1) {
		send_error(api, req, 400, err);
		return;
	}
	rc = campaign ? ronda_query_campaign(api->q, id, &o) :
	    ronda_query_incident(api->q, id, &o);
	if (rc != RONDA_QUERY_OK) {
		cJSON_Delete(o);
		query_failed(api, req, rc, campaign ? "campaign" : "incident");
		return;
	}
	send_json(api, req, o);
}

static void
api_sites(struct ronda_api *api, struct evhttp_request *req, const struct ronda_api_qs *qs)
{
	struct ronda_query_filter f;
	cJSON *items = NULL, *o;
	char err[400];
	int rc;

	if (ronda_api_qs_check(qs, site_params, err, sizeof(err)) == -1) {
		send_error(api, req, 400, err);
		return;
	}
	ronda_query_filter_init(&f);
	f.site = ronda_api_qs_get(qs, "site");
	/*
	 * Liveness is processing time: judged by this server's clock (the
	 * reply cache keeps a reply at most API_CACHE_TTL_MS old).
	 */
	if ((rc = ronda_query_sites(api->q, &f, ronda_now_ms(), &items)) != RONDA_QUERY_OK) {
		cJSON_Delete(items);
		query_failed(api, req, rc, "sites");
		return;
	}
	if ((o = cJSON_CreateObject()) == NULL) {
		cJSON_Delete(items);
		send_error(api, req, 500, "out of memory");
		return;
	}
	cJSON_AddItemToObject(o, "sites", items);
	cJSON_AddNumberToObject(o, "count", cJSON_GetArraySize(items));
	send_json(api, req, o);
}

static void
api_summary(struct ronda_api *api, struct evhttp_request *req, const struct ronda_api_qs *qs)
{
	struct ronda_query_filter f;
	cJSON *o = NULL;
	char err[400];
	int rc;

	/* As `ronda summary`: the last 24 hours unless told otherwise. */
	if (ronda_api_qs_check(qs, summary_params, err, sizeof(err)) == -1 ||
	    build_filter(api, qs, "24h", &f, err, sizeof(err)) == -1) {
		send_error(api, req, 400, err);
		return;
	}
	if ((rc = ronda_query_summary(api->q, &f, &o)) != RONDA_QUERY_OK) {
		cJSON_Delete(o);
		query_failed(api, req, rc, "summary");
		return;
	}
	send_json(api, req, o);
}

static void
api_audit(struct ronda_api *api, struct evhttp_request *req, const struct ronda_api_qs *qs)
{
	cJSON *items = NULL, *o;
	const char *v;
	int64_t limit = RONDA_QUERY_LIMIT_DEFAULT;
	char err[400];
	int rc;

	if (ronda_api_qs_check(qs, audit_params, err, sizeof(err)) == -1) {
		send_error(api, req, 400, err);
		return;
	}
	if ((v = ronda_api_qs_get(qs, "limit")) != NULL &&
	    parse_int(v, 1, RONDA_QUERY_LIMIT_MAX, &limit) == -1) {
		snprintf(err, sizeof(err), "limit: expected an integer from 1 to %d",
		    RONDA_QUERY_LIMIT_MAX);
		send_error(api, req, 400, err);
		return;
	}
	if ((rc = ronda_query_audit(api->q, ronda_api_qs_get(qs, "object_id"), limit,
	    &items)) != RONDA_QUERY_OK) {
		query_failed(api, req, rc, "audit");
		return;
	}
	if ((o = cJSON_CreateObject()) == NULL) {
		cJSON_Delete(items);
		send_error(api, req, 500, "out of memory");
		return;
	}
	cJSON_AddItemToObject(o, "audit", items);
	cJSON_AddNumberToObject(o, "count", cJSON_GetArraySize(items));
	send_json(api, req, o);
}

static void
api_suppressions(struct ronda_api *api, struct evhttp_request *req,
    const struct ronda_api_qs *qs)
{
	cJSON *items = NULL, *o;
	const char *v;
	char err[400];
	int rc;

	if (ronda_api_qs_check(qs, suppression_params, err, sizeof(err)) == -1) {
		send_error(api, req, 400, err);
		return;
	}
	if ((v = ronda_api_qs_get(qs, "all")) != NULL && strcmp(v, "0") != 0 &&
	    strcmp(v, "1") != 0) {
		send_error(api, req, 400, "all: 0 or 1");
		return;
	}
	/* Expiry is wall clock (the reply cache keeps a reply at most 2 s). */
	if ((rc = ronda_query_suppressions(api->q, ronda_now_ms(), v != NULL &&
	    strcmp(v, "1") == 0, &items)) != RONDA_QUERY_OK) {
		query_failed(api, req, rc, "suppressions");
		return;
	}
	if ((o = cJSON_CreateObject()) == NULL) {
		cJSON_Delete(items);
		send_error(api, req, 500, "out of memory");
		return;
	}
	cJSON_AddItemToObject(o, "suppressions", items);
	cJSON_AddNumberToObject(o, "count", cJSON_GetArraySize(items));
	send_json(api, req, o);
}

/* An id path segment: non-empty, no further '/'. NULL otherwise. */
static const char *
id_after(const char *path, const char *prefix)
{
	size_t n = strlen(prefix);
	const char *id;

	if (strncmp(path, prefix, n) != 0)
		return NULL;
	id = path + n;
	if (id[0] == '\0' || strchr(id, '/') != NULL)
		return NULL;
	return id;
}

static void
api_route(struct ronda_api *api, struct evhttp_request *req, const char *path,
    const struct ronda_api_qs *qs)
{
	const char *id;

	if (strcmp(path, "/api/v1/incidents") == 0)
		api_list(api, req, path, qs, 0);
	else if (strcmp(path, "/api/v1/campaigns") == 0)
		api_list(api, req, path, qs, 1);
	else if ((id = id_after(path, "/api/v1/incidents/")) != NULL)
		api_one(api, req, id, qs, 0);
	else if ((id = id_after(path, "/api/v1/campaigns/")) != NULL)
		api_one(api, req, id, qs, 1);
	else if (strcmp(path, "/api/v1/sites") == 0)
		api_sites(api, req, qs);
	else if (strcmp(path, "/api/v1/summary") == 0)
		api_summary(api, req, qs);
	else if (strcmp(path, "/api/v1/audit") == 0)
		api_audit(api, req, qs);
	else if (strcmp(path, "/api/v1/suppressions") == 0)
		api_suppressions(api, req, qs);
	else
		send_error(api, req, 404, "no such API path (see docs/api.md)");
}

/*
 * POST /api/v1/{incidents,campaigns}/{id}/actions: object gets "incident" or
 * "campaign" and id the id (into buf). 1 when path is one, else 0.
 */
static int
action_path(const char *path, const char **object, char *buf, size_t len)
{
	static const char *const pre[] = { "/api/v1/incidents/", "/api/v1/campaigns/" };
	static const char *const obj[] = { "incident", "campaign" };
	const char *id, *slash;

	for (int i = 0; i < 2; i++) {
		if (strncmp(path, pre[i], strlen(pre[i])) != 0)
			continue;
		id = path + strlen(pre[i]);
		if ((slash = strchr(id, '/')) == NULL || slash == id ||
		    strcmp(slash, "/actions") != 0 || (size_t)(slash - id) >= len)
			return 0;
		memcpy(buf, id, (size_t)(slash - id));
		buf[slash - id] = '\0';
		*object = obj[i];
		return 1;
	}
	return 0;
}

/* "application/json", any case, optionally with parameters (charset=utf-8). */
static int
json_content_type(struct evhttp_request *req)
{
	const char *ct = evhttp_find_header(evhttp_request_get_input_headers(req),
	    "Content-Type");
	size_t n = strlen("application/json");

	if (ct == NULL)
		return 0;
	while (*ct == ' ')
		ct++;
	if (strncasecmp(ct, "application/json", n) != 0)
		return 0;
	ct += n;
	while (*ct == ' ')
		ct++;
	return *ct == '\0' || *ct == ';';
}

/*
 * A triage action by analyst who. Replies are never cached, and a write
 * empties the cache: the GETs after it must see it.
 */
static void
api_action(struct ronda_api *api, struct evhttp_request *req, const char *object,
    const char *id, const char *who)
{
	struct evbuffer *in = evhttp_request_get_input_buffer(req);
	size_t len = evbuffer_get_length(in);
	cJSON *out = NULL;
	char msg[512];
	const char *body;
	int rc;

	if (!json_content_type(req)) {
		send_error(api, req, 415, "a write takes Content-Type: application/json");
		return;
	}
	if (len > RONDA_TRIAGE_BODY_MAX || (body = (const char *)evbuffer_pullup(in, -1)) ==
	    NULL) {
		send_error(api, req, 400, len > 0 ? "the body is too large" :
		    "the body is empty: want {\"action\": ...}");
		return;
	}
	rc = ronda_triage_apply(api->tri, object, id, who, body, len, ronda_now_ms(), &out, msg,
	    sizeof(msg));
	switch (rc) {
	case RONDA_TRIAGE_OK:
		api->writes++;
		cache_drop(api);
		log_info("api: triage of %s %s by %s", object, id, who);
		send_json(api, req, out);
		return;
	case RONDA_TRIAGE_BUSY:
		evhttp_add_header(evhttp_request_get_output_headers(req), "Retry-After", "2");
		send_error(api, req, 503, "the store is busy: try again");
		return;
	case RONDA_TRIAGE_ERROR:
		api->read_errors++;
		if (ronda_ratelimit_ok(&api->rl_err, (long)time(NULL), 60))
			log_warnx("api: triage %s %s: %s", object, id, msg);
		send_error(api, req, 503, "the store could not be written");
		return;
	default:
		send_error(api, req, rc, msg);
	}
}

/* ---- /healthz and /metrics -------------------------------------------- */

static void
snapshot(struct ronda_api *api, struct ronda_api_stats *st)
{
	pthread_mutex_lock(&api->mu);
	*st = api->snap;
	pthread_mutex_unlock(&api->mu);
}

/* 1 when a trivial read of the store works. */
static int
store_ok(struct ronda_api *api)
{
	sqlite3_stmt *st = NULL;
	int ok;

	ok = sqlite3_prepare_v2(api->db, "SELECT count(*) FROM offsets", -1, &st, NULL) ==
	    SQLITE_OK && sqlite3_step(st) == SQLITE_ROW;
	sqlite3_finalize(st);
	if (!ok)
		api->read_errors++;
	return ok;
}

static void
healthz(struct ronda_api *api, struct evhttp_request *req)
{
	struct ronda_api_stats st;
	struct ronda_buf *b = &api->out;
	char ts[RONDA_TS_LEN + 1];
	const char *why = NULL;
	int store, consuming;

	snapshot(api, &st);
	store = store_ok(api);
	if (st.fatal)
		why = "a batch commit failed: the correlator is stopping";
	else if (st.heartbeat == 0 || ronda_mono_ms() - st.heartbeat > API_STALE_MS)
		why = "the consumer loop has not reported for 15 s";
	else if (st.partitions == 0)
		why = "no partitions assigned (joining the consumer group)";
	consuming = why == NULL;
	if (!store && why == NULL)
		why = "the store cannot be read";
	scratch_reset(api);
	ronda_buf_printf(b, "{\"status\":\"%s\",\"consuming\":%s,\"store\":%s,"
	    "\"partitions\":%lld,\"lag\":", consuming && store ? "ok" : "unavailable",
	    consuming ? "true" : "false", store ? "true" : "false",
	    (long long)st.partitions);
	if (st.lag >= 0)
		ronda_buf_put_i64(b, st.lag);
	else
		ronda_buf_puts(b, "null");
	ronda_buf_printf(b, ",\"events\":%lld,\"last_commit\":",
	    (long long)st.counters[RONDA_CNT_EVENTS]);
	if (st.last_commit > 0) {
		ronda_fmt_utc_ms(ts, st.last_commit);
		ronda_buf_printf(b, "\"%s\"", ts);
	} else {
		ronda_buf_puts(b, "null");
	}
	ronda_buf_puts(b, ",\"reason\":");
	if (why != NULL)
		ronda_buf_json_str(b, why, strlen(why));
	else
		ronda_buf_puts(b, "null");
	ronda_buf_puts(b, "}\n");
	send_buf(api, req, consuming && store ? 200 : 503, "application/json; charset=utf-8",
	    b);
}

static void
metrics(struct ronda_api *api, struct evhttp_request *req)
{
	struct ronda_api_stats st;
	struct ronda_httpd_stats hs;
	struct ronda_buf *b = &api->out;
	char code[8];

	snapshot(api, &st);
	scratch_reset(api);
	if (ronda_api_metrics_write(b, &st, api->db, api->sinks) == -1)
		api->read_errors++;
	ronda_prom_family(b, "ronda_store_errors_total", "counter",
	    "Store failures: batch commits (the correlator stops) and API reads.");
	ronda_prom_sample(b, "ronda_store_errors_total", "op", "commit", st.commit_failures);
	ronda_prom_sample(b, "ronda_store_errors_total", "op", "read", api->read_errors);
	ronda_prom_one(b, "ronda_consumer_up", "gauge",
	    "1 while the consumer loop reports and has partitions.",
	    !st.fatal && st.heartbeat != 0 && ronda_mono_ms() - st.heartbeat <= API_STALE_MS &&
	    st.partitions > 0);
	ronda_prom_family(b, "ronda_api_cache_total", "counter",
	    "API replies served from the reply cache (hit) or the store (miss).");
	ronda_prom_sample(b, "ronda_api_cache_total", "result", "hit",
	    (int64_t)api->cache_hits);
	ronda_prom_sample(b, "ronda_api_cache_total", "result", "miss",
	    (int64_t)api->cache_misses);
	ronda_httpd_stats(api->httpd, &hs);
	ronda_prom_one(b, "ronda_api_connections", "gauge", "HTTP connections open now.",
	    hs.open);
	ronda_prom_one(b, "ronda_api_connections_accepted_total", "counter",
	    "HTTP connections accepted.", (int64_t)hs.accepted);
	ronda_prom_family(b, "ronda_api_requests_total", "counter",
	    "HTTP requests answered, by status (this scrape not yet counted).");
	for (size_t i = 0; i <= NCODES; i++) {
		if (i < NCODES)
			snprintf(code, sizeof(code), "%d", tracked_codes[i]);
		else
			snprintf(code, sizeof(code), "other");
		ronda_prom_sample(b, "ronda_api_requests_total", "code", code,
		    (int64_t)api->codes[i]);
	}
	if (b->overflow) {
		send_error(api, req, 500, "metrics larger than the response cap");
		return;
	}
	send_buf(api, req, 200, RONDA_PROM_CONTENT_TYPE, b);
}

/*
 * GET /api/v1/whoami: the analyst's name (null for a read-only token) and
 * whether the token may write; the dashboard shows triage controls only then.
 */
static void
api_whoami(struct ronda_api *api, struct evhttp_request *req, int has_query, int role,
    const char *who)
{
	cJSON *o;

	if (has_query) {
		send_error(api, req, 400, "whoami takes no parameters");
		return;
	}
	if ((o = cJSON_CreateObject()) == NULL) {
		send_error(api, req, 500, "out of memory");
		return;
	}
	if (who != NULL)
		cJSON_AddStringToObject(o, "name", who);
	else
		cJSON_AddNullToObject(o, "name");
	cJSON_AddBoolToObject(o, "can_write", role == ROLE_ANALYST);
	send_json(api, req, o);
}

/* ---- the request handler --------------------------------------------- */

static void
api_on_request(struct evhttp_request *req, void *arg)
{
	struct ronda_api *api = arg;
	const char *uri = evhttp_request_get_uri(req);
	struct ronda_api_qs qs;
	struct cache_entry *e;
	char path[512], err[400], id[80];
	const char *q, *who = NULL, *object;
	size_t plen, qlen = 0;
	int presented, role = ROLE_NONE;
	enum evhttp_cmd_type cmd = evhttp_request_get_command(req);

	if (uri == NULL)
		uri = "";
	plen = strcspn(uri, "?#");
	q = uri[plen] == '?' ? uri + plen + 1 : NULL;
	if (q != NULL)
		qlen = strcspn(q, "#");
	if (plen >= sizeof(path)) {
		send_error(api, req, 404, "no such path");
		return;
	}
	memcpy(path, uri, plen);
	path[plen] = '\0';
	if (strncmp(path, "/api/", 5) == 0 &&
	    (role = authorized(api, req, &presented, &who)) == ROLE_NONE) {
		send_unauthorized(api, req, presented);
		return;
	}
	/* Triage writes: POST with an analyst's token, never cached. */
	if (role != ROLE_NONE && action_path(path, &object, id, sizeof(id))) {
		if (cmd != EVHTTP_REQ_POST) {
			evhttp_add_header(evhttp_request_get_output_headers(req), "Allow", "POST");
			send_error(api, req, 405, "actions are POSTed");
		} else if (role != ROLE_ANALYST) {
			send_error(api, req, 403, "this token may only read");
		} else if (q != NULL) {
			send_error(api, req, 400, "actions take no query string");
		} else {
			api_action(api, req, object, id, who);
		}
		return;
	}
	if (cmd != EVHTTP_REQ_GET) {
		evhttp_add_header(evhttp_request_get_output_headers(req), "Allow", "GET");
		send_error(api, req, 405, "only GET is served here (triage actions are POSTed "
		    "to /api/v1/incidents/{id}/actions and /api/v1/campaigns/{id}/actions)");
		return;
	}
	if (strcmp(path, "/healthz") == 0) {
		healthz(api, req);
		return;
	}
	if (strcmp(path, "/metrics") == 0) {
		metrics(api, req);
		return;
	}
	if (strncmp(path, "/api/", 5) != 0) {
		int code = ronda_dashboard_serve(req, path);	/* "/", "/dashboard/..." */
		if (code != 0)
			count_code(api, code);
		else
			send_error(api, req, 404, "no such path (the API is under /api/v1/)");
		return;
	}
	/* Never cached: the reply cache is keyed by URI, this answer by token. */
	if (strcmp(path, "/api/v1/whoami") == 0) {
		api_whoami(api, req, q != NULL, role, who);
		return;
	}
	pthread_mutex_lock(&api->mu);
	api->cur_commits = api->snap.commits;
	pthread_mutex_unlock(&api->mu);
	if ((e = cache_find(api, uri)) != NULL) {
		struct ronda_buf b = { .data = e->body, .len = e->len };
		api->cache_hits++;
		send_buf(api, req, 200, "application/json; charset=utf-8", &b);
		return;
	}
	api->cache_misses++;
	if (ronda_api_qs_parse(q != NULL ? q : "", qlen, &qs, err, sizeof(err)) == -1) {
		send_error(api, req, 400, err);
		return;
	}
	api->cur_uri = uri;
	api_route(api, req, path, &qs);
	api->cur_uri = NULL;
}

/* ---- lifecycle --------------------------------------------------------- */

static void *
api_thread(void *arg)
{
	struct ronda_api *api = arg;

	event_base_dispatch(api->base);
	return NULL;
}

static int
open_db(struct ronda_api *api, const char *path, char *err, size_t errlen)
{
	if (sqlite3_open_v2(path, &api->db, SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX,
	    NULL) != SQLITE_OK) {
		snprintf(err, errlen, "%s: %s", path, api->db != NULL ?
		    sqlite3_errmsg(api->db) : "cannot open");
		return -1;
	}
	sqlite3_busy_timeout(api->db, 2000);
	return 0;
}

static void
use_pthreads(void)
{
	(void)evthread_use_pthreads();
}

struct ronda_api *
ronda_api_start(const struct ronda_correlator_config *cfg, struct event_base *base,
    struct ronda_engine *eng, struct ronda_consumer *cons, char *err, size_t errlen)
{
	static pthread_once_t once = PTHREAD_ONCE_INIT;
	struct ronda_api *api;
	struct ronda_listen_addr addr;
	struct ronda_httpd_limits lim;
	struct timeval tv = { API_TICK_MS / 1000, (API_TICK_MS % 1000) * 1000 };
	sigset_t all, old;
	int rc;

	/* Locks for the API's event_base, so the main thread can stop it. */
	pthread_once(&once, use_pthreads);
	if ((api = calloc(1, sizeof(*api))) == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	pthread_mutex_init(&api->mu, NULL);
	ronda_buf_init(&api->out, API_RESPONSE_MAX);
	api->cfg = cfg;
	api->tokens = &cfg->api.tokens;
	api->analysts = &cfg->api.analysts;
	api->eng = eng;
	api->cons = cons;
	api->pub.lag = -1;
	/* NULL-terminated: the struct is zeroed and one slot is spare. */
	(void)ronda_alertd_sink_names(cfg, api->sinks, RONDA_ALERTD_MAX_SINKS);
	if (ronda_listen_parse(cfg->api.listen, &addr, err, errlen) == -1)
		goto fail;
	if ((api->base = event_base_new()) == NULL) {
		snprintf(err, errlen, "event_base_new failed");
		goto fail;
	}
	lim.max_request = cfg->api.max_request;
	lim.timeout_ms = cfg->api.timeout;
	lim.max_connections = cfg->api.max_connections;
	lim.backlog = API_BACKLOG;
	if ((api->httpd = ronda_httpd_new(api->base, &addr, &lim, api_on_request, api, err,
	    errlen)) == NULL)
		goto fail;
	if ((api->q = ronda_query_open(cfg->store, err, errlen)) == NULL ||
	    open_db(api, cfg->store, err, errlen) == -1)
		goto fail;
	/*
	 * Triage writes have a connection of their own; a write waits for a
	 * batch commit at most this long (then 503 with Retry-After).
	 */
	if ((api->tri = ronda_triage_open(cfg->store, API_WRITE_BUSY_MS, err, errlen)) == NULL)
		goto fail;

	/* The publisher: counters as stored now, then after each commit and tick. */
	publish(api, 1, 1);
	if ((api->tick = event_new(base, -1, EV_PERSIST, api_on_tick, api)) == NULL ||
	    event_add(api->tick, &tv) == -1) {
		snprintf(err, errlen, "event_new failed");
		goto fail;
	}
	ronda_consumer_on_commit(cons, api_on_commit, api);

	/* Signals stay with the main thread's loop. */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	rc = pthread_create(&api->thread, NULL, api_thread, api);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (rc != 0) {
		snprintf(err, errlen, "pthread_create: %s", strerror(rc));
		goto fail;
	}
	api->started = 1;
	log_info("api: listening on %s (%zu token%s, %zu analyst%s)",
	    ronda_httpd_address(api->httpd), cfg->api.tokens.n, cfg->api.tokens.n == 1 ? "" : "s",
	    cfg->api.analysts.n, cfg->api.analysts.n == 1 ? "" : "s");
	return api;
fail:
	ronda_api_free(api);
	return NULL;
}

void
ronda_api_free(struct ronda_api *api)
{
	if (api == NULL)
		return;
	if (api->started) {
		event_base_loopbreak(api->base);
		pthread_join(api->thread, NULL);
	}
	if (api->cons != NULL)
		ronda_consumer_on_commit(api->cons, NULL, NULL);
	if (api->tick != NULL)
		event_free(api->tick);
	ronda_httpd_free(api->httpd);
	if (api->base != NULL)
		event_base_free(api->base);
	ronda_query_close(api->q);
	ronda_triage_free(api->tri);
	if (api->db != NULL)
		sqlite3_close(api->db);
	ronda_buf_release(&api->out);
	cache_free(api);
	pthread_mutex_destroy(&api->mu);
	free(api);
}

const char *
ronda_api_address(const struct ronda_api *api)
{
	return ronda_httpd_address(api->httpd);
}

void
ronda_api_reload(struct ronda_api *api, const struct ronda_correlator_config *cfg)
{
	if (api == NULL)
		return;
	pthread_mutex_lock(&api->mu);
	api->tokens = &cfg->api.tokens;
	api->analysts = &cfg->api.analysts;
	pthread_mutex_unlock(&api->mu);
}
