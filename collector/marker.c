/*
 * marker.c — web-root content markers: compiling the set, scanning one file
 * (its relative path and its first bytes), the link targets of a file, the
 * markers' own tests at load, and the set's lifecycle. The file format is
 * read by marker_load.c (its comment shows it); docs/markers.md explains
 * how to write a marker.
 *
 * A file costs two Hyperscan scans whatever the number of markers: one of
 * its relative path against every marker's path patterns, one of its
 * content against every content pattern. Pattern ids index set->pats,
 * which names the marker and what the pattern is for; each marker's state
 * carries the scan's generation, so nothing is cleared per file.
 */
#include "marker_int.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "hash.h"

/*
 * Hyperscan 5.4's AVX-512 scanner was seen (decoder.c) to read past the end
 * of a short buffer that ended a heap block: content is scanned from a copy
 * with this much zeroed room after it.
 */
#define SCAN_PAD	64
/* Content scanned at most, whatever the caller passes (hs_scan takes 32 bits). */
#define SCAN_MAX	(256u * 1024 * 1024)
/* Bytes of a relative path scanned at most (the rest of a longer one is ignored). */
#define PATH_SCAN_MAX	4096
/* Link targets are looked for this far around a marker's matches. */
#define LINK_MARGIN	2048
/* Bytes of a URL's authority read at most ("user@host:port"). */
#define AUTHORITY_MAX	300
/* PCRE2's budget for finding where a match starts (8 per file at most). */
#define MATCH_LIMIT	200000
#define DEPTH_LIMIT	10000
/* Distinct hosts remembered to count what the domain cap drops. */
#define SEEN_MAX	256

/* ------------------------------------------------------------- compile */

static unsigned
pat_flags(const struct mk_pat *p)
{
	switch (p->kind) {
	case K_POS:
	case K_REQ:
		return MK_CONTENT_FLAGS;
	case K_NOT:
		return MK_VETO_FLAGS;
	default:
		return MK_PATH_FLAGS;
	}
}

static int
is_path_kind(int kind)
{
	return kind == K_PATH || kind == K_NOTPATH;
}

/* Check every pattern alone, so all bad ones are reported, not the first. */
static void
check_patterns(struct ronda_markers *ms)
{
	for (size_t i = 0; i < ms->npats; i++) {
		struct mk_pat *p = &ms->pats[i];
		struct marker *mk = &ms->m[p->marker];
		hs_expr_info_t *info = NULL;
		hs_compile_error_t *cerr = NULL;

		if (hs_expression_info(p->expr, pat_flags(p), &info, &cerr) != HS_SUCCESS) {
			mk_err(ms, mk->file, p->line, mk->id, "pattern does not compile: %s",
			    cerr && cerr->message ? cerr->message : "unknown error");
			hs_free_compile_error(cerr);
			continue;
		}
		if (info->min_width == 0)
			mk_err(ms, mk->file, p->line, mk->id, "pattern can match the empty string");
		p->maxw = info->max_width < MK_BACK_MAX ? info->max_width : MK_BACK_MAX;
		free(info);
		if (p->kind == K_POS || p->kind == K_REQ) {
			int ecode;
			PCRE2_SIZE eoff;
			p->re = pcre2_compile((PCRE2_SPTR)p->expr, strlen(p->expr), MK_PCRE2_FLAGS,
			    &ecode, &eoff, NULL);
			if (p->re == NULL) {
				PCRE2_UCHAR msg[256];
				pcre2_get_error_message(ecode, msg, sizeof(msg));
				mk_err(ms, mk->file, p->line, mk->id,
				    "pattern does not compile with PCRE2 (used for excerpts): %s", msg);
			}
		}
	}
}

