/*
 * listen.h — "HOST:PORT" listen addresses for the daemons' HTTP endpoints
 * (the correlator's API, the collector's /metrics).
 *
 *   127.0.0.1:8470   [::1]:8470   localhost:8470   0.0.0.0:8470   [::]:8470
 *
 * HOST is a numeric IPv4 or IPv6 address (IPv6 in brackets) or "localhost"
 * (127.0.0.1); no name is resolved, so a config is checked without DNS.
 * PORT is 0..65535; 0 lets the kernel choose (tests read the bound port back).
 */
#ifndef RONDA_LISTEN_H
#define RONDA_LISTEN_H

#include <stddef.h>
#include <sys/socket.h>

struct ronda_listen_addr {
	struct sockaddr_storage ss;
	socklen_t len;
};

/* Parse s into a. 0, or -1 with "why" in err (no file/line: the caller adds it). */
int ronda_listen_parse(const char *s, struct ronda_listen_addr *a, char *err,
    size_t errlen);

/* 1 when a is a loopback address (127.0.0.0/8, ::1, ::ffff:127.x.y.z). */
int ronda_listen_is_loopback(const struct ronda_listen_addr *a);

/*
 * A non-blocking, close-on-exec TCP socket bound to a (SO_REUSEADDR) and
 * listening with backlog. Returns the fd, or -1 with "bind HOST:PORT: why" in err.
 */
int ronda_listen_socket(const struct ronda_listen_addr *a, int backlog, char *err,
    size_t errlen);

/* "127.0.0.1:8470" / "[::1]:8470" for a (or the address fd is bound to). */
void ronda_listen_format(const struct ronda_listen_addr *a, char *out, size_t outlen);
/* The address fd is bound to (after port 0). 0 / -1. */
int ronda_listen_bound(int fd, struct ronda_listen_addr *a);

#endif
