/*
 * The webhook sink: each message POSTed to an http:// or https:// URL with
 * libcurl, driven by the correlator's event loop (curlev.h: the multi
 * interface on libevent), never blocking it. The body by format
 * (alert_format.h): json (the alert as stored, or a digest), telegram
 * (sendMessage to <url>/bot<token>/sendMessage, url defaulting to
 * https://api.telegram.org) or slack (an incoming webhook's {"text"}).
 * Headers:
 *
 *   Idempotency-Key: <alert id or digest key>   the same on every retry
 *   Content-Type: application/json
 *   User-Agent: ronda-correlator/<version>
 *   <the configured headers>           e.g. Authorization for a chat bridge
 *
 * Why libcurl: TLS with certificate and host name verification against the
 * system's CAs or a configured ca_file/ca_dir, proxies, IPv6, an
 * asynchronous resolver, timeouts over the whole request, from a library
 * Debian keeps patched — rather than TLS and HTTP written here. Redirects
 * are not followed (a 3xx is a failed try: the URL is wrong), only http and
 * https are allowed, no proxy is taken from the environment (only `proxy:`).
 *
 * A 2xx confirms. Anything else is a failed attempt the dispatcher retries
 * with backoff, 4xx included: most 4xx say the URL or the token is wrong,
 * which a fixed config cures for every alert, so dropping the alert would be
 * the worse mistake; they are logged as refusals. Retry-After (seconds) on a
 * 429/503 is honoured up to max_backoff (Telegram's parameters.retry_after
 * too). `timeout` bounds the whole request; the response is capped (64 KiB
 * body, 16 KiB headers) and a longer one fails the try.
 */
#include "alertd.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <cjson/cJSON.h>
#include <curl/curl.h>

#include "alert_format.h"
#include "curlev.h"
#include "ronda/buf.h"

#define MAX_RESPONSE_BODY (64 * 1024)
#define MAX_RESPONSE_HEADERS (16 * 1024)
#define MAX_BODY (1 << 20)
#define TELEGRAM_API "https://api.telegram.org"

struct webhook {
	struct ronda_curlev *cv;
	CURL *easy;
	struct curl_slist *base_hdrs;	/* the fixed headers */
	struct curl_slist *hdrs;	/* base_hdrs' copy + Idempotency-Key, per send */
	char *url;			/* what is POSTed to (telegram: with the token) */
	char where[300];		/* host:port for messages (never the token) */
	int format, lang;
	char *chat_id;
	struct ronda_buf body;		/* the request, kept until done */
	struct ronda_buf resp;		/* the response body, capped */
	size_t hdr_bytes;
	int too_large;
	int64_t retry_after;		/* ms from the Retry-After header */
	char errbuf[CURL_ERROR_SIZE];
	ronda_alert_done_fn done;
	void *ctx;
	char why[320];
};

/* ---- URLs ---- */

static int
scheme_allowed(const char *schemes, const char *s, size_t n)
{
	const char *p = schemes;

	while (*p != '\0') {
		size_t l = strcspn(p, ",");
		if (l == n && strncasecmp(p, s, n) == 0)
			return 1;
		p += l + (p[l] == ',');
	}
	return 0;
}

static int
default_port(const char *scheme)
{
	if (strcmp(scheme, "https") == 0)
		return 443;
	if (strcmp(scheme, "smtp") == 0)
		return 25;
	if (strcmp(scheme, "smtps") == 0)
		return 465;
	return 80;
}

