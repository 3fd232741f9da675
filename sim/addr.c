/*
 * addr.c — addresses: attacker networks (IPv4 and IPv6 CIDRs), the
 * addresses drawn from them (deterministic, distinct, up to
 * SIM_MAX_ATTACK_IPS per attack), and the citizens' Indonesian access
 * networks.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim.h"
#include "vocab.h"

#define ENUMERATE_MAX (1u << 20)	/* pools this small are dealt, not drawn */
#define SPREAD_TRIES 100000

int
parse_cidr(const char *s, uint32_t *base, unsigned *bits)
{
	unsigned a, b, c, d, n = 32;
	int used = 0;

	if (s == NULL)
		return -1;
	if (sscanf(s, "%u.%u.%u.%u%n", &a, &b, &c, &d, &used) != 4)
		return -1;
	if (s[used] == '/') {
		char *end;
		unsigned long v = strtoul(s + used + 1, &end, 10);

		if (*end != '\0' || v < 8 || v > 32)
			return -1;
		n = (unsigned)v;
	} else if (s[used] != '\0') {
		return -1;
	}
	if (a > 255 || b > 255 || c > 255 || d > 255)
		return -1;
	*base = (a << 24 | b << 16 | c << 8 | d);
	if (n < 32)
		*base &= ~((1u << (32 - n)) - 1);
	*bits = n;
	return 0;
}

/* The high bits-long prefix of ip (the rest cleared). */
static struct sim_ip
ip_mask(struct sim_ip ip, unsigned bits)
{
	if (bits == 0) {
		ip.hi = ip.lo = 0;
	} else if (bits < 64) {
		ip.hi &= ~0ULL << (64 - bits);
		ip.lo = 0;
	} else if (bits < 128) {
		ip.lo &= bits == 64 ? 0 : ~0ULL << (128 - bits);
	}
	return ip;
}

int
parse_net(const char *s, struct sim_net *net)
{
	uint32_t v4;
	unsigned bits;
	unsigned char b[16];
	char addr[64];
	const char *slash;
	size_t al;

	memset(net, 0, sizeof(*net));
	if (s == NULL)
		return -1;
	if (parse_cidr(s, &v4, &bits) == 0) {
		net->base = ip4(v4);
		net->bits = bits;
		return 0;
	}
	if (strchr(s, ':') == NULL)
		return -1;
	slash = strchr(s, '/');
	al = slash != NULL ? (size_t)(slash - s) : strlen(s);
	if (al >= sizeof(addr))
		return -1;
	memcpy(addr, s, al);
	addr[al] = '\0';
	if (inet_pton(AF_INET6, addr, b) != 1)
		return -1;
	bits = 128;
	if (slash != NULL) {
		char *end;
		unsigned long v = strtoul(slash + 1, &end, 10);

		if (slash[1] == '\0' || *end != '\0' || v < 16 || v > 128)
			return -1;
		bits = (unsigned)v;
	}
	for (int i = 0; i < 8; i++) {
		net->base.hi = net->base.hi << 8 | b[i];
		net->base.lo = net->base.lo << 8 | b[8 + i];
	}
	/* ::ffff:a.b.c.d/n is an IPv4 network written the long way: refused. */
	if (ip_is4(net->base))
		return -1;
	net->base = ip_mask(net->base, bits);
	net->bits = bits;
	net->v6 = 1;
	return 0;
}

void
ip_str(struct sim_ip ip, char out[SIM_IP_STR])
{
	unsigned char b[16];

	if (ip_is4(ip)) {
		uint32_t v = (uint32_t)ip.lo;

		snprintf(out, SIM_IP_STR, "%u.%u.%u.%u", v >> 24, (v >> 16) & 255,
		    (v >> 8) & 255, v & 255);
		return;
	}
	for (int i = 0; i < 8; i++) {
		b[i] = (unsigned char)(ip.hi >> (56 - 8 * i));
		b[8 + i] = (unsigned char)(ip.lo >> (56 - 8 * i));
	}
	/* RFC 5952, as nginx writes $remote_addr: lower case, the longest zero run "::". */
	if (inet_ntop(AF_INET6, b, out, SIM_IP_STR) == NULL)
		snprintf(out, SIM_IP_STR, "::");
}

int
net_str(const struct sim_net *net, char *out, size_t n)
{
	char a[SIM_IP_STR];

	ip_str(net->base, a);
	return snprintf(out, n, "%s/%u", a, net->bits);
}

