/*
 * bots.h — the address ranges search engines publish for their crawlers
 * (Google's googlebot.json, Bing's bingbot.json, ...), read from a file the
 * operator keeps, so that a request whose User-Agent says Googlebot from an
 * address outside Google's ranges is known for what it is. No DNS: a
 * reverse look-up per request would be slow and the attacker's to answer.
 *
 * File format, one range per line, '#' starts a comment:
 *   googlebot 66.249.64.0/19
 *   bingbot   157.55.39.0/24
 *   googlebot 2001:4860:4801:10::/64
 * NAME is matched case-insensitively as a word inside the User-Agent.
 */
#ifndef RONDA_BOTS_H
#define RONDA_BOTS_H

#include <stddef.h>

struct ronda_bots;

#define RONDA_BOTS_MAX_RANGES	65536	/* ranges read from one file */

/* Load path. NULL with "path:line: message" in err. */
struct ronda_bots *ronda_bots_load(const char *path, char *err, size_t errlen);
void ronda_bots_free(struct ronda_bots *b);
/* Ranges loaded. */
size_t ronda_bots_count(const struct ronda_bots *b);

enum { RONDA_BOTS_UNLISTED = -1, RONDA_BOTS_FAKE = 0, RONDA_BOTS_GENUINE = 1 };
/*
 * Whether a request from (family 4|6, addr: 16 bytes, IPv4 in the first 4)
 * with user agent ua comes from the crawler it names: GENUINE (inside one
 * of that crawler's ranges), FAKE (outside all of them), UNLISTED (the
 * agent names no crawler of the file). b NULL: UNLISTED.
 */
int ronda_bots_verify(const struct ronda_bots *b, const char *ua, int family,
    const unsigned char addr[16]);

#endif