/* One database of the patterns whose kind is (or is not) a path kind. */
static int
compile_db(struct ronda_markers *ms, int paths, hs_database_t **db)
{
	const char **exprs;
	unsigned *flags, *ids, n = 0;
	hs_compile_error_t *cerr = NULL;
	int rc = -1;

	*db = NULL;
	exprs = mk_xrealloc(NULL, (ms->npats + 1) * sizeof(*exprs));
	flags = mk_xrealloc(NULL, (ms->npats + 1) * sizeof(*flags));
	ids = mk_xrealloc(NULL, (ms->npats + 1) * sizeof(*ids));
	for (size_t i = 0; i < ms->npats; i++) {
		if (is_path_kind(ms->pats[i].kind) != paths)
			continue;
		exprs[n] = ms->pats[i].expr;
		flags[n] = pat_flags(&ms->pats[i]);
		ids[n] = (unsigned)i;
		n++;
	}
	if (n == 0) {
		rc = 0;		/* nothing to look for there: never scanned */
		goto done;
	}
	if (hs_compile_multi(exprs, flags, ids, n, HS_MODE_BLOCK, NULL, db, &cerr) !=
	    HS_SUCCESS) {
		if (cerr != NULL && cerr->expression >= 0 && (unsigned)cerr->expression < n) {
			struct mk_pat *p = &ms->pats[ids[cerr->expression]];
			mk_err(ms, ms->m[p->marker].file, p->line, ms->m[p->marker].id,
			    "pattern does not compile: %s", cerr->message);
		} else {
			mk_errs_addf(ms, "markers: cannot build the %s database: %s",
			    paths ? "path" : "content",
			    cerr && cerr->message ? cerr->message : "unknown error");
		}
		hs_free_compile_error(cerr);
		*db = NULL;
		goto done;
	}
	if (hs_alloc_scratch(*db, &ms->scratch) != HS_SUCCESS) {
		mk_errs_addf(ms, "markers: cannot allocate Hyperscan scratch");
		goto done;
	}
	rc = 0;
done:
	free(exprs);
	free(flags);
	free(ids);
	return rc;
}

/* ---------------------------------------------------------------- match */

/*
 * Whether every `requires:` pattern of mk last matched within mk->near bytes
 * of `to`. Matches arrive in order of their end, so when the last one of a
 * close group arrives, the others' latest matches are the closest ones.
 */
static int
requires_near(const struct ronda_markers *ms, const struct marker *mk, uint64_t to)
{
	for (uint32_t i = mk->pfirst; i < mk->pend; i++) {
		const struct mk_pat *q = &ms->pats[i];
		uint64_t d;
		if (q->kind != K_REQ)
			continue;
		if (q->gen != ms->gen)
			return 0;
		d = q->last_to > to ? q->last_to - to : to - q->last_to;
		if (d > (uint64_t)mk->near)
			return 0;
	}
	return 1;
}

static int
on_match(unsigned int id, unsigned long long from, unsigned long long to,
    unsigned int mflags, void *ctx)
{
	struct ronda_markers *ms = ctx;
	struct mk_pat *p = &ms->pats[id];
	struct marker *mk = &ms->m[p->marker];

	(void)from;
	(void)mflags;
	if (is_path_kind(p->kind)) {
		if (mk->path_gen != ms->gen) {
			mk->path_gen = ms->gen;
			mk->path_hit = mk->path_veto = 0;
		}
		if (p->kind == K_PATH)
			mk->path_hit = 1;
		else
			mk->path_veto = 1;
		return 0;
	}
	if (mk->gen != ms->gen) {
		mk->gen = ms->gen;
		mk->pos_hits = mk->req_hits = 0;
		mk->vetoed = mk->near_ok = 0;
		mk->have_ex = EX_NONE;
		mk->lo = UINT64_MAX;
		mk->hi = 0;
	}
	if (p->kind == K_NOT) {
		mk->vetoed = 1;
		return 0;
	}
	if (p->gen != ms->gen) {
		p->gen = ms->gen;
		if (p->kind == K_POS)
			mk->pos_hits++;
		else
			mk->req_hits++;
	}
	p->last_to = to;
	if (p->kind == K_REQ && mk->near > 0 && !mk->near_ok && mk->req_hits == mk->nreq &&
	    requires_near(ms, mk, to)) {
		/* The window where they all meet is the evidence: show it. */
		mk->near_ok = 1;
		mk->have_ex = EX_NEAR;
		mk->ex_pat = id;
		mk->ex_to = to;
		mk->lo = to > (uint64_t)mk->near ? to - (uint64_t)mk->near : 0;
		mk->hi = to;
	}
	if (mk->near > 0)
		return 0;	/* its span is the window where the requires met */
	/*
	 * Matches come in order of their end: the first one of a marker ends
	 * leftmost. The excerpt shows a `patterns:` match when there is one
	 * (the evidence), else the first `requires:` match.
	 */
	if (mk->have_ex == EX_NONE || (mk->have_ex == EX_REQ && p->kind == K_POS)) {
		mk->have_ex = p->kind == K_POS ? EX_POS : EX_REQ;
		mk->ex_pat = id;
		mk->ex_to = to;
	}
	/* Ends only: the link targets' search reaches LINK_MARGIN bytes around them. */
	if (to < mk->lo)
		mk->lo = to;
	if (to > mk->hi)
		mk->hi = to;
	return 0;
}

/* ------------------------------------------------------- link targets */

