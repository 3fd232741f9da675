/*
 * fuzz_marker_scan.c — libFuzzer target for the web-root content scanner,
 * run with the shipped markers (rules/webroot/, loaded once). Input layout:
 * byte 0 = the relative path's length (low 7 bits) and whether the site's
 * own domain is given (high bit); then the path; the rest is the file's
 * content, copied into a buffer of its exact size so ASan sees any read
 * past the end (the low bit of byte 0 also says the file was longer). The
 * result must respect every cap of marker.h: hits and domains counted and
 * bounded, excerpts inside the content, domains lower case host names that
 * are not the site's own.
 */
#include <assert.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "marker.h"

static struct ronda_markers *set;

/*
 * Compiling the shipped set under the fuzzer's sanitizers takes seconds:
 * done once, before the first input (libFuzzer's per-input timeout does
 * not count it), and kept in build/fuzz/marker-cache/ for the next run.
 */
int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	struct ronda_cfg_errors errs = { 0 };
	struct ronda_strlist none = { NULL, 0 };
	char exe[PATH_MAX], cache[PATH_MAX + 32];
	ssize_t n;

	(void)argc;
	(void)argv;
	cache[0] = '\0';
	if ((n = readlink("/proc/self/exe", exe, sizeof(exe) - 1)) > 0) {
		exe[n] = '\0';
		if (strrchr(exe, '/') != NULL)
			*strrchr(exe, '/') = '\0';
		snprintf(cache, sizeof(cache), "%s/../marker-cache", exe);
		mkdir(cache, 0700);
	}
	set = ronda_markers_load_cached(&none, cache[0] ? cache : NULL, &errs);
	if (set == NULL) {
		for (size_t i = 0; i < errs.n; i++)
			fprintf(stderr, "%s\n", errs.v[i]);
		abort();
	}
	ronda_cfg_errors_free(&errs);
	return 0;
}

static int
inside(const char *p, size_t len, const unsigned char *b, size_t n)
{
	/* An excerpt is a copy: it must equal some slice of the content. */
	if (len == 0)
		return 1;
	if (len > n)
		return 0;
	for (size_t at = 0; at + len <= n; at++)
		if (memcmp(b + at, p, len) == 0)
			return 1;
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ronda_marker_result r;
	char path[128], err[256];
	const char *own;
	unsigned char *content;
	size_t plen, n;
	int rc;

	if (size < 1)
		return 0;
	plen = data[0] & 0x7f;
	own = (data[0] & 0x80) ? "bontangkota.go.id" : NULL;
	if (plen > size - 1)
		plen = size - 1;
	memcpy(path, data + 1, plen);
	path[plen] = '\0';
	n = size - 1 - plen;
	content = malloc(n ? n : 1);
	if (content == NULL)
		return 0;
	memcpy(content, data + 1 + plen, n);

	rc = ronda_markers_scan(set, path, content, n, n + (data[0] & 1), own, &r, err,
	    sizeof(err));
	assert(rc >= 0);
	assert(rc == r.nhits + r.nmore);
	assert(r.nhits >= 0 && r.nhits <= RONDA_MARKER_HITS);
	assert(r.nmore >= 0);
	assert(r.severity >= 0 && r.severity <= 4);
	assert(r.content_cut == (data[0] & 1));
	for (int i = 0; i < r.nhits; i++) {
		const struct ronda_marker_hit *h = &r.hits[i];
		assert(h->id != NULL && h->name != NULL && h->category != NULL);
		assert(h->severity >= 1 && h->severity <= r.severity);
		assert(h->excerpt_len <= RONDA_MARKER_EXCERPT);
		assert(h->excerpt[h->excerpt_len] == '\0');
		assert(inside(h->excerpt, h->excerpt_len, content, n));
		if (i > 0)
			assert(r.hits[i - 1].severity >= h->severity);
	}
	assert(r.ndomains >= 0 && r.ndomains <= RONDA_MARKER_DOMAINS);
	assert(r.ndomains_more >= 0);
	for (int i = 0; i < r.ndomains; i++) {
		size_t dl = strlen(r.domains[i]);
		assert(dl > 0 && dl <= RONDA_MARKER_DOMAIN_MAX);
		for (size_t k = 0; k < dl; k++) {
			char c = r.domains[i][k];
			assert((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '-');
		}
		if (own != NULL) {
			size_t ol = strlen(own);
			assert(strcmp(r.domains[i], own) != 0);
			assert(!(dl > ol && r.domains[i][dl - ol - 1] == '.' &&
			    strcmp(r.domains[i] + dl - ol, own) == 0));
		}
		for (int j = 0; j < i; j++)
			assert(strcmp(r.domains[i], r.domains[j]) != 0);
	}
	free(content);
	return 0;
}