int
net_contains(const struct sim_net *net, struct sim_ip ip)
{
	struct sim_ip m;

	if (ip_is4(ip) == net->v6)
		return 0;
	m = ip_mask(ip, net->v6 ? net->bits : 96 + net->bits);
	return m.hi == net->base.hi && m.lo == net->base.lo;
}

/*
 * A host address in net. IPv4: never .0 or .255 (the draw is the one every
 * scenario's bytes were made with). IPv6: a random subnet of the prefix and
 * an interface id, half the time a server's small one (::1f), half random.
 */
static struct sim_ip
ip_in_net(const struct sim_net *net)
{
	struct sim_ip ip;

	if (!net->v6) {
		uint32_t base = (uint32_t)net->base.lo, v;

		if (net->bits >= 31)
			return net->base;
		do {
			v = base | (uint32_t)(rnd() & ((1u << (32 - net->bits)) - 1));
		} while ((v & 255) == 0 || (v & 255) == 255);
		return ip4(v);
	}
	if (net->bits == 128)
		return net->base;
	do {
		uint64_t sub = rnd(), iid = rnd();

		if (iid & 1)
			iid = 1 + (iid >> 1) % 0xfff;
		ip.hi = net->bits >= 64 ? net->base.hi : net->base.hi |
		    (net->bits == 0 ? sub : sub & ((1ULL << (64 - net->bits)) - 1));
		ip.lo = net->bits <= 64 ? iid : net->base.lo |
		    (iid & ((1ULL << (128 - net->bits)) - 1));
	} while (ip.hi == net->base.hi && ip.lo == net->base.lo);
	return ip;
}

struct sim_ip
ip_in(const struct ronda_strlist *nets)
{
	struct sim_net net;

	parse_net(nets->v[rndn((unsigned)nets->n)], &net);
	return ip_in_net(&net);
}

uint32_t
ip_isp(void)
{
	const unsigned *p = vocab_isp16[rndn(VOCAB_NISP16)];

	return p[0] << 24 | p[1] << 16 | rndn(256) << 8 | (1 + rndn(254));
}

/* ---- drawing an attack's addresses ------------------------------------------- */

/* How many addresses ip_in_net() can give, capped at 2^62. */
static uint64_t
net_capacity(const struct sim_net *net)
{
	unsigned host = net->v6 ? 128 - net->bits : 32 - net->bits;
	uint64_t size;

	if (!net->v6 && host <= 1)
		return 1;
	if (host >= 62)
		return 1ULL << 62;
	size = 1ULL << host;
	if (net->v6)
		return size - 1;
	if (host >= 8)
		return size / 256 * 254;
	return size - ((net->base.lo & 255) == 0) - (((net->base.lo + size - 1) & 255) == 255);
}

/* An open-addressing set of addresses, each with a small value. */
struct ipset {
	struct sim_ip *k;
	size_t *v;
	unsigned char *used;
	size_t mask;
};

static int
ipset_init(struct ipset *s, size_t n)
{
	size_t cap = 64;

	while (cap < 2 * n + 16)
		cap *= 2;
	s->mask = cap - 1;
	s->k = calloc(cap, sizeof(*s->k));
	s->v = calloc(cap, sizeof(*s->v));
	s->used = calloc(cap, 1);
	return s->k != NULL && s->v != NULL && s->used != NULL ? 0 : -1;
}

static void
ipset_free(struct ipset *s)
{
	free(s->k);
	free(s->v);
	free(s->used);
}

static size_t
ipset_slot(const struct ipset *s, struct sim_ip ip)
{
	uint64_t h = (ip.hi ^ (ip.lo * 0x9e3779b97f4a7c15ULL)) * 0xbf58476d1ce4e5b9ULL;
	size_t i = (size_t)(h ^ (h >> 31)) & s->mask;

	while (s->used[i] && (s->k[i].hi != ip.hi || s->k[i].lo != ip.lo))
		i = (i + 1) & s->mask;
	return i;
}

/* The value stored for ip, or -1. */
static long
ipset_get(const struct ipset *s, struct sim_ip ip)
{
	size_t i = ipset_slot(s, ip);

	return s->used[i] ? (long)s->v[i] : -1;
}

/* Add ip (the set is sized for every add). */
static void
ipset_put(struct ipset *s, struct sim_ip ip, size_t v)
{
	size_t i = ipset_slot(s, ip);

	s->used[i] = 1;
	s->k[i] = ip;
	s->v[i] = v;
}

/* The prefix that spread keeps apart: /spread of IPv4, /spread+32 of IPv6. */
static struct sim_ip
spread_key(struct sim_ip ip, unsigned spread)
{
	return ip_mask(ip, ip_is4(ip) ? 96 + spread : spread + 32);
}