/* Hosts that are markup vocabulary or search engines, never an injected target. */
static const char *const benign_suffix[] = {
	"w3.org", "xmlsoap.org", "wordpress.org", "w.org", "gmpg.org", "gstatic.com",
	"sitemaps.org", "schema.org", "ogp.me", "purl.org", "php.net", "xmlns.com",
	"openxmlformats.org", "adobe.com", "microsoft.com",
	/*
	 * Address look-up services every cloaker asks where a visitor is: one
	 * of them on two sites says nothing of who planted either.
	 */
	"ip-api.com", "ipinfo.io", "ipapi.co", "ipify.org", "geoplugin.net", "ipwho.is",
	"ipwhois.app", "ipgeolocation.io", "freegeoip.app", "extreme-ip-lookup.com",
	"ip-api.io", "db-ip.com", "ipdata.co", NULL
};
/*
 * Exact names: a suffix would hide what is hosted under them (judi landing
 * pages live in storage.googleapis.com buckets and on sites.google.com).
 */
static const char *const benign_exact[] = {
	"fonts.googleapis.com", "ajax.googleapis.com", "maps.googleapis.com",
	"google.com", "www.google.com", "google.co.id", "www.google.co.id", "bing.com",
	"www.bing.com", "search.yahoo.com", "yandex.com", "yandex.ru", "www.baidu.com",
	"duckduckgo.com", "localhost", NULL
};

struct links {
	const unsigned char *b;
	size_t n;
	const char *own;	/* normalised own domain, or NULL */
	size_t ownlen;
	/* Output mode: the result's domain list. */
	struct ronda_marker_result *out;
	/* Counting mode: distinct hosts off the site. */
	int foreign;
	char first[RONDA_MARKER_DOMAIN_MAX + 1];	/* the site, when own is NULL */
	uint64_t seen[SEEN_MAX];
	size_t nseen;
};

static int
is_host_char(unsigned char c)
{
	return isalnum(c) || c == '.' || c == '-' || c == '_' || c == ':' || c == '@' ||
	    c == '%';
}

/* Host h (lower case, len n): a DNS name of two labels or more, or IPv4. */
static int
valid_host(const char *h, size_t n)
{
	size_t lab = 0, labels = 0, i, tld = 0;
	int numeric = 1;

	if (n == 0 || n > RONDA_MARKER_DOMAIN_MAX)
		return 0;
	for (i = 0; i <= n; i++) {
		if (i == n || h[i] == '.') {
			if (lab == 0 || lab > 63 || h[i - 1] == '-' || h[i - lab] == '-')
				return 0;
			labels++;
			tld = i - lab;
			lab = 0;
			continue;
		}
		if (!((h[i] >= 'a' && h[i] <= 'z') || (h[i] >= '0' && h[i] <= '9') || h[i] == '-'))
			return 0;
		if (!(h[i] >= '0' && h[i] <= '9'))
			numeric = 0;
		lab++;
	}
	if (labels < 2)
		return 0;
	if (numeric) {
		int v = 0, parts = 0;
		if (labels != 4)
			return 0;
		for (i = 0; i <= n; i++) {
			if (i == n || h[i] == '.') {
				if (v > 255)
					return 0;
				v = 0;
				parts++;
			} else if ((v = v * 10 + (h[i] - '0')) > 255) {
				return 0;
			}
		}
		return parts == 4;
	}
	/* The top-level label starts with a letter ("co.id", "example", "xn--p1ai"). */
	return h[tld] >= 'a' && h[tld] <= 'z';
}

/* h equals d or is under it. */
static int
host_under(const char *h, size_t hn, const char *d, size_t dn)
{
	if (hn == dn)
		return memcmp(h, d, dn) == 0;
	return hn > dn && h[hn - dn - 1] == '.' && memcmp(h + hn - dn, d, dn) == 0;
}

static int
benign_host(const char *h, size_t n)
{
	for (int i = 0; benign_exact[i] != NULL; i++)
		if (strlen(benign_exact[i]) == n && memcmp(benign_exact[i], h, n) == 0)
			return 1;
	for (int i = 0; benign_suffix[i] != NULL; i++)
		if (host_under(h, n, benign_suffix[i], strlen(benign_suffix[i])))
			return 1;
	return 0;
}

/*
 * Normalise own domain into buf: lower case, no port, no trailing dot, no
 * leading "www." (its subdomains are the site's too). NULL when it is not a
 * host name (a site id that is not a DNS name judges nothing).
 */
static const char *
own_norm(const char *own, char *buf, size_t len, size_t *outlen)
{
	size_t n = 0;

	if (own == NULL)
		return NULL;
	for (const char *s = own; *s != '\0' && *s != ':' && *s != '/'; s++) {
		if (n + 1 >= len)
			return NULL;
		buf[n++] = (char)tolower((unsigned char)*s);
	}
	while (n > 0 && buf[n - 1] == '.')
		n--;
	buf[n] = '\0';
	if (n > 4 && memcmp(buf, "www.", 4) == 0) {
		memmove(buf, buf + 4, n - 4 + 1);
		n -= 4;
	}
	if (!valid_host(buf, n))
		return NULL;
	*outlen = n;
	return buf;
}

