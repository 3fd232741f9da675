/*
 * indicator.h — the values incidents are linked by, made from one request:
 * the payload fingerprint, gambling words and domains, the attacker network,
 * and which user agents say nothing about who sent them.
 *
 * Pure functions over NUL-terminated strings (every byte of which may come
 * from an attacker); outputs are NUL-terminated, cut to the buffer, and hold
 * printable ASCII only (other bytes become '?'). No allocation, no state.
 */
#ifndef RONDA_INDICATOR_H
#define RONDA_INDICATOR_H

#include <stddef.h>

#define RONDA_INDICATOR_MAX 200		/* longest value produced (bytes, without NUL) */

/*
 * The payload fingerprint of a request: the path with every token that holds
 * a digit, every long hex or random-looking run folded, then the sorted
 * parameter names with their values folded. Numbers become "0", tokens
 * mixing letters and digits or long hex/random runs become "*" (written X
 * here): /upload/x8f2.php?cmd=id and /upload/k2a9.php?cmd=ls both give
 * /upload/X.php?cmd=X, /wp-content/uploads/2026/11/r711.php gives
 * /wp-content/uploads/0/0/X.php. Returns the length written, 0 when path is
 * empty.
 */
size_t ronda_indicator_payload(const char *path, const char *query, char *out, size_t n);

/*
 * The gambling keyword set of a request: the gambling words (slot, gacor,
 * togel, maxwin, ...) found in path and query, sorted, unique, joined by '+'
 * ("gacor+maxwin+slot"). Returns the number of words found (0: none).
 */
int ronda_indicator_gambling_words(const char *path, const char *query, char *out,
    size_t n);

/*
 * The host of a referrer that names gambling (a gambling word in the host,
 * "https://maxwin-gacor88.vip/" -> "maxwin-gacor88.vip"), lower case, "www."
 * dropped. Government, academic and school hosts never count. Returns the
 * length written, 0 when the referrer is not a gambling host.
 */
size_t ronda_indicator_gambling_domain(const char *referrer, char *out, size_t n);

/*
 * 1 when a user agent says nothing about who sent the request: an ordinary
 * browser, a search or social crawler, a generic HTTP library or command-line
 * tool (curl, python-requests, Go-http-client, ...), or empty. Such agents
 * are on every site; only the others are indicators.
 */
int ronda_indicator_ua_common(const char *ua);

/*
 * The attacker network of an address (family 4 or 6, bytes as in
 * ronda_cevent): "a.b.c.0/24" for IPv4, the /48 ("2001:db8:1::/48") for IPv6.
 */
void ronda_indicator_net(int family, const unsigned char ip[16], char *out, size_t n);

/*
 * The same text for any IPv6 prefix of v6_groups 16-bit groups (1..7; 3 is
 * the /48 above, 4 the /64): "a.b.c.0/24" or "2001:db8:1:2::/64",
 * NUL-terminated in out (at least 48 bytes); its length. "" for another family.
 */
size_t ronda_indicator_prefix(int family, const unsigned char ip[16], int v6_groups, char *out);

/*
 * 1 when the textual address ip lies in cidr ("10.61.0.0/16", "2001:db8::/32",
 * or a bare address, meaning itself); 0 otherwise or when either does not
 * parse.
 */
int ronda_indicator_ip_in(const char *ip, const char *cidr);

#endif