/* Deal total distinct addresses from small IPv4 pools: a shuffle, no misses. */
static int
deal(const struct sim_net *nets, size_t nn, uint64_t cap, size_t total, struct sim_ip *out)
{
	struct sim_ip *all = malloc((size_t)cap * sizeof(*all));
	size_t n = 0;

	if (all == NULL)
		return -1;
	for (size_t i = 0; i < nn; i++) {
		uint32_t base = (uint32_t)nets[i].base.lo;
		uint64_t size = 1ULL << (32 - nets[i].bits);

		if (nets[i].bits >= 31) {
			all[n++] = nets[i].base;
			continue;
		}
		for (uint64_t h = 0; h < size && n < cap; h++) {
			uint32_t v = base | (uint32_t)h;

			if ((v & 255) != 0 && (v & 255) != 255)
				all[n++] = ip4(v);
		}
	}
	for (size_t i = 0; i < total && i < n; i++) {
		size_t j = i + (size_t)(rnd() % (uint64_t)(n - i));
		struct sim_ip t = all[i];

		all[i] = all[j];
		all[j] = t;
	}
	memcpy(out, all, total * sizeof(*out));
	free(all);
	return 0;
}

int
draw_addresses(const struct ronda_strlist *list, size_t groups, size_t per,
    unsigned spread, struct sim_ip *out, char *err, size_t errlen)
{
	size_t total = groups * per, nn = list->n;
	struct sim_net *nets = calloc(nn ? nn : 1, sizeof(*nets));
	struct ipset seen = { 0 }, owner = { 0 };
	uint64_t cap = 0, prefixes = 0;
	int all4 = 1, rc = -1;

	if (nets == NULL)
		goto nomem;
	for (size_t i = 0; i < nn; i++) {
		uint64_t c;
		unsigned sb;

		if (parse_net(list->v[i], &nets[i]) == -1) {
			snprintf(err, errlen, "networks: \"%s\" is not a CIDR", list->v[i]);
			goto done;
		}
		c = net_capacity(&nets[i]);
		cap = cap + c < cap || cap + c > (1ULL << 62) ? 1ULL << 62 : cap + c;
		all4 &= !nets[i].v6;
		sb = nets[i].v6 ? spread + 32 : spread;
		if (spread > 0)
			prefixes += nets[i].bits >= sb ? 1 : sb - nets[i].bits >= 40 ?
			    1ULL << 40 : 1ULL << (sb - nets[i].bits);
	}
	if (cap < total) {
		snprintf(err, errlen, "ips: %zu addresses, the networks hold %llu", total,
		    (unsigned long long)cap);
		goto done;
	}
	if (spread > 0 && prefixes < groups) {
		snprintf(err, errlen, "spread: %zu sites need as many /%u (IPv6 /%u) of their "
		    "own, the networks have %llu", groups, spread, spread + 32,
		    (unsigned long long)prefixes);
		goto done;
	}
	if (spread == 0 && all4 && cap <= ENUMERATE_MAX && total * 4 > cap) {
		if (deal(nets, nn, cap, total, out) == -1)
			goto nomem;
		rc = 0;
		goto done;
	}
	if (ipset_init(&seen, total) == -1 || (spread > 0 && ipset_init(&owner, total) == -1))
		goto nomem;
	for (size_t g = 0; g < groups; g++) {
		for (size_t i = 0; i < per; i++) {
			struct sim_ip ip;
			unsigned tries = 0, far = 0;
			long o;

			/* A duplicate is drawn again, at most 64 times (then kept). */
			for (;;) {
				ip = ip_in(list);
				if (spread > 0 && (o = ipset_get(&owner, spread_key(ip, spread))) >= 0 &&
				    (size_t)o != g) {
					if (++far > SPREAD_TRIES) {
						snprintf(err, errlen, "spread: no /%u of their own left "
						    "for site %zu of %zu", spread, g + 1, groups);
						goto done;
					}
					continue;
				}
				if (ipset_get(&seen, ip) >= 0 && ++tries < 64)
					continue;
				break;
			}
			ipset_put(&seen, ip, 1);
			if (spread > 0)
				ipset_put(&owner, spread_key(ip, spread), g);
			out[g * per + i] = ip;
		}
	}
	rc = 0;
	goto done;
nomem:
	snprintf(err, errlen, "out of memory");
done:
	ipset_free(&seen);
	ipset_free(&owner);
	free(nets);
	return rc;
}
