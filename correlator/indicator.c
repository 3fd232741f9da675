#include "indicator.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* Bounded writer: never past n - 1 bytes, always NUL-terminated. */
struct out {
	char *p;
	size_t n, len;
	int full;
};

static void
out_init(struct out *o, char *p, size_t n)
{
	o->p = p;
	o->n = n;
	o->len = 0;
	o->full = n == 0;
	if (n > 0)
		p[0] = '\0';
}

static size_t
out_cap(const struct out *o)
{
	size_t cap = o->n > 0 ? o->n - 1 : 0;

	return cap < RONDA_INDICATOR_MAX ? cap : RONDA_INDICATOR_MAX;
}

/* Append s[0..l) whole or not at all (values are cut at token boundaries). */
static int
out_put(struct out *o, const char *s, size_t l)
{
	if (o->full || o->len + l > out_cap(o)) {
		o->full = 1;
		return -1;
	}
	memcpy(o->p + o->len, s, l);
	o->len += l;
	o->p[o->len] = '\0';
	return 0;
}

static int
is_digit(unsigned char c)
{
	return c >= '0' && c <= '9';
}

static int
is_alpha(unsigned char c)
{
	return (c | 0x20) >= 'a' && (c | 0x20) <= 'z';
}

static int
is_hex(unsigned char c)
{
	return is_digit(c) || ((c | 0x20) >= 'a' && (c | 0x20) <= 'f');
}

static unsigned char
lower(unsigned char c)
{
	return c >= 'A' && c <= 'Z' ? (unsigned char)(c | 0x20) : c;
}

/* Characters that separate the tokens of a path segment or parameter name. */
static int
is_sep(unsigned char c)
{
	return c != '\0' && strchr("-_.~,;+=:@!$'()* ", c) != NULL;
}

/*
 * Fold one token: numbers -> "0"; letters and digits mixed, hex runs of 8+,
 * letter runs of 24+, or 12+ letters in mixed case (base64-like) -> "*";
 * anything else lower case, bytes outside printable ASCII as '?'.
 */
static int
fold_token(struct out *o, const unsigned char *t, size_t l)
{
	size_t digits = 0, alpha = 0, hex = 0, upper = 0, low = 0;
	char buf[RONDA_INDICATOR_MAX];

	if (l == 0)
		return 0;
	for (size_t i = 0; i < l; i++) {
		digits += is_digit(t[i]);
		alpha += is_alpha(t[i]);
		hex += is_hex(t[i]);
		upper += t[i] >= 'A' && t[i] <= 'Z';
		low += t[i] >= 'a' && t[i] <= 'z';
	}
	if (digits == l)
		return out_put(o, "0", 1);
	if ((digits > 0 && alpha > 0) || (hex == l && l >= 8 && digits > 0) || l >= 24 ||
	    (alpha == l && l >= 12 && upper >= 2 && low >= 2))
		return out_put(o, "*", 1);
	if (l > sizeof(buf))
		return out_put(o, "*", 1);
	for (size_t i = 0; i < l; i++)
		buf[i] = t[i] >= 0x20 && t[i] < 0x7f ? (char)lower(t[i]) : '?';
	return out_put(o, buf, l);
}

/* Fold a run s[0..l) token by token, separators kept. */
static int
fold_run(struct out *o, const unsigned char *s, size_t l)
{
	size_t i = 0;

	while (i < l) {
		size_t j = i;
		while (j < l && !is_sep(s[j]))
			j++;
		if (fold_token(o, s + i, j - i) == -1)
			return -1;
		if (j < l && out_put(o, (const char *)&s[j], 1) == -1)
			return -1;
		i = j + 1;
	}
	return 0;
}

struct pname {
	char v[40];
};

static int
by_name(const void *a, const void *b)
{
	return strcmp(((const struct pname *)a)->v, ((const struct pname *)b)->v);
}

size_t
ronda_indicator_payload(const char *path, const char *query, char *dst, size_t n)
{
	const unsigned char *p = (const unsigned char *)path;
	struct pname names[16];
	int nn = 0;
	struct out o;

	out_init(&o, dst, n);
	if (path == NULL || path[0] == '\0')
		return 0;
	while (*p != '\0') {
		size_t l = strcspn((const char *)p, "/");
		if (fold_run(&o, p, l) == -1)
			break;
		p += l;
		if (*p == '/') {
			if (out_put(&o, "/", 1) == -1)
				break;
			p++;
		}
	}
	/* Parameter names, sorted and unique; values folded away. */
	for (const char *q = query != NULL ? query : ""; *q != '\0' && nn < 16; ) {
		size_t l = strcspn(q, "&;"), kl = strcspn(q, "=&;");
		struct out no;
		if (kl > 0) {
			out_init(&no, names[nn].v, sizeof(names[nn].v));
			if (kl > 32 || fold_run(&no, (const unsigned char *)q, kl) == -1)
				snprintf(names[nn].v, sizeof(names[nn].v), "*");
			if (kl < l)
				strcat(names[nn].v, "=*");
			nn++;
		}
		q += l;
		if (*q != '\0')
			q++;
	}
	if (nn > 0) {
		qsort(names, (size_t)nn, sizeof(names[0]), by_name);
		for (int i = 0, w = 0; i < nn; i++) {
			if (i > 0 && strcmp(names[i].v, names[i - 1].v) == 0)
				continue;
			if (out_put(&o, w++ == 0 ? "?" : "&", 1) == -1 ||
			    out_put(&o, names[i].v, strlen(names[i].v)) == -1)
				break;
		}
	}
	return o.len;
}