/* Whether hash h was seen; remembers it (while there is room). */
static int
seen_before(struct links *L, uint64_t h)
{
	for (size_t i = 0; i < L->nseen; i++)
		if (L->seen[i] == h)
			return 1;
	if (L->nseen < SEEN_MAX)
		L->seen[L->nseen++] = h;
	return 0;
}

static void
add_host(struct links *L, const char *h, size_t n)
{
	uint64_t hh;

	if (benign_host(h, n))
		return;
	if (L->own != NULL && host_under(h, n, L->own, L->ownlen))
		return;
	hh = ronda_qhash(h, n, QHASH_K2);
	if (L->out == NULL) {
		/* Counting: without an own domain, the first host is taken as the site. */
		if (L->own == NULL) {
			if (L->first[0] == '\0') {
				memcpy(L->first, h, n);
				L->first[n] = '\0';
				return;
			}
			if (strlen(L->first) == n && memcmp(L->first, h, n) == 0)
				return;
		}
		if (!seen_before(L, hh))
			L->foreign++;
		return;
	}
	for (int i = 0; i < L->out->ndomains; i++)
		if (strlen(L->out->domains[i]) == n && memcmp(L->out->domains[i], h, n) == 0)
			return;
	if (seen_before(L, hh))
		return;
	if (L->out->ndomains < RONDA_MARKER_DOMAINS) {
		memcpy(L->out->domains[L->out->ndomains], h, n);
		L->out->domains[L->out->ndomains][n] = '\0';
		L->out->ndomains++;
	} else {
		L->out->ndomains_more++;
	}
}

/* The authority at b[k..]: its host, when it is one. */
static void
take_authority(struct links *L, size_t k)
{
	char host[RONDA_MARKER_DOMAIN_MAX + 1];
	size_t end = k, lim = L->n - k > AUTHORITY_MAX ? k + AUTHORITY_MAX : L->n;
	size_t hs, he, n;

	while (end < lim && is_host_char(L->b[end]))
		end++;
	if (end == lim && lim < L->n)
		return;		/* longer than any authority */
	hs = k;
	for (size_t i = k; i < end; i++)
		if (L->b[i] == '@')
			hs = i + 1;
	he = hs;
	while (he < end && L->b[he] != ':')
		he++;
	for (size_t i = he + (he < end); i < end; i++)
		if (!isdigit(L->b[i]))
			return;	/* "host:port" only */
	n = he - hs;
	if (n == 0 || n > RONDA_MARKER_DOMAIN_MAX)
		return;
	for (size_t i = 0; i < n; i++)
		host[i] = (char)tolower(L->b[hs + i]);
	while (n > 0 && host[n - 1] == '.')
		n--;
	host[n] = '\0';
	if (valid_host(host, n))
		add_host(L, host, n);
}

/* b[i-len..i) is s, caseless. */
static int
ends_with(const unsigned char *b, size_t i, const char *s)
{
	size_t len = strlen(s);

	return i >= len && strncasecmp((const char *)b + i - len, s, len) == 0;
}

/*
 * A protocol-relative "//host" counts after href=, src=, action=,
 * Location: or url(: b[..i) ends with one of them, then up to three
 * quotes, blanks, '=', ':' or '('.
 */
static int
link_context(const unsigned char *b, size_t i)
{
	static const char *const words[] = { "href", "src", "action", "location", "url", NULL };
	size_t k = i;

	while (k > 0 && i - k < 4 && strchr("\"' =:(", b[k - 1]) != NULL && b[k - 1] != '\0')
		k--;
	if (k == i)
		return 0;
	for (int w = 0; words[w] != NULL; w++) {
		size_t wl = strlen(words[w]);
		if (ends_with(b, k, words[w]) && (k == wl || !isalnum(b[k - wl - 1])))
			return 1;
	}
	return 0;
}

/*
 * Every link target in b[lo..hi): "http://", "https://", their JSON-escaped
 * form "https:\/\/", and "//host" in a link attribute. A host may run past
 * hi, never past n.
 */
/*
 * Where the HTML/XML comment ("<!-- ... -->") that holds position i ends
 * (n when it is not closed), or i itself when no comment holds it; *open is
 * the scan's next comment start at or after the last one looked at. A link
 * in a comment is followed by nobody: a generator's credit
 * (<!-- sitemap-generator-url="http://www.arnebrachhold.de" -->) is not
 * one of the site's links, and spam hidden there ranks nothing.
 */
