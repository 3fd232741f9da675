#include "ronda/listen.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int
ronda_listen_parse(const char *s, struct ronda_listen_addr *a, char *err, size_t errlen)
{
	char host[64];
	const char *colon, *port, *h;
	size_t hlen;
	long pv = 0;

	memset(a, 0, sizeof(*a));
	if (s == NULL || s[0] == '\0') {
		snprintf(err, errlen, "empty address");
		return -1;
	}
	if (s[0] == '[') {
		const char *close = strchr(s, ']');
		if (close == NULL || close[1] != ':') {
			snprintf(err, errlen, "\"%.80s\": expected [IPv6]:PORT", s);
			return -1;
		}
		h = s + 1;
		hlen = (size_t)(close - h);
		port = close + 2;
	} else {
		if ((colon = strrchr(s, ':')) == NULL) {
			snprintf(err, errlen, "\"%.80s\": expected HOST:PORT", s);
			return -1;
		}
		if (memchr(s, ':', (size_t)(colon - s)) != NULL) {
			snprintf(err, errlen, "\"%.80s\": an IPv6 address goes in brackets, "
			    "as [::1]:PORT", s);
			return -1;
		}
		h = s;
		hlen = (size_t)(colon - s);
		port = colon + 1;
	}
	if (hlen == 0 || hlen >= sizeof(host)) {
		snprintf(err, errlen, "\"%.80s\": missing or overlong host", s);
		return -1;
	}
	memcpy(host, h, hlen);
	host[hlen] = '\0';
	if (port[0] == '\0' || strlen(port) > 5) {
		snprintf(err, errlen, "\"%.80s\": port must be 0..65535", s);
		return -1;
	}
	for (const char *p = port; *p != '\0'; p++) {
		if (*p < '0' || *p > '9') {
			snprintf(err, errlen, "\"%.80s\": port must be 0..65535", s);
			return -1;
		}
		pv = pv * 10 + (*p - '0');
	}
	if (pv > 65535) {
		snprintf(err, errlen, "\"%.80s\": port must be 0..65535", s);
		return -1;
	}
	if (strcmp(host, "localhost") == 0)
		snprintf(host, sizeof(host), "127.0.0.1");
	if (s[0] == '[') {
		struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&a->ss;
		if (inet_pton(AF_INET6, host, &sin6->sin6_addr) != 1) {
			snprintf(err, errlen, "\"%.80s\": not a numeric IPv6 address", s);
			return -1;
		}
		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons((uint16_t)pv);
		a->len = sizeof(*sin6);
	} else {
		struct sockaddr_in *sin = (struct sockaddr_in *)&a->ss;
		if (inet_pton(AF_INET, host, &sin->sin_addr) != 1) {
			snprintf(err, errlen, "\"%.80s\": host must be a numeric address or "
			    "localhost", s);
			return -1;
		}
		sin->sin_family = AF_INET;
		sin->sin_port = htons((uint16_t)pv);
		a->len = sizeof(*sin);
	}
	return 0;
}

int
ronda_listen_is_loopback(const struct ronda_listen_addr *a)
{
	if (a->ss.ss_family == AF_INET) {
		const struct sockaddr_in *sin = (const struct sockaddr_in *)&a->ss;
		return (ntohl(sin->sin_addr.s_addr) >> 24) == 127;
	}
	if (a->ss.ss_family == AF_INET6) {
		const struct sockaddr_in6 *sin6 = (const struct sockaddr_in6 *)&a->ss;
		const uint8_t *b = sin6->sin6_addr.s6_addr;
		if (IN6_IS_ADDR_LOOPBACK(&sin6->sin6_addr))
			return 1;
		return IN6_IS_ADDR_V4MAPPED(&sin6->sin6_addr) && b[12] == 127;
	}
	return 0;
}

void
ronda_listen_format(const struct ronda_listen_addr *a, char *out, size_t outlen)
{
	char host[INET6_ADDRSTRLEN];

	if (a->ss.ss_family == AF_INET6) {
		const struct sockaddr_in6 *sin6 = (const struct sockaddr_in6 *)&a->ss;
		inet_ntop(AF_INET6, &sin6->sin6_addr, host, sizeof(host));
		snprintf(out, outlen, "[%s]:%u", host, (unsigned)ntohs(sin6->sin6_port));
	} else if (a->ss.ss_family == AF_INET) {
		const struct sockaddr_in *sin = (const struct sockaddr_in *)&a->ss;
		inet_ntop(AF_INET, &sin->sin_addr, host, sizeof(host));
		snprintf(out, outlen, "%s:%u", host, (unsigned)ntohs(sin->sin_port));
	} else {
		snprintf(out, outlen, "(none)");
	}
}

int
ronda_listen_bound(int fd, struct ronda_listen_addr *a)
{
	memset(a, 0, sizeof(*a));
	a->len = sizeof(a->ss);
	return getsockname(fd, (struct sockaddr *)&a->ss, &a->len);
}

int
ronda_listen_socket(const struct ronda_listen_addr *a, int backlog, char *err,
    size_t errlen)
{
	char name[80];
	int fd, one = 1;

	ronda_listen_format(a, name, sizeof(name));
	fd = socket(a->ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd == -1) {
		snprintf(err, errlen, "socket for %s: %s", name, strerror(errno));
		return -1;
	}
	(void)setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	/* [::]:PORT means IPv6 only; IPv4 clients are a second listen address. */
	if (a->ss.ss_family == AF_INET6)
		(void)setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
	if (bind(fd, (const struct sockaddr *)&a->ss, a->len) == -1 ||
	    listen(fd, backlog) == -1) {
		snprintf(err, errlen, "bind %s: %s", name, strerror(errno));
		close(fd);
		return -1;
	}
	return fd;
}
