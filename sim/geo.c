/*
 * geo.c — who owns the addresses in the logs, for GeoIP tests: OUT/geo.tsv
 * lists every attacker network and every range the background comes from
 * (citizens' Indonesian ISPs, crawlers, stray SSH probes) as
 *
 *   # cidr	asn	org	country
 *   36.68.0.0/16	7713	PT Telekomunikasi Indonesia	ID
 *
 * sorted from the widest prefix to the narrowest, so a tool that inserts the
 * lines in order into a tree (an .mmdb writer) leaves the most specific
 * owner in place. Private ranges (the SOC's own machines) are left out.
 *
 * An attack's networks get what the attack says (asn/org/country for all of
 * them, geo: per network), else a default chosen by the network's text: a
 * few well-known ranges their real owner, the others one of a pool of big
 * clouds (a third) and small hosting companies (AS numbers reserved for
 * documentation, RFC 5398). This is the simulated world, not a registry.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim.h"
#include "vocab.h"

/* Ranges of the shipped scenarios whose owner is common knowledge. */
static const struct {
	const char *net;
	struct vocab_as as;
} known[] = {
	{ "61.177.172.0/24", { 4134, "Chinanet", "CN" } },
	{ "218.92.0.0/24", { 4134, "Chinanet", "CN" } },
	{ "147.182.160.0/24", { 14061, "DIGITALOCEAN-ASN", "US" } },
};

/* The default owners of other attacker networks: big clouds first. */
#define POOL_CLOUDS 8
static const struct vocab_as pool[] = {
	{ 16509, "AMAZON-02", "US" },
	{ 14061, "DIGITALOCEAN-ASN", "US" },
	{ 396982, "GOOGLE-CLOUD-PLATFORM", "US" },
	{ 8075, "MICROSOFT-CORP-MSN-AS-BLOCK", "US" },
	{ 45102, "Alibaba US Technology Co., Ltd.", "SG" },
	{ 24940, "Hetzner Online GmbH", "DE" },
	{ 16276, "OVH SAS", "FR" },
	{ 63949, "Akamai Connected Cloud", "US" },
	{ 64496, "Example Hosting Ltd", "NL" },
	{ 64497, "Sample VPS s.r.o.", "CZ" },
	{ 64498, "Demo Servers LLC", "RU" },
	{ 64499, "Specimen Cloud Ltd", "HK" },
	{ 64500, "Placeholder Datacenter SRL", "RO" },
	{ 64501, "Illustrative Networks B.V.", "NL" },
	{ 64502, "Test Hosting Sdn Bhd", "MY" },
	{ 64503, "Mock Compute JSC", "VN" },
	{ 64504, "Exemplar Hosting Ltd", "SC" },
	{ 64505, "Dummy VPS Ltd", "GB" },
	{ 64506, "Model Hosting Pte Ltd", "SG" },
	{ 64507, "Prototype Servers LLC", "US" },
	{ 64508, "Template Net EOOD", "BG" },
	{ 64509, "Surrogate Hosting S.A.", "PA" },
	{ 64510, "Stand-in Cloud Inc.", "SC" },
	{ 64511, "Mockup Hosting OU", "EE" },
};

#define NPOOL (sizeof(pool) / sizeof(pool[0]))

static uint64_t
fnv1a(const char *s)
{
	uint64_t h = 0xcbf29ce484222325ULL;

	for (; *s != '\0'; s++)
		h = (h ^ (unsigned char)*s) * 0x100000001b3ULL;
	return h;
}

/* The default owner of an attacker network (a pure function of its text). */
static void
geo_default(const struct sim_net *net, struct sim_geo *g)
{
	char text[SIM_IP_STR + 8];
	const struct vocab_as *as;

	net_str(net, text, sizeof(text));
	as = &pool[fnv1a(text) % NPOOL];
	for (size_t i = 0; i < sizeof(known) / sizeof(known[0]); i++)
		if (strcmp(known[i].net, text) == 0)
			as = &known[i].as;
	g->asn = as->asn;
	g->org = (char *)as->org;
	g->country = (char *)as->country;
}

int
attack_geo(const struct sim_attack *a, const char *net, struct sim_geo *out)
{
	struct sim_net n, gn;

	if (parse_net(net, &n) == -1)
		return -1;
	geo_default(&n, out);
	for (size_t i = 0; i < a->geo.n; i++) {
		const struct sim_geo *g = &((const struct sim_geo *)a->geo.v)[i];

		if (parse_net(g->net, &gn) == 0 && gn.v6 == n.v6 && gn.bits == n.bits &&
		    gn.base.hi == n.base.hi && gn.base.lo == n.base.lo) {
			*out = *g;
			return 1;
		}
	}
	if (a->asn == 0 && a->org == NULL && a->country == NULL)
		return 0;
	if (a->asn > 0)
		out->asn = a->asn;
	if (a->org != NULL)
		out->org = a->org;
	if (a->country != NULL)
		out->country = a->country;
	return 1;
}

/* ---- geo.tsv ------------------------------------------------------------------------ */

struct geo_row {
	struct sim_net net;
	struct sim_geo g;	/* strings borrowed */
	int explicit;		/* the scenario said so (wins over a default) */
};

struct geo_rows {
	struct geo_row *v;
	size_t n, cap;
};

