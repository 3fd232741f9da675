/*
 * addr.c — addresses: attacker networks (CIDRs) and the addresses drawn from
 * them, and the citizens' Indonesian access networks.
 */
#include <stdio.h>
#include <stdlib.h>

#include "sim.h"
#include "vocab.h"

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

void
ip_str(uint32_t ip, char out[16])
{
	snprintf(out, 16, "%u.%u.%u.%u", ip >> 24, (ip >> 16) & 255, (ip >> 8) & 255,
	    ip & 255);
}

/* A host address in one of the networks, never .0 or .255. */
uint32_t
ip_in(const struct ronda_strlist *nets)
{
	uint32_t base, ip;
	unsigned bits;

	parse_cidr(nets->v[rndn((unsigned)nets->n)], &base, &bits);
	if (bits >= 31)
		return base;
	do {
		ip = base | (uint32_t)(rnd() & ((1u << (32 - bits)) - 1));
	} while ((ip & 255) == 0 || (ip & 255) == 255);
	return ip;
}

uint32_t
ip_isp(void)
{
	const unsigned *p = vocab_isp16[rndn(VOCAB_NISP16)];

	return p[0] << 24 | p[1] << 16 | rndn(256) << 8 | (1 + rndn(254));
}
