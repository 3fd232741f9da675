#include "actors.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ronda/timeutil.h"

#define BUCKETS 4096u

struct actor {
	struct actor *next;
	int dirty;
	int n;
	struct ronda_actor_site s[RONDA_ACTORS_SITES];
	char ip[48];
};

struct ronda_actors {
	struct actor *b[BUCKETS];
	size_t n;
};

struct ronda_actors *
ronda_actors_new(void)
{
	return calloc(1, sizeof(struct ronda_actors));
}

void
ronda_actors_free(struct ronda_actors *a)
{
	if (a == NULL)
		return;
	for (size_t i = 0; i < BUCKETS; i++)
		for (struct actor *x = a->b[i], *nx; x != NULL; x = nx) {
			nx = x->next;
			free(x);
		}
	free(a);
}

static size_t
bucket(const char *ip)
{
	return (size_t)(ronda_hash64(ip, strlen(ip), 0x6163746fULL) & (BUCKETS - 1));
}

static struct actor *
find(const struct ronda_actors *a, const char *ip)
{
	for (struct actor *x = a->b[bucket(ip)]; x != NULL; x = x->next)
		if (strcmp(x->ip, ip) == 0)
			return x;
	return NULL;
}

static struct actor *
get(struct ronda_actors *a, const char *ip)
{
	struct actor *x = find(a, ip);
	size_t b, l = strlen(ip);

	if (x != NULL || l >= sizeof(x->ip))
		return x;
	if ((x = calloc(1, sizeof(*x))) == NULL)
		return NULL;
	memcpy(x->ip, ip, l + 1);
	b = bucket(ip);
	x->next = a->b[b];
	a->b[b] = x;
	a->n++;
	return x;
}

/* Put (site, first, last) into x: merged with its slot, or into the slot of the oldest. */
static void
merge(struct actor *x, uint64_t site, int64_t first, int64_t last)
{
	int old = 0;

	for (int i = 0; i < x->n; i++)
		if (x->s[i].site == site) {
			if (first < x->s[i].first)
				x->s[i].first = first;
			if (last > x->s[i].last)
				x->s[i].last = last;
			return;
		}
	if (x->n < RONDA_ACTORS_SITES) {
		x->s[x->n++] = (struct ronda_actor_site){ site, first, last };
		return;
	}
	for (int i = 1; i < x->n; i++)
		if (x->s[i].last < x->s[old].last)
			old = i;
	if (last > x->s[old].last)
		x->s[old] = (struct ronda_actor_site){ site, first, last };
}

void
ronda_actors_note(struct ronda_actors *a, const char *ip, uint64_t site, int64_t ts)
{
	struct actor *x = get(a, ip);

	if (x == NULL)
		return;
	merge(x, site, ts, ts);
	x->dirty = 1;
}

int
ronda_actors_sites(const struct ronda_actors *a, const char *ip, int64_t since, int64_t until)
{
	const struct actor *x = find(a, ip);
	int n = 0;

	for (int i = 0; x != NULL && i < x->n; i++)
		if (x->s[i].last >= since && x->s[i].first <= until)
			n++;
	return n;
}

static int64_t
newest(const struct actor *x)
{
	int64_t t = INT64_MIN;

	for (int i = 0; i < x->n; i++)
		if (x->s[i].last > t)
			t = x->s[i].last;
	return t;
}

int
ronda_actors_flush(struct ronda_actors *a, int (*put)(void *arg, const char *ip,
    const struct ronda_actor_site *sites, int n, int64_t last), void *arg)
{
	for (size_t i = 0; i < BUCKETS; i++)
		for (struct actor *x = a->b[i]; x != NULL; x = x->next)
			if (x->dirty && put(arg, x->ip, x->s, x->n, newest(x)) == -1)
				return -1;
	return 0;
}

void
ronda_actors_flushed(struct ronda_actors *a)
{
	for (size_t i = 0; i < BUCKETS; i++)
		for (struct actor *x = a->b[i]; x != NULL; x = x->next)
			x->dirty = 0;
}

void
ronda_actors_restore(struct ronda_actors *a, const char *ip,
    const struct ronda_actor_site *sites, int n)
{
	struct actor *x = get(a, ip);

	for (int i = 0; x != NULL && i < n; i++)
		if (sites[i].site != 0)
			merge(x, sites[i].site, sites[i].first, sites[i].last);
}

size_t
ronda_actors_prune(struct ronda_actors *a, int64_t before)
{
	size_t gone = 0;

	for (size_t i = 0; i < BUCKETS; i++)
		for (struct actor **pp = &a->b[i], *x; (x = *pp) != NULL;) {
			if (newest(x) < before) {
				*pp = x->next;
				free(x);
				a->n--;
				gone++;
			} else {
				pp = &x->next;
			}
		}
	return gone;
}

size_t
ronda_actors_count(const struct ronda_actors *a)
{
	return a->n;
}

size_t
ronda_actors_format(char *out, size_t n, const struct ronda_actor_site *sites, int ns)
{
	size_t l = 0;

	if (n == 0)
		return 0;
	out[0] = '\0';
	for (int i = 0; i < ns; i++) {
		int w = snprintf(out + l, n - l, "%s%016" PRIx64 ":%" PRId64 ":%" PRId64,
		    i > 0 ? "," : "", sites[i].site, sites[i].first, sites[i].last);
		if (w < 0 || (size_t)w >= n - l) {
			out[l] = '\0';
			break;
		}
		l += (size_t)w;
	}
	return l;
}

/* Hostile or damaged text gives fewer (or no) sites, never a crash. */
int
ronda_actors_parse(const char *s, struct ronda_actor_site *sites, int max)
{
	int n = 0;

	while (s != NULL && *s != '\0' && n < max) {
		char *end;
		uint64_t h = strtoull(s, &end, 16);
		int64_t f, l;
		if (end == s || *end != ':')
			break;
		s = end + 1;
		f = strtoll(s, &end, 10);
		if (end == s || *end != ':')
			break;
		s = end + 1;
		l = strtoll(s, &end, 10);
		if (end == s || (*end != ',' && *end != '\0'))
			break;
		if (h != 0 && f <= l)
			sites[n++] = (struct ronda_actor_site){ h, f, l };
		s = *end == ',' ? end + 1 : end;
	}
	return n;
}