int
ronda_alert_url_parse(const char *url, const char *schemes, struct ronda_alert_url *u,
    char *err, size_t errlen)
{
	const char *p, *h, *he, *slash, *colon = strstr(url, "://");
	size_t n;
	long pt;

	memset(u, 0, sizeof(*u));
	if (colon == NULL || colon == url || (size_t)(colon - url) >= sizeof(u->scheme) ||
	    !scheme_allowed(schemes, url, (size_t)(colon - url))) {
		char list[64];
		snprintf(list, sizeof(list), "%s", schemes);
		for (char *c = list; *c != '\0'; c++)
			if (*c == ',')
				*c = '/';
		snprintf(err, errlen, "must start with %s://", list);
		return -1;
	}
	for (size_t i = 0; i < (size_t)(colon - url); i++)
		u->scheme[i] = (char)tolower((unsigned char)url[i]);
	for (p = url; *p != '\0'; p++)
		if ((unsigned char)*p <= 0x20 || (unsigned char)*p >= 0x7f) {
			snprintf(err, errlen, "spaces, control characters and non-ASCII bytes"
			    " must be percent-encoded");
			return -1;
		}
	h = colon + 3;
	slash = h + strcspn(h, "/?#");
	if (strchr(url, '#') != NULL) {
		snprintf(err, errlen, "a fragment (#) has no place in this URL");
		return -1;
	}
	if (memchr(h, '@', (size_t)(slash - h)) != NULL) {
		snprintf(err, errlen, "user:password@ is not supported (use a header or the"
		    " sink's own keys)");
		return -1;
	}
	if (*h == '[') {
		he = memchr(h, ']', (size_t)(slash - h));
		if (he == NULL) {
			snprintf(err, errlen, "unterminated [IPv6 address]");
			return -1;
		}
		n = (size_t)(he - h - 1);
		h++;
		p = he + 1;
	} else {
		he = memchr(h, ':', (size_t)(slash - h));
		if (he == NULL)
			he = slash;
		n = (size_t)(he - h);
		p = he;
	}
	if (n == 0 || n >= sizeof(u->host)) {
		snprintf(err, errlen, n == 0 ? "no host" : "host too long");
		return -1;
	}
	memcpy(u->host, h, n);
	pt = default_port(u->scheme);
	if (p < slash) {
		char *end;
		if (*p != ':' || p + 1 == slash) {
			snprintf(err, errlen, "bad port");
			return -1;
		}
		pt = strtol(p + 1, &end, 10);
		if (end != slash || pt < 1 || pt > 65535 || !isdigit((unsigned char)p[1])) {
			snprintf(err, errlen, "port must be 1..65535");
			return -1;
		}
	}
	u->port = (int)pt;
	if (strlen(slash) + 2 > sizeof(u->path)) {
		snprintf(err, errlen, "path too long");
		return -1;
	}
	if (*slash == '\0')
		snprintf(u->path, sizeof(u->path), "/");
	else if (*slash == '?')
		snprintf(u->path, sizeof(u->path), "/%s", slash);
	else
		snprintf(u->path, sizeof(u->path), "%s", slash);
	return 0;
}

int
ronda_alert_parse_url(const char *url, char *host, size_t hostlen, int *port,
    char *path, size_t pathlen, char *err, size_t errlen)
{
	struct ronda_alert_url u;

	if (ronda_alert_url_parse(url, "http,https", &u, err, errlen) == -1)
		return -1;
	if (strlen(u.host) >= hostlen || strlen(u.path) >= pathlen) {
		snprintf(err, errlen, "%s too long", strlen(u.host) >= hostlen ? "host" : "path");
		return -1;
	}
	snprintf(host, hostlen, "%s", u.host);
	snprintf(path, pathlen, "%s", u.path);
	*port = u.port;
	return 0;
}

/* ---- the transfer ---- */

static size_t
webhook_on_body(char *p, size_t size, size_t n, void *arg)
{
	struct webhook *w = arg;

	if (w->resp.len + n > MAX_RESPONSE_BODY) {
		w->too_large = 1;
		return 0;	/* aborts the transfer: CURLE_WRITE_ERROR */
	}
	ronda_buf_append(&w->resp, p, n);
	return size * n;
}