/*
 * Gambling words. Longer stems are found anywhere in a word ("slotgacor88"
 * holds slot and gacor); stems of three letters only at a word's start, so
 * "rtp" is not read into other words.
 */
static const char *const gwords[] = {
	"bandarq", "bocoran", "casino", "dominoqq", "gacor", "jackpot", "judi", "judol",
	"mahjong", "maxwin", "olympus", "pkv", "poker", "pragmatic", "rtp", "sbobet",
	"scatter", "slot", "togel", "toto",
};

#define NGWORDS (sizeof(gwords) / sizeof(gwords[0]))

static void
scan_words(const char *s, unsigned *found)
{
	char w[64];

	while (s != NULL && *s != '\0') {
		size_t l = 0;
		while (*s != '\0' && !is_alpha((unsigned char)*s) && !is_digit((unsigned char)*s))
			s++;
		while (is_alpha((unsigned char)*s) || is_digit((unsigned char)*s)) {
			if (l < sizeof(w) - 1)
				w[l++] = (char)lower((unsigned char)*s);
			s++;
		}
		w[l] = '\0';
		if (l == 0)
			continue;
		for (size_t i = 0; i < NGWORDS; i++) {
			size_t gl = strlen(gwords[i]);
			if (gl <= 3 ? strncmp(w, gwords[i], gl) == 0 : strstr(w, gwords[i]) != NULL)
				*found |= 1u << i;
		}
	}
}

int
ronda_indicator_gambling_words(const char *path, const char *query, char *dst, size_t n)
{
	unsigned found = 0;
	int count = 0;
	struct out o;

	out_init(&o, dst, n);
	scan_words(path, &found);
	scan_words(query, &found);
	for (size_t i = 0; i < NGWORDS; i++) {
		if (!(found & (1u << i)))
			continue;
		if ((count > 0 && out_put(&o, "+", 1) == -1) ||
		    out_put(&o, gwords[i], strlen(gwords[i])) == -1)
			break;
		count++;
	}
	return count;
}

static int
ends_with(const char *s, size_t l, const char *suffix)
{
	size_t sl = strlen(suffix);

	return l >= sl && memcmp(s + l - sl, suffix, sl) == 0;
}

size_t
ronda_indicator_gambling_domain(const char *ref, char *dst, size_t n)
{
	static const char *const official[] = { ".go.id", ".ac.id", ".sch.id", ".mil.id",
	    ".desa.id", ".gov" };
	char host[128];
	size_t l = 0;
	unsigned found = 0;
	struct out o;

	out_init(&o, dst, n);
	if (ref == NULL)
		return 0;
	if (strncasecmp(ref, "http://", 7) == 0)
		ref += 7;
	else if (strncasecmp(ref, "https://", 8) == 0)
		ref += 8;
	else if (strncmp(ref, "//", 2) == 0)
		ref += 2;
	for (; *ref != '\0' && strchr("/?#:", *ref) == NULL; ref++) {
		unsigned char c = lower((unsigned char)*ref);
		if (!is_alpha(c) && !is_digit(c) && c != '.' && c != '-')
			return 0;		/* userinfo, odd bytes: not a plain host */
		if (l == sizeof(host) - 1)
			return 0;
		host[l++] = (char)c;
	}
	host[l] = '\0';
	if (l == 0 || strchr(host, '.') == NULL)
		return 0;
	for (size_t i = 0; i < sizeof(official) / sizeof(official[0]); i++)
		if (ends_with(host, l, official[i]))
			return 0;
	scan_words(host, &found);
	if (found == 0)
		return 0;
	if (strncmp(host, "www.", 4) == 0)
		return out_put(&o, host + 4, l - 4) == 0 ? o.len : 0;
	return out_put(&o, host, l) == 0 ? o.len : 0;
}