static size_t
comment_end(const unsigned char *b, size_t n, size_t i, size_t *open)
{
	while (*open < n && *open + 4 <= i + 1) {
		const unsigned char *c = memmem(b + *open + 4, n - *open - 4, "-->", 3);
		size_t end = c != NULL ? (size_t)(c - b) + 3 : n;
		const unsigned char *o;

		if (i < end)
			return end;
		o = end < n ? memmem(b + end, n - end, "<!--", 4) : NULL;
		*open = o != NULL ? (size_t)(o - b) : n;
	}
	return i;
}

static void
links_scan(struct links *L, size_t lo, size_t hi)
{
	const unsigned char *b = L->b;
	const unsigned char *o = L->n >= 4 ? memmem(b, L->n, "<!--", 4) : NULL;
	size_t i = lo, open = o != NULL ? (size_t)(o - b) : L->n;

	while (i < hi) {
		const unsigned char *s = memchr(b + i, '/', hi - i);
		size_t j, ce;

		if (s == NULL)
			break;
		j = (size_t)(s - b);
		i = j + 1;
		if ((ce = comment_end(b, L->n, j, &open)) != j) {
			i = ce;
			continue;
		}
		if (j + 1 < L->n && b[j + 1] == '/') {
			if (ends_with(b, j, "http:") || ends_with(b, j, "https:") ||
			    link_context(b, j)) {
				take_authority(L, j + 2);
				i = j + 2;
			}
		} else if (j >= 1 && b[j - 1] == '\\' && j + 2 < L->n && b[j + 1] == '\\' &&
		    b[j + 2] == '/') {
			if (ends_with(b, j - 1, "http:") || ends_with(b, j - 1, "https:")) {
				take_authority(L, j + 3);
				i = j + 3;
			}
		}
	}
}

static int
cmp_region(const void *a, const void *b)
{
	const uint64_t *x = a, *y = b;

	return x[0] < y[0] ? -1 : x[0] > y[0];
}

static int
domain_category(int cat)
{
	return cat == CAT_GAMBLING || cat == CAT_HIDDEN_LINK || cat == CAT_CLOAKING ||
	    cat == CAT_HTACCESS || cat == CAT_SITEMAP || cat == CAT_DEFACEMENT;
}

/*
 * The result's domains: link targets around the matches of the markers
 * that hit and say "links" (gambling, hidden links, cloaking, redirects,
 * sitemaps, defacements), in order of appearance; when there are none
 * there, anywhere in the bytes scanned. Looking near the matches first
 * keeps a page's ordinary outbound links (the province portal, social
 * media) from filling the list ahead of the injected ones.
 */
static void
fill_domains(struct ronda_markers *ms, const unsigned char *b, size_t n,
    const char *own, size_t ownlen, struct ronda_marker_result *out)
{
	struct links *L;
	uint64_t (*reg)[2];
	size_t nreg = 0;
	int any = 0;

	if (n == 0)
		return;
	if ((L = calloc(1, sizeof(*L))) == NULL)
		return;
	L->b = b;
	L->n = n;
	L->own = own;
	L->ownlen = ownlen;
	L->out = out;
	reg = (uint64_t (*)[2])ms->regions;
	for (size_t i = 0; i < ms->n; i++) {
		struct marker *mk = &ms->m[i];
		if (mk->ok_gen != ms->gen || !domain_category(mk->cat))
			continue;
		any = 1;
		if (mk->gen != ms->gen || mk->have_ex == EX_NONE)
			continue;
		reg[nreg][0] = mk->lo > LINK_MARGIN ? mk->lo - LINK_MARGIN : 0;
		reg[nreg][1] = mk->hi + LINK_MARGIN < n ? mk->hi + LINK_MARGIN : n;
		nreg++;
	}
	if (!any)
		goto done;
	qsort(reg, nreg, sizeof(reg[0]), cmp_region);
	for (size_t i = 0; i < nreg; ) {
		uint64_t lo = reg[i][0], hi = reg[i][1];
		for (i++; i < nreg && reg[i][0] <= hi; i++)
			if (reg[i][1] > hi)
				hi = reg[i][1];
		links_scan(L, (size_t)lo, (size_t)hi);
	}
	if (out->ndomains == 0 && out->ndomains_more == 0) {
		L->nseen = 0;
		links_scan(L, 0, n);
	}
done:
	free(L);
}

/* Distinct link targets off the site in b[0..n) (foreign_hosts:). */
static int
count_foreign(const unsigned char *b, size_t n, const char *own, size_t ownlen)
{
	struct links *L;
	int c;

	if (n == 0 || (L = calloc(1, sizeof(*L))) == NULL)
		return 0;
	L->b = b;
	L->n = n;
	L->own = own;
	L->ownlen = ownlen;
	links_scan(L, 0, n);
	c = L->foreign;
	free(L);
	return c;
}