/* Seconds of a Retry-After header (the HTTP-date form is ignored), as ms. */
static size_t
webhook_on_header(char *p, size_t size, size_t n, void *arg)
{
	struct webhook *w = arg;
	size_t all = size * n, l;
	char v[32];

	w->hdr_bytes += all;
	if (w->hdr_bytes > MAX_RESPONSE_HEADERS) {
		w->too_large = 1;
		return 0;
	}
	if (n >= 5 && strncmp(p, "HTTP/", 5) == 0) {
		w->retry_after = 0;	/* a new response (after a 100 Continue) */
		return all;
	}
	if (n > 12 && strncasecmp(p, "Retry-After:", 12) == 0) {
		p += 12;
		n -= 12;
		while (n > 0 && (*p == ' ' || *p == '\t')) {
			p++;
			n--;
		}
		for (l = 0; l < n && l < sizeof(v) - 1 && isdigit((unsigned char)p[l]); l++)
			v[l] = p[l];
		v[l] = '\0';
		if (l > 0 && l < 6 && (l == n || p[l] == '\r' || p[l] == '\n'))
			w->retry_after = strtol(v, NULL, 10) <= 86400 ?
			    strtol(v, NULL, 10) * 1000 : 0;
	}
	return all;
}

/* Telegram says why in {"ok":false,"description":...,"parameters":{"retry_after":N}}. */
static void
telegram_reason(struct webhook *w, int code)
{
	cJSON *o, *d, *par, *ra;
	struct ronda_buf t;

	if (w->resp.data == NULL || (o = cJSON_ParseWithLength(w->resp.data, w->resp.len)) ==
	    NULL)
		return;
	d = cJSON_GetObjectItemCaseSensitive(o, "description");
	par = cJSON_GetObjectItemCaseSensitive(o, "parameters");
	ra = cJSON_GetObjectItemCaseSensitive(par, "retry_after");
	if (code == 429 && cJSON_IsNumber(ra) && ra->valuedouble > 0 &&
	    ra->valuedouble <= 86400 && w->retry_after == 0)
		w->retry_after = (int64_t)ra->valuedouble * 1000;
	if (cJSON_IsString(d)) {
		/* The server's words, escaped and short: they go to the log. */
		ronda_buf_init(&t, 256);
		ronda_buf_term_str(&t, d->valuestring, strnlen(d->valuestring, 120));
		if (t.data != NULL)
			snprintf(w->why + strlen(w->why), sizeof(w->why) - strlen(w->why), ": %s",
			    t.data);
		ronda_buf_release(&t);
	}
	cJSON_Delete(o);
}

static void
webhook_on_done(void *arg, CURL *easy, CURLcode rc)
{
	struct webhook *w = arg;
	struct ronda_alert_result r = { 0 };
	long code = 0;

	curl_easy_getinfo(easy, CURLINFO_RESPONSE_CODE, &code);
	if (rc != CURLE_OK) {
		if (w->too_large)
			snprintf(w->why, sizeof(w->why), "%s: response too large", w->where);
		else
			snprintf(w->why, sizeof(w->why), "%s: %s", w->where, w->errbuf[0] != '\0' ?
			    w->errbuf : curl_easy_strerror(rc));
	} else if (code >= 200 && code < 300) {
		r.ok = 1;
	} else {
		/* The reason phrase is the server's text: only the code is logged. */
		snprintf(w->why, sizeof(w->why), "HTTP %ld from %s%s", code, w->where,
		    code >= 300 && code < 400 ? " (redirects are not followed)" : "");
		if (w->format == RONDA_FORMAT_TELEGRAM)
			telegram_reason(w, (int)code);
		r.permanent = code >= 400 && code < 500 && code != 408 && code != 429;
		r.retry_after = code == 429 || code == 503 ? w->retry_after : 0;
	}
	r.err = r.ok ? NULL : w->why;
	curl_slist_free_all(w->hdrs);
	w->hdrs = NULL;
	ronda_buf_release(&w->body);
	ronda_buf_release(&w->resp);
	w->done(w->ctx, &r);
}

/* The body in the sink's format, into w->body. 0 / -1 with err. */
static int
render(struct webhook *w, const char *json, char *err, size_t errlen)
{
	struct ronda_alert_msg *m;
	int rc;

	ronda_buf_init(&w->body, MAX_BODY);
	if ((m = ronda_alert_msg_parse(json, err, errlen)) == NULL)
		return -1;
	switch (w->format) {
	case RONDA_FORMAT_TELEGRAM:
		rc = ronda_alert_render_telegram(&w->body, m, w->chat_id, w->lang);
		break;
	case RONDA_FORMAT_SLACK:
		rc = ronda_alert_render_slack(&w->body, m, w->lang);
		break;
	default:
		rc = ronda_alert_render_json(&w->body, m, w->lang);
	}
	ronda_alert_msg_free(m);
	if (rc == -1)
		snprintf(err, errlen, "the message does not fit in %d bytes", MAX_BODY);
	return rc;
}

