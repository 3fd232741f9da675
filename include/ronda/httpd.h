/*
 * httpd.h — a small libevent evhttp server with the limits every Ronda HTTP
 * endpoint needs: request size (headers and body), a per-connection timeout
 * and a cap on connections served at once. The correlator's API runs one in
 * its own thread; the collector's /metrics runs one on its main loop.
 *
 * libevent 2.1 has no connection cap of its own: httpd.c counts connections
 * in as evhttp accepts them and out through each connection's close
 * callback. At the cap the listener is disabled (new clients wait in the
 * kernel's accept queue, they are not refused) and enabled again when a
 * connection closes.
 */
#ifndef RONDA_HTTPD_H
#define RONDA_HTTPD_H

#include <stddef.h>
#include <stdint.h>

#include "ronda/listen.h"

struct event_base;
struct evhttp;
struct evhttp_request;
struct ronda_httpd;

struct ronda_httpd_limits {
	int64_t max_request;		/* bytes of the headers, and of a body */
	int64_t timeout_ms;		/* a connection silent this long is closed */
	int64_t max_connections;	/* served at once; more wait to be accepted */
	int backlog;			/* listen() backlog (the kernel caps it at somaxconn) */
};

struct ronda_httpd_stats {
	uint64_t accepted;		/* connections accepted */
	uint64_t at_cap;		/* times the cap paused accepting */
	int64_t open;			/* connections open now */
};

/*
 * Listen on a and serve every request through handler(req, arg) on base
 * (borrowed; the httpd must be freed before it). NULL with "bind ...: why"
 * in err.
 */
struct ronda_httpd *ronda_httpd_new(struct event_base *base,
    const struct ronda_listen_addr *a, const struct ronda_httpd_limits *lim,
    void (*handler)(struct evhttp_request *req, void *arg), void *arg,
    char *err, size_t errlen);
/* Close the listener and every connection. NULL is a no-op. */
void ronda_httpd_free(struct ronda_httpd *h);
/* "127.0.0.1:8470": the address actually bound (port 0 resolved). */
const char *ronda_httpd_address(const struct ronda_httpd *h);
/* Counters (only from the thread that runs base). */
void ronda_httpd_stats(const struct ronda_httpd *h, struct ronda_httpd_stats *st);

#endif