/* ---------------------------------------------------------------- scan */

/*
 * Where the match of pattern p that ends at `to` starts: PCRE2 looks for
 * the leftmost match in the bytes before `to` that the longest match of p
 * could span (at most MK_BACK_MAX; the subject ends at `to`, so it cannot
 * run on past it). When it finds none (a budget
 * ran out, a construct the engines read differently), the end is used.
 */
static uint64_t
match_start(struct ronda_markers *ms, const struct mk_pat *p, const unsigned char *b,
    uint64_t to)
{
	uint64_t from = to > p->maxw ? to - p->maxw : 0;
	int rc;

	if (p->re == NULL || ms->md == NULL)
		return to;
	rc = pcre2_match(p->re, (PCRE2_SPTR)b, (PCRE2_SIZE)to, (PCRE2_SIZE)from, 0, ms->md,
	    ms->mctx);
	if (rc < 0)
		return to;
	return pcre2_get_ovector_pointer(ms->md)[0];
}

/* Up to RONDA_MARKER_EXCERPT bytes of b[0..n) with b[from..to) in the middle. */
static void
excerpt(struct ronda_marker_hit *h, const unsigned char *b, size_t n, uint64_t from,
    uint64_t to)
{
	size_t len, start, k;

	if (to > n)
		to = n;
	if (from > to)
		from = to;
	len = (size_t)(to - from);
	if (len >= RONDA_MARKER_EXCERPT)
		start = (size_t)from;
	else
		start = (size_t)from > (RONDA_MARKER_EXCERPT - len) / 2 ?
		    (size_t)from - (RONDA_MARKER_EXCERPT - len) / 2 : 0;
	if (start + RONDA_MARKER_EXCERPT > n)
		start = n > RONDA_MARKER_EXCERPT ? n - RONDA_MARKER_EXCERPT : 0;
	k = n - start < RONDA_MARKER_EXCERPT ? n - start : RONDA_MARKER_EXCERPT;
	memcpy(h->excerpt, b + start, k);
	h->excerpt[k] = '\0';
	h->excerpt_len = k;
}

/* Whether marker mk holds for this file, foreign hosts aside. */
static int
marker_holds(const struct ronda_markers *ms, const struct marker *mk, uint64_t full_size)
{
	int content = mk->gen == ms->gen;
	int path = mk->path_gen == ms->gen;

	if (mk->npath > 0 && !(path && mk->path_hit))
		return 0;
	if (path && mk->path_veto)
		return 0;
	if (mk->max_size > 0 && full_size > mk->max_size)
		return 0;
	if (mk->npos > 0 && (!content || mk->pos_hits < (unsigned)mk->min_matches))
		return 0;
	if (mk->nreq > 0 && (!content || mk->req_hits < mk->nreq))
		return 0;
	if (mk->near > 0 && !mk->near_ok)
		return 0;
	if (content && mk->vetoed)
		return 0;
	return 1;
}

/* Insert mk into out->hits, kept sorted by severity (a full list keeps the worst). */
static void
add_hit(struct ronda_markers *ms, struct ronda_marker_result *out, const struct marker *mk,
    int content, const unsigned char *b, size_t n)
{
	struct ronda_marker_hit *h;
	int i;

	if (mk->severity > out->severity)
		out->severity = mk->severity;
	if (out->nhits == RONDA_MARKER_HITS) {
		out->nmore++;
		if (out->hits[out->nhits - 1].severity >= mk->severity)
			return;
		out->nhits--;
	}
	for (i = out->nhits; i > 0 && out->hits[i - 1].severity < mk->severity; i--)
		out->hits[i] = out->hits[i - 1];
	h = &out->hits[i];
	memset(h, 0, sizeof(*h));
	h->id = mk->id;
	h->name = mk->name;
	h->category = mk->category;
	h->family = mk->family;
	h->severity = mk->severity;
	if (content && mk->have_ex != EX_NONE)
		excerpt(h, b, n, match_start(ms, &ms->pats[mk->ex_pat], b, mk->ex_to), mk->ex_to);
	out->nhits++;
}