static int
webhook_send(void *arg, const char *id, const char *json, size_t len,
    ronda_alert_done_fn done, void *ctx, char *err, size_t errlen)
{
	struct webhook *w = arg;
	char key[80];

	(void)len;
	if (render(w, json, err, errlen) == -1)
		goto fail;
	w->hdrs = NULL;
	for (struct curl_slist *h = w->base_hdrs; h != NULL; h = h->next) {
		struct curl_slist *n = curl_slist_append(w->hdrs, h->data);
		if (n == NULL)
			goto oom;
		w->hdrs = n;
	}
	snprintf(key, sizeof(key), "Idempotency-Key: %.64s", id);
	{
		struct curl_slist *n = curl_slist_append(w->hdrs, key);
		if (n == NULL)
			goto oom;
		w->hdrs = n;
	}
	curl_easy_setopt(w->easy, CURLOPT_HTTPHEADER, w->hdrs);
	curl_easy_setopt(w->easy, CURLOPT_POSTFIELDS, w->body.data);
	curl_easy_setopt(w->easy, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)w->body.len);
	ronda_buf_init(&w->resp, MAX_RESPONSE_BODY + 1);
	w->hdr_bytes = 0;
	w->too_large = 0;
	w->retry_after = 0;
	w->errbuf[0] = '\0';
	w->why[0] = '\0';
	w->done = done;
	w->ctx = ctx;
	if (ronda_curlev_start(w->cv, w->easy, webhook_on_done, w, err, errlen) == -1)
		goto fail;
	return RONDA_SINK_STARTED;
oom:
	snprintf(err, errlen, "out of memory");
fail:
	curl_slist_free_all(w->hdrs);
	w->hdrs = NULL;
	ronda_buf_release(&w->body);
	return RONDA_SINK_FAILED;
}

static void
webhook_free(void *arg)
{
	struct webhook *w = arg;

	if (w == NULL)
		return;
	/* A request still out is dropped with the handle (no callback). */
	ronda_curlev_cancel(w->cv);
	if (w->easy != NULL)
		curl_easy_cleanup(w->easy);
	ronda_curlev_free(w->cv);
	curl_slist_free_all(w->base_hdrs);
	curl_slist_free_all(w->hdrs);
	ronda_buf_release(&w->body);
	ronda_buf_release(&w->resp);
	free(w->url);
	free(w->chat_id);
	free(w);
}

static int
add_header(struct webhook *w, const char *line)
{
	struct curl_slist *n = curl_slist_append(w->base_hdrs, line);

	if (n == NULL)
		return -1;
	w->base_hdrs = n;
	return 0;
}

