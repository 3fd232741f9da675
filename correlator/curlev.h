/*
 * curlev.h — libcurl's multi interface driven by a libevent loop: libcurl
 * says which sockets to watch and when to time out
 * (CURLMOPT_SOCKETFUNCTION / CURLMOPT_TIMERFUNCTION), the loop tells it what
 * became ready (curl_multi_socket_action). Nothing blocks the loop: name
 * resolution runs in libcurl's resolver thread, TLS handshakes and the
 * transfer advance one ready socket at a time.
 *
 * One transfer at a time per instance (an alert sink never has two alerts
 * out); connections are kept by the multi handle and reused by the next
 * transfer. Knows nothing of alerts.
 */
#ifndef RONDA_CURLEV_H
#define RONDA_CURLEV_H

#include <stddef.h>

#include <curl/curl.h>

struct event_base;
struct ronda_curlev;

/* A finished transfer: rc is its CURLcode; the easy handle is the caller's again. */
typedef void (*ronda_curlev_done_fn)(void *arg, CURL *easy, CURLcode rc);

/* A driver on base (borrowed). NULL with err. */
struct ronda_curlev *ronda_curlev_new(struct event_base *base, char *err, size_t errlen);
/*
 * Start easy (borrowed: the caller keeps it and its options alive until
 * done). done(arg, easy, rc) is called once, from the loop, never from
 * inside this call. 0, or -1 with err (busy, or libcurl refused it).
 */
int ronda_curlev_start(struct ronda_curlev *cv, CURL *easy, ronda_curlev_done_fn done,
    void *arg, char *err, size_t errlen);
/* A transfer is out. */
int ronda_curlev_busy(const struct ronda_curlev *cv);
/* Drop the transfer that is out, without its done. */
void ronda_curlev_cancel(struct ronda_curlev *cv);
/* Cancel what is out and free; NULL ok. */
void ronda_curlev_free(struct ronda_curlev *cv);

#endif