static void __attribute__((format(printf, 3, 4)))
seterr(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (err == NULL || errlen == 0)
		return;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

int
ronda_markers_scan(struct ronda_markers *ms, const char *relpath,
    const unsigned char *buf, size_t n, uint64_t full_size, const char *own_domain,
    struct ronda_marker_result *out, char *err, size_t errlen)
{
	char ownbuf[RONDA_MARKER_DOMAIN_MAX + 1];
	const char *own;
	size_t ownlen = 0, pathlen;
	int foreign = -1, nhits = 0;
	hs_error_t rc;

	memset(out, 0, sizeof(*out));
	if (err != NULL && errlen > 0)
		err[0] = '\0';
	if (ms == NULL)
		return 0;
	if (buf == NULL)
		n = 0;
	if (n > SCAN_MAX)
		n = SCAN_MAX;
	out->content_cut = full_size > n;
	if (++ms->gen == 0) {
		/* Wrapped: old marks could look current. */
		for (size_t i = 0; i < ms->n; i++)
			ms->m[i].gen = ms->m[i].path_gen = ms->m[i].ok_gen = 0;
		for (size_t i = 0; i < ms->npats; i++)
			ms->pats[i].gen = 0;
		ms->gen = 1;
	}
	if (relpath == NULL)
		relpath = "";
	pathlen = strlen(relpath);
	if (ms->pdb != NULL && pathlen > 0) {
		char pbuf[PATH_SCAN_MAX + SCAN_PAD];
		if (pathlen > PATH_SCAN_MAX)
			pathlen = PATH_SCAN_MAX;
		memcpy(pbuf, relpath, pathlen);
		memset(pbuf + pathlen, 0, SCAN_PAD);
		rc = hs_scan(ms->pdb, pbuf, (unsigned)pathlen, 0, ms->scratch, on_match, ms);
		if (rc != HS_SUCCESS) {
			seterr(err, errlen, "markers: path scan failed (Hyperscan error %d)", rc);
			return -1;
		}
	}
	if (ms->cdb != NULL && n > 0) {
		if (ms->padcap < n + SCAN_PAD) {
			unsigned char *p = realloc(ms->pad, n + SCAN_PAD);
			if (p == NULL) {
				seterr(err, errlen, "markers: out of memory for a %zu-byte scan", n);
				return -1;
			}
			ms->pad = p;
			ms->padcap = n + SCAN_PAD;
		}
		memcpy(ms->pad, buf, n);
		memset(ms->pad + n, 0, SCAN_PAD);
		rc = hs_scan(ms->cdb, (const char *)ms->pad, (unsigned)n, 0, ms->scratch, on_match,
		    ms);
		if (rc != HS_SUCCESS) {
			seterr(err, errlen, "markers: content scan failed (Hyperscan error %d)", rc);
			return -1;
		}
	}
	own = own_norm(own_domain, ownbuf, sizeof(ownbuf), &ownlen);
	for (size_t i = 0; i < ms->n; i++) {
		struct marker *mk = &ms->m[i];
		if (!marker_holds(ms, mk, full_size))
			continue;
		if (mk->foreign_hosts > 0) {
			if (foreign < 0)
				foreign = count_foreign(buf, n, own, ownlen);
			if (foreign < mk->foreign_hosts)
				continue;
		}
		mk->ok_gen = ms->gen;
		/* A marker that hit on its path alone has no content match to show. */
		add_hit(ms, out, mk, mk->gen == ms->gen, buf, n);
		nhits++;
	}
	if (nhits > 0)
		fill_domains(ms, buf, n, own, ownlen, out);
	return nhits;
}

/* ---------------------------------------------------------- self tests */

static int
result_has_domain(const struct ronda_marker_result *r, const char *d)
{
	for (int i = 0; i < r->ndomains; i++)
		if (strcasecmp(r->domains[i], d) == 0)
			return 1;
	return 0;
}

static void
run_tests(struct ronda_markers *ms)
{
	struct ronda_marker_result *r = mk_xrealloc(NULL, sizeof(*r));
	char err[256];

	for (size_t i = 0; i < ms->n; i++) {
		struct marker *mk = &ms->m[i];

		for (size_t t = 0; t < mk->ntmatch + mk->ntnomatch; t++) {
			int match = t < mk->ntmatch;
			struct mk_test *c = match ? &mk->tmatch[t] : &mk->tnomatch[t - mk->ntmatch];

			if (ronda_markers_scan(ms, c->path, (const unsigned char *)c->content, c->len,
			    c->size, c->own_domain, r, err, sizeof(err)) == -1) {
				mk_err(ms, mk->file, c->line, mk->id, "test: %s", err);
				continue;
			}
			if (match && mk->ok_gen != ms->gen) {
				mk_err(ms, mk->file, c->line, mk->id, "test case does not match");
				continue;
			}
			if (!match && mk->ok_gen == ms->gen) {
				mk_err(ms, mk->file, c->line, mk->id, "test case matches but must not");
				continue;
			}
			for (size_t d = 0; d < c->ndomains; d++)
				if (!result_has_domain(r, c->domains[d]))
					mk_err(ms, mk->file, c->line, mk->id,
					    "test case: domain %s not among the result's domains",
					    c->domains[d]);
		}
	}
	free(r);
}

/* ------------------------------------------------------------ lifecycle */

static struct ronda_markers *
set_new(struct ronda_cfg_errors *errs)
{
	struct ronda_markers *ms = calloc(1, sizeof(*ms));

	if (ms != NULL)
		ms->errs = errs;
	return ms;
}

/* Validate, compile (or load from cache_dir) and self-test what was parsed. ms or NULL (freed). */
static struct ronda_markers *
set_finish(struct ronda_markers *ms, const char *cache_dir)
{
	uint64_t key = 0;
	int cached = 0;

	/*
	 * Always, even after other errors (every problem is reported in one
	 * pass): it checks the patterns and gives what the scan needs.
	 */
	check_patterns(ms);
	if (ms->nerr > 0)
		goto fail;
	if (ms->n == 0) {
		mk_errs_addf(ms, "markers: no markers loaded");
		goto fail;
	}
	if (cache_dir != NULL) {
		key = mk_cache_key(ms);
		cached = mk_cache_load(ms, cache_dir, key) == 0;
	}
	if (!cached && (compile_db(ms, 0, &ms->cdb) == -1 || compile_db(ms, 1, &ms->pdb) == -1))
		goto fail;
	ms->regions = mk_xrealloc(NULL, (ms->n + 1) * 2 * sizeof(uint64_t));
	/* Budgets for the excerpts' re-run (decoder.c's, which hostile lines were tried on). */
	if ((ms->md = pcre2_match_data_create(1, NULL)) == NULL ||
	    (ms->mctx = pcre2_match_context_create(NULL)) == NULL) {
		mk_errs_addf(ms, "markers: out of memory");
		goto fail;
	}
	pcre2_set_match_limit(ms->mctx, MATCH_LIMIT);
	pcre2_set_depth_limit(ms->mctx, DEPTH_LIMIT);
	run_tests(ms);
	if (ms->nerr > 0)
		goto fail;
	if (cache_dir != NULL && !cached)
		mk_cache_store(ms, cache_dir, key);
	ms->errs = NULL;
	return ms;
fail:
	ronda_markers_free(ms);
	return NULL;
}

struct ronda_markers *
ronda_markers_load(const struct ronda_strlist *paths, struct ronda_cfg_errors *errs)
{
	return ronda_markers_load_cached(paths, NULL, errs);
}

struct ronda_markers *
ronda_markers_load_cached(const struct ronda_strlist *paths, const char *cache_dir,
    struct ronda_cfg_errors *errs)
{
	struct ronda_markers *ms = set_new(errs);

	if (ms == NULL)
		return NULL;
	if (paths == NULL || paths->n == 0) {
		char dir[PATH_MAX];
		if (mk_shipped_dir(dir, sizeof(dir)) == -1) {
			mk_errs_addf(ms, "markers: the shipped markers were not found in "
			    RONDA_DATADIR "/rules/webroot");
			ronda_markers_free(ms);
			return NULL;
		}
		mk_load_path(ms, dir);
	} else {
		for (size_t i = 0; i < paths->n; i++)
			mk_load_path(ms, paths->v[i]);
	}
	return set_finish(ms, cache_dir);
}

struct ronda_markers *
ronda_markers_load_string(const char *name, const char *text, size_t len,
    struct ronda_cfg_errors *errs)
{
	struct ronda_markers *ms = set_new(errs);

	if (ms == NULL)
		return NULL;
	if (len > MARKER_FILE_MAX)
		mk_errs_addf(ms, "%s: larger than %d bytes", name, MARKER_FILE_MAX);
	else
		mk_parse_text(ms, name, text, len);
	return set_finish(ms, NULL);
}

void
ronda_markers_free(struct ronda_markers *ms)
{
	if (ms == NULL)
		return;
	for (size_t i = 0; i < ms->n; i++)
		mk_marker_free_fields(&ms->m[i]);
	free(ms->m);
	for (size_t i = 0; i < ms->npats; i++) {
		free(ms->pats[i].expr);
		pcre2_code_free(ms->pats[i].re);
	}
	free(ms->pats);
	for (size_t i = 0; i < ms->nfiles; i++)
		free(ms->files[i]);
	free(ms->files);
	hs_free_database(ms->cdb);
	hs_free_database(ms->pdb);
	hs_free_scratch(ms->scratch);
	free(ms->pad);
	free(ms->regions);
	pcre2_match_data_free(ms->md);
	pcre2_match_context_free(ms->mctx);
	free(ms);
}

size_t
ronda_markers_count(const struct ronda_markers *ms)
{
	return ms != NULL ? ms->n : 0;
}