int
ronda_alert_webhook_new(struct ronda_alert_sink *out, struct event_base *base,
    const struct ronda_alert_sink_cfg *c, int lang, char *err, size_t errlen)
{
	struct webhook *w = calloc(1, sizeof(*w));
	const char *url = c->url != NULL && c->url[0] != '\0' ? c->url :
	    c->format == RONDA_FORMAT_TELEGRAM ? TELEGRAM_API : "";
	struct ronda_alert_url u;
	char why[160], *token = NULL;
	struct ronda_buf b;
	int bad = 0;

	ronda_buf_init(&b, 8192);
	if (w == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	w->format = c->format;
	w->lang = lang;
	if (ronda_alert_url_parse(url, "http,https", &u, why, sizeof(why)) == -1) {
		snprintf(err, errlen, "%s: url: %s", c->name, why);
		goto fail;
	}
	snprintf(w->where, sizeof(w->where), strchr(u.host, ':') != NULL ? "[%s]:%d" : "%s:%d",
	    u.host, u.port);
	if (c->format == RONDA_FORMAT_TELEGRAM) {
		/* url is the Bot API server (a local one, or a test stub). */
		if (ronda_alert_secret(c->bot_token, c->bot_token_file, NULL, &token, why,
		    sizeof(why)) == -1) {
			snprintf(err, errlen, "%s: bot_token: %s", c->name, why);
			goto fail;
		}
		ronda_buf_puts(&b, url);
		while (b.len > 0 && b.data[b.len - 1] == '/')
			b.data[--b.len] = '\0';
		ronda_buf_printf(&b, "/bot%s/sendMessage", token);
		w->url = b.data != NULL && !b.overflow ? strdup(b.data) : NULL;
		if ((w->chat_id = strdup(c->chat_id != NULL ? c->chat_id : "")) == NULL)
			bad = 1;
	} else {
		w->url = strdup(url);
	}
	if (w->url == NULL || bad)
		goto oom;
	if ((w->cv = ronda_curlev_new(base, why, sizeof(why))) == NULL) {
		snprintf(err, errlen, "%s: %s", c->name, why);
		goto fail;
	}
	if ((w->easy = curl_easy_init()) == NULL)
		goto oom;
	bad |= add_header(w, "Content-Type: application/json") == -1;
	bad |= add_header(w, "User-Agent: ronda-correlator/" RONDA_VERSION) == -1;
	bad |= add_header(w, "Expect:") == -1;	/* no 100-continue round trip */
	for (size_t i = 0; i < c->headers.n && !bad; i++) {
		ronda_buf_reset(&b);
		ronda_buf_printf(&b, "%s: %s", c->headers.k[i], c->headers.v[i]);
		bad |= b.overflow || add_header(w, b.data) == -1;
	}
	if (bad)
		goto oom;
	curl_easy_setopt(w->easy, CURLOPT_URL, w->url);
	curl_easy_setopt(w->easy, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(w->easy, CURLOPT_FOLLOWLOCATION, 0L);
	curl_easy_setopt(w->easy, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(w->easy, CURLOPT_TIMEOUT_MS, (long)c->timeout);
	curl_easy_setopt(w->easy, CURLOPT_CONNECTTIMEOUT_MS, (long)c->timeout);
	curl_easy_setopt(w->easy, CURLOPT_SSL_VERIFYPEER, 1L);
	curl_easy_setopt(w->easy, CURLOPT_SSL_VERIFYHOST, 2L);
	curl_easy_setopt(w->easy, CURLOPT_SSLVERSION, (long)CURL_SSLVERSION_TLSv1_2);
	if (c->ca_file != NULL && c->ca_file[0] != '\0')
		curl_easy_setopt(w->easy, CURLOPT_CAINFO, c->ca_file);
	if (c->ca_dir != NULL && c->ca_dir[0] != '\0')
		curl_easy_setopt(w->easy, CURLOPT_CAPATH, c->ca_dir);
	/* "" turns off the environment's http_proxy/https_proxy as well. */
	curl_easy_setopt(w->easy, CURLOPT_PROXY, c->proxy != NULL ? c->proxy : "");
	curl_easy_setopt(w->easy, CURLOPT_POST, 1L);
	curl_easy_setopt(w->easy, CURLOPT_WRITEFUNCTION, webhook_on_body);
	curl_easy_setopt(w->easy, CURLOPT_WRITEDATA, w);
	curl_easy_setopt(w->easy, CURLOPT_HEADERFUNCTION, webhook_on_header);
	curl_easy_setopt(w->easy, CURLOPT_HEADERDATA, w);
	curl_easy_setopt(w->easy, CURLOPT_ERRORBUFFER, w->errbuf);
	curl_easy_setopt(w->easy, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)MAX_RESPONSE_BODY);
	ronda_buf_release(&b);
	if (token != NULL) {
		explicit_bzero(token, strlen(token));
		free(token);
	}
	memset(out, 0, sizeof(*out));
	snprintf(out->name, sizeof(out->name), "%s", c->name);
	out->digest = c->digest;
	out->arg = w;
	out->send = webhook_send;
	out->free = webhook_free;
	return 0;
oom:
	snprintf(err, errlen, "%s: out of memory", c->name);
fail:
	ronda_buf_release(&b);
	if (token != NULL) {
		explicit_bzero(token, strlen(token));
		free(token);
	}
	webhook_free(w);
	return -1;
}