int
ronda_indicator_ua_common(const char *ua)
{
	static const char *const prefixes[] = {
		"mozilla/", "opera/", "curl/", "wget/", "python-requests/", "python-urllib",
		"python-httpx", "python/", "aiohttp/", "httpx/", "go-http-client/", "java/",
		"apache-httpclient/", "okhttp/", "libwww-perl/", "lwp::", "php/",
		"guzzlehttp/", "axios/", "node-fetch/", "node/", "undici", "ruby",
		"dart:io", "postmanruntime/", "insomnia/", "httpie/", "powershell",
		"winhttp", "microsoft-cryptoapi", "dalvik/", "cfnetwork", "okhttp",
		"reqwest/", "rest-client", "faraday", "scrapy", "colly",
	};
	/* Crawlers and scanners: the tool, not who runs it (the SOC's own scanner too). */
	static const char *const words[] = {
		"bot", "crawl", "spider", "slurp", "facebookexternalhit", "whatsapp",
		"preview", "nuclei", "sqlmap", "nikto", "zgrab", "masscan", "nmap", "wpscan",
		"dirbuster", "gobuster", "ffuf", "feroxbuster", "acunetix", "nessus",
		"openvas", "greenbone", "qualys", "burp", "zap", "wfuzz", "hydra", "w3af",
		"httpx", "censys", "shodan", "netcraft", "uptime", "monitor", "pingdom",
	};

	if (ua == NULL || ua[0] == '\0' || strcmp(ua, "-") == 0)
		return 1;
	for (size_t i = 0; i < sizeof(prefixes) / sizeof(prefixes[0]); i++)
		if (strncasecmp(ua, prefixes[i], strlen(prefixes[i])) == 0)
			return 1;
	for (size_t i = 0; i < sizeof(words) / sizeof(words[0]); i++)
		if (strcasestr(ua, words[i]) != NULL)
			return 1;
	return 0;
}

/* v in base (10 or 16, lowercase), no leading zeros; the end. */
static char *
put_uint(char *p, unsigned v, unsigned base)
{
	char t[8];
	int k = 0;

	do {
		t[k++] = "0123456789abcdef"[v % base];
		v /= base;
	} while (v != 0);
	while (k > 0)
		*p++ = t[--k];
	return p;
}

/*
 * Written by hand, not through snprintf: it runs for every detector hit
 * and every failed login.
 */
size_t
ronda_indicator_prefix(int family, const unsigned char ip[16], int v6_groups, char *out)
{
	char *p = out;

	if (family == 4) {
		for (int i = 0; i < 3; i++) {
			p = put_uint(p, ip[i], 10);
			*p++ = '.';
		}
		memcpy(p, "0/24", 4);
		p += 4;
	} else if (family == 6) {
		if (v6_groups < 1 || v6_groups > 7)
			v6_groups = 4;
		for (int i = 0; i < 2 * v6_groups; i += 2) {
			p = put_uint(p, (unsigned)(ip[i] << 8 | ip[i + 1]), 16);
			*p++ = ':';
		}
		*p++ = ':';
		*p++ = '/';
		p = put_uint(p, (unsigned)(16 * v6_groups), 10);
	}
	*p = '\0';
	return (size_t)(p - out);
}

/* As snprintf(dst, n, ...) would write ronda_indicator_prefix's /48: cut to n - 1 bytes. */
void
ronda_indicator_net(int family, const unsigned char ip[16], char *dst, size_t n)
{
	char buf[64];
	size_t l;

	if (n == 0)
		return;
	l = ronda_indicator_prefix(family, ip, 3, buf);
	if (l > n - 1)
		l = n - 1;
	memcpy(dst, buf, l);
	dst[l] = '\0';
}

/* Parse an address into 16 bytes: 4, 6 or 0. */
static int
parse_addr(const char *s, size_t l, unsigned char out[16])
{
	char buf[64];

	if (l == 0 || l >= sizeof(buf))
		return 0;
	memcpy(buf, s, l);
	buf[l] = '\0';
	memset(out, 0, 16);
	if (inet_pton(AF_INET, buf, out) == 1)
		return 4;
	if (inet_pton(AF_INET6, buf, out) == 1)
		return 6;
	return 0;
}

int
ronda_indicator_ip_in(const char *ip, const char *cidr)
{
	unsigned char a[16], net[16];
	const char *slash;
	int fa, fn;
	long bits;

	if (ip == NULL || cidr == NULL)
		return 0;
	fa = parse_addr(ip, strlen(ip), a);
	slash = strchr(cidr, '/');
	fn = parse_addr(cidr, slash != NULL ? (size_t)(slash - cidr) : strlen(cidr), net);
	if (fa == 0 || fa != fn)
		return 0;
	bits = fa == 4 ? 32 : 128;
	if (slash != NULL) {
		char *end;
		long b = strtol(slash + 1, &end, 10);
		if (end == slash + 1 || *end != '\0' || b < 0 || b > bits)
			return 0;
		bits = b;
	}
	for (long i = 0; i < bits; i++) {
		unsigned mask = 0x80u >> (i % 8);
		if ((a[i / 8] & mask) != (net[i / 8] & mask))
			return 0;
	}
	return 1;
}
