#include "bots.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define NAME_MAX_LEN 48
#define NAMES_MAX 64

struct range {
	int name;		/* index into names */
	int family;		/* 4 or 6 */
	int bits;
	unsigned char net[16];
};

struct ronda_bots {
	char names[NAMES_MAX][NAME_MAX_LEN + 1];
	int nnames;
	struct range *r;
	size_t n;
};

void
ronda_bots_free(struct ronda_bots *b)
{
	if (b == NULL)
		return;
	free(b->r);
	free(b);
}

size_t
ronda_bots_count(const struct ronda_bots *b)
{
	return b != NULL ? b->n : 0;
}

static int
name_index(struct ronda_bots *b, const char *name)
{
	for (int i = 0; i < b->nnames; i++)
		if (strcasecmp(b->names[i], name) == 0)
			return i;
	if (b->nnames == NAMES_MAX)
		return -1;
	snprintf(b->names[b->nnames], sizeof(b->names[0]), "%s", name);
	for (char *p = b->names[b->nnames]; *p != '\0'; p++)
		*p = (char)tolower((unsigned char)*p);
	return b->nnames++;
}

/* "a.b.c.d/n" or "x:y::/n" into r; 0 / -1. */
static int
parse_cidr(const char *s, struct range *r)
{
	char addr[64], *slash, *end;
	const char *p = strchr(s, '/');
	long bits;

	if (p == NULL || (size_t)(p - s) >= sizeof(addr))
		return -1;
	memcpy(addr, s, (size_t)(p - s));
	addr[p - s] = '\0';
	slash = (char *)p + 1;
	errno = 0;
	bits = strtol(slash, &end, 10);
	if (errno != 0 || end == slash || *end != '\0')
		return -1;
	memset(r->net, 0, sizeof(r->net));
	if (inet_pton(AF_INET, addr, r->net) == 1) {
		r->family = 4;
		if (bits < 0 || bits > 32)
			return -1;
	} else if (inet_pton(AF_INET6, addr, r->net) == 1) {
		r->family = 6;
		if (bits < 0 || bits > 128)
			return -1;
	} else {
		return -1;
	}
	r->bits = (int)bits;
	/* The host bits cleared: "66.249.66.1/19" means its network. */
	for (int i = 0; i < 16; i++) {
		int keep = r->bits - i * 8;
		if (keep <= 0)
			r->net[i] = 0;
		else if (keep < 8)
			r->net[i] &= (unsigned char)(0xff << (8 - keep));
	}
	return 0;
}

struct ronda_bots *
ronda_bots_load(const char *path, char *err, size_t errlen)
{
	struct ronda_bots *b = calloc(1, sizeof(*b));
	FILE *f = NULL;
	char line[512];
	size_t cap = 0;
	int lineno = 0;

	if (b == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	if ((f = fopen(path, "re")) == NULL) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		goto fail;
	}
	while (fgets(line, sizeof(line), f) != NULL) {
		char name[NAME_MAX_LEN + 2], cidr[80], extra[2];
		char *hash;
		struct range r;
		int k;

		lineno++;
		if (strchr(line, '\n') == NULL && !feof(f)) {
			snprintf(err, errlen, "%s:%d: line longer than %zu bytes", path, lineno,
			    sizeof(line) - 2);
			goto fail;
		}
		if ((hash = strchr(line, '#')) != NULL)
			*hash = '\0';
		k = sscanf(line, "%49s %79s %1s", name, cidr, extra);
		if (k <= 0)
			continue;
		if (k != 2) {
			snprintf(err, errlen, "%s:%d: expected NAME CIDR (googlebot 66.249.64.0/19)",
			    path, lineno);
			goto fail;
		}
		if (strlen(name) > NAME_MAX_LEN || strspn(name, "abcdefghijklmnopqrstuvwxyz"
		    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.") != strlen(name)) {
			snprintf(err, errlen, "%s:%d: bad crawler name (letters, digits, - _ .; at "
			    "most %d)", path, lineno, NAME_MAX_LEN);
			goto fail;
		}
		if (parse_cidr(cidr, &r) == -1) {
			snprintf(err, errlen, "%s:%d: not an address range: %.80s", path, lineno,
			    cidr);
			goto fail;
		}
		if ((r.name = name_index(b, name)) == -1) {
			snprintf(err, errlen, "%s:%d: more than %d crawler names", path, lineno,
			    NAMES_MAX);
			goto fail;
		}
		if (b->n == RONDA_BOTS_MAX_RANGES) {
			snprintf(err, errlen, "%s:%d: more than %d ranges", path, lineno,
			    RONDA_BOTS_MAX_RANGES);
			goto fail;
		}
		if (b->n == cap) {
			size_t nc = cap != 0 ? cap * 2 : 64;
			struct range *nr = realloc(b->r, nc * sizeof(*nr));
			if (nr == NULL) {
				snprintf(err, errlen, "out of memory");
				goto fail;
			}
			b->r = nr;
			cap = nc;
		}
		b->r[b->n++] = r;
	}
	if (ferror(f)) {
		snprintf(err, errlen, "%s: read error", path);
		goto fail;
	}
	fclose(f);
	return b;
fail:
	if (f != NULL)
		fclose(f);
	ronda_bots_free(b);
	return NULL;
}

/* name as a word of ua (case-insensitive): "Googlebot/2.1", "bingbot/2.0". */
static int
names_agent(const char *ua, const char *name)
{
	size_t nl = strlen(name);

	for (const char *p = ua; (p = strcasestr(p, name)) != NULL; p++) {
		int before = p == ua || !isalnum((unsigned char)p[-1]);
		int after = !isalnum((unsigned char)p[nl]);
		if (before && after)
			return 1;
	}
	return 0;
}

static int
in_range(const struct range *r, int family, const unsigned char *a)
{
	int full = r->bits / 8, rest = r->bits % 8;

	if (r->family != family)
		return 0;
	if (memcmp(r->net, a, (size_t)full) != 0)
		return 0;
	return rest == 0 || (a[full] & (unsigned char)(0xff << (8 - rest))) == r->net[full];
}

int
ronda_bots_verify(const struct ronda_bots *b, const char *ua, int family,
    const unsigned char addr[16])
{
	unsigned long long named = 0;
	int any = 0;

	if (b == NULL || ua == NULL || ua[0] == '\0')
		return RONDA_BOTS_UNLISTED;
	for (int i = 0; i < b->nnames; i++)
		if (names_agent(ua, b->names[i])) {
			named |= 1ULL << i;
			any = 1;
		}
	if (!any)
		return RONDA_BOTS_UNLISTED;
	if (family != 4 && family != 6)
		return RONDA_BOTS_FAKE;
	for (size_t i = 0; i < b->n; i++)
		if ((named >> b->r[i].name & 1) && in_range(&b->r[i], family, addr))
			return RONDA_BOTS_GENUINE;
	return RONDA_BOTS_FAKE;
}
