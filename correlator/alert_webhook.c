/*
 * The webhook sink: each alert POSTed as application/json to an http:// URL
 * through libevent's asynchronous HTTP client, never blocking the loop, with
 * the headers
 *
 *   Idempotency-Key: <alert id>        the same on every retry
 *   Content-Type: application/json
 *   User-Agent: ronda-correlator/<version>
 *   <the configured headers>           e.g. Authorization for a chat bridge
 *
 * A 2xx confirms. Anything else is a failed attempt the dispatcher retries
 * with backoff, 4xx included: most 4xx say the URL or the token is wrong,
 * which a fixed config cures for every alert, so dropping the alert would be
 * the worse mistake; they are logged as refusals. Retry-After (seconds) on a
 * 429/503 is honoured up to max_backoff. The request has a deadline of
 * `timeout` as a whole, beside evhttp's per-read/write timeout, so a server
 * trickling bytes cannot hold an alert forever. https is not supported:
 * point the URL at a local TLS-terminating relay (stunnel, nginx) if needed.
 */
#include "alertd.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/buffer.h>
#include <event2/dns.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>

#define MAX_RESPONSE_BODY (64 * 1024)
#define MAX_RESPONSE_HEADERS (16 * 1024)

struct webhook {
	struct event_base *base;
	struct evdns_base *dns;
	struct evhttp_connection *conn;
	struct event *deadline;
	char host[256];
	char hosthdr[300];
	char path[2048];
	int port;
	int64_t timeout;
	const struct ronda_kvlist *headers;	/* borrowed from the config */
	struct evhttp_request *req;		/* out, or NULL */
	ronda_alert_done_fn done;
	void *ctx;
	int status;				/* of the last response */
	char why[160];
};