static int
is_private(const struct sim_net *net)
{
	static const char *const priv[] = { "10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16",
		"127.0.0.0/8", "100.64.0.0/10", "169.254.0.0/16", "fc00::/7", "fe80::/10",
		"::1/128" };
	struct sim_net p;

	for (size_t i = 0; i < sizeof(priv) / sizeof(priv[0]); i++)
		if (parse_net(priv[i], &p) == 0 && p.v6 == net->v6 && p.bits <= net->bits &&
		    net_contains(&p, net->base))
			return 1;
	return 0;
}

/* Add a row; the same network again keeps the first explicit owner. */
static int
rows_add(struct geo_rows *r, const struct sim_net *net, const struct sim_geo *g,
    int explicit)
{
	if (is_private(net))
		return 0;
	for (size_t i = 0; i < r->n; i++) {
		struct geo_row *o = &r->v[i];

		if (o->net.v6 != net->v6 || o->net.bits != net->bits ||
		    o->net.base.hi != net->base.hi || o->net.base.lo != net->base.lo)
			continue;
		if (explicit && !o->explicit) {
			o->g = *g;
			o->explicit = 1;
		}
		return 0;
	}
	if (r->n == r->cap) {
		size_t nc = r->cap ? r->cap * 2 : 64;
		struct geo_row *nv = realloc(r->v, nc * sizeof(*nv));

		if (nv == NULL)
			return -1;
		r->v = nv;
		r->cap = nc;
	}
	r->v[r->n].net = *net;
	r->v[r->n].g = *g;
	r->v[r->n].explicit = explicit;
	r->n++;
	return 0;
}

static int
rows_add_as(struct geo_rows *r, uint32_t base, unsigned bits, const struct vocab_as *as)
{
	struct sim_net net = { ip4(base), bits, 0 };
	struct sim_geo g = { NULL, as->asn, (char *)as->org, (char *)as->country };

	return rows_add(r, &net, &g, 1);
}

/* Widest prefix first (IPv4 before IPv6 at the same width), then by address. */
static int
row_cmp(const void *x, const void *y)
{
	const struct geo_row *a = x, *b = y;
	unsigned wa = a->net.v6 ? a->net.bits : a->net.bits + 96;
	unsigned wb = b->net.v6 ? b->net.bits : b->net.bits + 96;

	if (wa != wb)
		return wa < wb ? -1 : 1;
	if (a->net.v6 != b->net.v6)
		return a->net.v6 - b->net.v6;
	if (a->net.base.hi != b->net.base.hi)
		return a->net.base.hi < b->net.base.hi ? -1 : 1;
	if (a->net.base.lo != b->net.base.lo)
		return a->net.base.lo < b->net.base.lo ? -1 : 1;
	return 0;
}

int
write_geo(const char *dir, char *err, size_t errlen)
{
	struct geo_rows r = { 0 };
	char path[PATH_MAX], tmp[PATH_MAX + 8], text[SIM_IP_STR + 8];
	FILE *f = NULL;
	int rc = -1;

	for (size_t i = 0; i < VOCAB_NISP16; i++)
		if (rows_add_as(&r, vocab_isp16[i][0] << 24 | vocab_isp16[i][1] << 16, 16,
		    &vocab_as[vocab_isp16[i][2]]) == -1)
			goto nomem;
	for (size_t i = 0; vocab_crawlers[i].ua != NULL; i++) {
		const struct vocab_crawler *c = &vocab_crawlers[i];

		if (rows_add_as(&r, c->a << 24 | c->b << 16 | c->c << 8, 24,
		    &vocab_as[c->as]) == -1)
			goto nomem;
	}
	for (size_t i = 0; i < VOCAB_NSSH_NOISE; i++) {
		const unsigned *n = vocab_ssh_noise[i];

		if (rows_add_as(&r, n[0] << 24 | n[1] << 16 | n[2] << 8, 24,
		    &vocab_as[n[3]]) == -1)
			goto nomem;
	}
	for (size_t i = 0; i < scn->attacks.n; i++) {
		const struct sim_attack *a = &((struct sim_attack *)scn->attacks.v)[i];

		for (size_t j = 0; j < a->networks.n; j++) {
			struct sim_net net;
			struct sim_geo g;
			int ex;

			if ((ex = attack_geo(a, a->networks.v[j], &g)) == -1 ||
			    parse_net(a->networks.v[j], &net) == -1)
				continue;
			if (rows_add(&r, &net, &g, ex) == -1)
				goto nomem;
		}
	}
	qsort(r.v, r.n, sizeof(*r.v), row_cmp);
	snprintf(path, sizeof(path), "%s/geo.tsv", dir);
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	if ((f = fopen(tmp, "w")) == NULL)
		goto ioerr;
	fprintf(f, "# cidr\tasn\torg\tcountry\n");
	for (size_t i = 0; i < r.n; i++) {
		net_str(&r.v[i].net, text, sizeof(text));
		fprintf(f, "%s\t%lld\t%s\t%s\n", text, (long long)r.v[i].g.asn, r.v[i].g.org,
		    r.v[i].g.country);
	}
	if (fclose(f) != 0) {
		f = NULL;
		goto ioerr;
	}
	f = NULL;
	if (rename(tmp, path) == -1)
		goto ioerr;
	rc = 0;
	goto done;
nomem:
	snprintf(err, errlen, "out of memory");
	goto done;
ioerr:
	snprintf(err, errlen, "%s: %s", path, strerror(errno));
done:
	if (f != NULL)
		fclose(f);
	free(r.v);
	return rc;
}
