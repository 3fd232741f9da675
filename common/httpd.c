#include "ronda/httpd.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/listener.h>

/*
 * Counting connections without libevent's help (2.1 has no cap and no
 * "connection opened" hook): evhttp asks httpd_on_accept for each accepted
 * connection's bufferevent, which is counted in and held (incref) until the
 * next loop turn; by then evhttp has set the bufferevent's callbacks with
 * the connection as their argument, so httpd_on_adopt can hang a close
 * callback on the connection (counted out when evhttp frees it), or find it
 * already closed (callbacks cleared) and count it out at once.
 */
struct ronda_httpd {
	struct event_base *base;
	struct evhttp *http;
	struct evconnlistener *listener;	/* owned by http */
	struct event *adopt;
	struct bufferevent **fresh;	/* accepted, not yet adopted (each held) */
	size_t nfresh, capfresh;
	int64_t max_connections;
	int paused;
	int closing;
	struct ronda_httpd_stats st;
	char addr[80];
};

static void
count_out(struct ronda_httpd *h)
{
	h->st.open--;
	if (h->paused && !h->closing && h->st.open < h->max_connections) {
		evconnlistener_enable(h->listener);
		h->paused = 0;
	}
}

static void
httpd_on_close(struct evhttp_connection *evcon, void *arg)
{
	(void)evcon;
	count_out(arg);
}

static void
httpd_on_adopt(evutil_socket_t fd, short what, void *arg)
{
	struct ronda_httpd *h = arg;

	(void)fd;
	(void)what;
	for (size_t i = 0; i < h->nfresh; i++) {
		struct bufferevent *bev = h->fresh[i];
		bufferevent_data_cb rd = NULL;
		void *cbarg = NULL;
		bufferevent_getcb(bev, &rd, NULL, NULL, &cbarg);
		if (rd != NULL && cbarg != NULL &&
		    evhttp_connection_get_bufferevent(cbarg) == bev)
			evhttp_connection_set_closecb(cbarg, httpd_on_close, h);
		else
			count_out(h);	/* closed before its first loop turn */
		bufferevent_decref(bev);
	}
	h->nfresh = 0;
}

/* evhttp asks for the bufferevent of each accepted connection: count it in. */
static struct bufferevent *
httpd_on_accept(struct event_base *base, void *arg)
{
	struct ronda_httpd *h = arg;
	struct bufferevent *bev;
	struct timeval now = { 0, 0 };

	if (h->nfresh == h->capfresh) {
		size_t cap = h->capfresh ? h->capfresh * 2 : 64;
		struct bufferevent **v = realloc(h->fresh, cap * sizeof(*v));
		if (v == NULL)
			return NULL;	/* evhttp makes its own: served, not counted */
		h->fresh = v;
		h->capfresh = cap;
	}
	if ((bev = bufferevent_socket_new(base, -1, BEV_OPT_CLOSE_ON_FREE)) == NULL)
		return NULL;
	bufferevent_incref(bev);
	h->fresh[h->nfresh++] = bev;
	if (!evtimer_pending(h->adopt, NULL))
		evtimer_add(h->adopt, &now);
	h->st.accepted++;
	if (++h->st.open >= h->max_connections && !h->paused) {
		evconnlistener_disable(h->listener);
		h->paused = 1;
		h->st.at_cap++;
	}
	return bev;
}

struct ronda_httpd *
ronda_httpd_new(struct event_base *base, const struct ronda_listen_addr *a,
    const struct ronda_httpd_limits *lim,
    void (*handler)(struct evhttp_request *req, void *arg), void *arg,
    char *err, size_t errlen)
{
	struct ronda_httpd *h = calloc(1, sizeof(*h));
	struct evhttp_bound_socket *bs;
	struct ronda_listen_addr bound;
	struct timeval tv;
	int fd = -1;

	if (h == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	h->base = base;
	h->max_connections = lim->max_connections > 0 ? lim->max_connections : 1;
	if ((h->http = evhttp_new(base)) == NULL ||
	    (h->adopt = evtimer_new(base, httpd_on_adopt, h)) == NULL) {
		snprintf(err, errlen, "evhttp_new failed");
		goto fail;
	}
	if ((fd = ronda_listen_socket(a, lim->backlog > 0 ? lim->backlog : 128, err,
	    errlen)) == -1)
		goto fail;
	if (ronda_listen_bound(fd, &bound) == 0)
		ronda_listen_format(&bound, h->addr, sizeof(h->addr));
	else
		ronda_listen_format(a, h->addr, sizeof(h->addr));
	if ((bs = evhttp_accept_socket_with_handle(h->http, fd)) == NULL) {
		snprintf(err, errlen, "listen %s: evhttp refused the socket", h->addr);
		close(fd);
		goto fail;
	}
	h->listener = evhttp_bound_socket_get_listener(bs);
	/* Every method reaches the handler, which answers 405 in its own format. */
	evhttp_set_allowed_methods(h->http, EVHTTP_REQ_GET | EVHTTP_REQ_POST |
	    EVHTTP_REQ_HEAD | EVHTTP_REQ_PUT | EVHTTP_REQ_DELETE | EVHTTP_REQ_OPTIONS |
	    EVHTTP_REQ_TRACE | EVHTTP_REQ_CONNECT | EVHTTP_REQ_PATCH);
	evhttp_set_max_headers_size(h->http, (ev_ssize_t)lim->max_request);
	evhttp_set_max_body_size(h->http, (ev_ssize_t)lim->max_request);
	tv.tv_sec = (time_t)(lim->timeout_ms / 1000);
	tv.tv_usec = (suseconds_t)(lim->timeout_ms % 1000) * 1000;
	evhttp_set_timeout_tv(h->http, &tv);
	evhttp_set_bevcb(h->http, httpd_on_accept, h);
	evhttp_set_gencb(h->http, handler, arg);
	return h;
fail:
	ronda_httpd_free(h);
	return NULL;
}

void
ronda_httpd_free(struct ronda_httpd *h)
{
	if (h == NULL)
		return;
	h->closing = 1;
	if (h->adopt != NULL) {
		httpd_on_adopt(-1, 0, h);	/* release the held bufferevents */
		event_free(h->adopt);
	}
	if (h->http != NULL)
		evhttp_free(h->http);	/* runs the close callbacks: closing is set */
	free(h->fresh);
	free(h);
}

const char *
ronda_httpd_address(const struct ronda_httpd *h)
{
	return h->addr;
}

void
ronda_httpd_stats(const struct ronda_httpd *h, struct ronda_httpd_stats *st)
{
	*st = h->st;
}