int
ronda_alert_parse_url(const char *url, char *host, size_t hostlen, int *port,
    char *path, size_t pathlen, char *err, size_t errlen)
{
	const char *p, *h, *he, *slash;
	size_t n;
	long pt = 80;

	if (strncmp(url, "https://", 8) == 0) {
		snprintf(err, errlen, "https is not supported (use http:// to a local TLS relay)");
		return -1;
	}
	if (strncmp(url, "http://", 7) != 0) {
		snprintf(err, errlen, "must start with http://");
		return -1;
	}
	for (p = url; *p != '\0'; p++)
		if ((unsigned char)*p <= 0x20 || (unsigned char)*p >= 0x7f) {
			snprintf(err, errlen, "spaces, control characters and non-ASCII bytes"
			    " must be percent-encoded");
			return -1;
		}
	h = url + 7;
	slash = h + strcspn(h, "/?#");
	if (strchr(url, '#') != NULL) {
		snprintf(err, errlen, "a fragment (#) has no place in a webhook URL");
		return -1;
	}
	if (memchr(h, '@', (size_t)(slash - h)) != NULL) {
		snprintf(err, errlen, "user:password@ is not supported (use a header)");
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
	if (n == 0 || n >= hostlen) {
		snprintf(err, errlen, n == 0 ? "no host" : "host too long");
		return -1;
	}
	memcpy(host, h, n);
	host[n] = '\0';
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
	*port = (int)pt;
	if (*slash == '\0') {
		snprintf(path, pathlen, "/");
	} else if (*slash == '?') {
		if (strlen(slash) + 2 > pathlen) {
			snprintf(err, errlen, "path too long");
			return -1;
		}
		snprintf(path, pathlen, "/%s", slash);
	} else {
		if (strlen(slash) + 1 > pathlen) {
			snprintf(err, errlen, "path too long");
			return -1;
		}
		snprintf(path, pathlen, "%s", slash);
	}
	return 0;
}

static void
report(struct webhook *w, int ok, int permanent, int64_t retry_after)
{
	struct ronda_alert_result r = { .ok = ok, .permanent = permanent,
	    .retry_after = retry_after, .err = ok ? NULL : w->why };

	w->req = NULL;
	event_del(w->deadline);
	w->done(w->ctx, &r);
}

/* Seconds of a Retry-After header (the HTTP-date form is ignored), as ms. */
static int64_t
retry_after_ms(struct evhttp_request *req)
{
	const char *v = evhttp_find_header(evhttp_request_get_input_headers(req),
	    "Retry-After");
	long s;
	char *end;

	if (v == NULL || !isdigit((unsigned char)v[0]))
		return 0;
	s = strtol(v, &end, 10);
	if (*end != '\0' || s < 0 || s > 86400)
		return 0;
	return (int64_t)s * 1000;
}

static void
webhook_on_response(struct evhttp_request *req, void *arg)
{
	struct webhook *w = arg;
	int code;

	if (w->req == NULL)
		return;		/* cancelled by the deadline: already reported */
	code = req != NULL ? evhttp_request_get_response_code(req) : 0;
	w->status = code;
	if (code >= 200 && code < 300) {
		report(w, 1, 0, 0);
		return;
	}
	if (code == 0) {
		/* The error callback said why (connection refused, timeout, EOF). */
		if (w->why[0] == '\0')
			snprintf(w->why, sizeof(w->why), "%s:%d: cannot connect, or no response",
			    w->host, w->port);
		report(w, 0, 0, 0);
		return;
	}
	/* The reason phrase is the server's text: only the code is logged. */
	snprintf(w->why, sizeof(w->why), "HTTP %d from %s:%d", code, w->host, w->port);
	report(w, 0, code >= 400 && code < 500 && code != 408 && code != 429,
	    code == 429 || code == 503 ? retry_after_ms(req) : 0);
}

static void
webhook_on_error(enum evhttp_request_error e, void *arg)
{
	struct webhook *w = arg;
	const char *what = e == EVREQ_HTTP_TIMEOUT ? "timed out" :
	    e == EVREQ_HTTP_EOF ? "connection closed without a response" :
	    e == EVREQ_HTTP_INVALID_HEADER ? "bad response header" :
	    e == EVREQ_HTTP_BUFFER_ERROR ? "connection failed" :
	    e == EVREQ_HTTP_DATA_TOO_LONG ? "response too large" : "request failed";

	snprintf(w->why, sizeof(w->why), "%s:%d: %s", w->host, w->port, what);
}

static void
webhook_on_deadline(evutil_socket_t fd, short what, void *arg)
{
	struct webhook *w = arg;

	(void)fd;
	(void)what;
	if (w->req == NULL)
		return;
	/* Cancelling frees the request without its callback. */
	evhttp_cancel_request(w->req);
	snprintf(w->why, sizeof(w->why), "%s:%d: no complete response within %lld ms",
	    w->host, w->port, (long long)w->timeout);
	report(w, 0, 0, 0);
}

static int
webhook_send(void *arg, const char *id, const char *json, size_t len,
    ronda_alert_done_fn done, void *ctx, char *err, size_t errlen)
{
	struct webhook *w = arg;
	struct evhttp_request *req;
	struct evkeyvalq *h;
	struct timeval tv = { (time_t)(w->timeout / 1000), (suseconds_t)(w->timeout % 1000) * 1000 };

	if ((req = evhttp_request_new(webhook_on_response, w)) == NULL) {
		snprintf(err, errlen, "out of memory");
		return RONDA_SINK_FAILED;
	}
	evhttp_request_set_error_cb(req, webhook_on_error);
	h = evhttp_request_get_output_headers(req);
	evhttp_add_header(h, "Host", w->hosthdr);
	evhttp_add_header(h, "Content-Type", "application/json");
	evhttp_add_header(h, "Idempotency-Key", id);
	evhttp_add_header(h, "User-Agent", "ronda-correlator/" RONDA_VERSION);
	for (size_t i = 0; w->headers != NULL && i < w->headers->n; i++)
		evhttp_add_header(h, w->headers->k[i], w->headers->v[i]);
	if (evbuffer_add(evhttp_request_get_output_buffer(req), json, len) == -1) {
		evhttp_request_free(req);
		snprintf(err, errlen, "out of memory");
		return RONDA_SINK_FAILED;
	}
	w->done = done;
	w->ctx = ctx;
	w->why[0] = '\0';
	w->req = req;
	/* On failure the connection has freed req. */
	if (evhttp_make_request(w->conn, req, EVHTTP_REQ_POST, w->path) == -1) {
		w->req = NULL;
		snprintf(err, errlen, "%s:%d: cannot start the request", w->host, w->port);
		return RONDA_SINK_FAILED;
	}
	evtimer_add(w->deadline, &tv);
	return RONDA_SINK_STARTED;
}

static void
webhook_free(void *arg)
{
	struct webhook *w = arg;

	if (w == NULL)
		return;
	/* A request still out is dropped with the connection (no callback). */
	w->req = NULL;
	if (w->conn != NULL)
		evhttp_connection_free(w->conn);
	if (w->deadline != NULL)
		event_free(w->deadline);
	if (w->dns != NULL)
		evdns_base_free(w->dns, 0);
	free(w);
}

int
ronda_alert_webhook_new(struct ronda_alert_sink *out, struct event_base *base,
    const char *url, int64_t timeout_ms, const struct ronda_kvlist *headers,
    char *err, size_t errlen)
{
	struct webhook *w = calloc(1, sizeof(*w));
	struct timeval tv = { (time_t)(timeout_ms / 1000), (suseconds_t)(timeout_ms % 1000) * 1000 };
	struct in6_addr a6;
	struct in_addr a4;
	char why[160];

	if (w == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	if (ronda_alert_parse_url(url, w->host, sizeof(w->host), &w->port, w->path,
	    sizeof(w->path), why, sizeof(why)) == -1) {
		snprintf(err, errlen, "webhook url: %s", why);
		goto fail;
	}
	if (strchr(w->host, ':') != NULL)
		snprintf(w->hosthdr, sizeof(w->hosthdr), "[%s]:%d", w->host, w->port);
	else
		snprintf(w->hosthdr, sizeof(w->hosthdr), "%s:%d", w->host, w->port);
	w->base = base;
	w->timeout = timeout_ms;
	w->headers = headers;
	/* A host name is resolved without blocking the loop. */
	if (inet_pton(AF_INET, w->host, &a4) != 1 && inet_pton(AF_INET6, w->host, &a6) != 1 &&
	    (w->dns = evdns_base_new(base, EVDNS_BASE_INITIALIZE_NAMESERVERS)) == NULL) {
		snprintf(err, errlen, "webhook: cannot set up DNS resolution for %s", w->host);
		goto fail;
	}
	if ((w->conn = evhttp_connection_base_new(base, w->dns, w->host,
	    (unsigned short)w->port)) == NULL ||
	    (w->deadline = evtimer_new(base, webhook_on_deadline, w)) == NULL) {
		snprintf(err, errlen, "webhook: out of memory");
		goto fail;
	}
	/* Our dispatcher retries with backoff; evhttp itself does not. */
	evhttp_connection_set_retries(w->conn, 0);
	evhttp_connection_set_timeout_tv(w->conn, &tv);
	evhttp_connection_set_max_body_size(w->conn, MAX_RESPONSE_BODY);
	evhttp_connection_set_max_headers_size(w->conn, MAX_RESPONSE_HEADERS);
	memset(out, 0, sizeof(*out));
	snprintf(out->name, sizeof(out->name), "webhook");
	out->arg = w;
	out->send = webhook_send;
	out->free = webhook_free;
	return 0;
fail:
	webhook_free(w);
	return -1;
}
